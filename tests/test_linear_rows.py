"""models.linear_rows: rows given as numbers behave as Pyomo constraints (names, bounds, bodies,
values, deactivation, replacement), and compile_model reads them into the matrix written here by
hand, through its fast path and through standard_repn alike."""

from __future__ import annotations

import numpy as np
import pyomo.core as pyo
import pytest
from pyomo.repn.standard_repn import generate_standard_repn

from models.linear_rows import LinearRows, RowCollector
from planner.optimize.solve import compile_model


def _model() -> pyo.ConcreteModel:
    """x[0] - x[1] <= 0 ;  2 x[1] + 3 x[2] = 4 ;  1 <= x[0] + x[2] (rows a, b, c), then an ordinary
    constraint x[2] <= 5 and objective min x[0]."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(3), bounds=(0, 10))
    rows = RowCollector()
    rows.add(("a", 0), [1.0, -1.0], [m.x[0], m.x[1]], None, 0.0)
    rows.add(("b", 1), [2.0, 3.0], [m.x[1], m.x[2]], 4.0, 4.0)
    rows.add(("c", 2), [1, 1], [m.x[0], m.x[2]], 1, None)
    m.rows = rows.rows()
    m.plain = pyo.Constraint(expr=m.x[2] <= 5)
    m.objective = pyo.Objective(expr=m.x[0])
    return m


def test_rows_are_pyomo_constraints():
    m = _model()
    assert [c.name for c in m.component_data_objects(pyo.Constraint, active=True)] == [
        "rows[a,0]", "rows[b,1]", "rows[c,2]", "plain"]
    assert m.nconstraints() == 4 and len(m.rows) == 3
    low, body, high = m.rows["b", 1].to_bounded_expression(evaluate_bounds=True)
    repn = generate_standard_repn(body)
    assert (low, high) == (4.0, 4.0)
    assert [v.name for v in repn.linear_vars] == ["x[1]", "x[2]"] and list(repn.linear_coefs) == [2.0, 3.0]
    assert m.rows["b", 1].equality and not m.rows["a", 0].equality and not m.rows["c", 2].equality
    assert (m.rows["c", 2].lb, m.rows["c", 2].ub) == (1, None)
    for i, value in enumerate((1.0, 2.0, 0.5)):
        m.x[i].set_value(value)
    assert m.rows["a", 0]() == pytest.approx(1.0 - 2.0)
    assert m.rows["b", 1]() == pytest.approx(2 * 2.0 + 3 * 0.5)
    assert pyo.value(m.rows["c", 2].body) == pytest.approx(1.0 + 0.5)


def test_rows_disagreeing_in_length_are_refused():
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    with pytest.raises(ValueError, match="disagree"):
        LinearRows(["a"], [0, 2], [m.x], [1.0], [None], [0.0])


def _matrix(m, fast: bool) -> dict:
    c = compile_model(m, fast=fast)
    return {"columns": [v.name for v in c.variables], "start": c.start.tolist(), "index": c.index.tolist(),
            "value": c.value.tolist(), "lower": c.row_lower.tolist(), "upper": c.row_upper.tolist()}


def test_compiled_matrix_by_hand():
    m = _model()
    expected = {"columns": ["x[0]", "x[1]", "x[2]"], "start": [0, 2, 4, 6, 7], "index": [0, 1, 1, 2, 0, 2, 2],
                "value": [1.0, -1.0, 2.0, 3.0, 1.0, 1.0, 1.0], "lower": [-np.inf, 4.0, 1.0, -np.inf],
                "upper": [0.0, 4.0, np.inf, 5.0]}
    assert _matrix(m, fast=True) == expected
    assert _matrix(m, fast=False) == expected


def test_deactivated_row_left_out():
    m = _model()
    m.rows["b", 1].deactivate()
    assert m.rows.entries() is None   # the fast path reads such a component row by row
    compiled = _matrix(m, fast=True)
    assert compiled == _matrix(m, fast=False)
    assert compiled["start"] == [0, 2, 4, 5] and compiled["upper"] == [0.0, np.inf, 5.0]


def test_replaced_row_takes_its_new_expression():
    m = _model()
    m.rows["a", 0].set_value(m.x[0] + 4 * m.x[2] <= 7)
    assert str(m.rows["a", 0].expr) == "x[0] + 4*x[2]  <=  7"
    assert m.rows.entries() is None
    compiled = _matrix(m, fast=True)
    assert compiled == _matrix(m, fast=False)
    assert compiled["columns"] == ["x[0]", "x[2]", "x[1]"]
    assert compiled["value"][:2] == [1.0, 4.0] and compiled["upper"][0] == 7.0


def test_fixed_variable_moves_into_the_bounds():
    m = _model()
    m.x[1].fix(1.5)
    compiled = _matrix(m, fast=True)
    assert compiled == _matrix(m, fast=False)
    # x[0] - 1.5 <= 0 ;  3 x[2] = 4 - 2 * 1.5 ;  x[0] + x[2] >= 1 ;  x[2] <= 5
    assert compiled["columns"] == ["x[0]", "x[2]"]
    assert compiled["upper"][:2] == [1.5, 1.0] and compiled["lower"][1] == 1.0


def test_rows_made_when_first_asked_for():
    """A LinearRows makes its row objects only when one is asked for: compile_model and Pyomo's model
    statistics (len) need none; the first access makes them all, with the same rows and matrix."""
    m = _model()
    before = _matrix(m, fast=True)
    assert m.rows.__dict__["_unmade"]   # the compile read the lists alone
    assert len(m.rows) == 3 and m.nconstraints() == 4 and m.rows.__dict__["_unmade"]
    assert m.rows["a", 0].ub == 0.0 and not m.rows.__dict__["_unmade"]
    assert sorted(m.rows.keys()) == [("a", 0), ("b", 1), ("c", 2)] and len(m.rows) == 3
    assert _matrix(m, fast=True) == before == _matrix(m, fast=False)


def test_cloned_rows_name_the_clones_variables():
    m = _model()
    clone = m.clone()
    assert clone.rows["b", 1].body.args[1].args[1] is clone.x[2]
    assert _matrix(clone, fast=True) == _matrix(m, fast=True)
