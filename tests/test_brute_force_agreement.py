"""The MIP (planner.optimize.pipeline.solve_instance) against the independent brute-force
enumerator (checks.brute_force, its own arithmetic of README's formulas) on random instances.

Two families, seeded:

* BASE (sections 1-5 only): 2-6 sizes, 1-3 inline GPUs (no catalog GPU: catalog entries carry
  section-6 keys), 1-3 regions, 0-3 recipes, up to 512 GPUs per offer; objectives rotate over
  cost, co2, time, loss and weighted; every limit of section 3 switched on or off at random (drawn
  around the figures of the instance's own unconstrained optimum so that they bind often), and so
  are offers (with price/available fallbacks), staff and data costs, data repetition, the size
  grid, `match`, fp8 and MoE.
* EXTENDED: the same plus section 6 at random: size-dependent MFU (mfu_size_exponent,
  mfu_ref_params, mfu_max), failures (mtbf_hours, reliability), development_factor, serving with
  several offers (mfu on the GPUs or in `serving`, bf16/fp8, gpus/regions subsets), and
  confidence with 5-20 sampled laws. Each instance carries at least one section-6 key.

For each: same status (infeasible iff the brute force finds no plan); the product's
objective_value and model_objective (the MIP's own objective) equal the brute-force optimum to
relative 1e-6 (1e-4 for `loss`); the product's plan, priced by the brute force's own scalar
formulas (checks.brute_force.price_plan), breaks no rule of section 3 (plan_problems) and every
figure the product reports for it (GPU-hours, duration, energy, FLOPs, loss, cost, CO2,
development, serving, lifetime, target_probability) matches to 1e-9.

test_coverage_* make sure the comparison is not vacuous (feasible and infeasible instances of every
objective; each limit and each section-6 key present and active, i.e. removing it moves the
optimum, in several instances). test_brute_force_matches_a_scalar_enumeration checks the
vectorised enumerator against plain loops with bisection on 40 small instances.

Measured (2 cores): the file runs in about 15-30 s. Outside the suite the same generator was run
on 1,500 more extended and 500 more base seeds, and on 300 seeds with availability x8-x64 (up to
32,768 GPUs per offer, interior optimal GPU counts under failures): no disagreement.
"""

from __future__ import annotations

import copy
import math
import random
from collections import Counter

import pytest

from checks.brute_force import brute_force, data_cap, law_loss, offer, price_plan, target_of
from planner.input.loading import instance_from_dict
from planner.optimize.pipeline import solve_instance
from planner.optimize.solve import SolveOptions

BASE_SEEDS = range(100)
EXT_SEEDS = range(1000, 1110)
OBJECTIVES = ("cost", "co2", "time", "loss", "weighted")
LAWS = {"chinchilla": (1.69, 406.4, 410.7, 0.34, 0.28), "epoch2024": (1.8172, 482.01, 2085.43, 0.3478, 0.3658)}


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _loss(law: dict, n: float, d: float) -> float:
    return law["E"] + law["A"] / n ** law["alpha"] + law["B"] / d ** law["beta"]


def _law(rng: random.Random) -> tuple[str | dict, dict]:
    if rng.random() < 0.3:
        name = rng.choice(sorted(LAWS))
        return name, dict(zip("E A B alpha beta".split(), LAWS[name]))
    law = {"E": rng.uniform(1.5, 2.0), "A": rng.uniform(300, 600), "B": rng.uniform(400, 2100),
           "alpha": rng.uniform(0.3, 0.37), "beta": rng.uniform(0.27, 0.37)}
    return {"name": "custom", **law}, law


