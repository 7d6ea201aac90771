"""The Pyomo-free evaluator: every figure of a plan from the formulas of README "The model".

    F_pre   = k N D                         F_align = post-training FLOPs (planner.formulas.post_training)
    S       = F_pre/rate + S_align          ideal GPU-seconds; S_align = post_training.recipe_seconds
                                            (sum_s k_s N T_s/(rate mfu_factor_s) for stages given as tokens)
    rate    = throughput.flop_rate: peak x mfu(N) x moe.mfu_factor (size-dependent MFU, 6.1)
    then every time-like figure is S times a rate of planner.formulas.cluster (failures 6.2,
    development 6.3):  H = S (1+w)/3600,  T = S (1+w)/(86400 n),  cost, CO2, energy likewise
    cost    = rent + staff T + usd_per_token D + labels and verifiers (post_training.stage_usd) + fixed_usd
              + development: (f-1) H price;  rent = price m 24 max(T, t_min) (= H price on demand;
              m = available GPUs of a contracted offer, else n; t_min the offer's min_term_days)
    CO2     = H (c_op + c_emb) + (f-1) H (c_op + c_emb)       (offers.co2_t_per_gpu_hour)
    P       = n (watts/1000) pue/1000 MW    swing = n (watts/1000) swing_fraction/1000 MW
    L       = E + A/N^alpha + B/Deff^beta   (scaling_law)
    memory  : n >= bytes_per_param N_total/(memory_gb 1e9),  N_total = N total_params_per_active
    serving (6.4): the best serving offer's per-parameter figures x N (planner.formulas.serving);
    lifetime = training + serving.  target_probability (6.5): planner.formulas.targets.
    rollouts on a separate fleet (post_training.fleet_gpu_hours H_f): + H_f to the GPU-hours, H_f price
    to compute, H_f (c_op + c_emb) to CO2, H_f x MWh per GPU-hour to energy; not to the days.
    throughput spread: planner.formulas.spread (P10/P50/P90, P(limits met)).

For a mixture-of-experts model (`moe:`) N is the ACTIVE parameter count: it sets the compute and the
scaling-law loss (the law at the active count, an assumption), while the memory floor holds all
N_total = N x moe.total_params_per_active parameters.

The solver's reported plan, `plan evaluate`, sweeps and reports all go through `evaluate_plan`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from planner.errors import InputError
from planner.formulas import scaling_law
from planner.formulas.cluster import parallel_terms, cluster_rates, operations
from planner.formulas.offers import co2_t_per_gpu_hour, facility_mw, mwh_per_gpu_hour, offer_terms, swing_mw
from planner.formulas import scale as scaling
from planner.formulas.serving import best_serving_offer
from planner.formulas.spread import Figure, ThroughputSpread, cell_for, confidence_factor, throughput_spread
from planner.formulas.targets import target_loss, target_probability
from planner.formulas.post_training import (fleet_gpu_hours, recipe_coefficients, recipe_flops, recipe_seconds,
                                             stage_usd)
from planner.formulas.throughput import flop_rate, peak_flops
from planner.formulas.limits import BY_QUANTITY, LIMITS
from planner.input.schema import FixedPlan, Instance

__all__ = ["evaluate_plan", "find_violations", "target_loss", "flop_rate", "memory_floor_gpus", "total_params",
           "PlanMetrics", "Violation", "REL_TOL"]
from planner.constants import REL_TOL  # noqa: E402 -- binding within it, violated beyond it


@dataclass(frozen=True)
class Flops:
    pretraining: float
    alignment: float
    total: float


@dataclass(frozen=True)
class CostUsd:
    compute: float
    staff: float
    data: float
    annotation: float
    fixed: float
    total: float
    development: float = 0.0   # in total: (development_factor - 1) x GPU-hours x price (6.3)
    idle: float = 0.0          # in compute: rent of GPUs paid for but not running (contract, term)


@dataclass(frozen=True)
class Co2T:
    operational: float
    embodied: float
    total: float
    development: float = 0.0   # in total (6.3)


@dataclass(frozen=True)
class ServingFigures:
    """The serving offer the plan uses and what serving costs over the model's life (6.4)."""

    gpu: str
    region: str
    gpu_hours: float
    energy_mwh: float
    cost_usd: float
    co2_t: float


