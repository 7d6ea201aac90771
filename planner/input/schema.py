"""The validated instance: pydantic models for every key of the instance format.

Strict on purpose (style: Calliope 0.7): unknown keys are errors, numbers must be numbers (no
strings, no booleans), NaN and infinities are refused, every model is frozen. Field descriptions
are the reference for the instance format: docs/instance-keys.md is generated from them
(scripts/generate_key_docs.py) and `plan schema` prints them as a JSON Schema.

Catalog names are resolved before validation (planner.input.loading), so every entry here is complete.
"""


import datetime
import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from planner.constants import Objective as ObjectiveName  # the enum; `Objective` below is the schema type


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

#: Days per year of staff_usd_per_year (planner.formulas.units.HOURS_PER_YEAR / 24).
DAYS_PER_YEAR = 365.25

Objective = Literal["cost", "co2", "time", "loss", "weighted"]


def _bounded(low: float, high: float, strict_low: bool = False):
    """A float bounded on the field itself: (low, high] with strict_low, else [low, high]."""
    return Annotated[float, Field(strict=True, **({"gt": low} if strict_low else {"ge": low}), le=high)]


# -- named quantities: each field's type carries its physically meaningful range (issue 13): values
# outside it are refused at load time (exit 2, the key named), far from float overflow and from
# the solver's tolerances. The ranges are generous: every real run and GPU lies well inside.
def _real(*, ge: float | None = None, gt: float | None = None, le: float) -> Any:
    return Annotated[float, Field(strict=True, ge=ge, gt=gt, le=le)]


def _whole(*, ge: int, le: int) -> Any:
    return Annotated[int, BeforeValidator(_integral), Field(strict=True, ge=ge, le=le)]


Params = _real(ge=1e3, le=1e15)                 # model sizes, parameters: a thousand .. a quadrillion
ParamsOrZero = _real(ge=0, le=1e15)
Tokens = _real(gt=0, le=1e18)                   # 1e18 is ~50,000x the largest corpora
ServingTokens = _real(ge=0, le=1e20)            # a lifetime of traffic
LawLoss = _real(ge=0, le=100)                   # nats/token: a uniform 1M-token vocabulary is ~14
LossTarget = _real(gt=0, le=100)
LawCoefficient = _real(gt=0, le=1e8)            # published A, B are 10 .. 1e4
LawExponent = _real(ge=0.01, le=3)              # published alpha, beta are 0.05 .. 0.8
TeraFlops = _real(gt=0, le=1e6)
HardwareSize = _real(ge=1e-3, le=1e6)           # watts, GB
UpToMillion = _real(ge=0, le=1e6)               # kg, USD per GPU-hour or label, quality, USD/t
UpToTrillion = _real(ge=0, le=1e12)             # labels, USD
Years = _real(ge=1e-2, le=100)
MtbfHours = _real(ge=1e-2, le=1e9)
CarbonIntensity = _real(ge=0, le=1e4)           # gCO2e/kWh
Pue = _real(ge=1, le=10)
PowerMw = _real(ge=1e-6, le=1e6)                # up to a terawatt
PerParamToken = _real(ge=1e-3, le=1e4)          # FLOPs per parameter-token; epochs
MfuFactor = _real(ge=1e-3, le=10)
Factor = _real(ge=1e-2, le=1e4)                 # R*, bytes per parameter
UsdPerToken = _real(ge=0, le=1)
BudgetUsd = _real(ge=1e-2, le=1e15)             # a cent .. a quadrillion dollars
DeadlineDays = _real(ge=1e-3, le=1e5)           # ~1.5 minutes .. ~270 years
TrainingFlops = _real(ge=1e6, le=1e35)
Co2Tonnes = _real(ge=1e-6, le=1e12)
MoeRatio = _real(ge=1, le=1e4)
Hours = _real(ge=0, le=1e4)
StaffUsdPerDay = _real(ge=0, le=1e9)
DevelopmentFactor = _real(ge=1, le=1e3)
NodeSize = _whole(ge=1, le=10_000)
GpuCount = _whole(ge=0, le=10_000_000)          # ten million accelerators
ClusterSize = _whole(ge=1, le=10_000_000)
SizeCount = _whole(ge=1, le=10_000)             # each size is a column block of the MIP
#: Largest number of candidate model sizes (a list or a {min, max, count} grid).
MAX_MODEL_SIZES = 10_000
#: Longest lists: every GPU type x region x size is a block of the MIP, so these bound the model.
MAX_ENTRIES = 1000
MAX_STAGES = 100


