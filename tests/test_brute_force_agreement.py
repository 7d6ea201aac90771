"""The MIP (planner.optimize.pipeline.solve_instance) against the brute-force enumerator on 200 random instances.

Each instance is a dict (2-4 sizes, 1-3 GPUs, 1-3 regions, 0-3 recipes, up to 64 GPUs) passed
through planner.input.loading.instance_from_dict; the objectives rotate over cost, co2, time, loss and
weighted, every limit of spec section 3 is switched on or off at random (with values drawn around
the figures of the instance's own optimum without limits, so that they bind often), and so are
offers, staff and data costs, data repetition, the size grid, `match`, fp8 and MoE. For each: same
status, objective within relative 1e-6 (1e-4 for `loss`), the solver's plan breaks no limit, and
its objective_value is the evaluator's. test_coverage_of_the_random_instances makes sure the
comparison is not vacuous: enough feasible and infeasible instances, and every limit kind active
(relaxing it changes the optimum) in several of them.
"""

from __future__ import annotations

import copy
import math
import random
from collections import Counter

import pytest

from checks.brute_force import brute_force
from planner.formulas.evaluate import evaluate_plan, find_violations
from planner.input.loading import instance_from_dict
from planner.formulas.offers import offer_terms
from planner.optimize.pipeline import solve_instance
from planner.formulas.scaling_law import loss as law_loss
from planner.formulas.scaling_law import tokens_for_loss
from planner.input.schema import FixedPlan, ScalingLaw

SEEDS = range(200)
OBJECTIVES = ("cost", "co2", "time", "loss", "weighted")


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _law(rng: random.Random) -> tuple[str | dict, ScalingLaw]:
    if rng.random() < 0.3:
        name = rng.choice(["chinchilla", "epoch2024"])
        constants = {"chinchilla": (1.69, 406.4, 410.7, 0.34, 0.28),
                     "epoch2024": (1.8172, 482.01, 2085.43, 0.3478, 0.3658)}[name]
        return name, ScalingLaw(**dict(zip("E A B alpha beta".split(), constants)))
    law = {"E": rng.uniform(1.5, 2.0), "A": rng.uniform(300, 600), "B": rng.uniform(400, 2100),
           "alpha": rng.uniform(0.3, 0.37), "beta": rng.uniform(0.27, 0.37)}
    return {"name": "custom", **law}, ScalingLaw(**law)


def _gpu(rng: random.Random, i: int) -> dict:
    gpu = {"name": f"G{i}", "peak_tflops": rng.uniform(100, 2000), "mfu": rng.uniform(0.3, 0.5),
           "watts": rng.uniform(300, 1000), "memory_gb": rng.choice([16, 24, 40, 80, 141, 192]),
           "usd_per_gpu_hour": round(rng.uniform(0.8, 4.0), 3), "available": rng.choice([4, 8, 16, 24, 32, 48, 64])}
    if rng.random() < 0.6:
        gpu["gpus_per_node"] = rng.choice([1, 2, 4, 8])
    if rng.random() < 0.7:
        gpu["embodied_kg"] = rng.uniform(0, 200)
    if rng.random() < 0.3:
        gpu["lifetime_years"] = rng.uniform(3, 6)
    return gpu


def _region(rng: random.Random, i: int, gpus: list[dict]) -> dict:
    region = {"name": f"R{i}", "carbon_g_per_kwh": rng.uniform(5, 700)}
    if rng.random() < 0.7:
        region["pue"] = rng.uniform(1.0, 1.6)
    if rng.random() < 0.2:   # ~8-60 GPUs of 300-1000 W
        region["grid_capacity_mw"] = rng.uniform(0.005, 0.05)
    if rng.random() < 0.3:
        region["max_swing_mw"] = rng.uniform(0.003, 0.04)
        if rng.random() < 0.7:
            region["swing_fraction"] = rng.uniform(0.2, 1.0)
    if rng.random() < 0.5:   # offers: a subset of the GPUs (a GPU may be missing), own terms or the GPU's
        offers = {}
        for gpu in gpus:
            if rng.random() < 0.75:
                offer = {}
                if rng.random() < 0.6:
                    offer["usd_per_gpu_hour"] = round(rng.uniform(0.8, 4.0), 3)
                if rng.random() < 0.6:
                    offer["available"] = rng.choice([0, 8, 16, 32, 40, 64])
                offers[gpu["name"]] = offer
        region["offers"] = offers
    return region


def _recipe(rng: random.Random, i: int, sizes: list[float]) -> dict:
    stages = [{"name": f"s{j}", "tokens": _log_uniform(rng, 1e7, 2e9), "flops_per_param_token": rng.choice([6, 8, 10, 18]),
               "mfu_factor": rng.choice([1.0, 1.0, 0.5, 0.25]), "samples": rng.choice([0, 0, 500, 20000]),
               "usd_per_sample": rng.choice([0, 0.5, 2.5, 6])} for j in range(rng.randint(1, 2))]
    recipe = {"name": f"M{i}", "quality": round(rng.uniform(0, 1), 2), "stages": stages}
    if rng.random() < 0.3:
        recipe["min_model_params"] = rng.choice(sizes)
    if rng.random() < 0.3:
        recipe["needs_verifiable_tasks"] = True
    if rng.random() < 0.3:
        recipe["fixed_usd"] = rng.uniform(0, 20000)
    return recipe


