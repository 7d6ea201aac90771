"""plan: choose an LLM training run (size, tokens, GPUs, region, alignment) as one exact MIP.

Subpackages follow the data flow: input (YAML -> validated Instance) -> formulas (README's
formulas, once) -> optimize (derive, presolve, the MIP, HiGHS, explanations) -> analysis (what-if,
frontier, compare, fit) -> present (tables, JSON, plots) -> cli (one module per command).

From Python (planner/api.py, docs/python-api.md):

    import planner
    planner.solve("instances/startup-7b.yaml", limits__budget_usd=1.5e6)   # the JSON record, a dict
    planner.whatif(path, ["limits.budget_usd=1e6:4e6:4log"])                # pandas DataFrames:
    planner.frontier(path), planner.rank(path, by="gpu")                     # one row per plan
"""

from __future__ import annotations

_API = ("load", "solve", "evaluate", "whatif", "frontier", "rank")
__all__ = list(_API)


def __getattr__(name: str):
    if name in _API:  # imported on first use: `import planner` stays light
        from planner import api

        return getattr(api, name)
    raise AttributeError(f"module 'planner' has no attribute {name!r}")
