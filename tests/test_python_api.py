"""planner.solve / evaluate / whatif / frontier / rank: the same answers as the CLI, overrides as
`--set`, and the docs/python-api.md example as written."""

import json
import re
from pathlib import Path

import pytest
from cli_run import run_main

import planner
from planner.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
STARTUP = str(ROOT / "instances" / "startup-7b.yaml")


def test_solve_is_the_cli_record_and_overrides_are_set(monkeypatch, capsys):
    answer = planner.solve(STARTUP, limits__budget_usd=1.5e6, **{"gpus[H100].mfu": 0.4})
    code, out, _ = run_main(monkeypatch, capsys, "solve", STARTUP, "--format", "json",
                            "--set", "limits.budget_usd=1.5e6", "--set", "gpus[H100].mfu=0.4")
    cli = json.loads(out)
    assert answer["status"] == cli["status"] == "optimal"
    assert answer["objective_value"] == pytest.approx(cli["objective_value"], rel=1e-12)
    assert answer["plan"]["gpu_count"] == cli["plan"]["gpu_count"]


def test_whatif_rows_equal_solves():
    frame = planner.whatif(STARTUP, ["staff_usd_per_day=4000,6000"])
    for _, row in frame.iterrows():
        alone = planner.solve(STARTUP, staff_usd_per_day=row["staff_usd_per_day"])
        assert row["objective_value"] == pytest.approx(alone["objective_value"], rel=1e-9)
        assert row["cost_usd.total"] == pytest.approx(alone["plan"]["cost_usd"]["total"], rel=1e-9)


def test_evaluate_prices_the_solved_plan_at_its_cost():
    answer = planner.solve(STARTUP)
    plan = {k: answer["plan"][k] for k in ("model_params", "tokens", "gpu", "gpu_count", "region", "alignment")}
    priced = planner.evaluate(STARTUP, plan=plan)
    assert priced["violations"] == []
    assert priced["plan"]["cost_usd"]["total"] == pytest.approx(answer["plan"]["cost_usd"]["total"], rel=1e-12)


def test_rank_and_frontier_are_frames_with_the_record_columns():
    ranked = planner.rank(STARTUP, by="gpu")
    front = planner.frontier(STARTUP, points=3)
    for frame in (ranked, front):
        assert {"cost_usd.total", "cost_usd.development", "co2_t.total", "gpu_count"} <= set(frame.columns)
    best = ranked.dropna(subset=["rank"]).sort_values("rank").iloc[0]
    assert best["objective_value"] == pytest.approx(planner.solve(STARTUP)["objective_value"], rel=1e-9)


def test_bad_override_names_the_field():
    with pytest.raises(InputError, match="limits.budget"):
        planner.solve(STARTUP, limits__budget=1.0)


def test_the_documented_example_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs" / "python-api.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "python-api.md", "exec"), namespace)  # noqa: S102 -- the repository's own doc
    assert namespace["answer"]["plan"]["gpu_count"] == 1872
    assert namespace["priced"]["violations"] == []
