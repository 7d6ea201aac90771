"""Instance -> ModelInputs: the plain numbers the MIP is built from, per candidate.

The discrete candidates are sizes i (N_i), offers o = (GPU g, region r) and recipes m. Everything
the MIP needs is computed here, so `models/` only sees numbers:

    Dmin_i   = least D with L(N_i, D) <= target      (scaling_law.tokens_for_loss; 0 without target)
    Dcap     = U * max_epochs                          (inf without a data limit)
    n_o      = g.gpus_per_node * floor(min(available, grid, swing) / gpus_per_node)
               grid: n w pue/1000 <= grid_capacity_mw;  swing: n w swing_fraction/1000 <= max_swing_mw
    a_io     = k N_i / rate_g                          GPU-seconds per pretraining token
    rate_g   = evaluate.flop_rate: peak mfu (BF16, or FP8 peak and mfu_fp8 under precision fp8),
               x moe.mfu_factor for an MoE model
    c_m      = sum_s k_s T_s / mfu_factor_s            alignment GPU-seconds = c_m N / rate_g
    per GPU-second of offer o:
      usd    = price_o/3600 + staff_usd_per_day/(86400 n_o)
      co2_t  = (w pue carbon/1e6 + embodied_kg/(lifetime 8766)/1000)/3600      (w in kW)
      days   = 1/(86400 n_o)

Why one GPU count per offer (n_o, the largest the offer, the grid and the swing limit allow):
GPU-hours H = S/3600 do not depend on n, so neither do compute cost, energy, CO2 or FLOPs; a
larger n only shortens T = S/(86400 n), which lowers staff cost and eases the deadline. The power
and availability limits are upper bounds on n and the memory floor a lower bound. So for every
feasible plan, the same plan with n = n_o is feasible and no worse in any objective: restricting
n to n_o loses no optimum (and picks the fastest plan among ties). The brute-force check
enumerates every node multiple and confirms it.

Pairs (i, o) that cannot be part of any plan are ruled out here, with the reason kept for the
infeasibility explanation: the target is out of reach for N_i, N_i's tokens exceed the data, the
training state does not fit in n_o GPUs, the offer allows no full node.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from planner.formulas import scaling_law
from planner.errors import InputError
from planner.formulas.evaluate import HOURS_PER_YEAR, SECONDS_PER_DAY, flop_rate, memory_floor_gpus, target_loss
from planner.formulas.offers import offer_terms
from planner.input.schema import Instance

#: Relative tolerance when flooring a power limit into a GPU count (n exactly at the limit is allowed).
COUNT_TOL = 1e-9


@dataclass(frozen=True)
class SizeOption:
    params: float
    min_tokens: float      # Dmin_i
    base_loss: float       # E + A/N^alpha


@dataclass(frozen=True)
class OfferOption:
    gpu: str
    region: str
    gpu_count: int                 # n_o
    count_limited_by: tuple[str, ...]  # which of available / grid_capacity_mw / max_swing_mw set n_o
    flop_rate: float               # evaluate.flop_rate: peak * mfu (precision, MoE), FLOP/s per GPU
    usd_per_gpu_hour: float
    usd_per_gpu_second: float      # price/3600 + staff/(86400 n_o)
    co2_t_per_gpu_second: float
    days_per_gpu_second: float
    mwh_per_gpu_second: float
    memory_gb: float


@dataclass(frozen=True)
class RecipeOption:
    name: str
    work_per_param: float      # c_m = sum_s k_s T_s / mfu_factor_s (FLOP-equivalents per parameter)
    flops_per_param: float     # sum_s k_s T_s
    fixed_usd: float           # annotation + fixed
    min_model_params: float


@dataclass(frozen=True)
class ModelInputs:
    """Numbers for models.training_plan.build: candidates, allowed pairs, limits and objective."""

    objective: str
    carbon_price_usd_per_t: float
    flops_per_param_token: float
    data_usd_per_token: float
    sizes: list[SizeOption]
    offers: list[OfferOption]
    recipes: list[RecipeOption]            # empty: no alignment stage
    pairs: list[tuple[int, int]]           # allowed (size index, offer index)
    max_tokens: dict[tuple[int, int], float]  # upper bound on D per pair (objective loss: from limits)
    budget_usd: float | None
    max_co2_t: float | None
    deadline_days: float | None
    max_training_flops: float | None
    law_B: float
    law_beta: float
    unique_tokens: float | None
    repetition_rstar: float
    ruled_out: list[str] = field(default_factory=list)

    def seconds_per_token(self, i: int, o: int) -> float:
        """a_io = k N_i / (peak mfu): pretraining GPU-seconds per token."""
        return self.flops_per_param_token * self.sizes[i].params / self.offers[o].flop_rate


def derive(instance: Instance) -> ModelInputs:
    """Compute every number the MIP needs (formulas in the module docstring)."""
    ruled_out: list[str] = []
    law, data = instance.scaling_law, instance.data
    target = target_loss(instance)
    data_cap = data.unique_tokens * data.max_epochs if data.max_epochs is not None else math.inf

    sizes: list[SizeOption] = []
    for n_params in instance.sizes:
        dmin = 0.0
        if target is not None:
            dmin = scaling_law.tokens_for_loss(law, n_params, target, data.unique_tokens, data.repetition_rstar)
            if math.isinf(dmin):
                ruled_out.append(f"N={n_params:.4g}: cannot reach loss {target:.4f} with any number of tokens")
            elif dmin > data_cap * (1 + COUNT_TOL):
                ruled_out.append(f"N={n_params:.4g}: needs {dmin:.4g} tokens, the data allow "
                                 f"{data_cap:.4g} ({data.max_epochs:g} epochs of {data.unique_tokens:.4g})")
                dmin = math.inf
        sizes.append(SizeOption(n_params, dmin, law.E + law.A / n_params**law.alpha))

    offers = _offers(instance, ruled_out)
    recipes = _recipes(instance, ruled_out)
    if instance.alignment is not None and not recipes:
        offers_for_pairs: list[OfferOption] = []  # alignment required but no recipe allowed: no plan
    else:
        offers_for_pairs = offers

    pairs: list[tuple[int, int]] = []
    too_small: set[int] = set()
    for o, offer in enumerate(offers_for_pairs):
        for i, size in enumerate(sizes):
            if math.isinf(size.min_tokens):
                continue
            floor = memory_floor_gpus(instance, size.params, offer.memory_gb)
            if floor > offer.gpu_count * (1 + COUNT_TOL):
                ruled_out.append(f"N={size.params:.4g} on {offer.gpu} in {offer.region}: training state needs "
                                 f"{math.ceil(floor)} GPUs, at most {offer.gpu_count} can run there")
                continue
            if recipes and size.params < min(r.min_model_params for r in recipes):
                if i not in too_small:
                    too_small.add(i)
                    ruled_out.append(f"N={size.params:.4g}: below every allowed recipe's min_model_params "
                                     f"(the least is {min(r.min_model_params for r in recipes):.4g})")
                continue
            pairs.append((i, o))

    inputs = ModelInputs(
        objective=instance.objective,
        carbon_price_usd_per_t=instance.carbon_price_usd_per_t,
        flops_per_param_token=instance.flops_per_param_token,
        data_usd_per_token=data.usd_per_token,
        sizes=sizes, offers=offers, recipes=recipes, pairs=pairs, max_tokens={},
        budget_usd=instance.limits.budget_usd,
        max_co2_t=instance.limits.max_co2_t,
        deadline_days=instance.limits.deadline_days,
        max_training_flops=instance.limits.max_training_flops,
        law_B=law.B, law_beta=law.beta,
        unique_tokens=data.unique_tokens, repetition_rstar=data.repetition_rstar,
        ruled_out=ruled_out,
    )
    no_room: list[tuple[int, int]] = []
    for i, o in pairs:
        if instance.objective == "loss":
            cap = pair_token_cap(inputs, i, o, data_cap)
            if math.isinf(cap):
                raise InputError(
                    "objective",
                    f"'loss' has no optimum: nothing limits the tokens of N={sizes[i].params:.4g} on "
                    f"{offers[o].gpu} in {offers[o].region}"
                    + (" (a token costs nothing there, so limits.budget_usd does not bind)"
                       if instance.limits.budget_usd is not None else "")
                    + "; add limits.budget_usd (with a non-zero price), limits.deadline_days, "
                    "limits.max_co2_t, limits.max_training_flops or data.max_epochs",
                )
            if cap <= 0 and sizes[i].min_tokens <= 0:
                # D must be positive: budget, CO2 or deadline is used up before the first token
                ruled_out.append(f"N={sizes[i].params:.4g} on {offers[o].gpu} in {offers[o].region}: the limits "
                                 "leave no room for any pretraining tokens")
                no_room.append((i, o))
                continue
            inputs.max_tokens[i, o] = max(sizes[i].min_tokens, cap)
        else:
            # Every other objective grows with D and every limit caps it: D = Dmin is optimal.
            inputs.max_tokens[i, o] = sizes[i].min_tokens
    inputs.pairs[:] = [pair for pair in pairs if pair not in no_room]
    return inputs


def pair_token_cap(inputs: ModelInputs, i: int, o: int, data_cap: float) -> float:
    """An upper bound on D for the pair (i, o), from the limits that grow with D (alignment ignored,
    so the bound is valid for every recipe): budget, CO2, deadline, FLOPs and the data cap."""
    offer = inputs.offers[o]
    a = inputs.seconds_per_token(i, o)
    caps = [data_cap]
    least_fixed = min((r.fixed_usd for r in inputs.recipes), default=0.0)
    usd_per_token = offer.usd_per_gpu_second * a + inputs.data_usd_per_token
    if inputs.budget_usd is not None and usd_per_token > 0:
        caps.append(max(0.0, inputs.budget_usd - least_fixed) / usd_per_token)
    if inputs.max_co2_t is not None and offer.co2_t_per_gpu_second > 0:
        caps.append(inputs.max_co2_t / (offer.co2_t_per_gpu_second * a))
    if inputs.deadline_days is not None:
        caps.append(inputs.deadline_days / (offer.days_per_gpu_second * a))
    if inputs.max_training_flops is not None:
        caps.append(inputs.max_training_flops / (inputs.flops_per_param_token * inputs.sizes[i].params))
    return min(caps)


def _offers(instance: Instance, ruled_out: list[str]) -> list[OfferOption]:
    out: list[OfferOption] = []
    offered_anywhere: set[str] = set()
    for region in instance.regions:
        before = len(out)
        for gpu in instance.gpus:
            terms = offer_terms(gpu, region)
            if terms is None:
                if _not_offered_reason(gpu, region):
                    ruled_out.append(f"{gpu.name} in {region.name}: {_not_offered_reason(gpu, region)}")
                continue
            kw = gpu.watts / 1000.0
            limits = {"available": float(terms.available)}
            if region.grid_capacity_mw is not None:
                limits["grid_capacity_mw"] = region.grid_capacity_mw * 1000.0 / (kw * region.pue)
            if region.max_swing_mw is not None:
                limits["max_swing_mw"] = region.max_swing_mw * 1000.0 / (kw * region.swing_fraction)
            node = gpu.gpus_per_node
            nodes = {name: math.floor(value * (1 + COUNT_TOL) / node) for name, value in limits.items()}
            count = node * min(nodes.values())
            if count <= 0:
                binding = min(nodes, key=nodes.get)
                ruled_out.append(f"{gpu.name} in {region.name}: {binding} allows no full node of {node} GPUs")
                continue
            least = min(nodes.values())
            carbon_kg_per_gpu_hour = kw * region.pue * region.carbon_g_per_kwh / 1000.0
            embodied_kg_per_gpu_hour = gpu.embodied_kg / (gpu.lifetime_years * HOURS_PER_YEAR)
            out.append(OfferOption(
                gpu=gpu.name, region=region.name, gpu_count=count,
                count_limited_by=tuple(name for name, v in nodes.items() if v == least),
                flop_rate=flop_rate(instance, gpu),
                usd_per_gpu_hour=terms.usd_per_gpu_hour,
                usd_per_gpu_second=terms.usd_per_gpu_hour / 3600.0
                + instance.staff_usd_per_day / (SECONDS_PER_DAY * count),
                co2_t_per_gpu_second=(carbon_kg_per_gpu_hour + embodied_kg_per_gpu_hour) / 1000.0 / 3600.0,
                days_per_gpu_second=1.0 / (SECONDS_PER_DAY * count),
                mwh_per_gpu_second=kw * region.pue / 1000.0 / 3600.0,
                memory_gb=gpu.memory_gb,
            ))
            offered_anywhere.add(gpu.name)
        if len(out) == before:
            ruled_out.append(f"region {region.name}: no GPU offered there (none with a price and room for "
                             "at least one full node)")
    for gpu in instance.gpus:
        if gpu.name not in offered_anywhere and all(offer_terms(gpu, r) is None for r in instance.regions):
            ruled_out.append(f"GPU {gpu.name}: not offered in any region")
    return out


def _not_offered_reason(gpu, region) -> str | None:
    """Why offer_terms found no offer of `gpu` in `region` (None: the region does not sell it)."""
    offer = (region.offers or {}).get(gpu.name)
    if region.offers is not None and offer is None:
        return None  # the region lists its offers and this GPU is not among them: nothing to explain
    price = offer.usd_per_gpu_hour if offer is not None and offer.usd_per_gpu_hour is not None else gpu.usd_per_gpu_hour
    available = offer.available if offer is not None and offer.available is not None else gpu.available
    if price is None:
        return "no price (usd_per_gpu_hour) in the GPU entry or an offer, so it is not offered there"
    if not available:
        return "available is 0"
    return None


def _recipes(instance: Instance, ruled_out: list[str]) -> list[RecipeOption]:
    if instance.alignment is None:
        return []
    alignment = instance.alignment
    out: list[RecipeOption] = []
    for recipe in alignment.recipes:
        if recipe.quality < alignment.min_quality:
            ruled_out.append(f"recipe {recipe.name}: quality {recipe.quality:g} < min_quality {alignment.min_quality:g}")
            continue
        if recipe.needs_verifiable_tasks and not alignment.verifiable_tasks:
            ruled_out.append(f"recipe {recipe.name}: needs verifiable tasks (alignment.verifiable_tasks is false)")
            continue
        out.append(RecipeOption(
            name=recipe.name,
            work_per_param=sum(s.flops_per_param_token * s.tokens / s.mfu_factor for s in recipe.stages),
            flops_per_param=sum(s.flops_per_param_token * s.tokens for s in recipe.stages),
            fixed_usd=sum(s.samples * s.usd_per_sample for s in recipe.stages) + recipe.fixed_usd,
            min_model_params=recipe.min_model_params,
        ))
    if not out:
        ruled_out.append("alignment: no recipe meets min_quality and the verifiable-tasks rule")
    return out
