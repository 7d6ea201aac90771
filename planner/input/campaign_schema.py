"""The validated campaign file (`plan campaign FILE`): pydantic models for every key (docs/campaigns.md).

A campaign is several training runs sharing one fleet over a horizon of months. Each run carries
what a single run has (scaling law, candidate sizes, loss target, data, recipes, precision, MoE;
the sections are planner.input.schema's own) plus when it may run and what it follows. Sites are
datacenters with a PUE, carbon intensity and grid limit by month; the fleet says, per site and GPU
type, which GPUs are owned (by delivery month), which may be reserved in blocks, and which may be
rented on demand. Strict as instances are: unknown keys refused, numbers must be numbers, every
bound written on the field itself.

Months are written `YYYY-MM` (or a date, whose day is ignored). Catalog names (GPUs, regions of
sites, scaling laws, recipes) are resolved before validation (planner.input.campaign_loading).
"""

import datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from planner.input.months import calendar_month, hours_in_month, month_index, month_label
from planner.input.schema import (Alignment, Data, Gpu, Moe, Name, Precision, Reliability, ScalingLaw, SizeGrid,
                                  Strict, Targets)


def _integral(value: object) -> object:
    """Accept 256 and 2.56e2 as the integer 256; leave anything else to pydantic."""
    if isinstance(value, float) and value == value and abs(value) != float("inf") and value.is_integer():
        return int(value)
    return value


