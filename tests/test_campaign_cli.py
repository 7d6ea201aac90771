"""`plan campaign`: the bundled campaigns read as a training lead would (deadlines met, GPUs never
above what is owned, reserved or rented, MW never above the limit, every reserved block worth its
term), evaluator == MIP objective on each; exit codes 2 (bad input, one line naming the field) and
3 (infeasible, with what would have to move); JSON and CSV answers."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from campaign_cases import tiny
from cli_run import run_main
from planner.input.campaign_loading import campaign_from_dict, load_campaign
from planner.input.loading import read_yaml
from planner.optimize.campaign_solve import solve_campaign

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted((ROOT / "instances" / "campaigns").glob("*.yaml"))


@pytest.fixture(scope="module")
def solved():
    return {path.name: (load_campaign(path), solve_campaign(load_campaign(path))) for path in BUNDLED}


def test_three_bundled_campaigns_each_with_a_comment():
    assert len(BUNDLED) >= 3
    for path in BUNDLED:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("#") and "What it shows" in text, path.name


@pytest.mark.parametrize("name", [p.name for p in BUNDLED])
def test_bundled_campaign_is_sound(solved, name):
    campaign, result = solved[name]
    assert result.status == "optimal"
    assert result.metrics.violations == []
    assert result.objective_value == pytest.approx(result.model_objective, rel=1e-6)
    labels, hours = campaign.labels(), campaign.hours()
    # deadlines met and precedence kept, from the plan itself
    last = {}
    for run, plan in zip(campaign.runs, result.plan.runs):
        months = [t for t, n in enumerate(plan.gpus_by_month) if n]
        assert labels[months[-1]] <= run.deadline and labels[months[0]] >= (run.earliest_start or labels[0])
        last[run.name] = (months[0], months[-1])
    for run in campaign.runs:
        for before in run.after:
            assert last[before][1] < last[run.name][0]
    blocks_by = {}
    for r in result.plan.reservations:
        blocks_by.setdefault((r.site, r.gpu), []).append((labels.index(r.month), r.blocks))
    for entry in campaign.fleet:
        owned = campaign.owned_by_month(entry)
        rentable = campaign.on_demand_by_month(entry)
        term = entry.reserved.term_months if entry.reserved else 0
        block = entry.reserved.block_gpus if entry.reserved else 0
        reserved = [sum(b for t0, b in blocks_by.get((entry.site, entry.gpu), []) if t0 <= t < t0 + term) * block
                    for t in range(campaign.months)]
        there = [p for p in result.plan.runs if (p.site, p.gpu) == (entry.site, entry.gpu)]
        for t in range(campaign.months):
            held = sum(p.gpus_by_month[t] for p in there)
            assert held <= owned[t] + reserved[t] + rentable[t]
        # a block is worth its term: renting its busy GPU-hours on demand would cost at least as much
        for t0, b in blocks_by.get((entry.site, entry.gpu), []):
            busy = sum(min(b * block, max(0.0, sum(p.gpu_hours_by_month[t] for p in there) / hours[t] - owned[t]))
                       * hours[t] for t in range(t0, min(t0 + term, campaign.months)))
            assert busy * entry.on_demand.usd_per_gpu_hour >= b * campaign.block_usd(entry, t0) * (1 - 1e-9)
    for site in campaign.sites:
        limits = campaign.grid_by_month(site)
        for t, limit in enumerate(limits):
            mw = sum(p.gpus_by_month[t] * _node_watts_per_gpu(campaign.gpu(p.gpu)) / 1e6 * site.pue
                     for p in result.plan.runs if p.site == site.name)
            assert limit is None or mw <= limit * (1 + 1e-9)


def _node_watts_per_gpu(gpu) -> float:
    """What the grid sees per GPU: the node's rating shared by its GPUs (DGX H100: 10.2 kW / 8), the
    board power only for a GPU with no node rating."""
    return gpu.node_watts / gpu.gpus_per_node if gpu.node_watts else gpu.watts


def test_carbon_shift_reads_as_its_comment_says(solved):
    """Both runs in Norway, in May-September; 3 MW / (10.2 kW / 8 x PUE 1.1) = 2,139 GPUs, so 267
    whole nodes = 2,136 H100s, held from June to August (the limit binds) and shared with the 30B run
    in May; the 30B run (due June) in April-May."""
    campaign, result = solved["campaign-carbon-shift.yaml"]
    labels = campaign.labels()
    assert {p.site for p in result.plan.runs} == {"norway"}
    most = int(3e6 / (10_200 / 8 * 1.1) // 8) * 8
    assert most == 2_136
    held = [sum(p.gpus_by_month[t] for p in result.plan.runs) for t in range(campaign.months)]
    full = [labels[t] for t, n in enumerate(held) if n == most]
    assert {"2027-06", "2027-07", "2027-08"} <= set(full) <= {"2027-05", "2027-06", "2027-07", "2027-08"}
    assert {labels[t] for t, n in enumerate(held) if n} <= {"2027-04", "2027-05", "2027-06", "2027-07",
                                                             "2027-08", "2027-09"}
    small = next(p for p in result.plan.runs if p.run == "small-30b")   # due June: April (a node) and May
    assert max(labels[t] for t, n in enumerate(small.gpus_by_month) if n) == "2027-05"


def test_json_and_csv(monkeypatch, capsys, tmp_path):
    path = ROOT / "instances" / "campaigns" / "campaign-procurement.yaml"
    code, out, err = run_main(monkeypatch, capsys, "campaign", path, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "optimal"
    assert data["cost_usd"]["total"] == pytest.approx(sum(v for k, v in data["cost_usd"].items() if k != "total"))
    code, out, err = run_main(monkeypatch, capsys, "campaign", path, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows and sum(float(r["gpu_hours"]) for r in rows) == pytest.approx(
        sum(r["gpu_hours"] for r in data["runs"]), rel=1e-6)
    target = tmp_path / "answer.txt"
    code, out, err = run_main(monkeypatch, capsys, "campaign", path, "--output", target)
    assert code == 0 and out == "" and "Runs" in target.read_text()


def _write(tmp_path, data) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML (no aliases)
    return path


def test_bad_input_exit_2_one_line(monkeypatch, capsys, tmp_path):
    data = tiny()
    data["fleet"][0]["reserved"]["term_months"] = -1
    code, out, err = run_main(monkeypatch, capsys, "campaign", _write(tmp_path, data))
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "fleet[0].reserved.term_months" in err


def test_infeasible_exit_3_explained(monkeypatch, capsys, tmp_path):
    data = tiny()
    data["runs"][0]["deadline"] = "2027-01"   # 32 GPUs x 744 h < 33,333 GPU-hours
    code, out, err = run_main(monkeypatch, capsys, "campaign", _write(tmp_path, data))
    assert code == 3
    assert "status: infeasible" in out and "max_gpus must rise to at least 48" in out   # 33,333 / 744 = 44.8


def test_infeasible_budget_says_by_how_much(monkeypatch, capsys, tmp_path):
    data = tiny(limits={"budget_usd": 50_000.0})
    code, out, err = run_main(monkeypatch, capsys, "campaign", _write(tmp_path, data), "--format", "json")
    assert code == 3
    explanation = " ".join(json.loads(out)["explanation"])
    # the cheapest plan is the shared-block plan of test_campaign_hand_solved: 46,080 + 33,984
    assert "80,064" in explanation and "30,064" in explanation


def test_infeasible_channels_short_by_hand(monkeypatch, capsys, tmp_path):
    """r1 alone, due in January, may hold 64 GPUs, but site a has 16 owned + one block of 16 (no
    on-demand) = 32 GPUs x 744 h = 23,808 GPU-hours, and site b's 0.02 MW allow 13 GPUs (one node:
    5,952): the best site is 33,333.3 - 23,808 = 9,525 GPU-hours short, 12.8 GPUs a month."""
    data = tiny()
    data["runs"] = data["runs"][:1]
    data["runs"][0].update(deadline="2027-01", max_gpus=64)
    del data["fleet"][0]["on_demand"]
    data["sites"][1]["grid_mw"] = 0.02
    code, out, err = run_main(monkeypatch, capsys, "campaign", _write(tmp_path, data), "--format", "json")
    assert code == 3
    explanation = " ".join(json.loads(out)["explanation"])
    assert "9,525 short" in explanation and "about 13 more GPUs" in explanation


def test_infeasible_runs_compete(monkeypatch, capsys, tmp_path):
    """Two runs due in January, no precedence, 64 GPUs each allowed: each alone fits site a (16 owned
    + 16 reserved + 32 on demand = 64 GPUs x 744 h = 47,616 >= 33,333.3), both do not (66,666.7)."""
    data = tiny()
    for run in data["runs"]:
        run.update(deadline="2027-01", max_gpus=64, after=[])
    data["sites"][1]["grid_mw"] = 0.02
    code, out, err = run_main(monkeypatch, capsys, "campaign", _write(tmp_path, data), "--format", "json")
    assert code == 3
    explanation = " ".join(json.loads(out)["explanation"])
    assert "alone it would fit" in explanation


def test_llama3_family_reads_as_its_comment_says(solved):
    """The 405B run waits for the second tranche (May) and runs three months, at 16,384 GPUs at its
    peak (which months after May is a tie: the owned fleet is paid either way); with its deadline
    moved to 2027-04 the plan reserves three blocks of 1,024 from January instead."""
    campaign, result = solved["campaign-llama3-family.yaml"]
    plan = next(p for p in result.plan.runs if p.run == "base-405b")
    months = [campaign.labels()[t] for t, n in enumerate(plan.gpus_by_month) if n]
    assert len(months) == 3 and months[0] >= "2027-05" and max(plan.gpus_by_month) == 16_384
    assert result.plan.reservations == () and result.metrics.cost_on_demand_usd < 1.0
    data = read_yaml(ROOT / "instances" / "campaigns" / "campaign-llama3-family.yaml")
    next(r for r in data["runs"] if r["name"] == "base-405b")["deadline"] = "2027-04"
    tight = solve_campaign(campaign_from_dict(data))
    assert [(r.month, r.blocks) for r in tight.plan.reservations] == [("2027-01", 3)]
    assert 15e6 < tight.objective_value - result.objective_value < 18e6
