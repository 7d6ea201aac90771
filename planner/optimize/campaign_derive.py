"""Campaign -> the numbers of the campaign MIP (models.campaign_inputs), every physical figure from
the single-run formulas:

- a run's variants come from the single-run derive (planner.optimize.derive) on an instance made
  of the run's own keys, the campaign's GPU types and one neutral region (PUE 1, no carbon: the
  campaign prices and places by site and month itself), with `available` = the run's max_gpus, so
  the memory floor and the scale limit rule out what cannot run. A row (size N, GPU g, recipe m)
  becomes a variant with tokens D = Dmin(N) (the loss target; 0 for a post-training-only run) and
        W = S (1 + waste(n_max)) f / 3600     GPU-hours,  S = a D + b ideal GPU-seconds (derive's
                                                a, b), waste at the scale limit n_max (failures,
                                                planner.formulas.failures), f development_factor
        floor = the row's min_nodes            fixed = recipe fixed + labels + usd_per_token D
- an island is a site and GPU type of the fleet: owned GPUs by month, reserved block terms,
  on-demand counts; facility MW per GPU (planner.formulas.offers.facility_mw) and t CO2e per
  GPU-hour used each month (offers.co2_t_per_gpu_hour with that month's grid intensity).

Variants that another variant of the same run and GPU type beats on work, floor and fixed cost
at once are dropped (they can never be the better choice under any objective or limit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.campaign_inputs import CampaignInputs, IslandNumbers, RunNumbers, VariantNumbers
from planner.formulas.cluster import cluster_rates, operations
from planner.formulas.limits import CAMPAIGN_LIMITS
from planner.formulas.offers import co2_t_per_gpu_hour, facility_mw
from planner.input.campaign_schema import Campaign, CampaignRun
from planner.input.schema import Instance, Region
from planner.optimize.derive import derive
from planner.constants import Objective

#: The neutral region a run's variants are derived in (placement and carbon are the campaign's).
NEUTRAL_REGION = {"name": "campaign", "carbon_g_per_kwh": 0.0, "pue": 1.0}


@dataclass(frozen=True)
class Variant:
    """A variant with its labels (what the report prints)."""

    run: str
    model_params: float
    tokens: float
    recipe: str | None
    gpu: str
    work_gpu_hours: float
    floor_gpus: int
    fixed_usd: float


@dataclass
class CampaignData:
    """The MIP's numbers with the labels to read a solution back."""

    inputs: CampaignInputs
    variants: list[list[Variant]]          # per run, aligned with inputs.runs[j].variants
    islands: list[tuple[str, str]]         # (site, gpu) per island
    sites: list[str] = field(default_factory=list)   # site names, aligned with inputs.grid_mw
    ruled_out: list[str] = field(default_factory=list)


def run_instance(campaign: Campaign, run: CampaignRun) -> Instance:
    """The single-run instance whose derive gives `run`'s variants (module docstring)."""
    gpus = [{**g.model_dump(), "usd_per_gpu_hour": 1.0, "available": run.max_gpus} for g in campaign.gpus]
    data = {key: getattr(run, key) for key in ("scaling_law", "model_sizes", "flops_per_param_token", "data",
                                              "bytes_per_param", "precision", "moe", "alignment",
                                              "development_factor", "reliability")}
    data = {k: (v.model_dump() if hasattr(v, "model_dump") else v) for k, v in data.items()}
    if run.targets is not None:
        data["targets"] = run.targets.model_dump()
    data["model_sizes"] = run.sizes
    return Instance.model_validate({**data, "name": run.name, "gpus": gpus, "regions": [NEUTRAL_REGION]})


