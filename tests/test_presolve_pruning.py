"""The presolve's bound pruning (planner.optimize.presolve.optimise_rows) keeps an optimum: on
instances with thousands of candidate rows, the answer equals the independent brute force and the
presolve run without pruning, for every objective."""

from __future__ import annotations

import math
import random

import pytest

from checks.brute_force import brute_force
from planner.input.loading import instance_from_dict
from planner.optimize import presolve
from planner.optimize.pipeline import presolve_instance, solve_instance


def _many_rows(objective: str, seed: int) -> dict:
    rng = random.Random(seed)
    regions = []
    for r in range(6):
        offers = {g: {"usd_per_gpu_hour": round(rng.uniform(1.5, 6.0), 2), "available": rng.choice([64, 128, 256])}
                  for g in ("G1", "G2") if rng.random() < 0.85}
        regions.append({"name": f"r{r}", "carbon_g_per_kwh": round(rng.uniform(10, 700), 1),
                        "pue": round(rng.uniform(1.05, 1.5), 2), "offers": offers or {"G1": {"available": 64}}})
    data = {
        "objective": objective, "carbon_price_usd_per_t": 120.0,
        "scaling_law": {"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658},
        "model_sizes": {"min": 1.0e8, "max": 3.0e9, "count": 150},
        "staff_usd_per_day": rng.choice([0.0, 5000.0, 50000.0]),
        "development_factor": rng.choice([1.0, 2.0]),
        "limits": {"deadline_days": rng.choice([20.0, 60.0])},
        "gpus": [{"name": "G1", "peak_tflops": 989, "mfu": 0.3, "watts": 700, "memory_gb": 80, "embodied_kg": 400,
                  "usd_per_gpu_hour": 2.5, "available": 128, "mtbf_hours": 20000.0, "mfu_size_exponent": 0.1},
                 {"name": "G2", "peak_tflops": 312, "mfu": 0.4, "watts": 400, "memory_gb": 80, "embodied_kg": 300,
                  "usd_per_gpu_hour": 1.2, "available": 256}],
        "regions": regions,
        "alignment": {"recipes": [
            {"name": "S", "stages": [{"name": "s", "tokens": 1e8, "flops_per_param_token": 6,
                                      "samples": 1000, "usd_per_sample": 3}]},
            {"name": "R", "fixed_usd": 500.0, "stages": [{"name": "r", "tokens": 5e8, "flops_per_param_token": 18,
                                                          "mfu_factor": 0.3}]}]},
    }
    if objective == "loss":
        data["limits"]["budget_usd"] = 2.0e5
    else:
        data["targets"] = {"max_loss": 2.45}
    return data


@pytest.mark.parametrize("objective", ["cost", "co2", "time", "weighted"])
@pytest.mark.parametrize("seed", [1, 2])
def test_pruned_presolve_equals_brute_force_and_unpruned(objective, seed, monkeypatch):
    instance = instance_from_dict(_many_rows(objective, seed))
    pre = presolve_instance(instance)
    assert len(pre.candidates) > 4 * presolve.FIRST_ROWS        # the pruning path runs
    result = solve_instance(instance, explain=False)
    expected = brute_force(instance)
    assert result.status == expected.status
    if expected.status == "optimal":
        assert math.isclose(result.objective_value, expected.objective_value, rel_tol=1e-6)
        assert math.isclose(result.model_objective, expected.objective_value, rel_tol=1e-6)
    monkeypatch.setattr(presolve, "FIRST_ROWS", 10**9)             # no pruning
    unpruned = solve_instance(instance, explain=False)
    assert unpruned.status == result.status
    if result.status == "optimal":
        assert math.isclose(unpruned.objective_value, result.objective_value, rel_tol=1e-9)
