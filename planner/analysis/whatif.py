"""What-if sweeps: solve an instance at every point of a grid of changed inputs.

    run_whatif("instances/startup-7b.yaml", ["limits.budget_usd=1e6:1e7:10log"])  -> WhatIf

(its JSON and CSV: planner.present.whatif_record; the DataFrame: planner.api.whatif)

Each `--vary PATH=SPEC` (planner.input.sweep_paths) gives a list of values; several make a grid (the
first varies slowest). Every point is the instance with those values set, re-validated as a full
instance (a value the format refuses stops the sweep with an InputError naming the point, before
anything is solved), then solved through planner.optimize.sweep_session.SweepSession, which keeps no
model between points: each point is an independent pipeline solve (the numpy presolve leaves the
MIP a handful of rows, so a rebuild costs little). Rows equal independent `plan solve` answers (up
to ties between optima).

A point with no plan is a row too: status `infeasible` and the reason (how far each limit would
have to move, as `plan solve` explains it), or status `invalid` when the point has no optimum to
find (e.g. objective `loss` with nothing bounding the tokens).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.constants import PlanStatus
from planner.numbers import value as value_text
from planner.errors import InputError
from planner.input.loading import instance_from_dict, note_changes, note_loaded, read_yaml, resolve_catalog_names
from planner.input.schema import Instance
from planner.input.sweep_paths import Vary, check_distinct, parse_spec, parse_vary, set_path

if TYPE_CHECKING:  # the solver stack loads only when a sweep runs
    from planner.optimize.pipeline import PlanResult
    from planner.optimize.solve import SolveOptions

Progress = Callable[[int, int], None]
Source = str | Path | Mapping[str, Any] | Instance


@dataclass(frozen=True)
class WhatIfPoint:
    """One point of the grid: the values set, and the answer."""

    inputs: dict[str, Any]          # path -> value, in --vary order
    instance: Instance
    result: PlanResult | None       # None for an `invalid` point
    reason: str = ""                # why there is no plan ("" for an optimal point)

    @property
    def status(self) -> str:
        return self.result.status if self.result is not None else "invalid"


@dataclass
class WhatIf:
    """A finished sweep: the varied inputs and one point per grid cell, in grid order."""

    objective: str
    varies: list[Vary]
    points: list[WhatIfPoint]
    seconds: float = 0.0
    stats: dict[str, int] = field(default_factory=dict)  # solves / infeasible (SweepSession), workers


def run_whatif(source: Source, vary: Sequence[str | Vary] | Mapping[str, Any], *,
               options: SolveOptions | None = None, progress: Progress | None = None,
               explain: bool = True, runner: Any = None) -> WhatIf:
    """The sweep behind `planner.whatif` and `plan whatif`, with the PlanResult of every point. Points are
    independent solves: with `runner` (planner.analysis.executor.Runner: a process pool or a Dask
    cluster) they run there, in the same order, with the same answers as in this process."""
    from planner.analysis.executor import Runner
    from planner.optimize.solve import SolveOptions

    base = resolve_catalog_names(source_dict(source))
    note_loaded(base)
    varies = parse_varies(vary, base)
    note_changes("--vary", lambda: [(v.path, value) for v in varies for value in v.values])
    cells = list(itertools.product(*(v.values for v in varies)))
    instances = [point_instance(base, varies, cell) for cell in cells]  # all validated first
    runner = runner or Runner()
    start = time.perf_counter()
    order = solve_order(varies, cells)
    answers = runner.map(_point_context, (options or SolveOptions(), explain), solve_point,
                         [instances[k] for k in order], progress=progress)
    by_cell = dict(zip(order, answers))
    points = [WhatIfPoint(dict(zip((v.path for v in varies), cell)), instances[k], *by_cell[k])
              for k, cell in enumerate(cells)]
    objectives = {inst.objective for inst in instances}
    objective = objectives.pop() if len(objectives) == 1 else "mixed"
    stats = {"solves": len(cells), "infeasible": sum(p.status == PlanStatus.INFEASIBLE for p in points),
             **({"workers": runner.describe()} if runner.kind != "serial" else {})}
    return WhatIf(objective, varies, points, time.perf_counter() - start, stats)


def _point_context(state: tuple) -> Any:
    """Per worker: a sweep session with the sweep's solver options and explanation setting."""
    from planner.optimize.sweep_session import SweepSession

    options, explain = state
    return SweepSession(options, explain=explain)


