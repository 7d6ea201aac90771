"""Achieved FLOP/s per GPU, with the size-dependent utilisation of README "Second edition" (mfu(N)).

    mfu_g(N)  = min(mfu_max, mfu * (min(N, mfu_max_params) / mfu_ref_params) ^ mfu_size_exponent)
    rate_g(N) = peak_g * mfu_g(N) * moe.mfu_factor                       FLOP/s per GPU

bf16 reads `peak_tflops` and `mfu`; under `precision: fp8` the FP8 peak `peak_fp8_tflops` and
`mfu_fp8` (`mfu` where the GPU gives none), scaled by the same size factor and capped by `mfu_max`.
N is the active parameter count of an MoE model. `mfu_max_params` (the largest calibrated run; absent
= no bound) keeps the curve from rising past what was measured: the catalog's Hopper fit would give
0.43 at 800B, where no run has been published; bounded at Llama 3.1 405B it stays at 0.39. With the default exponent 0 the factor is exactly
1 and mfu(N) = mfu (the first edition). Works on a float N or a numpy array of sizes.
"""

from __future__ import annotations

import numpy as np

from planner.errors import InputError
from planner.input.schema import Gpu, Instance


def peak_flops(gpu: Gpu, precision: str) -> float:
    """Dense peak FLOP/s of one GPU at `precision` (bf16 or fp8)."""
    if precision == "fp8":
        if gpu.peak_fp8_tflops is None:
            raise InputError("gpus", f"{gpu.name}: precision fp8 needs peak_fp8_tflops")
        return gpu.peak_fp8_tflops * 1e12
    return gpu.peak_tflops * 1e12


def mfu_at_size(gpu: Gpu, params, precision: str = "bf16"):
    """mfu_g(N) (module docstring): the utilisation a model of `params` active parameters reaches."""
    base = gpu.mfu_fp8 if precision == "fp8" and gpu.mfu_fp8 is not None else gpu.mfu
    size = np.asarray(params, dtype=float)
    if gpu.mfu_max_params is not None:
        size = np.minimum(size, gpu.mfu_max_params)
    scaled = base * (size / gpu.mfu_ref_params) ** gpu.mfu_size_exponent
    out = np.minimum(gpu.mfu_max, scaled)   # x**0 is exactly 1: the default keeps mfu as given
    return out if np.ndim(params) else float(out)


def flop_rate(instance: Instance, gpu: Gpu, params):
    """rate_g(N) = peak x mfu_g(N) x moe.mfu_factor: achieved FLOP/s per GPU (module docstring)."""
    moe = instance.moe.mfu_factor if instance.moe is not None else 1.0
    return peak_flops(gpu, instance.precision) * mfu_at_size(gpu, params, instance.precision) * moe
