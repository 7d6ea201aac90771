"""The Pyomo-free evaluator of a campaign plan: every figure from the plan and the campaign data,
with the single-run formulas and none of the MIP's rows (docs/campaigns.md, "Evaluator").

Per run (variant N, D, recipe on GPU g at site s; GPUs n_t held and GPU-hours u_t used each month):
    S   = k N D / rate_g(N) + sum_stages k_s N T_s / (rate_g(N) mfu_factor_s)     ideal GPU-seconds
    W   = S (1 + waste(n_max)) f / 3600       GPU-hours the run needs (n_max: max_gpus in whole nodes)
    needs: sum_t u_t >= W;  u_t <= n_t h_t;  n_t a multiple of the node, <= n_max, >= the memory floor
    in every month it holds GPUs; those months contiguous, inside [earliest, deadline] (deadline soft
    under `lateness`), after every run it follows has ended.
Per site s, GPU g, month t: held H = sum n_t, used U = sum u_t over the runs there; owned O_t,
reserved R_t = block x blocks in term, on-demand rented GPU-hours = max(0, U - h_t (O_t + R_t));
H <= O_t + R_t + available_t.  Per site and month: MW = sum_g H site kW (node_watts / gpus_per_node, else board watts) x PUE / 1000 <= grid_mw.
    cost = owned GPU-hours x amortised price (all of them) + blocks x block term price
           + on-demand GPU-hours x price + fixed (recipe fixed + labels + data tokens)
           + staff_usd_per_month x months holding GPUs
    CO2  = sum u_t (board kW x PUE x c_st / 1e6 + embodied per GPU-hour)   (offers.co2_t_per_gpu_hour)
    objective: cost | co2 | cost + price CO2 | cost + late USD per month past deadline
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from planner.formulas.failures import waste_fraction
from planner.formulas.limits import CAMPAIGN_LIMITS
from planner.numbers import amount
from planner.formulas.evaluate import memory_floor_gpus
from planner.formulas.offers import co2_t_per_gpu_hour, energy_watts, facility_mw
from planner.formulas.targets import min_tokens
from planner.formulas.throughput import flop_rate
from planner.input.campaign_schema import Campaign, CampaignRun
from planner.input.schema import Region

#: Relative slack before a figure counts as breaking a limit.
TOL = 1e-6


@dataclass(frozen=True)
class RunPlan:
    """What the plan decides for one run."""

    run: str
    model_params: float
    tokens: float
    recipe: str | None
    gpu: str
    site: str
    gpus_by_month: tuple[int, ...]
    gpu_hours_by_month: tuple[float, ...]


@dataclass(frozen=True)
class Reservation:
    site: str
    gpu: str
    month: str          # YYYY-MM the term starts
    blocks: int


@dataclass(frozen=True)
class CampaignPlan:
    runs: tuple[RunPlan, ...]
    reservations: tuple[Reservation, ...]


@dataclass(frozen=True)
class RunFigures:
    run: str
    needed_gpu_hours: float
    gpu_hours: float
    floor_gpus: float
    first_month: str | None
    last_month: str | None
    months_late: int
    fixed_usd: float
    co2_t: float
    energy_mwh: float
    staff_usd: float = 0.0


@dataclass(frozen=True)
class IslandMonth:
    """One site, GPU type and month."""

    site: str
    gpu: str
    month: str
    held_gpus: int
    used_gpu_hours: float
    owned_gpus: int
    reserved_gpus: int
    on_demand_available: int
    on_demand_gpu_hours: float


@dataclass
class CampaignMetrics:
    runs: list[RunFigures]
    islands: list[IslandMonth]
    site_mw: dict[tuple[str, str], float]          # (site, month) -> MW drawn
    cost_owned_usd: float
    cost_reserved_usd: float
    cost_on_demand_usd: float
    cost_fixed_usd: float
    co2_t: float
    late_usd: float
    violations: list[str] = field(default_factory=list)

    @property
    def cost_usd(self) -> float:
        return self.cost_owned_usd + self.cost_reserved_usd + self.cost_on_demand_usd + self.cost_fixed_usd

    def objective_value(self, objective: str, carbon_price_usd_per_t: float = 0.0) -> float:
        return {"cost": lambda: self.cost_usd,
                "co2": lambda: self.co2_t,
                "weighted": lambda: self.cost_usd + carbon_price_usd_per_t * self.co2_t,
                "lateness": lambda: self.cost_usd + self.late_usd}[objective]()


def needed_gpu_hours(campaign: Campaign, run: CampaignRun, plan: RunPlan) -> float:
    """W (module docstring)."""
    gpu = campaign.gpu(plan.gpu)
    rate = flop_rate(run, gpu, plan.model_params)
    seconds = run.flops_per_param_token * plan.model_params * plan.tokens / rate
    recipe = _recipe(run, plan.recipe)
    for stage in recipe.stages if recipe is not None else []:
        seconds += stage.flops_per_param_token * plan.model_params * stage.tokens / (rate * stage.mfu_factor)
    n_max = run.max_gpus // gpu.gpus_per_node * gpu.gpus_per_node
    waste = waste_fraction(n_max, gpu.mtbf_hours, run.reliability.checkpoint_hours, run.reliability.restart_hours)
    return seconds * (1.0 + waste) * run.development_factor / 3600.0


def _recipe(run: CampaignRun, name: str | None):
    if name is None:
        return None
    return next(r for r in run.alignment.recipes if r.name == name)


def _site_region(campaign: Campaign, site_name: str, t: int) -> Region:
    site = campaign.site(site_name)
    return Region.model_construct(name=site.name, pue=site.pue, carbon_g_per_kwh=campaign.carbon_by_month(site)[t])


def evaluate_campaign(campaign: Campaign, plan: CampaignPlan) -> CampaignMetrics:
    """Every figure of `plan` and every limit it breaks (module docstring)."""
    violations: list[str] = []
    labels, hours = campaign.labels(), campaign.hours()
    runs = [_run_figures(campaign, campaign.runs[[r.name for r in campaign.runs].index(p.run)], p, violations)
            for p in plan.runs]
    _precedence(campaign, plan, violations)
    isles, reserved_usd, od_usd = _islands(campaign, plan, violations)
    site_mw: dict[tuple[str, str], float] = {}
    for p in plan.runs:
        gpu = campaign.gpu(p.gpu)
        for t, n in enumerate(p.gpus_by_month):
            key = (p.site, labels[t])
            site_mw[key] = site_mw.get(key, 0.0) + facility_mw(gpu, _site_region(campaign, p.site, t), n)
    for (site_name, month), mw in site_mw.items():
        limit = campaign.grid_by_month(campaign.site(site_name))[labels.index(month)]
        if limit is not None and mw > limit * (1 + TOL):
            violations.append(f"grid: {site_name} draws {mw:.3f} MW in {month}, the limit is {limit:g} MW")
    owned = sum(e.owned_usd_per_gpu_hour * n * h for e in campaign.fleet
                for n, h in zip(campaign.owned_by_month(e), hours))
    late = sum(f.months_late * r.late_usd_per_month for f, r in zip(runs, [
        campaign.runs[[x.name for x in campaign.runs].index(p.run)] for p in plan.runs]))
    metrics = CampaignMetrics(runs, isles, site_mw, owned, reserved_usd, od_usd,
                              sum(f.fixed_usd + f.staff_usd for f in runs),
                              sum(f.co2_t for f in runs), late if campaign.objective == "lateness" else 0.0,
                              violations)
    _budgets(campaign, metrics)
    return metrics


def _run_figures(campaign: Campaign, run: CampaignRun, p: RunPlan, violations: list[str]) -> RunFigures:
    labels, hours = campaign.labels(), campaign.hours()
    gpu = campaign.gpu(p.gpu)
    need = needed_gpu_hours(campaign, run, p)
    done = sum(p.gpu_hours_by_month)
    if done < need * (1 - TOL):
        violations.append(f"work: {p.run} does {done:,.0f} of the {need:,.0f} GPU-hours it needs")
    if run.targets is not None:
        least = float(min_tokens(run, [p.model_params])[0])
        if p.tokens < least * (1 - TOL):
            violations.append(f"target: {p.run} trains {p.tokens:.4g} tokens, its loss target needs {least:.4g}")
    floor = memory_floor_gpus(run, p.model_params, gpu.memory_gb)
    months = [t for t, n in enumerate(p.gpus_by_month) if n > 0]
    _run_months(campaign, run, p, months, floor, violations)
    deadline = campaign.horizon_index(run.deadline)
    late = sum(1 for t in months if t > deadline)
    if late and campaign.objective != "lateness":
        violations.append(f"deadline: {p.run} is active {late} month(s) past {run.deadline}")
    co2 = energy = 0.0
    for t, used in enumerate(p.gpu_hours_by_month):
        region = _site_region(campaign, p.site, t)
        co2 += used * sum(co2_t_per_gpu_hour(gpu, region))
        energy += used * energy_watts(gpu) / 1e6 * region.pue
        if used > p.gpus_by_month[t] * hours[t] * (1 + TOL) + 1e-6:
            violations.append(f"use: {p.run} uses {used:,.0f} GPU-hours in {labels[t]} on {p.gpus_by_month[t]} GPUs")
    recipe = _recipe(run, p.recipe)
    fixed = run.data.usd_per_token * p.tokens + (recipe.fixed_usd + sum(
        s.samples * s.usd_per_sample for s in recipe.stages) if recipe is not None else 0.0)
    return RunFigures(p.run, need, done, floor, labels[months[0]] if months else None,
                      labels[months[-1]] if months else None, late, fixed, co2, energy,
                      run.staff_usd_per_month * len(months))


def _run_months(campaign: Campaign, run: CampaignRun, p: RunPlan, months: list[int], floor: float,
                violations: list[str]) -> None:
    gpu = campaign.gpu(p.gpu)
    labels = campaign.labels()
    if months and months != list(range(months[0], months[-1] + 1)):
        violations.append(f"contiguous: {p.run} pauses between {labels[months[0]]} and {labels[months[-1]]}")
    first = campaign.horizon_index(run.earliest_start) if run.earliest_start else 0
    if months and months[0] < first:
        violations.append(f"earliest_start: {p.run} is active in {labels[months[0]]}, before {run.earliest_start}")
    for t in months:
        n = p.gpus_by_month[t]
        if n % gpu.gpus_per_node or n > run.max_gpus or n < floor * (1 - TOL):
            violations.append(f"gpus: {p.run} holds {n} {gpu.name} in {labels[t]} (whole nodes of "
                              f"{gpu.gpus_per_node}, at least {math.ceil(floor)}, at most {run.max_gpus})")


def _precedence(campaign: Campaign, plan: CampaignPlan, violations: list[str]) -> None:
    by_name = {p.run: p for p in plan.runs}
    for run in campaign.runs:
        if run.name not in by_name:
            continue   # a partial plan (one run of the run-by-run baseline)
        mine = [t for t, n in enumerate(by_name[run.name].gpus_by_month) if n > 0]
        for before in (b for b in run.after if b in by_name):
            theirs = [t for t, n in enumerate(by_name[before].gpus_by_month) if n > 0]
            if mine and theirs and mine[0] <= theirs[-1]:
                violations.append(f"after: {run.name} starts before {before} has ended")


def _islands(campaign: Campaign, plan: CampaignPlan, violations: list[str]):
    labels, hours = campaign.labels(), campaign.hours()
    out: list[IslandMonth] = []
    reserved_usd = on_demand_usd = 0.0
    for entry in campaign.fleet:
        blocks = [0] * campaign.months
        for r in plan.reservations:
            if (r.site, r.gpu) == (entry.site, entry.gpu) and r.blocks:
                t0 = campaign.horizon_index(r.month)
                reserved_usd += r.blocks * campaign.block_usd(entry, t0)
                term = entry.reserved.term_months if entry.reserved else 0
                for t in range(t0, min(t0 + term, campaign.months)):
                    blocks[t] += r.blocks
                first = campaign.horizon_index(entry.reserved.from_month) if entry.reserved and \
                    entry.reserved.from_month else 0
                if entry.reserved is None or t0 < first:
                    violations.append(f"reserved: {r.blocks} block(s) of {entry.gpu} at {entry.site} from {r.month} "
                                      "not on offer")
        owned, available = campaign.owned_by_month(entry), campaign.on_demand_by_month(entry)
        for t in range(campaign.months):
            there = [p for p in plan.runs if (p.site, p.gpu) == (entry.site, entry.gpu)]
            held = sum(p.gpus_by_month[t] for p in there)
            used = sum(p.gpu_hours_by_month[t] for p in there)
            block = entry.reserved.block_gpus if entry.reserved else 0
            if entry.reserved is not None and blocks[t] > entry.reserved.max_blocks:
                violations.append(f"reserved: {blocks[t]} blocks held at {entry.site} in {labels[t]}, at most "
                                  f"{entry.reserved.max_blocks}")
            rented = max(0.0, used - hours[t] * (owned[t] + block * blocks[t]))
            if held > owned[t] + block * blocks[t] + available[t]:
                violations.append(f"capacity: {held} {entry.gpu} held at {entry.site} in {labels[t]}, "
                                  f"{owned[t]} owned + {block * blocks[t]} reserved + {available[t]} on demand")
            on_demand_usd += rented * (entry.on_demand.usd_per_gpu_hour if entry.on_demand else 0.0)
            out.append(IslandMonth(entry.site, entry.gpu, labels[t], held, used, owned[t], block * blocks[t],
                                   available[t], rented))
    return out, reserved_usd, on_demand_usd


def _budgets(campaign: Campaign, metrics: CampaignMetrics) -> None:
    """A violation for each campaign limit (planner.formulas.limits.CAMPAIGN_LIMITS) the plan breaks:
    `budget: cost 2,412,000 USD, the budget is 2,000,000 USD`."""
    for row in CAMPAIGN_LIMITS:
        bound, figure = getattr(campaign.limits, row.key), row.read(metrics)
        if bound is not None and figure > bound * (1 + TOL):
            metrics.violations.append(f"{row.noun}: {row.label} {amount(figure, row.unit)}, "
                                      f"the {row.noun} is {amount(bound, row.unit)}")