#: Longest name (characters): names are printed in every table, plot and message, and a
#: 100,000-character name took minutes to lay out in a plot.
MAX_NAME_CHARS = 200
#: Bidirectional controls (embeddings, overrides, isolates, marks): they reorder the text printed
#: after them, so a name could make a table or a message read other than it is.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _printable_name(value: Any) -> Any:
    """A name holds no control characters (newline, tab, ESC...) and no lone surrogates (`"\\ud800"`,
    which cannot be written as UTF-8): it is printed in tables, plots and messages, where they would
    break lines, drive the terminal or fail to encode."""
    import unicodedata

    if isinstance(value, str):
        if len(value) > MAX_NAME_CHARS:
            raise ValueError(f"a name is at most {MAX_NAME_CHARS} characters, got {len(value):,}")
        for char in value:
            if unicodedata.category(char) in ("Cc", "Cs"):  # control characters, lone surrogates
                raise ValueError(f"a name may not hold control characters (found {char!r}); "
                                 "use letters, digits, spaces and punctuation")
            if char in BIDI_CONTROLS:
                raise ValueError(f"a name may not hold bidirectional controls (found U+{ord(char):04X}); "
                                 "they reorder the text printed after them")
    return value


def check_name(value: str) -> str:
    """A name under the rules of every instance name (ValueError saying what is wrong): for names
    given outside an instance (`plan fit --name`)."""
    return _printable_name(value)


Name = Annotated[str, AfterValidator(_printable_name)]


