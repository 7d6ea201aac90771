"""Hand-derived values of the formulas of README "The model".

Every expected number below is derived in the comment beside it, from README's formulas, with a pocket
calculator's arithmetic; none is copied from the product's output. Each test runs twice: on the
product (planner.formulas.evaluate.evaluate_plan / planner.optimize.pipeline.solve_instance) and on
the independent brute force (checks.brute_force), so a disagreement points at the one that is off.
A product figure that does not exist yet (a section-6 field) makes its test xfail, not fail.

Common numbers: GPU "X": 1000 TFLOP/s dense, mfu 0.5 -> 5e14 FLOP/s; 500 W; 80 GB; 8 per node;
$2 per GPU-hour. Law: L = 1 + 1.5e5/N^0.5 + 1e6/D^0.5. At N = 1e10: A/sqrt(N) = 1.5e5/1e5 = 1.5,
so L <= 3 needs 1e6/sqrt(D) <= 0.5, D >= 4e12. At N = 4e10: A/sqrt(N) = 0.75, 1e6/sqrt(D) <= 1.25,
D >= 6.4e11.
"""

from __future__ import annotations

import copy
import math

import pytest

from checks import brute_force as bf
from planner.input.loading import instance_from_dict
from planner.input.schema import FixedPlan

WHO = ("product", "brute_force")
LAW = {"E": 1.0, "A": 1.5e5, "B": 1e6, "alpha": 0.5, "beta": 0.5}
GPU_X = {"name": "X", "peak_tflops": 1000, "mfu": 0.5, "watts": 500, "memory_gb": 80,
         "gpus_per_node": 8, "usd_per_gpu_hour": 2.0, "available": 64}
REGION = {"name": "here", "carbon_g_per_kwh": 100}


def close(a: float, b: float, rel: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-15)


def base(**changes) -> dict:
    d = {"objective": "cost", "scaling_law": dict(LAW), "model_sizes": [1e10], "targets": {"max_loss": 3.0},
         "gpus": [dict(GPU_X)], "regions": [dict(REGION)]}
    d.update(copy.deepcopy(changes))
    return d


def attr(obj, path: str):
    """obj.a.b... of the product's answer; xfail when the field does not exist (yet)."""
    for name in path.split("."):
        if isinstance(obj, dict):
            if name not in obj:
                pytest.xfail(f"product has no field {path}")
            obj = obj[name]
        elif not hasattr(obj, name):
            pytest.xfail(f"product has no field {path}")
        else:
            obj = getattr(obj, name)
    return obj


# Product field path -> brute-force figure key (checks.brute_force.price_plan)
FIELDS = {
    "gpu_hours": "gpu_hours", "duration_days": "duration_days", "development_gpu_hours": "development_gpu_hours",
    "cost_usd.compute": "cost_compute", "cost_usd.total": "cost", "cost_usd.development": "cost_development",
    "co2_t.total": "co2", "co2_t.development": "co2_development", "energy_mwh": "energy_mwh",
    "loss": "loss", "target_probability": "target_probability",
    "serving.gpu": "serving_gpu", "serving.region": "serving_region", "serving.gpu_hours": "serving_gpu_hours",
    "serving.cost_usd": "serving_cost", "serving.co2_t": "serving_co2", "serving.energy_mwh": "serving_energy_mwh",
    "lifetime.cost_usd": "lifetime_cost", "lifetime.co2_t": "lifetime_co2",
}


def evaluate(who: str, d: dict, plan: dict) -> callable:
    """Price a fixed plan; returns get(field path) -> value."""
    instance = instance_from_dict(d)
    fixed = FixedPlan(**plan)
    if who == "product":
        from planner.formulas.evaluate import evaluate_plan
        metrics = evaluate_plan(instance, fixed)
        return lambda path: attr(metrics, path)
    serve = bf.best_serving(instance)[0]
    figures = bf.price_plan(instance, fixed, (serve[0].name, serve[1].name) if serve else None)
    return lambda path: figures[FIELDS[path]]


def solve(who: str, d: dict):
    """(status, objective_value, plan) of the optimum."""
    instance = instance_from_dict(d)
    if who == "product":
        from planner.optimize.pipeline import solve_instance
        from planner.optimize.solve import SolveOptions
        result = solve_instance(instance, SolveOptions(), explain=False)
        return result.status, result.objective_value, result.plan
    result = bf.brute_force(instance)
    return result.status, result.objective_value, result.plan


