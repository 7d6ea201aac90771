"""One pipeline for every caller:
Instance -> derive -> presolve -> MIP (models.training_plan) -> HiGHS -> extract -> tokens -> evaluate.

The plan a caller receives is always priced by the Pyomo-free evaluator; the MIP only chooses.
The presolve (planner.optimize.presolve) finds every candidate row's exact optimum over its GPU
count (and, for `loss`, its tokens) and drops the rows that cannot be optimal; the MIP is built
over the rest, each at its best count. The returned plan's tokens are set exactly: Dmin(N) for
every objective but `loss`, and for `loss` the largest D every limit allows for the chosen
candidate (closed form: each limited quantity is affine in D).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import numpy as np

from models import training_plan
from models.inputs import MipInputs
from planner.errors import InputError
from planner.formulas import scaling_law
from planner.formulas.scaling_law import data_token_cap
from planner.formulas.evaluate import REL_TOL, PlanMetrics, Violation, evaluate_plan, find_violations
from planner.formulas.evaluate import memory_floor_gpus, target_loss
from planner.formulas.extrapolation import plan_warnings
from planner.formulas.limits import BY_QUANTITY, LIMITS, OBJECTIVES
from planner.formulas.targets import min_tokens
from planner.input.schema import FixedPlan, Instance, loss_target_problem
from planner.optimize import deadline, presolve
from planner.optimize.derive import Candidates, OfferOption, derive
from planner.optimize.ties import equal_values, preferred, tie_key
from planner.optimize.solve import SolveOptions, SolveResult, Solver

from planner.constants import Objective, PlanStatus
from planner.constants import LOSS_TOL, OPTIMALITY_TOL  # noqa: E402 -- tangent cuts stop; optimal means
MAX_LOSS_ROUNDS = 60
#: What an answer is: the statuses of README "Commands", plus a plan found within a user-given --mip-gap
#: looser than the 1e-6 optimality tolerance (not proven optimal).
WITHIN_GAP = PlanStatus.WITHIN_GAP


@dataclass(frozen=True)
class SolverInfo:
    name: str
    seconds: float
    mip_gap: float | None
    bound: float | None
    termination: str
    rounds: int = 1
    candidates: int = 0        # candidate rows derived
    kept: int = 0              # rows the presolve kept for the MIP


@dataclass
class PlanResult:
    """What `plan solve` answers (README "Commands")."""

    status: PlanStatus
    objective: Objective
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
    warnings: list[str] = field(default_factory=list)       # where the plan extrapolates (formulas.extrapolation)

    def __post_init__(self) -> None:
        """The status as the one enum (planner.constants), whatever text the solver gave."""
        self.status = PlanStatus.process(str(self.status))


@dataclass
class Presolved:
    """derive + presolve of one instance: the candidates, every row's optimum, the rows kept."""

    candidates: Candidates
    rows: presolve.RowOptimum
    kept: np.ndarray

    @property
    def best_row(self) -> int:
        """The kept row with the best value: the presolve's optimum."""
        return int(self.kept[np.argmin(self.rows.value[self.kept])])


def presolve_instance(instance: Instance) -> Presolved:
    """Derive the candidates and their exact per-row optima (raises InputError when `loss` has no
    optimum because nothing limits some candidate's tokens)."""
    cand = derive(instance)
    rows = presolve.optimise_rows(instance, cand)
    if instance.objective == Objective.LOSS and rows.unbounded.any():
        t = int(np.flatnonzero(rows.unbounded)[0])
        offer = cand.offers[cand.offer[t]]
        budget = BY_QUANTITY["cost"]
        raise InputError(
            "objective",
            f"'loss' has no optimum: nothing limits the tokens of N={cand.sizes[cand.size[t]]:.4g} on "
            f"{offer.gpu} in {offer.region}"
            + (f" (a token costs nothing there, so {budget.path} does not bind)"
               if getattr(instance.limits, budget.key) is not None else "")
            + "; add " + ", ".join(row.path + (" (with a non-zero price)" if row is budget else "") for row in LIMITS)
            + " or data.max_epochs")
    return Presolved(cand, rows, presolve.survivors(rows))