def _gpu(rng: random.Random, i: int) -> dict:
    gpu = {"name": f"G{i}", "peak_tflops": rng.uniform(100, 2000), "mfu": rng.uniform(0.3, 0.5),
           "watts": rng.uniform(300, 1000), "memory_gb": rng.choice([16, 24, 40, 80, 141, 192]),
           "usd_per_gpu_hour": round(rng.uniform(0.8, 4.0), 3),
           "available": rng.choice([4, 8, 16, 24, 32, 64, 128, 256, 512])}
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
    if rng.random() < 0.15:
        region["grid_capacity_mw"] = rng.uniform(0.005, 0.2)
    if rng.random() < 0.2:
        region["max_swing_mw"] = rng.uniform(0.003, 0.15)
        if rng.random() < 0.7:
            region["swing_fraction"] = rng.uniform(0.2, 1.0)
    if rng.random() < 0.5:   # offers: a subset of the GPUs, own terms or the GPU's (fallback)
        offers = {}
        for gpu in gpus:
            if rng.random() < 0.75:
                offer = {}
                if rng.random() < 0.6:
                    offer["usd_per_gpu_hour"] = round(rng.uniform(0.8, 4.0), 3)
                if rng.random() < 0.6:
                    offer["available"] = rng.choice([0, 8, 16, 32, 40, 64, 200, 512])
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
    if rng.random() < 0.2:
        recipe["needs_verifiable_tasks"] = True
    if rng.random() < 0.3:
        recipe["fixed_usd"] = rng.uniform(0, 20000)
    return recipe


def _extend(rng: random.Random, d: dict, law: dict, ref_n: float, ref_d: float) -> None:
    """Section-6 keys at random; at least one of them."""
    kinds = [k for k in ("mfu_size", "mtbf", "development", "serving", "confidence") if rng.random() < 0.45]
    if not kinds:
        kinds = [rng.choice(("mfu_size", "mtbf", "development", "serving", "confidence"))]
    if d["objective"] == "loss" and "confidence" in kinds:
        kinds.remove("confidence")
        kinds = kinds or ["mtbf"]
    if "mfu_size" in kinds:
        for gpu in d["gpus"]:
            if rng.random() < 0.8:
                gpu["mfu_size_exponent"] = rng.choice([0.085, rng.uniform(-0.2, 0.6)])
                if rng.random() < 0.7:
                    gpu["mfu_ref_params"] = _log_uniform(rng, 1e8, 1e11)
                if rng.random() < 0.6:
                    gpu["mfu_max"] = rng.uniform(0.3, 0.6)
    if "mtbf" in kinds:
        for gpu in d["gpus"]:
            if rng.random() < 0.8:
                gpu["mtbf_hours"] = _log_uniform(rng, 100, 20000)
        if rng.random() < 0.6:
            d["reliability"] = {"checkpoint_hours": rng.uniform(0.002, 0.3), "restart_hours": rng.uniform(0.02, 2)}
            if rng.random() < 0.3:
                del d["reliability"][rng.choice(["checkpoint_hours", "restart_hours"])]
        if rng.random() < 0.6:
            d["staff_usd_per_day"] = _log_uniform(rng, 50, 20000)   # so that fewer GPUs can pay off
    if "development" in kinds:
        d["development_factor"] = rng.choice([1.0, rng.uniform(1.0, 4.0)])
    if "serving" in kinds:
        serving: dict = {"tokens": ref_d * _log_uniform(rng, 1, 1e4)}
        if rng.random() < 0.3:
            serving["flops_per_param_token"] = rng.choice([2, 2.5, 3])
        if rng.random() < 0.4:
            serving["mfu"] = rng.uniform(0.1, 0.5)
        names = [g["name"] for g in d["gpus"]]
        if rng.random() < 0.3:   # a serving-only region: cheap, none to train on (availability does not bind serving)
            d["regions"].append({"name": "S", "carbon_g_per_kwh": rng.uniform(5, 100),
                                 "offers": {rng.choice(names): {"usd_per_gpu_hour": round(rng.uniform(0.3, 1.0), 3),
                                                                "available": rng.choice([0, 4])}}})
        if rng.random() < 0.3 and len(names) > 1:
            serving["gpus"] = rng.sample(names, rng.randint(1, len(names)))
        regions = [r["name"] for r in d["regions"]]
        if rng.random() < 0.3 and len(regions) > 1:
            serving["regions"] = rng.sample(regions, rng.randint(1, len(regions)))
        sellers = [(g, r["name"]) for r in d["regions"] for g in names if r.get("offers") is None or g in r["offers"]]
        if not any(g in serving.get("gpus", names) and r in serving.get("regions", regions) for g, r in sellers):
            serving.pop("gpus", None)   # docs/serving.md does not say what serving with no offer means
            serving.pop("regions", None)
        if rng.random() < 0.25:
            serving["precision"] = "fp8"
        for gpu in d["gpus"]:
            if "mfu" not in serving or rng.random() < 0.3:
                gpu["serving_mfu"] = rng.uniform(0.1, 0.5)
            if serving.get("precision") == "fp8":
                gpu.setdefault("peak_fp8_tflops", 2 * gpu["peak_tflops"])
        if sellers:   # nothing sold anywhere: the product calls `serving` then an input error
            d["serving"] = serving
    if "confidence" in kinds:
        count = rng.randint(5, 20)
        d["scaling_law_samples"] = [
            {"E": law["E"] * rng.uniform(0.98, 1.02), "A": law["A"] * rng.uniform(0.85, 1.15),
             "B": law["B"] * rng.uniform(0.85, 1.15), "alpha": law["alpha"] * rng.uniform(0.97, 1.03),
             "beta": law["beta"] * rng.uniform(0.97, 1.03)} for _ in range(count)]
        d["targets"]["confidence"] = rng.choice([0.5, 0.7, 0.8, 0.9, 1.0, round(rng.uniform(0.3, 1.0), 3)])


