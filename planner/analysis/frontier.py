"""Exact Pareto frontiers by the epsilon-constraint method, and their comparison across instances.

    run_frontier("instances/co2-regions.yaml", minimize="cost", limit="co2", points=10) -> Frontier

(its JSON and CSV: planner.present.frontier_record; the DataFrame: planner.api.frontier)

Two of the quantities cost (USD), co2 (t), time (days) and loss (nats/token), both minimised:
`minimize` f is the objective, `limit` g becomes a limit (epsilon) that moves. The limit maps to an
instance key, so every point is an ordinary instance with one limit set (the instance's own limits
all stay):

    cost -> limits.budget_usd   co2 -> limits.max_co2_t   time -> limits.deadline_days
    loss -> targets.max_loss (replacing targets.match)

The method (each solve is an exact MIP solve of the pipeline; `lexicographic` means a second solve
that removes weakly dominated ties):

1. End A, best f: minimise f; then minimise g with f <= f*(1 + SLACK).
2. End B, best g: minimise g; then minimise f with g <= g*(1 + SLACK).
3. Between them, K - 2 levels eps evenly spaced in g (K = `points`); at each, minimise f with
   g <= eps, then lexicographically g with f <= f*(1 + SLACK).
   With `points="all"` the whole staircase is walked instead: from A, the next point minimises f
   with g <= g_prev (1 - STEP); this finds every non-dominated plan (plans are discrete, so the
   frontier of cost/co2/time is a finite staircase), up to the 1e-6 optimality tolerance (planner.constants).
4. Duplicates (the same plan) and dominated points are dropped; points are sorted by f ascending,
   so g descends: from the cheapest plan to the cleanest (or fastest, or lowest loss).

Every point is an optimal plan of the instance with the limit g <= g(point) added (test_frontier
checks it against independent solves). With loss on either side the frontier is continuous (the
tokens move with the limit), so K points sample it, each exact; `points="all"` is refused there.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, get_args

from planner.constants import FRONTIER_SLACK, FRONTIER_STEP, Objective, PlanStatus, REL_TOL
from planner.errors import InputError
from planner.formulas.limits import BY_QUANTITY, LIMITS, LOSS_TARGET, Limit
from planner.input.schema import Instance, Targets

if TYPE_CHECKING:
    from planner.optimize.pipeline import PlanResult
    from planner.optimize.solve import SolveOptions
    from planner.optimize.sweep_session import SweepSession

Quantity = Literal["cost", "co2", "time", "loss"]
QUANTITIES: tuple[str, ...] = get_args(Quantity)

#: Lexicographic second stage: the first objective may rise by this much (relative), far inside
#: the 1e-6 optimality tolerance (README "Objectives"), so the point stays optimal for it.
SLACK = FRONTIER_SLACK
#: Walking the staircase: the next point must improve g by more than this (relative).
STEP = FRONTIER_STEP
#: At most this many points when walking the whole staircase.
MAX_WALK = 500

#: How a frontier writes a unit of the limits table (CO2 in t CO2e).
_UNIT = {"t": "t CO2e"}


def _row(quantity: str) -> Limit:
    """The row of the limits table a quantity moves (loss: the loss target)."""
    return LOSS_TARGET if quantity == Objective.LOSS else BY_QUANTITY[quantity]


Progress = Callable[[int, int], None]


def value_of(result: PlanResult, quantity: str, objective: bool = False) -> float:
    """The plan's value of cost, co2, time or loss. As an objective (`objective=True`) cost and co2
    are lifetime values when the instance has `serving` (docs/serving.md); as a limit they are training's
    (the limits bind training alone), so a frontier of a serving instance is lifetime f against
    training g."""
    metrics = result.metrics
    assert metrics is not None
    if objective and quantity in (Objective.COST, Objective.CO2):
        return metrics.objective_value(quantity)
    return _row(quantity).read(metrics)


def column_of(quantity: str) -> str:
    """The DataFrame column of a quantity's total (`cost_usd.total`, `co2_t.total`, `loss`...): the
    figure its limit caps, by its name in the plan record."""
    return _row(quantity).figure


def unit_of(quantity: str) -> str:
    unit = _row(quantity).unit
    return _UNIT.get(unit, unit)


def limit_key(quantity: str) -> str:
    """The instance key a limit on `quantity` sets (loss: targets.max_loss)."""
    return "targets.max_loss" if quantity == Objective.LOSS else BY_QUANTITY[quantity].path


def with_limit(instance: Instance, quantity: str, value: float | None, objective: str | None = None) -> Instance:
    """`instance` with the limit on `quantity` set to `value` (None: left as the instance has it),
    the tighter of `value` and the instance's own limit, and optionally another objective."""
    update: dict[str, Any] = {}
    if objective is not None:
        update["objective"] = objective
    if value is not None:
        if quantity == Objective.LOSS:
            from planner.formulas.evaluate import target_loss

            own = target_loss(instance)
            update["targets"] = Targets(max_loss=value if own is None else min(own, value))
        else:
            key = limit_key(quantity).split(".")[1]
            own = getattr(instance.limits, key)
            update["limits"] = {**instance.limits.model_dump(), key: value if own is None else min(own, value)}
    out = instance.updated(**update)
    if out.objective != Objective.LOSS and out.targets.max_loss is None and out.targets.match is None:
        raise InputError("targets", f"minimising {out.objective} needs a loss target (targets.max_loss or "
                                    "targets.match) in the instance: without one the cheapest plan trains nothing")
    return out


