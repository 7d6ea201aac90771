"""models.campaign_plan.set_bound_lists gives each variable the bounds a bounds rule gives it (the same
stored numbers, so the same Var.bounds, lb, ub and the same matrix), for plain numbers written
directly and for anything else through Pyomo's setters."""

from __future__ import annotations

import math

import numpy as np
import pyomo.core as pyo

from models.campaign_plan import data_of, set_bound_lists

KEYS = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)]
BOUNDS = {(0, 0): (0, 5), (0, 1): (0, 2.5), (1, 0): (-1.5, 0), (1, 1): (0, np.int64(7)), (2, 0): (0, math.inf)}


def _models():
    by_rule = pyo.ConcreteModel()
    by_rule.x = pyo.Var(KEYS, domain=pyo.NonNegativeReals, bounds=BOUNDS)
    by_set = pyo.ConcreteModel()
    by_set.x = pyo.Var(KEYS, domain=pyo.NonNegativeReals)
    set_bound_lists(by_set.x, [BOUNDS[key][0] for key in KEYS], [BOUNDS[key][1] for key in KEYS])   # KEYS: index order
    return by_rule, by_set


def test_bounds_as_a_rule_gives_them():
    by_rule, by_set = _models()
    for key in KEYS:
        a, b = by_rule.x[key], by_set.x[key]
        assert a.bounds == b.bounds and (a.lb, a.ub) == (b.lb, b.ub)
        assert type(a.bounds[1]) is type(b.bounds[1])
    assert by_set.x[1, 0].bounds == (0, 0)          # the domain (>= 0) is tighter than -1.5
    assert by_set.x[2, 0].bounds == (0, None)       # infinity: no bound, as the setter makes it
    assert by_set.x[0, 1].bounds == (0, 2.5) and by_set.x[1, 1].ub == 7


def test_data_of_is_items_in_index_order():
    _, m = _models()
    assert list(data_of(m.x).items()) == list(m.x.items())
    m.y = pyo.Var(KEYS, dense=False)                # a sparse Var holds no data yet: items() it is
    assert data_of(m.y) == dict(m.y.items())