def make_instance(seed: int, extended: bool) -> dict:
    """A random small instance as a dict (module docstring)."""
    rng = random.Random(seed)
    objective = OBJECTIVES[seed % len(OBJECTIVES)]
    law_entry, law = _law(rng)
    sizes = sorted(_log_uniform(rng, 1e8, 3e10) for _ in range(rng.randint(2, 6)))
    d: dict = {"name": f"random-{seed}", "objective": objective, "scaling_law": law_entry}
    if rng.random() < 0.2:   # the log-spaced grid form
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

    ref_n = _log_uniform(rng, sizes[0], sizes[-1])   # a reference run: its loss is the target
    ref_d = ref_n * _log_uniform(rng, 5, 100)
    data: dict = {}
    if rng.random() < 0.5:
        data["unique_tokens"] = ref_d * _log_uniform(rng, 0.2, 2.0)
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
            d["targets"] = {"max_loss": _loss(law, ref_n, ref_d) * rng.uniform(0.99, 1.03)}

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
            d["alignment"]["min_quality"] = round(rng.uniform(0, 0.5), 2)
        if rng.random() < 0.5:
            d["alignment"]["verifiable_tasks"] = True
    if extended:
        d.setdefault("targets", {})
        _extend(rng, d, law, ref_n, ref_d)
        if not d["targets"]:
            del d["targets"]

    d["limits"] = {}
    _tighten(rng, d, _loss(law, ref_n, ref_d))
    if objective == "loss" and not d["limits"] and "max_epochs" not in d.get("data", {}):
        d["limits"] = {"max_training_flops": 6 * ref_n * ref_d * _log_uniform(rng, 0.5, 2)}
    return d


LOWEST = {"budget_usd": 0.02, "deadline_days": 2e-3, "max_co2_t": 2e-6, "max_training_flops": 2e6}


def _tighten(rng: random.Random, d: dict, ref_loss: float) -> None:
    """Set limits around the figures of the instance's own optimum without limits (objective cost,
    and the reference run's loss as the target under `loss`) so that they bind often."""
    base = {**d, "limits": {}}
    if d["objective"] == "loss":
        base.update(objective="cost", targets=d.get("targets", {"max_loss": ref_loss}))
    reference = brute_force(instance_from_dict(base))
    if reference.plan is None:
        return
    plan, m = reference.plan, reference.figures
    for key, value in (("budget_usd", m["cost"]), ("deadline_days", m["duration_days"]),
                       ("max_co2_t", m["co2"]), ("max_training_flops", m["flops"])):
        if rng.random() < (0.5 if key == "deadline_days" else 0.35) and value > 0:
            value *= _log_uniform(rng, 0.6 if key == "deadline_days" else 0.85, 2.5)
            d["limits"][key] = max(value, LOWEST[key])   # the schema's ranges (planner.input.schema)
    region = next(r for r in d["regions"] if r["name"] == plan.region)
    if rng.random() < 0.2:
        region["grid_capacity_mw"] = m["peak_power_mw"] * rng.uniform(0.5, 1.5)
    if rng.random() < 0.2:
        region["max_swing_mw"] = m["swing_mw"] * rng.uniform(0.5, 1.5)
    if rng.random() < 0.25:   # memory floor = the reference's GPU count times 0.6-2.5
        memory_gb = next(g for g in d["gpus"] if g["name"] == plan.gpu)["memory_gb"]
        floor = plan.gpu_count * memory_gb * 1e9 / plan.model_params * rng.uniform(0.6, 2.5)
        d["bytes_per_param"] = min(max(floor, 0.01), 1e4)
    data = d.get("data", {})
    if "unique_tokens" in data and rng.random() < 0.5:
        data["max_epochs"] = plan.tokens / data["unique_tokens"] * rng.uniform(0.7, 1.5)


