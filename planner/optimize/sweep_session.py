"""Many solves of variants of one instance, without rebuilding the MIP when only limits change.

A what-if sweep or a frontier solves dozens of instances that differ in a few numbers. Building
and translating the Pyomo model is most of the cost of one `plan solve`, so a `SweepSession`
keeps the models it has built, keyed by their *structure*: the derived numbers
(planner.optimize.derive.ModelInputs) with the four limits blanked out. An instance whose structure
matches a kept model is solved by changing that model's limit parameters
(models.training_plan.set_limit) and re-solving with the same persistent HiGHS object; anything
else (a price, a carbon intensity, an MFU, the loss target, the objective) gets a model of its own.
Every model is built with all four limit rows (budget, CO2, deadline, FLOPs); a limit the
instance leaves out is lifted (bound +inf), which is the same problem as having no row.

Monotone reuse (exact, no solve at all). For one model and an objective other than `loss`, the
feasible set only shrinks when limits tighten. So if an earlier point had limits a and the new one
has limits q <= a (every limit at least as tight; an absent limit is +inf):
  - the earlier optimum x is optimal at q too when x satisfies q (evaluated exactly): it is
    feasible, and nothing feasible at q was better at a;
  - an earlier point that was infeasible makes q infeasible.
For `loss` the tokens of the plan depend on the limits, so every point is re-solved (the tangent
cuts already added stay valid: they depend on the scaling law only); the token bounds derive
computes from the limits must not exceed the kept model's, nor be far below them (LOOSER_BOUNDS).

Every plan returned is priced by the same pipeline as `plan solve` (pipeline.solve_model), so a
row of a sweep equals an independent solve_instance of that point (up to ties between optima).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from models import training_plan
from planner.optimize.derive import ModelInputs, derive
from planner.formulas.evaluate import evaluate_plan, find_violations
from planner.optimize.explain import explain_infeasible
from planner.optimize.pipeline import PlanResult, SolverInfo, binding_limits, solve_instance, solve_model
from planner.input.schema import Instance
from planner.optimize.solve import SolveOptions, Solver

#: `loss`: a kept model serves an instance whose token bounds are at most this much tighter (a
#: 30-point budget sweep ran about 25% faster than with no reuse or with unlimited reuse).
LOOSER_BOUNDS = 2.0

#: The limits a kept model changes in place: ModelInputs field = training_plan limit name.
LIMITS = ("budget_usd", "max_co2_t", "deadline_days", "max_training_flops")


def limited_value(result: PlanResult, name: str) -> float:
    """The plan's value of the quantity a limit bounds (cost, CO2, duration, FLOPs)."""
    metrics = result.metrics
    assert metrics is not None
    return {
        "budget_usd": metrics.cost_usd.total,
        "max_co2_t": metrics.co2_t.total,
        "deadline_days": metrics.duration_days,
        "max_training_flops": metrics.flops.total,
    }[name]


@dataclass
class _Kept:
    """One built model and what was learnt from solving it."""

    structure: ModelInputs
    max_tokens: dict
    model: object
    solver: Solver
    history: list[tuple[tuple[float, ...], PlanResult]] = field(default_factory=list)


@dataclass
class SessionStats:
    builds: int = 0     # Pyomo models built (and translated for HiGHS)
    solves: int = 0     # HiGHS runs on a kept model
    reused: int = 0     # answers from monotone reuse, no solve
    fresh: int = 0      # instances with no candidate pair, answered without a model