@dataclass(frozen=True)
class ScaleFigures:
    """How far the cluster scales (planner.formulas.scale; only with the instance's `scale:`)."""

    model_parallel_gpus: float      # mp(N): tensor x pipeline degree memory needs
    tokens_per_gpu: float           # sequence_tokens / mp: tokens each GPU holds per step, at least
    global_batch_tokens: float      # (n / mp) sequence_tokens: the least global batch on n GPUs
    batch_limit_tokens: float       # batch_multiple x B_opt(C)
    max_useful_gpus: float          # mp B_max / sequence_tokens


@dataclass(frozen=True)
class Lifetime:
    """Training + serving (6.4)."""

    cost_usd: float
    co2_t: float


@dataclass(frozen=True)
class PostTraining:
    """The recipe's part of the plan (issue 20): its ideal GPU-seconds priced at the cluster's rates
    (failures and development included, as pretraining's), plus its labels, verifiers and fixed cost;
    each share is of the plan's training total."""

    gpu_hours: float
    flops: float
    cost_usd: float
    co2_t: float
    gpu_hours_share: float
    flops_share: float
    cost_share: float
    co2_share: float
    fleet_gpu_hours: float = 0.0   # rollouts on a separate inference fleet (in gpu_hours, not in the days)
    fleet_gpus: float = 0.0        # the fleet that keeps pace: its GPU-hours / post-training wall-clock hours


@dataclass(frozen=True)
class PlanMetrics:
    """Every figure of one plan (the `plan` object of `plan solve --format json`)."""

    model_params: float
    tokens: float
    tokens_per_param: float
    gpu: str
    gpu_count: int
    region: str
    alignment: str | None
    duration_days: float
    gpu_hours: float
    loss: float
    energy_mwh: float
    peak_power_mw: float
    swing_mw: float
    flops: Flops
    cost_usd: CostUsd
    co2_t: Co2T
    development_gpu_hours: float = 0.0   # beside gpu_hours, not in it (6.3)
    failure_waste: float = 0.0           # waste(n): useful time lost to interruptions (6.2)
    failure_days: float = 0.0            # the part of duration_days failures cost
    serving: ServingFigures | None = None
    lifetime: Lifetime | None = None
    target_probability: float | None = None
    scale: ScaleFigures | None = None    # with the instance's `scale:` block
    post_training: PostTraining | None = None
    throughput_spread: ThroughputSpread | None = None   # P10/P50/P90 and P(limits met) (planner.formulas.spread)

    def objective_value(self, objective: str, carbon_price_usd_per_t: float = 0.0) -> float:
        """The value of one of the five objectives (README "Objectives" and docs/serving.md: with serving, cost,
        co2 and weighted are lifetime values)."""
        from planner.formulas.limits import OBJECTIVES

        return OBJECTIVES[str(objective)].read(self, carbon_price_usd_per_t)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Violation:
    """A limit a plan breaks: `value` against `allowed`, `excess` = value - allowed (same unit)."""

    limit: str
    value: float
    allowed: float
    unit: str
    message: str = field(default="")

    @property
    def excess(self) -> float:
        return self.value - self.allowed


def _choices(instance: Instance, plan: FixedPlan):
    """The plan's GPU, region and recipe entries and its price per GPU-hour (InputError if unknown)."""
    gpu = _lookup(instance.gpus, plan.gpu, "plan.gpu", "gpus")
    region = _lookup(instance.regions, plan.region, "plan.region", "regions")
    recipe = None
    if plan.alignment is not None:
        if instance.alignment is None:
            raise InputError("plan.alignment", f"'{plan.alignment}' given but the instance has no alignment section")
        recipe = _lookup(instance.alignment.recipes, plan.alignment, "plan.alignment", "alignment.recipes")
    terms = offer_terms(gpu, region)
    price = terms.usd_per_gpu_hour if terms else gpu.usd_per_gpu_hour
    if price is None:
        raise InputError("plan.gpu", f"{gpu.name} has no price in region {region.name} (not offered there)")
    return gpu, region, recipe, price, terms


def _serving(instance: Instance, n_params: float, cost: CostUsd, co2: Co2T):
    """Serving figures of the best serving offer and the lifetime totals (None, None without serving)."""
    offer = best_serving_offer(instance)
    if offer is None:
        return None, None
    serving = ServingFigures(offer.gpu, offer.region, offer.gpu_hours_per_param * n_params,
                             offer.mwh_per_param * n_params, offer.usd_per_param * n_params,
                             offer.co2_t_per_param * n_params)
    return serving, Lifetime(cost.total + serving.cost_usd, co2.total + serving.co2_t)


