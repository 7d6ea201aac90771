"""Tiny instances whose optimum is worked out by hand in the comments, checked against the solver
(planner.optimize.pipeline.solve_instance) and the brute-force enumerator (checks.brute_force).

Shared arithmetic. Law: E = 1, A = 1000, alpha = 1/3, B = 1e5, beta = 1/2, so
    L(N, D) = 1 + 1000 / N^(1/3) + 1e5 / sqrt(Deff)
    N = 1e9: 1000 / 1000 = 1      N = 8e9: 1000 / 2000 = 0.5
GPU "X": 1000 TFLOP/s at mfu 0.5 -> 5e14 FLOP/s per GPU, 500 W, $3 per GPU-hour.
k = 6 FLOPs per parameter-token.
"""

from __future__ import annotations

import math

import pytest

from checks.brute_force import brute_force
from planner.formulas.evaluate import evaluate_plan, find_violations
from planner.input.loading import instance_from_dict
from planner.optimize.pipeline import solve_instance

LAW = {"name": "hand", "E": 1.0, "A": 1000.0, "B": 1.0e5, "alpha": 1 / 3, "beta": 0.5}
GPU_X = {"name": "X", "peak_tflops": 1000, "mfu": 0.5, "watts": 500, "memory_gb": 80,
         "gpus_per_node": 8, "usd_per_gpu_hour": 3.0, "available": 16}


def close(a: float, b: float, rel: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-15)


def solve_both(d: dict):
    """The solver's answer and the brute force's, which must agree; returns the solver's."""
    instance = instance_from_dict(d)
    result = solve_instance(instance, explain=False)
    brute = brute_force(instance, check=True)
    assert result.status == brute.status
    if result.status == "optimal":
        assert close(result.objective_value, brute.objective_value, 1e-6)
        assert find_violations(instance, result.plan, evaluate_plan(instance, result.plan)) == []
    return result


def test_cost_one_gpu_one_region_one_size() -> None:
    """Target L <= 3 for N = 1e9: 1 + 1 + 1e5/sqrt(D) <= 3  ->  D = (1e5)^2 = 1e10 tokens.
    F = 6 * 1e9 * 1e10 = 6e19 FLOP; S = 6e19 / 5e14 = 1.2e5 GPU-s; H = 33.33 GPU-h -> $100.
    Data: 1e-8 $/token * 1e10 = $100. n is 8 or 16 (available 16, 8 per node); staff $864/day:
      n = 8:  T = 1.2e5 / (86400 * 8)  = 0.17361 d -> staff $150 -> total $350
      n = 16: T = 1.2e5 / (86400 * 16) = 0.086806 d -> staff $75 -> total $275   <- optimum."""
    result = solve_both({
        "objective": "cost", "scaling_law": LAW, "model_sizes": [1e9], "targets": {"max_loss": 3.0},
        "staff_usd_per_day": 864, "data": {"usd_per_token": 1e-8},
        "gpus": [GPU_X], "regions": [{"name": "here", "carbon_g_per_kwh": 100}],
    })
    assert result.status == "optimal"
    m = result.metrics
    assert close(m.tokens, 1e10)
    assert m.gpu_count == 16
    assert close(m.flops.total, 6e19)
    assert close(m.gpu_hours, 1.2e5 / 3600)
    assert close(m.duration_days, 1.2e5 / (86400 * 16))
    assert close(m.cost_usd.compute, 100.0)
    assert close(m.cost_usd.staff, 75.0)
    assert close(m.cost_usd.data, 100.0)
    assert close(result.objective_value, 275.0)
    assert close(m.loss, 3.0)


