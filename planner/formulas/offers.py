"""Which GPU types each region sells, at what price and in what number.

A region with `offers` sells exactly those GPU types; an offer's missing price or count falls back
to the GPU entry's own. A region without `offers` sells every GPU at the entry's price and count.
A GPU type with no price in a region is not offered there (README "Constraints": availability).
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.formulas.units import HOURS_PER_YEAR
from planner.input.schema import Gpu, Region


@dataclass(frozen=True)
class OfferTerms:
    usd_per_gpu_hour: float
    available: int
    min_term_days: float | None = None   # rental paid for at least this many days
    contracted: bool = False             # all `available` GPUs paid whether used or not

    @property
    def paid_gpus(self) -> int | None:
        """GPUs paid for regardless of use (None: the GPUs used); planner.formulas.cluster."""
        return self.available if self.contracted else None


def offer_terms(gpu: Gpu, region: Region) -> OfferTerms | None:
    """Price (USD per GPU-hour) and availability of `gpu` in `region`, or None if not offered."""
    term, contracted = None, False
    if region.offers is None:
        price, available = gpu.usd_per_gpu_hour, gpu.available
    elif gpu.name in region.offers:
        offer = region.offers[gpu.name]
        price = offer.usd_per_gpu_hour if offer.usd_per_gpu_hour is not None else gpu.usd_per_gpu_hour
        available = offer.available if offer.available is not None else gpu.available
        term, contracted = offer.min_term_days, offer.contracted
    else:
        return None
    if price is None or available is None or available <= 0:
        return None
    return OfferTerms(usd_per_gpu_hour=price, available=available, min_term_days=term, contracted=contracted)


def energy_watts(gpu: Gpu) -> float:
    """The draw per GPU energy and operational CO2 are priced at, W: `energy_watts` (a measured
    average including the host share, e.g. Latif et al. 2025: up to 8.4 kW per HGX H100 node in
    training, 1,050 W per GPU), else the board power `watts` (TDP: the model-card convention,
    GPU-hours x TDP x PUE)."""
    return gpu.energy_watts if gpu.energy_watts is not None else gpu.watts


def site_watts(gpu: Gpu) -> float:
    """The facility-relevant draw per GPU, W: node_watts / gpus_per_node (the vendor's node rating:
    GPUs, CPUs, memory, network, fans; DGX H100 10.2 kW per 8 GPUs, DGX B200 14.3 kW), else the board
    power `watts` (the first edition). Grid capacity, peak power and swing see it."""
    return gpu.node_watts / gpu.gpus_per_node if gpu.node_watts is not None else gpu.watts


def co2_t_per_gpu_hour(gpu: Gpu, region: Region) -> tuple[float, float]:
    """(operational, embodied) tonnes CO2e per GPU-hour:
    operational = (energy_watts/1000) pue carbon_g_per_kwh / 1e6  (location-based grid average);
    embodied    = embodied_kg / (lifetime_years 8766) / 1000 (amortised by GPU-hours)."""
    operational = energy_watts(gpu) / 1000.0 * region.pue * region.carbon_g_per_kwh / 1e6
    embodied = gpu.embodied_kg / (gpu.lifetime_years * HOURS_PER_YEAR) / 1000.0
    return operational, embodied


def mwh_per_gpu_hour(gpu: Gpu, region: Region) -> float:
    """Energy drawn per GPU-hour at the meter, MWh: (energy_watts/1000) pue / 1000."""
    return energy_watts(gpu) / 1000.0 * region.pue / 1000.0


def facility_mw(gpu: Gpu, region: Region, gpu_count) -> float:
    """Facility power P = n (site_watts/1000) pue / 1000 MW (the grid-capacity limit)."""
    return gpu_count * site_watts(gpu) / 1000.0 * region.pue / 1000.0


def swing_mw(gpu: Gpu, region: Region, gpu_count) -> float:
    """Synchronised power swing = n (site_watts/1000) swing_fraction / 1000 MW (the max_swing_mw
    limit): the whole node's draw moves between compute and communication phases."""
    return gpu_count * site_watts(gpu) / 1000.0 * region.swing_fraction / 1000.0


def serving_price(gpu: Gpu, region: Region) -> float | None:
    """USD per GPU-hour of `gpu` in `region` for serving: the offer rule without availability
    (docs/serving.md: the serving fleet is sized by demand over time)."""
    if region.offers is None:
        return gpu.usd_per_gpu_hour
    if gpu.name not in region.offers:
        return None
    offer = region.offers[gpu.name]
    return offer.usd_per_gpu_hour if offer.usd_per_gpu_hour is not None else gpu.usd_per_gpu_hour
