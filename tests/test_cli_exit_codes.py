"""Exit codes of the whole CLI (README "Commands"): 0 optimal, 2 invalid input, 3 infeasible,
4 stopped by a limit with the best plan found and its gap.

`--time-limit` is checked end to end twice: deterministically, by making HiGHS report a stop after
it has found a plan (the pipeline must then answer time_limit with that plan and its gap, also in
the middle of the `loss` objective's cut rounds), and for real, with a limit too short for HiGHS to
finish a model of a few thousand candidates.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest
import yaml

from planner.optimize import pipeline
from planner.optimize import solve as solve_mod
from cli_run import run_main

LAW = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def instance(**changes) -> dict:
    data = {
        "name": "exit-codes",
        "objective": "cost",
        "scaling_law": dict(LAW),
        "model_sizes": [1.0e9, 2.0e9, 4.0e9],
        "targets": {"max_loss": 2.45},
        "limits": {"budget_usd": 1.0e6, "deadline_days": 30},
        "staff_usd_per_day": 1000.0,
        "gpus": [{"name": "G1", "peak_tflops": 1000, "mfu": 0.4, "watts": 700, "memory_gb": 80,
                  "usd_per_gpu_hour": 2.0, "available": 64}],
        "regions": [{"name": "r1", "carbon_g_per_kwh": 400, "pue": 1.1},
                    {"name": "r2", "carbon_g_per_kwh": 30, "pue": 1.2,
                     "offers": {"G1": {"usd_per_gpu_hour": 2.4, "available": 32}}}],
    }
    data.update(changes)
    return data


def write(tmp_path, data: dict, name: str = "instance.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path



def test_exit_0_optimal(monkeypatch, capsys, tmp_path):
    path = write(tmp_path, instance())
    code, out, err = run_main(monkeypatch, capsys, "solve", path, "--format", "json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert doc["status"] == "optimal" and doc["plan"]["gpu"] == "G1"
    code, out, _ = run_main(monkeypatch, capsys, "solve", path)
    assert code == 0 and "status: optimal" in out


def test_exit_0_evaluate(monkeypatch, capsys, tmp_path):
    plan = {"model_params": 1.0e9, "tokens": 6.0e10, "gpu": "G1", "gpu_count": 64, "region": "r1"}
    path = write(tmp_path, instance(plan=plan))
    code, out, err = run_main(monkeypatch, capsys, "evaluate", path, "--format", "json")
    assert code == 0 and err == ""
    assert json.loads(out)["violations"] == []


@pytest.mark.parametrize("command", ["solve", "evaluate"])
def test_exit_2_invalid_input(monkeypatch, capsys, tmp_path, command):
    data = instance()
    data["gpus"][0]["mfu"] = 1.7
    code, out, err = run_main(monkeypatch, capsys, command, write(tmp_path, data))
    assert (code, out, err) == (2, "", "error: gpus[0].mfu: must be in (0, 1], got 1.7\n")


@pytest.mark.parametrize("args", [
    ["solve"],                                           # missing file argument
    ["solve", "x.yaml", "--format", "xml"],              # bad choice
    ["solve", "x.yaml", "--time-limit", "0"],            # must be > 0
    ["solve", "x.yaml", "--time-limit", "soon"],         # not a number
    ["solve", "x.yaml", "--no-such-option"],
    ["frobnicate"],
])
def test_exit_2_usage_errors(monkeypatch, capsys, args):
    code, out, err = run_main(monkeypatch, capsys, *args)
    assert code == 2 and out == ""
    assert "Traceback" not in err and err.strip()


def test_exit_3_infeasible(monkeypatch, capsys, tmp_path):
    path = write(tmp_path, instance(limits={"budget_usd": 100.0}))
    code, out, err = run_main(monkeypatch, capsys, "solve", path, "--format", "json")
    assert code == 3 and err == ""
    doc = json.loads(out)
    assert doc["status"] == "infeasible" and doc["plan"] is None
    assert any(line.startswith("budget must be at least $") for line in doc["explanation"])


def test_generous_time_limit_is_simply_optimal(monkeypatch, capsys, tmp_path):
    path = write(tmp_path, instance())
    code, out, _ = run_main(monkeypatch, capsys, "solve", path, "--format", "json", "--time-limit", "60")
    assert code == 0 and json.loads(out)["status"] == "optimal"


def _stop_after_first_plan(monkeypatch, calls: list, stop_at: int = 1, keep_plan: bool = True):
    """Make Solver.solve report HiGHS's time limit on call number `stop_at` (1-based)."""
    original = solve_mod.Solver.solve

    def solve(self):
        result = original(self)
        calls.append(self.options.time_limit_s)
        if len(calls) < stop_at:
            return result
        assert result.has_solution
        if keep_plan:
            return replace(result, status="time_limit", mip_gap=0.05, termination="maxTimeLimit")
        return replace(result, status="time_limit", has_solution=False, objective=None, mip_gap=None,
                       termination="maxTimeLimit")

    monkeypatch.setattr(solve_mod.Solver, "solve", solve)