# ---- 6.2 failures: waste(n) ----------------------------------------------------------------------

@pytest.mark.parametrize("who", WHO)
def test_waste_for_llama3_numbers(who: str) -> None:
    """M = 50,000 h per GPU, delta = 0.01 h, R = 0.1 h, n = 16,384 (Llama 3):
        sqrt(2 x 0.01 x 16384 / 50000) = sqrt(0.0065536) = 0.0809543081
        0.1 x 16384 / 50000            = 0.032768
        waste = 0.1137223081  (about 11%: Meta's ">90% effective training time")
    Plan N = 1e10, D = 1e12: F = 6e22 FLOP, S = 6e22 / 5e14 = 1.2e8 GPU-s = 33,333.33 GPU-h ideal;
    with waste: 33,333.33 x 1.1137223081 = 37,124.0769 GPU-h, $74,248.15 at $2;
    duration 1.2e8 x 1.1137223081 / (86400 x 16384) = 0.0944115 days.
    FLOPs stay the ideal 6e22."""
    gpu = {**GPU_X, "available": 16384, "mtbf_hours": 50000}
    d = base(gpus=[gpu], reliability={"checkpoint_hours": 0.01, "restart_hours": 0.1})
    get = evaluate(who, d, {"model_params": 1e10, "tokens": 1e12, "gpu": "X", "gpu_count": 16384, "region": "here"})
    waste = 0.0809543081003105 + 0.032768
    assert close(waste, 0.1137223081003105, 1e-15)
    assert close(get("gpu_hours"), 1.2e8 / 3600 * (1 + waste))
    assert close(get("gpu_hours"), 37124.0769, 1e-8)
    assert close(get("cost_usd.compute"), 74248.1539, 1e-8)
    assert close(get("duration_days"), 0.0944115, 1e-6)
    # the defaults of `reliability` are these same figures
    d.pop("reliability")
    get = evaluate(who, d, {"model_params": 1e10, "tokens": 1e12, "gpu": "X", "gpu_count": 16384, "region": "here"})
    assert close(get("gpu_hours"), 37124.0769, 1e-8)


@pytest.mark.parametrize("who", WHO)
def test_no_mtbf_means_no_waste(who: str) -> None:
    """Without mtbf_hours: S = 1.2e8 GPU-s exactly = 33,333.33 GPU-h whatever n."""
    d = base(gpus=[{**GPU_X, "available": 16384}])
    get = evaluate(who, d, {"model_params": 1e10, "tokens": 1e12, "gpu": "X", "gpu_count": 16384, "region": "here"})
    assert close(get("gpu_hours"), 1.2e8 / 3600)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("staff, count, value", [(20.0, 8, 308611.111), (50.0, 16, 324195.371)])
def test_failures_make_fewer_gpus_cheaper(who: str, staff: float, count: int, value: float) -> None:
    """M = 800 h, checkpoint 0.5 h, restart 0: waste(n) = sqrt(2 x 0.5 x n / 800) = sqrt(n/800):
    waste(8) = sqrt(0.01) = 0.1, waste(16) = sqrt(0.02) = 0.1414214. N = 1e10, D = 4e12 (the only
    size and its Dmin): S = 4.8e8 GPU-s ideal; only 8 or 16 GPUs (available 16).
        compute: 8 -> 4.8e8 x 1.1 / 3600 x $2 = $293,333.33;  16 -> x 1.1414214 = $304,379.03
        days:    8 -> 4.8e8 x 1.1 / (86400 x 8) = 763.8889;   16 -> 4.8e8 x 1.1414214 / (86400 x 16) = 396.3269
    cost(8) - cost(16) = 367.5620 staff - 11,045.69: 8 GPUs are cheaper below $30.05 per day.
        staff $20/day: 8 -> 293,333.33 + 15,277.78 = $308,611.11 (16: $312,305.57)
        staff $50/day: 16 -> 304,379.03 + 19,816.34 = $324,195.37 (8: $331,527.78)
    `time` takes 16 whatever the staff: 396.3269 days."""
    gpu = {**GPU_X, "available": 16, "mtbf_hours": 800}
    d = base(gpus=[gpu], reliability={"checkpoint_hours": 0.5, "restart_hours": 0.0}, staff_usd_per_day=staff)
    status, got, plan = solve(who, d)
    assert status == "optimal" and plan.gpu_count == count and close(got, value, 1e-8)
    status, got, plan = solve(who, {**d, "objective": "time"})
    assert status == "optimal" and plan.gpu_count == 16 and close(got, 396.326860, 1e-8)


