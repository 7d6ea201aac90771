"""plan: choose an LLM training run (size, tokens, GPUs, region, alignment) as one exact MIP.

Subpackages follow the data flow: input (YAML -> validated Instance) -> formulas (README's
formulas, once) -> optimize (derive, presolve, the MIP, HiGHS, explanations) -> analysis (what-if,
frontier, compare, fit) -> present (tables, JSON, plots) -> cli (one module per command).

`planner.whatif(...)` and `planner.frontier(...)` return pandas DataFrames (imported on first use).
"""

from __future__ import annotations

__all__ = ["whatif", "frontier"]


def __getattr__(name: str):
    if name == "whatif":
        from planner.analysis.whatif import whatif
        return whatif
    if name == "frontier":
        from planner.analysis.frontier import frontier
        return frontier
    raise AttributeError(f"module 'planner' has no attribute {name!r}")
