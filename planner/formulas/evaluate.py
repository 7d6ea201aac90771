"""The Pyomo-free evaluator: every figure of a plan recomputed from the spec's formulas (section 2).

    F_pre   = k N D                         F_align = sum_s k_s N T_s
    S       = F_pre/rate + sum_s k_s N T_s/(rate mfu_factor_s)               GPU-seconds
    rate    = peak mfu moe_factor           FLOP/s per GPU (flop_rate: BF16 peak and mfu, or the
              FP8 peak and mfu_fp8 under `precision: fp8`; moe_factor = moe.mfu_factor, else 1)
    H       = S/3600 GPU-hours              T = S/(86400 n) days
    E_kWh   = H (watts/1000) pue            CO2_oper = E_kWh carbon/1e6 t
    CO2_emb = H embodied_kg/(lifetime_years 8766)/1000 t
    P       = n (watts/1000) pue/1000 MW    swing = n (watts/1000) swing_fraction/1000 MW
    cost    = H price + staff T + usd_per_token D + sum_s samples_s usd_per_sample_s + fixed_usd
    L       = E + A/N^alpha + B/Deff^beta
    memory  : n >= bytes_per_param N_total/(memory_gb 1e9),  N_total = N total_params_per_active

For a mixture-of-experts model (`moe:`) N is the ACTIVE parameter count: it sets the compute and the
scaling-law loss (the law at the active count, an assumption), while the memory floor holds all
N_total = N x moe.total_params_per_active parameters.

This module is the single home of these formulas outside the MIP; the solver's reported plan, the
brute-force check and `plan evaluate` all go through `evaluate_plan`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from planner.formulas import scaling_law
from planner.errors import InputError
from planner.formulas.offers import offer_terms
from planner.input.schema import FixedPlan, Gpu, Instance

HOURS_PER_YEAR = 8766.0
SECONDS_PER_DAY = 86400.0
#: Relative slack under which a limit counts as binding, and over which it counts as violated.
REL_TOL = 1e-6


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


@dataclass(frozen=True)
class Co2T:
    operational: float
    embodied: float
    total: float


@dataclass(frozen=True)
class PlanMetrics:
    """Every figure of one plan (the `plan` object of spec section 5)."""

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

    def objective_value(self, objective: str, carbon_price_usd_per_t: float = 0.0) -> float:
        """The value of one of the five objectives (spec section 4)."""
        return {
            "cost": lambda: self.cost_usd.total,
            "co2": lambda: self.co2_t.total,
            "time": lambda: self.duration_days,
            "loss": lambda: self.loss,
            "weighted": lambda: self.cost_usd.total + carbon_price_usd_per_t * self.co2_t.total,
        }[objective]()

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


def evaluate_plan(instance: Instance, plan: FixedPlan) -> PlanMetrics:
    """Price a fixed plan with the spec's formulas (no optimisation)."""
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

    n_params, tokens, count = plan.model_params, plan.tokens, plan.gpu_count
    rate = flop_rate(instance, gpu)  # FLOP/s per GPU
    flops_pre = instance.flops_per_param_token * n_params * tokens
    gpu_seconds = flops_pre / rate
    flops_align = annotation = 0.0
    fixed = 0.0
    if recipe is not None:
        for stage in recipe.stages:
            stage_flops = stage.flops_per_param_token * n_params * stage.tokens
            flops_align += stage_flops
            gpu_seconds += stage_flops / (rate * stage.mfu_factor)
            annotation += stage.samples * stage.usd_per_sample
        fixed = recipe.fixed_usd

    gpu_hours = gpu_seconds / 3600.0
    duration_days = gpu_seconds / (SECONDS_PER_DAY * count)
    kw_per_gpu = gpu.watts / 1000.0
    energy_kwh = gpu_hours * kw_per_gpu * region.pue
    co2_oper = energy_kwh * region.carbon_g_per_kwh / 1e6
    co2_emb = gpu_hours * gpu.embodied_kg / (gpu.lifetime_years * HOURS_PER_YEAR) / 1000.0
    compute = gpu_hours * price
    staff = instance.staff_usd_per_day * duration_days
    data = instance.data.usd_per_token * tokens
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
        duration_days=duration_days,
        gpu_hours=gpu_hours,
        loss=loss,
        energy_mwh=energy_kwh / 1000.0,
        peak_power_mw=count * kw_per_gpu * region.pue / 1000.0,
        swing_mw=count * kw_per_gpu * region.swing_fraction / 1000.0,
        flops=Flops(flops_pre, flops_align, flops_pre + flops_align),
        cost_usd=CostUsd(compute, staff, data, annotation, fixed,
                         compute + staff + data + annotation + fixed),
        co2_t=Co2T(co2_oper, co2_emb, co2_oper + co2_emb),
    )