class Strict(BaseModel):
    """Every section: unknown keys refused, frozen, no inf/nan, no type coercion.

    defer_build: a model's validator is built when it is first used, not when the class is defined
    (the bounds are on the fields' own types). `plan solve` then builds the one
    validator of Instance, with every section inside it, instead of one per section twice over
    (0.05-0.08 s of start-up)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True, defer_build=True)


Range = Annotated[list[_bounded(0.0, 1e40, True)], Field(min_length=2, max_length=2)]


class FittedRange(Strict):
    """What a law was fitted on: [least, largest] of each; a plan outside is an extrapolation."""

    params: Range | None = Field(None, description="[least, largest] model size of the fitted runs, parameters")
    tokens: Range | None = Field(None, description="[least, largest] training tokens of the fitted runs, tokens")
    flops: Range | None = Field(None, description="[least, largest] compute 6 N D of the fitted runs, FLOP")

    @model_validator(mode="after")
    def _ordered(self) -> "FittedRange":
        for key in ("params", "tokens", "flops"):
            pair = getattr(self, key)
            if pair is not None and pair[0] > pair[1]:
                raise ValueError(f"{key}: [least, largest] must be in order, got [{pair[0]:g}, {pair[1]:g}]")
        return self


class ScalingLaw(Strict):
    """L(N, D) = E + A / N^alpha + B / Deff^beta (nats/token)."""

    name: Name = Field("custom", description="catalog name or a label")
    E: LawLoss = Field(description="irreducible loss, nats/token")
    A: LawCoefficient = Field(description="coefficient of the parameter term A/N^alpha, nats/token x params^alpha")
    B: LawCoefficient = Field(description="coefficient of the data term B/D^beta, nats/token x tokens^beta")
    alpha: LawExponent = Field(description="exponent of the parameter term, dimensionless")
    beta: LawExponent = Field(description="exponent of the data term, dimensionless")
    source: str | None = Field(None, description="where the constants come from")
    fitted: FittedRange | None = Field(
        None, description="the range of the runs the law was fitted on (`plan fit` writes it); a plan outside "
        "it carries a warning; absent = unknown, no warning")


class MfuSpread(Strict):
    """The scatter of published runs around the MFU curve for one size class (issue 20):
    GPU-hours = predicted x exp(r), r ~ Normal(log_mean, log_sd^2): a lognormal MFU factor.
    Catalog GPUs carry it from planner/input/catalog/mfu_spread.yaml (scripts/fit_mfu_spread.py)."""

    min_params: Annotated[float, Field(strict=True, ge=0, le=1e15)] = Field(
        description="smallest active-parameter count of the class (inclusive), parameters")
    max_params: Annotated[float, Field(strict=True, gt=0, le=1e15)] = Field(
        description="largest active-parameter count of the class (exclusive), parameters")
    log_mean: Annotated[float, Field(strict=True, ge=-3, le=3)] = Field(
        0.0, description="mean of ln(published GPU-hours / predicted), dimensionless")
    log_sd: Annotated[float, Field(strict=True, ge=0, le=3)] = Field(
        description="standard deviation of ln(published GPU-hours / predicted), dimensionless")


class Gpu(Strict):
    """One accelerator type. Prices and availability here apply where a region lists no offers."""

    name: Name = Field(description="catalog name (`plan catalog gpus`) or your own label")
    peak_tflops: TeraFlops = Field(description="dense BF16 peak per GPU, TFLOP/s")
    mfu: Fraction = Field(description="model FLOPs utilisation, (0, 1]")
    peak_fp8_tflops: TeraFlops | None = Field(
        None, description="dense FP8 peak per GPU, TFLOP/s; required by `precision: fp8`")
    mfu_fp8: Fraction | None = Field(
        None, description="MFU against the FP8 peak under `precision: fp8`; absent = mfu")
    watts: HardwareSize = Field(description="board power per GPU, W")
    node_watts: _bounded(0.0, 1e7, True) | None = Field(
        None, description="rated power of one node (GPUs + host), W, e.g. DGX H100 10,200; grid capacity, "
        "peak power and swing see node_watts / gpus_per_node per GPU; absent = watts")
    energy_watts: _bounded(0.0, 1e6, True) | None = Field(
        None, description="average draw per GPU for energy and operational CO2, W (a measured figure "
        "incl. host share); absent = watts (GPU-hours x TDP x PUE, the model-card convention)")
    memory_gb: HardwareSize = Field(description="HBM per GPU, GB (1e9 bytes)")
    gpus_per_node: NodeSize = Field(8, description="GPUs per node: the GPU count is a multiple of it")
    embodied_kg: UpToMillion = Field(0.0, description="embodied CO2e per GPU, kg")
    lifetime_years: Years = Field(5.0, description="service life over which embodied CO2e is amortised, years")
    usd_per_gpu_hour: UpToMillion | None = Field(
        None, description="price per GPU-hour, USD, where a region lists no offer; absent = not sold there")
    available: GpuCount | None = Field(
        None, description="GPUs that can be had, where a region lists no offer; required with a price")
    mfu_ref_params: Params = Field(
        1e11, description="model size (active parameters) at which `mfu` was measured")
    mfu_size_exponent: Annotated[float, Field(strict=True, ge=-1, le=1)] = Field(
        0.0, description="mfu(N) = min(mfu_max, mfu (N/mfu_ref_params)^exponent); 0 = constant mfu")
    mfu_max: Fraction = Field(1.0, description="cap on the size-dependent MFU, (0, 1]")
    mfu_max_params: _bounded(1e3, 1e15) | None = Field(
        None, description="size (active parameters) above which mfu(N) stops rising: the largest calibrated "
        "run; absent = the size curve extrapolates")
    mtbf_hours: MtbfHours | None = Field(
        None, description="mean time between job interruptions per GPU, hours; absent = never fails")
    parallel_ref_gpus: _real(ge=1, le=1e9) | None = Field(
        None, description="GPU count up to which the mfu holds; above it a run takes parallel_overhead x "
        "(sqrt(n / parallel_ref_gpus) - 1) more time (planner.formulas.cluster), GPUs; absent = no overhead")
    parallel_overhead: _real(ge=0, le=1) = Field(
        0.0, description="extra time at 4 x parallel_ref_gpus GPUs (Llama 3, 8,192 -> 16,384 H100: 0.181), "
        "fraction of useful time, [0, 1]; 0 = none; single-run plans only (a campaign refuses it)")
    serving_mfu: Fraction | None = Field(
        None, description="utilisation when serving (decode-bound), (0, 1]; used by `serving`")
    mfu_spread: list[MfuSpread] | None = Field(
        None, max_length=100, description="throughput spread by size class (P10/P50/P90 and the chance of "
                                          "meeting deadline and budget); catalog GPUs carry the measured one; "
                                          "absent = no band")
    source: str | None = Field(None, description="where the numbers come from (text, not used)")

    @model_validator(mode="after")
    def _parallel(self) -> "Gpu":
        if self.parallel_overhead > 0 and self.parallel_ref_gpus is None:
            raise ValueError("parallel_overhead: needs parallel_ref_gpus (the GPU count it starts above)")
        return self


class Offer(Strict):
    """A GPU type sold in a region: price and how many can be had."""

    usd_per_gpu_hour: UpToMillion | None = Field(
        None, description="price per GPU-hour in this region, USD; absent = the GPU's usd_per_gpu_hour")
    available: GpuCount | None = Field(
        None, description="GPUs of this type that can be had in this region; absent = the GPU's available")
    min_term_days: Annotated[float, Field(strict=True, ge=0, le=1e5)] | None = Field(
        None, description="rental paid for at least this many days (reserved instances, capacity blocks); "
        "absent = on demand, paid for the run's duration")
    contracted: bool = Field(
        False, description="a contracted cluster: all `available` GPUs are paid for (for max(duration, "
        "min_term_days)) whether the plan uses them or not")


class Region(Strict):
    """A datacenter location."""

    name: Name = Field(description="catalog name (`plan catalog regions`) or your own label")
    carbon_g_per_kwh: CarbonIntensity = Field(description="grid carbon intensity, gCO2e/kWh")
    grid: str | None = Field(None, description="key of the bundled carbon-intensity table (SWE, "
                             "gcp:europe-north1, US-VA) that carbon_g_per_kwh was read from")
    pue: Pue = Field(
        1.0, description="power usage effectiveness: facility energy / IT energy, >= 1")
    grid_capacity_mw: PowerMw | None = Field(
        None, description="most facility power the site can draw, MW; absent = unlimited")
    max_swing_mw: PowerMw | None = Field(
        None, description="largest power swing the grid tolerates, MW (n x watts x swing_fraction); absent = unlimited")
    swing_fraction: Fraction = Field(
        1.0, description="share of board power that swings (between compute and communication phases), (0, 1]")
    offers: dict[str, Offer] | None = Field(
        None, description="GPU name -> price and count here; absent = every GPU at its own price and count")
    source: str | None = Field(None, description="where the numbers come from (text, not used)")


#: Bounds of the post-training keys (issue 20), on the fields themselves.
RlCount = Annotated[float, Field(strict=True, ge=1, le=1e9)]
RlTokens = Annotated[float, Field(strict=True, ge=0, le=1e7)]
RlResponseTokens = Annotated[float, Field(strict=True, gt=0, le=1e7)]
RolloutMfu = Annotated[float, Field(strict=True, gt=0, le=1)]
LearnerFlops = Annotated[float, Field(strict=True, gt=0, le=1e3)]
ModelRatio = Annotated[float, Field(strict=True, ge=0, le=1e3)]
UsdPerSample = Annotated[float, Field(strict=True, ge=0, le=1e6)]
GenerationShare = Annotated[float, Field(strict=True, gt=0, le=1)]
ShareOfPretraining = Annotated[float, Field(strict=True, gt=0, le=100)]


class Rl(Strict):
    """An RL stage from its mechanics (planner.formulas.post_training): every step samples
    `samples_per_prompt` responses to each of `prompts_per_step` prompts, scores them, and trains on
    them. Rollouts are decoded at `rollout_mfu` of the GPU's peak at the instance precision; the
    learner, the prompt prefill and the reward model run at the training rate."""

    prompts_per_step: RlCount = Field(description="prompts per RL step (the batch of unique prompts), count")
    samples_per_prompt: RlCount = Field(description="responses sampled per prompt (the GRPO group), count")
    steps: RlCount = Field(description="RL steps (policy updates), count")
    response_tokens: RlResponseTokens = Field(description="mean generated response length, tokens")
    prompt_tokens: RlTokens = Field(0.0, description="mean prompt length (prefilled, not decoded), tokens")
    rollout_mfu: RolloutMfu = Field(description="share of the GPU's peak (at `precision`) reached while "
                                                "decoding rollouts, dimensionless")
    learner_flops_per_param_token: LearnerFlops = Field(
        8.0, description="learner FLOPs per parameter per trained token: policy 6 + reference 2 (GRPO); "
                         "PPO adds a critic's 6 + 2, FLOP")
    reward_model_params_ratio: ModelRatio = Field(
        0.0, description="reward-model size / policy size; it reads every sample once (2 FLOP per "
                         "parameter-token); 0 = rule-based rewards, dimensionless")
    verifier_usd_per_sample: UsdPerSample = Field(
        0.0, description="cost of checking one sample outside the GPUs (sandboxes, unit tests), USD")
    rollout_fleet: Literal["training", "separate"] = Field(
        "training", description="where rollouts are decoded: on the training cluster, or on a separate inference "
                                "fleet of the same GPU in the same region, sized to keep pace with the learner "
                                "(paid GPU-hours, not on the critical path)")
    generation_share: GenerationShare = Field(
        1.0, description="share of the cluster's GPUs that decode rollouts: 1 = colocated (every GPU "
                         "generates, then every GPU trains); below 1 the cluster is split and synchronous (the "
                         "rest train while these wait, and wait while these generate), dimensionless")


    @model_validator(mode="after")
    def _fleet(self) -> "Rl":
        if self.rollout_fleet == "separate" and self.generation_share != 1.0:
            raise ValueError("generation_share applies to rollouts on the training cluster; with rollout_fleet "
                             "separate leave it out")
        return self


class Stage(Strict):
    """One alignment stage, run after pretraining on the same cluster. Given as `tokens` x
    `flops_per_param_token` (processed tokens), as `rl:` mechanics, or as `share_of_pretraining`."""

    name: Name = Field(description="label of the stage (SFT, DPO, RL, ...)")
    tokens: Tokens | None = Field(None, description="tokens processed by the stage, tokens (with "
                                                    "flops_per_param_token; not with rl or share_of_pretraining)")
    flops_per_param_token: PerParamToken | None = Field(
        None, description="FLOPs per parameter per token of the stage, FLOP")
    rl: Rl | None = Field(None, description="an RL stage from its mechanics (prompts, samples, steps, lengths)")
    share_of_pretraining: ShareOfPretraining | None = Field(
        None, description="the stage's compute as a share of the plan's pretraining compute (0.1 = 10%), "
                          "dimensionless")
    mfu_factor: MfuFactor = Field(1.0, description="the stage's MFU relative to pretraining (RL rollouts < 1)")
    samples: UpToTrillion = Field(0.0, description="human or AI labels bought for the stage, count")
    usd_per_sample: UpToMillion = Field(0.0, description="price per label, USD")

    @model_validator(mode="after")
    def _one_form(self) -> "Stage":
        forms = [name for name, given in (("tokens", self.tokens is not None), ("rl", self.rl is not None),
                                          ("share_of_pretraining", self.share_of_pretraining is not None)) if given]
        if len(forms) != 1:
            raise ValueError("give exactly one of tokens (with flops_per_param_token), rl, share_of_pretraining"
                             + (f"; got {', '.join(forms)}" if forms else ""))
        if (self.tokens is None) != (self.flops_per_param_token is None):
            raise ValueError("tokens and flops_per_param_token go together")
        return self


class Recipe(Strict):
    """An alignment recipe (SFT, DPO, RLHF, GRPO, ...): its stages run one after another."""

    name: Name = Field(description="catalog name (`plan catalog recipes`) or your own label")
    quality: UpToMillion = Field(0.0, description="quality score compared with alignment.min_quality (a ranking)")
    min_model_params: ParamsOrZero = Field(0.0, description="smallest model the recipe works for, parameters")
    needs_verifiable_tasks: bool = Field(False, description="usable only with alignment.verifiable_tasks: true")
    fixed_usd: UpToTrillion = Field(0.0, description="one-off cost (e.g. building verifiers), USD")
    stages: Annotated[list[Stage], Field(max_length=MAX_STAGES)] = Field(min_length=1, description="the stages, run one after another")
    source: str | None = Field(None, description="where the numbers come from (text, not used)")


class Alignment(Strict):
    """Post-training: the plan picks one of the recipes."""

    min_quality: UpToMillion = Field(0.0, description="least recipe quality accepted")
    verifiable_tasks: bool = Field(False, description="the tasks can be checked automatically (math, code)")
    recipes: Annotated[list[Recipe], Field(max_length=MAX_ENTRIES)] = Field(min_length=1, description="candidate recipes: catalog names or inline")

    @model_validator(mode="after")
    def _unique_names(self) -> "Alignment":
        check_unique([r.name for r in self.recipes], "recipes")
        return self


class SizeGrid(Strict):
    """Log-spaced candidate sizes: `count` values from `min` to `max` inclusive."""

    min: Params = Field(description="smallest candidate size, parameters")
    max: Params = Field(description="largest candidate size, parameters (>= min)")
    count: SizeCount = Field(description="number of sizes, log-spaced, ends included")

    @model_validator(mode="after")
    def _ordered(self) -> "SizeGrid":
        if self.max < self.min:
            raise ValueError(f"max ({self.max:g}) must be at least min ({self.min:g})")
        return self

    def values(self) -> list[float]:
        if self.count == 1:
            return [self.min]
        ratio = (self.max / self.min) ** (1.0 / (self.count - 1))
        return [self.min * ratio**i for i in range(self.count - 1)] + [self.max]


class Data(Strict):
    """The pretraining data."""

    unique_tokens: Tokens | None = Field(None, description="U, unique tokens available; absent = unlimited")
    max_epochs: PerParamToken | None = Field(None, description="passes over the data: D <= U x max_epochs; needs unique_tokens")
    repetition_rstar: Factor = Field(
        15.4, description="R*, how fast repeated tokens lose value (Muennighoff et al. 2023), epochs")
    usd_per_token: UsdPerToken = Field(0.0, description="price of each pretraining token, USD/token")


class Match(Strict):
    """Target the loss of a reference model (params, tokens) under the instance's law."""

    params: Params = Field(description="reference model size, parameters")
    tokens: Tokens = Field(description="reference training tokens (counted as unique), tokens")


