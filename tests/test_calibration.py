"""scripts/calibrate_throughput.py: it reproduces the catalog's fitted throughput numbers from the
published runs (data/published_runs.csv), and its GPU-hours are the planning model's formulas
(sections 6.1 and 6.2) by hand."""

from __future__ import annotations

import importlib.util
import math
import sys
import time
from pathlib import Path

import pytest

from planner.input import catalog

ROOT = Path(__file__).resolve().parent.parent
_SPEC = importlib.util.spec_from_file_location("calibrate_throughput", ROOT / "scripts" / "calibrate_throughput.py")
cal = importlib.util.module_from_spec(_SPEC)
sys.modules.setdefault("calibrate_throughput", cal)  # dataclasses look their module up
_SPEC.loader.exec_module(cal)

RUNS = cal.read_runs(cal.DEFAULT_CSV)
CATALOG = cal.read_catalog(cal.DEFAULT_CATALOG)
FITS = cal.calibrate(RUNS, CATALOG)


def test_the_csv_is_in_the_repo_with_a_source_per_row():
    assert cal.DEFAULT_CSV == ROOT / "data" / "published_runs.csv"
    assert len(RUNS) == 26
    import csv
    with open(cal.DEFAULT_CSV, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            assert row["source_gpu_hours"].strip(), row["model"]
            assert row["gpu_hours_basis"].strip(), row["model"]


def test_only_generations_with_enough_clean_runs_are_fitted():
    assert set(FITS) == {"Ampere", "Hopper"}
    assert len(FITS["Ampere"].runs) == 7 and len(FITS["Hopper"].runs) == 8
    left_out = {r.model for r in RUNS if cal.exclusion_reason(r)}
    assert left_out == {"Llama 3.2 3B", "Llama 3.2 1B", "Llama 4 Maverick", "OPT-175B", "GLM-130B", "Falcon-7B",
                        "BloombergGPT 50.6B", "DeepSeek-V2", "TinyLlama 1.1B"}
    for fit in FITS.values():
        assert not left_out & set(fit.runs)


@pytest.mark.parametrize("name", ["A100", "H100", "H800", "H200", "B200", "MI300X"])
def test_catalog_carries_the_fitted_numbers(name):
    fitted = cal.catalog_values(FITS, CATALOG)[name]
    entry = catalog.entry("gpus", name)
    assert entry["mfu"] == pytest.approx(fitted["mfu"], rel=1e-3)
    assert entry.get("mfu_size_exponent", 0.0) == pytest.approx(fitted["mfu_size_exponent"], rel=1e-3, abs=1e-9)
    assert entry.get("mfu_ref_params", 1e11) == fitted["mfu_ref_params"]
    if "mfu_fp8" in fitted:
        assert entry["mfu_fp8"] == pytest.approx(fitted["mfu_fp8"], rel=1e-3)
    sources = catalog.sources("gpus", name)
    assert "calibrat" in sources["mfu"]


def test_size_term_is_kept_only_where_it_lowers_leave_one_out_error():
    for fit in FITS.values():
        with_size, without = cal.median_abs(fit.loo_size), cal.median_abs(fit.loo_const)
        assert (fit.exponent != 0) == (with_size < without)
    assert FITS["Ampere"].exponent == 0
    assert 0 < FITS["Hopper"].exponent < 0.3


def test_leave_one_out_is_better_than_the_old_constant_catalog():
    clean = [r for r in RUNS if cal.exclusion_reason(r) is None and r.generation in FITS]
    before = [cal.before_error(r, CATALOG) for r in clean]
    loo = [e for fit in FITS.values() for e in (fit.loo_size if fit.exponent else fit.loo_const)]
    assert len(loo) == len(before) == 15
    assert cal.median_abs(loo) < cal.median_abs(before)
    assert cal.worst_abs(loo) < cal.worst_abs(before)


def test_one_run_by_hand():
    """Phi-4 (14.7B dense, 9.8T tokens, 1,920 H100s) with the catalog's H100 numbers."""
    run = next(r for r in RUNS if r.model == "Phi-4 14.7B")
    h100 = CATALOG["H100"]
    mfu = 0.3176 * (14.7e9 / 1e11) ** 0.1452                       # 6.1: 0.3176 x 0.7570 = 0.2404
    waste = math.sqrt(2 * 0.01 * 1920 / 50600) + 0.1 * 1920 / 50600  # 6.2: 0.0275 + 0.0038
    hours = 6 * 14.7e9 * 9.8e12 / (989e12 * mfu) / 3600 * (1 + waste)
    assert mfu == pytest.approx(0.2404, abs=1e-4)
    assert waste == pytest.approx(0.03134, abs=1e-5)
    assert hours == pytest.approx(1.0414e6, rel=1e-3)  # 1.0098e6 x 1.0313; published 0.968e6
    assert cal.predicted_gpu_hours(run, h100, h100["mfu"], h100["mfu_size_exponent"]) == pytest.approx(hours, rel=1e-12)
    assert cal.predicted_gpu_hours(run, h100, 0.40, 0.0, failures=False) == pytest.approx(
        6 * 14.7e9 * 9.8e12 / (989e12 * 0.40) / 3600, rel=1e-12)


def test_script_is_deterministic_and_fast(capsys):
    start = time.perf_counter()
    assert cal.main([]) == 0
    first = capsys.readouterr().out
    assert cal.main([]) == 0
    assert capsys.readouterr().out == first
    assert time.perf_counter() - start < 5
    assert "leave-one-out" in first and "Phi-4" in first