def make_instance(seed: int) -> dict:
    """A random small instance as a dict (module docstring)."""
    rng = random.Random(seed)
    objective = OBJECTIVES[seed % len(OBJECTIVES)]
    law_entry, law = _law(rng)
    sizes = sorted(_log_uniform(rng, 1e8, 3e10) for _ in range(rng.randint(2, 4)))
    d: dict = {"name": f"random-{seed}", "objective": objective, "scaling_law": law_entry}
    if rng.random() < 0.2:   # the log-spaced grid form (its inner values differ from `sizes`)
        d["model_sizes"] = {"min": sizes[0], "max": sizes[-1], "count": len(sizes)}
    else:
        d["model_sizes"] = sizes
    if objective == "weighted":
        d["carbon_price_usd_per_t"] = rng.choice([0, 50, 200, 2000])
    if rng.random() < 0.3:
        d["flops_per_param_token"] = rng.choice([6, 8])
    if rng.random() < 0.4:
        d["staff_usd_per_day"] = rng.uniform(100, 5000)
    if rng.random() < 0.5:
        d["bytes_per_param"] = rng.choice([8, 16, 20, 40])

    # A reference run: its loss is the target, its figures scale the limits.
    ref_n = _log_uniform(rng, sizes[0], sizes[-1])
    ref_d = ref_n * _log_uniform(rng, 5, 100)
    data: dict = {}
    if rng.random() < 0.5:
        data["unique_tokens"] = ref_d * _log_uniform(rng, 0.1, 2.0)
        if rng.random() < 0.6:
            data["max_epochs"] = rng.uniform(1, 8)
        if rng.random() < 0.5:
            data["repetition_rstar"] = rng.uniform(5, 20)
    if rng.random() < 0.3:
        data["usd_per_token"] = _log_uniform(rng, 1e-10, 1e-7)
    if data:
        d["data"] = data
    if objective != "loss" or rng.random() < 0.5:
        if rng.random() < 0.15:
            d["targets"] = {"match": {"params": ref_n, "tokens": ref_d}}
        else:
            d["targets"] = {"max_loss": law_loss(law, ref_n, ref_d) * rng.uniform(0.98, 1.03)}

    gpus = [_gpu(rng, i) for i in range(rng.randint(1, 3))]
    if rng.random() < 0.15:
        d["precision"] = "fp8"
        for gpu in gpus:
            gpu["peak_fp8_tflops"] = 2 * gpu["peak_tflops"]
            if rng.random() < 0.5:
                gpu["mfu_fp8"] = rng.uniform(0.2, 0.4)
    if rng.random() < 0.15:
        d["moe"] = {"total_params_per_active": rng.uniform(1, 20), "mfu_factor": rng.uniform(0.5, 1.0)}
    d["gpus"] = gpus
    d["regions"] = [_region(rng, i, gpus) for i in range(rng.randint(1, 3))]
    n_recipes = rng.choice([0, 0, 1, 2, 3])
    if n_recipes:
        d["alignment"] = {"recipes": [_recipe(rng, i, sizes) for i in range(n_recipes)]}
        if rng.random() < 0.5:
            d["alignment"]["min_quality"] = round(rng.uniform(0, 0.7), 2)
        if rng.random() < 0.5:
            d["alignment"]["verifiable_tasks"] = True

    d["limits"] = {}
    _tighten(rng, d, law_loss(law, ref_n, ref_d))
    if objective == "loss" and not d["limits"] and "max_epochs" not in d.get("data", {}):
        d["limits"] = {"max_training_flops": 6 * ref_n * ref_d * _log_uniform(rng, 0.5, 2)}
    return d


def _tighten(rng: random.Random, d: dict, ref_loss: float) -> None:
    """Set limits around the figures of a reference optimum so that they bind often: the brute-force
    optimum of the instance as it stands, without limits (objective cost and the reference run's
    loss as the target where the objective is `loss`). Each limit with probability 0.3-0.5."""
    base = {**d, "limits": {}}
    if d["objective"] == "loss":
        base.update(objective="cost", targets=d.get("targets", {"max_loss": ref_loss}))
    reference = brute_force(instance_from_dict(base))
    if reference.plan is None:
        return
    plan, m = reference.plan, reference.metrics
    for key, value in (("budget_usd", m.cost_usd.total), ("deadline_days", m.duration_days),
                       ("max_co2_t", m.co2_t.total), ("max_training_flops", m.flops.total)):
        if rng.random() < 0.35 and value > 0:
            d["limits"][key] = value * _log_uniform(rng, 0.8, 2.0)
    region = next(r for r in d["regions"] if r["name"] == plan.region)
    if rng.random() < 0.25:
        region["grid_capacity_mw"] = m.peak_power_mw * rng.uniform(0.5, 1.5)
    if rng.random() < 0.25:
        region["max_swing_mw"] = m.swing_mw * rng.uniform(0.5, 1.5)
    if rng.random() < 0.3:   # memory floor = the reference's GPU count times 0.6-2.5
        memory_gb = next(g for g in d["gpus"] if g["name"] == plan.gpu)["memory_gb"]
        d["bytes_per_param"] = plan.gpu_count * memory_gb * 1e9 / plan.model_params * rng.uniform(0.6, 2.5)
    data = d.get("data", {})
    if "unique_tokens" in data and rng.random() < 0.5:
        data["max_epochs"] = plan.tokens / data["unique_tokens"] * rng.uniform(0.7, 1.5)


