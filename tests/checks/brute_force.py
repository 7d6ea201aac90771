"""Brute-force optimum of an instance, written independently of the MIP (a check, not the product).

It enumerates every discrete plan of spec section 1: every candidate size N, every GPU type g,
every region r that offers g (planner.formulas.offers), every recipe m (or none when the instance has no
alignment section) and EVERY GPU count n = gpus_per_node, 2 gpus_per_node, ... up to
available(g, r) -- as numpy arrays over (N, m, n), one offer (g, r) at a time. It imports nothing
from models/, planner.optimize.derive or planner.optimize.pipeline.

For fixed (N, g, r, m, n) the tokens D are a one-dimensional choice:

* cost, co2, time, weighted grow with D and every limit except the loss target caps a quantity
  that grows with D, so D = Dmin(N), the least D with L(N, D) <= target. It is found by bisection
  on ln D of the loss itself (not planner.formulas.scaling_law.tokens_for_loss).
* loss falls with D, so D = Dmax, the largest D every limit allows. Each limited quantity is
  v0 + v1 D with v0, v1 >= 0, written out here from the formulas of spec section 2:
      GPU-seconds   S    = k N D / rate + N c_m / rate          rate = peak 1e12 mfu (FP8 peak and
                                                                  mfu_fp8 under fp8) x moe.mfu_factor
      cost               = S (price/3600 + staff/(86400 n)) + usd_per_token D + fixed_m
      CO2                = S (w pue carbon/1e6 + embodied/(lifetime 8766)/1000) / 3600
      duration           = S / (86400 n)
      FLOPs              = k N D + N sum_s k_s T_s
  so Dmax = min(U max_epochs, min over limits of (limit - v0) / v1).

The memory floor is n >= bytes_per_param N_total / (memory_gb 1e9), N_total = N x
moe.total_params_per_active for a mixture-of-experts model (N itself for a dense one).

Every constraint of spec section 3 is then tested on every candidate (relative tolerance 1e-9,
like the solver's feasibility tolerance), and the best feasible candidate is priced and checked
again by planner.formulas.evaluate: find_violations must be empty and the evaluator's objective must equal
the numpy value to 1e-9, else this module raises (its formulas and the evaluator's disagree).

With check=True (small instances) it also prices EVERY candidate with the evaluator and asserts
that the evaluator's verdicts and objective values match the numpy ones, and, for `loss`, confirms
the winner's Dmax by bisection on the evaluator's own figures.

    python -m checks.brute_force instance.yaml [--check]     # prints the optimum as JSON
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.formulas.evaluate import PlanMetrics, evaluate_plan, find_violations, target_loss
from planner.formulas.offers import offer_terms
from planner.input.schema import FixedPlan, Instance

#: Relative tolerance of every limit test here (the evaluator's own is looser, 1e-6).
FEAS_TOL = 1e-9
_HOURS_PER_YEAR = 8766.0


@dataclass(frozen=True)
class BruteForceResult:
    status: str                      # optimal | infeasible
    objective: str
    objective_value: float | None    # the evaluator's value of `plan`
    plan: FixedPlan | None
    metrics: PlanMetrics | None
    candidates: int                  # (N, g, r, m, n) combinations enumerated
    feasible: int                    # of which feasible


def _loss(instance: Instance, params, tokens):
    """L(N, D) with data repetition, numpy-vectorised."""
    law, data = instance.scaling_law, instance.data
    tokens = np.asarray(tokens, dtype=float)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        deff = tokens
        if data.unique_tokens is not None:
            u, rstar = data.unique_tokens, data.repetition_rstar
            repeats = np.maximum(tokens / u - 1.0, 0.0)
            deff = np.where(tokens <= u, tokens, u + u * rstar * -np.expm1(-repeats / rstar))
        return law.E + law.A / np.asarray(params, dtype=float) ** law.alpha + law.B / deff**law.beta


def least_tokens(instance: Instance, params: np.ndarray, target: float, cap: float) -> np.ndarray:
    """Dmin per size: the least D <= cap with L(N, D) <= target (bisection on ln D); inf if none."""
    top = cap if math.isfinite(cap) else 1e60
    reachable = _loss(instance, params, np.full(params.shape, top)) <= target
    lo = np.full(params.shape, math.log(1e-100))   # L(N, 1e-100) > target: the data term is huge
    hi = np.full(params.shape, math.log(top))
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if np.all((mid == lo) | (mid == hi)):
            break
        good = _loss(instance, params, np.exp(mid)) <= target
        hi = np.where(good, mid, hi)
        lo = np.where(good, lo, mid)
    tokens = np.exp(hi)
    # exp(hi) is the point that was tested (or `top` itself, tested above)
    tokens = np.where(hi == math.log(top), top, tokens)
    return np.where(reachable, tokens, np.inf)


def _cap(limit: float | None, v0, v1):
    """Largest D with v0 + v1 D <= limit (v1 >= 0): inf without a limit or slope, -inf if none."""
    if limit is None:
        return np.inf
    v0, v1 = np.broadcast_arrays(np.asarray(v0, dtype=float), np.asarray(v1, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        root = (limit - v0) / v1
    return np.where(v1 > 0, root, np.where(v0 <= limit, np.inf, -np.inf))


def _recipes(instance: Instance):
    """Per recipe: name, allowed (quality, verifiable tasks), min N, sum k_s T_s / mfu_factor_s,
    sum k_s T_s, annotation + fixed USD. One pseudo-recipe `None` without an alignment section."""
    if instance.alignment is None:
        return [None], np.array([True]), np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1)
    al = instance.alignment
    rows = [(r.name,
             r.quality >= al.min_quality and (al.verifiable_tasks or not r.needs_verifiable_tasks),
             r.min_model_params,
             sum(s.flops_per_param_token * s.tokens / s.mfu_factor for s in r.stages),
             sum(s.flops_per_param_token * s.tokens for s in r.stages),
             sum(s.samples * s.usd_per_sample for s in r.stages) + r.fixed_usd) for r in al.recipes]
    names, allowed, min_n, work, flops, usd = zip(*rows)
    return list(names), np.array(allowed), *(np.array(x, dtype=float) for x in (min_n, work, flops, usd))


def _offer_arrays(instance: Instance, gpu, region, terms, params, recipes, dmin, tol):
    """Every figure of every candidate (N, m, n) of one offer, arrays of shape (sizes, recipes, counts)."""
    names, allowed, min_n, work, align_flops_pp, fixed_usd = recipes
    data, limits, objective = instance.data, instance.limits, instance.objective
    cap = data.unique_tokens * data.max_epochs if data.max_epochs is not None else math.inf
    n = np.arange(gpu.gpus_per_node, terms.available + 1, gpu.gpus_per_node, dtype=float)[None, None, :]
    N = params[:, None, None]
    k = instance.flops_per_param_token
    if instance.precision == "fp8":     # the FP8 peak, at mfu_fp8 where given
        rate = gpu.peak_fp8_tflops * 1e12 * (gpu.mfu_fp8 if gpu.mfu_fp8 is not None else gpu.mfu)
    else:
        rate = gpu.peak_tflops * 1e12 * gpu.mfu
    moe = instance.moe                  # N is the ACTIVE count; all experts must fit in memory
    rate *= moe.mfu_factor if moe is not None else 1.0
    stored_params = N * (moe.total_params_per_active if moe is not None else 1.0)
    kw = gpu.watts / 1000.0
    sec_per_token = k * N / rate                                  # (S,1,1)
    align_sec = N * work[None, :, None] / rate                    # (S,M,1)
    align_flops = N * align_flops_pp[None, :, None]               # (S,M,1)
    fixed = fixed_usd[None, :, None]
    usd_per_sec = terms.usd_per_gpu_hour / 3600.0 + instance.staff_usd_per_day / (86400.0 * n)
    co2_per_hour = kw * region.pue * region.carbon_g_per_kwh / 1e6 \
        + gpu.embodied_kg / (gpu.lifetime_years * _HOURS_PER_YEAR) / 1000.0
    shape = np.broadcast_shapes(N.shape, align_sec.shape, n.shape)

    if objective == "loss":
        tokens = np.minimum.reduce([
            np.full(shape, cap),
            np.broadcast_to(_cap(limits.budget_usd, usd_per_sec * align_sec + fixed,
                                 usd_per_sec * sec_per_token + data.usd_per_token), shape),
            np.broadcast_to(_cap(limits.max_co2_t, co2_per_hour * align_sec / 3600.0,
                                 co2_per_hour * sec_per_token / 3600.0), shape),
            np.broadcast_to(_cap(limits.deadline_days, align_sec / (86400.0 * n),
                                 sec_per_token / (86400.0 * n)), shape),
            np.broadcast_to(_cap(limits.max_training_flops, align_flops, k * N), shape),
        ])
    else:
        tokens = np.broadcast_to(dmin[:, None, None], shape)

    with np.errstate(invalid="ignore", over="ignore"):
        seconds = sec_per_token * tokens + align_sec
        hours = seconds / 3600.0
        days = seconds / (86400.0 * n)
        cost = hours * terms.usd_per_gpu_hour + instance.staff_usd_per_day * days \
            + data.usd_per_token * tokens + fixed
        co2 = hours * co2_per_hour
        flops = k * N * tokens + align_flops
        loss = _loss(instance, N, np.where(np.isfinite(tokens) & (tokens > 0), tokens, 1.0))
    power_mw = n * kw * region.pue / 1000.0
    swing_mw = n * kw * region.swing_fraction / 1000.0
    target = target_loss(instance)

    def within(value, limit):
        return True if limit is None else value <= limit * (1 + tol)

    # the rules that do not depend on D: power, swing, memory floor, recipe
    fixed_ok = within(power_mw, region.grid_capacity_mw) & within(swing_mw, region.max_swing_mw)
    fixed_ok = fixed_ok & (n * (1 + 1e-12) >= instance.bytes_per_param * stored_params / (gpu.memory_gb * 1e9))
    fixed_ok = np.broadcast_to(fixed_ok & allowed[None, :, None] & (N >= min_n[None, :, None]), shape)
    if objective == "loss" and np.any(fixed_ok & np.isinf(tokens) & np.isfinite(dmin)[:, None, None]):
        raise ValueError("objective 'loss' has no optimum: nothing caps the tokens of some plan")
    ok = fixed_ok & np.isfinite(tokens) & (tokens > 0) & within(tokens, cap if math.isfinite(cap) else None)
    if target is not None:
        ok &= loss <= target * (1 + tol * 1e-2)   # the evaluator allows 1e-8
    ok &= within(cost, limits.budget_usd) & within(co2, limits.max_co2_t)
    ok &= within(days, limits.deadline_days) & within(flops, limits.max_training_flops)
    with np.errstate(invalid="ignore"):   # 0 * inf where the target is out of reach (masked out)
        value = {
            "cost": lambda: cost,
            "co2": lambda: co2,
            "time": lambda: days,
            "loss": lambda: loss,
            "weighted": lambda: cost + instance.carbon_price_usd_per_t * co2,
        }[objective]()
    return np.broadcast_to(tokens, shape), ok, np.broadcast_to(value, shape), n[0, 0].astype(int)


def brute_force(instance: Instance, check: bool = False) -> BruteForceResult:
    """The optimum over every enumerated plan (module docstring); `check` = evaluator on all of them."""
    params = np.array(instance.sizes, dtype=float)
    recipes = _recipes(instance)
    names = recipes[0]
    data = instance.data
    cap = data.unique_tokens * data.max_epochs if data.max_epochs is not None else math.inf
    target = target_loss(instance)
    dmin = least_tokens(instance, params, target, cap) if target is not None else np.zeros(params.shape)

    best = (math.inf, None)
    candidates = feasible = 0
    for region in instance.regions:
        for gpu in instance.gpus:
            terms = offer_terms(gpu, region)
            if terms is None or terms.available < gpu.gpus_per_node:
                continue
            tokens, ok, value, counts = _offer_arrays(instance, gpu, region, terms, params, recipes, dmin, FEAS_TOL)
            candidates += ok.size
            feasible += int(ok.sum())
            if check:
                _check_offer(instance, gpu, region, terms, params, recipes, dmin, tokens, ok, value, counts)
            if ok.any():
                masked = np.where(ok, value, np.inf)
                i, m, j = np.unravel_index(np.argmin(masked), masked.shape)
                if masked[i, m, j] < best[0]:
                    plan = FixedPlan(model_params=float(params[i]), tokens=float(tokens[i, m, j]), gpu=gpu.name,
                                     gpu_count=int(counts[j]), region=region.name, alignment=names[m])
                    best = (float(masked[i, m, j]), plan)

    value, plan = best
    if plan is None:
        return BruteForceResult("infeasible", instance.objective, None, None, None, candidates, feasible)
    metrics = evaluate_plan(instance, plan)
    violations = find_violations(instance, plan, metrics)
    if violations:
        raise AssertionError(f"brute force and evaluator disagree: {plan} breaks {violations}")
    exact = metrics.objective_value(instance.objective, instance.carbon_price_usd_per_t)
    if not math.isclose(exact, value, rel_tol=1e-9, abs_tol=1e-300):
        raise AssertionError(f"brute force objective {value!r} but evaluator {exact!r} for {plan}")
    if check and instance.objective == "loss":
        _check_max_tokens(instance, plan)
    return BruteForceResult("optimal", instance.objective, exact, plan, metrics, candidates, feasible)


def _check_offer(instance, gpu, region, terms, params, recipes, dmin, tokens, ok, value, counts) -> None:
    """Evaluator on every candidate of one offer: strict numpy-feasible => evaluator-feasible =>
    numpy-feasible at 2e-6 (the evaluator allows 1e-6); objective values equal to 1e-9."""
    loose = _offer_arrays(instance, gpu, region, terms, params, recipes, dmin, 2e-6)[1]
    names = recipes[0]
    for (i, m, j), d in np.ndenumerate(tokens):
        if not (math.isfinite(d) and d > 0):
            assert not ok[i, m, j]
            continue
        plan = FixedPlan(model_params=float(params[i]), tokens=float(d), gpu=gpu.name,
                         gpu_count=int(counts[j]), region=region.name, alignment=names[m])
        metrics = evaluate_plan(instance, plan)
        clean = not find_violations(instance, plan, metrics)
        assert clean or not ok[i, m, j], f"numpy says feasible, evaluator does not: {plan}"
        assert loose[i, m, j] or not clean, f"evaluator says feasible, numpy does not: {plan}"
        exact = metrics.objective_value(instance.objective, instance.carbon_price_usd_per_t)
        assert math.isclose(exact, value[i, m, j], rel_tol=1e-9, abs_tol=1e-300), (plan, exact, value[i, m, j])


def _check_max_tokens(instance: Instance, plan: FixedPlan) -> None:
    """`loss`: the largest D the limits allow, found again by bisection on the evaluator's figures."""
    limits, data = instance.limits, instance.data

    def excess(tokens: float) -> float:
        m = evaluate_plan(instance, plan.model_copy(update={"tokens": tokens}))
        ratios = [value / limit for value, limit in (
            (m.cost_usd.total, limits.budget_usd), (m.co2_t.total, limits.max_co2_t),
            (m.duration_days, limits.deadline_days), (m.flops.total, limits.max_training_flops),
            (tokens, data.unique_tokens * data.max_epochs if data.max_epochs is not None else None),
        ) if limit is not None]
        return max(ratios) - 1.0

    lo, hi = plan.tokens * 1e-3, plan.tokens * 2.0
    assert excess(lo) <= 0 < excess(hi)
    for _ in range(100):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if excess(mid) <= 0 else (lo, mid)
    assert math.isclose(lo, plan.tokens, rel_tol=1e-9), (lo, plan.tokens)


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json
    import time

    from planner.input.loading import load_instance

    parser = argparse.ArgumentParser(prog="python -m checks.brute_force", description=__doc__.splitlines()[0])
    parser.add_argument("instance_file")
    parser.add_argument("--check", action="store_true", help="also price every candidate with the evaluator")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = brute_force(load_instance(args.instance_file), check=args.check)
    print(json.dumps({
        "status": result.status,
        "objective": result.objective,
        "objective_value": result.objective_value,
        "plan": result.plan.model_dump() if result.plan else None,
        "candidates": result.candidates,
        "feasible": result.feasible,
        "seconds": time.perf_counter() - start,
    }, indent=2))
    return 0 if result.status == "optimal" else 3


if __name__ == "__main__":
    raise SystemExit(main())
