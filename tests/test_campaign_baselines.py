"""Baselines beside the optimum, solved by hand on the two-run tiny campaign of
tests/test_campaign_hand_solved.py (joint optimum 80,064 USD: one block of 16 straddling Feb-Mar),
and ordered on every bundled campaign (LP bound <= optimum <= each baseline that keeps every limit);
plus --baselines, --plot and `plan schema --campaign` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from campaign_cases import WORK_GPU_HOURS, tiny
from cli_run import run_main
from planner.analysis.campaign_baselines import compare_baselines, greedy, sequential
from planner.input.campaign_loading import campaign_from_dict, load_campaign
from planner.optimize.campaign_solve import solve_campaign
from planner.optimize.solve import SolveOptions

ROOT = Path(__file__).resolve().parent.parent
JAN, FEB, MAR, APR = 744.0, 672.0, 744.0, 720.0
OWNED_USD = 16 * (JAN + FEB + MAR + APR)
OPTIONS = SolveOptions(mip_gap=1e-9)


def test_greedy_by_hand():
    """Greedy buys no block: r1 takes 32 GPUs in January (16 owned + 16 on demand: 11,904 GPU-hours
    rented at 3 USD) and finishes in February on owned GPUs; r2 likewise in March and April. Site b
    (2 USD for every hour, 66,667) loses to a's 35,712 each time. 46,080 + 6 x 11,904 = 117,504."""
    campaign = campaign_from_dict(tiny())
    result = solve_campaign(campaign, OPTIONS)
    out = greedy(campaign, result.data)
    assert out["status"] == "feasible"
    assert out["objective_value"] == pytest.approx(OWNED_USD + 3.0 * 2 * (32 - 16) * JAN, rel=1e-9)


def test_sequential_by_hand():
    """Run by run: r1 alone (deadline Feb) rents its 10,677.3 missing GPU-hours (32,032 < a block's
    33,984); r2 then has Mar-Apr: 16 owned x 1,464 h = 23,424, rents the other 9,909.3 (29,728 < a
    Mar-Apr block's 35,136). 46,080 + 3 x (2 x 33,333.3 - 22,656 - 23,424) = 107,840 (joint: 80,064)."""
    campaign = campaign_from_dict(tiny())
    result = solve_campaign(campaign, OPTIONS)
    out = sequential(campaign, result.data, OPTIONS)
    expected = OWNED_USD + 3.0 * (2 * WORK_GPU_HOURS - 16 * (JAN + FEB) - 16 * (MAR + APR))
    assert out["status"] == "feasible"
    assert out["objective_value"] == pytest.approx(expected, rel=1e-9)
    assert result.objective_value == pytest.approx(OWNED_USD + 16 * 1.5 * (FEB + MAR), rel=1e-9)


@pytest.mark.parametrize("name", ["campaign-procurement.yaml", "campaign-carbon-shift.yaml"])
def test_baselines_are_ordered(name):
    campaign = load_campaign(ROOT / "instances" / "campaigns" / name)
    result = solve_campaign(campaign)
    found = compare_baselines(campaign, result, SolveOptions(mip_gap=1e-4))
    assert found["lp_bound"]["objective_value"] <= result.objective_value * (1 + 1e-6)
    for key in ("sequential", "greedy"):
        if found[key]["status"] == "feasible":
            assert found[key]["objective_value"] >= result.objective_value * (1 - 1e-4)


def test_cli_baselines_and_plot(monkeypatch, capsys, tmp_path):
    path = ROOT / "instances" / "campaigns" / "campaign-procurement.yaml"
    picture = tmp_path / "plan.png"
    code, out, err = run_main(monkeypatch, capsys, "campaign", path, "--baselines", "--format", "json",
                              "--plot", picture)
    assert code == 0, err
    data = json.loads(out)
    assert set(data["baselines"]) == {"lp_bound", "sequential", "greedy"}
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 20_000
    code, out, err = run_main(monkeypatch, capsys, "campaign", path, "--baselines")
    assert code == 0 and "greedy, EDF:" in out and "run by run, deadline order:" in out


def test_plot_path_refused_before_solving(monkeypatch, capsys, tmp_path):
    path = ROOT / "instances" / "campaigns" / "campaign-procurement.yaml"
    code, out, err = run_main(monkeypatch, capsys, "campaign", path, "--plot", tmp_path / "plan.txt")
    assert code == 2 and "--plot" in err and out == ""


def test_schema_campaign(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "schema", "--campaign")
    document = json.loads(out)
    assert code == 0 and {"start_month", "months", "sites", "fleet", "runs"} <= set(document["properties"])
