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

A minimum rental term (offer key `min_term_days`, planner.formulas.cluster) floors the rent: for a
run of T = days exp(r) days the rent is p m 24 max(T, t_min), i.e. max(R exp(r), F) with R the rent
at the curve (p m/n x GPU-hours) and F = p m 24 t_min, so

    cost(r) = V' exp(r) + max(R exp(r), F) + F_fixed        V' = V without the rent

still increasing in r (a monotone transform of r: its quantiles are cost at r's quantiles, e.g. the
P10 cost is the term's rent when the P10 run ends inside the term), and the budget L is met when

    r <= ln((L - F_fixed) / (V' + R))   if L >= cost at the kink exp(r) = F / R (past the term)
    r <= ln((L - F - F_fixed) / V')     otherwise (the run ends inside the term)

Without a term (F = 0) this is the first form with V = V' + R.

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


@dataclass(frozen=True)
class Figure:
    """A figure as a function of r: scaled exp(r) + max(rent exp(r), floor) + fixed (module
    docstring; rent and floor 0 for everything but a cost under a minimum rental term)."""

    scaled: float
    fixed: float = 0.0
    rent: float = 0.0
    floor: float = 0.0

    def at(self, r: float) -> float:
        x = math.exp(r)
        return self.scaled * x + max(self.rent * x, self.floor) + self.fixed

    def threshold(self, limit: float) -> float:
        """The largest r at which the figure is <= limit (-inf: never; inf: always)."""
        if self.floor <= 0:
            return threshold(limit, self.scaled + self.rent, self.fixed)
        if self.rent > 0 and limit >= self.at(math.log(self.floor / self.rent)):
            return threshold(limit, self.scaled + self.rent, self.fixed)     # past the term
        return threshold(limit, self.scaled, self.floor + self.fixed)        # inside the term


def band(figure: Figure, mu: float, sigma: float) -> Band:
    """P10/P50/P90 of a figure: the figure at r's quantiles (it is increasing in r)."""
    return Band(*(figure.at(mu + sigma * z) for z in (-Z90, 0.0, Z90)))


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


def throughput_spread(cell, gpu_hours: float, days: float, cost: Figure, co2_t: float,
                      limits: dict[str, tuple[float, Figure]]) -> ThroughputSpread:
    """The bands and probabilities for one plan. `cost` is the cost as a function of r; `limits`
    maps a limit's name to (limit, the figure it bounds)."""
    mu, sigma = cell.log_mean, cell.log_sd
    probability, least = {}, math.inf
    for name, (limit, figure) in limits.items():
        r_max = figure.threshold(limit)
        probability[name] = probability_below(r_max, mu, sigma)
        least = min(least, r_max)
    if probability:
        probability["all"] = probability_below(least, mu, sigma)
    return ThroughputSpread(mu, sigma, band(Figure(gpu_hours), mu, sigma), band(Figure(days), mu, sigma),
                            band(cost, mu, sigma), band(Figure(co2_t), mu, sigma), probability)


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
