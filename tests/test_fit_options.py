"""`plan fit`'s options: it pins BLAS to one thread, shows progress on long fits (stderr, a
terminal only), warns when the intervals mean nothing, maps column names (--columns), and writes
the bootstrap's laws (--samples-output) in the format `scaling_law_samples: {file: ...}` reads."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli_run import run_main
from planner.analysis.fitting import fit_runs, parse_columns, read_runs
from planner.errors import InputError
from planner.input.loading import load_instance

DATA = Path(__file__).parent / "data"
RUNS = DATA / "fit_runs.csv"
ROOT = Path(__file__).resolve().parent.parent


def test_blas_pinned_to_one_thread_before_numpy_loads():
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    code = ("import sys, os, planner.cli.fit; "
            "print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["1", "1"]
    env["OPENBLAS_NUM_THREADS"] = "2"  # a user's own setting is kept
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["2", "1"]


def test_progress_is_reported_per_replicate():
    seen = []
    fit_runs(read_runs(RUNS), bootstrap=5, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(k, 5) for k in range(1, 6)]


def test_no_progress_bar_when_stderr_is_not_a_terminal():
    from planner.cli.fit import bootstrap_progress

    with bootstrap_progress(1000) as progress:
        assert progress is None  # pytest captures stderr: not a terminal


def test_few_runs_warn_that_intervals_mean_nothing(monkeypatch, capsys, tmp_path):
    rows = (DATA / "fit_runs.csv").read_text().splitlines()
    few = tmp_path / "few.csv"
    few.write_text("\n".join(rows[:1] + rows[1::4][:8]) + "\n")
    code, out, err = run_main(monkeypatch, capsys, "fit", few, "--bootstrap", "20", "--format", "json")
    assert code == 0, err
    assert "warning: only 8 runs" in err
    assert any("not meaningful" in w for w in json.loads(out)["warnings"])


def test_enough_runs_no_warning_about_run_count():
    report = fit_runs(read_runs(RUNS), bootstrap=10)
    assert not any("runs for 5 parameters" in w for w in report.warnings)


def test_columns_mapping(monkeypatch, capsys, tmp_path):
    text = RUNS.read_text().splitlines()
    header = text[0].split(",")
    renamed = [{"params": "N", "tokens": "D", "loss": "L"}.get(h, h) for h in header]
    mapped = tmp_path / "mapped.csv"
    mapped.write_text("\n".join([",".join(renamed), *text[1:]]) + "\n")
    args = ("--bootstrap", "0", "--format", "json")
    code, plain, _ = run_main(monkeypatch, capsys, "fit", RUNS, *args)
    assert code == 0
    code, out, err = run_main(monkeypatch, capsys, "fit", mapped, *args, "--columns", "N=params,D=tokens,L=loss")
    assert code == 0, err
    assert json.loads(out)["E"] == json.loads(plain)["E"]
    code, out, err = run_main(monkeypatch, capsys, "fit", mapped, *args)
    assert code == 2 and "--columns" in err  # the hint says how to map


def test_parse_columns():
    assert parse_columns("N=params,D=tokens,L=loss") == {"params": "n", "tokens": "d", "loss": "l"}
    assert parse_columns("params=Size") == {"params": "size"}
    for bad in ("N=size", "N", "N=params,M=params"):
        with pytest.raises(InputError) as info:
            parse_columns(bad)
        assert info.value.field == "--columns"


def test_samples_output_is_read_by_scaling_law_samples(monkeypatch, capsys, tmp_path):
    samples = tmp_path / "samples.csv"
    code, _, err = run_main(monkeypatch, capsys, "fit", RUNS, "--bootstrap", "12", "--samples-output", samples)
    assert code == 0, err
    rows = list(csv.reader(samples.read_text().splitlines()))
    assert rows[0] == ["E", "A", "B", "alpha", "beta"] and len(rows) == 13
    instance = tmp_path / "instance.yaml"
    instance.write_text((DATA / "sweep_tiny.yaml").read_text() + "scaling_law_samples: {file: samples.csv}\n")
    loaded = load_instance(instance)
    assert len(loaded.scaling_law_samples) == 12
    assert loaded.scaling_law_samples[0].E == pytest.approx(float(rows[1][0]), rel=1e-15)


def test_samples_output_needs_a_bootstrap(monkeypatch, capsys, tmp_path):
    code, out, err = run_main(monkeypatch, capsys, "fit", RUNS, "--bootstrap", "0",
                              "--samples-output", tmp_path / "s.csv")
    assert code == 2 and "--samples-output" in err and not (tmp_path / "s.csv").exists()