def evaluate_plan(instance: Instance, plan: FixedPlan) -> PlanMetrics:
    """Price a fixed plan with the formulas of README "The model" (no optimisation)."""
    gpu, region, recipe, price, terms = _choices(instance, plan)
    n_params, tokens, count = plan.model_params, plan.tokens, plan.gpu_count
    rate = flop_rate(instance, gpu, n_params)  # FLOP/s per GPU at this size
    flops_pre = instance.flops_per_param_token * n_params * tokens
    seconds = flops_pre / rate                 # ideal GPU-seconds S
    flops_align, align_seconds, annotation, fixed, fleet = _recipe_part(instance, recipe, gpu, n_params, tokens, rate)
    seconds += align_seconds
    q = confidence_factor(gpu.mfu_spread, n_params, instance.limits.confidence)   # 1 unless planning for one
    seconds, align_seconds, fleet = seconds * q, align_seconds * q, fleet * q

    oper, emb = co2_t_per_gpu_hour(gpu, region)
    mwh = mwh_per_gpu_hour(gpu, region)
    rates = cluster_rates(count, price, oper, emb, mwh, gpu.mtbf_hours,
                          operations(instance), terms.paid_gpus if terms else None,
                          terms.min_term_days if terms else None, parallel_terms(gpu))
    cost, co2 = _cost_co2(seconds, fleet, price, rates, oper, emb, instance.data.usd_per_token * tokens,
                          annotation, fixed)
    serving, lifetime = _serving(instance, n_params, cost, co2)
    post = None if recipe is None else _post_training(
        align_seconds * rates.gpu_hours + fleet, seconds * rates.gpu_hours + fleet, flops_align, flops_pre + flops_align,
        align_seconds * (rates.compute_usd + rates.staff_usd + rates.development_usd) + annotation + fixed
        + fleet * price, cost.total, align_seconds * rates.co2_t + fleet * (oper + emb), co2.total,
        fleet, align_seconds * rates.days * 24.0)
    loss = scaling_law.loss(instance.scaling_law, n_params, tokens, instance.data.unique_tokens,
                            instance.data.repetition_rstar)
    return PlanMetrics(
        model_params=n_params,
        tokens=tokens,
        tokens_per_param=tokens / n_params,
        gpu=gpu.name,
        gpu_count=count,
        region=region.name,
        alignment=recipe.name if recipe else None,
        duration_days=seconds * rates.days,
        gpu_hours=seconds * rates.gpu_hours + fleet,
        loss=loss,
        energy_mwh=seconds * rates.energy_mwh + fleet * mwh,
        peak_power_mw=facility_mw(gpu, region, count),
        swing_mw=swing_mw(gpu, region, count),
        flops=Flops(flops_pre, flops_align, flops_pre + flops_align),
        cost_usd=cost,
        co2_t=co2,
        development_gpu_hours=seconds * rates.development_gpu_hours,
        failure_waste=rates.waste,
        failure_days=seconds * rates.failure_days,
        serving=serving,
        lifetime=lifetime,
        target_probability=target_probability(instance, n_params, tokens),
        scale=scale_figures(instance, gpu, n_params, tokens, count),
        post_training=post,
        throughput_spread=_spread(instance, gpu, n_params, (seconds * rates.gpu_hours + fleet) / q,
                                  seconds * rates.days / q, cost, co2.total, q,
                                  (seconds / q * rates.compute_usd, rates.rent_floor_usd)),
    )


def _cost_co2(seconds: float, fleet: float, price: float, rates, oper: float, emb: float, data: float,
              annotation: float, fixed: float) -> tuple[CostUsd, Co2T]:
    """Cost and CO2 of S ideal GPU-seconds at the cluster's rates (planner.formulas.cluster): the
    rent includes idle contracted GPUs and a minimum term (max(S compute_usd, rent floor)); a
    separate rollout fleet's GPU-hours (post_training) are paid on top at the offer's price and
    emit at its CO2 per GPU-hour."""
    rent = max(seconds * rates.compute_usd, rates.rent_floor_usd)
    compute, staff = rent + fleet * price, seconds * rates.staff_usd
    development_usd = seconds * rates.development_usd
    cost = CostUsd(compute, staff, data, annotation, fixed,
                   compute + staff + data + annotation + fixed + development_usd, development_usd,
                   rent - seconds * (price * rates.gpu_hours))
    co2 = Co2T(seconds * rates.co2_oper_t + fleet * oper, seconds * rates.co2_emb_t + fleet * emb,
               seconds * rates.co2_t + fleet * (oper + emb), seconds * rates.development_co2_t)
    return cost, co2


