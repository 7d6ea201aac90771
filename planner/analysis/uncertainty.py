"""Monte Carlo over uncertain inputs: how sure is a plan, and which plan wins how often.

    run_uncertainty("instances/startup-7b.yaml", samples=1000, dists=["gpus[H100].mfu=normal(0.4, 0.05)"])

Distributions (planner.input.distributions) are declared on the what-if paths
(planner.input.sweep_paths) in the instance's `uncertainty:` block or by `--dist PATH=SPEC` (a
--dist replaces a block entry with the same path). `[*]` in a path means every entry of that list,
each with its own draw: `regions[*].carbon_g_per_kwh=*lognormal(0, 0.2)`.

1. Draws, in the parent, up front: one numpy Generator (PCG64) seeded with `seed`; for each
   declared path in order, then each entry of a `[*]`, K draws (a samples file: K row indices).
   A draw on a field the instance writes as a whole number is rounded. Scenario k is the
   instance with the k-th draw set at every path, validated again as a full instance; a draw the
   format refuses (a negative price from a wide normal) makes the scenario `invalid`: counted,
   left out of every statistic.
2. The plan: the instance's `plan:` if it gives one, else the optimal plan of the instance as
   written (the point estimate). Each scenario prices that plan with the evaluator
   (planner.formulas.evaluate.evaluate_plan) and checks it with find_violations: no solver.
3. With `reoptimize`, each scenario is also solved (planner.optimize.pipeline.solve_instance):
   its status, its optimal plan and figures.

Statistics over the n valid scenarios (x sorted ascending, x_1..x_n):
   P_q = x_(1+h) with h = (n-1) q/100, interpolated linearly between neighbours
         (numpy's default, Hyndman-Fan type 7);
   P(meeting a limit) = share of valid scenarios whose plan does not break it (limits that
         apply: the loss target, as `max_loss`, and each of budget_usd, max_co2_t,
         deadline_days, max_training_flops the scenario sets); `all` = breaks nothing;
   decision shares = share of the scenarios with an optimal plan in which that model size,
         GPU, region or recipe is chosen.

Scenarios run through planner.analysis.executor.Runner (serial, process pool or Dask) and are
pure functions of (base instance, draws), so every runner gives identical rows.
"""

from __future__ import annotations

import csv
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.constants import PlanStatus
from planner.formulas.limits import LIMITS, LOSS_TARGET, Limit
from planner.numbers import value as value_text
from planner.errors import InputError
from planner.input.distributions import Distribution, parse_distribution
from planner.input.schema import FixedPlan, Instance
from planner.input.sweep_paths import Step, field_key, parse_path, set_path

Progress = Callable[[int, int], None]

#: Most scenarios one run may ask for.
MAX_SAMPLES = 1_000_000
#: Most values drawn in one run (scenarios x drawn inputs): a million scenarios over 1,000 regions
#: would be a billion draws (8 GB of numbers before anything is evaluated).
MAX_DRAWS = 10_000_000
#: A samples(file) table: at most this many bytes and rows.
MAX_TABLE_BYTES = 50_000_000
MAX_TABLE_ROWS = 1_000_000
#: The limits checked in every scenario (those the scenario sets): the loss target, then the table's.
CHECKED: tuple[Limit, ...] = (LOSS_TARGET, *LIMITS)
#: The figures summarised (P10/P50/P90): each one a limit with a frontier quantity caps, and the
#: loss; keyed by the figure's name in the plan record (planner.formulas.record), as in every CSV.
SUMMARISED: tuple[Limit, ...] = tuple(limit for limit in (*LIMITS, LOSS_TARGET) if limit.quantity is not None)
PERCENTILES = (10, 50, 90)
#: The decisions whose winning shares --reoptimize counts (names in the plan record).
DECISIONS = ("model_params", "gpu", "region", "alignment")
#: Columns of a scaling-law samples file.
LAW_COLUMNS = ("E", "A", "B", "alpha", "beta")


