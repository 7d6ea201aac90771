"""How far a cluster scales: the largest useful GPU count for a model of N parameters on D tokens.

Two published facts bound it (the instance's `scale:` block; absent = no bound):

1. The compute-optimal global batch grows with compute. DeepSeek LLM (Bi et al. 2024,
   arXiv:2401.02954, sec. 3.1) fits  B_opt = 0.292 C^0.3271  tokens (C = k N D FLOP); above the
   critical batch, more tokens per step buy little (McCandlish et al. 2018, arXiv:1812.06162).
   The largest useful global batch is  B_max = batch_multiple x B_opt  (practice: 0.25-2x;
   Llama 3 405B ended at 16M tokens, 0.24x of B_opt(3.8e25); DeepSeek-V3 ran 63M, 2.1x).
2. Every model-parallel group (tensor x pipeline) holds at least one sequence per step. The
   degree memory needs is
       mp(N) = max(1, ceil(replica_bytes_per_param N_total / (replica_memory_share memory_gb 1e9)))
   (default: BF16 weights, 2 bytes/param, in half the GPU's memory; gradients and optimizer state
   sharded over data parallelism, ZeRO-3/FSDP: Rajbhandari et al. 2020, arXiv:1910.02054), so a
   step on n GPUs holds at least  (n / mp) x sequence_tokens  tokens: sequence_tokens / mp per GPU.

Together:   n <= n_max(N, D) = mp(N) B_max(k N D) / sequence_tokens
or, solved for the compute:   k N D >= C_min(n) = (n sequence_tokens / (mp batch_multiple c))^(1/e)

n_max grows with D, so for a fixed count the limit is a lower bound on the tokens; the count stays
an exact choice among node multiples. Works on floats and numpy arrays.
"""

from __future__ import annotations

import numpy as np

#: Relative slack of the limit (a count at the limit within rounding is allowed).
SCALE_TOL = 1e-9


def model_parallel_gpus(scale, total_params, memory_gb):
    """mp(N): GPUs one model replica spans (tensor x pipeline degree) by memory (module docstring)."""
    need = scale.replica_bytes_per_param * np.asarray(total_params, dtype=float) / (
        scale.replica_memory_share * np.asarray(memory_gb, dtype=float) * 1e9)
    out = np.maximum(1.0, np.ceil(need * (1 - 1e-12)))
    return out if np.ndim(out) else float(out)


def batch_limit_tokens(scale, flops):
    """B_max = batch_multiple x batch_coefficient x C^batch_exponent tokens (C in FLOP)."""
    return scale.batch_multiple * scale.batch_coefficient * np.asarray(flops, dtype=float) ** scale.batch_exponent


def max_useful_gpus(scale, flops, mp):
    """n_max = mp B_max(C) / sequence_tokens: the most GPUs a run of C FLOP keeps busy."""
    return mp * batch_limit_tokens(scale, flops) / scale.sequence_tokens


def min_flops_for_gpus(scale, gpu_count, mp):
    """C_min(n) = (n sequence_tokens / (mp batch_multiple c))^(1/e): the least pretraining compute
    at which n GPUs are useful (the inverse of max_useful_gpus)."""
    ratio = np.asarray(gpu_count, dtype=float) * scale.sequence_tokens / (
        mp * scale.batch_multiple * scale.batch_coefficient)
    return ratio ** (1.0 / scale.batch_exponent)


def least_global_batch_tokens(scale, gpu_count, mp):
    """(n / mp) x sequence_tokens: the global batch of one sequence per model-parallel group."""
    return np.asarray(gpu_count, dtype=float) / mp * scale.sequence_tokens