# ---- 6.1 size-dependent MFU --------------------------------------------------------------------

@pytest.mark.parametrize("who", WHO)
def test_mfu_grows_with_size_up_to_the_cap(who: str) -> None:
    """mfu 0.4 at mfu_ref_params 1e11, exponent 0.085, mfu_max 0.45:
        N = 1e9:  0.4 x (1e9/1e11)^0.085 = 0.4 x 10^-0.17 = 0.4 x 0.676083 = 0.270433
                  D = 1e11: F = 6e20, S = 6e20 / (1e15 x 0.2704332) = 2.218662e6 s = 616.2952 GPU-h
        N = 1e11: 0.4 exactly: F = 6e22, S = 1.5e8 s = 41,666.67 GPU-h
        N = 1e12: 0.4 x 10^0.085 = 0.4 x 1.216186 = 0.486474 > 0.45: capped at 0.45;
                  F = 6e23, S = 6e23 / 4.5e14 = 1.33333e9 s = 370,370.37 GPU-h"""
    gpu = {**GPU_X, "mfu": 0.4, "mfu_ref_params": 1e11, "mfu_size_exponent": 0.085, "mfu_max": 0.45,
           "memory_gb": 1e6}
    d = base(gpus=[gpu], model_sizes=[1e9, 1e11, 1e12])
    for n_params, hours in ((1e9, 616.2952), (1e11, 41666.667), (1e12, 370370.37)):
        get = evaluate(who, d, {"model_params": n_params, "tokens": 1e11, "gpu": "X", "gpu_count": 8,
                                "region": "here"})
        assert close(get("gpu_hours"), hours, 1e-6), (n_params, get("gpu_hours"))


# ---- 6.4 serving: the smaller model on more tokens ---------------------------------------------

@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("serving_tokens, size, lifetime_cost", [
    (0.0, 4e10, 170666.667), (1.4e12, 4e10, 295111.111), (1.5e12, 1e10, 300000.0), (2e12, 1e10, 311111.111)])
def test_serving_demand_moves_the_optimum_to_the_smaller_model(who, serving_tokens, size, lifetime_cost) -> None:
    """Sizes 1e10 and 4e10, target L <= 3, cost objective, serving on X at mfu 0.5 (the same
    5e14 FLOP/s as training, so both cost $2 / (3600 x 5e14) = 1.1111e-18 per FLOP):
        1e10: D = 4e12,   training 6 x 1e10 x 4e12   = 2.4e23   FLOP, serving 2 x 1e10 x T
        4e10: D = 6.4e11, training 6 x 4e10 x 6.4e11 = 1.536e23 FLOP, serving 2 x 4e10 x T
    Equal when 2.4e23 - 1.536e23 = (8e10 - 2e10) T, T = 8.64e22 / 6e10 = 1.44e12 tokens.
        T = 0:      4e10 wins, 1.536e23 FLOP             -> $170,666.67
        T = 1.4e12: 4e10: 1.536e23 + 1.12e23 = 2.656e23  -> $295,111.11 (1e10: 2.68e23, $297,777.78)
        T = 1.5e12: 1e10: 2.4e23 + 3e22 = 2.7e23         -> $300,000.00 (4e10: 2.736e23, $304,000)
        T = 2e12:   1e10: 2.4e23 + 4e22 = 2.8e23         -> $311,111.11"""
    d = base(model_sizes=[1e10, 4e10], serving={"tokens": serving_tokens, "mfu": 0.5})
    status, value, plan = solve(who, d)
    assert status == "optimal"
    assert plan.model_params == size
    assert close(plan.tokens, 4e12 if size == 1e10 else 6.4e11, 1e-9)
    assert close(value, lifetime_cost, 1e-8)