def solve_instance(instance: Instance, options: SolveOptions = SolveOptions(), explain: bool = True) -> PlanResult:
    """Find the optimal plan of `instance` (raises InputError for an optimum that cannot exist).
    With `explain`, an infeasible answer says which limits conflict (more solves)."""
    start = time.perf_counter()
    problem = loss_target_problem(instance)
    if problem is not None:
        raise InputError("targets", problem)
    try:
        with deadline.within(options.time_limit_s):
            pre = presolve_instance(instance)
    except deadline.DeadlineReached as exc:
        why = f"stopped by the time limit while {exc.what}, before any plan"
        info = SolverInfo("highs", 0.0, None, None, why, 0, 0, 0)
        return PlanResult("time_limit", instance.objective, None, None, None, None, [], info, explanation=[why])
    info = SolverInfo("highs", 0.0, None, None, "presolved: no feasible candidate", 0, len(pre.candidates), 0)
    if len(pre.kept) == 0:
        return _no_plan(instance, pre.candidates, info, explain)
    if options.time_limit_s is not None:
        left = options.time_limit_s - (time.perf_counter() - start)
        if left <= 0:
            return _stopped(instance, pre, "time limit reached before the MIP ran")
        options = replace(options, time_limit_s=left)
    inputs = mip_inputs(instance, pre)
    model = training_plan.build(inputs)
    solver = Solver(model, options)
    result = solver.solve()
    rounds = 1
    if result.has_solution and instance.objective == Objective.LOSS:
        result, rounds = _refine_loss(instance, pre, model, solver, result)
    info = SolverInfo("highs", result.seconds, result.mip_gap, _natural(result.bound, model),
                      result.termination, rounds, len(pre.candidates), len(pre.kept))
    if not result.has_solution:
        if result.status == PlanStatus.INFEASIBLE:
            return _no_plan(instance, pre.candidates, info, explain)
        if result.status == PlanStatus.TIME_LIMIT:
            return _stopped(instance, pre, f"HiGHS stopped ({result.termination}) without a plan")
        return PlanResult(result.status, instance.objective, None, None, None, None, [], info,
                          ruled_out=pre.candidates.ruled_out,
                          explanation=[f"HiGHS stopped ({result.termination}) without a plan"])
    choice = training_plan.extract(model)
    row = _tie_break(instance, pre, int(pre.kept[choice.candidate]))
    answer = _answer(instance, pre, row, result.status, info, choice.objective_value)
    proven = float(pre.rows.value[pre.best_row])
    if answer.status == PlanStatus.OPTIMAL and instance.objective != Objective.LOSS \
            and answer.objective_value > proven + OPTIMALITY_TOL * abs(proven):
        answer.status = WITHIN_GAP  # a loose --mip-gap let HiGHS stop at a worse plan
    return answer


#: Most tied rows priced to break a tie (beyond, the MIP's choice stands among the first of them).
MAX_TIED_ROWS = 2000


def _tie_break(instance: Instance, pre: Presolved, row: int) -> int:
    """Among the kept rows whose exact value ties with the best (planner.optimize.ties), the one
    the tie order prefers; `row` (the MIP's choice) when it is not itself one of them."""
    values = pre.rows.value[pre.kept]
    best = float(values.min())
    tied = [int(r) for r, v in zip(pre.kept, values) if equal_values(float(v), best)]
    if row not in tied or len(tied) == 1:
        return row
    tied = tied[:MAX_TIED_ROWS] if row in tied[:MAX_TIED_ROWS] else tied[:MAX_TIED_ROWS - 1] + [row]
    return preferred(tied, lambda r: tie_key(evaluate_plan(instance, row_plan(instance, pre, r))))


def _answer(instance: Instance, pre: Presolved, row: int, status: PlanStatus, info: SolverInfo,
            model_objective: float | None, explanation: list[str] | None = None) -> PlanResult:
    """The plan of one candidate row, priced by the evaluator, as the answer with `status`."""
    plan = row_plan(instance, pre, row)
    metrics = evaluate_plan(instance, plan)
    offer = pre.candidates.offers[pre.candidates.offer[row]]
    return PlanResult(
        status=status, objective=instance.objective,
        objective_value=metrics.objective_value(instance.objective, instance.carbon_price_usd_per_t),
        model_objective=model_objective, plan=plan, metrics=metrics,
        binding=binding_limits(instance, plan, metrics, offer), solver=info,
        violations=find_violations(instance, plan, metrics), ruled_out=pre.candidates.ruled_out,
        explanation=explanation or [], warnings=plan_warnings(instance, metrics))


