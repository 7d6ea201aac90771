"""The presolve reads the limits from the table (planner.formulas.limits): each limit by the
figure it names and its direction in the GPU count. Checked here: the presolve names no limit of
its own, and each row's direction holds for the figure the presolve computes (so the interval of
counts it derives from the direction is exact)."""

import ast
from pathlib import Path

import numpy as np
import pytest

from planner.formulas.limits import BY_KEY, LIMITS
from planner.input.loading import load_instance
from planner.optimize.derive import derive
from planner.optimize.presolve import RowFigures

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = sorted((ROOT / "instances").glob("*.yaml"))


def test_presolve_names_no_limit():
    tree = ast.parse((ROOT / "planner" / "optimize" / "presolve.py").read_text(encoding="utf-8"))
    named = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)} & set(BY_KEY)
    named |= {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)} & set(BY_KEY)
    assert named == set()


@pytest.mark.parametrize("path", INSTANCES, ids=lambda p: p.stem)
@pytest.mark.parametrize("limit", LIMITS, ids=lambda l: l.key)
def test_each_limits_direction_holds_in_the_count(path, limit):
    """Over nodes 1..64 of every row at its least tokens: `up` never falls, `down` never rises,
    `none` does not move, `unimodal` falls then rises (differences change sign at most once, - to +)."""
    instance = load_instance(path)
    cand = derive(instance)
    if not len(cand):
        pytest.skip("no candidate rows")
    rows = RowFigures(instance, cand)
    tokens = np.maximum(cand.min_tokens_by_size[cand.size], 1.0)
    values = np.array([rows.figure(limit.figure, np.full(len(cand), k), tokens) for k in range(1, 65)])
    steps = np.diff(values, axis=0)
    tol = 1e-9 * np.abs(values[:-1]) + 1e-300
    rising, falling = steps > tol, steps < -tol
    if limit.in_gpus == "up":
        assert not falling.any()
    elif limit.in_gpus == "down":
        assert not rising.any()
    elif limit.in_gpus == "none":
        assert not (rising | falling).any()
    else:
        risen = np.maximum.accumulate(rising, axis=0)
        assert not (risen & falling).any()
