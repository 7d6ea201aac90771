"""`plan page` on the command line (bad files refused before any server starts, `plan solve` never
loads the web stack) and the CO2 equivalents shared by the page and `plan solve`'s table."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.cli_run import run_main
from tests.page_support import INSTANCES, ROOT


def test_bad_file_is_one_line_and_exit_2_before_any_server(monkeypatch, capsys, tmp_path):
    pytest.importorskip("nicegui")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncolour: blue\n")
    code, out, err = run_main(monkeypatch, capsys, "page", bad)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [err.strip()] and "colour" in err and "Traceback" not in err
    code, _, err = run_main(monkeypatch, capsys, "page", tmp_path / "missing.yaml")
    assert code == 2 and "file not found" in err


def test_page_is_in_the_help_and_takes_port_host_open(monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "--help")
    assert code == 0 and "page" in out and "web page" in out
    code, out, _ = run_main(monkeypatch, capsys, "page", "--help")
    assert code == 0 and all(option in out for option in ("--port", "--host", "--open", "127.0.0.1"))


def test_plan_solve_does_not_import_the_web_stack():
    script = ("import sys, cli\nsys.argv = ['plan', 'solve', sys.argv[1], '--format', 'json']\n"
              "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('nicegui', 'fastapi', 'uvicorn', 'planner')"
              " and (m.startswith('planner.page') or not m.startswith('planner'))), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", script, str(INSTANCES / "startup-7b.yaml")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_co2_equivalents_by_hand():
    from planner.formulas.co2_equivalents import CAR_LIFETIME_T, FLIGHT_ROUND_TRIP_T, cars, equivalents, flights

    assert FLIGHT_ROUND_TRIP_T == 0.67
    assert CAR_LIFETIME_T == pytest.approx(126_000 * 0.45359237 / 1000)  # 126,000 lb in tonnes: 57.15
    assert flights(139.94) == pytest.approx(139.94 / 0.67)  # 208.9
    assert cars(139.94) == pytest.approx(139.94 / 57.1526)
    [flight, car] = equivalents(67.0)
    assert round(flight.count) == 100 and "ICAO" in flight.source
    assert car.count == pytest.approx(67.0 / 57.1526, rel=1e-5) and "Strubell" in car.source


def test_plan_solve_table_says_the_equivalents(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    code, json_out, _ = run_main(monkeypatch, capsys, "solve", INSTANCES / "us-vs-nordic.yaml", "--format", "json")
    import json

    co2 = json.loads(json_out)["plan"]["co2_t"]["total"]
    code, out, _ = run_main(monkeypatch, capsys, "solve", INSTANCES / "us-vs-nordic.yaml")
    line = next(line for line in out.splitlines() if line.startswith("CO2e ~"))
    assert line == (f"CO2e ~ {co2 / 0.67:,.0f} transatlantic return flights (1 passenger), "
                    f"{co2 / (126_000 * 0.45359237 / 1000):,.1f} car lifetimes")
    assert max(len(x) for x in out.splitlines()) <= 80