def _stopped(instance: Instance, pre: Presolved, why: str) -> PlanResult:
    """A run stopped by its time limit: the presolve's best row is a feasible plan (its value is
    each row's own optimum), returned with status time_limit since the MIP did not confirm it."""
    info = SolverInfo("highs", 0.0, None, None, why, 0, len(pre.candidates), len(pre.kept))
    return _answer(instance, pre, pre.best_row, "time_limit", info, None,
                   [why + "; the plan is the presolve's best candidate"])


def mip_inputs(instance: Instance, pre: Presolved) -> MipInputs:
    """The numbers of the MIP over the kept rows, each at its best GPU count."""
    kept = pre.kept
    cand = pre.candidates.subset(kept)              # the figures of the kept rows only
    nodes, tokens = pre.rows.nodes[kept], pre.rows.tokens[kept]
    fig = presolve.RowFigures(instance, cand)
    rates = fig.rates(nodes)
    dmin = np.maximum(cand.min_tokens_by_size[cand.size], 0.0)
    if instance.objective == Objective.LOSS:
        dmin = np.maximum(dmin, fig.scale_tokens(nodes))   # `scale:`: the least D the count is useful at
        dmax = np.maximum(tokens, dmin)
    else:
        dmin = dmax = tokens
    pick = lambda a: tuple(float(x) for x in np.broadcast_to(a, (len(cand),)))  # noqa: E731
    limits = instance.limits
    best = float(pre.rows.value[pre.best_row])
    rent_rate: tuple = ()
    rent_floor: tuple = ()
    usd_rate = rates.usd
    if np.any(np.asarray(rates.rent_floor_usd) > 0):   # a rental term: the rent apart, as a maximum
        usd_rate = rates.usd - rates.compute_usd
        rent_rate, rent_floor = pick(rates.compute_usd), pick(rates.rent_floor_usd)
    cuts: tuple = ()
    if instance.objective == Objective.LOSS:
        cuts = tuple(tuple(_cut(instance, d) for d in sorted({float(top), 0.9 * float(top)}) if d > 0)
                     for top in dmax)
    return MipInputs(
        objective=instance.objective, carbon_price_usd_per_t=instance.carbon_price_usd_per_t,
        min_tokens=pick(dmin), max_tokens=pick(dmax),
        seconds_per_token=pick(cand.seconds_per_token), align_seconds=pick(cand.align_seconds),
        usd_per_second=pick(usd_rate), co2_t_per_second=pick(rates.co2_t), days_per_second=pick(rates.days),
        usd_per_token=instance.data.usd_per_token, fixed_usd=pick(cand.fixed_usd),
        flops_per_token=pick(cand.flops_per_token), align_flops=pick(cand.align_flops),
        serving=pick(cand.serving if OBJECTIVES[instance.objective].with_serving else 0.0),
        base_loss=pick(cand.base_loss_by_size[cand.size]),
        **{row.key: getattr(limits, row.key) for row in LIMITS},  # the model's limit rows, from the table
        objective_unit=abs(best) if math.isfinite(best) and best != 0 else 1.0,
        initial_cuts=cuts, rent_usd_per_second=rent_rate, rent_floor_usd=rent_floor,
        fixed_co2_t=pick(cand.fixed_co2) if np.any(cand.fixed_co2) else ())


def _cut(instance: Instance, tokens: float) -> tuple[float, float, float]:
    """(d, phi(d), phi'(d)) of phi(D) = B/Deff(D)^beta: one tangent of the loss's data term."""
    law, data = instance.scaling_law, instance.data
    return (tokens, scaling_law.data_term(law, tokens, data.unique_tokens, data.repetition_rstar),
            scaling_law.loss_slope(law, tokens, data.unique_tokens, data.repetition_rstar))


