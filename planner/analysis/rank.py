"""`plan rank`: the best plan for each value of one decision, each an exact optimum.

    rank("instances/co2-regions.yaml", by="region") -> Ranking (rows sorted best first)

For every candidate value of the chosen decision (every region, GPU type, model size or alignment
recipe of the instance) the instance is restricted to that value alone -- the regions list reduced
to that one region, the GPU list to that one GPU (and the regions' offers to it), the sizes to that
one size, the recipes to that one recipe -- validated again as a full instance, and solved by the
ordinary pipeline. Each row is therefore the optimum of the instance with that decision fixed;
the best row is the instance's own optimum. Rows are sorted by the objective value; the gap is
relative to the winner, (value - best) / |best|. Values with no plan are listed after, with why
(the limits that would have to move, as `plan solve` explains an infeasible instance).

With `serving:` and no `serving.regions` (or `serving.gpus`), serving may use every instance
region (GPU); restricting the regions (GPUs) restricts serving to the same one. A `plan:` key is
dropped from the restricted instances (solving ignores it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from planner.constants import PlanStatus
from planner.errors import InputError
from planner.input.schema import Instance

if TYPE_CHECKING:
    from planner.optimize.pipeline import PlanResult
    from planner.optimize.solve import SolveOptions

#: --by choices -> what the value is
BY = {"region": "region", "gpu": "GPU type", "size": "model size", "recipe": "alignment recipe"}

Progress = Callable[[int, int], None]


@dataclass
class RankRow:
    """The best plan with the decision fixed to `value` (`label` for tables: `70B` for a size)."""

    value: Any
    label: str
    result: PlanResult | None          # None: the restricted instance has no optimum to find
    reason: str = ""                   # why there is no plan
    gap: float | None = None           # (objective - best) / |best|; None without a plan
    rank: int | None = None            # 1 = the winner; None without a plan
    tie: bool = False                  # its objective value ties with another row's (planner.optimize.ties)

    @property
    def status(self) -> str:
        return self.result.status if self.result is not None else "invalid"

    @property
    def has_plan(self) -> bool:
        return self.result is not None and self.result.metrics is not None


@dataclass
class Ranking:
    name: str
    by: str
    objective: str
    rows: list[RankRow]                # plans best first, then the values without a plan
    seconds: float = 0.0
    omitted: int = 0                   # plans left out by --top
    omitted_without_plan: int = 0      # values without a plan left out by --top
    stats: dict[str, int] = field(default_factory=dict)
    stopped: int = 0                   # values whose solve stopped at --time-limit (shown or not)

    @property
    def winner(self) -> RankRow | None:
        return self.rows[0] if self.rows and self.rows[0].has_plan else None


def values_of(instance: Instance, by: str) -> list[Any]:
    """The candidate values of a decision, in the instance's order."""
    check_by(by)
    if by == "region":
        return [r.name for r in instance.regions]
    if by == "gpu":
        return [g.name for g in instance.gpus]
    if by == "size":
        return list(instance.sizes)
    if instance.alignment is None:
        raise InputError("--by", "recipe: the instance has no alignment recipes (pretraining only)")
    return [m.name for m in instance.alignment.recipes]


def check_by(by: str) -> None:
    if by not in BY:
        raise InputError("--by", f"must be one of {', '.join(BY)}, got {by!r}")


def restricted(instance: Instance, by: str, value: Any) -> Instance:
    """`instance` with the decision `by` fixed to `value`, validated again (Instance.updated)."""
    check_by(by)
    if by == "region":
        regions = [r for r in instance.regions if r.name == value]
        if not regions:
            raise InputError("--by region", f"'{value}' is not a region of the instance")
        changes: dict[str, Any] = {"regions": [r.model_dump() for r in regions]}
        if instance.serving is not None and instance.serving.regions is not None:
            kept = [r for r in instance.serving.regions if r == value]
            changes["serving"] = {**instance.serving.model_dump(), "regions": kept or None}
        return instance.updated(plan=None, **changes)
    if by == "gpu":
        gpus = [g for g in instance.gpus if g.name == value]
        if not gpus:
            raise InputError("--by gpu", f"'{value}' is not a GPU of the instance")
        regions = []
        for region in instance.regions:
            data = region.model_dump()
            if region.offers is not None:  # a region that lists its offers sells only those
                data["offers"] = {k: v for k, v in data["offers"].items() if k == value}
            regions.append(data)
        changes = {"gpus": [g.model_dump() for g in gpus], "regions": regions}
        if instance.serving is not None and instance.serving.gpus is not None:
            kept = [g for g in instance.serving.gpus if g == value]
            changes["serving"] = {**instance.serving.model_dump(), "gpus": kept or None}
        return instance.updated(plan=None, **changes)
    if by == "size":
        if not any(math.isclose(value, n, rel_tol=1e-12) for n in instance.sizes):
            raise InputError("--by size", f"{value:g} is not a candidate size of the instance")
        return instance.updated(plan=None, model_sizes=[float(value)])
    if instance.alignment is None:
        raise InputError("--by", "recipe: the instance has no alignment recipes (pretraining only)")
    recipes = [m for m in instance.alignment.recipes if m.name == value]
    if not recipes:
        raise InputError("--by recipe", f"'{value}' is not a recipe of the instance")
    return instance.updated(plan=None, alignment={**instance.alignment.model_dump(), "recipes": [m.model_dump() for m in recipes]})