BASE = {seed: make_instance(seed, extended=False) for seed in BASE_SEEDS}
EXTENDED = {seed: make_instance(seed, extended=True) for seed in EXT_SEEDS}


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def plan_problems(instance, plan, fig) -> list[str]:
    """The limits a plan breaks by the brute force's own figures (relative 1e-6, as README "Objectives")."""
    tol = 1e-6
    out = []
    lim = instance.limits
    target = target_of(instance)
    for name, value, allowed in (("budget", fig["cost"], lim.budget_usd), ("co2", fig["co2"], lim.max_co2_t),
                                 ("deadline", fig["duration_days"], lim.deadline_days),
                                 ("flops", fig["flops"], lim.max_training_flops),
                                 ("tokens", plan.tokens, data_cap(instance))):
        if allowed is not None and value > allowed * (1 + tol):
            out.append(f"{name} {value!r} > {allowed!r}")
    if target is not None and instance.targets.confidence is None and fig["loss"] > target * (1 + 1e-8):
        out.append(f"loss {fig['loss']!r} > {target!r}")
    gpu, region = instance.gpu(plan.gpu), instance.region(plan.region)
    terms = offer(instance, gpu, region)
    if terms is None or plan.gpu_count > terms[1] or plan.gpu_count % gpu.gpus_per_node:
        out.append(f"{plan.gpu_count} {gpu.name} in {region.name}: not offered, not available or not whole nodes")
    moe = instance.moe.total_params_per_active if instance.moe else 1.0
    if plan.gpu_count < instance.bytes_per_param * plan.model_params * moe / (gpu.memory_gb * 1e9) * (1 - 1e-12):
        out.append("memory floor")
    for name, value, allowed in (("grid", fig["peak_power_mw"], region.grid_capacity_mw),
                                 ("swing", fig["swing_mw"], region.max_swing_mw)):
        if allowed is not None and value > allowed * (1 + tol):
            out.append(f"{name} {value!r} > {allowed!r}")
    if plan.model_params not in instance.sizes:
        out.append("not a candidate size")
    if instance.alignment is not None:
        al = instance.alignment
        recipe = instance.recipe(plan.alignment) if plan.alignment is not None else None
        if recipe is None or recipe.quality < al.min_quality or plan.model_params < recipe.min_model_params or (
                recipe.needs_verifiable_tasks and not al.verifiable_tasks):
            out.append(f"recipe {plan.alignment} not allowed")
    if instance.targets.confidence is not None:   # a sample's exact root may be 1 ulp above
        need = math.ceil(instance.targets.confidence * len(instance.scaling_law_samples) - 1e-9)
        data = instance.data
        got = sum(bool(law_loss(s, plan.model_params, plan.tokens, data.unique_tokens, data.repetition_rstar)
                       <= target * (1 + 1e-9)) for s in instance.scaling_law_samples)
        if got < need:
            out.append(f"only {got:g} of the samples meet the target; {need} must")
    return out


