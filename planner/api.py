"""The planner from Python (notebooks, scripts): the commands as functions.

    import planner
    answer = planner.solve("instances/startup-7b.yaml", limits__budget_usd=1.5e6)
    answer["status"], answer["plan"]["cost_usd"]["total"]       # the `plan solve --format json` record
    planner.whatif("instances/startup-7b.yaml", ["limits.budget_usd=1e6:4e6:4log"])   # a DataFrame
    planner.frontier("instances/us-vs-nordic.yaml", minimize="cost", limit="co2")    # a DataFrame
    planner.rank("instances/us-vs-nordic.yaml", by="region")                          # a DataFrame

`source` is a YAML path, a mapping as read from YAML, or a validated Instance. Keyword overrides
are `--set` paths, with `__` for the dots: `limits__budget_usd=5e6` is `--set limits.budget_usd=5e6`;
a path with brackets is given through a mapping: `**{"gpus[H100].mfu": 0.4}`. None is YAML null.
Bad input raises planner.errors.InputError (one message naming the field), as the CLI exits 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from planner.input.schema import Instance


def load(source: Any, *, for_solving: bool = True, **overrides: Any) -> Instance:
    """The validated instance of `source` with `overrides` set (module docstring)."""
    from planner.input.loading import instance_from_dict, read_with_changes, resolve_catalog_names
    from planner.input.schema import Instance
    from planner.input.sweep_paths import check_distinct, parse_path, set_path

    changes = [(key.replace("__", "."), value) for key, value in overrides.items()]
    if isinstance(source, Instance) and not changes:
        return source
    if isinstance(source, (str, Path)):
        return instance_from_dict(read_with_changes(source, changes), for_solving=for_solving)
    data = source.model_dump(exclude_none=True) if isinstance(source, Instance) else dict(source)
    data = resolve_catalog_names(data)
    paths = [(path, parse_path(path, "--set")) for path, _ in changes]
    check_distinct(data, paths, "--set")
    for (path, steps), (_, value) in zip(paths, changes):
        data = set_path(data, steps, value, path, "--set")
    return instance_from_dict(data, for_solving=for_solving)


def solve(source: Any, *, time_limit_s: float | None = None, **overrides: Any) -> dict[str, Any]:
    """The optimal plan: the record `plan solve --format json` prints (status, objective_value,
    plan with every figure, binding, solver; explanation when there is no plan)."""
    from planner.optimize.pipeline import solve_instance
    from planner.optimize.solve import SolveOptions
    from planner.present.report import result_dict

    return result_dict(solve_instance(load(source, **overrides), SolveOptions(time_limit_s=time_limit_s)))


def evaluate(source: Any, plan: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """Price a fixed plan (`plan`, or the instance's own `plan:`): the document `plan evaluate
    --format json` prints ({plan: record, violations: [...], target, warnings})."""
    from planner.formulas.evaluate import evaluate_plan, find_violations, target_loss
    from planner.formulas.extrapolation import plan_warnings
    from planner.input.schema import FixedPlan
    from planner.present.report import evaluation_dict

    instance = load(source, for_solving=False, **overrides)
    fixed = FixedPlan.model_validate(plan) if plan is not None else instance.plan
    if fixed is None:
        from planner.errors import InputError

        raise InputError("plan", "give plan={model_params, tokens, gpu, gpu_count, region[, alignment]}")
    metrics = evaluate_plan(instance, fixed)
    return evaluation_dict(metrics, find_violations(instance, fixed, metrics), target_loss(instance),
                           plan_warnings(instance, metrics))


def whatif(source: Any, vary: Any, **overrides: Any) -> pd.DataFrame:
    """One row per point of the --vary grid (planner.analysis.whatif.run_whatif), the plan's record in
    the columns every CSV uses."""
    from planner.analysis.whatif import run_whatif
    from planner.present.whatif_record import whatif_frame

    return whatif_frame(run_whatif(_data(source, overrides), vary))


def frontier(source: Any, minimize: str = "cost", limit: str = "co2", points: int | str = 10,
             **overrides: Any) -> pd.DataFrame:
    """The exact Pareto frontier, one row per non-dominated plan (planner.analysis.frontier)."""
    from planner.analysis.frontier import run_frontier
    from planner.present.frontier_record import frontier_frame

    return frontier_frame(run_frontier(load(source, **overrides), minimize, limit, points))


def rank(source: Any, by: str = "region", top: int | None = None, **overrides: Any) -> pd.DataFrame:
    """The best plan for each region (GPU, size, recipe), one row each (planner.analysis.rank)."""
    from planner.analysis.rank import rank as run
    from planner.present.rank_record import rank_frame

    return rank_frame(run(load(source, **overrides), by, top))


def _data(source: Any, overrides: dict[str, Any]) -> Any:
    """A path or mapping with the overrides set, unvalidated (whatif validates every point)."""
    if not overrides:
        return source
    from planner.input.loading import read_with_changes

    changes = [(key.replace("__", "."), value) for key, value in overrides.items()]
    if isinstance(source, (str, Path)):
        return read_with_changes(source, changes)
    return load(source, **overrides)


__all__ = ["load", "solve", "evaluate", "whatif", "frontier", "rank"]