class Targets(Strict):
    """The quality the plan must reach: one of max_loss or match (needed to solve unless objective is loss)."""

    max_loss: LossTarget | None = Field(None, description="highest loss accepted, nats/token")
    match: Match | None = Field(None, description="the loss of a reference run under the instance's law")
    confidence: Annotated[float, Field(strict=True, gt=0, le=1)] | None = Field(
        None, description="share of scaling_law_samples that must meet the target")

    @model_validator(mode="after")
    def _one_of(self) -> "Targets":
        if self.max_loss is not None and self.match is not None:
            raise ValueError("give either max_loss or match, not both")
        return self


class Limits(Strict):
    """Hard limits on the plan; an absent limit does not apply."""

    budget_usd: BudgetUsd | None = Field(None, description="most the run may cost, USD")
    deadline_days: DeadlineDays | None = Field(None, description="longest the run may take (pretraining + alignment), days")
    deadline: str | None = Field(
        None, description="the deadline as a date, YYYY-MM-DD; needs top-level `start`; the loader sets "
        "deadline_days = deadline - start (whole days) and leaves this key empty; not with deadline_days")
    max_training_flops: TrainingFlops | None = Field(
        None, description="most training compute (pretraining + alignment), FLOP (e.g. 1e26, a reporting line)")
    max_co2_t: Co2Tonnes | None = Field(None, description="carbon budget, t CO2e (operational + embodied)")
    confidence: Annotated[float, Field(strict=True, ge=0.5, lt=1)] | None = Field(
        None, description="plan at the throughput met with this probability under the GPUs' measured spread "
                          "(mfu_spread): every GPU-hour figure is its P(confidence) value, so deadline, budget and "
                          "carbon budget hold with at least this probability; absent = the calibrated curve (P50)")


