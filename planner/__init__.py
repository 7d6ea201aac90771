"""plan: choose an LLM training run (size, tokens, GPUs, region, alignment) as one exact MIP.

`planner.whatif(...)` and `planner.frontier(...)` return pandas DataFrames.
"""

from planner.frontier import frontier  # noqa: E402  -- planner.frontier(...) -> DataFrame
from planner.whatif import whatif  # noqa: E402  -- planner.whatif(...) -> DataFrame

__all__ = ["whatif", "frontier"]
