"""Serving over the model's life (docs/serving.md): what each serving offer costs per parameter.

For a serving offer (GPU g_s sold in region r_s by the offer rule, availability not binding) and a
model of N (active) parameters serving `tokens` tokens at `flops_per_param_token` FLOPs each:

    S_serve      = flops_per_param_token N tokens / (peak_gs mfu_s)     GPU-seconds
    H_serve      = S_serve / 3600
    cost_serve   = H_serve price(g_s, r_s)
    CO2_serve    = H_serve (energy_watts/1000 pue carbon/1e6 + embodied per GPU-hour)
    energy_serve = H_serve energy_watts/1000 pue / 1000                          MWh

peak is the BF16 (or, with serving.precision fp8, the FP8) peak; mfu_s is serving.mfu, else the
GPU's serving_mfu. Every figure is linear in N, so each offer has a per-parameter coefficient and
the best offer for a plan does not depend on N: the one minimising the objective's own measure
(cost, CO2, or cost + carbon price x CO2; the lowest serving cost under `time` and `loss`).
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.errors import InputError
from planner.formulas.offers import co2_t_per_gpu_hour, mwh_per_gpu_hour, serving_price
from planner.formulas.throughput import peak_flops
from planner.formulas.units import SECONDS_PER_HOUR
from planner.input.schema import Instance
from planner.constants import Objective


@dataclass(frozen=True)
class ServingOffer:
    """One serving offer's figures per served model parameter (module docstring)."""

    gpu: str
    region: str
    usd_per_gpu_hour: float
    gpu_hours_per_param: float
    usd_per_param: float
    co2_t_per_param: float
    mwh_per_param: float

    def measure_per_param(self, objective: str, carbon_price_usd_per_t: float) -> float:
        """What the serving offer adds to the objective per parameter (module docstring)."""
        if objective == Objective.CO2:
            return self.co2_t_per_param
        if objective == Objective.WEIGHTED:
            return self.usd_per_param + carbon_price_usd_per_t * self.co2_t_per_param
        return self.usd_per_param


def serving_offers(instance: Instance) -> list[ServingOffer]:
    """Every serving offer of the instance (empty without `serving`)."""
    serving = instance.serving
    if serving is None:
        return []
    out = []
    gpus = [g for g in instance.gpus if serving.gpus is None or g.name in serving.gpus]
    regions = [r for r in instance.regions if serving.regions is None or r.name in serving.regions]
    for region in regions:
        for gpu in gpus:
            price = serving_price(gpu, region)
            if price is None:
                continue
            mfu = serving.mfu if serving.mfu is not None else gpu.serving_mfu
            hours = serving.flops_per_param_token * serving.tokens / (peak_flops(gpu, serving.precision) * mfu)
            hours /= SECONDS_PER_HOUR
            oper, emb = co2_t_per_gpu_hour(gpu, region)
            out.append(ServingOffer(gpu.name, region.name, price, hours, hours * price, hours * (oper + emb),
                                    hours * mwh_per_gpu_hour(gpu, region)))
    if not out:
        raise InputError("serving", "no serving GPU has a price in any serving region (check serving.gpus, "
                         "serving.regions and the regions' offers)")
    return out


def best_serving_offer(instance: Instance) -> ServingOffer | None:
    """The serving offer minimising the objective's own measure (first on ties); None without serving."""
    offers = serving_offers(instance)
    if not offers:
        return None
    return min(offers, key=lambda s: s.measure_per_param(instance.objective, instance.carbon_price_usd_per_t))
