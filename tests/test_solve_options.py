"""Options of `plan solve --objective/--set/--format csv/--output`,
`gpus: all` / `regions: all`, deadlines as dates, `plan catalog regions --match virginia`."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
import yaml

from cli_run import run_main
from planner.input.loading import parse_yaml
from planner.errors import InputError
from planner.input import catalog
from planner.input.loading import instance_from_dict, resolve_catalog_names

TINY = Path(__file__).parent / "data" / "sweep_tiny.yaml"


def _solve_json(monkeypatch, capsys, *args) -> tuple[int, dict, str]:
    code, out, err = run_main(monkeypatch, capsys, "solve", TINY, "--format", "json", *args)
    return code, (json.loads(out) if out else {}), err


def test_set_changes_an_input_without_editing_the_file(monkeypatch, capsys):
    before = TINY.read_bytes()
    code, base, _ = _solve_json(monkeypatch, capsys)
    assert code == 0
    # forbid the base plan's region through its offer count: the plan must move
    region = base["plan"]["region"]
    code, moved, err = _solve_json(monkeypatch, capsys, "--set", f"regions[{region}].carbon_g_per_kwh=400",
                                   "--set", "limits.max_co2_t=0.5")
    assert code in (0, 3), err
    code, tight, err = _solve_json(monkeypatch, capsys, "--set", "limits.budget_usd=1000")
    assert code == 3 and tight["status"] == "infeasible"
    code, loose, _ = _solve_json(monkeypatch, capsys, "--set", "targets.max_loss=2.6")
    assert code == 0 and loose["plan"]["loss"] <= 2.6 + 1e-9
    assert loose["objective_value"] < base["objective_value"]
    assert TINY.read_bytes() == before


def test_set_errors_name_the_option(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "solve", TINY, "--set", "limits.budgt_usd=5")
    assert code == 2 and out == "" and "limits.budgt_usd" in err and "did you mean" in err
    code, _, err = run_main(monkeypatch, capsys, "solve", TINY, "--set", "limits.budget_usd")
    assert code == 2 and "--set" in err and "PATH=VALUE" in err
    code, _, err = run_main(monkeypatch, capsys, "solve", TINY, "--set", "regions[mars].pue=1.1")
    assert code == 2 and "mars" in err


def test_objective_option_replaces_the_files_objective(monkeypatch, capsys):
    code, cost, _ = _solve_json(monkeypatch, capsys)
    code2, co2, _ = _solve_json(monkeypatch, capsys, "--objective", "co2")
    assert code == code2 == 0
    assert co2["objective"] == "co2"
    assert co2["plan"]["co2_t"]["total"] <= cost["plan"]["co2_t"]["total"] + 1e-9
    assert co2["plan"]["cost_usd"]["total"] >= cost["plan"]["cost_usd"]["total"] - 1e-6


def test_format_csv_is_one_row_of_the_json_keys(monkeypatch, capsys):
    code, data, _ = _solve_json(monkeypatch, capsys)
    code, out, _ = run_main(monkeypatch, capsys, "solve", TINY, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 1
    row = rows[0]
    assert row["status"] == "optimal"
    # the plan's keys unprefixed, as in every other command's CSV (planner.formulas.record)
    assert float(row["cost_usd.total"]) == pytest.approx(data["plan"]["cost_usd"]["total"], rel=1e-12)
    assert row["gpu"] == data["plan"]["gpu"]


def test_output_is_written_atomically(monkeypatch, capsys, tmp_path):
    target = tmp_path / "answer.json"
    target.write_text("old")
    code, out, err = run_main(monkeypatch, capsys, "solve", TINY, "--format", "json", "--output", target)
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["status"] == "optimal"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answer.json"]  # no temporary left behind
    # the write goes through a temporary file and os.replace
    calls = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append((a, b)), real(a, b)))
    code, _, _ = run_main(monkeypatch, capsys, "solve", TINY, "--format", "csv", "--output", target)
    assert code == 0 and len(calls) == 1 and Path(calls[0][1]) == target and Path(calls[0][0]) != target
    assert target.read_text().startswith("status,")


def test_output_refused_before_solving(monkeypatch, capsys, tmp_path):
    code, out, err = run_main(monkeypatch, capsys, "solve", TINY, "--output", tmp_path / "no" / "x.json")
    assert code == 2 and "--output" in err and "does not exist" in err


def test_table_output_to_file(monkeypatch, capsys, tmp_path):
    target = tmp_path / "plan.txt"
    code, out, _ = run_main(monkeypatch, capsys, "solve", TINY, "--output", target)
    assert code == 0 and out == ""
    assert "status: optimal" in target.read_text()


@pytest.mark.parametrize("key,kind", [("gpus", "gpus"), ("regions", "regions")])
def test_all_takes_every_catalog_entry(key, kind):
    resolved = resolve_catalog_names({"gpus": "all", "regions": "all", "model_sizes": [7e9]})
    assert [entry["name"] for entry in resolved[key]] == catalog.names(kind)


def test_all_solves(monkeypatch, capsys, tmp_path):
    data = {"objective": "cost", "scaling_law": "epoch2024", "model_sizes": [1.0e9, 3.0e9],
            "targets": {"max_loss": 2.6}, "gpus": [{"name": "H100", "available": 64}], "regions": "all"}
    path = tmp_path / "all.yaml"
    path.write_text(yaml.safe_dump(data))
    code, out, err = run_main(monkeypatch, capsys, "solve", path, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["plan"]["region"] in catalog.names("regions")


def _with_dates(**changes) -> dict:
    data = parse_yaml(TINY.read_text())
    data.update(changes)
    return data


def test_deadline_as_a_date():
    instance = instance_from_dict(_with_dates(start="2026-12-01", limits={"deadline": "2027-03-01"}))
    assert instance.limits.deadline_days == 90
    assert instance.start == "2026-12-01"
    # re-validation (Instance.updated) keeps the same deadline
    assert instance.updated(name="again").limits.deadline_days == 90


def test_deadline_date_from_yaml_file(monkeypatch, capsys, tmp_path):
    path = tmp_path / "dates.yaml"
    path.write_text(TINY.read_text() + "start: 2026-12-01\nlimits: {deadline: 2026-12-02}\n")
    code, out, err = run_main(monkeypatch, capsys, "solve", path, "--format", "json")
    assert code == 0, err
    dated = json.loads(out)
    assert dated["plan"]["duration_days"] <= 1 + 1e-9
    code, out, err = run_main(monkeypatch, capsys, "solve", TINY, "--format", "json", "--set", "limits.deadline_days=1")
    assert json.loads(out)["objective_value"] == pytest.approx(dated["objective_value"], rel=1e-12)


@pytest.mark.parametrize("changes,fragment", [
    ({"limits": {"deadline": "2027-03-01"}}, "needs the top-level `start"),
    ({"start": "2026-12-01", "limits": {"deadline": "2027-03-01", "deadline_days": 30}}, "not both"),
    ({"start": "2026-12-01", "limits": {"deadline": "2026-11-01"}}, "is not after start"),
    ({"start": "2026-12-01", "limits": {"deadline": "1 March"}}, "must be a date YYYY-MM-DD"),
    ({"start": "tomorrow"}, "start: must be a date"),
])
def test_bad_dates_name_the_field(changes, fragment):
    with pytest.raises(InputError, match=fragment) as info:
        instance_from_dict(_with_dates(**changes))
    assert info.value.field in ("limits.deadline", "start")


def test_set_deadline_days_replaces_a_date_deadline(monkeypatch, capsys, tmp_path):
    path = tmp_path / "dates.yaml"
    path.write_text(TINY.read_text() + "start: 2026-12-01\nlimits: {deadline: 2026-12-02}\n")
    code, out, err = run_main(monkeypatch, capsys, "solve", path, "--format", "json",
                              "--set", "limits.deadline_days=365")
    assert code == 0, err


def test_catalog_match_searches_the_location(monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "catalog", "regions", "--match", "virginia", "--format", "json")
    assert code == 0
    names = [entry["name"] for entry in json.loads(out)["regions"]]
    assert "us-east" in names and len(names) >= 2
    code, out, _ = run_main(monkeypatch, capsys, "catalog", "regions", "--match", "VIRGINIA")
    assert code == 0 and "us-east" in out
