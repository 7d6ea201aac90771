"""Throughput with its spread: P10/P50/P90 of a plan and the chance it meets its limits (issue 20).

Published runs scatter around the calibrated MFU curve (scripts/fit_mfu_spread.py measures it by GPU
generation and size class): a run's GPU-hours are the prediction times exp(r),

    r ~ Normal(mu, sigma^2)       (mu, sigma) = the GPU's `mfu_spread` cell for the plan's N

i.e. the achieved MFU is the curve's times a lognormal factor X = exp(-r). Every time-like figure
of a plan is its ideal GPU-seconds S times a rate (planner.formulas.cluster; failure waste depends
on the GPU count only), so each is proportional to 1/X = exp(r):

    GPU-hours, days, energy, CO2 (training)  = point x exp(r)
    cost                                      = V exp(r) + F     V = compute + staff + development
                                                                 F = data + labels + fixed
Each is increasing in r, so its quantiles are the figure at r's quantiles (closed form, exact):

    P_q(figure) = figure at r = mu + sigma z_q        z_10 = -1.2816, z_50 = 0, z_90 = +1.2816

and a limit L on a figure a exp(r) + b is met when r <= ln((L - b) / a):

    P(met) = Phi((ln((L - b)/a) - mu) / sigma)          (0 when L <= b)

All limits are increasing in r, so all are met together when r is below the least of their
thresholds: P(all met) = Phi((min_k threshold_k - mu) / sigma).

Planning for a confidence p (`limits.confidence`): every GPU-second of a candidate is multiplied by
q = exp(mu + sigma z_p) of its GPU's cell at its size (1 for a GPU without a spread), so the plan is
priced, limited and optimised at the throughput it beats with probability p: its limits then hold
with probability at least p (exactly p for a binding one), since every limit is increasing in r. The point estimate the planner
optimises is r = 0 (the curve); it is the median when mu = 0. Serving (its own serving_mfu) and the
lifetime's serving part do not scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: z of the 10th and 90th percentiles of the standard normal.
Z90 = 1.2815515655446004


@dataclass(frozen=True)
class Band:
    """P10 / P50 / P90 of one figure."""

    p10: float
    p50: float
    p90: float


@dataclass(frozen=True)
class ThroughputSpread:
    """A plan's figures under the throughput spread (module docstring)."""

    log_mean: float
    log_sd: float
    gpu_hours: Band
    duration_days: Band
    cost_usd: Band
    co2_t: Band
    probability: dict[str, float]     # limit -> P(met); `all` when any limit applies


def standard_normal_cdf(x: float) -> float:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2."""
    if x == math.inf:
        return 1.0
    if x == -math.inf:
        return 0.0
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def cell_for(spread, params: float):
    """The `mfu_spread` cell holding `params` (min_params <= N < max_params), or None."""
    for cell in spread or ():
        if cell.min_params <= params < cell.max_params:
            return cell
    return None


def band(scaled: float, fixed: float, mu: float, sigma: float) -> Band:
    """P10/P50/P90 of scaled exp(r) + fixed."""
    return Band(*(scaled * math.exp(mu + sigma * z) + fixed for z in (-Z90, 0.0, Z90)))


def threshold(limit: float, scaled: float, fixed: float) -> float:
    """The largest r at which scaled exp(r) + fixed <= limit (-inf: never; inf: always)."""
    if scaled <= 0:
        return math.inf if fixed <= limit else -math.inf
    if limit <= fixed:
        return -math.inf
    return math.log((limit - fixed) / scaled)


def probability_below(r_max: float, mu: float, sigma: float) -> float:
    """P(r <= r_max), r ~ Normal(mu, sigma^2) (a step at mu when sigma is 0)."""
    if sigma == 0:
        return 1.0 if r_max >= mu else 0.0
    return standard_normal_cdf((r_max - mu) / sigma)


def throughput_spread(cell, gpu_hours: float, days: float, scaled_usd: float, fixed_usd: float, co2_t: float,
                      limits: dict[str, tuple[float, float, float]]) -> ThroughputSpread:
    """The bands and probabilities for one plan. `limits` maps a limit's name to (limit, scaled part,
    fixed part) of the figure it bounds."""
    mu, sigma = cell.log_mean, cell.log_sd
    probability, least = {}, math.inf
    for name, (limit, scaled, fixed) in limits.items():
        r_max = threshold(limit, scaled, fixed)
        probability[name] = probability_below(r_max, mu, sigma)
        least = min(least, r_max)
    if probability:
        probability["all"] = probability_below(least, mu, sigma)
    return ThroughputSpread(mu, sigma, band(gpu_hours, 0.0, mu, sigma), band(days, 0.0, mu, sigma),
                            band(scaled_usd, fixed_usd, mu, sigma), band(co2_t, 0.0, mu, sigma), probability)


def confidence_factor(spread, params: float, confidence: float | None) -> float:
    """q = exp(mu + sigma z_p) of the cell holding `params` (module docstring); 1 without a
    confidence or a cell."""
    if confidence is None:
        return 1.0
    cell = cell_for(spread, params)
    if cell is None:
        return 1.0
    from statistics import NormalDist

    return math.exp(cell.log_mean + cell.log_sd * NormalDist().inv_cdf(confidence))