@dataclass(frozen=True)
class Uncertain:
    """One declared distribution, resolved against the instance."""

    path: str                              # as written (may hold [*])
    field: str                             # where it was declared, for messages
    dist: Distribution
    targets: tuple[tuple[Step, ...], ...]  # the concrete paths ([*] expanded)
    labels: tuple[str, ...]                # their text
    columns: tuple[str, ...] = ()          # samples on a mapping: the keys set under each target
    table: tuple[tuple[float, ...], ...] = ()  # samples: the rows (one value per column)
    base_values: tuple[Any, ...] = ()      # the instance's value at each target


@dataclass(frozen=True)
class ScenarioResult:
    """The answer of one scenario (picklable: it crosses process boundaries)."""

    index: int
    status: str = "ok"                 # ok | invalid
    reason: str = ""
    plan: dict[str, Any] | None = None  # the studied plan's record in this scenario (flat_record, no details)
    target_loss: float | None = None
    checked: tuple[str, ...] = ()      # limits that apply in this scenario (max_loss = the target)
    violations: tuple[str, ...] = ()   # limits the plan breaks
    optimum: dict[str, Any] | None = None  # --reoptimize: status, objective_value and the optimal
    #                                        plan's record (flat_record; None values without a plan)

    def figure(self, name: str) -> Any:
        """A figure of the studied plan by its record name (`cost_usd.total`); None without one."""
        return self.plan.get(name) if self.plan is not None else None

    def optimal(self, name: str) -> Any:
        """A figure of the scenario's optimum (`status`, `objective_value`, `cost_usd.total`)."""
        return self.optimum.get(name) if self.optimum is not None else None


# -- the work of one scenario (runs in a worker) -------------------------------------------------


@dataclass(frozen=True)
class ScenarioState:
    """What every worker needs (plain data, sent once per worker)."""

    base: dict[str, Any]
    setters: tuple[tuple[tuple[Step, ...], str], ...]   # (steps, label) per drawn column
    plan: dict[str, Any] | None
    reoptimize: bool
    time_limit_s: float | None
    mip_gap: float | None


@dataclass
class _Context:
    state: ScenarioState
    plan: FixedPlan | None
    options: Any


def prepare(state: ScenarioState) -> _Context:
    """Once per worker: the fixed plan and solver options (imports the solver stack if needed)."""
    options = None
    if state.reoptimize:
        from planner.optimize.solve import SolveOptions

        kwargs: dict[str, Any] = {"time_limit_s": state.time_limit_s}
        if state.mip_gap is not None:
            kwargs["mip_gap"] = state.mip_gap
        options = SolveOptions(**kwargs)
    plan = FixedPlan.model_validate(state.plan) if state.plan is not None else None
    return _Context(state, plan, options)


def scenario_instance(base: dict[str, Any], setters: Sequence[tuple[tuple[Step, ...], str]],
                      values: Sequence[Any]) -> Instance:
    """The instance of one scenario: every drawn value set, validated (InputError if refused)."""
    from pydantic import ValidationError

    from planner.input.loading import instance_from_dict

    data = base
    for (steps, label), value in zip(setters, values):
        data = set_path(data, steps, value, label)
    try:
        return Instance.model_validate(data)  # `base` is resolved already: skip the catalog pass
    except ValidationError:
        return instance_from_dict(data)  # the loader's one-line message (raises InputError)