def test_co2_deadline_rules_out_the_clean_region() -> None:
    """Same run (D = 1e10, H = 33.333 GPU-h, 0.5 kW per GPU), embodied 87.66 kg over 5 years:
    87.66 / (5 * 8766) = 0.002 kg per GPU-hour -> 33.333 * 0.002 = 0.066667 kg = 6.6667e-5 t.
      dirty: 400 g/kWh, PUE 1.5, 16 GPUs: 33.333 * 0.5 * 1.5 = 25 kWh -> 25 * 400 / 1e6 = 0.01 t
      clean:  20 g/kWh, PUE 1.2, offers only 8 GPUs: 20 kWh -> 0.0004 t
    Without a deadline the clean region wins: 0.0004 + 0.000066667 = 0.00046667 t.
    Deadline 0.1 days: clean needs 1.2e5 / (86400 * 8) = 0.1736 d (too slow), dirty with 16 GPUs
    0.0868 d: the optimum is dirty at 0.01 + 0.000066667 = 0.010066667 t."""
    gpu = {**GPU_X, "embodied_kg": 87.66, "lifetime_years": 5}
    d = {
        "objective": "co2", "scaling_law": LAW, "model_sizes": [1e9], "targets": {"max_loss": 3.0},
        "gpus": [gpu],
        "regions": [{"name": "dirty", "carbon_g_per_kwh": 400, "pue": 1.5},
                    {"name": "clean", "carbon_g_per_kwh": 20, "pue": 1.2, "offers": {"X": {"available": 8}}}],
    }
    free = solve_both(d)
    assert free.metrics.region == "clean"
    assert close(free.objective_value, 0.0004 + 0.002 * 1.2e5 / 3600 / 1000)
    assert close(free.metrics.energy_mwh, 0.020)

    result = solve_both({**d, "limits": {"deadline_days": 0.1}})
    m = result.metrics
    assert (m.region, m.gpu_count) == ("dirty", 16)
    assert close(m.co2_t.operational, 0.01)
    assert close(m.co2_t.embodied, 0.002 * 1.2e5 / 3600 / 1000)
    assert close(result.objective_value, 0.010066666666666667)
    assert "deadline_days" not in result.binding   # it rules `clean` out, yet 0.0868 d < 0.1 d


def test_loss_under_a_budget() -> None:
    """Objective loss, budget $300, no staff or data cost: H = 300 / 3 = 100 GPU-hours
    -> S = 3.6e5 GPU-s -> F = 3.6e5 * 5e14 = 1.8e20 FLOP -> D = 1.8e20 / (6 * 1e9) = 3e10 tokens.
    L = 1 + 1 + 1e5 / sqrt(3e10) = 2 + 1/sqrt(3) = 2.5773503."""
    result = solve_both({
        "objective": "loss", "scaling_law": LAW, "model_sizes": [1e9], "limits": {"budget_usd": 300},
        "gpus": [GPU_X], "regions": [{"name": "here", "carbon_g_per_kwh": 100}],
    })
    m = result.metrics
    assert close(m.tokens, 3e10)
    assert close(m.gpu_hours, 100.0)
    assert close(m.cost_usd.total, 300.0)
    assert close(result.objective_value, 2 + 1 / math.sqrt(3), 1e-9)
    assert "budget_usd" in result.binding


def test_time_with_repeated_data_grid_and_swing() -> None:
    """Target L <= 3 for N = 1e9 needs Deff = 1e10, but only U = 5e9 unique tokens with R* = 2:
    Deff = U + U R* (1 - exp(-R/R*)) = 1e10  ->  1 - exp(-R/2) = 1/2  ->  R = 2 ln 2 = 1.3862944
    -> D = U (1 + R) = 5e9 * 2.3862944 = 1.1931472e10 tokens (3 epochs allow 1.5e10).
    Time falls with n. X with 4 per node, 64 available, at PUE 1.25:
      grid 0.01 MW:  n * 0.5 kW * 1.25 / 1000 <= 0.01   -> n <= 16
      swing 0.003 MW at swing_fraction 0.5: n * 0.5 * 0.5 / 1000 <= 0.003 -> n <= 12  <- binds
      memory: 16 bytes * 1e9 / 2 GB = 8 GPUs at least (12 is enough).
    S = 6 * 1e9 * 1.1931472e10 / 5e14 = 1.4317766e5 GPU-s -> T = S / (86400 * 12) = 0.13809574 days."""
    gpu = {**GPU_X, "gpus_per_node": 4, "available": 64, "memory_gb": 2}
    result = solve_both({
        "objective": "time", "scaling_law": LAW, "model_sizes": [1e9], "targets": {"max_loss": 3.0},
        "data": {"unique_tokens": 5e9, "max_epochs": 3, "repetition_rstar": 2.0},
        "gpus": [gpu],
        "regions": [{"name": "here", "carbon_g_per_kwh": 100, "pue": 1.25, "grid_capacity_mw": 0.01,
                     "max_swing_mw": 0.003, "swing_fraction": 0.5}],
    })
    m = result.metrics
    tokens = 5e9 * (1 + 2 * math.log(2))
    assert close(m.tokens, tokens)
    assert m.gpu_count == 12
    assert close(m.swing_mw, 0.003)
    assert close(m.peak_power_mw, 12 * 0.5 * 1.25 / 1000)
    assert close(result.objective_value, 6 * 1e9 * tokens / 5e14 / (86400 * 12))
    assert close(result.objective_value, 0.13809574, 1e-7)