class FixedPlan(Strict):
    """The choices of a plan, fixed by the user (`plan evaluate`)."""

    model_params: Params = Field(description="model size N, parameters (active parameters for an MoE)")
    tokens: Tokens = Field(description="pretraining tokens D, tokens")
    gpu: Name = Field(description="name of one of the instance's gpus")
    gpu_count: ClusterSize = Field(description="GPUs in the cluster, a multiple of the GPU's gpus_per_node")
    region: Name = Field(description="name of one of the instance's regions")
    alignment: Name | None = Field(None, description="name of one of alignment.recipes; absent = none")

    @model_validator(mode="before")
    @classmethod
    def _report_keys(cls, data: Any) -> Any:
        """The `plan` object printed by `plan solve --format json` may be pasted as is: its report
        keys (cost_usd, loss, ...) are figures of the plan, recomputed by `plan evaluate`; ignored."""
        if isinstance(data, dict) and PLAN_REPORT_MARKERS <= data.keys():
            return {k: v for k, v in data.items() if k in cls.model_fields}  # a pasted report
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in PLAN_REPORT_KEYS}
        return data


class Moe(Strict):
    """A mixture-of-experts model: the candidate sizes N are ACTIVE parameters (compute 6 N D, the
    scaling law at N); the training state holds total_params_per_active x N parameters."""

    total_params_per_active: MoeRatio = Field(
        description="total / active parameters, e.g. 671/37 = 18.14 for DeepSeek-V3")
    mfu_factor: Fraction = Field(1.0, description="MFU of the MoE run relative to a dense run "
                                 "(expert all-to-all, load imbalance), (0, 1]")


