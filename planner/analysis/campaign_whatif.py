"""What-if over a campaign: `plan whatif CAMPAIGN.yaml --vary PATH=SPEC` (and `plan campaign
--vary`, the same code): re-solve a campaign over a grid of inputs.

The grammar is `plan whatif`'s (planner.input.sweep_paths) over the campaign's keys: runs and
sites by name (`runs[base-405b].deadline=2027-04,2027-06`, `sites[virginia].grid_mw=5,10`), fleet
entries by index (`fleet[0].reserved.usd_per_gpu_hour=1.8:2.6:5`), `budget_usd` or
`limits.budget_usd`, `max_co2_t` or `limits.max_co2_t`. Each grid point is the campaign file with
those values set, validated again before anything is solved (a bad value is an error naming the
point) and solved exactly by planner.optimize.campaign_solve.solve_campaign, the solve of `plan
campaign`; an infeasible point is a row with its status. The points are independent solves and
run on planner.analysis.executor.Runner (this process, a process pool, or a Dask cluster), in
grid order, with the same answers wherever they run.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from planner.constants import PlanStatus
from planner.input.campaign_loading import campaign_from_dict, resolve_campaign_names
from planner.input.campaign_schema import Campaign, CampaignLimits
from planner.input.loading import read_yaml
from planner.input.sweep_paths import Vary, parse_path, set_path
from planner.numbers import value as value_text
from planner.optimize.campaign_solve import CampaignResult, solve_campaign
from planner.optimize.solve import SolveOptions
from planner.constants import Objective

#: Short forms of the campaign's limits: `budget_usd` is `limits.budget_usd` (every key of `limits`).
SHORT_PATHS = {key: f"limits.{key}" for key in CampaignLimits.model_fields}


@dataclass(frozen=True)
class CampaignPoint:
    values: tuple[Any, ...]          # one per --vary, in order
    result: CampaignResult


@dataclass
class CampaignWhatIf:
    """A finished campaign sweep: the varied inputs and one point per grid cell, in grid order."""

    name: str
    varies: list[Vary]
    points: list[CampaignPoint]
    seconds: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)


def is_campaign_file(path: str | Path) -> bool:
    """A campaign file has a top-level `runs` list (an instance has no such key)."""
    data = read_yaml(path)
    return isinstance(data, dict) and "runs" in data


def expand_short(varies: list[Vary]) -> list[Vary]:
    """`budget_usd=...` -> `limits.budget_usd=...` (SHORT_PATHS)."""
    out = []
    for v in varies:
        full = SHORT_PATHS.get(v.path)
        out.append(v if full is None else Vary(full, parse_path(full), v.values, v.log))
    return out


def campaign_source(path: str | Path, changes: list[tuple[str, Any]] = ()) -> dict[str, Any]:
    """The campaign file as a mapping (catalog names resolved), with `--set` changes applied."""
    return with_changes(resolve_campaign_names(read_yaml(path)), changes)


def with_changes(data: dict[str, Any], changes: list[tuple[str, Any]]) -> dict[str, Any]:
    """A campaign mapping with `--set` changes applied, in order (`data` itself unchanged)."""
    for where, value in changes:
        where = SHORT_PATHS.get(where, where)
        data = set_path(data, parse_path(where, "--set"), value, where, "--set")
    return data


def point_campaign(base: dict[str, Any], varies: list[Vary], cell: tuple) -> Campaign:
    """The validated campaign of one grid point (InputError names the point)."""
    from planner.analysis.whatif import point_validated

    return point_validated(base, varies, cell, campaign_from_dict)


def _options(state: SolveOptions) -> SolveOptions:
    """Per worker: the sweep's solver options (and HiGHS made safe to use after a fork)."""
    from planner.optimize.solve import reset_after_fork

    reset_after_fork()
    return state


def solve_point(options: SolveOptions, campaign: Campaign) -> CampaignResult:
    """One point, as `plan campaign` solves it (the derived data is dropped from the answer sent
    back: the plan and the evaluator's figures are what a row needs)."""
    result = solve_campaign(campaign, options)
    return result


def run_campaign_whatif(source: str | Path | dict[str, Any], varies: list[Vary], options: SolveOptions,
                        runner: Any = None, progress: Callable[[int, int], None] | None = None) -> CampaignWhatIf:
    """Every grid point of `varies` over the campaign `source` (module docstring)."""
    from planner.analysis.executor import Runner

    base = source if isinstance(source, dict) else campaign_source(source)
    varies = expand_short(varies)
    cells = list(itertools.product(*(v.values for v in varies)))
    campaigns = [point_campaign(base, varies, cell) for cell in cells]  # all validated first
    runner = runner or Runner()
    start = time.perf_counter()
    results = runner.map(_options, options, solve_point, campaigns, progress=progress)
    points = [CampaignPoint(tuple(cell), r) for cell, r in zip(cells, results)]
    stats = {"solves": len(cells), "infeasible": sum(p.result.status == PlanStatus.INFEASIBLE for p in points),
             **({"workers": runner.describe()} if runner.kind != "serial" else {})}
    return CampaignWhatIf(str(base.get("name") or "campaign"), varies, points, time.perf_counter() - start, stats)


def campaign_sweep(path: str | Path, varies: list[Vary], options: SolveOptions) -> list[CampaignPoint]:
    """The points of run_campaign_whatif in this process (the Python API of earlier versions)."""
    return run_campaign_whatif(path, varies, options).points


def point_record(varies: list[Vary], p: CampaignPoint) -> dict[str, Any]:
    """One row as numbers: the varied values, status, objective value, cost, CO2, blocks, sites."""
    r = p.result
    row: dict[str, Any] = {v.path: value for v, value in zip(varies, p.values)}
    row["status"] = r.status
    row["objective"] = r.objective
    has = r.metrics is not None
    row["objective_value"] = r.objective_value if has else None
    row["cost_usd"] = r.metrics.cost_usd if has else None
    row["co2_t"] = r.metrics.co2_t if has else None
    row["blocks"] = sum(x.blocks for x in r.plan.reservations) if has else None
    row["sites"] = {run.run: run.site for run in r.plan.runs} if has else {}
    row["explanation"] = list(r.explanation)
    return row


def sweep_rows(varies: list[Vary], points: list[CampaignPoint]) -> tuple[list[str], list[list[str]]]:
    """Header and text rows of the sweep table: the varied values, status, objective, cost, CO2,
    blocks, and the sites the runs use."""
    header = [v.path for v in varies] + ["status", "objective value", "cost USD", "CO2 t", "blocks", "runs at"]
    rows = []
    for p in points:
        r = p.result
        cells = [value_text(v) for v in p.values] + [r.status]
        if r.metrics is None:
            rows.append(cells + ["-"] * 5)
            continue
        sites = ", ".join(sorted({run.site for run in r.plan.runs}))
        rows.append(cells + [f"{r.objective_value:,.6g}" if r.objective == Objective.CO2 else f"{r.objective_value:,.0f}",
                             f"{r.metrics.cost_usd:,.0f}", f"{r.metrics.co2_t:,.1f}",
                             str(sum(x.blocks for x in r.plan.reservations)), sites])
    return header, rows
