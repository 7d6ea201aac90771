"""Ties as a user expects: a plan never depends on the order of the instance's lists.

Among plans whose objective values are equal (within TIE_TOL relative, the presolve's keep
tolerance, well inside the 1e-6 optimality tolerance) the winner is the one with

    less CO2 (lifetime with serving), then less cost (lifetime with serving), then less time,
    then fewer GPUs,

each compared within TIE_TOL as well (float rounding never decides), and, when even those are equal, the smaller model, then the GPU, region and recipe names in
alphabetical order (so two identical entries listed in either order give the same plan).
"""

from __future__ import annotations

from planner.formulas.evaluate import PlanMetrics

#: Relative difference under which two objective values are equal (a tie).
TIE_TOL = 1e-9


def equal_values(a: float, b: float) -> bool:
    """a and b tie: |a - b| <= TIE_TOL max(|a|, |b|)."""
    return abs(a - b) <= TIE_TOL * max(abs(a), abs(b))


def preferred(items: list, key) -> object:
    """The item the tie order prefers: keep those within TIE_TOL of the least CO2, then of the least
    cost, then of the least time; then the least of (GPUs, model size, names) exactly."""
    keyed = [(key(item), item) for item in items]
    for position in range(3):
        least = min(k[position] for k, _ in keyed)
        keyed = [(k, item) for k, item in keyed if k[position] <= least + TIE_TOL * abs(least)]
    return min(keyed, key=lambda pair: pair[0][3:])[1]


def tie_key(metrics: PlanMetrics) -> tuple:
    """The order among tied plans (module docstring), least first."""
    cost = metrics.lifetime.cost_usd if metrics.lifetime is not None else metrics.cost_usd.total
    co2 = metrics.lifetime.co2_t if metrics.lifetime is not None else metrics.co2_t.total
    return (co2, cost, metrics.duration_days, metrics.gpu_count, metrics.model_params, metrics.gpu,
            metrics.region, metrics.alignment or "")