def solve_point(session: Any, instance: Instance) -> tuple[PlanResult | None, str]:
    """One point: its result and the reason it has no plan ('' when it has one); an input error
    (e.g. `loss` with nothing limiting tokens) is a row with the message."""
    try:
        result = session.solve(instance)
    except InputError as exc:
        return None, str(exc)
    return result, reason_of(result)


def parse_varies(vary: Sequence[str | Vary] | Mapping[str, Any], data: Mapping[str, Any] | None = None) -> list[Vary]:
    """`["PATH=SPEC", ...]`, Vary objects, or `{PATH: "SPEC" | [values]}` -> [Vary]; with `data`
    (the instance, catalog names resolved) `gpus[0]` and `gpus[H100]` are known as one field."""
    if isinstance(vary, str):
        vary = [vary]
    if isinstance(vary, Mapping):
        out = []
        for path, spec in vary.items():
            if isinstance(spec, str):
                out.append(parse_vary(f"{path}={spec}"))
            else:
                values = list(spec) if isinstance(spec, (list, tuple, range)) else [spec]
                head = parse_vary(f"{path}=0")
                out.append(Vary(head.path, head.steps, tuple(values)))
    else:
        out = [v if isinstance(v, Vary) else parse_vary(v) for v in vary]
    if not out:
        raise InputError("--vary", "give at least one PATH=SPEC")
    for v in out:
        if not v.values:
            raise InputError(f"--vary {v.path}", "no values")
    check_distinct(dict(data or {}), [(v.path, v.steps) for v in out], "--vary")
    total = math.prod(len(v.values) for v in out)
    if total > MAX_POINTS:
        sizes = " x ".join(f"{len(v.values):,}" for v in out)
        raise InputError("--vary", f"{sizes} = {total:,} points; a sweep has at most {MAX_POINTS:,} "
                                   "(fewer values per --vary, or several smaller sweeps)")
    return out


#: Most points of one sweep (the product of the --vary value counts); each point is a solve.
MAX_POINTS = 10_000


def source_dict(source: Source) -> dict[str, Any]:
    """The instance as a YAML-like mapping (paths are set in this, then it is validated again)."""
    if isinstance(source, Instance):
        return source.model_dump(exclude_none=True)
    if isinstance(source, Mapping):
        return dict(source)
    data = read_yaml(source)
    samples = data.get("scaling_law_samples")
    if isinstance(samples, dict):  # `{file: laws.csv}`, read relative to the instance as load_instance does
        from planner.input.loading import read_samples_file

        data = {**data, "scaling_law_samples": read_samples_file(samples, Path(source).parent)}
    return data


def point_instance(base: dict[str, Any], varies: list[Vary], cell: tuple) -> Instance:
    """The validated instance of one grid point (InputError names the point)."""
    return point_validated(base, varies, cell, instance_from_dict)


def point_validated(base: dict[str, Any], varies: list[Vary], cell: tuple, validate: Callable[[dict], Any]) -> Any:
    """`base` with one grid point's values set, validated by `validate` (an instance's or a
    campaign's loader); an InputError names the point."""
    data = base
    for v, value in zip(varies, cell):
        data = set_path(data, v.steps, value, v.path)
    try:
        return validate(data)
    except InputError as exc:
        where = ", ".join(f"{v.path}={value_text(value)}" for v, value in zip(varies, cell))
        raise InputError(exc.field, f"{exc.problem} (at --vary {where})") from None


def solve_order(varies: list[Vary], cells: list[tuple]) -> list[int]:
    """Points with the same non-limit values together, each group from the loosest limits to the
    tightest (the order of the table's groups; each point is solved on its own)."""
    def key(k: int) -> tuple:
        cell = cells[k]
        fixed = tuple(_sortable(value) for v, value in zip(varies, cell) if not v.is_limit)
        limits = tuple(-_limit_value(value) for v, value in zip(varies, cell) if v.is_limit)
        return fixed + limits
    return sorted(range(len(cells)), key=key)


def _limit_value(value: Any) -> float:
    if value is None:
        return math.inf  # no limit: the loosest
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _sortable(value: Any) -> tuple:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def reason_of(result: PlanResult) -> str:
    if result.status == PlanStatus.OPTIMAL:
        return ""
    lines = list(result.explanation) or [f"ruled out: {r}" for r in result.ruled_out[:3]]
    return "; ".join(lines) or result.status


__all__ = ["WhatIf", "WhatIfPoint", "run_whatif", "parse_varies", "parse_spec"]
