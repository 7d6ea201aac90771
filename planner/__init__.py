"""plan: choose an LLM training run (size, tokens, GPUs, region, alignment) as one exact MIP."""