def run_scenario(context: _Context, item: tuple[int, tuple[Any, ...]]) -> ScenarioResult:
    """Price the fixed plan in scenario `index` (and solve it with reoptimize)."""
    from planner.formulas.evaluate import evaluate_plan, find_violations, target_loss
    from planner.formulas.record import flat_record

    index, values = item
    state = context.state
    try:
        instance = scenario_instance(state.base, state.setters, values)
    except InputError as exc:
        return ScenarioResult(index, "invalid", str(exc))
    out: dict[str, Any] = {}
    if context.plan is not None:
        try:
            metrics = evaluate_plan(instance, context.plan)
        except InputError as exc:
            return ScenarioResult(index, "invalid", str(exc))
        broken = [f"{name} is {number}" for name, number in (
            ("cost_usd", metrics.cost_usd.total), ("co2_t", metrics.co2_t.total),
            ("duration_days", metrics.duration_days)) if not math.isfinite(number)]
        if broken:  # an extreme draw (mfu 1e-308): a row that names it, never a NaN priced as met
            return ScenarioResult(index, "invalid", f"{_most_extreme_draw(state.setters, values)} is too "
                                                    f"extreme to compute with ({broken[0]})")
        target = target_loss(instance)
        checked = tuple(limit.key for limit in CHECKED
                        if (target if limit is LOSS_TARGET else getattr(instance.limits, limit.key)) is not None)
        out.update(plan=flat_record(metrics, details=False), target_loss=target, checked=checked,
                   violations=tuple(v.limit for v in find_violations(instance, context.plan, metrics)))
    if state.reoptimize:
        from planner.optimize.pipeline import solve_instance

        try:
            result = solve_instance(instance, context.options, explain=False)
        except InputError as exc:
            return ScenarioResult(index, "invalid", str(exc), **out)
        solved = result.metrics is not None and result.plan is not None
        out["optimum"] = {"status": result.status, "objective_value": result.objective_value if solved else None,
                          **flat_record(result.metrics if solved else None, details=False)}
    return ScenarioResult(index, **out)


# -- the run -------------------------------------------------------------------------------------


@dataclass
class Uncertainty:
    """A finished Monte Carlo run (module docstring)."""

    name: str
    objective: str
    samples: int
    seed: int
    uncertain: list[Uncertain]
    labels: list[str]                     # one per drawn column
    draws: list[tuple[Any, ...]]          # K rows of drawn values
    plan: FixedPlan | None
    plan_source: str                      # instance | point estimate | none
    plan_note: str
    rows: list[ScenarioResult]
    reoptimize: bool
    runner: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    memory: dict[int, int] = field(default_factory=dict)
    base_limits: dict[str, float] = field(default_factory=dict)  # the instance's own limits
    cpu: dict[int, float] = field(default_factory=dict)          # pid -> CPU seconds (Runner.cpu)

    @property
    def valid(self) -> list[ScenarioResult]:
        return [r for r in self.rows if r.status == "ok"]

    def fixed_summary(self) -> dict[str, Any] | None:
        """Percentiles of the plan's figures and the probability of meeting each limit."""
        if self.plan is None:
            return None
        rows = [r for r in self.valid if r.plan is not None]
        out: dict[str, Any] = {"scenarios": len(rows), "invalid": len(self.rows) - len(self.valid)}
        out["percentiles"] = {q.figure: percentiles([r.figure(q.figure) for r in rows]) for q in SUMMARISED}
        names = [n for n in self.checked_limits() if any(n in r.checked for r in rows)]
        others = sorted({v for r in rows for v in r.violations} - set(names))
        probabilities = {}
        for name in [*names, *others]:
            applies = [r for r in rows if name in r.checked] if name in names else rows
            probabilities[name] = share(sum(name not in r.violations for r in applies), len(applies))
        probabilities["all"] = share(sum(not r.violations for r in rows), len(rows))
        out["probabilities"] = probabilities
        return out

    def reoptimized_summary(self) -> dict[str, Any] | None:
        """How often each status and each decision wins, and the spread of the optimal figures."""
        if not self.reoptimize:
            return None
        rows = [r for r in self.valid if r.optimum is not None]
        optimal = [r for r in rows if r.optimal("status") == PlanStatus.OPTIMAL]
        status = Counter(r.optimal("status") for r in rows)
        out: dict[str, Any] = {
            "scenarios": len(rows),
            "status": {k: share(v, len(rows)) for k, v in sorted(status.items())},
            "objective": self.objective,
            "percentiles": {"objective_value": percentiles([r.optimal("objective_value") for r in optimal]),
                            **{q.figure: percentiles([r.optimal(q.figure) for r in optimal]) for q in SUMMARISED}},
        }
        decisions = {}
        for key in (*DECISIONS, "plan"):
            counts = Counter(decision_label(r) if key == "plan" else r.optimal(key) for r in optimal)
            decisions[key] = [{"value": value, "share": share(n, len(optimal))}
                              for value, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))]
        out["decisions"] = decisions
        return out

    def checked_limits(self) -> list[str]:
        """The limits some scenario checks (the loss target as max_loss, then the limits table's)."""
        return [limit.key for limit in CHECKED if any(limit.key in r.checked for r in self.rows)]