def test_cost_recipe_rules_force_the_larger_model() -> None:
    """Recipes: `cheap` (quality 0.5 < min_quality 0.6: out), `verifier` (needs verifiable tasks:
    out), `big` (quality 0.8, min_model_params 5e9): only `big` is left, so N = 8e9, not 1e9.
    N = 8e9: 1 + 0.5 + 1e5/sqrt(D) <= 3 -> D = (1e5 / 1.5)^2 = 4.4444444e9 tokens.
    Pretraining S = 6 * 8e9 * 4.4444e9 / 5e14 = 426,666.67 GPU-s.
    Alignment: 6 * 8e9 * 1e8 = 4.8e18 FLOP at mfu_factor 0.5 -> 4.8e18 / 2.5e14 = 19,200 GPU-s.
    H = 445,866.67 / 3600 = 123.85185 h -> $371.5556; annotation 1000 * $2 = $2000; fixed $500.
    Cost = 371.5556 + 2000 + 500 = $2871.5556 (no staff: any node multiple is optimal)."""
    stage = {"name": "s", "tokens": 1e8, "flops_per_param_token": 6, "mfu_factor": 0.5,
             "samples": 1000, "usd_per_sample": 2}
    result = solve_both({
        "objective": "cost", "scaling_law": LAW, "model_sizes": [1e9, 8e9], "targets": {"max_loss": 3.0},
        "gpus": [GPU_X], "regions": [{"name": "here", "carbon_g_per_kwh": 100}],
        "alignment": {"min_quality": 0.6, "verifiable_tasks": False, "recipes": [
            {"name": "cheap", "quality": 0.5, "stages": [{**stage, "samples": 0}]},
            {"name": "verifier", "quality": 0.9, "needs_verifiable_tasks": True, "stages": [stage]},
            {"name": "big", "quality": 0.8, "min_model_params": 5e9, "fixed_usd": 500, "stages": [stage]},
        ]},
    })
    m = result.metrics
    assert (m.model_params, m.alignment) == (8e9, "big")
    assert close(m.tokens, (1e5 / 1.5) ** 2)
    assert close(m.flops.alignment, 4.8e18)
    assert close(m.gpu_hours, (6 * 8e9 * (1e5 / 1.5) ** 2 / 5e14 + 19200) / 3600)
    assert close(m.cost_usd.annotation, 2000.0) and close(m.cost_usd.fixed, 500.0)
    assert close(result.objective_value, 445866.6666666667 / 3600 * 3 + 2500)
    assert close(result.objective_value, 2871.5556, 1e-7)


@pytest.mark.parametrize("budget, status", [(2871.0, "infeasible"), (2872.0, "optimal")])
def test_cost_recipe_budget_edge(budget: float, status: str) -> None:
    """The last instance with a budget just under and just over its optimum $2871.5556."""
    stage = {"name": "s", "tokens": 1e8, "flops_per_param_token": 6, "mfu_factor": 0.5,
             "samples": 1000, "usd_per_sample": 2}
    result = solve_both({
        "objective": "cost", "scaling_law": LAW, "model_sizes": [1e9, 8e9], "targets": {"max_loss": 3.0},
        "limits": {"budget_usd": budget},
        "gpus": [GPU_X], "regions": [{"name": "here", "carbon_g_per_kwh": 100}],
        "alignment": {"recipes": [{"name": "big", "min_model_params": 5e9, "fixed_usd": 500, "stages": [stage]}]},
    })
    assert result.status == status
