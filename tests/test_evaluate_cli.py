"""`plan evaluate`, and a solve JSON pasted into `plan:`: evaluate needs no loss target (and
says whether a given one is met), solving still does; `--check` exits 3 on violations; violations
are written like the tables; `objective: weighted` without a carbon price warns."""

from __future__ import annotations

import json

import pytest
from cli_run import run_main
from conftest import TINY

PLAN = {"model_params": 4.0e9, "tokens": 8.0e10, "gpu": "H100", "gpu_count": 64, "region": "us-east",
        "alignment": "DPO"}


def test_evaluate_needs_no_loss_target(monkeypatch, capsys, tmp_path, write_instance):
    path = write_instance({"plan": PLAN}, drop=("targets",))
    code, out, err = run_main(monkeypatch, capsys, "evaluate", path, "--format", "json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["plan"]["model_params"] == 4.0e9
    assert "target" not in answer
    code, out, err = run_main(monkeypatch, capsys, "evaluate", path)
    assert code == 0, err
    assert "loss target" not in out


@pytest.mark.parametrize("command", ["solve", "whatif", "frontier", "compare"])
def test_solving_still_needs_a_loss_target(monkeypatch, capsys, tmp_path, command, write_instance):
    path = write_instance({}, drop=("targets",))
    extra = {"whatif": ["--vary", "staff_usd_per_day=0,10"], "frontier": [], "solve": [], "compare": [TINY]}[command]
    code, out, err = run_main(monkeypatch, capsys, command, path, *extra)
    assert code == 2, (out, err)
    assert "targets" in err and "needs a loss target" in err


def test_evaluate_says_whether_the_target_is_met(monkeypatch, capsys, tmp_path, write_instance):
    met = write_instance({"plan": PLAN, "targets": {"max_loss": 3.0}})
    code, out, _ = run_main(monkeypatch, capsys, "evaluate", met, "--format", "json")
    assert code == 0 and json.loads(out)["target"]["met"] is True
    code, out, _ = run_main(monkeypatch, capsys, "evaluate", met)
    assert "loss target 3.0000 nats/token: met" in out
    missed = write_instance({"plan": PLAN, "targets": {"max_loss": 2.0}})
    code, out, _ = run_main(monkeypatch, capsys, "evaluate", missed, "--format", "json")
    answer = json.loads(out)
    assert code == 0 and answer["target"]["met"] is False
    code, out, _ = run_main(monkeypatch, capsys, "evaluate", missed)
    assert "NOT met" in out


def test_check_exits_3_on_violations_and_0_without(monkeypatch, capsys, tmp_path, write_instance):
    broken = write_instance({"plan": PLAN, "limits": {"budget_usd": 1000.0, "max_co2_t": 0.001}})
    code, out, _ = run_main(monkeypatch, capsys, "evaluate", broken)
    assert code == 0  # without --check evaluate reports and exits 0
    code, out, _ = run_main(monkeypatch, capsys, "evaluate", broken, "--check")
    assert code == 3
    fine = write_instance({"plan": PLAN}, drop=("targets",))
    code, _, _ = run_main(monkeypatch, capsys, "evaluate", fine, "--check")
    assert code == 0


def test_violations_are_formatted_like_the_tables(monkeypatch, capsys, tmp_path, write_instance):
    broken = write_instance({"plan": {**PLAN, "tokens": 8.0e11}, "limits": {"budget_usd": 1000.0}})
    code, out, _ = run_main(monkeypatch, capsys, "evaluate", broken)
    line = next(text for text in out.splitlines() if "budget_usd" in text)
    assert "$" in line and "e+" not in line, line
    assert "exceeds the limit $1k" in line, line
    code, out, _ = run_main(monkeypatch, capsys, "evaluate", broken, "--format", "json")
    violation = next(v for v in json.loads(out)["violations"] if v["limit"] == "budget_usd")
    assert "e+" not in violation["message"] and "$" in violation["message"]
    assert violation["value"] > 1000.0  # the numbers themselves stay exact


def test_show_quantity_examples():
    from planner.numbers import quantity as show_quantity

    assert show_quantity(6.65445e7, "USD") == "$66.5M"
    assert show_quantity(1234.56, "t") == "1,234.6 t"
    assert show_quantity(3.8e25, "FLOP") == "3.800e+25 FLOP"


def test_solve_json_plan_pasted_into_plan_is_accepted(monkeypatch, capsys, tmp_path, write_instance):
    code, out, err = run_main(monkeypatch, capsys, "solve", TINY, "--format", "json")
    assert code == 0, err
    solved = json.loads(out)["plan"]
    path = write_instance({"plan": solved})
    code, out, err = run_main(monkeypatch, capsys, "evaluate", path, "--format", "json", "--check")
    assert code == 0, err
    evaluated = json.loads(out)
    assert evaluated["violations"] == []
    assert evaluated["plan"]["cost_usd"]["total"] == pytest.approx(solved["cost_usd"]["total"], rel=1e-9)
    # in a plan written by hand (no reported figures) an unknown key is still an error
    path = write_instance({"plan": {**PLAN, "gpu_cnt": 8}})
    code, _, err = run_main(monkeypatch, capsys, "evaluate", path)
    assert code == 2 and "plan.gpu_cnt" in err


def test_weighted_without_carbon_price_warns(monkeypatch, capsys, tmp_path, write_instance):
    path = write_instance({"objective": "weighted"})
    code, out, err = run_main(monkeypatch, capsys, "solve", path, "--format", "json")
    assert code == 0
    assert "warning: objective 'weighted'" in err and "carbon_price_usd_per_t" in err
    json.loads(out)  # stdout stays clean JSON
    priced = write_instance({"objective": "weighted", "carbon_price_usd_per_t": 100.0})
    code, _, err = run_main(monkeypatch, capsys, "solve", priced)
    assert code == 0 and "warning" not in err


def test_a_size_off_the_candidate_list_is_no_violation(monkeypatch, capsys, tmp_path, write_instance):
    """`model_sizes` lists what the solver may choose; a user's own plan may be any size (a 70B
    plan evaluated against an instance whose candidates stop at 13B is priced, not refused)."""
    own = write_instance({"plan": {**PLAN, "model_params": 5.5e9}}, drop=("targets",))
    code, out, err = run_main(monkeypatch, capsys, "evaluate", own, "--check", "--format", "json")
    assert code == 0, out + err
    assert json.loads(out)["violations"] == []
    broken = write_instance({"plan": {**PLAN, "model_params": 5.5e9}, "limits": {"budget_usd": 1000.0}},
                    drop=("targets",))
    code, out, _ = run_main(monkeypatch, capsys, "evaluate", broken, "--check", "--format", "json")
    assert code == 3 and [v["limit"] for v in json.loads(out)["violations"]] == ["budget_usd"]
