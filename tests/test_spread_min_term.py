"""The throughput spread on an offer whose minimum rental term binds (planner.formulas.spread).

Rent is price x n x 24 x max(duration, term): when the run may end inside the term, the cost is not
point x exp(r). Its quantiles are the cost at r's quantiles (a monotone transform), so P10/P50/P90
of cost use max(duration_q, term), and P(budget) is where the cost, written out by hand below and
solved by bisection, reaches the budget.
"""

import copy
import math

import pytest

from planner.formulas.evaluate import evaluate_plan
from planner.input.loading import instance_from_dict
from test_mfu_spread import BASE as SPREAD_BASE

MU, SD, Z90 = 0.1, 0.3, 1.2815515655446004
TERM_DAYS = 5.0
BASE = copy.deepcopy(SPREAD_BASE)     # X: 1 PFLOPS at mfu 0.5, $2/GPU-hour, 64 GPUs; 1e10 on 2e11 tokens
BASE["limits"] = {"budget_usd": 6e4, "deadline_days": 6}
BASE["gpus"][0]["mfu_spread"] = [{"min_params": 0.0, "max_params": 1e15, "log_mean": MU, "log_sd": SD}]
BASE["regions"][0]["offers"] = {"X": {"available": 64, "min_term_days": TERM_DAYS}}


def phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _days_at_curve() -> float:
    """6 N D / (peak x mfu) GPU-seconds, x (1 + waste(64)) at 50,000 h MTBF, over 64 GPUs."""
    seconds = 6 * 1e10 * 2e11 / (1000e12 * 0.5)                       # 2.4e7 GPU-s
    waste = math.sqrt(2 * 0.01 * 64 / 5e4) + 0.1 * 64 / 5e4          # Young/Daly, 0.005188
    return seconds * (1 + waste) / 3600 / 64 / 24                     # 4.3628 days


def _cost(days: float) -> float:
    """$2 x 64 GPUs x 24 h x max(days, 5-day term) + $10,000 staff a day + $200 of data."""
    return 2.0 * 64 * 24 * max(days, TERM_DAYS) + 10000 * days + 1e-9 * 2e11


def _p_budget(budget: float, days0: float) -> float:
    lo, hi = -5.0, 5.0                       # the r at which _cost(days0 e^r) = budget, by bisection
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _cost(days0 * math.exp(mid)) <= budget else (lo, mid)
    return phi((lo - MU) / SD)


def test_cost_band_uses_the_term_where_the_run_ends_inside_it():
    inst = instance_from_dict(BASE)
    m = evaluate_plan(inst, inst.plan)
    days0 = _days_at_curve()
    assert m.duration_days == pytest.approx(days0, rel=1e-12)
    s = m.throughput_spread
    band = [days0 * math.exp(MU + SD * z) for z in (-Z90, 0.0, Z90)]   # 3.28, 4.82, 7.08 days
    assert band[0] < band[1] < TERM_DAYS < band[2]                     # the term binds at P10 and P50
    assert s.cost_usd.p10 == pytest.approx(_cost(band[0]), rel=1e-12)
    assert s.cost_usd.p50 == pytest.approx(_cost(band[1]), rel=1e-12)
    assert s.cost_usd.p90 == pytest.approx(_cost(band[2]), rel=1e-12)
    # the point cost at the curve holds the term's rent too
    assert m.cost_usd.total == pytest.approx(_cost(days0), rel=1e-12)
    # scaling the whole point cost with exp(r) would be wrong here: 5% off at P10
    assert abs(m.cost_usd.total * math.exp(MU - SD * Z90) / s.cost_usd.p10 - 1) > 0.05
    # deadline and GPU-hours are not rent: they scale with exp(r) as before
    assert s.duration_days.p90 == pytest.approx(band[2], rel=1e-12)


@pytest.mark.parametrize("budget", [6e4, 8e4, 1.5e4, 2e5])
def test_budget_probability_through_the_term(budget):
    """6e4 is reached inside the term (days < 5), 8e4 past it, 1.5e4 never (below the term's rent
    alone: P = 0), 2e5 almost always."""
    d = copy.deepcopy(BASE)
    d["limits"]["budget_usd"] = budget
    inst = instance_from_dict(d)
    s = evaluate_plan(inst, inst.plan).throughput_spread
    expected = _p_budget(budget, _days_at_curve())
    assert s.probability["budget_usd"] == pytest.approx(expected, abs=1e-9)
    if budget == 1.5e4:
        assert expected == 0.0 and _cost(0.0) > budget
    if budget == 6e4:     # inside the term: 15,360 + 200 + 10,000 days <= 6e4 at 4.44 days < 5
        assert expected == pytest.approx(phi((math.log((6e4 - 15560) / 10000 / _days_at_curve()) - MU) / SD))


def test_without_a_term_the_band_is_unchanged():
    """The same plan on demand: cost = point x exp(r) + data (the first form)."""
    d = copy.deepcopy(BASE)
    del d["regions"][0]["offers"]
    inst = instance_from_dict(d)
    m = evaluate_plan(inst, inst.plan)
    c = m.cost_usd
    scaled = c.compute + c.staff + c.development
    assert m.throughput_spread.cost_usd.p10 == scaled * math.exp(MU - SD * Z90) + 200.0


def test_planning_for_a_confidence_keeps_the_band():
    """With limits.confidence the plan is priced at q = exp(mu + sd z_p) times its GPU-seconds, but its
    band is still the spread around the curve: the same P10/P50/P90 cost as without a confidence,
    the term's rent included (not divided by q)."""
    d = copy.deepcopy(BASE)
    d["limits"]["confidence"] = 0.9
    inst = instance_from_dict(d)
    with_q = evaluate_plan(inst, inst.plan)
    assert with_q.cost_usd.total == pytest.approx(_cost(_days_at_curve() * math.exp(MU + SD * Z90)), rel=1e-12)
    band = with_q.throughput_spread.cost_usd
    for got, z in ((band.p10, -Z90), (band.p50, 0.0), (band.p90, Z90)):
        assert got == pytest.approx(_cost(_days_at_curve() * math.exp(MU + SD * z)), rel=1e-12)