def run_variants(campaign: Campaign, run: CampaignRun, ruled_out: list[str]) -> list[Variant]:
    """Every variant of `run` (module docstring), dominated ones dropped."""
    instance = run_instance(campaign, run)
    rows = derive(instance)
    ruled_out += [f"{run.name}: {reason}" for reason in rows.ruled_out]
    out = []
    for r in range(len(rows)):
        offer = rows.offers[rows.offer[r]]
        gpu = instance.gpus[offer.gpu_index]
        tokens = float(rows.min_tokens_by_size[rows.size[r]]) if run.targets is not None else 0.0
        seconds = float(rows.seconds_per_token[r]) * tokens + float(rows.align_seconds[r])
        n_max = (run.max_gpus // offer.node) * offer.node
        rates = cluster_rates(n_max, 0.0, 0.0, 0.0, 0.0, gpu.mtbf_hours, operations(instance))
        recipe = rows.recipes[rows.recipe[r]].name if rows.recipe[r] >= 0 else None
        out.append(Variant(run.name, float(rows.sizes[rows.size[r]]), tokens, recipe, gpu.name,
                           seconds * (rates.gpu_hours + rates.development_gpu_hours),
                           int(rows.min_nodes[r]) * offer.node,
                           float(rows.fixed_usd[r]) + run.data.usd_per_token * tokens))
    return _undominated(out)


def _undominated(variants: list[Variant]) -> list[Variant]:
    def beats(a: Variant, b: Variant) -> bool:
        return (a.gpu == b.gpu and a.work_gpu_hours <= b.work_gpu_hours and a.floor_gpus <= b.floor_gpus
                and a.fixed_usd <= b.fixed_usd)

    kept: list[Variant] = []
    for v in sorted(variants, key=lambda v: (v.work_gpu_hours, v.floor_gpus, v.fixed_usd)):
        if not any(beats(k, v) for k in kept):
            kept.append(v)
    return kept


def islands(campaign: Campaign) -> tuple[list[IslandNumbers], list[tuple[str, str]]]:
    """Every fleet entry as an island (module docstring)."""
    gpu_names = [g.name for g in campaign.gpus]
    site_names = [s.name for s in campaign.sites]
    out, labels = [], []
    for entry in campaign.fleet:
        gpu, site = campaign.gpu(entry.gpu), campaign.site(entry.site)
        carbon = campaign.carbon_by_month(site)
        region = Region.model_construct(name=site.name, pue=site.pue, carbon_g_per_kwh=0.0)
        co2 = [sum(co2_t_per_gpu_hour(gpu, region.model_copy(update={"carbon_g_per_kwh": c}))) for c in carbon]
        r = entry.reserved
        out.append(IslandNumbers(
            site=site_names.index(site.name), gpu=gpu_names.index(gpu.name), node=gpu.gpus_per_node,
            owned=tuple(campaign.owned_by_month(entry)), on_demand=tuple(campaign.on_demand_by_month(entry)),
            on_demand_usd_per_gpu_hour=entry.on_demand.usd_per_gpu_hour if entry.on_demand else 0.0,
            block_gpus=r.block_gpus if r else 0, term_months=r.term_months if r else 1,
            max_blocks=r.max_blocks if r else 0,
            first_block_month=campaign.horizon_index(r.from_month) if r and r.from_month else 0,
            block_usd=tuple(campaign.block_usd(entry, t0) for t0 in range(campaign.months)),
            mw_per_gpu=facility_mw(gpu, region, 1), co2_t_per_gpu_hour=tuple(co2)))
        labels.append((site.name, gpu.name))
    return out, labels


def owned_usd(campaign: Campaign) -> float:
    """Every owned GPU-hour of the horizon at its amortised price (paid whether used or not)."""
    hours = campaign.hours()
    return sum(entry.owned_usd_per_gpu_hour * n * h
               for entry in campaign.fleet for n, h in zip(campaign.owned_by_month(entry), hours))


def campaign_data(campaign: Campaign) -> CampaignData:
    """Campaign -> CampaignData (the MIP's numbers and their labels)."""
    ruled_out: list[str] = []
    gpu_names = [g.name for g in campaign.gpus]
    names = [r.name for r in campaign.runs]
    runs, variants = [], []
    for run in campaign.runs:
        found = run_variants(campaign, run, ruled_out)
        variants.append(found)
        runs.append(RunNumbers(
            first=campaign.horizon_index(run.earliest_start) if run.earliest_start else 0,
            deadline=campaign.horizon_index(run.deadline), max_gpus=run.max_gpus,
            late_usd_per_month=run.late_usd_per_month, staff_usd_per_month=run.staff_usd_per_month, after=tuple(names.index(a) for a in run.after),
            variants=tuple(VariantNumbers(gpu_names.index(v.gpu), v.work_gpu_hours, v.floor_gpus
                                          // campaign.gpu(v.gpu).gpus_per_node, v.fixed_usd) for v in found)))
    isles, labels = islands(campaign)
    constant = owned_usd(campaign)
    inputs = CampaignInputs(
        objective=campaign.objective, carbon_price_usd_per_t=campaign.carbon_price_usd_per_t,
        hours=tuple(campaign.hours()), runs=tuple(runs), islands=tuple(isles),
        grid_mw=tuple(tuple(campaign.grid_by_month(s)) for s in campaign.sites), owned_usd=constant,
        **{row.key: getattr(campaign.limits, row.key) for row in CAMPAIGN_LIMITS},  # the model's limit inputs
        objective_unit=_objective_unit(campaign, variants, constant),
        cost_unit=_objective_unit(campaign.model_copy(update={"objective": "cost"}), variants, constant))
    return CampaignData(inputs, variants, labels, [s.name for s in campaign.sites], ruled_out)


def _objective_unit(campaign: Campaign, variants: list[list[Variant]], constant: float) -> float:
    """A typical objective value (USD or t): the objective row is divided by it."""
    work = sum(min((v.work_gpu_hours for v in vs), default=0.0) for vs in variants)
    if campaign.objective == Objective.CO2:
        return max(work * 1e-4, 1e-3)   # ~0.1 kg per GPU-hour
    del constant  # the owned GPUs' cost is left out of the MIP's objective (models.campaign_plan)
    return max(work * 2.0, 1.0)