@dataclass(frozen=True)
class FrontierPoint:
    """An optimal plan of the instance with `limit` <= `epsilon` added."""

    result: PlanResult
    epsilon: float | None    # the limit the point was solved under (None: the instance's own)
    f: float                 # value of the minimised quantity
    g: float                 # value of the limited quantity
    binding: tuple[str, ...] = ()  # the limits at their value: the instance's own, or the level eps


@dataclass
class Frontier:
    """Points sorted by f ascending (g descending): from the best f to the best g."""

    name: str
    minimize: str
    limit: str
    points: list[FrontierPoint]
    explanation: list[str] = field(default_factory=list)  # why there is no point at all
    seconds: float = 0.0
    stats: dict[str, int] = field(default_factory=dict)


def run_frontier(source: Any, minimize: str = "cost", limit: str = "co2", points: int | str = 10, *,
                 options: SolveOptions | None = None, progress: Progress | None = None,
                 session: SweepSession | None = None, name: str | None = None,
                 resolution: float = 0.0) -> Frontier:
    """The frontier with the PlanResult of every point (module docstring for the method).
    `resolution` > 0 thins the walked staircase (`points="all"`): thin_staircase()."""
    from planner.optimize.solve import SolveOptions
    from planner.optimize.sweep_session import SweepSession

    instance = load_source(source)
    count = check_request(minimize, limit, points)
    session = session or SweepSession(options or SolveOptions(), explain=False)
    start = time.perf_counter()
    label = name or instance.name or "instance"
    f, g = minimize, limit
    total = 2 + (max(count - 2, 0) if count else 0)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(min(done, total), total)

    first = _end(session, instance, f, g)
    tick()
    if first is None:
        from planner.optimize.explain import explain_infeasible

        base = with_limit(instance, g, None, objective=f)
        lines = explain_infeasible(base)
        return Frontier(label, f, g, [], lines or ["no plan meets the instance's limits"],
                        time.perf_counter() - start, vars(session.stats).copy())
    end_a = _point(instance, first, f, g, None)
    last = _end(session, instance, g, f)
    tick()
    found = [end_a]
    if last is not None:
        end_b = _point(instance, last, f, g, None)
        found.append(end_b)
        if end_b.g < end_a.g * (1 - STEP):
            found += _between(session, instance, f, g, count, end_a, end_b, tick)
    kept = non_dominated(found)
    stats = vars(session.stats).copy()
    if not count and resolution > 0:
        stats["staircase"] = len(kept)  # every step walked, before thinning
        stats["resolution"] = resolution
        kept = thin_staircase(kept, resolution)
    if progress is not None:
        progress(total, total)
    return Frontier(label, f, g, kept, [], time.perf_counter() - start, stats)


