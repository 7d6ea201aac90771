"""Scaling-law arithmetic: loss from (N, D), and the tokens a loss target needs.

    L(N, D) = E + A / N^alpha + B / Deff^beta                      (Hoffmann et al. 2022)

    Deff = D                                    if D <= U
    Deff = U + U * Rstar * (1 - exp(-R/Rstar))  if D > U, R = D/U - 1  (Muennighoff et al. 2023)

Pure functions of plain floats; U = None means unlimited unique data (Deff = D).
"""

from __future__ import annotations

import math

import numpy as np

from planner.input.schema import ScalingLaw


def data_token_cap(data) -> float:
    """The most pretraining tokens the data allow: U x max_epochs (inf without a max_epochs)."""
    return data.unique_tokens * data.max_epochs if data.max_epochs is not None else math.inf


def effective_tokens(tokens, unique_tokens: float | None, rstar: float):
    """Deff: repeated tokens are worth less (formula in the module docstring); float or numpy array."""
    if unique_tokens is None:
        return tokens
    d = np.asarray(tokens, dtype=float)
    repeats = np.maximum(d / unique_tokens - 1.0, 0.0)
    out = np.where(d <= unique_tokens, d, unique_tokens + unique_tokens * rstar * (-np.expm1(-repeats / rstar)))
    return out if np.ndim(out) else float(out)


def loss(law: ScalingLaw, params: float, tokens: float, unique_tokens: float | None = None,
         rstar: float = 15.4) -> float:
    """L(N, D) in nats/token, with data repetition when D > U."""
    deff = effective_tokens(tokens, unique_tokens, rstar)
    return law.E + law.A / params**law.alpha + law.B / deff**law.beta


def tokens_for_loss(law: ScalingLaw, params: float, max_loss: float,
                    unique_tokens: float | None = None, rstar: float = 15.4) -> float:
    """The least D with L(N, D) <= max_loss; math.inf when no D reaches it.

    Deff_needed = (B / (max_loss - E - A/N^alpha))^(1/beta); if Deff_needed <= U then D = Deff_needed,
    else invert the repetition formula: R = -Rstar * ln(1 - (Deff_needed/U - 1)/Rstar), D = U (1 + R),
    which exists only while Deff_needed < U (1 + Rstar).
    """
    return float(tokens_for_loss_array(law.E, law.A, law.B, law.alpha, law.beta, params, max_loss,
                                       unique_tokens, rstar))


def tokens_for_loss_array(E, A, B, alpha, beta, params, max_loss: float,
                          unique_tokens: float | None = None, rstar: float = 15.4) -> np.ndarray:
    """tokens_for_loss over numpy arrays (broadcast: laws x sizes), inf where no D reaches the
    target; the same formula, computed without a Python loop (derive's sizes, 6.5's samples)."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        headroom = max_loss - E - A / np.asarray(params, dtype=float) ** alpha
        ok = headroom > 0
        deff = np.where(ok, (B / np.where(ok, headroom, 1.0)) ** (1.0 / beta), np.inf)
        if unique_tokens is None:
            return deff
        excess = (deff / unique_tokens - 1.0) / rstar
        reachable = excess < 1.0
        repeated = unique_tokens * (1.0 - rstar * np.log1p(-np.where(reachable, excess, 0.0)))
        return np.where(deff <= unique_tokens, deff, np.where(reachable, repeated, np.inf))


def loss_slope(law: ScalingLaw, tokens: float, unique_tokens: float | None, rstar: float) -> float:
    """d/dD of B / Deff(D)^beta (negative): -beta B Deff^(-beta-1) * dDeff/dD,
    with dDeff/dD = 1 for D <= U and exp(-R/Rstar) beyond."""
    deff = effective_tokens(tokens, unique_tokens, rstar)
    ddeff = 1.0
    if unique_tokens is not None and tokens > unique_tokens:
        ddeff = math.exp(-(tokens / unique_tokens - 1.0) / rstar)
    return -law.beta * law.B * deff ** (-law.beta - 1.0) * ddeff


def data_term(law: ScalingLaw, tokens: float, unique_tokens: float | None, rstar: float) -> float:
    """B / Deff(D)^beta: the part of the loss that tokens buy down (convex, decreasing in D)."""
    return law.B / effective_tokens(tokens, unique_tokens, rstar) ** law.beta


def compute_optimal_split(law: ScalingLaw, flops: float, k: float = 6.0) -> tuple[float, float]:
    """(N*, D*) minimising L for C = k N D (no repetition):
    G = (alpha A / (beta B))^(1/(alpha+beta)), N* = G (C/k)^(beta/(alpha+beta)), D* = C/(k N*)."""
    a, b = law.alpha, law.beta
    g = (a * law.A / (b * law.B)) ** (1.0 / (a + b))
    n_opt = g * (flops / k) ** (b / (a + b))
    return n_opt, flops / (k * n_opt)
