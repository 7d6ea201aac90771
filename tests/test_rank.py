"""`plan rank`: the best plan for each value of a decision, each equal to a solve of the instance
restricted by hand to that value; the winner is `plan solve`'s optimum."""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path

import pytest

from cli_run import run_main
from planner.analysis.rank import rank
from planner.input.loading import instance_from_dict, load_instance, read_yaml
from planner.optimize.pipeline import solve_instance

TINY = Path(__file__).parent / "data" / "sweep_tiny.yaml"


def by_hand(data: dict, by: str, value) -> dict:
    """The instance's YAML with one decision fixed, edited directly (not through planner.analysis.rank)."""
    data = copy.deepcopy(data)
    if by == "region":
        data["regions"] = [r for r in data["regions"] if r["name"] == value]
    elif by == "gpu":
        data["gpus"] = [g for g in data["gpus"] if g["name"] == value]
        for region in data["regions"]:
            if "offers" in region:
                region["offers"] = {k: v for k, v in region["offers"].items() if k == value}
    elif by == "size":
        data["model_sizes"] = [value]
    else:
        data["alignment"]["recipes"] = [m for m in data["alignment"]["recipes"] if m["name"] == value]
    return data


@pytest.mark.parametrize("by, values", [("region", ["us-east", "germany", "france", "sweden"]),
                                        ("gpu", ["H100", "B200"]),
                                        ("size", [1.0e9, 2.0e9, 4.0e9, 8.0e9]),
                                        ("recipe", ["SFT", "DPO"])])
def test_each_row_is_the_optimum_with_the_decision_fixed(by, values):
    data = read_yaml(TINY)
    ranking = rank(TINY, by)
    assert sorted(map(str, (r.value for r in ranking.rows))) == sorted(map(str, values))
    optimum = solve_instance(load_instance(TINY), explain=False)
    winner = ranking.rows[0]
    assert winner.rank == 1 and winner.gap == 0
    assert winner.result.objective_value == pytest.approx(optimum.objective_value, rel=1e-6)
    expected = {}
    for value in values:
        alone = solve_instance(instance_from_dict(by_hand(data, by, value)), explain=False)
        expected[str(value)] = alone.objective_value if alone.status == "optimal" else None
    best = min(v for v in expected.values() if v is not None)
    got = [r.result.objective_value for r in ranking.rows if r.has_plan]
    assert got == sorted(got)
    for row in ranking.rows:
        assert row.result.objective_value == pytest.approx(expected[str(row.value)], rel=1e-6)
        assert row.gap == pytest.approx((expected[str(row.value)] - best) / best, rel=1e-6, abs=1e-9)
        plan = row.result.plan
        fixed = {"region": plan.region, "gpu": plan.gpu, "size": plan.model_params, "recipe": plan.alignment}[by]
        assert fixed == row.value


def test_values_without_a_plan_are_listed_last_with_why():
    data = read_yaml(TINY)
    data["limits"] = {"max_co2_t": 0.05}  # only the clean grids (france, sweden) can meet it
    ranking = rank(data, "region")
    statuses = {r.value: r.status for r in ranking.rows}
    for region in ("us-east", "germany"):
        alone = solve_instance(instance_from_dict(by_hand(data, "region", region)), explain=False)
        assert alone.status == "infeasible" and statuses[region] == "infeasible"
    assert [r.has_plan for r in ranking.rows] == [True, True, False, False]
    for row in ranking.rows[2:]:
        assert row.rank is None and row.gap is None and "must be at least" in row.reason

def test_top_keeps_k_rows_and_counts_the_rest():
    """`--top 1` used to list every value without a plan after the one plan asked for."""
    data = read_yaml(TINY)
    data["limits"] = {"max_co2_t": 0.05}  # two of four regions have a plan
    ranking = rank(data, "region", explain=False)
    top = rank(data, "region", top=1, explain=False)
    assert [r.value for r in top.rows] == [ranking.rows[0].value]
    assert (top.omitted, top.omitted_without_plan) == (1, 2)
    three = rank(data, "region", top=3, explain=False)  # two plans, then one value without
    assert [r.value for r in three.rows] == [r.value for r in ranking.rows[:3]]
    assert (three.omitted, three.omitted_without_plan) == (0, 1)


def test_cli_table_json_csv_and_exit_codes(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run_main(monkeypatch, capsys, "rank", TINY, "--by", "gpu")
    assert code == 0, err
    assert "winner" in out and "H100" in out and "B200" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    code, out, err = run_main(monkeypatch, capsys, "rank", TINY, "--by", "region", "--format", "json", "--top", "2")
    assert code == 0, err
    doc = json.loads(out)
    solved = solve_instance(load_instance(TINY), explain=False)
    assert doc["by"] == "region" and doc["winner"] == solved.plan.region and len(doc["rows"]) == 2
    assert doc["rows"][0]["objective_value"] == pytest.approx(solved.objective_value, rel=1e-6)
    assert doc["omitted"] == 2 and doc["rows"][0]["plan"]["region"] == doc["rows"][0]["value"]
    code, out, err = run_main(monkeypatch, capsys, "rank", TINY, "--by", "size", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 4 and [int(float(r["rank"])) for r in rows] == [1, 2, 3, 4]
    broke = tmp_path / "broke.yaml"
    broke.write_text(TINY.read_text() + "limits: {budget_usd: 1000}\n")
    code, out, err = run_main(monkeypatch, capsys, "rank", broke, "--no-explain")
    assert code == 3 and "infeasible" in out
    bare = tmp_path / "bare.yaml"
    bare.write_text(TINY.read_text().split("alignment:")[0])
    code, out, err = run_main(monkeypatch, capsys, "rank", bare, "--by", "recipe")
    assert code == 2 and "no alignment recipes" in err and out == ""
