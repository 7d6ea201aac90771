"""plan: choose an LLM training run (size, tokens, GPUs, region, alignment) as one exact MIP.

`planner.whatif(...)` and `planner.frontier(...)` return pandas DataFrames; they are imported on
first use so that `plan solve` does not load pandas.
"""

from __future__ import annotations

from typing import Any

__all__ = ["whatif", "frontier"]


def __getattr__(name: str) -> Any:
    if name == "whatif":
        from planner.whatif import whatif

        return whatif
    if name == "frontier":
        from planner.frontier import frontier

        return frontier
    raise AttributeError(f"module 'planner' has no attribute {name!r}")
