"""Test helper: every plan of an instance, priced by the evaluator, kept when it breaks no limit.

Independent of the solver: the tokens come from bisection on the loss itself (not the closed-form
Dmin the product uses) and every node multiple of GPUs up to availability is tried.
"""

from __future__ import annotations

import math

from planner.formulas import scaling_law
from planner.formulas.evaluate import PlanMetrics, evaluate_plan, find_violations
from planner.formulas.offers import offer_terms
from planner.input.schema import FixedPlan, Instance


def _least_tokens(instance: Instance, params: float) -> float | None:
    """Least D with L(N, D) <= target, by bisection on ln D of the loss itself."""
    target = instance.targets.max_loss
    if target is None:
        return 1.0
    law, data = instance.scaling_law, instance.data

    def loss(d: float) -> float:
        return scaling_law.loss(law, params, d, data.unique_tokens, data.repetition_rstar)

    low, high = 0.0, 100.0
    if loss(math.exp(high)) > target:
        return None
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (low, mid) if loss(math.exp(mid)) <= target else (mid, high)
    return math.exp(high)


def _most_tokens(instance: Instance, plan: FixedPlan) -> float | None:
    """Largest D for which the plan breaks no limit (limits grow with D), by bisection on ln D."""
    def ok(d: float) -> bool:
        p = plan.model_copy(update={"tokens": d})
        return not find_violations(instance, p, evaluate_plan(instance, p))

    low, high = -20.0, 90.0
    if not ok(math.exp(low)):
        return None
    assert not ok(math.exp(high))
    for _ in range(120):
        mid = (low + high) / 2
        low, high = (mid, high) if ok(math.exp(mid)) else (low, mid)
    return math.exp(low)


def enumerate_feasible(instance: Instance, maximise_tokens: bool = False) -> list[tuple[FixedPlan, PlanMetrics]]:
    """Every plan of README "Decisions" that breaks no limit of `instance` (tokens: the least that meets
    the loss target, or with `maximise_tokens` the most the limits allow)."""
    recipes = [None] if instance.alignment is None else [m.name for m in instance.alignment.recipes]
    out = []
    for params in instance.sizes:
        dmin = _least_tokens(instance, params)
        if dmin is None:
            continue
        for gpu in instance.gpus:
            for region in instance.regions:
                terms = offer_terms(gpu, region)
                if terms is None:
                    continue
                for count in range(gpu.gpus_per_node, terms.available + 1, gpu.gpus_per_node):
                    for recipe in recipes:
                        plan = FixedPlan(model_params=params, tokens=dmin, gpu=gpu.name, gpu_count=count,
                                         region=region.name, alignment=recipe)
                        if maximise_tokens:
                            most = _most_tokens(instance, plan)
                            if most is None:
                                continue
                            plan = plan.model_copy(update={"tokens": most})
                        metrics = evaluate_plan(instance, plan)
                        if not find_violations(instance, plan, metrics):
                            out.append((plan, metrics))
    return out