INSTANCES = {seed: make_instance(seed) for seed in SEEDS}


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


@pytest.mark.parametrize("seed", SEEDS)
def test_mip_agrees_with_brute_force(seed: int) -> None:
    instance = instance_from_dict(INSTANCES[seed])
    expected = brute_force(instance, check=True)
    result = solve_instance(instance, explain=False)
    assert result.status == expected.status, (result.status, expected.status, expected.plan)
    if expected.status != "optimal":
        return
    tol = 1e-4 if instance.objective == "loss" else 1e-6
    assert _rel(result.objective_value, expected.objective_value) <= tol, (
        f"MIP {result.objective_value!r} {result.plan}\nbrute {expected.objective_value!r} {expected.plan}")
    metrics = evaluate_plan(instance, result.plan)
    assert find_violations(instance, result.plan, metrics) == []
    recomputed = metrics.objective_value(instance.objective, instance.carbon_price_usd_per_t)
    assert _rel(result.objective_value, recomputed) <= 1e-12
    if instance.objective != "loss":   # the MIP's own objective is exact too (loss: tangent cuts)
        assert _rel(result.model_objective, recomputed) <= 1e-6, (result.model_objective, recomputed)


LIMIT_KINDS = ("budget_usd", "deadline_days", "max_co2_t", "max_training_flops", "grid_capacity_mw",
               "max_swing_mw", "max_epochs", "memory", "availability", "recipe_rules")


def _relaxed(d: dict, kind: str) -> dict | None:
    """The instance without one limit, or None if the instance does not have it."""
    d = copy.deepcopy(d)
    if kind in ("budget_usd", "deadline_days", "max_co2_t", "max_training_flops"):
        return d if d["limits"].pop(kind, None) is not None else None
    if kind in ("grid_capacity_mw", "max_swing_mw"):
        found = [r.pop(kind) for r in d["regions"] if kind in r]
        return d if found else None
    if kind == "max_epochs":
        return d if d.get("data", {}).pop("max_epochs", None) is not None else None
    if kind == "memory":
        d["bytes_per_param"] = 1e-6
        return d
    if kind == "availability":
        for gpu in d["gpus"]:
            gpu["available"] *= 4
        for region in d["regions"]:
            for offer in (region.get("offers") or {}).values():
                if offer.get("available"):
                    offer["available"] *= 4
        return d
    if kind == "recipe_rules":
        if "alignment" not in d:
            return None
        d["alignment"].update(min_quality=0, verifiable_tasks=True)
        for recipe in d["alignment"]["recipes"]:
            recipe["min_model_params"] = 0
        return d
    raise AssertionError(kind)


def test_coverage_of_the_random_instances() -> None:
    """Not vacuous: >= 30% feasible, >= 10% infeasible, every objective feasible 10+ times, >= 30% of
    the feasible instances with an active limit, and each limit kind active in 3+ instances. A limit
    is active when relaxing it improves the optimum or turns an infeasible instance feasible."""
    status, by_objective, active, present = Counter(), Counter(), Counter(), Counter()
    feasible_with_active = 0
    for d in INSTANCES.values():
        result = brute_force(instance_from_dict(d))
        status[result.status] += 1
        by_objective[d["objective"], result.status] += 1
        tol = 1e-4 if d["objective"] == "loss" else 1e-6
        any_active = False
        for kind in LIMIT_KINDS:
            relaxed = _relaxed(d, kind)
            if relaxed is None:
                continue
            present[kind] += 1
            try:
                better = brute_force(instance_from_dict(relaxed)).objective_value
            except ValueError:   # `loss` without its only cap on the tokens: no optimum at all
                is_active = True
            else:
                if result.objective_value is None:
                    is_active = better is not None
                else:
                    is_active = result.objective_value - better > tol * abs(result.objective_value)
            active[kind] += is_active
            any_active |= is_active
        feasible_with_active += any_active and result.status == "optimal"
    feasible = status["optimal"]
    report = (f"status {dict(status)}; by objective {dict(by_objective)}; limit kinds present "
              f"{dict(present)}; active {dict(active)}; feasible with an active limit {feasible_with_active}")
    print(report)
    assert feasible >= 0.3 * len(INSTANCES), report
    assert status["infeasible"] >= 0.1 * len(INSTANCES), report
    assert all(by_objective[o, "optimal"] >= 10 for o in OBJECTIVES), report
    assert feasible_with_active >= 0.3 * feasible, report
    assert all(active[k] >= 3 for k in LIMIT_KINDS), report