def run_uncertainty(source: str | Path | Mapping[str, Any] | Instance, samples: int = 1000, *, seed: int = 0,
                    dists: Sequence[str] = (), reoptimize: bool = False, options: Any = None,
                    runner: Any = None, progress: Progress | None = None,
                    base_dir: str | Path | None = None, throughput_spread: bool = True) -> Uncertainty:
    """Draw `samples` scenarios and answer each (module docstring). `options`: SolveOptions of
    every solve; `runner`: planner.analysis.executor.Runner (serial when None)."""
    from planner.analysis.executor import Runner
    from planner.input.loading import instance_from_dict, load_instance, note_changes

    count = check_samples(samples)
    seed = check_seed(seed)
    if isinstance(source, Instance):
        instance, folder = source, Path(base_dir or ".")
    elif isinstance(source, Mapping):
        instance, folder = instance_from_dict(dict(source)), Path(base_dir or ".")
    else:
        instance, folder = load_instance(source), Path(base_dir) if base_dir else Path(source).parent
    base = instance.model_dump(exclude_none=True, exclude={"uncertainty"})
    plan, plan_source, note = _studied_plan(instance, options, reoptimize)
    defaults = spread_dists(instance, plan) if throughput_spread else {}
    uncertain = _declared(instance, base, folder, dists, defaults)
    check_draws(uncertain, count)
    setters, draws = _draw(uncertain, count, seed)
    note_changes("--dist", lambda: _drawn_pairs(uncertain, setters, draws))
    mip_gap = getattr(options, "mip_gap", None) if options is not None else None
    time_limit = getattr(options, "time_limit_s", None) if options is not None else None
    state = ScenarioState(base, tuple(setters), plan.model_dump(exclude_none=True) if plan is not None else None,
                          reoptimize, time_limit, mip_gap)
    runner = runner or Runner()
    start = time.perf_counter()
    rows = runner.map(prepare, state, run_scenario, list(enumerate(draws)), progress=progress)
    return Uncertainty(instance.name or "instance", instance.objective, count, seed, uncertain,
                       [label for _, label in setters], draws, plan, plan_source, note, rows, reoptimize,
                       runner.describe(), time.perf_counter() - start, dict(runner.memory),
                       instance.limits.model_dump(exclude_none=True), dict(runner.cpu))


def _same_field(base: dict[str, Any], first: str, second: str) -> bool:
    """Whether two paths as written name one field (`gpus[0].mfu`, `gpus[H100].mfu`); False when
    either does not parse (resolve says why)."""
    try:
        return field_key(base, parse_path(first)) == field_key(base, parse_path(second))
    except InputError:
        return False


def _most_extreme_draw(setters: Sequence[tuple[Any, str]], values: Sequence[Any]) -> str:
    """`gpus[H100].mfu = 1.2e-308`: the drawn number furthest from 1 in orders of magnitude."""
    numbers = [(abs(math.log10(abs(v))), label, v) for (_, label), v in zip(setters, values)
               if isinstance(v, (int, float)) and not isinstance(v, bool) and v != 0 and math.isfinite(v)]
    if not numbers:
        return "a drawn value"
    _, label, value = max(numbers)
    return f"the drawn {label} = {value:g}"


