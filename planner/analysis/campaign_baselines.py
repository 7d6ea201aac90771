"""Baselines beside the campaign optimum: what planning jointly is worth (`plan campaign --baselines`).

- LP bound: the campaign MIP with every variable continuous (models.campaign_plan.build(relax=True));
  no plan is below it.
- Sequential: the runs one at a time in deadline order (predecessors first), each planned optimally
  by the same MIP on what the earlier runs left: owned and already-reserved GPUs they do not hold,
  on-demand GPUs they do not rent, MW they do not draw, blocks they have not bought; it starts after
  its predecessors end. The runs' plans together are priced by the evaluator on the whole campaign.
- Greedy: earliest deadline first, month by month, cheapest first: each run (in deadline order)
  takes, at the island where it would cost least, from its earliest month on, as many nodes as its
  scale limit, the free GPUs (owned, then on demand) and the MW left allow, until its work is done;
  it buys no reservation and picks the variant with the least work that fits. Priced (and its missed
  deadlines listed) by the evaluator.
"""

from __future__ import annotations

import math
from dataclasses import replace

from models.campaign_inputs import CampaignInputs, IslandNumbers
from planner.formulas.campaign_evaluate import CampaignPlan, RunPlan, evaluate_campaign
from planner.formulas.limits import CAMPAIGN_LIMITS
from planner.input.campaign_schema import Campaign
from planner.optimize.campaign_derive import CampaignData
from planner.optimize.campaign_solve import CampaignResult, solve_campaign, to_plan, tidy_nodes
from planner.optimize.solve import SolveOptions
from planner.constants import Objective


def deadline_order(inputs: CampaignInputs) -> list[int]:
    """Runs by deadline, every run after its predecessors."""
    order: list[int] = []
    for j in sorted(range(len(inputs.runs)), key=lambda j: (inputs.runs[j].deadline, j)):
        _place(inputs, j, order)
    return order


def _place(inputs: CampaignInputs, j: int, order: list[int]) -> None:
    if j in order:
        return
    for before in inputs.runs[j].after:
        _place(inputs, before, order)
    order.append(j)


class Leftover:
    """Per island and month what earlier runs left: paid-for GPUs (owned or reserved) not held,
    on-demand GPUs not rented, MW per site not drawn, blocks held."""

    def __init__(self, data: CampaignData):
        inputs = data.inputs
        self.inputs = inputs
        months = len(inputs.hours)
        self.free = [list(isl.owned) for isl in inputs.islands]
        self.on_demand = [list(isl.on_demand) for isl in inputs.islands]
        self.blocks_held = [[0] * months for _ in inputs.islands]
        self.mw = [[m if m is not None else math.inf for m in row] for row in inputs.grid_mw]
        self.last_month = [-1] * len(inputs.runs)

    def take(self, i: int, t: int, gpus: int) -> None:
        """Run holds `gpus` on island i in month t: paid-for GPUs first, then on demand."""
        isl = self.inputs.islands[i]
        paid = min(gpus, self.free[i][t])
        self.free[i][t] -= paid
        self.on_demand[i][t] -= gpus - paid
        self.mw[isl.site][t] -= gpus * isl.mw_per_gpu

    def reserve(self, i: int, t0: int, blocks: int) -> None:
        isl = self.inputs.islands[i]
        for t in range(t0, min(t0 + isl.term_months, len(self.inputs.hours))):
            self.free[i][t] += blocks * isl.block_gpus
            self.blocks_held[i][t] += blocks

    def inputs_for(self, j: int) -> CampaignInputs:
        """The MIP's numbers for run j alone on what is left (module docstring)."""
        inputs = self.inputs
        first = max([inputs.runs[j].first] + [self.last_month[b] + 1 for b in inputs.runs[j].after])
        run = replace(inputs.runs[j], first=first, after=())
        islands = tuple(replace(isl, owned=tuple(self.free[i]), on_demand=tuple(max(0, x) for x in self.on_demand[i]),
                                max_blocks=max(0, isl.max_blocks - max(self.blocks_held[i], default=0)))
                        for i, isl in enumerate(inputs.islands))
        grid = tuple(tuple(None if m == math.inf else max(m, 1e-9) for m in row) for row in self.mw)
        return replace(inputs, runs=(run,), islands=islands, grid_mw=grid, owned_usd=0.0,
                       **dict.fromkeys((row.key for row in CAMPAIGN_LIMITS), None))


def sequential(campaign: Campaign, data: CampaignData, options: SolveOptions) -> dict:
    """The run-by-run planner (module docstring)."""
    left = Leftover(data)
    plans: dict[int, RunPlan] = {}
    reservations = []
    for j in deadline_order(data.inputs):
        sub = replace(data, inputs=left.inputs_for(j), variants=[data.variants[j]])
        if sub.inputs.runs[0].first > sub.inputs.runs[0].deadline and campaign.objective != "lateness":
            return {"status": "infeasible", "note": f"{campaign.runs[j].name} has no month left before its deadline"}
        result = solve_campaign(campaign, options, data=sub)
        if result.plan is None:
            return {"status": result.status, "note": f"{campaign.runs[j].name} cannot be planned on what is left"}
        plan = result.plan.runs[0]
        plans[j] = plan
        i = data.islands.index((plan.site, plan.gpu))
        for r in result.plan.reservations:
            t0 = campaign.horizon_index(r.month)
            left.reserve(i, t0, r.blocks)
            reservations.append(r)
        for t, n in enumerate(plan.gpus_by_month):
            if n:
                left.take(i, t, n)
                left.last_month[j] = t
    combined = CampaignPlan(tuple(plans[j] for j in range(len(campaign.runs))), tuple(reservations))
    return _priced(campaign, combined)