Precision = Literal["bf16", "fp8"]


class Scale(Strict):
    """How far a cluster scales (planner.formulas.scale): the largest useful GPU count for (N, D).

    n <= mp(N) x batch_multiple x batch_coefficient x (k N D)^batch_exponent / sequence_tokens, where
    mp(N) = ceil(replica_bytes_per_param x N_total / (replica_memory_share x memory_gb 1e9)) is the
    model-parallel degree (tensor x pipeline) memory needs. Absent = no such limit."""

    batch_coefficient: _bounded(0.0, 1e6, True) = Field(
        0.292, description="c of the compute-optimal batch B_opt = c C^e tokens (DeepSeek LLM, arXiv:2401.02954: 0.292)")
    batch_exponent: _bounded(0.01, 0.99) = Field(
        0.3271, description="e of B_opt = c C^e (DeepSeek LLM: 0.3271), C = k N D in FLOP")
    batch_multiple: _bounded(0.0, 100.0, True) = Field(
        1.0, description="largest useful global batch as a multiple of B_opt (practice: 0.25-2)")
    sequence_tokens: _bounded(1.0, 1e8) = Field(
        4096.0, description="tokens per sequence: each model-parallel group holds at least one per step")
    replica_bytes_per_param: _bounded(0.0, 1e4, True) = Field(
        2.0, description="bytes per parameter each model-parallel group holds unsharded (2: BF16 weights; "
        "gradients and optimizer state sharded over data parallelism, ZeRO-3/FSDP)")
    replica_memory_share: _bounded(0.0, 1.0, True) = Field(
        0.5, description="share of GPU memory those bytes may take (the rest: activations, buffers), (0, 1]")


class Reliability(Strict):
    """Checkpoint/restart figures of the failure model, used with gpus[*].mtbf_hours."""

    checkpoint_hours: Hours = Field(0.01, description="time to write one checkpoint, hours")
    restart_hours: Hours = Field(0.1, description="time lost per interruption (restart, reload), hours")


class SampleLaw(Strict):
    """One sampled scaling law (a bootstrap replicate): L = E + A/N^alpha + B/D^beta."""

    E: LawLoss = Field(description="irreducible loss, nats/token")
    A: LawCoefficient = Field(description="coefficient of the parameter term, nats/token x params^alpha")
    B: LawCoefficient = Field(description="coefficient of the data term, nats/token x tokens^beta")
    alpha: LawExponent = Field(description="exponent of the parameter term, dimensionless")
    beta: LawExponent = Field(description="exponent of the data term, dimensionless")


