"""The loss target and the tokens it needs, with the confidence targets of README "Second edition".

    target      = targets.max_loss, or L(match.params, match.tokens) under the instance's law
                  (the reference run's tokens taken as unique: its own data, not this instance's)
    Dmin(N)     = least D with L(N, D) <= target                    (scaling_law.tokens_for_loss)
    with targets.confidence c and S sampled laws:
    Dmin(N)     = the ceil(c S)-th smallest of the samples' Dmin_s(N) (inf for a sample whose floor
                  E_s + A_s/N^alpha_s is at or above the target): then at least ceil(c S) samples
                  meet the target at every D >= Dmin(N), and no smaller D does.
    target_probability(N, D) = share of samples s with L_s(N, D) <= target

Sampled laws use the instance's data settings (unique tokens, repetition R*).
"""

from __future__ import annotations

import math

import numpy as np

from planner.formulas import scaling_law
from planner.input.schema import Instance


def target_loss(instance: Instance) -> float | None:
    """The loss target (module docstring), None without one."""
    targets = instance.targets
    if targets.max_loss is not None:
        return targets.max_loss
    if targets.match is not None:
        return scaling_law.loss(instance.scaling_law, targets.match.params, targets.match.tokens)
    return None


def _samples(instance: Instance) -> tuple[np.ndarray, ...]:
    laws = instance.scaling_law_samples or []
    return tuple(np.array([getattr(s, k) for s in laws], dtype=float)[:, None] for k in ("E", "A", "B", "alpha", "beta"))


def min_tokens(instance: Instance, params) -> np.ndarray:
    """Dmin(N) for an array of sizes (module docstring); zeros without a target."""
    params = np.asarray(params, dtype=float)
    target = target_loss(instance)
    if target is None:
        return np.zeros_like(params)
    data = instance.data
    law = instance.scaling_law
    point = scaling_law.tokens_for_loss_array(law.E, law.A, law.B, law.alpha, law.beta, params, target,
                                              data.unique_tokens, data.repetition_rstar)
    confidence = instance.targets.confidence
    if confidence is None:
        return point
    E, A, B, alpha, beta = _samples(instance)
    per_sample = scaling_law.tokens_for_loss_array(E, A, B, alpha, beta, params[None, :], target,
                                                   data.unique_tokens, data.repetition_rstar)
    needed = math.ceil(confidence * per_sample.shape[0] - 1e-12)
    return np.sort(per_sample, axis=0)[needed - 1]


def target_probability(instance: Instance, params: float, tokens: float) -> float | None:
    """Share of the sampled laws meeting the target at (N, D); None without samples or target."""
    target = target_loss(instance)
    if target is None or not instance.scaling_law_samples:
        return None
    data = instance.data
    deff = scaling_law.effective_tokens(tokens, data.unique_tokens, data.repetition_rstar)
    E, A, B, alpha, beta = (x[:, 0] for x in _samples(instance))
    losses = E + A / params**alpha + B / deff**beta
    return float(np.mean(losses <= target * (1 + 1e-12)))
