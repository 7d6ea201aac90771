"""Issue 13: valid-but-extreme inputs, hostile names and huge files never crash, hang or overwrite.

The contract. Bad input: exit 2, one line of at most ~600 characters on stderr naming the field and
the problem, no traceback, nothing on stdout, no file written. Valid input: an answer (exit 0) or
exit 3/4, never a crash.

- tests/adversarial/cases.yaml: instance cases (edits of tests/adversarial/base.yaml), each run
  through every command that reads an instance (solve, evaluate, whatif, frontier, compare);
- option, file and fit cases below, one class of the issue at a time;
- a hypothesis property test: random valid-but-extreme numbers (1e-300 .. 1e300) in every numeric
  key and random unicode / markup in every name, through solve, evaluate and the plots;
- a test that no command ever writes to one of its own input paths (same path, symlink, hard link).

Everything runs in-process (tests/cli_run.py) except the two cases that need a real stdout file
descriptor or a real process.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cli
from builders import weighted_grid
from cli_run import run_main

HERE = Path(__file__).parent
CORPUS = HERE / "adversarial"
BASE = (CORPUS / "base.yaml").read_text(encoding="utf-8")
CASES = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
FIT_RUNS = HERE / "data" / "fit_runs.csv"
INSTANCE_COMMANDS = ("solve", "evaluate", "whatif", "frontier", "compare")
MESSAGE_LIMIT = 600


def edited(case: dict) -> str:
    text = BASE
    for old, new in case["set"]:
        assert text.count(old) == 1, (case["id"], old)
        text = text.replace(old, new)
    return text


def command_args(command: str, path: Path) -> list:
    """The arguments that get `command` as far as reading the instance at `path`."""
    return {
        "solve": ["solve", path, "--format", "json"],
        "evaluate": ["evaluate", path, "--format", "json"],
        "whatif": ["whatif", path, "--vary", "carbon_price_usd_per_t=0,1", "--format", "json", "--no-explain", "-q"],
        "frontier": ["frontier", path, "--points", "2", "--format", "json", "-q"],
        "compare": ["compare", path, path, "--points", "2", "--format", "json", "-q"],
    }[command]


def assert_bad_input(code: int, out: str, err: str, fragment: str | None = None) -> None:
    assert code == 2, (code, out, err)
    assert out == "", "nothing may be written on stdout for bad input"
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert len(err) <= MESSAGE_LIMIT + 10, len(err)
    assert "Traceback" not in err and "\x1b" not in err
    if fragment is not None:
        assert fragment in err, err


def assert_no_crash(code: int, out: str, err: str) -> None:
    assert code in (0, 2, 3, 4), (code, err[-2000:])
    assert "Traceback" not in err, err[-2000:]


def files_in(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


INSTANCE_CASES = [
    pytest.param(case, command, id=f"{case['id']}-{command}")
    for case in CASES
    for command in case.get("commands", INSTANCE_COMMANDS)
    # the markup cases are valid instances: solve/evaluate print them; the plots are tested below
    if not (case["exit"] == 0 and command in ("whatif", "frontier", "compare"))
]


def test_the_corpus_covers_every_class_and_ids_are_unique():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))
    assert {case["class"] for case in CASES} >= {1, 2, 5, 6, 7}


@pytest.mark.parametrize(("case", "command"), INSTANCE_CASES)
def test_instance_case(monkeypatch, capsys, tmp_path, case, command):
    path = tmp_path / "case.yaml"
    path.write_text(edited(case), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(monkeypatch, capsys, *command_args(command, path))
    if case["exit"] == 2:
        assert_bad_input(code, out, err, case.get("fragment"))
    else:
        assert_no_crash(code, out, err)
        assert code == case["exit"], err
        if "--format" in command_args(command, path):
            json.loads(out)
    assert files_in(tmp_path) == {"case.yaml"}, "no file may be written"


@pytest.mark.parametrize("case", [c for c in CASES if c["exit"] == 0], ids=lambda c: c["id"])
def test_markup_names_in_tables(monkeypatch, capsys, tmp_path, case):
    """Class 5: rich tables of solve and evaluate print `[/x]` and `$\\foo$` as text."""
    path = tmp_path / "case.yaml"
    path.write_text(edited(case), encoding="utf-8")
    for command in ("solve", "evaluate"):
        code, out, err = run_main(monkeypatch, capsys, command, path)
        assert code == 0 and "Traceback" not in err, err
        shown = {"gpu-name-closing-tag": "[/x]", "region-name-mathtext": "$\\foo$ [bold]"}.get(case["id"])
        if shown:
            assert shown in out, out


# -- class 2: --vary values go through the same ranges ------------------------------------------


@pytest.mark.parametrize("vary", ["gpus[0].available=1e300", "scaling_law.beta=0.001", "model_sizes=1e-300",
                                  "limits.budget_usd=1e-300", "gpus[H100].mfu=1e300"])
def test_vary_values_are_range_checked(monkeypatch, capsys, tmp_path, vary):
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "whatif", path, "--vary", vary, "--format", "csv", "-q")
    assert_bad_input(code, out, err, vary.split("=")[0].replace("[H100]", "[0]").split(".")[0])


def test_documented_ranges_are_the_fields_bounds():
    """The range of a key is on its type (planner.input.schema) and shown in docs/instance-keys.md's
    'allowed' column and by `plan schema` (minimum, maximum)."""
    from pathlib import Path

    docs = (Path(__file__).resolve().parent.parent / "docs" / "instance-keys.md").read_text()
    assert "| `gpus[].available` | whole number | absent | [0, 1e7] |" in docs
    assert "| `scaling_law.beta` | number | required | [0.01, 3] |" in docs
    assert "at most 10,000" in next(line for line in docs.splitlines() if line.startswith("| `model_sizes`"))


# -- class 3: solver output never on stdout -----------------------------------------------------


def test_json_output_is_exactly_one_document_in_a_real_process(tmp_path):
    """A real `plan` process (native code writes to file descriptor 1, which capsys cannot see)."""
    path = tmp_path / "tight.yaml"
    path.write_text(BASE.replace("budget_usd: 1.0e8", "budget_usd: 0.01"), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", "import cli; cli.main()", "solve", str(path), "--format", "json"],
                          capture_output=True, text=True, timeout=120, cwd=HERE.parent)
    assert done.returncode in (0, 3, 4), done.stderr
    doc = json.loads(done.stdout)  # the whole stdout is one JSON document
    assert doc["status"] in ("optimal", "infeasible", "time_limit")


def test_native_writes_to_fd1_go_to_stderr():
    from planner.cli.support import native_stdout_to_stderr

    code = ("import os, sys\nfrom planner.cli.support import native_stdout_to_stderr\n"
            "with native_stdout_to_stderr():\n    os.write(1, b'NATIVE\\n')\n    print('python')\nprint('after')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=HERE.parent)
    assert done.stdout == "python\nafter\n" and "NATIVE" in done.stderr
    assert native_stdout_to_stderr  # importable


# -- class 4: time limits -----------------------------------------------------------------------


def test_a_time_limit_never_claims_infeasibility(monkeypatch, capsys, tmp_path):
    """A feasible instance stopped by --time-limit: exit 0 (it finished) or 4 (stopped, and says
    so), never 3 with 'no plan exists'."""
    path = weighted_grid(tmp_path)
    code, out, err = run_main(monkeypatch, capsys, "frontier", path, "--time-limit", "0.001", "--points", "2",
                              "--format", "json", "-q")
    assert code in (0, 4), (code, out[-1000:], err[-1000:])
    assert "no plan exists" not in out + err
    if code == 4:
        assert "time-limit" in (out + err).lower() or "time limit" in (out + err).lower()
    code, out, err = run_main(monkeypatch, capsys, "whatif", path, "--vary", "carbon_price_usd_per_t=0,80",
                              "--time-limit", "0.001", "--format", "csv", "-q")
    assert code in (0, 4), err
    assert (code == 4) == ("time_limit" in out), (code, out)


def test_a_time_limit_covers_the_whole_solve(monkeypatch, capsys, tmp_path):
    """--time-limit counts the presolve too: a limit shorter than the presolve stops before the MIP
    (exit 4, status time_limit) with the presolve's best plan, never a claim of infeasibility.
    (No wall-clock assertion: timings on a shared machine are for benchmarks, not tests.)"""
    path = weighted_grid(tmp_path)
    code, out, err = run_main(monkeypatch, capsys, "solve", path, "--time-limit", "1e-9", "--format", "json")
    doc = json.loads(out)
    assert code == 4 and doc["status"] == "time_limit", err
    assert doc["plan"] is not None and any("time limit" in line for line in doc["explanation"])


# -- class 6: messages ----------------------------------------------------------------------------


def test_messages_clip_and_escape_echoed_input():
    from planner.errors import clip, one_line

    assert one_line("a\nb\x1b[31m\u2028") == "a\\nb\\x1b[31m\\u2028"
    long = one_line("name '" + "x" * 5000 + "' is unknown")
    assert len(long) < 120 and long.endswith("... is unknown")
    assert len(one_line("word " * 1000)) == 600
    assert clip("y" * 200) == "y" * 77 + "..."


# -- class 7: unbounded work ----------------------------------------------------------------------


@pytest.mark.parametrize("command", ["solve", "evaluate", "fit"])
def test_reading_dev_zero_is_bounded(monkeypatch, capsys, command):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    start = time.perf_counter()
    code, out, err = run_main(monkeypatch, capsys, command, "/dev/zero")
    assert_bad_input(code, out, err, "/dev/zero")
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize("command", ["solve", "fit"])
def test_a_named_pipe_without_writer_does_not_hang(monkeypatch, capsys, tmp_path, command):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    start = time.perf_counter()
    code, out, err = run_main(monkeypatch, capsys, command, fifo)
    assert_bad_input(code, out, err, "file is empty")
    assert time.perf_counter() - start < 10


def test_vary_grid_total_is_capped(monkeypatch, capsys, tmp_path):
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "whatif", path, "--vary", "limits.budget_usd=1e6:1e8:10000log",
                              "--vary", "staff_usd_per_day=0:100:10000")
    assert_bad_input(code, out, err, "--vary: 10,000 x 10,000 = 100,000,000 points; a sweep has at most 10,000")


@pytest.mark.parametrize(("key", "count", "fragment"), [
    ("model_sizes", 10_001, "model_sizes: must list at most 10,000 entries"),
    ("gpus", 1_001, "gpus: must list at most 1,000 entries"),
    ("regions", 1_001, "regions: must list at most 1,000 entries"),
])
def test_list_lengths_are_capped(monkeypatch, capsys, tmp_path, key, count, fragment):
    data = yaml.safe_load(BASE)
    if key == "model_sizes":
        data[key] = [1.0e9 + i for i in range(count)]
    elif key == "gpus":
        data[key] = [{"name": f"G{i}", "peak_tflops": 900.0, "mfu": 0.4, "watts": 700.0, "memory_gb": 80.0}
                     for i in range(count)]
    else:
        data[key] = [{"name": f"r{i}", "carbon_g_per_kwh": 100.0} for i in range(count)]
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "solve", path)
    assert_bad_input(code, out, err, fragment)


def test_fit_bootstrap_is_capped(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "fit", FIT_RUNS, "--bootstrap", "1000000000")
    assert_bad_input(code, out, err, "--bootstrap: at most 10,000")


def test_fit_screening_is_chunked_and_exact(monkeypatch):
    """The grid of starts is screened in chunks (bounded memory on 100k runs): same values."""
    import numpy as np

    from planner.analysis import fitting

    rng = np.random.default_rng(0)
    n = 257
    xn, xd = rng.normal(size=n), rng.normal(size=n)
    log_l = np.log(rng.uniform(2, 4, n))
    grid = fitting.hoffmann_grid()
    whole, _ = fitting._terms(grid, xn, xd, log_l, fitting.HUBER_DELTA)
    monkeypatch.setattr(fitting, "_SCREEN_CHUNK", 1000)  # 3 starts per chunk
    chunked = fitting._screen(grid, xn, xd, log_l, fitting.HUBER_DELTA)
    assert np.array_equal(whole, chunked)


@pytest.mark.slow
def test_fit_screening_of_100k_runs_in_bounded_memory():
    """100,000 runs: screening the 4,500 grid starts at once is a 4,500 x 100,000 array per
    temporary (3.4 GiB each); chunked, memory stays bounded. Here a tenth of the grid (unchunked:
    360 MB per temporary), measured with tracemalloc."""
    import tracemalloc

    import numpy as np

    from planner.analysis.fitting import hoffmann_grid, runs_from_arrays, screened_starts

    rng = np.random.default_rng(1)
    n = 100_000
    params = 10 ** rng.uniform(7, 10, n)
    tokens = 10 ** rng.uniform(9, 12, n)
    loss = (1.8 + 480 / params**0.35 + 2000 / tokens**0.37) * np.exp(rng.normal(0, 0.01, n))
    runs = runs_from_arrays(params, tokens, loss)
    grid = hoffmann_grid()[::10]
    tracemalloc.start()
    try:
        best = screened_starts(runs, grid, 5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 150e6, f"peak {peak / 1e6:.0f} MB"
    assert best.shape == (5, 5)


# -- class 8: options -----------------------------------------------------------------------------


@pytest.mark.parametrize("option", [["--time-limit", "nan"], ["--mip-gap", "nan"], ["--time-limit", "inf"],
                                    ["--mip-gap", "-inf"]])
@pytest.mark.parametrize("command", ["solve", "whatif", "frontier", "compare"])
def test_non_finite_options_are_refused(monkeypatch, capsys, tmp_path, command, option):
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    args = command_args(command, path)
    code, out, err = run_main(monkeypatch, capsys, *args, *option)
    assert_bad_input(code, out, err, option[0])


@pytest.mark.parametrize("option", [["--seed", "-1"], ["--ci", "nan"], ["--at-flops", "inf"], ["--max-loss", "nan"],
                                    ["--starts", "-1"], ["--drop-worst", "-1"]])
def test_fit_bad_options_exit_2(monkeypatch, capsys, tmp_path, option):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(monkeypatch, capsys, "fit", FIT_RUNS, "--bootstrap", "0", "-o", "law.yaml", *option)
    assert_bad_input(code, out, err, option[0])
    assert not (tmp_path / "law.yaml").exists()


# -- class 9: files -------------------------------------------------------------------------------


def _plot_commands(path: Path, other: Path) -> dict[str, list]:
    return {
        "whatif": ["whatif", path, "--vary", "staff_usd_per_day=0,1", "--no-explain", "-q", "--format", "json"],
        "frontier": ["frontier", path, "--points", "2", "-q", "--format", "json"],
        "compare": ["compare", other, path, "--points", "2", "-q", "--format", "json"],
    }


@pytest.mark.parametrize("how", ["same", "hardlink", "symlink", "dotted"])
@pytest.mark.parametrize("command", ["whatif", "frontier", "compare", "solve"])
def test_no_command_writes_to_its_own_input(monkeypatch, capsys, tmp_path, command, how):
    """--plot / --output naming an input (the same path, a hard link, a symlink, ./x): exit 2,
    the input untouched, nothing written."""
    path = tmp_path / "inst.png" if command != "solve" else tmp_path / "inst.yaml"
    other = tmp_path / "other.yaml"
    path.write_text(BASE, encoding="utf-8")
    other.write_text(BASE, encoding="utf-8")
    target = {"same": path, "dotted": tmp_path / "." / path.name, "hardlink": tmp_path / "link.png",
              "symlink": tmp_path / "sym.png"}[how]
    if command == "solve" and how in ("hardlink", "symlink"):
        target = target.with_suffix(".json")
    if how == "hardlink":
        os.link(path, target)
    elif how == "symlink":
        target.symlink_to(path)
    before = files_in(tmp_path)
    if command == "solve":
        args = ["solve", path, "--format", "json", "--output", target]
    else:
        args = [*_plot_commands(path, other)[command], "--plot", target]
    code, out, err = run_main(monkeypatch, capsys, *args)
    assert_bad_input(code, out, err, "is an input of this command")
    assert path.read_text(encoding="utf-8") == BASE
    assert files_in(tmp_path) == before


@pytest.mark.parametrize("how", ["same", "hardlink", "symlink"])
@pytest.mark.parametrize("option", ["--output", "--plot", "--samples-output"])
def test_fit_never_writes_to_its_csv(monkeypatch, capsys, tmp_path, how, option):
    csv = tmp_path / "runs.png"  # a name --plot would accept
    csv.write_bytes(FIT_RUNS.read_bytes())
    target = {"same": csv, "hardlink": tmp_path / "link.png", "symlink": tmp_path / "sym.png"}[how]
    if how == "hardlink":
        os.link(csv, target)
    elif how == "symlink":
        target.symlink_to(csv)
    before = files_in(tmp_path)
    code, out, err = run_main(monkeypatch, capsys, "fit", csv, "--bootstrap", "2", option, target)
    assert code == 2 and out == "" and "Traceback" not in err, err
    assert csv.read_bytes() == FIT_RUNS.read_bytes()
    assert files_in(tmp_path) == before


def test_fit_checks_every_output_before_writing_any(monkeypatch, capsys, tmp_path):
    """`-o law.yaml --plot /proc/p.png` used to write law.yaml, then fail."""
    monkeypatch.chdir(tmp_path)
    unwritable = "/proc/p.png" if Path("/proc").is_dir() else str(tmp_path / "missing" / "p.png")
    code, out, err = run_main(monkeypatch, capsys, "fit", FIT_RUNS, "--bootstrap", "0", "-o", "law.yaml",
                              "--plot", unwritable)
    assert_bad_input(code, out, err, "--plot")
    assert files_in(tmp_path) == set()


def test_outputs_are_written_atomically(monkeypatch, capsys, tmp_path):
    """A failing write leaves the old file as it was, and no temporary file behind."""
    from planner.errors import InputError
    from planner.outputs import write_atomic_with, write_text_atomic

    target = tmp_path / "law.yaml"
    target.write_text("old\n")

    def broken(tmp: str) -> None:
        Path(tmp).write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(InputError, match="No space left"):
        write_atomic_with(target, broken, "--output")
    assert target.read_text() == "old\n" and files_in(tmp_path) == {"law.yaml"}
    write_text_atomic(target, "new\n")
    assert target.read_text() == "new\n" and files_in(tmp_path) == {"law.yaml"}


def test_fit_plot_of_a_markup_csv_path(monkeypatch, capsys, tmp_path):
    """A CSV named `[/]a.csv` or `$\\foo$.csv`: the table title and the plot title are plain text."""
    (tmp_path / "[").mkdir()
    for name in ("[/]a.csv", "$\\foo$.csv", "[bold].csv"):
        csv = tmp_path / name
        csv.write_bytes(FIT_RUNS.read_bytes())
        code, out, err = run_main(monkeypatch, capsys, "fit", csv, "--bootstrap", "0", "--starts", "2",
                                  "--plot", tmp_path / "fit.png")
        assert code == 0 and "Traceback" not in err, err
        assert (tmp_path / "fit.png").stat().st_size > 0


def test_plots_of_markup_names(monkeypatch, capsys, tmp_path):
    """Class 5: `$\\foo$` and `[/x]` in the instance, GPU and region names through every --plot."""
    text = BASE.replace("name: tiny", "name: '$\\foo$ [/x]'").replace(
        "  - us-east", "  - {name: '$\\frac{a$ [/r]', carbon_g_per_kwh: 300}").replace(
        "region: us-east", "region: '$\\frac{a$ [/r]'")
    path = tmp_path / "markup.yaml"
    path.write_text(text, encoding="utf-8")
    for args in _plot_commands(path, path).values():
        plot = tmp_path / f"{args[0]}.png"
        code, out, err = run_main(monkeypatch, capsys, *args, "--plot", plot)
        assert code == 0 and "Traceback" not in err, err
        assert plot.stat().st_size > 0


# -- class 10: Ctrl-C ---------------------------------------------------------------------------


def test_ctrl_c_exits_130_without_traceback(monkeypatch, capsys, tmp_path):
    import planner.cli.solve as solve_module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(solve_module, "load_instance", interrupted)
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "solve", path)
    assert code == 130 and out == "" and err.strip() == "interrupted", err


# -- property test: random extreme numbers and hostile names ----------------------------------------


def _numeric_paths() -> list[tuple[str, ...]]:
    """Where base.yaml (with a few optional sections filled in) holds numbers, as key paths."""
    data = _rich_base()
    paths: list[tuple] = []

    def walk(node, prefix):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*prefix, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*prefix, i))
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            paths.append(prefix)

    walk(data, ())
    return paths


def _rich_base() -> dict:
    data = yaml.safe_load(BASE)
    data["gpus"][0].update({"peak_tflops": 989.0, "mfu": 0.4, "watts": 700.0, "memory_gb": 80.0,
                            "usd_per_gpu_hour": 2.5, "embodied_kg": 150.0, "gpus_per_node": 8})
    data["regions"] = [{"name": "us-east", "carbon_g_per_kwh": 380.0, "pue": 1.2, "grid_capacity_mw": 100.0}]
    data["scaling_law"] = {"name": "custom", "E": 1.8, "A": 482.0, "B": 2085.0, "alpha": 0.35, "beta": 0.37}
    data["data"] = {"unique_tokens": 1.0e13, "max_epochs": 4.0, "usd_per_token": 1.0e-9}
    data["limits"].update({"deadline_days": 90.0, "max_co2_t": 1.0e4})
    data["bytes_per_param"] = 16.0
    data["flops_per_param_token"] = 6.0
    data["gpus"][0].update({"mtbf_hours": 5.0e4, "mfu_ref_params": 1.0e11, "lifetime_years": 5.0,
                            "serving_mfu": 0.3})
    data["regions"][0].update({"max_swing_mw": 50.0, "swing_fraction": 0.5})
    data["data"]["repetition_rstar"] = 15.4
    data.update({
        "carbon_price_usd_per_t": 10.0, "development_factor": 1.2,
        "moe": {"total_params_per_active": 2.0, "mfu_factor": 0.9},
        "reliability": {"checkpoint_hours": 0.01, "restart_hours": 0.1},
        "serving": {"tokens": 1.0e12, "flops_per_param_token": 2.0, "mfu": 0.3},
        "alignment": {"min_quality": 0.1, "recipes": [{
            "name": "R", "quality": 0.5, "min_model_params": 1.0e8, "fixed_usd": 1000.0,
            "stages": [{"name": "S", "tokens": 1.0e9, "flops_per_param_token": 6.0, "mfu_factor": 0.8,
                        "samples": 1000.0, "usd_per_sample": 1.0}]}]},
    })
    data["plan"]["alignment"] = "R"
    return data


NUMERIC_PATHS = _numeric_paths()

extreme = st.one_of(
    st.builds(lambda m, e, s: s * m * 10.0**e, st.floats(1.0, 9.99), st.integers(-300, 299), st.sampled_from([1, -1])),
    st.sampled_from([0, 0.0, -0.0, 1, 5e-324, 1.7976931348623157e308, 1e-300, 1e300, 2**63, -(2**63)]),
)
hostile_name = st.one_of(
    st.sampled_from(["[/x]", "[bold]", "$\\foo$", "$", "[/]", "\x1b[31mred", "a\nb", "\u202e", "%s%n", "{0}",
                     "x" * 300]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30),
)


def _get(data: dict, path: tuple):
    for key in path:
        data = data[key]
    return data


def _set(data: dict, path: tuple, value) -> None:
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def run_cli(*args) -> tuple[int, str, str]:
    """cli.main in-process without pytest fixtures (hypothesis calls it many times per test)."""
    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["plan", *map(str, args)]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli.main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = argv
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(picks=st.lists(st.tuples(st.sampled_from(NUMERIC_PATHS), st.one_of(
           extreme.map(lambda v: ("set", v)), st.floats(1e-3, 1e3).map(lambda f: ("scale", f)))),
       min_size=1, max_size=3),
       gpu_name=hostile_name, region_name=hostile_name, name=hostile_name)
def test_property_extreme_numbers_and_hostile_names(tmp_path_factory, picks, gpu_name, region_name, name):
    """Solve and evaluate never crash: exit 0, 2, 3 or 4, no traceback; a refusal is one line."""
    data = _rich_base()
    for path, (how, value) in picks:
        _set(data, path, value if how == "set" else _get(data, path) * value)
    data["name"] = name
    data["gpus"][0]["name"] = gpu_name
    data["regions"][0]["name"] = region_name
    data["plan"].update({"gpu": gpu_name, "region": region_name})
    directory = tmp_path_factory.mktemp("prop")
    path = directory / "x.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for command in ("solve", "evaluate"):
        for fmt in ("table", "json"):
            code, out, err = run_cli(command, path, "--format", fmt)
            assert_no_crash(code, out, err)
            if code == 2:
                assert out == "" and err.count("\n") == 1 and len(err) <= MESSAGE_LIMIT + 10, err
            elif fmt == "json":
                json.loads(out)
    assert files_in(directory) == {"x.yaml"}


@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(gpu_name=hostile_name, region_name=hostile_name, name=hostile_name,
       staff=st.sampled_from([0.0, 1e-300, 1e9, 123.456]))
def test_property_plots_of_hostile_names(tmp_path_factory, gpu_name, region_name, name, staff):
    data = _rich_base()
    data.update(name=name, staff_usd_per_day=staff)
    data["gpus"][0]["name"] = gpu_name
    data["regions"][0]["name"] = region_name
    del data["plan"]
    directory = tmp_path_factory.mktemp("plots")
    path = directory / "x.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for args in (["whatif", path, "--vary", "limits.budget_usd=1e7,1e8", "--no-explain", "-q"],
                 ["frontier", path, "--points", "2", "-q"]):
        plot = directory / f"{args[0]}.png"
        code, out, err = run_cli(*args, "--plot", plot, "--format", "json")
        assert_no_crash(code, out, err)
        if code == 0:
            json.loads(out)
