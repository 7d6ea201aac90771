"""models.campaign_plan.objective_terms: the def_objective row written as numbers is the row Pyomo's
standard_repn reads from the relation z == (objective - owned) / objective_unit over the measures
(the way the row was written before), number for number and in the same order, for every objective
on every bundled campaign and on random campaigns of the benchmark's shape."""

from __future__ import annotations

import pyomo.core as pyo
import pytest
from pyomo.repn.standard_repn import generate_standard_repn

from conftest import ROOT
from models.campaign_plan import build, objective_terms
from planner.input.campaign_loading import campaign_from_dict
from planner.input.loading import read_yaml
from planner.optimize.campaign_derive import campaign_data

CAMPAIGNS = sorted((ROOT / "instances" / "campaigns").glob("*.yaml"))
OBJECTIVES = [("cost", None), ("co2", None), ("weighted", 80.0), ("weighted", 0.0), ("lateness", None)]


def _reference(m, objective: str, price: float | None):
    """standard_repn of z - (objective - owned) / unit, the relation written with Pyomo's algebra."""
    expr = {"cost": lambda: m.cost_usd, "co2": lambda: m.co2_t,
            "weighted": lambda: m.cost_usd + price * m.co2_t, "lateness": lambda: m.cost_usd + m.late_usd}[objective]()
    m.reference = pyo.Constraint(expr=m.objective_value == (expr - m.objective_offset) / m.objective_unit)
    m.reference.deactivate()
    low, body, high = m.reference.to_bounded_expression(evaluate_bounds=True)
    assert (low, high) == (0, 0)
    repn = generate_standard_repn(body, compute_values=True, quadratic=False)
    return repn.constant, list(repn.linear_vars), list(repn.linear_coefs)


def _check(campaign_dict: dict, objective: str, price: float | None) -> None:
    campaign_dict = {**campaign_dict, "objective": objective}
    if price is not None:
        campaign_dict["carbon_price_usd_per_t"] = price
    inputs = campaign_data(campaign_from_dict(campaign_dict)).inputs
    m = build(inputs)
    const, variables, coefs = objective_terms(m, inputs)
    free = [(v, c) for v, c in zip(variables, coefs) if not v.fixed]   # standard_repn moves fixed ones out
    fixed_part = sum(c * v.value for v, c in zip(variables, coefs) if v.fixed)
    ref_const, ref_vars, ref_coefs = _reference(m, objective, price)
    assert ref_vars[0] is m.objective_value and ref_coefs[0] == 1
    assert [v.name for v, _ in free] == [v.name for v in ref_vars[1:]]
    assert all(v is r for (v, _), r in zip(free, ref_vars[1:]))
    assert [c for _, c in free] == ref_coefs[1:]            # exactly, not approximately
    assert const + fixed_part == ref_const


@pytest.mark.parametrize(("objective", "price"), OBJECTIVES)
@pytest.mark.parametrize("path", CAMPAIGNS, ids=lambda p: p.stem)
def test_bundled_objective_row(path, objective, price):
    _check(read_yaml(path), objective, price)


@pytest.mark.parametrize(("objective", "price"), OBJECTIVES)
@pytest.mark.parametrize("seed", range(3))
def test_random_objective_row(seed, objective, price, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from campaign_shapes import random_campaign

    _check(random_campaign(seed), objective, price)
