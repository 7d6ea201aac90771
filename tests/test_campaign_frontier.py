"""`plan campaign --frontier K`: every point is the cheapest plan of the campaign within its CO2
(checked by an independent solve with that carbon budget), the points run from cheapest to
cleanest with neither cost nor CO2 repeated, and the ends are the cheapest and the cleanest plans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_run import run_main
from planner.analysis.campaign_frontier import campaign_frontier
from planner.input.campaign_loading import load_campaign
from planner.input.campaign_schema import CampaignLimits
from planner.optimize.campaign_solve import solve_campaign
from planner.optimize.solve import SolveOptions

ROOT = Path(__file__).resolve().parent.parent
CARBON = ROOT / "instances" / "campaigns" / "campaign-carbon-shift.yaml"
OPTIONS = SolveOptions(mip_gap=1e-9)


def test_each_point_is_the_cheapest_within_its_co2():
    campaign = load_campaign(CARBON)
    front = campaign_frontier(campaign, 4, OPTIONS)
    assert len(front) >= 2
    costs, co2s = [p.cost_usd for p in front], [p.co2_t for p in front]
    assert costs == sorted(costs) and co2s == sorted(co2s, reverse=True)
    assert len(set(costs)) == len(costs)
    cheapest = solve_campaign(campaign.model_copy(update={"objective": "cost"}), OPTIONS)
    cleanest = solve_campaign(campaign, OPTIONS)
    assert front[0].cost_usd == pytest.approx(cheapest.objective_value, rel=1e-6)
    assert front[-1].co2_t == pytest.approx(cleanest.objective_value, rel=1e-6)
    for p in front:
        limited = campaign.model_copy(update={"objective": "cost",
                                              "limits": CampaignLimits(max_co2_t=p.co2_t * (1 + 1e-7))})
        assert solve_campaign(limited, OPTIONS).objective_value == pytest.approx(p.cost_usd, rel=1e-6)


def test_cli_frontier_json(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "campaign", CARBON, "--frontier", "3", "--format", "json")
    assert code == 0, err
    front = json.loads(out)["frontier"]
    assert len(front) >= 2 and front[0]["cost_usd"] < front[-1]["cost_usd"] and front[0]["co2_t"] > front[-1]["co2_t"]
