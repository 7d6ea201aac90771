"""Why a campaign has no plan, and what would have to move by how much (exit 3 of `plan campaign`).

1. Budget and carbon budget: the campaign is solved without them; if it then has a plan, its least
   cost (objective cost) and least CO2 (objective co2) say how far each limit must rise.
2. Deadlines: the campaign is solved with every deadline soft (objective lateness, each month late
   priced far above any cost); the runs that still finish late are named with the month they
   could finish and the GPU-hours they do past their deadline, i.e. what more GPUs in their window
   (owned, reserved or on demand, within MW and their scale limit) would have to supply.
3. A run that cannot finish even within the horizon on its own: the most GPU-hours any island can
   give it inside its window (its scale limit, every channel at its maximum, the grid limit) against
   the GPU-hours its lightest variant needs.
"""

from __future__ import annotations

import math

from planner.formulas.limits import CAMPAIGN_LIMITS, Limit
from planner.input.campaign_schema import Campaign, CampaignLimits
from planner.numbers import amount
from planner.optimize.campaign_derive import CampaignData
from planner.optimize.campaign_solve import solve_campaign
from planner.optimize.solve import SolveOptions
from planner.constants import PlanStatus


def explain_infeasible(campaign: Campaign, data: CampaignData, options: SolveOptions) -> list[str]:
    """Lines for the user (module docstring)."""
    lines: list[str] = []
    limits = campaign.limits
    free = campaign.model_copy(update={"limits": CampaignLimits()})
    if any(getattr(limits, row.key) is not None for row in CAMPAIGN_LIMITS):
        if solve_campaign(free, options).status != PlanStatus.INFEASIBLE:
            return limit_lines(campaign, free, options)
    lines += _deadline_lines(free, data, options)
    return lines or ["no plan, and no single limit explains it (runs, precedence and the fleet together)"]


def least_value(free: Campaign, row: Limit, options: SolveOptions) -> float | None:
    """The least figure a campaign limit caps (cost, CO2) of any plan of `free` (no budget or
    carbon limit): `free` solved with that quantity as its objective."""
    result = solve_campaign(free.model_copy(update={"objective": row.quantity}), options)
    if result.metrics is None:
        return None
    return row.read(result.metrics)


def limit_lines(campaign: Campaign, free: Campaign, options: SolveOptions) -> list[str]:
    """How far the budget and the carbon budget must rise (step 1 of the module docstring)."""
    out = []
    for row in CAMPAIGN_LIMITS:
        bound = getattr(campaign.limits, row.key)
        least = least_value(free, row, options) if bound is not None else None
        if least is not None and least > bound * (1 + 1e-6):
            out.append(f"{row.path}: the least {row.label} of any plan is {amount(least, row.unit)}; the {row.noun} "
                       f"{amount(bound, row.unit)} must rise by {amount(least - bound, row.unit)}")
    if not out:
        out.append("budget and carbon budget together: each alone admits a plan, both at once do not "
                   "(raise either)")
    return out


def _deadline_lines(free: Campaign, data: CampaignData, options: SolveOptions) -> list[str]:
    price = 100.0 * data.inputs.objective_unit
    soft = free.model_copy(update={"objective": "lateness", "runs": [
        r.model_copy(update={"late_usd_per_month": price}) for r in free.runs]})
    result = solve_campaign(soft, options)
    if result.metrics is None:
        return _capacity_lines(free, data)
    out = []
    for j, (run, figures, plan) in enumerate(zip(free.runs, result.metrics.runs, result.plan.runs)):
        if figures.months_late:
            out.append(_late_line(free, data, j, figures.last_month, figures.months_late,
                                  sum(plan.gpu_hours_by_month[free.horizon_index(run.deadline) + 1:])))
    return out


def _late_line(free: Campaign, data: CampaignData, j: int, finish: str, late: int, past: float) -> str:
    """One late run: which limit keeps it from its deadline, and by how much it must move."""
    run, numbers = free.runs[j], data.inputs.runs[j]
    need = min(v.work_gpu_hours for v in numbers.variants)
    months = range(numbers.first, numbers.deadline + 1)
    window = sum(data.inputs.hours[t] for t in months)
    capped, uncapped = supply(data, j, months, True), supply(data, j, months, False)
    head = (f"runs[{run.name}].deadline: {run.name} can finish in {finish} at the earliest, {late} month(s) after "
            f"{run.deadline} (or move the deadline to {finish})")
    if need > uncapped * (1 + 1e-9):
        return (f"{head}; even alone, every GPU its best site can give in its window (channels and MW) is "
                f"{uncapped:,.0f} of the {need:,.0f} GPU-hours it needs: {need - uncapped:,.0f} short, about "
                f"{(need - uncapped) / window:,.0f} more GPUs every month of the window")
    if need > capped * (1 + 1e-9):
        node = min(isl.node for isl in data.inputs.islands if isl.gpu in {v.gpu for v in numbers.variants})
        return (f"{head}; its scale limit max_gpus {run.max_gpus:,} gives at most {capped:,.0f} of the {need:,.0f} "
                f"GPU-hours in its window: max_gpus must rise to at least {math.ceil(need / window / node) * node:,}")
    return (f"{head}; alone it would fit, but beside the other runs it does {past:,.0f} GPU-hours past its "
            f"deadline: that many more GPU-hours in its window (about {past / window:,.0f} more GPUs a month), or "
            "an earlier start or later deadline of the runs it competes with")


def supply(data: CampaignData, j: int, months, capped: bool) -> float:
    """The most GPU-hours any one island gives run j alone over `months`: every channel at its
    maximum, within the grid limit, in whole nodes (and within max_gpus when `capped`)."""
    numbers, hours = data.inputs.runs[j], data.inputs.hours
    gpus = {v.gpu for v in numbers.variants}
    best = 0.0
    for isl in data.inputs.islands:
        if isl.gpu not in gpus:
            continue
        total = 0.0
        for t in months:
            cap = isl.owned[t] + isl.block_gpus * isl.max_blocks + isl.on_demand[t]
            limit = data.inputs.grid_mw[isl.site][t]
            if limit is not None:
                cap = min(cap, int(limit / isl.mw_per_gpu * (1 + 1e-9)))
            if capped:
                cap = min(cap, numbers.max_gpus)
            total += cap // isl.node * isl.node * hours[t]
        best = max(best, total)
    return best


def _capacity_lines(free: Campaign, data: CampaignData) -> list[str]:
    """Step 3: runs that no island can serve inside the horizon even alone."""
    out = []
    for j, (run, numbers) in enumerate(zip(free.runs, data.inputs.runs)):
        best = supply(data, j, range(numbers.first, len(data.inputs.hours)), True)
        need = min((v.work_gpu_hours for v in numbers.variants), default=0.0)
        if need > best * (1 + 1e-9):
            out.append(f"runs[{run.name}]: needs {need:,.0f} GPU-hours; from {run.earliest_start or free.start_month} "
                       f"to the horizon's end the best site gives it {best:,.0f} ({need - best:,.0f} short): "
                       "more GPUs (any channel), MW, max_gpus or months")
    return out or ["the runs do not fit the horizon together (with their precedence): lengthen `months`, "
                   "start runs earlier or add GPUs"]