def _between(session: SweepSession, instance: Instance, f: str, g: str, count: int, end_a: FrontierPoint,
             end_b: FrontierPoint, tick) -> list[FrontierPoint]:
    """The points between the two ends: `count` - 2 evenly spaced levels of g, or (count 0, `all`)
    a walk that tightens g just below each point found until the far end."""
    found: list[FrontierPoint] = []
    if count:
        # descending levels, each an independent solve
        for k in range(1, count - 1):
            eps = end_a.g + (end_b.g - end_a.g) * k / (count - 1)
            result = _lexicographic(session, instance, f, g, eps)
            if result is not None:
                found.append(_point(instance, result, f, g, eps))
            tick()
        return found
    previous = end_a
    while len(found) + 2 < MAX_WALK:
        eps = previous.g * (1 - STEP)
        result = _lexicographic(session, instance, f, g, eps)
        if result is None:
            break
        point = _point(instance, result, f, g, eps)
        if point.g <= end_b.g * (1 + STEP):
            break
        found.append(point)
        previous = point
    return found


def check_request(minimize: str, limit: str, points: int | str) -> int:
    """Validate the quantities and the point count; 0 means walk the whole staircase."""
    for option, quantity in (("--minimize", minimize), ("--limit", limit)):
        if quantity not in QUANTITIES:
            raise InputError(option, f"must be one of {', '.join(QUANTITIES)}, got {quantity!r}")
    if minimize == limit:
        raise InputError("--limit", f"must differ from --minimize (both {minimize!r})")
    if isinstance(points, str):
        if points.strip().lower() == "all":
            if "loss" in (minimize, limit):
                raise InputError("--points", "'all' walks the staircase of discrete plans; with loss the frontier "
                                             "is continuous (tokens move with the limit), give a number of points")
            return 0
        try:
            points = int(points)
        except ValueError:
            raise InputError("--points", f"must be a whole number >= 2 or 'all', got {points!r}") from None
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise InputError("--points", f"must be a whole number >= 2 or 'all', got {points!r}")
    if points > MAX_WALK:
        raise InputError("--points", f"at most {MAX_WALK}, got {points}")
    return points


def load_source(source: Any) -> Instance:
    if isinstance(source, Instance):
        return source
    from planner.input.loading import instance_from_dict, load_instance

    if isinstance(source, dict):
        return instance_from_dict(source)
    return load_instance(source)


class StoppedByTimeLimit(RuntimeError):
    """A solve of the frontier hit --time-limit before proving its optimum: the frontier is not
    known (its points would not be exact, and "no plan" would be a guess), so the command says so
    and exits 4 (issue 13)."""

    def __init__(self, what: str):
        self.what = what
        super().__init__(what)  # picklable: worker processes of `plan compare --workers`

    def __str__(self) -> str:
        return (f"stopped by --time-limit while {self.what}; the frontier is not known exactly "
                "(give more time, or a larger --mip-gap)")


def _lexicographic(session: SweepSession, instance: Instance, first: str, second: str,
                   eps: float | None) -> PlanResult | None:
    """Minimise `first` (with `second` <= eps when eps is given); then minimise `second` with
    `first` <= best (1 + SLACK) as well, so a tie in `first` goes to the best `second`.
    None when the first stage has no optimal plan."""
    primary = session.solve(with_limit(instance, second, eps, objective=first), explain=False)
    if primary.status == PlanStatus.TIME_LIMIT:
        raise StoppedByTimeLimit(f"minimising {first}" + (f" with {second} <= {eps:.6g}" if eps is not None else ""))
    if primary.status != PlanStatus.OPTIMAL:
        return None
    best = value_of(primary, first, objective=True)
    try:
        polish = with_limit(with_limit(instance, second, eps), first, best * (1 + SLACK), objective=second)
        polished = session.solve(polish, explain=False)
    except InputError:
        return primary  # e.g. minimising loss with nothing bounding tokens: keep the first stage's plan
    if polished.status == PlanStatus.OPTIMAL and value_of(polished, first, objective=True) <= best * (1 + SLACK) * (1 + 1e-9):
        return polished
    return primary


def _end(session: SweepSession, instance: Instance, first: str, second: str) -> PlanResult | None:
    """An end of the frontier: the best plan in `first` (ties to the best `second`)."""
    try:
        return _lexicographic(session, instance, first, second, None)
    except InputError as exc:
        raise InputError(exc.field, f"{exc.problem} (needed for the end of the frontier that minimises "
                                    f"{first})") from None


