"""One record of a plan (planner.formulas.record), serialised once: the CSV of solve, whatif,
frontier and rank use the same column names and list separator, and every cost and CO2 component
is there, so the parts add up to the total (the whatif CSV left out development: parts $1,070,151,
total $1,219,429)."""

import csv
import io

import pytest
from cli_run import run_main

STARTUP = "instances/startup-7b.yaml"


def _rows(out: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(out)))


def _parts_add_up(row: dict, prefix: str = "") -> None:
    for quantity in ("cost_usd", "co2_t"):
        parts = [k for k in row if k.startswith(f"{prefix}{quantity}.") and not k.endswith(".total")]
        assert f"{prefix}{quantity}.development" in parts
        total = float(row[f"{prefix}{quantity}.total"])
        assert sum(float(row[k]) for k in parts) == pytest.approx(total, rel=1e-12), (quantity, parts)


def test_whatif_csv_parts_add_up_to_the_total(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "whatif", STARTUP, "--vary", "development_factor=1,2",
                              "--format", "csv")
    assert code == 0, err
    rows = _rows(out)
    assert len(rows) == 2 and float(rows[1]["cost_usd.development"]) > 0
    for row in rows:
        _parts_add_up(row)


@pytest.mark.parametrize("command", [["whatif", "--vary", "staff_usd_per_day=5000"],
                                     ["frontier", "--points", "2"], ["rank", "--by", "gpu"]])
def test_every_csv_has_solve_s_plan_columns(monkeypatch, capsys, command):
    code, out, _ = run_main(monkeypatch, capsys, "solve", STARTUP, "--format", "csv")
    solve = _rows(out)[0]
    plan_columns = [k for k in solve if k not in ("status", "objective", "objective_value", "binding", "warnings")
                    and not k.startswith("solver.")]
    name, *options = command
    code, out, err = run_main(monkeypatch, capsys, name, STARTUP, *options, "--format", "csv")
    assert code == 0, err
    row = _rows(out)[0]
    missing = [k for k in plan_columns if k not in row]
    assert missing == []
    _parts_add_up(row)


def test_lists_use_one_separator(monkeypatch, capsys):
    """`binding` holds two limits (max_loss, available) on us-vs-nordic: joined by ";" in every CSV."""
    for command in (["solve"], ["whatif", "--vary", "objective=cost"]):
        code, out, _ = run_main(monkeypatch, capsys, command[0], "instances/us-vs-nordic.yaml", *command[1:],
                                "--format", "csv")
        binding = _rows(out)[0]["binding"]
        assert binding.split(";") == ["max_loss", "available"], (command, binding)
