"""One pipeline for every caller: Instance -> derive -> build -> HiGHS -> extract -> polish -> evaluate.

The plan a caller receives is always priced by the Pyomo-free evaluator; the MIP only chooses.
Polishing sets the tokens exactly: D = Dmin(N) (the least D meeting the loss target) for every
objective but `loss`, and for `loss` the largest D every limit allows for the chosen size, offer
and recipe, found in closed form because every limited quantity is affine in D.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from models import training_plan
from planner.optimize import derive as derive_mod
from planner.formulas.evaluate import (
    REL_TOL,
    PlanMetrics,
    Violation,
    evaluate_plan,
    find_violations,
    memory_floor_gpus,
    target_loss,
)
from planner.input.schema import FixedPlan, Instance
from planner.optimize.solve import SolveOptions, SolveResult, Solver

#: For `loss`: stop adding tangent cuts once the exact loss is within this of the MIP bound.
LOSS_TOL = 1e-7
MAX_LOSS_ROUNDS = 60


@dataclass(frozen=True)
class SolverInfo:
    name: str
    seconds: float
    mip_gap: float | None
    bound: float | None
    termination: str
    rounds: int = 1


@dataclass
class PlanResult:
    """What `plan solve` answers (spec section 5)."""

    status: str                       # optimal | infeasible | time_limit | error
    objective: str
    objective_value: float | None     # evaluator's value of the returned plan
    model_objective: float | None     # the MIP's own objective value, natural units
    plan: FixedPlan | None
    metrics: PlanMetrics | None
    binding: list[str]
    solver: SolverInfo
    violations: list[Violation] = field(default_factory=list)
    ruled_out: list[str] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    needed: dict[str, float] = field(default_factory=dict)  # infeasible: limit path -> least value admitting a plan


def solve_instance(instance: Instance, options: SolveOptions = SolveOptions(), explain: bool = True) -> PlanResult:
    """Find the optimal plan of `instance` (raises InputError for an optimum that cannot exist).
    With `explain`, an infeasible answer says which limits conflict (more solves)."""
    inputs = derive_mod.derive(instance)
    if not inputs.pairs:
        return _no_plan(instance, inputs, SolverInfo("highs", 0.0, None, None, "presolved: no candidate"), explain)
    model = training_plan.build(inputs)
    return solve_model(instance, inputs, model, Solver(model, options), explain)


def solve_model(instance: Instance, inputs: derive_mod.ModelInputs, model, solver: Solver,
                explain: bool = True) -> PlanResult:
    """Solve a model already built for `instance` (whose numbers are `inputs`) and price the plan.
    A sweep calls this again on one model after changing its limits (training_plan.set_limit)."""
    result = solver.solve()
    rounds = 1
    if result.has_solution and inputs.objective == "loss":
        result, rounds = _refine_loss(instance, inputs, model, solver, result)
    info = SolverInfo("highs", result.seconds, result.mip_gap, _natural(result.bound, model),
                      result.termination, rounds)
    if not result.has_solution:
        if result.status == "infeasible":
            return _no_plan(instance, inputs, info, explain)
        return PlanResult(result.status, instance.objective, None, None, None, None, [], info,
                          ruled_out=inputs.ruled_out,
                          explanation=[f"HiGHS stopped ({result.termination}) without a plan"])
    choice = training_plan.extract(model)
    plan = polished_plan(instance, inputs, choice)
    metrics = evaluate_plan(instance, plan)
    value = metrics.objective_value(instance.objective, instance.carbon_price_usd_per_t)
    return PlanResult(
        status=result.status,
        objective=instance.objective,
        objective_value=value,
        model_objective=choice.objective_value,
        plan=plan,
        metrics=metrics,
        binding=binding_limits(instance, plan, metrics, inputs.offers[choice.offer]),
        solver=info,
        violations=find_violations(instance, plan, metrics),
        ruled_out=inputs.ruled_out,
    )


def _natural(bound: float | None, model) -> float | None:
    return None if bound is None else bound * model.objective_unit


def _refine_loss(instance, inputs, model, solver: Solver, result: SolveResult) -> tuple[SolveResult, int]:
    options = solver.options
    try:
        return _refine_loss_rounds(instance, inputs, model, solver, result)
    finally:
        solver.options = options  # a sweep re-solves this solver: give its time limit back


def _refine_loss_rounds(instance, inputs, model, solver: Solver, result: SolveResult) -> tuple[SolveResult, int]:
    """Kelley cutting planes on phi(D) = B/Deff^beta: the MIP with tangent cuts is a relaxation, so
    its bound is a lower bound on the best loss; stop when the polished plan's exact loss meets it.
    A time limit covers all rounds together: when it is reached, the last plan found is kept with
    status time_limit and the gap (exact loss - bound) / exact loss."""
    total_seconds = result.seconds
    time_limit = solver.options.time_limit_s
    for rounds in range(1, MAX_LOSS_ROUNDS + 1):
        choice = training_plan.extract(model)
        exact = evaluate_plan(instance, polished_plan(instance, inputs, choice)).loss
        bound = result.bound if result.bound is not None else result.objective
        if exact - bound <= LOSS_TOL:
            break
        if result.status != "optimal" or (time_limit is not None and total_seconds >= time_limit):
            gap = max(0.0, exact - bound) / abs(exact) if bound is not None else None
            return replace(result, status="time_limit", mip_gap=gap, seconds=total_seconds), rounds
        training_plan.add_loss_cut(model, choice.tokens)
        if choice.tokens > 0:
            exact_tokens = polished_plan(instance, inputs, choice).tokens
            if not math.isclose(exact_tokens, choice.tokens, rel_tol=1e-12):
                training_plan.add_loss_cut(model, exact_tokens)
        if time_limit is not None:
            solver.options = replace(solver.options, time_limit_s=time_limit - total_seconds)
        previous, result = result, solver.solve()
        total_seconds += result.seconds
        if not result.has_solution:
            # Stopped before this round found a plan: the model still holds the previous round's.
            gap = max(0.0, exact - bound) / abs(exact) if bound is not None else None
            return replace(previous, status="time_limit", mip_gap=gap, seconds=total_seconds), rounds
    return replace(result, seconds=total_seconds), rounds


def polished_plan(instance: Instance, inputs: derive_mod.ModelInputs, choice: training_plan.Choice) -> FixedPlan:
    """The chosen discrete decisions with the exact optimal tokens (module docstring)."""
    size, offer = inputs.sizes[choice.size], inputs.offers[choice.offer]
    recipe = inputs.recipes[choice.recipe].name if choice.recipe is not None else None
    base = FixedPlan(model_params=size.params, tokens=max(size.min_tokens, 1.0), gpu=offer.gpu,
                     gpu_count=offer.gpu_count, region=offer.region, alignment=recipe)
    if instance.objective != "loss":
        return base
    return base.model_copy(update={"tokens": max(size.min_tokens, max_tokens_for(instance, base))})


def max_tokens_for(instance: Instance, plan: FixedPlan) -> float:
    """The largest D the limits allow for the plan's other decisions: each limited quantity is
    v(D) = v0 + s D, so D <= (limit - v0)/s; plus D <= U * max_epochs. v0 and s are read off the
    evaluator at a tiny and a huge D: a difference near D = 1 loses s to rounding when v0 is large
    (a recipe's annotation dollars against a cent of tokens), and D overshot the budget by 1e-5."""
    tiny, huge = 1e-30, 1e40
    m0 = evaluate_plan(instance, plan.model_copy(update={"tokens": tiny}))
    m1 = evaluate_plan(instance, plan.model_copy(update={"tokens": huge}))
    limits = instance.limits
    caps = [math.inf]
    if instance.data.max_epochs is not None:
        caps.append(instance.data.unique_tokens * instance.data.max_epochs)
    for limit, get in (
        (limits.budget_usd, lambda m: m.cost_usd.total),
        (limits.max_co2_t, lambda m: m.co2_t.total),
        (limits.deadline_days, lambda m: m.duration_days),
        (limits.max_training_flops, lambda m: m.flops.total),
    ):
        if limit is None:
            continue
        slope = (get(m1) - get(m0)) / huge
        if slope > 0:
            caps.append((limit - get(m0)) / slope)
    return min(caps)


def binding_limits(instance: Instance, plan: FixedPlan, metrics: PlanMetrics,
                   offer: derive_mod.OfferOption | None = None) -> list[str]:
    """The limits at their bound: a continuous limit within REL_TOL of its value; a GPU-count limit
    when one more node would break it."""
    out: list[str] = []
    target = target_loss(instance)
    if target is not None and metrics.loss >= target * (1 - 1e-9):
        out.append("max_loss")
    limits = instance.limits
    for name, value, limit in (
        ("budget_usd", metrics.cost_usd.total, limits.budget_usd),
        ("max_co2_t", metrics.co2_t.total, limits.max_co2_t),
        ("deadline_days", metrics.duration_days, limits.deadline_days),
        ("max_training_flops", metrics.flops.total, limits.max_training_flops),
    ):
        if limit is not None and value >= limit * (1 - REL_TOL):
            out.append(name)
    data = instance.data
    if data.max_epochs is not None and plan.tokens >= data.unique_tokens * data.max_epochs * (1 - REL_TOL):
        out.append("max_epochs")
    if offer is not None:
        out.extend(offer.count_limited_by)
    gpu = instance.gpu(plan.gpu)
    floor = memory_floor_gpus(instance, plan.model_params, gpu.memory_gb)
    if plan.gpu_count - gpu.gpus_per_node < floor:
        out.append("memory")
    return out


def _no_plan(instance: Instance, inputs: derive_mod.ModelInputs, info: SolverInfo, explain: bool) -> PlanResult:
    from planner.optimize.explain import Explanation
    from planner.optimize.explain import explain as explain_why

    why = explain_why(instance) if explain else Explanation()
    return PlanResult("infeasible", instance.objective, None, None, None, None, [], info,
                      ruled_out=inputs.ruled_out, explanation=why.lines, needed=why.needed)
