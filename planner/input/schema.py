"""The validated instance: pydantic models for every key of the instance format.

Strict on purpose (style: Calliope 0.7): unknown keys are errors, numbers must be numbers (no
strings, no booleans), NaN and infinities are refused, every model is frozen. Field descriptions
are the reference for the instance format (../shared/spec/instance-format.md).

Catalog names are resolved before validation (planner.input.loading), so every entry here is complete.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator


def _integral(value: object) -> object:
    """Accept 16384 and 1.6384e4 as the integer 16384; leave anything else to pydantic."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def _check_distributions(value: dict[str, str]) -> dict[str, str]:
    """Every `uncertainty:` value must be a distribution planner.input.distributions can read."""
    from planner.input.distributions import check_distributions

    return check_distributions(value)


Count = Annotated[int, BeforeValidator(_integral), Field(strict=True, ge=0)]
PositiveCount = Annotated[int, BeforeValidator(_integral), Field(strict=True, ge=1)]
Positive = Annotated[float, Field(strict=True, gt=0)]
NonNegative = Annotated[float, Field(strict=True, ge=0)]
Fraction = Annotated[float, Field(strict=True, gt=0, le=1)]

Objective = Literal["cost", "co2", "time", "loss", "weighted"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


class ScalingLaw(Strict):
    """L(N, D) = E + A / N^alpha + B / Deff^beta (nats/token)."""

    name: str = Field("custom", description="catalog name or a label")
    E: NonNegative = Field(description="irreducible loss, nats/token")
    A: Positive
    B: Positive
    alpha: Positive
    beta: Positive
    source: str | None = Field(None, description="where the constants come from")


class Gpu(Strict):
    """One accelerator type. Prices and availability here apply where a region lists no offers."""

    name: str
    peak_tflops: Positive = Field(description="dense BF16 peak per GPU, TFLOP/s")
    mfu: Fraction = Field(description="model FLOPs utilisation, (0, 1]")
    peak_fp8_tflops: Positive | None = Field(
        None, description="dense FP8 peak per GPU, TFLOP/s; required by `precision: fp8`")
    mfu_fp8: Fraction | None = Field(
        None, description="MFU against the FP8 peak under `precision: fp8`; absent = mfu")
    watts: Positive = Field(description="board power per GPU, W")
    memory_gb: Positive = Field(description="HBM per GPU, GB (1e9 bytes)")
    gpus_per_node: PositiveCount = 8
    embodied_kg: NonNegative = Field(0.0, description="embodied CO2e per GPU, kg")
    lifetime_years: Positive = 5.0
    usd_per_gpu_hour: NonNegative | None = None
    available: Count | None = None
    mfu_ref_params: Positive = Field(
        1e11, description="model size (active parameters) at which `mfu` was measured (6.1)")
    mfu_size_exponent: Annotated[float, Field(strict=True, ge=-1, le=1)] = Field(
        0.0, description="mfu(N) = min(mfu_max, mfu (N/mfu_ref_params)^exponent); 0 = constant mfu")
    mfu_max: Fraction = Field(1.0, description="cap on the size-dependent MFU, (0, 1]")
    mtbf_hours: Positive | None = Field(
        None, description="mean time between job interruptions per GPU, hours; absent = never fails (6.2)")
    serving_mfu: Fraction | None = Field(
        None, description="utilisation when serving (decode-bound), (0, 1]; used by `serving` (6.4)")
    source: str | None = None


class Offer(Strict):
    """A GPU type sold in a region: price and how many can be had."""

    usd_per_gpu_hour: NonNegative | None = None
    available: Count | None = None


class Region(Strict):
    """A datacenter location."""

    name: str
    carbon_g_per_kwh: NonNegative = Field(description="grid carbon intensity, gCO2e/kWh")
    grid: str | None = Field(None, description="key of the bundled carbon-intensity table (SWE, "
                             "gcp:europe-north1, US-VA) that carbon_g_per_kwh was read from")
    pue: Annotated[float, Field(strict=True, ge=1)] = 1.0
    grid_capacity_mw: Positive | None = None
    max_swing_mw: Positive | None = None
    swing_fraction: Fraction = 1.0
    offers: dict[str, Offer] | None = None
    source: str | None = None


class Stage(Strict):
    """One alignment stage, run after pretraining on the same cluster."""

    name: str
    tokens: Positive
    flops_per_param_token: Positive
    mfu_factor: Positive = 1.0
    samples: NonNegative = 0.0
    usd_per_sample: NonNegative = 0.0


class Recipe(Strict):
    """An alignment recipe (SFT, DPO, RLHF, GRPO, ...): its stages run one after another."""

    name: str
    quality: NonNegative = 0.0
    min_model_params: NonNegative = 0.0
    needs_verifiable_tasks: bool = False
    fixed_usd: NonNegative = 0.0
    stages: list[Stage] = Field(min_length=1)
    source: str | None = None


class Alignment(Strict):
    min_quality: NonNegative = 0.0
    verifiable_tasks: bool = False
    recipes: list[Recipe] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> Alignment:
        _check_unique([r.name for r in self.recipes], "recipes")
        return self


class SizeGrid(Strict):
    """Log-spaced candidate sizes: `count` values from `min` to `max` inclusive."""

    min: Positive
    max: Positive
    count: PositiveCount

    @model_validator(mode="after")
    def _ordered(self) -> SizeGrid:
        if self.max < self.min:
            raise ValueError(f"max ({self.max:g}) must be at least min ({self.min:g})")
        return self

    def values(self) -> list[float]:
        if self.count == 1:
            return [self.min]
        ratio = (self.max / self.min) ** (1.0 / (self.count - 1))
        return [self.min * ratio**i for i in range(self.count - 1)] + [self.max]


class Data(Strict):
    unique_tokens: Positive | None = Field(None, description="U; absent = unlimited")
    max_epochs: Positive | None = Field(None, description="D <= U * max_epochs")
    repetition_rstar: Positive = 15.4
    usd_per_token: NonNegative = 0.0


class Match(Strict):
    """Target the loss of a reference model (params, tokens) under the instance's law."""

    params: Positive
    tokens: Positive


class Targets(Strict):
    max_loss: Positive | None = None
    match: Match | None = None
    confidence: Annotated[float, Field(strict=True, gt=0, le=1)] | None = Field(
        None, description="share of scaling_law_samples that must meet the target (6.5)")

    @model_validator(mode="after")
    def _one_of(self) -> Targets:
        if self.max_loss is not None and self.match is not None:
            raise ValueError("give either max_loss or match, not both")
        return self


class Limits(Strict):
    budget_usd: Positive | None = None
    deadline_days: Positive | None = None
    max_training_flops: Positive | None = None
    max_co2_t: Positive | None = None


class FixedPlan(Strict):
    """The choices of a plan, fixed by the user (`plan evaluate`)."""

    model_params: Positive
    tokens: Positive
    gpu: str
    gpu_count: PositiveCount
    region: str
    alignment: str | None = None


class Moe(Strict):
    """A mixture-of-experts model: the candidate sizes N are ACTIVE parameters (compute 6 N D, the
    scaling law at N); the training state holds total_params_per_active x N parameters."""

    total_params_per_active: Annotated[float, Field(strict=True, ge=1)] = Field(
        description="total / active parameters, e.g. 671/37 = 18.14 for DeepSeek-V3")
    mfu_factor: Fraction = Field(1.0, description="MFU of the MoE run relative to a dense run "
                                 "(expert all-to-all, load imbalance), (0, 1]")


Precision = Literal["bf16", "fp8"]


class Reliability(Strict):
    """Checkpoint/restart figures of the failure model (6.2), used with gpus[*].mtbf_hours."""

    checkpoint_hours: NonNegative = Field(0.01, description="time to write one checkpoint, hours")
    restart_hours: NonNegative = Field(0.1, description="time lost per interruption (restart, reload), hours")


class SampleLaw(Strict):
    """One sampled scaling law (a bootstrap replicate): L = E + A/N^alpha + B/D^beta."""

    E: NonNegative
    A: Positive
    B: Positive
    alpha: Positive
    beta: Positive


class Serving(Strict):
    """Lifetime serving demand (6.4): the plan also picks the serving GPU and region."""

    tokens: NonNegative = Field(description="tokens processed over the model's life (prompt + generated)")
    flops_per_param_token: Positive = Field(2.0, description="forward-pass FLOPs per (active) parameter-token")
    mfu: Fraction | None = Field(None, description="serving utilisation; default each GPU's serving_mfu")
    precision: Precision = Field("bf16", description="serving precision: bf16 peak, or fp8 peak")
    gpus: list[str] | None = Field(None, description="GPUs that may serve; default every instance GPU")
    regions: list[str] | None = Field(None, description="regions that may serve; default every instance region")


class Instance(Strict):
    """One planning problem (../shared/spec/instance-format.md)."""

    name: str = ""
    objective: Objective = "cost"
    carbon_price_usd_per_t: NonNegative = 0.0
    scaling_law: ScalingLaw
    flops_per_param_token: Positive = 6.0
    model_sizes: Annotated[list[Positive], Field(min_length=1)] | SizeGrid
    data: Data = Data()
    targets: Targets = Targets()
    limits: Limits = Limits()
    staff_usd_per_day: NonNegative = 0.0
    bytes_per_param: Positive = 16.0
    precision: Precision = Field("bf16", description="training precision: the GPU peak (and MFU) used")
    moe: Moe | None = None
    gpus: list[Gpu] = Field(min_length=1)
    regions: list[Region] = Field(min_length=1)
    alignment: Alignment | None = None
    development_factor: Annotated[float, Field(strict=True, ge=1)] = Field(
        1.0, description="project GPU-hours / final-run GPU-hours (ablations, failed runs), >= 1 (6.3)")
    reliability: Reliability = Reliability()
    serving: Serving | None = None
    scaling_law_samples: list[SampleLaw] | None = Field(
        None, description="sampled laws for targets.confidence (a `{file: x.csv}` is read by the loader)")
    plan: FixedPlan | None = None
    uncertainty: Annotated[dict[str, str], AfterValidator(_check_distributions)] | None = Field(
        None, description="`plan uncertainty`: what-if path -> distribution, e.g. `gpus[H100].mfu: "
        "normal(0.4, 0.05)` (docs/uncertainty.md); ignored by the other commands")

    @model_validator(mode="after")
    def _cross_references(self) -> Instance:
        _check_unique([g.name for g in self.gpus], "gpus")
        _check_unique([r.name for r in self.regions], "regions")
        gpu_names = {g.name for g in self.gpus}
        for i, region in enumerate(self.regions):
            for gpu_name in region.offers or {}:
                if gpu_name not in gpu_names:
                    raise ValueError(
                        f"regions[{i}].offers.{gpu_name}: GPU '{gpu_name}' is not in gpus "
                        f"(listed: {', '.join(sorted(gpu_names))}); add it to gpus or remove the offer"
                    )
        if self.objective != "loss" and self.targets.max_loss is None and self.targets.match is None:
            raise ValueError(
                f"targets: objective '{self.objective}' needs a loss target "
                "(targets.max_loss or targets.match); only objective 'loss' may omit it"
            )
        for i, region in enumerate(self.regions):
            if region.offers is None:
                for j, gpu in enumerate(self.gpus):
                    if gpu.usd_per_gpu_hour is not None and gpu.available is None:
                        raise ValueError(
                            f"gpus[{j}].available: required (how many {gpu.name} can be had?) because "
                            f"region '{region.name}' lists no offers; availability is always finite"
                        )
                continue
            for gpu_name, offer in region.offers.items():
                gpu = self.gpu(gpu_name)
                price = offer.usd_per_gpu_hour if offer.usd_per_gpu_hour is not None else gpu.usd_per_gpu_hour
                available = offer.available if offer.available is not None else gpu.available
                if price is not None and available is None:
                    raise ValueError(
                        f"regions[{i}].offers.{gpu_name}.available: required (neither the offer nor "
                        f"gpus entry '{gpu_name}' says how many can be had); availability is always finite"
                    )
        if self.data.max_epochs is not None and self.data.unique_tokens is None:
            raise ValueError("data.max_epochs: needs data.unique_tokens (epochs of what?)")
        return self

    @model_validator(mode="after")
    def _second_edition(self) -> Instance:
        confidence = self.targets.confidence
        if confidence is not None:
            if self.objective == "loss":
                raise ValueError("targets.confidence: not with objective 'loss' (maximise the loss of what?)")
            if not self.scaling_law_samples:
                raise ValueError("targets.confidence: needs scaling_law_samples (a list of laws or {file: x.csv})")
        serving = self.serving
        if serving is None:
            return self
        gpu_names = [g.name for g in self.gpus]
        region_names = [r.name for r in self.regions]
        for field, names, known in (("gpus", serving.gpus, gpu_names), ("regions", serving.regions, region_names)):
            for i, name in enumerate(names or []):
                if name not in known:
                    raise ValueError(f"serving.{field}[{i}]: '{name}' is not in the instance's {field} "
                                     f"(listed: {', '.join(known)})")
        for name in serving.gpus or gpu_names:
            j = gpu_names.index(name)
            gpu = self.gpus[j]
            if serving.mfu is None and gpu.serving_mfu is None:
                raise ValueError(f"gpus[{j}].serving_mfu: required because {name} may serve (give it, or "
                                 "serving.mfu, or list the serving GPUs in serving.gpus)")
            if serving.precision == "fp8" and gpu.peak_fp8_tflops is None:
                raise ValueError(f"gpus[{j}].peak_fp8_tflops: required by serving.precision fp8 ({name} may serve)")
        return self

    @model_validator(mode="after")
    def _fp8_peaks(self) -> Instance:
        if self.precision == "fp8":
            for j, gpu in enumerate(self.gpus):
                if gpu.peak_fp8_tflops is None:
                    raise ValueError(
                        f"gpus[{j}].peak_fp8_tflops: required by precision fp8 ({gpu.name} has no FP8 "
                        "peak); give it, remove the GPU, or use precision bf16")
        return self

    @property
    def sizes(self) -> list[float]:
        """Candidate model sizes N, ascending, without duplicates."""
        raw = self.model_sizes.values() if isinstance(self.model_sizes, SizeGrid) else self.model_sizes
        return sorted(set(raw))

    def updated(self, **changes: object) -> Instance:
        """A copy with top-level keys replaced, validated again (model_copy(update=) would skip it)."""
        data = self.model_dump()
        for key, value in changes.items():
            data[key] = value.model_dump() if isinstance(value, BaseModel) else value
        return type(self).model_validate(data)

    def gpu(self, name: str) -> Gpu:
        return next(g for g in self.gpus if g.name == name)

    def region(self, name: str) -> Region:
        return next(r for r in self.regions if r.name == name)

    def recipe(self, name: str) -> Recipe:
        assert self.alignment is not None
        return next(m for m in self.alignment.recipes if m.name == name)


def _check_unique(names: list[str], field: str) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise ValueError(f"{field}[{i}].name: duplicate name '{name}'")
        seen.add(name)

# Physically meaningful ranges of every numeric key (planner.input.ranges, issue 13).
from planner.input import ranges as _ranges  # noqa: E402

_ranges.install(globals())