class Serving(Strict):
    """Lifetime serving demand: the plan also picks the serving GPU and region."""

    tokens: ServingTokens = Field(description="tokens processed over the model's life (prompt + generated)")
    flops_per_param_token: PerParamToken = Field(2.0, description="forward-pass FLOPs per (active) parameter-token")
    mfu: Fraction | None = Field(None, description="serving utilisation; default each GPU's serving_mfu")
    precision: Precision = Field("bf16", description="serving precision: bf16 peak, or fp8 peak")
    gpus: list[str] | None = Field(None, description="GPUs that may serve; default every instance GPU")
    regions: list[str] | None = Field(None, description="regions that may serve; default every instance region")


class Instance(Strict):
    """One planning problem (docs/instance-keys.md)."""

    name: Name = Field("", description="label of the instance")
    start: str | None = Field(
        None, description="date the run starts, YYYY-MM-DD; used with limits.deadline")
    objective: Objective = Field(
        "cost", description="what to minimise: cost (USD), co2 (t), time (days), loss (nats/token), or "
        "weighted (cost + carbon_price_usd_per_t x CO2)")
    carbon_price_usd_per_t: UpToMillion = Field(
        0.0, description="carbon price of objective weighted, USD per t CO2e (0: weighted = cost)")
    scaling_law: ScalingLaw = Field(json_schema_extra={"default": "epoch2024"}, description="catalog name (`plan catalog laws`) or inline {E, A, B, alpha, beta}; "
                                    "absent = epoch2024")
    flops_per_param_token: PerParamToken = Field(6.0, description="pretraining FLOPs per parameter per token (6: C = 6 N D)")
    model_sizes: Annotated[list[Params], Field(min_length=1, max_length=MAX_MODEL_SIZES)] | SizeGrid = Field(
        description="candidate model sizes N, parameters: a list, or {min, max, count} log-spaced")
    data: Data = Field(Data.model_construct(), description="the pretraining data: unique tokens, epochs, price")
    targets: Targets = Field(Targets.model_construct(), description="the loss the plan must reach")
    limits: Limits = Field(Limits.model_construct(), description="budget, deadline, carbon budget, compute cap")
    staff_usd_per_year: _bounded(0.0, 1e11) | None = Field(
        None, description="team cost per year (headcount x loaded salary), USD/year, charged for the run's "
        "duration: staff_usd_per_day = staff_usd_per_year / 365.25; give this or staff_usd_per_day")
    staff_usd_per_day: StaffUsdPerDay = Field(0.0, description="team cost while the run lasts, USD/day "
                                              "(or give staff_usd_per_year)")
    scale: Scale | None = Field(None, description="how far a cluster scales: the global-batch limit on the GPU "
                                "count (planner.formulas.scale); absent = no limit; `scale: {}` = the defaults")
    bytes_per_param: Factor = Field(16.0, description="training-state memory per parameter, bytes (16: BF16 "
                                      "weights and gradients, FP32 master weights and Adam moments)")
    precision: Precision = Field("bf16", description="training precision: the GPU peak (and MFU) used")
    moe: Moe | None = Field(None, description="mixture-of-experts: model_sizes are active parameters; absent = dense")
    gpus: Annotated[list[Gpu], Field(max_length=MAX_ENTRIES)] = Field(min_length=1, description="candidate GPU types: catalog names, inline entries, `all` "
                            "(every catalog GPU) or `{all: {available: 1024}}` (every catalog GPU, keys overridden)")
    regions: Annotated[list[Region], Field(max_length=MAX_ENTRIES)] = Field(min_length=1, description="candidate regions: catalog names, inline entries, "
                                  "`all` (every catalog region) or `{all: {pue: 1.2}}` (keys overridden)")
    alignment: Alignment | None = Field(None, description="post-training recipes; absent = pretraining only")
    development_factor: DevelopmentFactor = Field(
        1.0, description="project GPU-hours / final-run GPU-hours (ablations, failed runs), >= 1")
    reliability: Reliability = Field(Reliability.model_construct(), description="checkpoint and restart times of the failure model")
    serving: Serving | None = Field(None, description="lifetime serving demand; absent = training only")
    scaling_law_samples: list[SampleLaw] | None = Field(
        None, description="sampled laws for targets.confidence (a `{file: x.csv}` is read by the loader)")
    plan: FixedPlan | None = Field(None, description="a fixed plan for `plan evaluate` (ignored by solving)")
    uncertainty: Annotated[dict[str, str], AfterValidator(_check_distributions)] | None = Field(
        None, description="`plan uncertainty`: what-if path -> distribution, e.g. `gpus[H100].mfu: "
        "normal(0.4, 0.05)` (docs/uncertainty.md); ignored by the other commands")

    @model_validator(mode="before")
    @classmethod
    def _staff_per_year(cls, data: Any) -> Any:
        """`staff_usd_per_year: 25e6` -> staff_usd_per_day = 25e6 / 365.25 (both kept; given together
        they must agree, as a validated instance dumps them)."""
        if not isinstance(data, dict) or data.get("staff_usd_per_year") is None:
            return data
        per_year = data["staff_usd_per_year"]
        if not isinstance(per_year, (int, float)) or isinstance(per_year, bool) or not 0 <= per_year <= 1e11:
            return data   # the field's own validation names the problem
        per_day = per_year / DAYS_PER_YEAR
        given = data.get("staff_usd_per_day")
        if given is not None and given != per_day:
            raise ValueError("staff_usd_per_year: give either staff_usd_per_year or staff_usd_per_day, not both "
                             f"(per year {per_year:g} is {per_day:g} per day, staff_usd_per_day says {given:g})")
        return {**data, "staff_usd_per_day": per_day}

    @model_validator(mode="before")
    @classmethod
    def _deadline_date(cls, data: Any) -> Any:
        """`limits.deadline: 2027-03-01` with `start: 2026-12-01` -> limits.deadline_days = 90."""
        if not isinstance(data, dict):
            return data
        limits = data.get("limits")
        start = data.get("start")
        if start is not None:
            start_date = _date(start, "start")
            data = {**data, "start": start_date.isoformat()}
        if not isinstance(limits, dict) or limits.get("deadline") is None:
            return data
        deadline = _date(limits["deadline"], "limits.deadline")
        if limits.get("deadline_days") is not None:
            raise ValueError("limits.deadline: give either deadline (a date) or deadline_days, not both")
        if start is None:
            raise ValueError("limits.deadline: a date needs the top-level `start: YYYY-MM-DD` (the day the run "
                             "starts), or give limits.deadline_days")
        days = (deadline - start_date).days
        if days <= 0:
            raise ValueError(f"limits.deadline: {deadline.isoformat()} is not after start {start_date.isoformat()}")
        rest = {k: v for k, v in limits.items() if k != "deadline"}
        return {**data, "limits": {**rest, "deadline_days": float(days)}}

    @model_validator(mode="after")
    def _cross_references(self) -> "Instance":
        check_unique([g.name for g in self.gpus], "gpus")
        check_unique([r.name for r in self.regions], "regions")
        gpu_names = {g.name for g in self.gpus}
        for i, region in enumerate(self.regions):
            for gpu_name in region.offers or {}:
                if gpu_name not in gpu_names:
                    raise ValueError(
                        f"regions[{i}].offers.{gpu_name}: GPU '{gpu_name}' is not in gpus "
                        f"(listed: {', '.join(sorted(gpu_names))}); add it to gpus or remove the offer"
                    )
        for i, region in enumerate(self.regions):
            if region.offers is None:
                for j, gpu in enumerate(self.gpus):
                    if gpu.usd_per_gpu_hour is not None and gpu.available is None:
                        raise ValueError(
                            f"gpus[{j}].available: required (how many {gpu.name} can be had?) because "
                            f"region '{region.name}' lists no offers; availability is always finite "
                            "(catalog GPUs carry no count: `gpus: {all: {available: 1024}}` gives each one)"
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
    def _second_edition(self) -> "Instance":
        confidence = self.targets.confidence
        if confidence is not None:
            if self.objective == ObjectiveName.LOSS:
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
    def _fp8_peaks(self) -> "Instance":
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

    def updated(self, **changes: object) -> "Instance":
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


#: Keys that make a `plan:` mapping a pasted `plan solve --format json` plan: then every key but the
#: choices (model_params, tokens, gpu, gpu_count, region, alignment) is a reported figure, ignored.
PLAN_REPORT_MARKERS = frozenset({"cost_usd", "co2_t", "flops"})
#: Keys of the `plan` object of `plan solve --format json` that are figures, not choices.
PLAN_REPORT_KEYS = frozenset({"tokens_per_param", "duration_days", "gpu_hours", "loss", "energy_mwh",
                              "peak_power_mw", "flops", "cost_usd", "co2_t"})


def _date(value: Any, field: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{field}: must be a date YYYY-MM-DD (e.g. 2027-03-01), got {value!r}")


def loss_target_problem(instance: Instance) -> str | None:
    """Why `instance` cannot be solved for lack of a loss target (None when it can): minimising
    cost, CO2 or time without a target would train nothing. Evaluating a fixed plan needs none."""
    if instance.objective != ObjectiveName.LOSS and instance.targets.max_loss is None and instance.targets.match is None:
        return (f"objective '{instance.objective}' needs a loss target (targets.max_loss or targets.match); "
                "only objective 'loss' may omit it (`plan evaluate` needs none)")
    return None


def check_unique(names: list[str], field: str) -> None:
    """ValueError `FIELD[i].name: duplicate name 'X'` at the first name seen twice (instances and campaigns)."""
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise ValueError(f"{field}[{i}].name: duplicate name '{name}'")
        seen.add(name)

