"""compile_model's fast path (a LinearRows component's lists read at once, as models.campaign_plan
writes its rows, and a LinearExpression body's terms read directly) hands HiGHS exactly the matrix
Pyomo's standard_repn gives (each LinearRows row's body read through standard_repn): every
compile of every bundled instance and campaign (and random campaigns of the benchmark's shapes) is
compared, array by array, with the same model compiled through standard_repn alone."""

from __future__ import annotations

import math

import numpy as np
import pyomo.core as pyo
import pytest
from pyomo.core.expr.numeric_expr import LinearExpression

import planner.optimize.solve as solve_module
from models.campaign_plan import build
from conftest import INSTANCES, ROOT
from planner.api import solve as solve_instance
from planner.input.campaign_loading import campaign_from_dict, load_campaign
from planner.optimize.campaign_derive import campaign_data
from planner.optimize.campaign_solve import solve_campaign
from planner.optimize.solve import compile_model, linear_terms

CAMPAIGNS = sorted((ROOT / "instances" / "campaigns").glob("*.yaml"))


def _arrays(compiled) -> dict:
    lp = compiled.lp
    return {"columns": [v.name for v in compiled.variables], "cost": np.array(lp.col_cost_), "offset": lp.offset_,
            "col_lower": np.array(lp.col_lower_), "col_upper": np.array(lp.col_upper_),
            "row_lower": np.array(lp.row_lower_), "row_upper": np.array(lp.row_upper_),
            "start": np.array(lp.a_matrix_.start_), "index": np.array(lp.a_matrix_.index_),
            "value": np.array(lp.a_matrix_.value_), "integrality": [str(x) for x in lp.integrality_],
            "sense": str(lp.sense_)}


@pytest.fixture
def compared(monkeypatch):
    """Every compile_model call also compiles through standard_repn alone; returns the count."""
    calls = []

    def checked(model, fast=True):
        fast_one = compile_model(model)
        generic = _arrays(compile_model(model, fast=False))
        for key, value in _arrays(fast_one).items():
            if isinstance(value, np.ndarray):
                assert value.dtype == generic[key].dtype and np.array_equal(value, generic[key]), key
            else:
                assert value == generic[key], key
        calls.append(model.name)
        return fast_one

    monkeypatch.setattr(solve_module, "compile_model", checked)
    return calls


@pytest.mark.parametrize("path", INSTANCES, ids=lambda p: p.stem)
def test_single_run_matrix_unchanged(path, compared):
    result = solve_instance(str(path))
    assert compared or result["status"] == "infeasible"   # an exact presolve may leave no model to build


@pytest.mark.parametrize("relax", [False, True])
@pytest.mark.parametrize("path", CAMPAIGNS, ids=lambda p: p.stem)
def test_campaign_matrix_unchanged(path, relax, compared):
    solve_campaign(load_campaign(path), relax=relax)
    assert compared


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("shape", [(3, 24, 6, 4), (2, 6, 2, 1)])
def test_random_campaign_matrix_unchanged(seed, shape, compared, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from campaign_shapes import random_campaign

    result = solve_campaign(campaign_from_dict(random_campaign(seed, *shape)))
    assert compared or result.status == "infeasible"


def test_linear_terms_by_hand():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(3), bounds=(0, 5))
    m.x[2].fix(4.0)
    body = LinearExpression(constant=1.5, linear_coefs=[2, -3, 0.5], linear_vars=[m.x[0], m.x[1], m.x[2]])
    const, variables, coefs = linear_terms(body)
    assert const == 1.5 and coefs == [2, -3, 0.5] and [v.name for v in variables] == ["x[0]", "x[1]", "x[2]"]
    assert linear_terms(m.x[0] * m.x[1]) is None          # not a LinearExpression: standard_repn's job


def _model(with_duplicate: bool):
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(3), bounds=(0, 5))
    m.x[2].fix(4.0)
    m.a = pyo.Constraint(expr=(None, LinearExpression(constant=1.5, linear_coefs=[2, -3, 0.5],
                                                      linear_vars=[m.x[1], m.x[0], m.x[2]]), 10))
    twice = [m.x[0], m.x[0], m.x[1]] if with_duplicate else [m.x[0], m.x[2], m.x[1]]
    m.b = pyo.Constraint(expr=(1, LinearExpression(constant=0, linear_coefs=[1, 1, 1e-12], linear_vars=twice), None))
    m.o = pyo.Objective(expr=m.x[0])
    return compile_model(m)


def test_compiled_by_hand():
    """1.5 + 2 x1 - 3 x0 + 0.5 x2 <= 10 with x2 fixed at 4: row -3 x0 + 2 x1 <= 10 - 1.5 - 2 = 6.5,
    columns x1, x0 (first appearance); x0 + x2 + 1e-12 x1 >= 1: x0 >= 1 - 4 = -3 (a tiny entry is
    left out); x0 + x0 + 1e-12 x1 >= 1 (a variable named twice): 2 x0 >= 1."""
    for with_duplicate, row_b, low_b in ((False, 1.0, -3.0), (True, 2.0, 1.0)):
        compiled = _model(with_duplicate)
        lp = compiled.lp
        assert [v.name for v in compiled.variables] == ["x[1]", "x[0]"]
        assert list(lp.a_matrix_.start_) == [0, 2, 3]
        assert list(lp.a_matrix_.index_) == [0, 1, 1] and list(lp.a_matrix_.value_) == [2.0, -3.0, row_b]
        assert list(lp.row_upper_) == [6.5, math.inf] and list(lp.row_lower_) == [-math.inf, low_b]
        assert list(lp.col_cost_) == [0.0, 1.0]