def test_exit_4_best_plan_and_gap(monkeypatch, capsys, tmp_path):
    calls: list = []
    _stop_after_first_plan(monkeypatch, calls)
    path = write(tmp_path, instance())
    code, out, err = run_main(monkeypatch, capsys, "solve", path, "--format", "json", "--time-limit", "5")
    assert code == 4 and err == ""
    doc = json.loads(out)
    assert doc["status"] == "time_limit"
    assert doc["plan"] is not None and doc["objective_value"] > 0
    assert doc["solver"]["mip_gap"] == pytest.approx(0.05)
    assert len(calls) == 1 and 4.0 < calls[0] <= 5.0   # the time left after the presolve
    code, out, _ = run_main(monkeypatch, capsys, "solve", path, "--time-limit", "5")
    assert code == 4 and "status: time_limit" in out and "gap 5.00e-02" in out


def test_exit_4_during_loss_rounds_keeps_the_last_plan(monkeypatch, capsys, tmp_path):
    """`loss` re-solves with more cuts; a round stopped before it finds a plan keeps the previous
    round's plan, and every round gets only the time left."""
    calls: list = []
    _stop_after_first_plan(monkeypatch, calls, stop_at=2, keep_plan=False)
    monkeypatch.setattr(pipeline, "LOSS_TOL", -1.0)  # never exact: always ask for another round
    data = instance(objective="loss", targets={}, model_sizes=[1.0e9, 2.0e9, 4.0e9, 8.0e9],
                    limits={"budget_usd": 3000.0})
    code, out, _ = run_main(monkeypatch, capsys, "solve", write(tmp_path, data), "--format", "json",
                            "--time-limit", "30")
    doc = json.loads(out)
    assert len(calls) == 2
    assert code == 4 and doc["status"] == "time_limit"
    assert doc["plan"] is not None and doc["plan"]["loss"] > 0
    assert doc["solver"]["mip_gap"] is not None and 0 <= doc["solver"]["mip_gap"] < 1
    assert 29.0 < calls[0] <= 30.0 and 0 < calls[1] < calls[0]


def test_exit_4_real_time_limit(monkeypatch, capsys, tmp_path):
    """About 3,000 (size, offer) candidates cannot be solved in a millisecond."""
    gpus = [{"name": f"G{g}", "peak_tflops": 300 + 97 * g, "mfu": 0.3 + 0.02 * g, "watts": 300 + 50 * g,
             "memory_gb": 80, "usd_per_gpu_hour": 1.0 + 0.3 * g, "available": 512} for g in range(6)]
    regions = [{"name": f"r{r}", "carbon_g_per_kwh": 20 + 37 * r, "pue": 1.05 + 0.01 * r} for r in range(10)]
    data = instance(gpus=gpus, regions=regions, model_sizes={"min": 1.0e9, "max": 4.0e9, "count": 50},
                    objective="weighted", carbon_price_usd_per_t=80.0)
    code, out, _ = run_main(monkeypatch, capsys, "solve", write(tmp_path, data), "--format", "json",
                            "--time-limit", "0.001")
    assert code == 4
    doc = json.loads(out)
    assert doc["status"] == "time_limit"
    if doc["plan"] is None:
        assert any("stopped" in line for line in doc["explanation"])


@pytest.mark.slow
def test_exit_codes_in_a_real_process(tmp_path):
    ok = write(tmp_path, instance(), "ok.yaml")
    tight = write(tmp_path, instance(limits={"budget_usd": 100.0}), "tight.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("objective: cost\nbudget: [\n")
    # cli.entry is the console script: it leaves by os._exit, so its output must be flushed first
    for path, expected in ((ok, 0), (tight, 3), (bad, 2)):
        for entry in ("main", "entry"):
            proc = subprocess.run([sys.executable, "-c", f"import cli; cli.{entry}()", "solve", str(path),
                                   "--format", "json"], capture_output=True, text=True, timeout=120)
            assert proc.returncode == expected, (entry, proc.stderr)
            if expected == 2:
                assert proc.stdout == "" and proc.stderr.startswith("error: ")
            else:
                assert json.loads(proc.stdout)["status"] == ("optimal" if expected == 0 else "infeasible")


def test_ctrl_c_inside_a_c_extensions_import_is_an_interrupt():
    """Ctrl-C while highspy initialises: pybind11 turns the start-up handler's SystemExit(130) (or a
    KeyboardInterrupt) into `ImportError: initialization failed` with the interrupt as its cause;
    that is exit 130 "interrupted", not an internal error. Another ImportError stays internal."""
    from planner.cli.support import map_exception

    for interrupt in (SystemExit(130), KeyboardInterrupt()):
        try:
            try:
                raise interrupt
            except BaseException as cause:
                raise ImportError("initialization failed") from cause
        except ImportError as exc:
            assert map_exception(exc) == ("interrupted", 130)
    assert map_exception(ImportError("no module named x"))[1] == 1