def _month_text(value: object) -> object:
    """A YAML date (2027-03-01) or datetime is read as its month, `2027-03`."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    return value


#: Most months a horizon may have (ten years): each month is a column block of the MIP.
MAX_MONTHS = 120
MAX_GPUS = 10_000_000
MAX_USD_PER_GPU_HOUR = 1e6

Month = Annotated[str, BeforeValidator(_month_text), Field(strict=True, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
GpuCount = Annotated[int, BeforeValidator(_integral), Field(strict=True, ge=0, le=MAX_GPUS)]
PositiveGpuCount = Annotated[int, BeforeValidator(_integral), Field(strict=True, ge=1, le=MAX_GPUS)]
Price = Annotated[float, Field(strict=True, ge=0, le=MAX_USD_PER_GPU_HOUR)]
Carbon = Annotated[float, Field(strict=True, ge=0, le=5000)]
Megawatts = Annotated[float, Field(strict=True, gt=0, le=1e6)]
Months = Annotated[int, BeforeValidator(_integral), Field(strict=True, ge=1, le=MAX_MONTHS)]

CampaignObjective = Literal["cost", "co2", "weighted", "lateness"]


class Site(Strict):
    """A datacenter: PUE, carbon intensity by month, grid limit by month."""

    name: Name = Field(min_length=1, description="label of the site (used by fleet[].site)")
    region: str | None = Field(
        None, description="catalog region (`plan catalog regions`) giving pue and carbon_g_per_kwh unless "
        "they are written here")
    pue: Annotated[float, Field(strict=True, ge=1, le=5)] | None = Field(
        None, description="power usage effectiveness, >= 1; required unless `region` gives it")
    carbon_g_per_kwh: Carbon | list[Carbon] | None = Field(
        None, description="grid carbon intensity, gCO2e/kWh: one value for every month, or a list with one "
        "value per horizon month; required unless `region` or carbon_g_per_kwh_by_calendar_month gives it")
    carbon_g_per_kwh_by_calendar_month: Annotated[list[Carbon], Field(min_length=12, max_length=12)] | None = Field(
        None, description="a seasonal profile: 12 values, January first, repeated every year of the horizon, "
        "gCO2e/kWh; not with carbon_g_per_kwh")
    grid_mw: Megawatts | list[Megawatts] | None = Field(
        None, description="most facility power the campaign may draw at the site, MW: one value, or one per "
        "horizon month; absent = unlimited")
    source: str | None = Field(None, description="where the numbers come from (text, not used)")

    @model_validator(mode="after")
    def _one_carbon(self) -> "Site":
        if self.carbon_g_per_kwh is not None and self.carbon_g_per_kwh_by_calendar_month is not None:
            raise ValueError("carbon_g_per_kwh_by_calendar_month: give it or carbon_g_per_kwh, not both")
        if self.pue is None:
            raise ValueError("pue: required (or name a catalog `region` that gives it)")
        if self.carbon_g_per_kwh is None and self.carbon_g_per_kwh_by_calendar_month is None:
            raise ValueError("carbon_g_per_kwh: required (or carbon_g_per_kwh_by_calendar_month, or a catalog "
                             "`region`)")
        return self


class Delivery(Strict):
    """A tranche of owned GPUs: in service from its month to the end of the horizon."""

    month: Month = Field(description="first month the GPUs are in service, YYYY-MM")
    gpus: PositiveGpuCount = Field(description="GPUs delivered, count.")


class Reserved(Strict):
    """Reserved blocks: bought for a whole term, paid for every hour of it, used or not."""

    block_gpus: PositiveGpuCount = Field(description="GPUs in one block, count (a multiple of the node "
                                         "size is sensible).")
    term_months: Months = Field(description="months a block is held once bought (paid in full even past "
                                "the horizon).")
    usd_per_gpu_hour: Price = Field(description="price per GPU-hour of the term, USD.")
    max_blocks: Annotated[int, BeforeValidator(_integral), Field(strict=True, ge=1, le=100_000)] = Field(
        description="most blocks held at once at this site and GPU type, count.")
    from_month: Month | None = Field(None, description="first month a block may start, YYYY-MM; absent = the "
                                     "start month")


class OnDemand(Strict):
    """GPUs rented by the hour: paid for the GPU-hours used beyond owned and reserved GPUs."""

    usd_per_gpu_hour: Price = Field(description="price per GPU-hour used, USD.")
    gpus: GpuCount | list[GpuCount] = Field(
        description="GPUs that can be rented, count: one value for every month or one per horizon month. "
        "Range: [0, 1e7].")


class FleetEntry(Strict):
    """The GPUs of one type at one site, by channel."""

    site: str = Field(description="name of one of the sites")
    gpu: str = Field(description="name of one of the gpus")
    owned: list[Delivery] = Field(default_factory=list, description="deliveries of owned GPUs")
    owned_usd_per_gpu_hour: Price = Field(
        0.0, description="amortised cost of an owned GPU per hour in service, USD, paid whether used or not "
        "(a constant of the campaign).")
    reserved: Reserved | None = Field(None, description="reserved blocks that may be bought; absent = none")
    on_demand: OnDemand | None = Field(None, description="on-demand rental; absent = none")


class CampaignRun(Strict):
    """One training run of the campaign: a single run's model choices plus its place in time."""

    name: Name = Field(min_length=1, description="label of the run (used by after)")
    scaling_law: ScalingLaw = Field(description="catalog name or inline law; absent = epoch2024")
    model_sizes: Annotated[list[Annotated[float, Field(strict=True, ge=1e3, le=1e15)]],
                           Field(min_length=1, max_length=1000)] | SizeGrid = Field(
        description="candidate model sizes N, parameters (one entry: a fixed size)")
    flops_per_param_token: Annotated[float, Field(strict=True, gt=0, le=1e3)] = Field(
        6.0, description="pretraining FLOPs per parameter per token")
    data: Data = Field(Data.model_construct(), description="the pretraining data (as in an instance)")
    targets: Targets | None = Field(
        None, description="the loss the run must reach (max_loss or match); absent = no pretraining, the run "
        "is post-training only and needs `alignment`")
    bytes_per_param: Annotated[float, Field(strict=True, gt=0, le=1e3)] = Field(
        16.0, description="training-state memory per parameter, bytes")
    precision: Precision = Field("bf16", description="training precision: bf16 or fp8")
    moe: Moe | None = Field(None, description="mixture-of-experts (as in an instance); absent = dense")
    alignment: Alignment | None = Field(None, description="post-training recipes, run after pretraining on "
                                        "the same GPUs; absent = pretraining only")
    development_factor: Annotated[float, Field(strict=True, ge=1, le=100)] = Field(
        1.0, description="project GPU-hours / final-run GPU-hours, held on the fleet too, >= 1")
    reliability: Reliability = Field(Reliability.model_construct(), description="checkpoint and restart times")
    max_gpus: PositiveGpuCount = Field(
        description="the run's scale limit: most GPUs it can use at once, count (whole nodes below it)")
    earliest_start: Month | None = Field(None, description="first month the run may be active, YYYY-MM; "
                                         "absent = the start month")
    deadline: Month = Field(description="last month the run may be active, YYYY-MM (soft under objective "
                            "lateness)")
    after: list[str] = Field(default_factory=list, description="runs that must end before this one starts")
    staff_usd_per_month: Annotated[float, Field(strict=True, ge=0, le=1e12)] = Field(
        0.0, description="team and overhead cost of each month the run is active, USD (keeps runs compact)")
    late_usd_per_month: Price = Field(
        0.0, description="objective lateness: price of each month the run is active past its deadline, USD")

    @model_validator(mode="after")
    def _something_to_do(self) -> "CampaignRun":
        if self.targets is None and self.alignment is None:
            raise ValueError("targets: required unless the run is post-training only (give `alignment`)")
        if self.targets is not None and self.targets.max_loss is None and self.targets.match is None:
            raise ValueError("targets: give max_loss or match")
        if self.targets is not None and self.targets.confidence is not None:
            raise ValueError("targets.confidence: not supported in a campaign (no scaling_law_samples)")
        return self

    @property
    def sizes(self) -> list[float]:
        raw = self.model_sizes.values() if isinstance(self.model_sizes, SizeGrid) else self.model_sizes
        return sorted(set(raw))