@pytest.mark.parametrize("count", [3, 20])
def test_objective_columns_by_hand(count):
    """Objective sum_k (k + 1) y_k over `count` variables (few: looked up among the columns one by
    one; many: through a dict), a row naming y1 and y0 (in that order): columns y1, y0 (the row's),
    then the objective's other variables in the objective's order, each with its own cost; a
    variable named twice in the objective has its costs summed."""
    m = pyo.ConcreteModel()
    m.y = pyo.Var(range(count), bounds=(0, 1))
    m.r = pyo.Constraint(expr=m.y[1] + 2 * m.y[0] >= 1)
    m.o = pyo.Objective(expr=sum((k + 1) * m.y[k] for k in range(count)) + 5 * m.y[2])
    compiled = compile_model(m)
    order = [1, 0] + list(range(2, count))
    assert [v.name for v in compiled.variables] == [f"y[{k}]" for k in order]
    assert compiled.cost.tolist() == [k + 1 + (5 if k == 2 else 0) for k in order]
    assert compiled.index.tolist() == [0, 1] and compiled.value.tolist() == [1.0, 2.0]


def test_nonlinear_row_refused():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(2))
    m.c = pyo.Constraint(expr=m.x[0] * m.x[1] <= 1)
    m.o = pyo.Objective(expr=m.x[0])
    with pytest.raises(solve_module.SolverError, match="c is not linear"):
        compile_model(m)


def _bounds_model() -> pyo.ConcreteModel:
    """Columns whose bounds come from every source Var.bounds combines: plain numbers (int, float),
    none, a domain tighter than the bounds, a mutable Param, an expression."""
    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=3.5, mutable=True)
    m.x = pyo.Var(range(6))
    m.x[0].setlb(-2)
    m.x[0].setub(7.5)                             # Reals: (-2, 7.5)
    m.x[1].domain = pyo.Binary
    m.x[1].setlb(-1)
    m.x[1].setub(5)                               # Binary tighter: (0, 1)
    m.x[2].domain = pyo.NonNegativeIntegers
    m.x[2].setub(4)                               # (0, 4)
    m.x[3].domain = pyo.NonNegativeReals          # (0, none)
    m.x[4].setub(2.25)                            # Reals: (none, 2.25)
    m.x[5].domain = pyo.UnitInterval
    m.x[5].setlb(0.5)                             # (0.5, 1)
    m.c = pyo.Constraint(expr=sum(m.x[i] for i in range(6)) >= 1)
    m.o = pyo.Objective(expr=m.x[0])
    return m


def _columns(m, fast: bool) -> tuple:
    compiled = compile_model(m, fast=fast)
    return ([v.name for v in compiled.variables], compiled.col_lower.tolist(), compiled.col_upper.tolist(),
            compiled.integrality.tolist())


def test_column_bounds_by_hand():
    """The bounds read from each VarData's numbers (fast) are Var.bounds (generic), as written here."""
    m = _bounds_model()
    inf = math.inf
    expected = ([f"x[{i}]" for i in range(6)], [-2.0, 0.0, 0.0, 0.0, -inf, 0.5], [7.5, 1.0, 4.0, inf, 2.25, 1.0],
                [0, 1, 1, 0, 0, 0])
    assert _columns(m, fast=True) == expected
    assert _columns(m, fast=False) == expected
    variables = [m.x[i] for i in range(6)]
    domain_bounds, _ = solve_module._by_domain(variables)
    assert solve_module._raw_bounds(variables, domain_bounds) is not None   # plain numbers: read at once


def test_column_bounds_from_a_param_or_an_expression():
    """A bound that is not a plain number (a Param, an expression, infinity) is read through Var.bounds
    (the fast reader declines), with the same columns either way."""
    for bound in ("param", "expression", "infinite"):
        m = _bounds_model()
        if bound == "param":
            m.x[3].setub(m.p)
        elif bound == "expression":
            m.x[3].setub(2 * m.p)
        else:
            m.x[3].setub(math.inf)
        variables = [m.x[i] for i in range(6)]
        assert solve_module._raw_bounds(variables, solve_module._by_domain(variables)[0]) is None
        upper = {"param": 3.5, "expression": 7.0, "infinite": math.inf}[bound]
        assert _columns(m, fast=True)[2][3] == upper
        assert _columns(m, fast=True) == _columns(m, fast=False)
        m.p = 1.25   # a mutable Param's new value is what the next compile reads
        assert _columns(m, fast=True)[2][3] == {"param": 1.25, "expression": 2.5, "infinite": math.inf}[bound]


def test_campaign_columns_read_at_once():
    """The campaign model's columns take the fast reader (it breaks loudly here, not silently slower,
    if a Pyomo release renames VarData's _lb/_ub)."""
    campaign = load_campaign(CAMPAIGNS[0])
    compiled = compile_model(build(campaign_data(campaign).inputs))
    domain_bounds, _ = solve_module._by_domain(compiled.variables)
    assert solve_module._raw_bounds(compiled.variables, domain_bounds) is not None
