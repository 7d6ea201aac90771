"""models.campaign_plan.run_reaches (every island of a run at once, numpy) gives each island the
list tests/checks/campaign_reach.py's reach (one island, plain Python, its own arithmetic: a
running sum from each start month) gives: the same numbers
to the bit, for every run, island and window the model asks (its windows, the whole horizon, and
a narrower one with months where the run cannot hold its floor), on the bundled campaigns and on
random campaigns of the benchmark's two shapes."""

from __future__ import annotations

import pytest
from checks.campaign_reach import reach
from conftest import ROOT

from models.campaign_plan import build, run_reaches
from planner.input.campaign_loading import campaign_from_dict, load_campaign
from planner.optimize.campaign_derive import campaign_data

CAMPAIGNS = sorted((ROOT / "instances" / "campaigns").glob("*.yaml"))


def _check(inputs) -> int:
    m = build(inputs)
    months = len(inputs.hours)
    compared = 0
    for j in range(len(inputs.runs)):
        islands = m.islands_of[j]
        for window in (m.window[j], range(months), range(months // 3, months - 2), range(5, 5)):
            batch = run_reaches(inputs, m.nmax, j, islands, window, {}, m.island_caps)
            assert list(batch) == islands
            for i in islands:
                alone = reach(inputs, m.nmax[j, i], j, i, window, m.island_caps)
                assert len(alone) == len(window)
                assert batch[i] == alone and all(type(x) is float for x in batch[i]), (j, i, window)
                compared += 1
    return compared


@pytest.mark.parametrize("path", CAMPAIGNS, ids=lambda p: p.stem)
def test_bundled_reaches_equal(path):
    assert _check(campaign_data(load_campaign(path)).inputs) > 0


@pytest.mark.parametrize("seed,shape", [(s, (3, 24, 6, 4)) for s in range(6)] + [(0, (10, 36, 12, 4))])
def test_random_reaches_equal(seed, shape, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from campaign_shapes import random_campaign

    assert _check(campaign_data(campaign_from_dict(random_campaign(seed, *shape))).inputs) > 0


def test_a_month_below_the_floor_splits_the_sums():
    """By hand: one run, one island whose cap drops below the floor in month 2 of 5 (hours 10 each,
    node 1 GPU): reach sums contiguous months on either side only."""
    from types import SimpleNamespace

    variant = SimpleNamespace(gpu="G", floor_nodes=2)
    isl = SimpleNamespace(gpu="G", node=1)
    inputs = SimpleNamespace(runs=[SimpleNamespace(variants=[variant])], islands=[isl], hours=[10.0] * 5)
    caps = {(0, t): c for t, c in enumerate([3, 4, 1, 2, 5])}   # month 2: 1 node < floor 2
    window = range(5)
    expected = [50.0, 70.0, 0.0, 0.0, 0.0]   # 50 (month 4); 30 + 40 or 20 + 50; no 3 usable months in a row
    assert run_reaches(inputs, {(0, 0): 9}, 0, [0], window, {}, caps)[0] == expected
    assert reach(inputs, 9, 0, 0, window, caps) == expected