def check_agreement(d: dict) -> None:
    instance = instance_from_dict(d)
    expected = brute_force(instance)
    result = solve_instance(instance, SolveOptions(), explain=False)
    assert result.status == expected.status, (
        f"product {result.status} {result.plan}\nbrute {expected.status} {expected.objective_value!r} "
        f"{expected.plan} serving {expected.serving}")
    if expected.status != "optimal":
        return
    tol = 1e-4 if instance.objective == "loss" else 1e-6
    assert _rel(result.objective_value, expected.objective_value) <= tol, (
        f"product {result.objective_value!r} {result.plan}\n"
        f"brute   {expected.objective_value!r} {expected.plan} serving {expected.serving}")
    assert result.model_objective is not None and _rel(result.model_objective, expected.objective_value) <= tol, (
        f"MIP objective {result.model_objective!r}, brute {expected.objective_value!r} {expected.plan}")
    # the product's plan, priced by the brute force's own formulas (the serving offer that is best
    # for one N is best for every N, so the brute force's serving choice prices any plan)
    fig = price_plan(instance, result.plan, expected.serving)
    assert plan_problems(instance, result.plan, fig) == [], result.plan
    assert _rel(fig["objective_value"], result.objective_value) <= 1e-9, (fig["objective_value"], result.objective_value)
    # every reported figure of the product's plan, against the brute force's own arithmetic
    m = result.metrics
    pairs = [("gpu_hours", m.gpu_hours, fig["gpu_hours"]), ("duration_days", m.duration_days, fig["duration_days"]),
             ("energy_mwh", m.energy_mwh, fig["energy_mwh"]), ("flops", m.flops.total, fig["flops"]),
             ("loss", m.loss, fig["loss"]), ("cost", m.cost_usd.total, fig["cost"]), ("co2", m.co2_t.total, fig["co2"]),
             ("development_gpu_hours", m.development_gpu_hours, fig["development_gpu_hours"]),
             ("cost development", m.cost_usd.development, fig["cost_development"]),
             ("co2 development", m.co2_t.development, fig["co2_development"])]
    if instance.serving is not None:
        pairs += [("serving cost", m.serving.cost_usd, fig["serving_cost"]), ("serving co2", m.serving.co2_t, fig["serving_co2"]),
                  ("lifetime cost", m.lifetime.cost_usd, fig["lifetime_cost"]),
                  ("lifetime co2", m.lifetime.co2_t, fig["lifetime_co2"])]
    if instance.scaling_law_samples:
        pairs.append(("target_probability", m.target_probability, fig["target_probability"]))
    wrong = [(name, a, b) for name, a, b in pairs if _rel(a, b) > 1e-9 and abs(a - b) > 1e-12]
    assert not wrong, wrong


@pytest.mark.parametrize("seed", BASE_SEEDS)
def test_sections_1_to_5_agree_with_brute_force(seed: int) -> None:
    check_agreement(BASE[seed])


@pytest.mark.parametrize("seed", EXT_SEEDS)
def test_section_6_agrees_with_brute_force(seed: int) -> None:
    check_agreement(EXTENDED[seed])


# ---- not vacuous ---------------------------------------------------------------------------------

LIMIT_KINDS = ("budget_usd", "deadline_days", "max_co2_t", "max_training_flops", "grid_capacity_mw",
               "max_swing_mw", "max_epochs", "memory", "availability", "recipe_rules")
SECTION6_KINDS = ("mfu_size", "mtbf", "development", "serving", "confidence")


def _relaxed(d: dict, kind: str) -> dict | None:
    """The instance without one limit or section-6 key, or None if the instance does not have it."""
    d = copy.deepcopy(d)
    if kind in ("budget_usd", "deadline_days", "max_co2_t", "max_training_flops"):
        return d if d["limits"].pop(kind, None) is not None else None
    if kind in ("grid_capacity_mw", "max_swing_mw"):
        found = [r.pop(kind) for r in d["regions"] if kind in r]
        return d if found else None
    if kind == "max_epochs":
        return d if d.get("data", {}).pop("max_epochs", None) is not None else None
    if kind == "memory":
        d["bytes_per_param"] = 0.01
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
    if kind == "mfu_size":
        found = [g.pop("mfu_size_exponent") for g in d["gpus"] if "mfu_size_exponent" in g]
        return d if found else None
    if kind == "mtbf":
        found = [g.pop("mtbf_hours") for g in d["gpus"] if "mtbf_hours" in g]
        return d if found else None
    if kind == "development":
        return d if d.pop("development_factor", 1.0) != 1.0 else None
    if kind == "serving":
        return d if d.pop("serving", None) is not None else None
    if kind == "confidence":
        if "confidence" not in d.get("targets", {}):
            return None
        del d["targets"]["confidence"]
        return d
    raise AssertionError(kind)


