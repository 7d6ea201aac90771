"""Instance -> Candidates: every discrete choice that can be part of a plan, with its numbers.

A candidate row is one (size i, offer o = (GPU g, region r), recipe m) that passes the rules that
need no optimisation; its GPU count n (a multiple of the node size) is left open. Per row:

    Dmin       = least D meeting the loss target (planner.formulas.targets; 0 without a target)
    a          = k N / rate_g(N)              ideal GPU-seconds per pretraining token (6.1 mfu(N))
    b          = N (c_m / rate_g(N) + g_m / peak_g)   ideal alignment GPU-seconds (planner.formulas.post_training:
               c_m = train_work, sum_s k_s T_s / mfu_factor_s for stages given as tokens; g_m = decode_work)
    a          = k N (1 + f_m) / rate_g(N)    with a recipe stated as a share f_m of pretraining compute
    a, b, H_f  x q_g(N) with limits.confidence p: q = exp(mu + sigma z_p) (planner.formulas.spread; else 1)
    nodes      in [min_nodes, max_nodes]:     min_nodes = ceil(memory floor / gpus_per_node) (at least 1)
               max_nodes = floor(min(available, grid, swing) / gpus_per_node), where
               grid: n w pue/1000 <= grid_capacity_mw, swing: n w swing_fraction/1000 <= max_swing_mw
               (and with `scale:`, n <= n_max(N, D): planner.formulas.scale, applied by the presolve
               since it depends on D; the row carries model_parallel = mp(N) on its GPU)
    fixed_usd  = annotation + fixed of the recipe + H_f price;   fixed_co2 = H_f (c_op + c_emb)
               H_f = N fleet_work_m / peak_g / 3600: rollouts on a separate fleet (post_training)
    serving    = N x the best serving offer's measure

Rows that cannot be part of any plan are ruled out here with the reason kept for the
infeasibility explanation: the target is out of reach for N, N's tokens exceed the data, the
training state does not fit in the GPUs an offer allows, the offer allows no full node, the recipe
is not allowed (quality, verifiable tasks, min_model_params).
Everything is computed with numpy over sizes at once; the loops are over offers and recipes only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from planner.optimize import deadline
from planner.formulas.cluster import parallel_terms
from planner.formulas.evaluate import memory_floor_gpus, total_params
from planner.formulas.scale import model_parallel_gpus
from planner.formulas.scaling_law import data_token_cap
from planner.formulas.offers import co2_t_per_gpu_hour, facility_mw, mwh_per_gpu_hour, offer_terms, swing_mw
from planner.formulas.serving import best_serving_offer
from planner.formulas.targets import min_tokens, target_loss
from planner.formulas.post_training import recipe_coefficients
from planner.formulas.spread import confidence_factor
from planner.formulas.throughput import flop_rate, peak_flops
from planner.formulas.units import SECONDS_PER_HOUR
from planner.input.schema import Instance

from planner.constants import COUNT_TOL, Objective  # noqa: E402 -- flooring a power limit into a GPU count


@dataclass(frozen=True)
class OfferOption:
    """A GPU type sold in a region, with the most nodes its availability and power limits allow."""

    gpu: str
    region: str
    gpu_index: int
    region_index: int
    node: int                          # gpus_per_node
    max_nodes: int
    count_limited_by: tuple[str, ...]  # which of available / grid_capacity_mw / max_swing_mw set max_nodes
    usd_per_gpu_hour: float
    co2_oper_t_per_gpu_hour: float
    co2_emb_t_per_gpu_hour: float
    mwh_per_gpu_hour: float
    mtbf_hours: float                  # inf: never fails
    paid_gpus: int = 0                 # a contracted offer: GPUs paid whether used or not (0: those used)
    min_term_days: float = 0.0         # rental paid for at least this long (0: on demand)
    parallel_ref_gpus: float = math.inf   # parallel overhead above this count (inf: none)
    parallel_overhead: float = 0.0        # its extra time at 4x parallel_ref_gpus (planner.formulas.cluster)


@dataclass(frozen=True)
class RecipeOption:
    name: str
    work_per_param: float      # c_m = train_work (planner.formulas.post_training), at the training rate
    flops_per_param: float     # post-training FLOPs per parameter (not counting a share of pretraining)
    fixed_usd: float           # annotation + verifiers + fixed
    min_model_params: float
    decode_work_per_param: float = 0.0   # g_m = decode_work, at the GPU's peak x rollout_mfu
    share_work: float = 0.0              # sum f_s / mfu_factor_s: extra seconds per pretraining second
    share_flops: float = 0.0             # sum f_s: extra FLOPs per pretraining FLOP
    fleet_work_per_param: float = 0.0    # decoded on a separate fleet: GPU-hours N fleet_work / peak / 3600


#: The per-row arrays of Candidates.
ROW_FIELDS = ("size", "offer", "recipe", "seconds_per_token", "align_seconds", "align_flops", "fixed_usd",
              "min_nodes", "serving", "model_parallel", "flops_per_token", "fixed_co2")


@dataclass
class Candidates:
    """Rows (size, offer, recipe) as parallel numpy arrays, plus the lists they index."""

    sizes: np.ndarray                  # N per size index
    min_tokens_by_size: np.ndarray     # Dmin per size index
    base_loss_by_size: np.ndarray      # E + A/N^alpha
    offers: list[OfferOption]
    recipes: list[RecipeOption]        # empty: pretraining only (rows then carry recipe -1)
    size: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    offer: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    recipe: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    seconds_per_token: np.ndarray = field(default_factory=lambda: np.zeros(0))
    align_seconds: np.ndarray = field(default_factory=lambda: np.zeros(0))
    align_flops: np.ndarray = field(default_factory=lambda: np.zeros(0))
    fixed_usd: np.ndarray = field(default_factory=lambda: np.zeros(0))
    min_nodes: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    serving: np.ndarray = field(default_factory=lambda: np.zeros(0))   # objective measure of serving
    model_parallel: np.ndarray = field(default_factory=lambda: np.zeros(0))  # mp(N) on the row's GPU (scale)
    flops_per_token: np.ndarray = field(default_factory=lambda: np.zeros(0))  # k N (1 + f_m) per row
    fixed_co2: np.ndarray = field(default_factory=lambda: np.zeros(0))   # a separate rollout fleet's CO2, t
    ruled_out: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.size)

    def subset(self, rows: np.ndarray) -> Candidates:
        """The same candidates restricted to `rows` (indices)."""
        out = replace(self)
        for name in ROW_FIELDS:
            setattr(out, name, getattr(self, name)[rows])
        return out

    def column(self, name: str) -> np.ndarray:
        """A per-offer attribute spread over the rows (node, max_nodes, usd_per_gpu_hour, ...)."""
        values = np.array([getattr(o, name) for o in self.offers], dtype=float)
        return values[self.offer] if len(self.offers) else np.zeros(len(self))


def derive(instance: Instance) -> Candidates:
    """Every candidate row of `instance` (module docstring)."""
    ruled_out: list[str] = []
    law, data = instance.scaling_law, instance.data
    sizes = np.array(instance.sizes, dtype=float)
    dmin = min_tokens(instance, sizes)
    data_cap = data_token_cap(data)
    target = target_loss(instance)
    for n_params, need in zip(sizes, dmin):
        if math.isinf(need):
            ruled_out.append(f"N={n_params:.4g}: cannot reach loss {target:.4f} with any number of tokens"
                             + (f" at confidence {instance.targets.confidence:g}" if instance.targets.confidence else ""))
        elif need > data_cap * (1 + COUNT_TOL):
            ruled_out.append(f"N={n_params:.4g}: needs {need:.4g} tokens, the data allow "
                             f"{data_cap:.4g} ({data.max_epochs:g} epochs of {data.unique_tokens:.4g})")
    reachable = np.isfinite(dmin) & (dmin <= data_cap * (1 + COUNT_TOL))
    base_loss = law.E + law.A / sizes**law.alpha
    out = Candidates(sizes, np.where(reachable, dmin, np.inf), base_loss, _offers(instance, ruled_out),
                     _recipes(instance, ruled_out), ruled_out=ruled_out)
    if instance.alignment is not None and not out.recipes:
        return out  # alignment required but no recipe allowed: no plan
    _rows(instance, out, reachable)
    return out


def _rows(instance: Instance, out: Candidates, reachable: np.ndarray) -> None:
    serving = best_serving_offer(instance)
    serving_per_param = (serving.measure_per_param(instance.objective, instance.carbon_price_usd_per_t)
                         if serving is not None and instance.objective in (Objective.COST, Objective.CO2, Objective.WEIGHTED) else 0.0)
    least_min = min((r.min_model_params for r in out.recipes), default=0.0)
    for i in np.flatnonzero(out.sizes < least_min):
        if reachable[i]:
            out.ruled_out.append(f"N={out.sizes[i]:.4g}: below every allowed recipe's min_model_params "
                                 f"(the least is {least_min:.4g})")
    # per recipe m (a pretraining-only run is one recipe -1 with no work): numbers as arrays
    recipe_ids = np.array([m for m in range(len(out.recipes))] or [-1])
    min_params = np.array([r.min_model_params for r in out.recipes] or [0.0])
    work = np.array([r.work_per_param for r in out.recipes] or [0.0])
    align_fpp = np.array([r.flops_per_param for r in out.recipes] or [0.0])
    fixed = np.array([r.fixed_usd for r in out.recipes] or [0.0])
    decode = np.array([r.decode_work_per_param for r in out.recipes] or [0.0])
    share_work = 1.0 + np.array([r.share_work for r in out.recipes] or [0.0])
    share_flops = 1.0 + np.array([r.share_flops for r in out.recipes] or [0.0])
    fleet = np.array([r.fleet_work_per_param for r in out.recipes] or [0.0])
    peak, confidence = {}, {}   # GPU -> peak FLOP/s; GPU -> q by size (planner.formulas.spread, 1 by default)
    big_enough = out.sizes[None, :] >= min_params[:, None]                     # recipe x size
    chunks: dict[str, list[np.ndarray]] = {k: [] for k in (
        "size", "offer", "recipe", "seconds_per_token", "align_seconds", "align_flops", "fixed_usd", "min_nodes",
        "model_parallel", "flops_per_token", "fixed_co2")}
    per_gpu: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # GPU -> (FLOP/s by size, least nodes by size)
    for o, offer in enumerate(out.offers):
        if o and o % deadline.CHECK_EVERY == 0:
            deadline.check(f"deriving the candidates ({len(out.offers):,} GPU-region offers)")
        gpu = instance.gpus[offer.gpu_index]
        if offer.gpu_index not in per_gpu:  # the same in every region: computed once per GPU
            floor = np.ceil(memory_floor_gpus(instance, out.sizes, gpu.memory_gb) / offer.node * (1 - 1e-12))
            per_gpu[offer.gpu_index] = (flop_rate(instance, gpu, out.sizes), np.maximum(floor, 1).astype(np.int64))
            peak[offer.gpu_index] = peak_flops(gpu, instance.precision)
            confidence[offer.gpu_index] = np.array([confidence_factor(gpu.mfu_spread, n, instance.limits.confidence)
                                                    for n in out.sizes])
        rate, min_nodes = per_gpu[offer.gpu_index]
        fits = min_nodes <= offer.max_nodes
        for i in np.flatnonzero(reachable & ~fits & (out.sizes >= least_min)):
            ruled_out_memory(out, instance, i, offer, gpu)
        m, i = np.nonzero(big_enough & (reachable & fits)[None, :])            # recipe-major rows
        chunks["size"].append(i)
        chunks["offer"].append(np.full(len(i), o))
        chunks["recipe"].append(recipe_ids[m])
        q = confidence[offer.gpu_index][i]
        chunks["seconds_per_token"].append(instance.flops_per_param_token * out.sizes[i] * share_work[m] / rate[i] * q)
        chunks["flops_per_token"].append(instance.flops_per_param_token * out.sizes[i] * share_flops[m])
        chunks["align_seconds"].append((work[m] * out.sizes[i] / rate[i] + decode[m] * out.sizes[i] / peak[offer.gpu_index])
                                       * q)
        chunks["align_flops"].append(align_fpp[m] * out.sizes[i])
        fleet_hours = fleet[m] * out.sizes[i] / peak[offer.gpu_index] / SECONDS_PER_HOUR * q
        chunks["fixed_usd"].append(fixed[m] + fleet_hours * offer.usd_per_gpu_hour)
        chunks["fixed_co2"].append(fleet_hours * (offer.co2_oper_t_per_gpu_hour + offer.co2_emb_t_per_gpu_hour))
        chunks["min_nodes"].append(min_nodes[i])
        chunks["model_parallel"].append(
            model_parallel_gpus(instance.scale, total_params(instance, out.sizes[i]), gpu.memory_gb)
            if instance.scale is not None else np.ones(len(i)))
    for name, parts in chunks.items():
        if parts:
            setattr(out, name, np.concatenate(parts))
    out.serving = serving_per_param * out.sizes[out.size] if len(out.size) else np.zeros(0)


def ruled_out_memory(out: Candidates, instance: Instance, i: int, offer: OfferOption, gpu) -> None:
    floor = memory_floor_gpus(instance, out.sizes[i], gpu.memory_gb)
    out.ruled_out.append(f"N={out.sizes[i]:.4g} on {offer.gpu} in {offer.region}: training state needs "
                         f"{math.ceil(floor)} GPUs, at most {offer.node * offer.max_nodes} can run there")


def _offers(instance: Instance, ruled_out: list[str]) -> list[OfferOption]:
    out: list[OfferOption] = []
    offered_anywhere: set[str] = set()
    for r, region in enumerate(instance.regions):
        before = len(out)
        if r and r % 16 == 0:
            deadline.check(f"listing the offers ({len(instance.gpus):,} GPUs x {len(instance.regions):,} regions)")
        for g, gpu in enumerate(instance.gpus):
            terms = offer_terms(gpu, region)
            if terms is None:
                reason = _not_offered_reason(gpu, region)
                if reason:
                    ruled_out.append(f"{gpu.name} in {region.name}: {reason}")
                continue
            limits = {"available": float(terms.available)}   # GPU counts each limit allows
            if region.grid_capacity_mw is not None:
                limits["grid_capacity_mw"] = region.grid_capacity_mw / facility_mw(gpu, region, 1)
            if region.max_swing_mw is not None:
                limits["max_swing_mw"] = region.max_swing_mw / swing_mw(gpu, region, 1)
            node = gpu.gpus_per_node
            nodes = {name: math.floor(min(value * (1 + COUNT_TOL), 1e15) / node) for name, value in limits.items()}
            least = min(nodes.values())
            if least <= 0:
                binding = min(nodes, key=nodes.get)
                ruled_out.append(f"{gpu.name} in {region.name}: {binding} allows no full node of {node} GPUs")
                continue
            oper, emb = co2_t_per_gpu_hour(gpu, region)
            out.append(OfferOption(
                gpu=gpu.name, region=region.name, gpu_index=g, region_index=r, node=node, max_nodes=least,
                count_limited_by=tuple(name for name, v in nodes.items() if v == least),
                usd_per_gpu_hour=terms.usd_per_gpu_hour, co2_oper_t_per_gpu_hour=oper, co2_emb_t_per_gpu_hour=emb,
                mwh_per_gpu_hour=mwh_per_gpu_hour(gpu, region),
                mtbf_hours=gpu.mtbf_hours if gpu.mtbf_hours is not None else math.inf,
                paid_gpus=terms.paid_gpus or 0, min_term_days=terms.min_term_days or 0.0,
                **_parallel_columns(gpu),
            ))
            offered_anywhere.add(gpu.name)
        if len(out) == before:
            ruled_out.append(f"region {region.name}: no GPU offered there (none with a price and room for "
                             "at least one full node)")
    for gpu in instance.gpus:
        if gpu.name not in offered_anywhere and all(offer_terms(gpu, r) is None for r in instance.regions):
            ruled_out.append(f"GPU {gpu.name}: not offered in any region")
    return out


def _parallel_columns(gpu) -> dict[str, float]:
    """The GPU's parallel overhead keys as offer columns (inf / 0: none)."""
    terms = parallel_terms(gpu)
    return {} if terms is None else {"parallel_ref_gpus": float(terms[0]), "parallel_overhead": float(terms[1])}


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
        coef = recipe_coefficients(recipe)
        out.append(RecipeOption(
            name=recipe.name, work_per_param=coef.train_work, flops_per_param=coef.flops, fixed_usd=coef.usd,
            min_model_params=recipe.min_model_params, decode_work_per_param=coef.decode_work,
            share_work=coef.share_work, share_flops=coef.share_flops, fleet_work_per_param=coef.fleet_work,
        ))
    if not out:
        ruled_out.append("alignment: no recipe meets min_quality and the verifiable-tasks rule")
    return out
