"""Which GPU types each region sells, at what price and in what number.

A region with `offers` sells exactly those GPU types; an offer's missing price or count falls back
to the GPU entry's own. A region without `offers` sells every GPU at the entry's price and count.
A GPU type with no price in a region is not offered there (spec section 3).
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.input.schema import Gpu, Region


@dataclass(frozen=True)
class OfferTerms:
    usd_per_gpu_hour: float
    available: int


def offer_terms(gpu: Gpu, region: Region) -> OfferTerms | None:
    """Price (USD per GPU-hour) and availability of `gpu` in `region`, or None if not offered."""
    if region.offers is None:
        price, available = gpu.usd_per_gpu_hour, gpu.available
    elif gpu.name in region.offers:
        offer = region.offers[gpu.name]
        price = offer.usd_per_gpu_hour if offer.usd_per_gpu_hour is not None else gpu.usd_per_gpu_hour
        available = offer.available if offer.available is not None else gpu.available
    else:
        return None
    if price is None or available is None or available <= 0:
        return None
    return OfferTerms(usd_per_gpu_hour=price, available=available)