def _coverage(instances: dict, kinds: tuple[str, ...]) -> tuple[Counter, Counter, Counter, Counter, str]:
    """Status per objective, and per kind: present, active (relaxing it moves the optimum or the
    status), plan-changing (relaxing it changes the chosen size, GPU count or offer)."""
    by_objective, present, active, moved = Counter(), Counter(), Counter(), Counter()
    for d in instances.values():
        result = brute_force(instance_from_dict(d))
        by_objective[d["objective"], result.status] += 1
        by_objective[result.status] += 1
        tol = 1e-4 if d["objective"] == "loss" else 1e-6
        for kind in kinds:
            relaxed = _relaxed(d, kind)
            if relaxed is None:
                continue
            present[kind] += 1
            try:
                other = brute_force(instance_from_dict(relaxed))
            except ValueError:   # `loss` without its only cap on the tokens
                active[kind] += 1
                continue
            if result.objective_value is None or other.objective_value is None:
                active[kind] += result.objective_value != other.objective_value
                continue
            active[kind] += _rel(result.objective_value, other.objective_value) > tol
            p, q = result.plan, other.plan
            moved[kind] += (p.model_params, p.gpu, p.region, p.gpu_count) != (q.model_params, q.gpu, q.region, q.gpu_count)
    report = (f"status {dict(by_objective)}; present {dict(present)}; active {dict(active)}; "
              f"plan moved {dict(moved)}")
    return by_objective, present, active, moved, report


def test_coverage_of_the_base_instances() -> None:
    status, present, active, _, report = _coverage(BASE, LIMIT_KINDS)
    print(report)
    assert status["optimal"] >= 0.3 * len(BASE), report
    assert status["infeasible"] >= 0.1 * len(BASE), report
    assert all(status[o, "optimal"] >= 6 for o in OBJECTIVES), report
    assert all(active[k] >= 3 for k in LIMIT_KINDS), report


def test_coverage_of_the_extended_instances() -> None:
    status, present, active, moved, report = _coverage(EXTENDED, LIMIT_KINDS[:4] + SECTION6_KINDS)
    print(report)
    assert status["optimal"] >= 0.3 * len(EXTENDED), report
    assert all(status[o, "optimal"] >= 6 for o in OBJECTIVES), report
    assert all(present[k] >= 15 and active[k] >= 5 for k in SECTION6_KINDS), report
    assert all(moved[k] >= 1 for k in SECTION6_KINDS) and sum(moved[k] for k in SECTION6_KINDS) >= 12, report
    fp8 = sum(d.get("precision") == "fp8" for d in EXTENDED.values())
    moe = sum("moe" in d for d in EXTENDED.values())
    match = sum("match" in d.get("targets", {}) for d in EXTENDED.values())
    repetition = sum("unique_tokens" in d.get("data", {}) for d in EXTENDED.values())
    several_offers = sum(len(d["gpus"]) * len(d["regions"]) >= 2 for d in EXTENDED.values() if "serving" in d)
    assert min(fp8, moe, match) >= 5 and repetition >= 20 and several_offers >= 10, (fp8, moe, match, repetition)


# ---- the brute force against a scalar enumeration of its own formulas --------------------------