def _spread(instance: Instance, gpu, n_params: float, gpu_hours: float, days: float, cost: CostUsd,
            co2_t: float, q: float = 1.0, rent: tuple[float, float] = (0.0, 0.0)) -> ThroughputSpread | None:
    """The plan under its GPU's throughput spread (planner.formulas.spread); None without one.
    `gpu_hours` and `days` are at the curve (r = 0); cost and CO2 are divided by the confidence
    factor q the plan was priced at. `rent` = (the rent at the curve, the minimum term's rent): under
    a term the rent is max(rent exp(r), floor), not scaled with exp(r)."""
    cell = cell_for(gpu.mfu_spread, n_params)
    if cell is None:
        return None
    rent_usd, floor_usd = rent
    fixed = cost.data + cost.annotation + cost.fixed
    if floor_usd > 0:     # the compute cost without the rent scales; the rent is floored by the term
        rented = max(rent_usd * q, floor_usd)
        rest = max(0.0, cost.compute - rented)     # a separate rollout fleet's rent (rounding kept >= 0)
        figure = Figure((rest + cost.staff + cost.development) / q, fixed, rent_usd, floor_usd)
    else:
        figure = Figure((cost.compute + cost.staff + cost.development) / q, fixed)
    co2_t = co2_t / q
    # each limit whose figure the spread moves (by its frontier quantity): (limit, that figure as a
    # function of the throughput draw)
    limits = {}
    for quantity, bounded in {"time": Figure(days), "cost": figure, "co2": Figure(co2_t)}.items():
        row = BY_QUANTITY[quantity]
        if getattr(instance.limits, row.key) is not None:
            limits[row.key] = (getattr(instance.limits, row.key), bounded)
    return throughput_spread(cell, gpu_hours, days, figure, co2_t, limits)


def _recipe_part(instance: Instance, recipe, gpu, n_params: float, tokens: float, rate: float):
    """(FLOPs, ideal GPU-seconds on the cluster, labels and verifiers USD, fixed USD, GPU-hours of a
    separate rollout fleet) of the plan's recipe (planner.formulas.post_training); zeros without one."""
    if recipe is None:
        return 0.0, 0.0, 0.0, 0.0, 0.0
    coef = recipe_coefficients(recipe)
    k = instance.flops_per_param_token
    peak = peak_flops(gpu, instance.precision)
    seconds = recipe_seconds(coef, n_params, tokens, rate, peak, k)
    return (recipe_flops(coef, n_params, tokens, k), seconds, sum(stage_usd(stage) for stage in recipe.stages),
            recipe.fixed_usd, fleet_gpu_hours(coef, n_params, peak))


def _post_training(hours: float, total_hours: float, flops: float, total_flops: float, usd: float,
                   total_usd: float, co2: float, total_co2: float, fleet_hours: float,
                   wall_hours: float) -> PostTraining:
    def share(part: float, whole: float) -> float:
        return part / whole if whole > 0 else 0.0
    return PostTraining(hours, flops, usd, co2, share(hours, total_hours), share(flops, total_flops),
                        share(usd, total_usd), share(co2, total_co2), fleet_hours, share(fleet_hours, wall_hours))


def scale_figures(instance: Instance, gpu, n_params: float, tokens: float, count: int) -> ScaleFigures | None:
    """The plan's batch and model-parallel figures (planner.formulas.scale); None without `scale:`."""
    sc = instance.scale
    if sc is None:
        return None
    mp = scaling.model_parallel_gpus(sc, total_params(instance, n_params), gpu.memory_gb)
    flops = instance.flops_per_param_token * n_params * tokens
    return ScaleFigures(mp, sc.sequence_tokens / mp, scaling.least_global_batch_tokens(sc, count, mp),
                        float(scaling.batch_limit_tokens(sc, flops)), float(scaling.max_useful_gpus(sc, flops, mp)))


