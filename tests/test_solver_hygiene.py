"""Solver hygiene: HiGHS holds every row of the model, says nothing on stdout, and extreme but valid
numbers (tiny limits, 1e-13-dollar objectives, 1e27-FLOP runs) keep every row inside its range."""

from __future__ import annotations

import json

import pytest

from cli_run import run_main
from planner.input.loading import instance_from_dict
from tests_highs_log import rows_held


def _instance(scale: float, budget: float | None, objective: str = "cost") -> dict:
    """A two-size, two-GPU instance whose model sizes are scaled by `scale` (1e-3 ... 1e3)."""
    limits = {"budget_usd": budget} if budget is not None else {}
    return {
        "objective": objective,
        "scaling_law": {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28},
        "model_sizes": [1e9 * scale, 4e9 * scale],
        "targets": {} if objective == "loss" else {"max_loss": 1.69 + 406.4 / (4e9 * scale) ** 0.34 + 0.3},
        "limits": limits,
        "staff_usd_per_day": 1e-9,
        "gpus": [{"name": "G1", "peak_tflops": 1000, "mfu": 0.4, "watts": 700, "memory_gb": 1e4,
                  "usd_per_gpu_hour": 1e-13, "available": 64, "mtbf_hours": 5e4},
                 {"name": "G2", "peak_tflops": 400, "mfu": 0.4, "watts": 400, "memory_gb": 1e4,
                  "usd_per_gpu_hour": 2.0, "available": 128}],
        "regions": [{"name": "r1", "carbon_g_per_kwh": 400, "pue": 1.1}],
    }


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
@pytest.mark.parametrize("objective", ["cost", "co2", "time", "loss"])
def test_highs_holds_every_row(scale, objective):
    budget = 1e9 if objective == "loss" else None
    held, built = rows_held(instance_from_dict(_instance(scale, budget, objective)))
    assert held == built > 0


@pytest.mark.parametrize("budget", [0.01, 1e3, 1e15])
def test_tiny_and_huge_limits_print_one_json_document(monkeypatch, capsys, tmp_path, budget):
    import yaml

    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(_instance(1.0, budget)))
    code, out, err = run_main(monkeypatch, capsys, "solve", path, "--format", "json")
    doc = json.loads(out)                       # exactly one JSON document, nothing of HiGHS
    assert code in (0, 3) and doc["status"] in ("optimal", "infeasible")
    if code == 0:
        assert doc["plan"]["cost_usd"]["total"] <= budget * (1 + 1e-6)


def test_a_loose_mip_gap_is_never_called_optimal(monkeypatch):
    """With every row kept for the MIP and --mip-gap 0.5, HiGHS may stop at a worse plan: then the
    status says `within_gap`; `optimal` only for a plan within 1e-6 of the brute-force optimum."""
    from checks.brute_force import brute_force
    from planner.optimize import presolve
    from planner.optimize.pipeline import solve_instance
    from planner.optimize.solve import SolveOptions

    monkeypatch.setattr(presolve, "KEEP_TOL", 1e9)      # keep (nearly) every feasible row
    statuses = set()
    for scale in (1.0, 3.0, 10.0):
        data = _instance(scale, None, "cost")
        data["gpus"][0]["usd_per_gpu_hour"] = 2.2
        instance = instance_from_dict(data)
        best = brute_force(instance).objective_value
        result = solve_instance(instance, SolveOptions(mip_gap=0.5), explain=False)
        statuses.add(result.status)
        if result.status == "optimal":
            assert result.objective_value == pytest.approx(best, rel=1e-6)
        else:
            assert result.status == "within_gap" and result.objective_value > best * (1 + 1e-6)
