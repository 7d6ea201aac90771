"""`plan whatif CAMPAIGN.yaml` and `plan frontier CAMPAIGN.yaml`: the campaign's what-if and frontier
through the sweep commands, on the same Runner as single runs. Every what-if row equals an
independent solve of the campaign edited by hand (a copy of the dict with the value written in, not
the sweep's path setter); every frontier point equals an independent least-cost solve within its
CO2; --workers 2 and a Dask cluster give the same rows as one process; `plan campaign --vary` is
the same code (the same text)."""

from __future__ import annotations

import copy
import csv
import io
import json

import pytest

from campaign_cases import tiny
from cli_run import run_main
from planner.input.campaign_loading import campaign_from_dict
from planner.optimize.campaign_solve import CAMPAIGN_MIP_GAP, solve_campaign
from planner.optimize.solve import SolveOptions

OPTIONS = SolveOptions(mip_gap=CAMPAIGN_MIP_GAP)
PRICES = (2.0, 3.0, 4.0)
DEADLINES = ("2027-01", "2027-02", "2027-03")


def _write(tmp_path, data, name="c.yaml"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _by_hand(price: float, deadline: str) -> dict:
    data = tiny()
    data["fleet"][0]["on_demand"]["usd_per_gpu_hour"] = price
    data["runs"][0]["deadline"] = deadline
    return data


def _sweep(monkeypatch, capsys, path, *extra):
    code, out, err = run_main(monkeypatch, capsys, "whatif", path, "--vary",
                              f"fleet[0].on_demand.usd_per_gpu_hour={','.join(map(str, PRICES))}", "--vary",
                              f"runs[r1].deadline={','.join(DEADLINES)}", *extra)
    return code, out, err


def test_whatif_rows_equal_independent_solves(monkeypatch, capsys, tmp_path):
    path = _write(tmp_path, tiny())
    code, out, err = _sweep(monkeypatch, capsys, path, "--format", "json")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert len(rows) == len(PRICES) * len(DEADLINES)
    statuses = set()
    for row in rows:
        price, deadline = row["fleet[0].on_demand.usd_per_gpu_hour"], row["runs[r1].deadline"]
        alone = solve_campaign(campaign_from_dict(_by_hand(price, deadline)), OPTIONS)
        assert row["status"] == alone.status
        statuses.add(alone.status)
        if alone.metrics is None:
            assert row["cost_usd"] is None
            continue
        assert row["objective_value"] == pytest.approx(alone.objective_value, rel=CAMPAIGN_MIP_GAP)
        assert row["cost_usd"] == pytest.approx(alone.metrics.cost_usd, rel=CAMPAIGN_MIP_GAP)
        assert row["co2_t"] == pytest.approx(alone.metrics.co2_t, rel=1e-3)
    assert statuses == {"optimal", "infeasible"}  # the January deadline cannot be met (r1 needs 2 months)


def test_workers_two_give_the_same_rows(monkeypatch, capsys, tmp_path):
    path = _write(tmp_path, tiny())
    one = _sweep(monkeypatch, capsys, path, "--format", "csv")
    two = _sweep(monkeypatch, capsys, path, "--format", "csv", "--workers", "2")
    assert one[0] == two[0] == 0
    assert list(csv.reader(io.StringIO(one[1]))) == list(csv.reader(io.StringIO(two[1])))
    assert len(one[1].splitlines()) == 1 + len(PRICES) * len(DEADLINES)


def test_dask_gives_the_same_rows(monkeypatch, capsys, tmp_path):
    from dask_cluster import local_cluster

    path = _write(tmp_path, tiny())
    one = _sweep(monkeypatch, capsys, path, "--format", "csv")
    with local_cluster() as address:
        dask = _sweep(monkeypatch, capsys, path, "--format", "csv", "--scheduler", address)
    assert dask[0] == 0, dask[2]
    assert dask[1] == one[1]


def test_campaign_vary_is_the_whatif_code(monkeypatch, capsys, tmp_path):
    path = _write(tmp_path, tiny())
    via_whatif = _sweep(monkeypatch, capsys, path, "--format", "csv")
    code, out, err = run_main(monkeypatch, capsys, "campaign", path, "--vary",
                              f"fleet[0].on_demand.usd_per_gpu_hour={','.join(map(str, PRICES))}", "--vary",
                              f"runs[r1].deadline={','.join(DEADLINES)}", "--format", "csv")
    assert code == 0, err
    assert out == via_whatif[1]


def test_short_budget_path_and_site_path(monkeypatch, capsys, tmp_path):
    """`budget_usd` is `limits.budget_usd`; sites by name. A budget below the cheapest plan is an
    infeasible row; the grid limit of site b (0.1 MW = 12 GPUs at 1 kW x PUE 1.5... 66 GPUs) changes nothing
    when the plan does not use b."""
    path = _write(tmp_path, tiny())
    cheapest = solve_campaign(campaign_from_dict(tiny()), OPTIONS).metrics.cost_usd
    code, out, err = run_main(monkeypatch, capsys, "whatif", path, "--vary",
                              f"budget_usd={cheapest * 0.9},{cheapest * 1.1}", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert [r["status"] for r in rows] == ["infeasible", "optimal"]
    assert rows[1]["cost_usd"] == pytest.approx(cheapest, rel=CAMPAIGN_MIP_GAP)
    code, out, err = run_main(monkeypatch, capsys, "whatif", path, "--vary", "sites[b].grid_mw=0.05,1",
                              "--format", "json")
    assert code == 0, err
    for row in json.loads(out)["rows"]:
        data = copy.deepcopy(tiny())
        data["sites"][1]["grid_mw"] = row["sites[b].grid_mw"]
        alone = solve_campaign(campaign_from_dict(data), OPTIONS)
        assert row["cost_usd"] == pytest.approx(alone.metrics.cost_usd, rel=CAMPAIGN_MIP_GAP)


def test_bad_point_names_the_point(monkeypatch, capsys, tmp_path):
    path = _write(tmp_path, tiny())
    code, out, err = run_main(monkeypatch, capsys, "whatif", path, "--vary", "runs[r1].max_gpus=16,-8")
    assert code == 2 and "runs[0].max_gpus" in err and "--vary runs[r1].max_gpus=-8" in err
    assert out == "" and "Traceback" not in err


def _carbon_pair() -> dict:
    """Two sites, a clean dear one and a dirty cheap one, two runs: the frontier has steps."""
    data = tiny()
    data["sites"] = [{"name": "a", "pue": 1.0, "carbon_g_per_kwh": 500.0},
                     {"name": "b", "pue": 1.0, "carbon_g_per_kwh": 50.0}]
    data["fleet"] = [{"site": "a", "gpu": "G", "on_demand": {"usd_per_gpu_hour": 2.0, "gpus": 64}},
                     {"site": "b", "gpu": "G", "on_demand": {"usd_per_gpu_hour": 3.0, "gpus": 64}}]
    data["runs"][0]["deadline"] = "2027-03"
    data["runs"][1]["after"] = []
    data["runs"][0]["staff_usd_per_month"] = 1000.0
    return data


def test_frontier_points_are_least_cost_within_their_co2(monkeypatch, capsys, tmp_path):
    path = _write(tmp_path, _carbon_pair())
    code, out, err = run_main(monkeypatch, capsys, "frontier", path, "--minimize", "cost", "--limit", "co2",
                              "--points", "4", "--format", "json")
    assert code == 0, err
    points = json.loads(out)["points"]
    assert len(points) >= 3  # both runs at a, one at each, both at b
    costs, co2s = [p["cost_usd"] for p in points], [p["co2_t"] for p in points]
    assert costs == sorted(costs) and co2s == sorted(co2s, reverse=True)
    for p in points:
        data = _carbon_pair()
        data["limits"] = {"max_co2_t": p["co2_t"] * (1 + 1e-7)}
        alone = solve_campaign(campaign_from_dict(data), SolveOptions(mip_gap=1e-9))
        assert p["cost_usd"] == pytest.approx(alone.metrics.cost_usd, rel=CAMPAIGN_MIP_GAP)
    # the ends: the cheapest plan of all, and the least CO2 any plan has
    cheapest = solve_campaign(campaign_from_dict(_carbon_pair()), SolveOptions(mip_gap=1e-9))
    cleanest = solve_campaign(campaign_from_dict({**_carbon_pair(), "objective": "co2"}), SolveOptions(mip_gap=1e-9))
    assert costs[0] == pytest.approx(cheapest.metrics.cost_usd, rel=CAMPAIGN_MIP_GAP)
    assert co2s[-1] == pytest.approx(cleanest.metrics.co2_t, rel=1e-6)


def test_frontier_workers_two_same_points_and_plot(monkeypatch, capsys, tmp_path):
    path = _write(tmp_path, _carbon_pair())
    args = ("frontier", path, "--points", "4", "--format", "csv")
    one = run_main(monkeypatch, capsys, *args)
    plot = tmp_path / "front.png"
    two = run_main(monkeypatch, capsys, *args, "--workers", "2", "--plot", plot)
    assert one[0] == two[0] == 0 and one[1] == two[1]
    assert plot.stat().st_size > 10_000


def test_frontier_refuses_other_quantities(monkeypatch, capsys, tmp_path):
    path = _write(tmp_path, _carbon_pair())
    for extra in (("--minimize", "time"), ("--points", "all")):
        code, out, err = run_main(monkeypatch, capsys, "frontier", path, *extra)
        assert code == 2 and err.count("\n") == 1 and out == ""


def test_frontier_of_impossible_campaign_exits_3(monkeypatch, capsys, tmp_path):
    data = _carbon_pair()
    data["limits"] = {"budget_usd": 10.0}
    path = _write(tmp_path, data)
    code, out, err = run_main(monkeypatch, capsys, "frontier", path)
    assert code == 3 and "budget" in out