def _scalar_optimum(instance) -> tuple[str, float | None]:
    """The optimum by plain loops over every discrete plan, pricing each with price_plan (scalar
    floats), Dmin and (for `loss`) Dmax found by bisection on the priced figures, every serving
    offer tried: a second path through the formulas to catch broadcasting or algebra slips in the
    vectorised enumerator (the formulas themselves are checked by hand in test_hand_formulas)."""
    from checks.brute_force import law_loss, offer, recipes_of, serving_offers
    from planner.input.schema import FixedPlan

    data, limits = instance.data, instance.limits
    target, cap = target_of(instance), data_cap(instance)
    samples = instance.scaling_law_samples if instance.targets.confidence is not None else None

    def meets(n_params: float, tokens: float) -> bool:
        if samples is None:
            return law_loss(instance.scaling_law, n_params, tokens, data.unique_tokens, data.repetition_rstar) <= target
        need = math.ceil(instance.targets.confidence * len(samples) - 1e-9)
        return sum(bool(law_loss(s, n_params, tokens, data.unique_tokens, data.repetition_rstar) <= target)
                   for s in samples) >= need

    def dmin(n_params: float) -> float:
        if target is None:
            return 0.0
        lo, hi = math.log(1e-30), math.log(1e60)
        if not meets(n_params, 1e60):
            return math.inf
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            lo, hi = (lo, mid) if meets(n_params, math.exp(mid)) else (mid, hi)
        return max(math.exp(hi), 1.0)

    def within_limits(fig: dict, tokens: float) -> bool:
        return all(allowed is None or value <= allowed * (1 + 1e-9) for value, allowed in (
            (fig["cost"], limits.budget_usd), (fig["co2"], limits.max_co2_t),
            (fig["duration_days"], limits.deadline_days), (fig["flops"], limits.max_training_flops),
            (tokens, cap if math.isfinite(cap) else None)))

    servings = [(g.name, r.name) for g, r, *_ in serving_offers(instance)] or [None]
    names = recipes_of(instance)[0]
    best = math.inf
    dmins = {n: dmin(n) for n in instance.sizes}
    for region in instance.regions:
        for gpu in instance.gpus:
            terms = offer(instance, gpu, region)
            if terms is None:
                continue
            for count in range(gpu.gpus_per_node, terms[1] + 1, gpu.gpus_per_node):
                kw = gpu.watts / 1000
                if region.grid_capacity_mw is not None and count * kw * region.pue / 1000 > region.grid_capacity_mw * (1 + 1e-9):
                    continue
                if region.max_swing_mw is not None and count * kw * region.swing_fraction / 1000 > region.max_swing_mw * (1 + 1e-9):
                    continue
                for n_params in instance.sizes:
                    moe = instance.moe.total_params_per_active if instance.moe else 1.0
                    if count < instance.bytes_per_param * n_params * moe / (gpu.memory_gb * 1e9) * (1 - 1e-12):
                        continue
                    for name in names:
                        if name is not None:
                            recipe, al = instance.recipe(name), instance.alignment
                            if recipe.quality < al.min_quality or n_params < recipe.min_model_params or (
                                    recipe.needs_verifiable_tasks and not al.verifiable_tasks):
                                continue

                        def priced(tokens, serving=None):
                            plan = FixedPlan.model_construct(model_params=n_params, tokens=tokens, gpu=gpu.name, gpu_count=count,
                                             region=region.name, alignment=name)
                            return price_plan(instance, plan, serving)

                        if instance.objective == "loss":
                            lo, hi = 0.0, min(cap, 1e40)
                            if within_limits(priced(hi), hi):
                                tokens = hi
                            else:
                                for _ in range(200):
                                    mid = 0.5 * (lo + hi)
                                    if mid in (lo, hi):
                                        break
                                    lo, hi = (mid, hi) if within_limits(priced(mid), mid) else (lo, mid)
                                tokens = lo
                            if tokens <= 0 or tokens < dmins[n_params] * (1 - 1e-9):
                                continue
                        else:
                            tokens = dmins[n_params]
                            if not math.isfinite(tokens) or not within_limits(priced(tokens), tokens):
                                continue
                        best = min(best, min(priced(tokens, s)["objective_value"] for s in servings))
    return ("optimal", best) if math.isfinite(best) else ("infeasible", None)


def _small(d: dict) -> bool:
    """Few enough discrete plans for the scalar loops (about 2,000; 400 under `loss`)."""
    instance = instance_from_dict(d)
    return brute_force(instance).candidates <= (400 if instance.objective == "loss" else 2000)


SCALAR = [s for s in BASE if _small(BASE[s])][:15] + [s for s in EXTENDED if _small(EXTENDED[s])][:25]


def test_brute_force_matches_a_scalar_enumeration() -> None:
    assert len(SCALAR) >= 35
    for seed in SCALAR:
        instance = instance_from_dict(BASE.get(seed) or EXTENDED[seed])
        fast = brute_force(instance)
        status, value = _scalar_optimum(instance)
        assert status == fast.status, (seed, status, fast.status)
        if value is not None:
            tol = 1e-7 if instance.objective == "loss" else 1e-9
            assert _rel(value, fast.objective_value) <= tol, (seed, value, fast.objective_value, fast.plan)