def _point(instance: Instance, result: PlanResult, f: str, g: str, eps: float | None) -> FrontierPoint:
    return FrontierPoint(result, eps, value_of(result, f, objective=True), value_of(result, g),
                         tuple(binding_of(instance, result, g, eps)))


#: binding-limit name of the pipeline -> the quantity it limits
_LIMIT_QUANTITY = {limit.key: limit.quantity for limit in (LOSS_TARGET, *LIMITS) if limit.quantity}
#: A limit binds when the plan's value is within this (relative) of it.
BINDING_TOL = REL_TOL


def binding_of(instance: Instance, result: PlanResult, limit: str | None = None,
               eps: float | None = None) -> list[str]:
    """The limits binding `result` as a plan of `instance` (plus the level `eps` of the swept limit
    on `limit`): every limit on loss, cost, CO2 and time checked here, the others from the pipeline.
    The solves of a frontier add limits of their own (the swept level; a lexicographic stage
    caps the first objective), which bind those solves but are not limits of the instance; a
    limit binds only if the instance has it, or it is the swept level, and the plan's value is
    within a relative BINDING_TOL of it."""
    if result.metrics is None:
        return []
    from planner.formulas.evaluate import target_loss

    out = []
    for name, quantity in _LIMIT_QUANTITY.items():
        bound = target_loss(instance) if quantity == Objective.LOSS else getattr(instance.limits, name)
        if quantity == limit and eps is not None:
            bound = eps if bound is None else min(bound, eps)
        if bound is not None and abs(value_of(result, quantity) - bound) <= BINDING_TOL * abs(bound):
            out.append(name)
    # GPU counts, epochs, memory, the FLOP line: the frontier's solves never change them
    return out + [name for name in result.binding if name not in _LIMIT_QUANTITY]


def non_dominated(points: Sequence[FrontierPoint], tol: float = 1e-9) -> list[FrontierPoint]:
    """Drop duplicates and dominated points; sort by f ascending (g then descends strictly)."""
    ordered = sorted(points, key=lambda p: (p.f, p.g))
    kept: list[FrontierPoint] = []
    for p in ordered:
        if kept:
            last = kept[-1]
            if p.g >= last.g * (1 - tol):
                continue  # no better in g than a point at least as good in f: dominated or a duplicate
            if p.f <= last.f * (1 + tol):
                kept[-1] = p  # same f, better g: the earlier one was weakly dominated
                continue
        kept.append(p)
    return kept


def thin_staircase(points: Sequence[FrontierPoint], resolution: float) -> list[FrontierPoint]:
    """The staircase without its near-duplicates: a point is kept when it moves f or g by at least
    `resolution` x the frontier's span in that quantity from the last point kept, or changes a
    choice other than the GPU count (size, GPU type, region, recipe); both ends are always kept.
    (A frontier over GPU counts has a step per node: hundreds of plans $1,500 apart.)"""
    if len(points) <= 2:
        return list(points)
    span_f = abs(points[-1].f - points[0].f)
    span_g = abs(points[-1].g - points[0].g)

    def apart(a: FrontierPoint, b: FrontierPoint) -> bool:
        return (abs(a.f - b.f) >= resolution * span_f or abs(a.g - b.g) >= resolution * span_g
                or _choices(a) != _choices(b))

    kept = [points[0]]
    for p in points[1:-1]:
        if apart(p, kept[-1]):
            kept.append(p)
    if len(kept) > 1 and not apart(points[-1], kept[-1]):
        kept.pop()  # the far end replaces a kept point too close to it
    return [*kept, points[-1]]


def _choices(point: FrontierPoint) -> tuple:
    plan = point.result.plan
    return (plan.model_params, plan.gpu, plan.region, plan.alignment) if plan is not None else ()


def decision_label(result: PlanResult) -> str:
    """`70B H100x4096 us-east DPO`: the decisions of a plan in a few characters."""
    from planner.formulas.record import plan_label

    plan = result.plan
    if plan is None:
        return result.status
    return plan_label(plan.model_params, plan.gpu, plan.gpu_count, plan.region, plan.alignment)


# -- comparing scenarios -----------------------------------------------------------------------