SERVING_REGIONS = [{"name": "here", "carbon_g_per_kwh": 100},
                   {"name": "cheap", "carbon_g_per_kwh": 500, "pue": 1.2,
                    "offers": {"X": {"usd_per_gpu_hour": 1.0, "available": 0}}}]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("objective, region, value", [
    ("cost", "cheap", 288888.889), ("co2", "here", 7.7777778), ("weighted", "here", 350000.0),
    ("time", "cheap", 86.8055556)])
def test_serving_offer_and_figures(who: str, objective: str, region: str, value: float) -> None:
    """Serving 1e12 tokens at 2 FLOP per parameter-token on X at serving_mfu 0.25:
    N = 1e10: 2e22 FLOP / (1e15 x 0.25) = 8e7 GPU-s = 22,222.22 GPU-h.
    Region "cheap" sells X at $1/h with none available: it can serve, not train (availability
    does not bind serving). Its CO2 per GPU-h: 0.5 kW x 1.2 x 500 / 1e6 = 3e-4 t; "here" (the GPU's
    $2/h): 0.5 x 1 x 100 / 1e6 = 5e-5 t. Training (N = 1e10, D = 4e12, in "here", 64 GPUs):
    133,333.33 GPU-h, $266,666.67, 6.666667 t, 86.8056 days.
        cheap: serving $22,222.22, 6.666667 t, energy 22,222.22 x 0.5 x 1.2 / 1000 = 13.3333 MWh
        here:  serving $44,444.44, 1.111111 t, energy 11.1111 MWh
        cost:     cheap; lifetime $266,666.67 + $22,222.22 = $288,888.89
        co2:      here;  lifetime 6.666667 + 1.111111 = 7.777778 t
        weighted at $5,000/t: cheap 22,222.22 + 33,333.33 = 55,555.56, here 44,444.44 + 5,555.56 =
                  50,000 -> here; lifetime 266,666.67 + 33,333.33 + 50,000 = $350,000
                  (the two cross at 22,222.22 / 5.555556 t = $4,000/t)
        time:     the cheapest serving offer (cheap); the objective is the training time 86.8056 days"""
    gpu = {**GPU_X, "serving_mfu": 0.25}
    d = base(objective=objective, gpus=[gpu], regions=SERVING_REGIONS, serving={"tokens": 1e12},
             carbon_price_usd_per_t=5000.0)
    status, got, plan = solve(who, d)
    assert status == "optimal" and plan.region == "here" and close(got, value, 1e-8)
    get = evaluate(who, d, {"model_params": 1e10, "tokens": 4e12, "gpu": "X", "gpu_count": 64, "region": "here"})
    assert get("serving.gpu") == "X" and get("serving.region") == region
    hours, train_hours = 8e7 / 3600, 4.8e8 / 3600          # 22,222.22 and 133,333.33 GPU-h
    cheap = region == "cheap"
    assert close(get("serving.gpu_hours"), hours)
    assert close(get("serving.cost_usd"), hours * (1.0 if cheap else 2.0))
    assert close(get("serving.co2_t"), hours * (3e-4 if cheap else 5e-5))
    assert close(get("serving.energy_mwh"), hours * 0.5 * (1.2 if cheap else 1.0) / 1000)
    assert close(get("lifetime.cost_usd"), train_hours * 2 + hours * (1.0 if cheap else 2.0))
    assert close(get("lifetime.co2_t"), train_hours * 5e-5 + hours * (3e-4 if cheap else 5e-5))
    assert close(get("cost_usd.total"), train_hours * 2)   # the training figures stay training's


# ---- 6.5 confidence ----------------------------------------------------------------------------

SAMPLES = [{**LAW, "E": e} for e in (0.95, 0.96, 0.97, 0.98, 0.99, 1.00, 1.01, 1.02, 1.03, 1.04)]


@pytest.mark.parametrize("who", WHO)
def test_target_probability_of_ten_samples(who: str) -> None:
    """Ten samples differing only in E = 0.95, 0.96, ..., 1.04; target 3.025. The plan N = 1e10,
    D = 4e12 has 1.5 + 1e6/2e6 = 2.0 above E, so sample s meets the target iff E_s + 2 <= 3.025,
    E_s <= 1.025: the eight samples 0.95 ... 1.02 -> target_probability 0.8. The point law
    (E = 1) gives loss 3.0."""
    d = base(targets={"max_loss": 3.025, "confidence": 0.8}, scaling_law_samples=SAMPLES)
    get = evaluate(who, d, {"model_params": 1e10, "tokens": 4e12, "gpu": "X", "gpu_count": 8, "region": "here"})
    assert close(get("target_probability"), 0.8, 1e-12)
    assert close(get("loss"), 3.0, 1e-12)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("confidence, tokens", [
    (0.9, 4.0812162024e12), (0.75, 3.9211841976e12), (0.7, 3.7703836365e12), (1.0, 4.2512488043e12)])