class CampaignLimits(Strict):
    """Limits on the whole campaign; an absent limit does not apply."""

    budget_usd: Annotated[float, Field(strict=True, ge=1e-2, le=1e15)] | None = Field(
        None, description="most the campaign may cost (owned, reserved, on-demand, fixed), USD")
    max_co2_t: Annotated[float, Field(strict=True, ge=1e-6, le=1e12)] | None = Field(
        None, description="carbon budget of the campaign, t CO2e (operational + embodied)")


class Campaign(Strict):
    """A family of runs over months, sites and a GPU fleet (docs/campaigns.md)."""

    name: Name = Field("", description="label of the campaign")
    start_month: Month = Field(description="first month of the horizon, YYYY-MM")
    months: Months = Field(description="months in the horizon.")
    objective: CampaignObjective = Field(
        "cost", description="what to minimise: cost (USD), co2 (t; the cheapest of the cleanest plans), weighted (cost + "
        "carbon_price_usd_per_t x CO2), lateness (cost + late_usd_per_month x months late, deadlines soft)")
    carbon_price_usd_per_t: Annotated[float, Field(strict=True, ge=0, le=1e6)] = Field(
        0.0, description="carbon price of objective weighted, USD per t CO2e")
    limits: CampaignLimits = Field(CampaignLimits.model_construct(), description="budget and carbon budget")
    gpus: Annotated[list[Gpu], Field(min_length=1)] = Field(
        description="GPU types of the fleet: catalog names or inline entries (prices here are not used; "
        "the fleet's channels carry them)")
    sites: Annotated[list[Site], Field(min_length=1)] = Field(description="the datacenters")
    fleet: Annotated[list[FleetEntry], Field(min_length=1)] = Field(description="GPUs by site, type and channel")
    runs: Annotated[list[CampaignRun], Field(min_length=1, max_length=100)] = Field(description="the runs")

    @model_validator(mode="after")
    def _cross_references(self) -> "Campaign":
        from planner.input.campaign_checks import check_campaign

        check_campaign(self)
        return self

    def horizon_index(self, month: str) -> int:
        return month_index(self.start_month, month)

    def labels(self) -> list[str]:
        """YYYY-MM of every horizon month."""
        return [month_label(self.start_month, t) for t in range(self.months)]

    def hours(self) -> list[float]:
        """h_t: hours in each horizon month (calendar days x 24)."""
        return [hours_in_month(label) for label in self.labels()]

    def site(self, name: str) -> Site:
        return next(s for s in self.sites if s.name == name)

    def gpu(self, name: str) -> Gpu:
        return next(g for g in self.gpus if g.name == name)

    def carbon_by_month(self, site: Site) -> list[float]:
        """gCO2e/kWh of `site` in each horizon month (a seasonal profile read by calendar month)."""
        if site.carbon_g_per_kwh_by_calendar_month is not None:
            return [site.carbon_g_per_kwh_by_calendar_month[calendar_month(m) - 1] for m in self.labels()]
        return per_month(site.carbon_g_per_kwh, self.months)

    def grid_by_month(self, site: Site) -> list[float | None]:
        """MW the campaign may draw at `site` in each month (None: unlimited)."""
        return per_month(site.grid_mw, self.months)

    def owned_by_month(self, entry: FleetEntry) -> list[int]:
        """Owned GPUs in service each month: the deliveries up to that month."""
        out = [0] * self.months
        for delivery in entry.owned:
            for t in range(self.horizon_index(delivery.month), self.months):
                out[t] += delivery.gpus
        return out

    def on_demand_by_month(self, entry: FleetEntry) -> list[int]:
        return per_month(entry.on_demand.gpus, self.months) if entry.on_demand is not None else [0] * self.months

    def block_usd(self, entry: FleetEntry, t0: int) -> float:
        """Price of one reserved block starting in month t0: block GPUs x price x hours of every
        month of its term (past the horizon too)."""
        r = entry.reserved
        if r is None:
            return 0.0
        hours = sum(hours_in_month(month_label(self.start_month, t0 + m)) for m in range(r.term_months))
        return r.block_gpus * r.usd_per_gpu_hour * hours


def per_month(value: Any, months: int) -> list:
    """One value per horizon month from a scalar or a list (already checked to have `months` entries)."""
    return list(value) if isinstance(value, list) else [value] * months