def row_plan(instance: Instance, pre: Presolved, row: int) -> FixedPlan:
    """The plan of one candidate row at its best count and exact tokens."""
    cand = pre.candidates
    offer = cand.offers[cand.offer[row]]
    recipe = cand.recipes[cand.recipe[row]].name if cand.recipe[row] >= 0 else None
    return FixedPlan(model_params=float(cand.sizes[cand.size[row]]), tokens=float(max(pre.rows.tokens[row], 1.0)),
                     gpu=offer.gpu, gpu_count=int(pre.rows.nodes[row]) * offer.node, region=offer.region,
                     alignment=recipe)


def _natural(bound: float | None, model) -> float | None:
    return None if bound is None else bound * model.objective_unit


def _refine_loss(instance, pre: Presolved, model, solver: Solver, result: SolveResult) -> tuple[SolveResult, int]:
    """Kelley cutting planes on phi(D) = B/Deff^beta: the MIP with tangent cuts is a relaxation, so
    its bound is a lower bound on the best loss; stop when the chosen row's exact loss meets it.
    A time limit covers all rounds together."""
    options = solver.options
    total_seconds = result.seconds
    time_limit = options.time_limit_s
    try:
        for rounds in range(1, MAX_LOSS_ROUNDS + 1):
            choice = training_plan.extract(model)
            row = int(pre.kept[choice.candidate])
            exact = float(pre.rows.value[row])
            bound = result.bound if result.bound is not None else result.objective
            bound = bound * model.objective_unit
            if exact - bound <= LOSS_TOL:
                break
            if result.status != PlanStatus.OPTIMAL or (time_limit is not None and total_seconds >= time_limit):
                gap = max(0.0, exact - bound) / abs(exact)
                return replace(result, status="time_limit", mip_gap=gap, seconds=total_seconds), rounds
            for tokens in {choice.tokens, float(pre.rows.tokens[row])}:
                if tokens > 0:
                    training_plan.add_loss_cut(model, choice.candidate, *_cut(instance, tokens))
            if time_limit is not None:
                solver.options = replace(options, time_limit_s=time_limit - total_seconds)
            previous, result = result, solver.solve()
            total_seconds += result.seconds
            if not result.has_solution:
                gap = max(0.0, exact - bound) / abs(exact)
                return replace(previous, status="time_limit", mip_gap=gap, seconds=total_seconds), rounds
        return replace(result, seconds=total_seconds), rounds
    finally:
        solver.options = options


def binding_limits(instance: Instance, plan: FixedPlan, metrics: PlanMetrics,
                   offer: OfferOption | None = None) -> list[str]:
    """The limits at their bound: a continuous limit within REL_TOL of its value; a GPU-count limit
    when one more node would break it (only where the plan runs at the offer's largest count)."""
    out: list[str] = []
    target = target_loss(instance)
    if target is not None and metrics.loss >= target * (1 - 1e-9):
        out.append("max_loss")
    if target is not None and instance.targets.confidence is not None:
        needed = float(min_tokens(instance, [plan.model_params])[0])
        if plan.tokens <= needed * (1 + REL_TOL):
            out.append("confidence")  # the samples' quantile, not the point law, holds D down
    limits = instance.limits
    for row in LIMITS:
        limit = getattr(limits, row.key)
        if limit is not None and row.read(metrics) >= limit * (1 - REL_TOL):
            out.append(row.key)
    if instance.data.max_epochs is not None and plan.tokens >= data_token_cap(instance.data) * (1 - REL_TOL):
        out.append("max_epochs")
    if offer is not None and plan.gpu_count == offer.node * offer.max_nodes:
        out.extend(offer.count_limited_by)
    gpu = instance.gpu(plan.gpu)
    floor = memory_floor_gpus(instance, plan.model_params, gpu.memory_gb)
    if plan.gpu_count - gpu.gpus_per_node < floor:
        out.append("memory")
    if metrics.scale is not None and plan.gpu_count + gpu.gpus_per_node > metrics.scale.max_useful_gpus:
        out.append("scale")
    return out


def _no_plan(instance: Instance, cand: Candidates, info: SolverInfo, explain: bool) -> PlanResult:
    lines: list[str] = []
    needed: dict[str, float] = {}
    if explain:
        from planner.optimize.explain import explain as explain_why  # only an infeasible answer needs it

        why = explain_why(instance)
        lines, needed = why.lines, why.needed
    return PlanResult("infeasible", instance.objective, None, None, None, None, [], info,
                      ruled_out=cand.ruled_out, explanation=lines, needed=needed)