@dataclass(frozen=True)
class WinRange:
    """Over limit values [low, high) the scenario `winner` has the best f: `value` at the low end,
    `value_high` on the last step before `high` (f falls as the limit loosens). Scenarios tied
    within 1e-9 share the win (`winner` "a = b"). The runner-up is the same best other scenario
    over the whole range (a range is cut where it changes): `runner_up_value` at the low end,
    `runner_up_value_high` before `high`."""

    low: float
    high: float              # inf: no upper end
    winner: str
    value: float
    value_high: float
    runner_up: str | None    # the best other scenario over the range (None: no other has a plan)
    runner_up_value: float | None
    runner_up_value_high: float | None = None


def best_under(front: Frontier, eps: float) -> FrontierPoint | None:
    """The frontier's best f among points with g <= eps (its step function at eps)."""
    fitting = [p for p in front.points if p.g <= eps * (1 + 1e-12)]
    return min(fitting, key=lambda p: p.f) if fitting else None


def win_ranges(fronts: Sequence[Frontier], tol: float = 1e-9) -> list[WinRange]:
    """Where each scenario wins: the limit axis cut at every frontier point's g; on each piece the
    scenario whose frontier gives the lowest f (a sampled frontier is a step function through its
    points: exact for `points="all"`, an upper bound between samples otherwise), and the runner-up,
    the best of the others (tied runners-up share it, "a = b"). Consecutive pieces with the same
    winner and runner-up are merged."""
    cuts = sorted({p.g for front in fronts for p in front.points})
    ranges: list[WinRange] = []
    order = {front.name: k for k, front in enumerate(fronts)}
    for k, low in enumerate(cuts):
        high = cuts[k + 1] if k + 1 < len(cuts) else math.inf
        standings = sorted((best.f, front.name) for front in fronts
                           if (best := best_under(front, low)) is not None)
        if not standings:
            continue
        value = standings[0][0]
        tied = sorted((name for f, name in standings if f <= value * (1 + tol) + tol), key=order.get)
        winner = " = ".join(tied)  # in the order given
        others = [(f, name) for f, name in standings if name not in tied]
        runner, runner_value = None, None
        if others:
            runner_value = others[0][0]
            runner = " = ".join(sorted((name for f, name in others if f <= runner_value * (1 + tol) + tol),
                                       key=order.get))
        if ranges and ranges[-1].winner == winner and ranges[-1].runner_up == runner:
            ranges[-1] = replace(ranges[-1], high=high, value_high=value, runner_up_value_high=runner_value)
            continue
        ranges.append(WinRange(low, high, winner, value, value, runner, runner_value, runner_value))
    return ranges


def run_compare(sources: Sequence[Any], minimize: str = "cost", limit: str = "co2", points: int | str = 10, *,
                names: Sequence[str] | None = None, options: SolveOptions | None = None,
                progress: Progress | None = None) -> tuple[list[Frontier], list[WinRange]]:
    """The frontiers of several instances and where each wins (`plan compare`)."""
    check_request(minimize, limit, points)
    if len(sources) < 1:
        raise InputError("compare", "give at least one instance")
    instances = [load_source(s) for s in sources]
    labels = list(names) if names is not None else unique_names(
        [inst.name or f"scenario {k + 1}" for k, inst in enumerate(instances)])
    fronts: list[Frontier] = []
    for k, (inst, label) in enumerate(zip(instances, labels)):
        def sub(done: int, total: int, k: int = k) -> None:
            if progress is not None:
                progress(k * 1000 + round(1000 * done / max(total, 1)), 1000 * len(instances))
        fronts.append(run_frontier(inst, minimize, limit, points, options=options, progress=sub, name=label))
    return fronts, win_ranges(fronts)


def unique_names(names: Sequence[str]) -> list[str]:
    """Make scenario names distinct (`a`, `a (2)`)."""
    out: list[str] = []
    for name in names:
        candidate, k = name, 2
        while candidate in out:
            candidate, k = f"{name} ({k})", k + 1
        out.append(candidate)
    return out


__all__ = ["thin_staircase", "Frontier", "FrontierPoint", "WinRange", "run_frontier", "run_compare", "win_ranges",
           "non_dominated", "decision_label", "QUANTITIES"]