class SweepSession:
    """Solve variants of one instance, reusing built models (module docstring)."""

    def __init__(self, options: SolveOptions = SolveOptions(), explain: bool = True, max_models: int = 32):
        self.options = options
        self.explain = explain
        self.max_models = max_models
        self.stats = SessionStats()
        self._kept: list[_Kept] = []

    def solve(self, instance: Instance, explain: bool | None = None) -> PlanResult:
        """The optimal plan of `instance`, as pipeline.solve_instance would answer it.
        Raises InputError where solve_instance does (e.g. `loss` with nothing bounding tokens)."""
        explain = self.explain if explain is None else explain
        inputs = derive(instance)
        if not inputs.pairs:
            self.stats.fresh += 1
            result = solve_instance(instance, self.options, explain=False)
        else:
            result = self._solve_kept(instance, inputs)
        if explain and result.status == "infeasible" and not result.explanation:
            result.explanation = explain_infeasible(instance, solve=lambda relaxed: self.solve(relaxed, explain=False))
        return result

    def _solve_kept(self, instance: Instance, inputs: ModelInputs) -> PlanResult:
        kept = self._find(inputs)
        limits = tuple(_or_inf(getattr(inputs, name)) for name in LIMITS)
        if inputs.objective != "loss":
            for earlier_limits, earlier in kept.history:
                if all(q <= a for q, a in zip(limits, earlier_limits)):
                    reused = self._reuse(instance, inputs, earlier, limits)
                    if reused is not None:
                        self.stats.reused += 1
                        return reused
        for name in LIMITS:
            training_plan.set_limit(kept.model, name, getattr(inputs, name))
        self.stats.solves += 1
        kept.solver.options = self.options  # per solve: the loss rounds may shorten a time limit in place
        result = solve_model(instance, inputs, kept.model, kept.solver, explain=False)
        if inputs.objective != "loss" and result.status in ("optimal", "infeasible"):
            kept.history.append((limits, result))
        return result

    def _find(self, inputs: ModelInputs) -> _Kept:
        """The kept model with the structure of `inputs`, or a new one."""
        structure = _structure(inputs)
        for k, kept in enumerate(self._kept):
            if kept.structure != structure:
                continue
            # `loss`: the kept model's token bounds must be at least this instance's (they come
            # from the limits the model was built with); a looser bound is still exact, but one far
            # looser makes weak big-M rows that slow HiGHS more than a rebuild costs (measured).
            if all(kept.max_tokens[p] / LOOSER_BOUNDS <= inputs.max_tokens[p] <= kept.max_tokens[p]
                   for p in inputs.pairs):
                self._kept.append(self._kept.pop(k))  # most recently used last
                return kept
            self._kept.pop(k)
            break
        build_inputs = replace(inputs, **{name: getattr(inputs, name) or _scale(inputs, name) for name in LIMITS})
        model = training_plan.build(build_inputs)
        # Attach the solver while every limit row has a finite bound (set_limit: lift only after).
        kept = _Kept(structure, dict(inputs.max_tokens), model, Solver(model, self.options))
        self.stats.builds += 1
        self._kept.append(kept)
        if len(self._kept) > self.max_models:
            self._kept.pop(0)
        return kept

    def _reuse(self, instance: Instance, inputs: ModelInputs, earlier: PlanResult,
               limits: tuple[float, ...]) -> PlanResult | None:
        info = SolverInfo("highs", 0.0, earlier.solver.mip_gap, earlier.solver.bound,
                          "reused: optimal for looser limits", rounds=0)
        if earlier.status == "infeasible":
            return replace(earlier, solver=info, explanation=[], ruled_out=list(inputs.ruled_out))
        plan = earlier.plan
        assert plan is not None
        metrics = evaluate_plan(instance, plan)
        values = (metrics.cost_usd.total, metrics.co2_t.total, metrics.duration_days, metrics.flops.total)
        if any(value > limit for value, limit in zip(values, limits)):
            return None
        offer = next(o for o in inputs.offers if o.gpu == plan.gpu and o.region == plan.region)
        return PlanResult(
            status="optimal",
            objective=instance.objective,
            objective_value=metrics.objective_value(instance.objective, instance.carbon_price_usd_per_t),
            model_objective=earlier.model_objective,
            plan=plan,
            metrics=metrics,
            binding=binding_limits(instance, plan, metrics, offer),
            solver=info,
            violations=find_violations(instance, plan, metrics),
            ruled_out=list(inputs.ruled_out),
        )


def _structure(inputs: ModelInputs) -> ModelInputs:
    """What a kept model must share with an instance: everything but the limits (and, for `loss`,
    the token bounds, which derive computes from the limits)."""
    blank = dict.fromkeys(LIMITS)
    if inputs.objective == "loss":
        blank["max_tokens"] = {}
    return replace(inputs, **blank)


def _or_inf(value: float | None) -> float:
    return math.inf if value is None else value


def _scale(inputs: ModelInputs, name: str) -> float:
    """A typical size of the limited quantity (the smallest positive value over candidate pairs at
    their token bound, alignment left out): the build-time divisor of a limit row the instance
    does not set, so the row's coefficients stay near one when a later point sets it."""
    best = math.inf
    for i, o in inputs.pairs:
        offer, size = inputs.offers[o], inputs.sizes[i]
        tokens = max(inputs.max_tokens[i, o], size.min_tokens, 1.0)
        seconds = inputs.seconds_per_token(i, o) * tokens
        value = {
            "budget_usd": offer.usd_per_gpu_second * seconds + inputs.data_usd_per_token * tokens,
            "max_co2_t": offer.co2_t_per_gpu_second * seconds,
            "deadline_days": offer.days_per_gpu_second * seconds,
            "max_training_flops": inputs.flops_per_param_token * size.params * tokens,
        }[name]
        if 0 < value < best:
            best = value
    return best if math.isfinite(best) else 1.0