def target_loss(instance: Instance) -> float | None:
    """The loss target: max_loss, or the loss of the `match` model under the instance's law
    (its tokens taken as unique: the reference run's own data, not this instance's)."""
    targets = instance.targets
    if targets.max_loss is not None:
        return targets.max_loss
    if targets.match is not None:
        return scaling_law.loss(instance.scaling_law, targets.match.params, targets.match.tokens)
    return None


def find_violations(instance: Instance, plan: FixedPlan, metrics: PlanMetrics) -> list[Violation]:
    """Every limit of spec section 3 that the plan breaks, by how much (relative tolerance REL_TOL)."""
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
    above("budget_usd", metrics.cost_usd.total, limits.budget_usd, "USD", "cost")
    above("max_co2_t", metrics.co2_t.total, limits.max_co2_t, "t", "CO2")
    above("deadline_days", metrics.duration_days, limits.deadline_days, "days", "duration")
    above("max_training_flops", metrics.flops.total, limits.max_training_flops, "FLOP", "training compute")
    above("grid_capacity_mw", metrics.peak_power_mw, region.grid_capacity_mw, "MW", "facility power")
    if region.max_swing_mw is not None:
        above("max_swing_mw", metrics.swing_mw, region.max_swing_mw, "MW", "power swing")
    data = instance.data
    if data.unique_tokens is not None and data.max_epochs is not None:
        above("max_epochs", metrics.tokens, data.unique_tokens * data.max_epochs, "tokens", "tokens")
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
        out.append(Violation("memory", floor, plan.gpu_count, "GPUs",
                             f"training state needs at least {math.ceil(floor)} GPUs of {gpu.memory_gb:g} GB"))
    if plan.model_params not in instance.sizes:
        out.append(Violation("model_sizes", plan.model_params, 0, "params",
                             f"{plan.model_params:g} is not one of the candidate model sizes"))
    if instance.alignment is not None and plan.alignment is not None:
        recipe = instance.recipe(plan.alignment)
        if recipe.quality < instance.alignment.min_quality:
            out.append(Violation("min_quality", recipe.quality, instance.alignment.min_quality, "",
                                 f"{recipe.name} quality {recipe.quality:g} is below {instance.alignment.min_quality:g}"))
        if plan.model_params < recipe.min_model_params:
            out.append(Violation("min_model_params", recipe.min_model_params, plan.model_params, "params",
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


def flop_rate(instance: Instance, gpu: Gpu) -> float:
    """Achieved FLOP/s per GPU: peak x mfu of the instance's precision, x moe.mfu_factor.

    bf16: peak_tflops x mfu;  fp8: peak_fp8_tflops x mfu_fp8 (mfu where the GPU gives no mfu_fp8).
    """
    if instance.precision == "fp8":
        if gpu.peak_fp8_tflops is None:
            raise InputError("gpus", f"{gpu.name}: precision fp8 needs peak_fp8_tflops")
        rate = gpu.peak_fp8_tflops * 1e12 * (gpu.mfu_fp8 if gpu.mfu_fp8 is not None else gpu.mfu)
    else:
        rate = gpu.peak_tflops * 1e12 * gpu.mfu
    return rate * (instance.moe.mfu_factor if instance.moe is not None else 1.0)


def _lookup(items: list, name: str, field: str, where: str):
    for item in items:
        if item.name == name:
            return item
    raise InputError(field, f"'{name}' is not in {where} (listed: {', '.join(i.name for i in items)})")
