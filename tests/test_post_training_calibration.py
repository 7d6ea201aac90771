"""scripts/calibrate_post_training.py: the catalog's rollout_mfu values are the ones it fits, and the
check run is predicted within 30% (docs/validation.md section 4)."""

import importlib.util
import sys
from pathlib import Path

import pytest

from planner.input import catalog

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("calibrate_post_training", ROOT / "scripts" / "calibrate_post_training.py")
cal = importlib.util.module_from_spec(spec)
sys.modules["calibrate_post_training"] = cal   # its dataclasses look their module up
spec.loader.exec_module(cal)


def _rollout_mfu(recipe: str) -> float:
    return next(s["rl"]["rollout_mfu"] for s in catalog.entry("recipes", recipe)["stages"] if "rl" in s)


def test_catalog_carries_the_fitted_rollout_mfu():
    fits = cal.calibrate()
    assert _rollout_mfu("R1-Reasoning") == pytest.approx(fits["colocated"], abs=5e-5)
    assert _rollout_mfu("GRPO") == pytest.approx(fits["colocated"], abs=5e-5)
    assert _rollout_mfu("RLHF") == pytest.approx(fits["split"], abs=5e-5)


def test_calibration_runs_are_reproduced_and_the_check_run_within_30_percent():
    fits = cal.calibrate()
    for run in cal.RUNS:
        error = cal.predicted_gpu_hours(run, fits[run.regime]) / run.published_gpu_hours - 1
        if run.role == "calibration":
            assert abs(error) < 1e-9
        elif run.name.startswith("open-instruct Tulu 3 70B"):
            assert abs(error) < 0.30


def test_r1_zero_by_hand():
    """R1-Zero's RL stage priced by hand at the fitted colocated rollout_mfu: 32 x 16 x 10,400 samples;
    learner 8 x 8,200 + 2 x 200 per parameter-sample at H800's training rate; decode 2 x 8,000."""
    fits = cal.calibrate()
    h800 = catalog.entry("gpus", "H800")
    samples = 32 * 16 * 10_400
    rate = h800["peak_tflops"] * 1e12 * h800["mfu"] * (37e9 / 1e11) ** h800["mfu_size_exponent"]
    learner = (8 * 8200 + 2 * 200) * 37e9 * samples / rate
    decode = 2 * 8000 * 37e9 * samples / (h800["peak_tflops"] * 1e12 * fits["colocated"])
    assert (learner + decode) / 3600 == pytest.approx(198 * 512, rel=1e-9)
