"""plan: choose an LLM training run (size, tokens, GPUs, region, alignment) as one exact MIP."""

from planner.whatif import whatif  # noqa: E402  -- planner.whatif(...) -> DataFrame
from planner.frontier import frontier  # noqa: E402  -- planner.frontier(...) -> DataFrame