def find_violations(instance: Instance, plan: FixedPlan, metrics: PlanMetrics) -> list[Violation]:
    """Every limit that the plan breaks, by how much (relative tolerance REL_TOL); docs/README's
    "Constraints". `model_sizes` is not one of them: it lists what the solver may choose, and a
    plan of the user's own may be any size."""
    out: list[Violation] = []

    def above(limit: str, value: float, allowed: float | None, unit: str, what: str) -> None:
        if allowed is not None and value > allowed * (1 + REL_TOL):
            out.append(Violation(limit, value, allowed, unit, f"{what} {value:.6g} {unit} exceeds {allowed:.6g}"))

    gpu = instance.gpu(plan.gpu)
    region = instance.region(plan.region)
    limits = instance.limits
    target = target_loss(instance)
    if target is not None and metrics.loss > target + REL_TOL * 1e-2 * target:
        out.append(Violation("max_loss", metrics.loss, target, "nats/token",
                             f"loss {metrics.loss:.6f} is above the target {target:.6f}"))
    for limit in LIMITS:
        above(limit.key, limit.read(metrics), getattr(limits, limit.key), limit.unit, limit.label)
    above("grid_capacity_mw", metrics.peak_power_mw, region.grid_capacity_mw, "MW", "facility power")
    if region.max_swing_mw is not None:
        above("max_swing_mw", metrics.swing_mw, region.max_swing_mw, "MW", "power swing")
    if instance.data.max_epochs is not None:
        above("max_epochs", metrics.tokens, scaling_law.data_token_cap(instance.data), "tokens", "tokens")
    terms = offer_terms(gpu, region)
    if terms is None:
        out.append(Violation("offer", plan.gpu_count, 0, "GPUs", f"{gpu.name} is not offered in {region.name}"))
    elif plan.gpu_count > terms.available:
        out.append(Violation("available", plan.gpu_count, terms.available, "GPUs",
                             f"{plan.gpu_count} {gpu.name} wanted, {terms.available} available in {region.name}"))
    if plan.gpu_count % gpu.gpus_per_node:
        out.append(Violation("gpus_per_node", plan.gpu_count, gpu.gpus_per_node, "GPUs",
                             f"{plan.gpu_count} GPUs is not a multiple of {gpu.gpus_per_node} per node"))
    floor = memory_floor_gpus(instance, plan.model_params, gpu.memory_gb)
    if plan.gpu_count < floor * (1 - 1e-12):
        out.append(Violation("memory", plan.gpu_count, floor, "GPUs",
                             f"training state needs at least {math.ceil(floor)} GPUs of {gpu.memory_gb:g} GB"))
    if metrics.scale is not None and plan.gpu_count > metrics.scale.max_useful_gpus * (1 + scaling.SCALE_TOL):
        sf = metrics.scale
        out.append(Violation("scale", plan.gpu_count, sf.max_useful_gpus, "GPUs",
                             f"{plan.gpu_count} GPUs need a global batch of at least {sf.global_batch_tokens:.4g} "
                             f"tokens, above the useful {sf.batch_limit_tokens:.4g} (scale.batch_multiple x B_opt)"))
    if instance.alignment is not None and plan.alignment is not None:
        recipe = instance.recipe(plan.alignment)
        if recipe.quality < instance.alignment.min_quality:
            out.append(Violation("min_quality", recipe.quality, instance.alignment.min_quality, "",
                                 f"{recipe.name} quality {recipe.quality:g} is below {instance.alignment.min_quality:g}"))
        if plan.model_params < recipe.min_model_params:
            out.append(Violation("min_model_params", plan.model_params, recipe.min_model_params, "params",
                                 f"{recipe.name} needs at least {recipe.min_model_params:g} parameters"))
        if recipe.needs_verifiable_tasks and not instance.alignment.verifiable_tasks:
            out.append(Violation("verifiable_tasks", 1, 0, "",
                                 f"{recipe.name} needs verifiable tasks; alignment.verifiable_tasks is false"))
    elif instance.alignment is not None and plan.alignment is None:
        out.append(Violation("alignment", 0, 1, "", "the instance has an alignment section; the plan names no recipe"))
    return out


def memory_floor_gpus(instance: Instance, model_params: float, memory_gb: float) -> float:
    """n >= bytes_per_param N_total / (memory_gb 1e9): the GPUs whose memory holds the training state
    (N_total = total_params(instance, N): all experts of an MoE model, not only the active ones)."""
    return instance.bytes_per_param * total_params(instance, model_params) / (memory_gb * 1e9)


def total_params(instance: Instance, model_params: float) -> float:
    """N_total = N x moe.total_params_per_active (N itself for a dense model)."""
    return model_params * (instance.moe.total_params_per_active if instance.moe is not None else 1.0)


def _lookup(items: list, name: str, field: str, where: str):
    for item in items:
        if item.name == name:
            return item
    raise InputError(field, f"'{name}' is not in {where} (listed: {', '.join(i.name for i in items)})")