def label_of(by: str, value: Any) -> str:
    if by == "size":
        for factor, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= factor:
                return f"{value / factor:.3g}{suffix}"
        return f"{value:.3g}"
    return str(value)


def rank(source: Any, by: str = "region", top: int | None = None, *, options: SolveOptions | None = None,
         explain: bool = True, progress: Progress | None = None) -> Ranking:
    """The best plan for each value of `by` (module docstring). `top` keeps the first `top` rows:
    the best plans, then values without a plan (with why) if fewer than `top` have one; the rows
    left out are counted (omitted, omitted_without_plan)."""
    from planner.analysis.frontier import load_source
    from planner.optimize.pipeline import solve_instance
    from planner.optimize.solve import SolveOptions

    check_by(by)
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise InputError("--top", f"must be a whole number >= 1, got {top!r}")
    instance = load_source(source)
    options = options or SolveOptions()
    values = values_of(instance, by)
    instances = [restricted(instance, by, v) for v in values]  # all validated before any solve
    start = time.perf_counter()
    rows: list[RankRow] = []
    solves = 0
    for k, (value, inst) in enumerate(zip(values, instances), start=1):
        try:
            result = solve_instance(inst, options, explain=False)
            solves += 1
            if result.metrics is None and result.status == PlanStatus.INFEASIBLE and explain:
                result = solve_instance(inst, options, explain=True)
                solves += 1
            rows.append(RankRow(value, label_of(by, value), result, _reason(result)))
        except InputError as exc:
            rows.append(RankRow(value, label_of(by, value), None, str(exc)))
        if progress is not None:
            progress(k, len(values))
    planned = _tie_order(sorted((r for r in rows if r.has_plan), key=lambda r: r.result.objective_value))  # type: ignore[union-attr]
    if planned:
        best = planned[0].result.objective_value  # type: ignore[union-attr]
        for position, row in enumerate(planned, start=1):
            value = row.result.objective_value  # type: ignore[union-attr]
            row.gap = (value - best) / abs(best) if best else (0.0 if value == best else math.inf)
            row.rank = position
    without = [r for r in rows if not r.has_plan]
    keep = len(planned) + len(without) if top is None else top
    omitted, omitted_without = max(0, len(planned) - keep), max(0, len(without) - max(0, keep - len(planned)))
    stopped = sum(r.status == PlanStatus.TIME_LIMIT for r in rows)
    return Ranking(instance.name or "instance", by, instance.objective, (planned + without)[:keep],
                   time.perf_counter() - start, omitted, omitted_without, {"solves": solves}, stopped)


def _tie_order(planned: list[RankRow]) -> list[RankRow]:
    """Rows sorted by value; rows whose values tie (planner.optimize.ties) are marked and ordered as
    `plan solve` breaks ties: less CO2, less cost, less time, fewer GPUs."""
    from planner.optimize.ties import equal_values, tie_key

    out: list[RankRow] = []
    group: list[RankRow] = []
    for row in planned + [None]:  # type: ignore[list-item]
        if row is not None and group and equal_values(row.result.objective_value,  # type: ignore[union-attr]
                                                      group[0].result.objective_value):  # type: ignore[union-attr]
            group.append(row)
            continue
        if len(group) > 1:
            for member in group:
                member.tie = True
        out += sorted(group, key=lambda r: tie_key(r.result.metrics))  # type: ignore[union-attr]
        group = [row] if row is not None else []
    return out


def _reason(result: PlanResult) -> str:
    if result.metrics is not None:
        return ""
    lines = list(result.explanation) or [f"ruled out: {r}" for r in result.ruled_out[:3]]
    return "; ".join(lines) or result.status


__all__ = ["BY", "RankRow", "Ranking", "rank", "restricted", "values_of"]
