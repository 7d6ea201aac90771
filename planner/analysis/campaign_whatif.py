"""`plan campaign FILE --vary PATH=SPEC ...`: re-solve a campaign over a grid of inputs.

The grammar is `plan whatif`'s (planner.input.sweep_paths: `runs[base-405b].deadline=2027-04,2027-06`,
`fleet[0].reserved.usd_per_gpu_hour=1.8:2.6:5`, `sites[texas].grid_mw=5,10`, `limits.max_co2_t=...`).
Each grid point is the campaign file with those values set, validated again (a bad value is an
error naming the point) and solved exactly; an infeasible point is a row with its status. The
points are solved one after another in this process.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from planner.errors import InputError
from planner.input.campaign_loading import campaign_from_dict, resolve_campaign_names
from planner.input.loading import read_yaml
from planner.input.sweep_paths import Vary, set_path
from planner.optimize.campaign_solve import CampaignResult, solve_campaign
from planner.optimize.solve import SolveOptions
from planner.constants import Objective


@dataclass(frozen=True)
class CampaignPoint:
    values: tuple[Any, ...]          # one per --vary, in order
    result: CampaignResult


def campaign_sweep(path: str, varies: list[Vary], options: SolveOptions) -> list[CampaignPoint]:
    """Every grid point of `varies` over the campaign file at `path` (module docstring)."""
    base = resolve_campaign_names(read_yaml(path))
    out = []
    for cell in itertools.product(*(v.values for v in varies)):
        data = base
        for v, value in zip(varies, cell):
            data = set_path(data, v.steps, value, v.path)
        try:
            campaign = campaign_from_dict(data)
        except InputError as exc:
            where = ", ".join(f"{v.path}={value}" for v, value in zip(varies, cell))
            raise InputError(exc.field, f"{exc.problem} (at --vary {where})") from None
        out.append(CampaignPoint(tuple(cell), solve_campaign(campaign, options)))
    return out


def sweep_rows(varies: list[Vary], points: list[CampaignPoint]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the sweep table: the varied values, status, objective, cost, CO2, blocks."""
    header = [v.path for v in varies] + ["status", "objective", "cost USD", "CO2 t", "blocks", "runs at"]
    rows = []
    for p in points:
        r = p.result
        cells = [str(v) for v in p.values] + [r.status]
        if r.metrics is None:
            rows.append(cells + ["-"] * 5)
            continue
        sites = ", ".join(sorted({run.site for run in r.plan.runs}))
        rows.append(cells + [f"{r.objective_value:,.6g}" if r.objective == Objective.CO2 else f"{r.objective_value:,.0f}",
                             f"{r.metrics.cost_usd:,.0f}", f"{r.metrics.co2_t:,.1f}",
                             str(sum(x.blocks for x in r.plan.reservations)), sites])
    return header, rows