def _drawn_pairs(uncertain: list, setters: list, draws: list) -> Iterable[tuple[str, Any]]:
    """(where it was declared, and the concrete path when they differ; a drawn value) of every
    draw, for naming one too extreme to compute with (planner.cli.extremes)."""
    owners = [u.field for u in uncertain for _ in range(len(u.targets) * max(1, len(u.columns)))]
    names = [where if label in where else f"{where} ({label})" for where, (_, label) in zip(owners, setters)]
    for row in draws:
        yield from zip(names, row)


def spread_dists(instance: Instance, plan: FixedPlan | None) -> dict[str, str]:
    """The measured throughput spread (planner.formulas.spread) as default distributions: for each
    GPU carrying `mfu_spread`, its MFU (mfu_fp8 under fp8) times a lognormal factor exp(-r),
    r ~ Normal(log_mean, log_sd^2), of the cell at the studied plan's size (the first candidate size
    without a plan). Left out when the instance or --dist declares any distribution on a GPU's MFU."""
    from planner.formulas.spread import cell_for

    size = plan.model_params if plan is not None else instance.sizes[0]
    key = "mfu_fp8" if instance.precision == "fp8" else "mfu"
    out = {}
    for gpu in instance.gpus:
        cell = cell_for(gpu.mfu_spread, size)
        if cell is not None and (key == "mfu" or gpu.mfu_fp8 is not None):
            out[f"gpus[{gpu.name}].{key}"] = f"*lognormal({-cell.log_mean:.6g}, {cell.log_sd:.6g})"
    return out


def _declared(instance: Instance, base: dict, folder: Path, dists: Sequence[str],
              defaults: Mapping[str, str] | None = None) -> list:
    """The distributions of the `uncertainty:` block and --dist (which replaces a block entry for
    the same path), resolved against the instance; each input drawn by one distribution only.
    `defaults` (the measured throughput spread) apply unless a declared path sets a GPU's MFU."""
    specs: dict[str, tuple[str, str, Path]] = {}
    declared = [p for p in (instance.uncertainty or {})] + [d.partition("=")[0] for d in dists]
    if defaults and not any(p.strip().startswith("gpus") and p.strip().split(".")[-1] in ("mfu", "mfu_fp8")
                            for p in declared):
        for path, text in defaults.items():
            specs[path] = (text, "the measured throughput spread (mfu_spread)", folder)
    for path, text in (instance.uncertainty or {}).items():
        specs[path.strip()] = (text, f"uncertainty.{path.strip()}", folder)
    for item in dists:
        path, sep, text = item.partition("=")
        if not sep or not path.strip() or not text.strip():
            raise InputError("--dist", f"expected PATH=DISTRIBUTION (e.g. gpus[H100].mfu=normal(0.4, 0.05)), got {item!r}")
        if specs.get(path.strip(), ("", ""))[1].startswith("--dist"):
            raise InputError(f"--dist {path.strip()}", "given twice; give each input one distribution")
        for block_path in [p for p, (_, where, _) in specs.items() if where.startswith("uncertainty.")]:
            if _same_field(base, block_path, path.strip()):  # --dist replaces the block's entry
                del specs[block_path]
        specs[path.strip()] = (text, f"--dist {path.strip()}", Path("."))
    if not specs:
        raise InputError("--dist", "no distributions: give --dist PATH=DISTRIBUTION or an `uncertainty:` block")
    uncertain = [resolve(base, path, text, where, folder) for path, (text, where, folder) in specs.items()]
    claimed: dict[tuple[str, ...], str] = {}  # one field however it is written (gpus[0] = gpus[H100])
    for u in uncertain:
        for steps, label in zip(u.targets, u.labels):
            key = field_key(base, steps)
            if key in claimed:
                raise InputError(u.field, f"{label} is also drawn by {claimed[key]}; give each input one distribution")
            claimed[key] = u.field
    for u in uncertain:
        probe(base, u)

    return uncertain