def test_confidence_sets_the_tokens(who: str, confidence: float, tokens: float) -> None:
    """Dmin_s(1e10) = (1e6 / (3.025 - 1.5 - E_s))^2, ascending in E_s. The k-th smallest, k =
    ceil(confidence x 10):
        0.9  -> k = 9,  E = 1.03: (1e6/0.495)^2 = 4.0812162e12
        0.75 -> k = 8,  E = 1.02: (1e6/0.505)^2 = 3.9211842e12
        0.7  -> k = 7,  E = 1.01: (1e6/0.515)^2 = 3.7703836e12
        1.0  -> k = 10, E = 1.04: (1e6/0.485)^2 = 1e12 / 0.235225 = 4.2512488e12"""
    d = base(targets={"max_loss": 3.025, "confidence": confidence}, scaling_law_samples=SAMPLES)
    status, value, plan = solve(who, d)
    assert status == "optimal"
    assert close(plan.tokens, tokens, 1e-9)
    # cost = 6 x 1e10 x D / 5e14 / 3600 x $2 = D x 6.6667e-8 $
    assert close(value, tokens * 6e10 / 5e14 / 3600 * 2, 1e-9)


# ---- match target ------------------------------------------------------------------------------

@pytest.mark.parametrize("who", WHO)
def test_match_target(who: str) -> None:
    """match {params 1e10, tokens 4e12}: the target is L(1e10, 4e12) = 1 + 1.5 + 0.5 = 3.0 with
    the reference's tokens taken as unique. Size 1e10 then needs exactly D = 4e12.
    With unique_tokens 2e12 (R* 15.4) the instance's own run repeats data: Deff must be 4e12 =
    U + U R*(1 - exp(-R/R*)) -> 1 - exp(-R/15.4) = 1/15.4 -> R = -15.4 ln(1 - 0.0649351) =
    15.4 x 0.0671393 = 1.0339453 -> D = 2e12 x 2.0339453 = 4.0678905e12 (the target itself is
    unchanged: no repetition in the reference)."""
    d = base(targets={"match": {"params": 1e10, "tokens": 4e12}})
    status, value, plan = solve(who, d)
    assert status == "optimal" and close(plan.tokens, 4e12, 1e-9)
    d["data"] = {"unique_tokens": 2e12}
    status, value, plan = solve(who, d)
    assert status == "optimal" and close(plan.tokens, 4.0678905e12, 1e-7)
    assert close(plan.tokens, 2e12 * (1 - 15.4 * math.log(1 - 1 / 15.4)), 1e-9)


# ---- size grid ---------------------------------------------------------------------------------

@pytest.mark.parametrize("who", WHO)
def test_log_spaced_size_grid(who: str) -> None:
    """{min 1e9, max 1e12, count 4}: ratio (1e12/1e9)^(1/3) = 10 -> 1e9, 1e10, 1e11, 1e12.
    {min 1e9, max 1e12, count 7}: ratio 10^0.5 = 3.16228 -> 1e9, 3.16228e9, 1e10, ..., 1e12.
    Target L <= 3 with the law above: N must have 1.5e5/sqrt(N) < 2, N > 5.625e9; cost 6 N Dmin(N)
    with Dmin = (1e6/(2 - 1.5e5/sqrt(N)))^2:
        1e10:     D = (1e6/0.5)^2 = 4e12,        F = 2.4e23
        3.1623e10: A/sqrt(N) = 1.5e5/177827.9 = 0.843512, D = (1e6/1.156488)^2 = 7.47683e11,
                   F = 6 x 3.16228e10 x 7.47683e11 = 1.418629e23
        1e11:     A/sqrt(N) = 0.474342, D = (1e6/1.525658)^2 = 4.29620e11, F = 2.57772e23
    so the 7-point grid picks 3.1623e10 (the 4-point grid 1e10)."""
    sizes = instance_from_dict(base(model_sizes={"min": 1e9, "max": 1e12, "count": 4})).sizes
    assert len(sizes) == 4 and all(close(a, b, 1e-12) for a, b in zip(sizes, (1e9, 1e10, 1e11, 1e12)))
    grid7 = instance_from_dict(base(model_sizes={"min": 1e9, "max": 1e12, "count": 7})).sizes
    assert all(close(b / a, 10**0.5, 1e-12) for a, b in zip(grid7, grid7[1:]))
    d = base(model_sizes={"min": 1e9, "max": 1e12, "count": 4}, gpus=[{**GPU_X, "memory_gb": 1e6}])
    status, value, plan = solve(who, d)
    assert status == "optimal" and close(plan.model_params, 1e10, 1e-12)
    d["model_sizes"]["count"] = 7
    status, value, plan = solve(who, d)
    assert status == "optimal" and close(plan.model_params, 10**10.5, 1e-12)
    assert close(plan.tokens, 7.47683e11, 1e-5)
    assert close(value, 1.418629e23 / 5e14 / 3600 * 2, 1e-5)