def _priced(campaign: Campaign, plan: CampaignPlan) -> dict:
    metrics = evaluate_campaign(campaign, plan)
    value = metrics.objective_value(campaign.objective, campaign.carbon_price_usd_per_t)
    status = "feasible" if not metrics.violations else "breaks limits"
    return {"status": status, "objective_value": value, "violations": metrics.violations,
            "note": "; ".join(metrics.violations[:2]) if metrics.violations else None}


def greedy(campaign: Campaign, data: CampaignData) -> dict:
    """Earliest deadline first, month by month, cheapest first (module docstring)."""
    left = Leftover(data)
    inputs = data.inputs
    plans: dict[int, RunPlan] = {}
    for j in deadline_order(inputs):
        best = None
        for i, isl in enumerate(inputs.islands):
            trial = _greedy_on(left, j, i)
            if trial is not None and (best is None or (trial[0] > inputs.runs[j].deadline, trial[1]) <
                                      (best[1][0] > inputs.runs[j].deadline, best[1][1])):
                best = (i, trial)
        if best is None:
            return {"status": "infeasible", "note": f"{campaign.runs[j].name}: no island has room for it"}
        i, (last, _, k, nodes, hours) = best
        isl = inputs.islands[i]
        site, gpu = data.islands[i]
        v = data.variants[j][k]
        nodes = tidy_nodes(tuple(nodes), tuple(hours), inputs.hours, isl.node, v.floor_gpus // isl.node)
        for t, n in enumerate(nodes):
            if n:
                left.take(i, t, n * isl.node)
                left.last_month[j] = t
        plans[j] = RunPlan(v.run, v.model_params, v.tokens, v.recipe, gpu, site, tuple(n * isl.node for n in nodes),
                           tuple(hours))
    return _priced(campaign, CampaignPlan(tuple(plans[j] for j in range(len(campaign.runs))), ()))


def _greedy_on(left: Leftover, j: int, i: int):
    """Run j alone on island i from its earliest month: (last month, its on-demand USD, CO2 or
    both as the objective weighs them, variant, nodes by month, GPU-hours by month), or None if it
    cannot finish in the horizon."""
    inputs = left.inputs
    isl: IslandNumbers = inputs.islands[i]
    run = inputs.runs[j]
    options = [(v.work_gpu_hours, k) for k, v in enumerate(run.variants) if v.gpu == isl.gpu]
    if not options:
        return None
    work, k = min(options)
    floor = run.variants[k].floor_nodes
    months = len(inputs.hours)
    nodes, hours = [0] * months, [0.0] * months
    first = max([run.first] + [left.last_month[b] + 1 for b in run.after])
    usd, co2, started = 0.0, 0.0, False
    for t in range(first, months):
        power = left.mw[isl.site][t] / (isl.mw_per_gpu * isl.node)
        room = min(run.max_gpus // isl.node, (left.free[i][t] + max(0, left.on_demand[i][t])) // isl.node,
                   int(power * (1 + 1e-9)) if power != math.inf else 10**9)
        if room < floor:
            if started:
                return None
            continue
        started = True
        nodes[t] = room
        hours[t] = min(work, room * isl.node * inputs.hours[t])
        paid = min(room * isl.node, left.free[i][t]) * inputs.hours[t]
        usd += max(0.0, hours[t] - paid) * isl.on_demand_usd_per_gpu_hour
        co2 += hours[t] * isl.co2_t_per_gpu_hour[t]
        work -= hours[t]
        if work <= 1e-9 * max(1.0, run.variants[k].work_gpu_hours):
            measure = {"co2": co2, "weighted": usd + inputs.carbon_price_usd_per_t * co2}.get(inputs.objective, usd)
            return t, measure, k, nodes, hours
    return None


def compare_baselines(campaign: Campaign, result: CampaignResult, options: SolveOptions) -> dict:
    """LP bound, sequential and greedy beside the optimum, each relative to it on what planning can
    change (the owned GPUs' cost, the same for every plan, left out of both)."""
    data = result.data
    out = {}
    lp = solve_campaign(campaign, options, data=data, relax=True)
    out["lp_bound"] = {"status": lp.status, "objective_value": lp.model_objective}
    out["sequential"] = sequential(campaign, data, options)
    out["greedy"] = greedy(campaign, data)
    best = result.objective_value
    sunk = 0.0 if campaign.objective == Objective.CO2 else data.inputs.owned_usd   # paid by every plan alike
    for row in out.values():
        value = row.get("objective_value")
        if value is not None and best is not None and best - sunk > 0:
            row["relative"] = (value - sunk) / (best - sunk) - 1.0
    return out


__all__ = ["compare_baselines", "greedy", "sequential", "deadline_order", "to_plan"]