def _draw(uncertain: list, count: int, seed: int) -> tuple[list, list]:
    """All draws, made up front from one seeded generator: (setters, one tuple of values per scenario)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    setters: list[tuple[tuple[Step, ...], str]] = []
    columns: list[list[Any]] = []
    for u in uncertain:
        for steps, label, base_value in zip(u.targets, u.labels, u.base_values):
            if u.dist.kind == "samples":
                picks = Distribution.draw_rows(rng, len(u.table), count)
                for c, column in enumerate(u.columns or (None,)):
                    setters.append((steps + ((Step(column),) if column else ()), f"{label}.{column}" if column else label))
                    columns.append([_fit(u.table[int(k)][c], base_value, column) for k in picks])
            else:
                drawn = u.dist.draw(rng, count)
                factor = float(base_value) if u.dist.relative else 1.0
                setters.append((steps, label))
                columns.append([_fit(float(x) * factor, base_value) for x in drawn])
    draws = list(zip(*columns))
    return setters, draws


def _studied_plan(instance: Instance, options: Any, reoptimize: bool) -> tuple[Any, str, str]:
    """The plan the scenarios evaluate: the instance's `plan:`, else the optimum at the point
    estimate; (plan, where it came from, a note). NoPlanError when there is none and no --reoptimize."""
    plan, plan_source, note = instance.plan, "instance", ""
    if plan is None:
        from planner.optimize.pipeline import solve_instance
        from planner.optimize.solve import SolveOptions

        point = solve_instance(instance, options or SolveOptions(), explain=False)
        if point.status in (PlanStatus.OPTIMAL, PlanStatus.TIME_LIMIT) and point.plan is not None:
            plan, plan_source = point.plan, "point estimate"
            if point.status == PlanStatus.TIME_LIMIT:
                note = "the point estimate's solve stopped at its time limit: its best plan is used"
        else:
            plan_source = "none"
            note = f"the instance as written has no plan ({point.status}); give `plan:` to study a plan of your own"
            if not reoptimize:
                raise NoPlanError(note + ", or use --reoptimize")

    return plan, plan_source, note


class NoPlanError(RuntimeError):
    """The point estimate has no plan to study (and no --reoptimize): exit 3."""


def check_samples(samples: Any) -> int:
    if isinstance(samples, bool) or not isinstance(samples, int) or not 1 <= samples <= MAX_SAMPLES:
        raise InputError("--samples", f"must be a whole number from 1 to {MAX_SAMPLES:,}, got {samples!r}")
    return samples


def check_draws(uncertain: list, count: int) -> None:
    """Scenarios x drawn inputs at most MAX_DRAWS (InputError naming --samples), before any draw."""
    columns = sum(len(u.targets) * max(1, len(u.columns)) for u in uncertain)
    if count * columns > MAX_DRAWS:
        raise InputError("--samples", f"{count:,} scenarios x {columns:,} drawn inputs = {count * columns:,} draws; "
                                      f"a run draws at most {MAX_DRAWS:,} (fewer scenarios, or fewer uncertain inputs)")


def check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError("--seed", f"must be a whole number >= 0, got {seed!r}")
    return seed


def resolve(base: dict[str, Any], path: str, text: str, where: str, folder: Path) -> Uncertain:
    """Parse one declaration and find its concrete paths in the instance (InputError naming `where`)."""
    dist = parse_distribution(text, where)
    try:
        steps = parse_path(path)
    except InputError as exc:
        raise InputError(where, exc.problem) from None
    targets = expand(base, steps, where)
    labels = tuple(_text(t) for t in targets)
    base_values = tuple(value_at(base, t) for t in targets)
    columns: tuple[str, ...] = ()
    table: tuple[tuple[float, ...], ...] = ()
    if dist.kind == "samples":
        mapping = [isinstance(v, dict) for v in base_values]
        if any(mapping) and not all(mapping):
            raise InputError(where, "samples(...) needs every path to be a number, or every one a scaling law")
        if all(mapping):
            if not all(t[-1:] == (Step("scaling_law"),) for t in targets):
                raise InputError(where, "samples(file) on a whole entry works for scaling_law (columns "
                                 f"{', '.join(LAW_COLUMNS)}); give the path of a number otherwise")
            columns = LAW_COLUMNS
            table = read_table(folder / dist.file, LAW_COLUMNS, where, dist.file)
        else:
            key = str(targets[0][-1].key)
            table = read_table(folder / dist.file, (key,), where, dist.file, single_ok=True)
    else:
        for label, value in zip(labels, base_values):
            if isinstance(value, dict) or isinstance(value, list):
                raise InputError(where, f"{label} is a {'mapping' if isinstance(value, dict) else 'list'}; a "
                                 f"{dist.kind} draws one number (use samples(file) for a scaling_law)")
            if dist.relative and (not isinstance(value, (int, float)) or isinstance(value, bool)):
                raise InputError(where, f"*{dist.kind[0:]}...: a factor needs the instance's own value of {label}, "
                                 "and the instance gives none; write an absolute distribution")
    return Uncertain(path, where, dist, targets, labels, columns, table, base_values)


def probe(base: dict[str, Any], u: Uncertain) -> None:
    """Set a typical value at every path of `u` and validate: a path the instance format does not
    have (a misspelt key) is refused before anything is drawn."""
    setters, values = [], []
    for steps, label, base_value in zip(u.targets, u.labels, u.base_values):
        if u.dist.kind == "samples":
            for c, column in enumerate(u.columns or (None,)):
                setters.append((steps + ((Step(column),) if column else ()), label))
                values.append(_fit(u.table[0][c], base_value, column))
        else:
            factor = float(base_value) if u.dist.relative else 1.0
            setters.append((steps, label))
            values.append(_fit(u.dist.representative() * factor, base_value))
    try:
        scenario_instance(base, setters, values)
    except InputError as exc:
        if exc.field.startswith("--vary"):  # set_path: the path leads nowhere
            raise InputError(u.field, exc.problem) from None
        raise InputError(u.field, f"{exc} (checked with the value {value_text(values[0])})") from None


def expand(base: dict[str, Any], steps: tuple[Step, ...], where: str) -> tuple[tuple[Step, ...], ...]:
    """Concrete paths: `[*]` becomes every entry of that list (by name, or index)."""
    for k, step in enumerate(steps):
        if step.by_name and step.key == "*":
            node = value_at(base, steps[:k])
            if not isinstance(node, list):
                raise InputError(where, f"{_text(steps[:k]) or 'the instance'} is not a list; [*] needs one")
            if not node:
                raise InputError(where, f"{_text(steps[:k])} is empty")
            out: list[tuple[Step, ...]] = []
            for i, entry in enumerate(node):
                name = entry.get("name") if isinstance(entry, dict) else None
                head = steps[:k] + (Step(name, by_name=True) if isinstance(name, str) else Step(i),)
                out.extend(expand(base, head + steps[k + 1:], where))
            return tuple(out)
    return (steps,)


def value_at(data: Any, steps: Sequence[Step]) -> Any:
    """The value at `steps` in the YAML-like mapping, None where the path has none."""
    node = data
    for step in steps:
        if isinstance(node, dict):
            node = node.get(str(step.key) if step.by_name or isinstance(step.key, int) else step.key)
        elif isinstance(node, list):
            if isinstance(step.key, int) and not step.by_name:
                node = node[step.key] if -len(node) <= step.key < len(node) else None
            else:
                node = next((e for e in node if isinstance(e, dict) and e.get("name") == step.key), None)
        else:
            return None
        if node is None:
            return None
    return node


def read_table(path: Path, wanted: tuple[str, ...], where: str, shown: str | None,
               single_ok: bool = False) -> tuple[tuple[float, ...], ...]:
    """The numeric columns `wanted` of a CSV file (a one-column file serves one wanted column when
    `single_ok`); InputError naming `where` for a missing file, column or number."""
    import io

    from planner.input.loading import read_regular_file

    shown = shown or path.name
    try:
        raw = read_regular_file(path, MAX_TABLE_BYTES, where)  # a pipe or /dev/zero is refused, not read
        with io.StringIO(raw.decode("utf-8-sig"), newline="") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in (reader.fieldnames or [])]
            names = list(wanted)
            if single_ok and wanted[0] not in header and len(header) == 1:
                names = header
            missing = [c for c in names if c not in header]
            if missing:
                raise InputError(where, f"samples({shown}): missing column(s) {', '.join(missing)} "
                                 f"(has: {', '.join(header) or 'none'})")
            rows = []
            for line, record in enumerate(reader, start=2):
                if len(rows) >= MAX_TABLE_ROWS:
                    raise InputError(where, f"samples({shown}): more than {MAX_TABLE_ROWS:,} rows")
                row = {k.strip(): v for k, v in record.items() if k is not None}
                try:
                    values = tuple(float(row[c]) for c in names)
                except (TypeError, ValueError):
                    raise InputError(where, f"samples({shown}) line {line}: {', '.join(names)} must be numbers") from None
                if not all(math.isfinite(v) for v in values):
                    raise InputError(where, f"samples({shown}) line {line}: values must be finite")
                rows.append(values)
    except FileNotFoundError:
        raise InputError(where, f"samples({shown}): file not found ({path})") from None
    except IsADirectoryError:
        raise InputError(where, f"samples({shown}): is a directory; give a CSV file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:  # csv.Error: a field over the csv module's limit
        raise InputError(where, f"samples({shown}): cannot read ({exc})") from None
    if not rows:
        raise InputError(where, f"samples({shown}): no rows")
    return tuple(rows)


def percentiles(values: Sequence[float | None]) -> dict[str, float | None]:
    """P10, P50, P90 (linear interpolation, numpy's default), mean, min and max; None when empty."""
    import numpy as np

    xs = np.array([v for v in values if v is not None], dtype=float)
    if not len(xs):
        return {**{f"p{q}": None for q in PERCENTILES}, "mean": None, "min": None, "max": None}
    ps = np.percentile(xs, PERCENTILES)
    return {**{f"p{q}": float(p) for q, p in zip(PERCENTILES, ps)}, "mean": float(xs.mean()),
            "min": float(xs.min()), "max": float(xs.max())}


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def decision_label(r: ScenarioResult) -> str:
    """`13B H100x1872 us-east DPO`: the decisions of a scenario's optimum (plan_label)."""
    from planner.formulas.record import plan_label

    return plan_label(*(r.optimal(key) for key in ("model_params", "gpu", "gpu_count", "region", "alignment")))


def _fit(value: float, base_value: Any, column: str | None = None) -> Any:
    """A draw as the instance writes that field: rounded where the instance has a whole number."""
    if column is None and isinstance(base_value, int) and not isinstance(base_value, bool):
        if not math.isfinite(value):  # NaN or inf (inf x 0): the scenario is invalid, not a crash
            return float(value)
        return int(round(value))
    return float(value)


def _text(steps: Sequence[Step]) -> str:
    out = ""
    for step in steps:
        text = str(step)
        out = text if not out else (out + text if text.startswith("[") else f"{out}.{text}")
    return out


__all__ = ["run_uncertainty", "Uncertainty", "ScenarioResult", "NoPlanError", "percentiles", "SUMMARISED", "CHECKED"]