# ---- offer rule --------------------------------------------------------------------------------

@pytest.mark.parametrize("who", WHO)
def test_offer_without_price_uses_the_gpu_price(who: str) -> None:
    """GPU X: $2/h, 64 available. Region A offers X with available 16 and no price -> $2, 16.
    Region B offers X at $1.5 without a count -> $1.5, 64. Region C offers nothing of X.
    Plan N = 1e10, D = 4e12: 2.4e23 / 5e14 = 4.8e8 GPU-s = 133,333.33 GPU-h:
        in A: $266,666.67; in B: $200,000.00. The cost optimum is B at $200,000; `time` picks
        the most GPUs: B with 64 (A allows only 16): 4.8e8 / (86400 x 64) = 86.8056 days."""
    regions = [{"name": "A", "carbon_g_per_kwh": 100, "offers": {"X": {"available": 16}}},
               {"name": "B", "carbon_g_per_kwh": 100, "offers": {"X": {"usd_per_gpu_hour": 1.5}}},
               {"name": "C", "carbon_g_per_kwh": 100, "offers": {}}]
    d = base(regions=regions)
    plan = {"model_params": 1e10, "tokens": 4e12, "gpu": "X", "gpu_count": 16}
    assert close(evaluate(who, d, {**plan, "region": "A"})("cost_usd.total"), 266666.667, 1e-8)
    assert close(evaluate(who, d, {**plan, "region": "B"})("cost_usd.total"), 200000.0, 1e-12)
    status, value, best = solve(who, d)
    assert status == "optimal" and best.region == "B" and close(value, 200000.0, 1e-9)
    status, value, best = solve(who, {**d, "objective": "time"})
    assert status == "optimal" and best.region == "B" and best.gpu_count == 64
    assert close(value, 86.8055556, 1e-8)
    # only A and C: 16 GPUs at most -> 4.8e8 / (86400 x 16) = 347.2222 days
    status, value, best = solve(who, {**d, "objective": "time", "regions": [regions[0], regions[2]]})
    assert status == "optimal" and best.gpu_count == 16 and close(value, 347.222222, 1e-8)


# ---- 6.3 development ---------------------------------------------------------------------------

DEV = dict(gpus=[{**GPU_X, "available": 8, "embodied_kg": 150, "lifetime_years": 5}],
           regions=[{"name": "here", "carbon_g_per_kwh": 400, "pue": 1.25}],
           development_factor=1.5, staff_usd_per_day=1000)


