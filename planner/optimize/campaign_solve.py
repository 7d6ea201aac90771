"""One path for every campaign caller: Campaign -> campaign_derive -> MIP (models.campaign_plan) ->
HiGHS (planner.optimize.solve) -> extract -> CampaignPlan -> the Pyomo-free evaluator.

The plan a caller receives is priced by planner.formulas.campaign_evaluate; the MIP only chooses.
A run left with no variant (every size out of reach, or none fits its GPUs), or whose variants'
GPU types have no island in the fleet, is infeasible before any model is built.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Literal

from models import campaign_plan
from planner.formulas.campaign_evaluate import CampaignMetrics, CampaignPlan, Reservation, RunPlan, evaluate_campaign
from planner.input.campaign_schema import Campaign
from planner.input.months import month_label
from planner.optimize.campaign_derive import CampaignData, campaign_data
from planner.optimize.solve import SolveOptions, Solver
from planner.constants import PlanStatus, Objective

#: Default relative MIP gap of `plan campaign` (0.01%): the issue asks 0.1%, the MIP proves 10x better.
CAMPAIGN_MIP_GAP = 1e-4
#: HiGHS options of every campaign solve: the light presolve (presolve_mode 2). The full one's
#: probing spends seconds on the campaign MIP (its node and block counts are wide integers) for
#: reductions the tightened formulation no longer needs; light presolve solved the benchmark's
#: random campaigns 1.1-10x faster and in a third less memory (benchmarks/bench_campaign.py).
CAMPAIGN_HIGHS_OPTIONS = (("presolve_mode", 2),)
CampaignStatus = Literal["optimal", "within_gap", "infeasible", "time_limit", "error"]


@dataclass(frozen=True)
class CampaignSolverInfo:
    seconds: float
    build_seconds: float       # the Pyomo model (and the derive, when solve_campaign made it)
    mip_gap: float | None
    bound: float | None        # natural units
    termination: str
    variables: int = 0
    rows: int = 0
    handoff_seconds: float = 0.0   # compiling the Pyomo model to one matrix and passing it to HiGHS


@dataclass
class CampaignResult:
    status: CampaignStatus
    objective: str
    objective_value: float | None        # the evaluator's value of the plan
    model_objective: float | None        # the MIP's own value, natural units
    plan: CampaignPlan | None
    metrics: CampaignMetrics | None
    solver: CampaignSolverInfo
    data: CampaignData
    explanation: list[str] = field(default_factory=list)


def unplannable_runs(data: CampaignData) -> list[str]:
    """Runs no model can place: no variant at all, or none on a GPU type the fleet has."""
    fleet_gpus = {g for _, g in data.islands}
    out = []
    for run_variants in data.variants:
        if not run_variants:
            continue
        if not {v.gpu for v in run_variants} & fleet_gpus:
            out.append(f"{run_variants[0].run}: its variants need {', '.join(sorted({v.gpu for v in run_variants}))}, "
                       "which no site of the fleet has")
    return out


def tidy_nodes(nodes: tuple[int, ...], gpu_hours: tuple[float, ...], hours: tuple[float, ...], node: int,
               floor_nodes: int) -> tuple[int, ...]:
    """Nodes the plan reports: held nodes cost nothing in the objective (on-demand is paid by the
    GPU-hour used, owned and reserved GPUs whether used or not), so the MIP may hold more than its
    work needs. Months with no work before the first or after the last month with work are dropped
    and every other active month holds max(floor, ceil(work / (h node))) nodes, never more than the
    MIP held: every row still holds, the objective is unchanged."""
    worked = [t for t, u in enumerate(gpu_hours) if u > 1e-6 * node * hours[t]]
    if not worked:
        return tuple(0 for _ in nodes)
    out = []
    for t, n in enumerate(nodes):
        if t < worked[0] or t > worked[-1] or n == 0:
            out.append(0)
        else:
            need = math.ceil(gpu_hours[t] / (hours[t] * node) - 1e-6)
            out.append(min(n, max(floor_nodes, need)))
    return tuple(out)


def to_plan(campaign: Campaign, data: CampaignData, choice: campaign_plan.CampaignChoice) -> CampaignPlan:
    """The MIP's choice as a CampaignPlan (GPUs = nodes x node size, tidied by tidy_nodes)."""
    runs = []
    for j, rc in enumerate(choice.runs):
        v = data.variants[j][rc.variant]
        site, gpu = data.islands[rc.island]
        node = data.inputs.islands[rc.island].node
        nodes = tidy_nodes(rc.nodes, rc.gpu_hours, data.inputs.hours, node, v.floor_gpus // node)
        hours = tuple(u if n else 0.0 for u, n in zip(rc.gpu_hours, nodes))
        runs.append(RunPlan(v.run, v.model_params, v.tokens, v.recipe, gpu, site,
                            tuple(n * node for n in nodes), hours))
    reservations = tuple(Reservation(site, gpu, month_label(campaign.start_month, t), b)
                         for (site, gpu), row in zip(data.islands, choice.blocks) for t, b in enumerate(row) if b)
    return CampaignPlan(tuple(runs), reservations)


def least_cost_among_cleanest(model, data: CampaignData, options: SolveOptions, first):
    """Objective co2's second stage (models.campaign_plan.then_least_cost); the first stage's result
    (bound, gap) is kept, with the second's time added."""
    co2 = campaign_plan.extract(model).objective_value
    campaign_plan.then_least_cost(model, co2, data.inputs.cost_unit)
    second = Solver(model, options).solve()
    if not second.has_solution:
        raise RuntimeError("objective co2: the cleanest plan was lost in the least-cost stage")
    return replace(first, seconds=first.seconds + second.seconds,
                   handoff_seconds=first.handoff_seconds + second.handoff_seconds)


def solve_campaign(campaign: Campaign, options: SolveOptions = SolveOptions(mip_gap=CAMPAIGN_MIP_GAP),
                   data: CampaignData | None = None, relax: bool = False) -> CampaignResult:
    """Solve `campaign` (module docstring); `relax` solves the LP relaxation (a bound, no plan)."""
    start = time.perf_counter()
    data = data if data is not None else campaign_data(campaign)
    empty = [vs for vs in data.variants if not vs]
    blocked = unplannable_runs(data)
    if empty or blocked:
        names = [r.name for r, vs in zip(campaign.runs, data.variants) if not vs]
        lines = [f"{n}: no variant is possible" for n in names] + blocked + data.ruled_out
        info = CampaignSolverInfo(time.perf_counter() - start, 0.0, None, None, "no variant")
        return CampaignResult("infeasible", campaign.objective, None, None, None, None, info, data, lines)
    model = campaign_plan.build(data.inputs, relax=relax)
    built = time.perf_counter() - start
    options = options if options.highs_options else replace(options, highs_options=CAMPAIGN_HIGHS_OPTIONS)
    result = Solver(model, options).solve()
    if campaign.objective == Objective.CO2 and result.status == PlanStatus.OPTIMAL and not relax:
        result = least_cost_among_cleanest(model, data, options, result)
    info = CampaignSolverInfo(result.seconds + built, built, result.mip_gap,
                              None if result.bound is None else
                              result.bound * data.inputs.objective_unit + campaign_plan.objective_offset(data.inputs),
                              result.termination, model.nvariables(), model.nconstraints(), result.handoff_seconds)
    if not result.has_solution:
        status = result.status if result.status != PlanStatus.OPTIMAL else PlanStatus.ERROR
        return CampaignResult(status, campaign.objective, None, None, None, None, info, data)
    choice = campaign_plan.extract(model)
    if relax:
        return CampaignResult(result.status, campaign.objective, None, choice.objective_value, None, None, info, data)
    plan = to_plan(campaign, data, choice)
    metrics = evaluate_campaign(campaign, plan)
    value = metrics.objective_value(campaign.objective, campaign.carbon_price_usd_per_t)
    status = PlanStatus.OPTIMAL if result.status == PlanStatus.OPTIMAL else result.status
    if status == PlanStatus.OPTIMAL and info.mip_gap is not None and info.mip_gap > CAMPAIGN_MIP_GAP * (1 + 1e-9):
        status = PlanStatus.WITHIN_GAP  # a looser --mip-gap let HiGHS stop at a plan it has not proven optimal
    return CampaignResult(status, campaign.objective, value, choice.objective_value, plan, metrics, info, data)