@pytest.mark.parametrize("who", WHO)
def test_development_cost_and_co2_on_a_one_plan_instance(who: str) -> None:
    """One size (1e10, D = 4e12), one offer, 8 GPUs: the only plan.
        F = 2.4e23, S = 4.8e8 GPU-s, H = 133,333.33 GPU-h, T = 4.8e8/(86400 x 8) = 694.444 days
        compute $266,666.67, staff 1000 x 694.444 = $694,444.44
        development (1.5 - 1) x H = 66,666.67 GPU-h -> $133,333.33 (GPU-hours only, no staff)
        cost total = 266,666.67 + 694,444.44 + 133,333.33 = $1,094,444.44
        CO2 per GPU-h = 0.5 kW x 1.25 x 400 / 1e6 + 150 / (5 x 8766) / 1000
                      = 2.5e-4 + 3.42231e-6 = 2.5342231e-4 t
        CO2 final run = 133,333.33 x 2.5342231e-4 = 33.789641 t; development 16.894821 t;
        total 50.684462 t. Duration and gpu_hours stay the final run's."""
    plan = {"model_params": 1e10, "tokens": 4e12, "gpu": "X", "gpu_count": 8, "region": "here"}
    get = evaluate(who, base(**DEV), plan)
    assert close(get("gpu_hours"), 133333.333, 1e-8)
    assert close(get("duration_days"), 694.444444, 1e-8)
    assert close(get("development_gpu_hours"), 66666.6667, 1e-8)
    assert close(get("cost_usd.development"), 133333.333, 1e-8)
    assert close(get("cost_usd.total"), 1094444.44, 1e-8)
    assert close(get("co2_t.development"), 16.894821, 1e-6)
    assert close(get("co2_t.total"), 50.684462, 1e-6)
    status, value, _ = solve(who, base(**DEV))
    assert status == "optimal" and close(value, 1094444.44, 1e-8)
    status, value, _ = solve(who, base(**DEV, objective="co2"))
    assert status == "optimal" and close(value, 50.684462, 1e-6)


@pytest.mark.parametrize("who", WHO)
def test_development_counts_in_the_budget_not_in_the_deadline(who: str) -> None:
    """Same instance: without development the cost is $961,111.11, with it $1,094,444.44.
    A budget of $1.0M is then infeasible; a carbon budget of 40 t too (33.79 t < 40 < 50.68 t);
    a deadline of 700 days is met (694.44 days: development does not count)."""
    status, _, _ = solve(who, base(**DEV, limits={"budget_usd": 1.0e6}))
    assert status == "infeasible"
    status, _, _ = solve(who, base(**DEV, limits={"max_co2_t": 40.0}))
    assert status == "infeasible"
    status, value, _ = solve(who, base(**DEV, limits={"deadline_days": 700.0, "budget_usd": 1.1e6}))
    assert status == "optimal" and close(value, 1094444.44, 1e-8)
    status, _, _ = solve(who, base(**{**DEV, "development_factor": 1.0}, limits={"budget_usd": 1.0e6}))
    assert status == "optimal"


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("factor, tokens, loss", [(1.5, 4e12, 3.0), (1.0, 6e12, 2.9082483)])
def test_development_shrinks_the_tokens_a_budget_buys(who: str, factor: float, tokens: float, loss: float) -> None:
    """Objective loss, one size 1e10, budget $400,000, $2/h: a token costs 6e10 / 5e14 / 3600 x 2 =
    $6.6667e-8 of final-run compute, x 1.5 = $1e-7 with development_factor 1.5.
        factor 1.5: D = 4e5 / 1e-7 = 4e12,        L = 1 + 1.5 + 1e6/2e6 = 3.0
        factor 1.0: D = 4e5 / 6.6667e-8 = 6e12,   L = 2.5 + 1e6/2.4495e6 = 2.9082483"""
    d = base(objective="loss", targets={}, development_factor=factor, limits={"budget_usd": 4e5})
    status, got, plan = solve(who, d)
    assert status == "optimal" and close(plan.tokens, tokens, 1e-9) and close(got, loss, 1e-7)


def test_a_confidence_target_that_sets_the_tokens_is_binding() -> None:
    """With confidence 0.9 the plan's D = 4.0812e12 (the 9th sample's Dmin, above); the point law
    then gives loss 1 + 1.5 + 1e6/sqrt(4.0812e12) = 2.995 < 3.025, so max_loss is slack and what
    holds D down is the confidence target: it is listed as binding (it was listed as nothing)."""
    from planner.optimize.pipeline import solve_instance

    d = base(targets={"max_loss": 3.025, "confidence": 0.9}, scaling_law_samples=SAMPLES)
    result = solve_instance(instance_from_dict(d), explain=False)
    assert close(result.plan.tokens, 4.0812162024e12, 1e-9)
    assert result.metrics.loss < 3.025 * (1 - 1e-3)
    assert "confidence" in result.binding and "max_loss" not in result.binding
