"""Brute-force optimum of an instance: an independent check of the product, not part of it.

It imports nothing from `planner` except the validated instance (planner.input.schema, and
planner.input.loading to read a file): every formula of README "The model" and docs/serving.md
is written out again here, vectorised with numpy.

Enumeration (README "Decisions"): every candidate size N x GPU g x region r that sells g (offer rule
below) x recipe m allowed by min_quality, the verifiable-tasks rule and min_model_params (one
pseudo-recipe "none" without an alignment section) x EVERY GPU count n = gpus_per_node,
2 gpus_per_node, ... with memory floor <= n <= available(g, r), n w pue / 1000 <= grid_capacity_mw
and n w swing_fraction / 1000 <= max_swing_mw, x every serving offer (6.4). Arrays of shape
(sizes, recipes, counts) per training offer, in chunks of counts so that memory stays small.

Rent: an offer listed by a region may carry min_term_days t and contracted; its GPUs then cost
price x 24 x paid x max(T, t) (paid = available under a contract, else n) instead of H x price.

Offer rule: a region with `offers` sells exactly the listed GPUs, at the offer's price/available,
falling back to the GPU entry's; a region without `offers` sells every GPU at the GPU's own
price/available; no price => not sold. Serving offers use the same rule, availability ignored.

Formulas (own arithmetic):

    mfu(N)  = min(mfu_max, mfu0 (N'/mfu_ref_params)^mfu_size_exponent)     mfu0 = mfu, or mfu_fp8
              N' = N, or mfu_max_params where N is larger
    rate    = peak 1e12 mfu(N) moe.mfu_factor                               peak = bf16 or fp8 peak
    S       = k N D / rate + N sum_s k_s T_s / (rate mfu_factor_s)          GPU-seconds (ideal)
    waste   = sqrt(2 delta n / M) + R n / M   (0 without mtbf_hours)        (6.2)
    over    = v (sqrt(n / n_ref) - 1) above n_ref, else 0   (parallel_overhead v, parallel_ref_gpus)
    S_eff   = S (1 + waste + over);  H = S_eff / 3600;  T = S_eff / (86400 n)
    cost    = H price + staff T + usd_per_token D + annotation_m + fixed_m
    CO2     = H (w pue carbon / 1e6 + embodied_kg / (lifetime 8766) / 1000)   w = energy_watts or watts
    grid, peak, swing use node_watts / gpus_per_node per GPU where given (else watts)
    dev     = (development_factor - 1) H GPU-hours: + dev H price USD, + dev H co2/GPU-h t (6.3)
    budget / carbon budget / objectives use cost + dev cost, CO2 + dev CO2; deadline uses T;
    FLOPs = k N D + N sum_s k_s T_s (ideal, not scaled by waste)
    serving = f_s N tokens / (peak_s 1e12 mfu_s) / 3600 GPU-hours on the serving offer that
              minimises the objective's own measure (cost, co2, cost + carbon_price co2; the
              lowest cost under time and loss, which it then does not affect) (6.4)

Scale (`scale:` block): a count n is useful only while n <= mp x multiple x c (k N D)^e / seq_tokens,
mp = max(1, ceil(replica_bytes x N_total / (share x memory_gb 1e9))); checked at the chosen D
(for `loss` the largest D the limits allow: if the count is not useful there it is useful at no
smaller D); for the other objectives D = max(Dmin, the least D at which n is useful), since every
objective grows with D.

Tokens: for every objective except `loss` the optimal D is Dmin(N), the least D with
L(N, D) <= target (closed form through the inverse of the repetition formula, checked against a
bisection on ln D), at least 1 token, infeasible above U max_epochs. With `confidence` Dmin(N)
is the ceil(confidence S)-th smallest of the S samples' Dmin_s(N) (each under the instance's
data settings, infinite when the sample's floor E + A/N^alpha is at or above the target).
For `loss` the best D of each discrete choice is the largest D every limit that grows with D
allows; each such quantity is v0 + v1 D, so D = min(U max_epochs, min over limits of
(limit - v0) / v1); feasible iff D > 0 and D >= Dmin(N) when a target is given.

Ties: among plans within 1e-9 (relative) of the best value, less CO2 wins (lifetime with serving),
then less cost, less time, fewer GPUs, the smaller model, then GPU, region and recipe names.

The winner is then priced again by a scalar pure-Python path (`price_plan`) and must match.

    python -m checks.brute_force instance.yaml     # prints the optimum as JSON
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from planner.input.schema import FixedPlan, Instance

#: Relative tolerance of every limit test here.
FEAS_TOL = 1e-9
#: Relative difference under which two objective values tie (then less CO2, cost, time, GPUs win).
TIE = 1e-9
HOURS_PER_YEAR = 8766.0
#: Elements per chunk of the (sizes, recipes, counts) arrays (about 20 live arrays of 8 bytes).
CHUNK = 1_000_000


@dataclass(frozen=True)
class BruteForceResult:
    status: str                          # optimal | infeasible
    objective: str
    objective_value: float | None
    plan: FixedPlan | None               # tokens = the optimal D for the discrete choice
    serving: tuple[str, str] | None      # (gpu, region) of the serving offer, with `serving`
    figures: dict | None                 # the winner priced by price_plan
    candidates: int                      # discrete plans enumerated (x serving offers)
    feasible: int                        # of which with a feasible D
    extra: dict = field(default_factory=dict)


# ---- the instance's terms ----------------------------------------------------------------------

def offer(instance: Instance, gpu, region, serving: bool = False):
    """(price, available) of `gpu` in `region` by the offer rule, or None when not sold there.
    For serving, availability is not asked for."""
    listed = region.offers
    if listed is not None and gpu.name not in listed:
        return None                       # the region lists what it sells, and not this GPU
    own = listed[gpu.name] if listed is not None else None

    def first_given(key):                 # the offer's own figure, else the GPU entry's
        mine = getattr(own, key, None)
        return mine if mine is not None else getattr(gpu, key)

    price, available = first_given("usd_per_gpu_hour"), first_given("available")
    if price is None:
        return None
    if not serving and (available is None or available < gpu.gpus_per_node):
        return None
    return float(price), (None if available is None else int(available))


def rental(gpu, region):
    """(minimum term in days or None, contracted?) of the offer of `gpu` in `region`: only an
    offer listed by the region carries them."""
    own = (region.offers or {}).get(gpu.name)
    if own is None:
        return None, False
    return own.min_term_days, bool(own.contracted)


def rent_usd(price, n, available, term, contracted, days):
    """What the GPUs cost to rent: price x 24 x (GPUs paid) x max(days, term); GPUs paid = all the
    available ones under a contract, else the n used."""
    paid = available if contracted else n
    return price * 24.0 * paid * np.maximum(days, 0.0 if term is None else term)


def law_loss(law, params, tokens, unique=None, rstar=15.4):
    """L = E + A/N^alpha + B/Deff^beta with Muennighoff repetition above U (numpy or floats)."""
    params = np.asarray(params, dtype=float)
    tokens = np.asarray(tokens, dtype=float)
    deff = tokens
    if unique is not None:
        over = np.maximum(tokens / unique - 1.0, 0.0)
        deff = np.where(tokens <= unique, tokens, unique + unique * rstar * (1.0 - np.exp(-over / rstar)))
    with np.errstate(divide="ignore", over="ignore"):
        return law.E + law.A / params**law.alpha + law.B / deff**law.beta


def target_of(instance: Instance) -> float | None:
    t = instance.targets
    if t.max_loss is not None:
        return float(t.max_loss)
    if t.match is not None:   # the reference's tokens taken as unique: no repetition
        law = instance.scaling_law
        return law.E + law.A / t.match.params**law.alpha + law.B / t.match.tokens**law.beta
    return None


def data_cap(instance: Instance) -> float:
    d = instance.data
    if d.unique_tokens is not None and d.max_epochs is not None:
        return d.unique_tokens * d.max_epochs
    return math.inf


def dmin_closed(law, params: np.ndarray, target: float, unique, rstar) -> np.ndarray:
    """Least D with L(N, D) <= target, by inverting the law and the repetition formula (inf if none);
    not yet clamped to 1 token."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        gap = target - (law.E + law.A / params**law.alpha)
        deff = np.where(gap > 0, (law.B / np.where(gap > 0, gap, 1.0)) ** (1.0 / law.beta), np.inf)
        if unique is None:
            return deff
        # Deff = U + U R* (1 - exp(-R/R*))  <=>  R = -R* ln(1 - (Deff/U - 1)/R*)
        frac = (deff / unique - 1.0) / rstar
        repeats = np.where(frac < 1, -rstar * np.log1p(-np.where(frac < 1, frac, 0.0)), np.inf)
        return np.where(deff <= unique, deff, unique * (1.0 + repeats))


def dmin_bisect(law, params: np.ndarray, target: float, unique, rstar) -> np.ndarray:
    """The same by bisection on ln D of the loss itself (until the interval stops shrinking):
    inf where L(1e60) > target. `law`'s constants may be arrays broadcasting against `params`."""
    top = 1e60
    shape = np.broadcast_shapes(np.shape(params), np.shape(law.E), np.shape(law.A), np.shape(law.alpha))
    reach = law_loss(law, params, np.full(shape, top), unique, rstar) <= target
    lo = np.full(shape, math.log(1e-30))
    hi = np.full(shape, math.log(top))
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if np.all((mid == lo) | (mid == hi)):
            break
        good = law_loss(law, params, np.exp(mid), unique, rstar) <= target
        hi = np.where(good, mid, hi)
        lo = np.where(good, lo, mid)
    return np.where(reach, np.exp(hi), np.inf)


class _Laws:
    """Several laws' constants as columns (shape (laws, 1)), to broadcast against sizes."""

    def __init__(self, laws) -> None:
        for key in ("E", "A", "B", "alpha", "beta"):
            setattr(self, key, np.array([getattr(law, key) for law in laws], dtype=float)[:, None])


def _dmin_laws(laws, params, target, data) -> np.ndarray:
    """Dmin of each law (rows) at each size (columns): closed form, checked by bisection."""
    law = _Laws(laws)
    params = params[None, :]
    closed = dmin_closed(law, params, target, data.unique_tokens, data.repetition_rstar)
    bisect = dmin_bisect(law, params, target, data.unique_tokens, data.repetition_rstar)
    closed, bisect = np.broadcast_arrays(closed, bisect)
    finite = np.isfinite(closed) & (closed < 1e59)
    both = finite & np.isfinite(bisect)
    small = (np.isfinite(closed) & (closed < 1e50)) | (np.isfinite(bisect) & (bisect < 1e50))
    assert np.array_equal(finite[small], both[small]), ("Dmin reachability disagrees", closed, bisect)
    if np.any(both):
        # near the repetition ceiling U (1 + R*) the loss is flat in D: D is ill-conditioned there
        # (a 1e-16 change of the loss moves it by 1e-9 or more), so the two are compared loosely in
        # D and tightly in the loss they reach
        rel = np.abs(closed[both] - bisect[both]) / closed[both]
        assert np.all(rel < 1e-6), ("Dmin closed form and bisection disagree", closed, bisect)
        at = law_loss(law, params, np.where(both, closed, 1.0), data.unique_tokens, data.repetition_rstar)
        assert np.all(np.abs(at[both] - target) <= 1e-12 * target), ("L(Dmin) is not the target", at, target)
    return np.where(finite, closed, np.inf)


def dmin_tokens(instance: Instance, params: np.ndarray) -> np.ndarray:
    """Dmin(N) per size (README "Constraints" and "Second edition"), at least 1 token; inf when unreachable; zeros
    when there is no target (objective loss without one)."""
    target = target_of(instance)
    if target is None:
        return np.zeros(params.shape)
    conf = instance.targets.confidence
    if conf is None:
        d = _dmin_laws([instance.scaling_law], params, target, instance.data)[0]
    else:
        samples = instance.scaling_law_samples
        per = _dmin_laws(samples, params, target, instance.data)     # (samples, sizes)
        k = math.ceil(conf * len(samples) - 1e-9)   # ceil of the exact product
        d = np.sort(per, axis=0)[k - 1]
    return np.maximum(d, 1.0)


def stage_parts(stage) -> tuple[float, float, float, float, float, float, float]:
    """One stage, per policy parameter: (GPU-second numerator at the training rate, numerator at the
    peak, FLOPs, extra pretraining seconds per pretraining second, extra FLOPs per pretraining FLOP,
    USD, numerator at the peak on a separate rollout fleet (paid, not on the cluster's clock)). Written step by step, as a team would count an RL run:
        per step, P x G sequences; each is decoded (2 FLOP per parameter per response token, at
        rollout_mfu of the peak), prefilled (2 per prompt token), read by a reward model of rho N
        parameters (2 rho per token) and trained on (k_l per token), at the training rate."""
    usd = stage.samples * stage.usd_per_sample
    if stage.share_of_pretraining is not None:
        return 0.0, 0.0, 0.0, stage.share_of_pretraining / stage.mfu_factor, stage.share_of_pretraining, usd, 0.0
    rl = stage.rl
    if rl is None:
        f = stage.flops_per_param_token * stage.tokens
        return f / stage.mfu_factor, 0.0, f, 0.0, 0.0, usd, 0.0
    sequences_per_step = rl.prompts_per_step * rl.samples_per_prompt
    decode_step = sequences_per_step * rl.response_tokens * 2.0
    tokens_step = sequences_per_step * (rl.prompt_tokens + rl.response_tokens)
    train_step = (tokens_step * rl.learner_flops_per_param_token + sequences_per_step * rl.prompt_tokens * 2.0
                  + tokens_step * 2.0 * rl.reward_model_params_ratio)
    usd += sequences_per_step * rl.steps * rl.verifier_usd_per_sample
    generating = rl.generation_share                          # share of the GPUs decoding
    training = 1.0 if generating == 1.0 else 1.0 - generating  # colocated: all train; split: the rest
    decoded = rl.steps * decode_step / rl.rollout_mfu
    elsewhere = rl.rollout_fleet == "separate"
    return (rl.steps * train_step / stage.mfu_factor / training, 0.0 if elsewhere else decoded / generating,
            rl.steps * (train_step + decode_step), 0.0, 0.0, usd, decoded if elsewhere else 0.0)


def recipes_of(instance: Instance):
    """Per recipe: name, allowed (quality, verifiable tasks), min N, then per parameter (stage_parts
    summed): work at the training rate, work at the peak, FLOPs, pretraining seconds and FLOPs factors
    (1 + shares), annotation + verifiers + fixed USD. One pseudo-recipe None without an alignment section."""
    if instance.alignment is None:
        return [None], np.array([True]), *(np.zeros(1) for _ in range(3)), np.ones(1), np.ones(1), \
            np.zeros(1), np.zeros(1), np.zeros(1)
    al = instance.alignment
    rows = []
    for r in al.recipes:
        parts = np.array([stage_parts(s) for s in r.stages]).sum(axis=0)
        rows.append((r.name, r.quality >= al.min_quality and (al.verifiable_tasks or not r.needs_verifiable_tasks),
                     r.min_model_params, parts[0], parts[2], 1.0 + parts[3], 1.0 + parts[4],
                     parts[5] + r.fixed_usd, parts[1], parts[6]))
    names, allowed, min_n, work, flops, sec_factor, flop_factor, usd, peak_work, fleet_work = zip(*rows)
    return list(names), np.array(allowed), *(np.array(x, dtype=float) for x in (
        min_n, work, flops, sec_factor, flop_factor, usd, peak_work, fleet_work))


def confidence_q(instance: Instance, gpu, params):
    """limits.confidence p: GPU-seconds x exp(mu + sigma z_p) of the GPU's spread cell holding N
    (1 without a confidence or a cell). Works on a float N or an array."""
    sizes = np.atleast_1d(np.asarray(params, dtype=float))
    out = np.ones(sizes.shape)
    p = instance.limits.confidence
    if p is not None:
        from statistics import NormalDist
        z = NormalDist().inv_cdf(p)
        for j, n in enumerate(sizes):
            for cell in gpu.mfu_spread or ():
                if cell.min_params <= n < cell.max_params:
                    out[j] = math.exp(cell.log_mean + cell.log_sd * z)
                    break
    return out if np.ndim(params) else float(out[0])


def peak_rate(instance: Instance, gpu) -> float:
    """Dense peak FLOP/s at the instance precision."""
    return 1e12 * (gpu.peak_fp8_tflops if instance.precision == "fp8" else gpu.peak_tflops)


def training_rate(instance: Instance, gpu, params):
    """FLOP/s per GPU at size N (6.1): peak x min(mfu_max, mfu0 (N/ref)^exponent) x moe factor."""
    params = np.asarray(params, dtype=float)
    if instance.precision == "fp8":
        peak = gpu.peak_fp8_tflops
        mfu0 = gpu.mfu_fp8 if gpu.mfu_fp8 is not None else gpu.mfu
    else:
        peak, mfu0 = gpu.peak_tflops, gpu.mfu
    measured = params if gpu.mfu_max_params is None else np.where(params > gpu.mfu_max_params,
                                                                   gpu.mfu_max_params, params)
    mfu = np.minimum(gpu.mfu_max, mfu0 * (measured / gpu.mfu_ref_params) ** gpu.mfu_size_exponent)
    moe = instance.moe.mfu_factor if instance.moe is not None else 1.0
    return peak * 1e12 * mfu * moe


def useful_gpus(instance: Instance, gpu, params, tokens):
    """Most GPUs a run keeps busy under `scale:` (inf without it): a replica spans mp GPUs by memory
    and holds one sequence per step, the global batch at most multiple x 0.292-style C^e."""
    sc = instance.scale
    if sc is None:
        return np.inf
    moe = instance.moe.total_params_per_active if instance.moe is not None else 1.0
    params = np.asarray(params, dtype=float)
    replica = np.maximum(1.0, np.ceil(sc.replica_bytes_per_param * params * moe
                                      / (sc.replica_memory_share * gpu.memory_gb * 1e9) * (1 - 1e-12)))
    compute = instance.flops_per_param_token * params * np.asarray(tokens, dtype=float)
    sequences = sc.batch_multiple * sc.batch_coefficient * compute ** sc.batch_exponent / sc.sequence_tokens
    return replica * sequences


def scale_tokens(instance: Instance, gpu, params, n):
    """The least D at which n GPUs are useful: solve n = mp x multiple x c (k N D)^e / seq for D."""
    sc = instance.scale
    moe = instance.moe.total_params_per_active if instance.moe is not None else 1.0
    params = np.asarray(params, dtype=float)
    replica = np.maximum(1.0, np.ceil(sc.replica_bytes_per_param * params * moe
                                      / (sc.replica_memory_share * gpu.memory_gb * 1e9) * (1 - 1e-12)))
    compute = (n * sc.sequence_tokens / (replica * sc.batch_multiple * sc.batch_coefficient)) ** (1.0 / sc.batch_exponent)
    return compute / (instance.flops_per_param_token * params) * (1 - 1e-12)


def waste(instance: Instance, gpu, n):
    """Young/Daly waste fraction of n GPUs (6.2); 0 without mtbf_hours."""
    n = np.asarray(n, dtype=float)
    if gpu.mtbf_hours is None:
        return np.zeros(n.shape)
    rel = instance.reliability
    return np.sqrt(2.0 * rel.checkpoint_hours * n / gpu.mtbf_hours) + rel.restart_hours * n / gpu.mtbf_hours


def overhead(gpu, n):
    """Parallel overhead v (sqrt(n / n_ref) - 1) above n_ref GPUs, else 0 (0 without the keys)."""
    n = np.asarray(n, dtype=float)
    if gpu.parallel_ref_gpus is None or gpu.parallel_overhead == 0:
        return np.zeros(n.shape)
    return gpu.parallel_overhead * np.maximum(0.0, np.sqrt(n / gpu.parallel_ref_gpus) - 1.0)


def kw_energy(gpu) -> float:
    """kW per GPU that energy and operational CO2 count: the measured energy_watts, else TDP."""
    return (gpu.watts if gpu.energy_watts is None else gpu.energy_watts) / 1000.0


def kw_site(gpu) -> float:
    """kW per GPU the grid sees (capacity, peak, swing): the node's rating over its GPUs, else TDP."""
    return gpu.watts / 1000.0 if gpu.node_watts is None else gpu.node_watts / 1000.0 / gpu.gpus_per_node


def co2_per_gpu_hour(gpu, region) -> float:
    return kw_energy(gpu) * region.pue * region.carbon_g_per_kwh / 1e6 \
        + gpu.embodied_kg / (gpu.lifetime_years * HOURS_PER_YEAR) / 1000.0


def serving_offers(instance: Instance):
    """Every serving offer (6.4): (gpu, region, GPU-hours per unit N, USD per unit N, t per unit N)."""
    sv = instance.serving
    if sv is None:
        return []
    out = []
    for region in instance.regions:
        if sv.regions is not None and region.name not in sv.regions:
            continue
        for gpu in instance.gpus:
            if sv.gpus is not None and gpu.name not in sv.gpus:
                continue
            terms = offer(instance, gpu, region, serving=True)
            if terms is None:
                continue
            mfu = sv.mfu if sv.mfu is not None else gpu.serving_mfu
            peak = gpu.peak_fp8_tflops if sv.precision == "fp8" else gpu.peak_tflops
            hours = sv.flops_per_param_token * sv.tokens / (peak * 1e12 * mfu) / 3600.0
            out.append((gpu, region, hours, hours * terms[0], hours * co2_per_gpu_hour(gpu, region)))
    return out


def best_serving(instance: Instance):
    """The serving offer minimising the objective's own measure, and that measure per unit N
    (0 for time and loss, which serving does not change)."""
    offers = serving_offers(instance)
    if instance.serving is None:
        return None, 0.0
    if not offers:
        return "none", math.inf      # serving demanded but nothing can serve: no plan
    cp = instance.carbon_price_usd_per_t
    measure = {"cost": lambda o: o[3], "co2": lambda o: o[4], "weighted": lambda o: o[3] + cp * o[4]}.get(
        instance.objective, lambda o: o[3])
    best = min(offers, key=measure)
    per_n = measure(best) if instance.objective in ("cost", "co2", "weighted") else 0.0
    return best, per_n


# ---- scalar pricing (a second path, for the winner and for tests) ------------------------------

def price_plan(instance: Instance, plan: FixedPlan, serving: tuple[str, str] | None = None) -> dict:
    """Every figure of one plan, in plain Python floats, from the formulas of the module docstring."""
    gpu = instance.gpu(plan.gpu)
    region = instance.region(plan.region)
    price, _ = offer(instance, gpu, region)
    N, D, n = plan.model_params, plan.tokens, plan.gpu_count
    k = instance.flops_per_param_token
    rate = float(training_rate(instance, gpu, N))
    w = float(waste(instance, gpu, n))
    f_pre = k * N * D
    sec = f_pre / rate
    f_align = annotation = fleet_hours = 0.0
    if plan.alignment is not None:
        recipe = instance.recipe(plan.alignment)
        for s in recipe.stages:
            at_rate, at_peak, flops, sec_share, flop_share, usd, on_fleet = stage_parts(s)
            f_align += flops * N + flop_share * f_pre
            sec += at_rate * N / rate + at_peak * N / peak_rate(instance, gpu) + sec_share * f_pre / rate
            fleet_hours += on_fleet * N / peak_rate(instance, gpu) / 3600.0
            annotation += usd
        annotation += recipe.fixed_usd
    q = confidence_q(instance, gpu, N)
    sec, fleet_hours = sec * q, fleet_hours * q
    sec_eff = sec * (1.0 + w + float(overhead(gpu, n)))
    hours = sec_eff / 3600.0
    days = sec_eff / (86400.0 * n)
    kw = kw_site(gpu)
    co2 = (hours + fleet_hours) * co2_per_gpu_hour(gpu, region)
    compute = hours * price
    term, contracted = rental(gpu, region)
    if term is not None or contracted:
        compute = float(rent_usd(price, n, offer(instance, gpu, region)[1], term, contracted, days))
    compute += fleet_hours * price
    cost = compute + instance.staff_usd_per_day * days + instance.data.usd_per_token * D + annotation
    dev_hours = (instance.development_factor - 1.0) * hours
    dev_cost = dev_hours * price
    dev_co2 = dev_hours * co2_per_gpu_hour(gpu, region)
    d = instance.data
    fig = {
        "mfu": rate / (1e12 * (gpu.peak_fp8_tflops if instance.precision == "fp8" else gpu.peak_tflops)
                       * (instance.moe.mfu_factor if instance.moe else 1.0)),
        "waste": w, "gpu_hours": hours + fleet_hours, "development_gpu_hours": dev_hours, "duration_days": days,
        "energy_mwh": (hours + fleet_hours) * kw_energy(gpu) * region.pue / 1000.0,
        "peak_power_mw": n * kw * region.pue / 1000.0, "swing_mw": n * kw * region.swing_fraction / 1000.0,
        "flops": f_pre + f_align, "loss": float(law_loss(instance.scaling_law, N, D, d.unique_tokens,
                                                         d.repetition_rstar)),
        "cost_compute": compute, "cost_development": dev_cost, "cost": cost + dev_cost,
        "co2_development": dev_co2, "co2": co2 + dev_co2,
        "serving_cost": 0.0, "serving_co2": 0.0, "serving_gpu_hours": 0.0,
        "max_useful_gpus": float(useful_gpus(instance, gpu, N, D)),
    }
    if serving is not None and instance.serving is not None:
        sg, sr = instance.gpu(serving[0]), instance.region(serving[1])
        sv = instance.serving
        mfu = sv.mfu if sv.mfu is not None else sg.serving_mfu
        peak = sg.peak_fp8_tflops if sv.precision == "fp8" else sg.peak_tflops
        sh = sv.flops_per_param_token * N * sv.tokens / (peak * 1e12 * mfu) / 3600.0
        fig.update(serving_gpu_hours=sh, serving_cost=sh * offer(instance, sg, sr, serving=True)[0],
                   serving_co2=sh * co2_per_gpu_hour(sg, sr), serving_energy_mwh=sh * kw_energy(sg) * sr.pue / 1000,
                   serving_gpu=sg.name, serving_region=sr.name)
    fig["lifetime_cost"] = fig["cost"] + fig["serving_cost"]
    fig["lifetime_co2"] = fig["co2"] + fig["serving_co2"]
    cp = instance.carbon_price_usd_per_t
    fig["objective_value"] = {
        "cost": fig["lifetime_cost"], "co2": fig["lifetime_co2"], "time": days, "loss": fig["loss"],
        "weighted": fig["lifetime_cost"] + cp * fig["lifetime_co2"]}[instance.objective]
    target = target_of(instance)
    if instance.scaling_law_samples and target is not None:
        # a sample meets the target within 1e-9 (a plan at a sample's exact root may be 1 ulp above)
        ok = [law_loss(s, N, D, d.unique_tokens, d.repetition_rstar) <= target * (1 + 1e-9)
              for s in instance.scaling_law_samples]
        fig["target_probability"] = sum(bool(x) for x in ok) / len(ok)
    return fig


# ---- the enumeration ---------------------------------------------------------------------------

def _within(value, limit, tol=FEAS_TOL):
    return True if limit is None else value <= limit * (1 + tol)


def _cap(limit, v0, v1):
    """Largest D with v0 + v1 D <= limit (v1 >= 0): inf without a limit or slope, -inf if none."""
    if limit is None:
        return np.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        root = (limit - v0) / v1
    return np.where(v1 > 0, root, np.where(v0 <= limit * (1 + FEAS_TOL), np.inf, -np.inf))


def candidate_sizes(instance: Instance) -> np.ndarray:
    """The candidate sizes, from the file's own words (not the schema's helper): a list as given,
    or {min, max, count} as `count` log-spaced values from min to max inclusive; sorted, unique."""
    sizes = instance.model_sizes
    if isinstance(sizes, list):
        return np.unique(np.array(sizes, dtype=float))
    if sizes.count == 1:
        return np.array([float(sizes.min)])
    grid = np.exp(np.linspace(np.log(sizes.min), np.log(sizes.max), sizes.count))
    grid[0], grid[-1] = sizes.min, sizes.max
    return np.unique(grid)


def brute_force(instance: Instance, check: bool = False) -> BruteForceResult:
    """The optimum over every enumerated plan (module docstring). `check` is accepted for
    compatibility; the internal cross-checks always run."""
    objective = instance.objective
    params = candidate_sizes(instance)
    names, allowed, min_n, work, align_fpp, sec_factor, flop_factor, fixed_usd, peak_work, fleet_work = \
        recipes_of(instance)
    k = instance.flops_per_param_token
    data, limits = instance.data, instance.limits
    cap = data_cap(instance)
    target = target_of(instance)
    dmin = dmin_tokens(instance, params)
    serve, serve_per_n = best_serving(instance)
    n_serving = max(1, len(serving_offers(instance))) if instance.serving is not None else 1
    f_dev = instance.development_factor
    cp = instance.carbon_price_usd_per_t
    staff = instance.staff_usd_per_day
    moe_ratio = instance.moe.total_params_per_active if instance.moe is not None else 1.0

    best_value, best_plan = math.inf, None
    tied: list = []        # (value, tie key, plan) of every plan within TIE of the best so far
    candidates = feasible = 0
    if serve == "none":
        return BruteForceResult("infeasible", objective, None, None, None, None, 0, 0)
    for region in instance.regions:
        for gpu in instance.gpus:
            terms = offer(instance, gpu, region)
            if terms is None:
                continue
            price, available = terms
            term, contracted = rental(gpu, region)
            rented = term is not None or contracted
            counts = np.arange(gpu.gpus_per_node, available + 1, gpu.gpus_per_node, dtype=float)
            kw = kw_site(gpu)
            keep = np.ones(counts.shape, bool)
            if region.grid_capacity_mw is not None:
                keep &= counts * kw * region.pue / 1000.0 <= region.grid_capacity_mw * (1 + FEAS_TOL)
            if region.max_swing_mw is not None:
                keep &= counts * kw * region.swing_fraction / 1000.0 <= region.max_swing_mw * (1 + FEAS_TOL)
            counts = counts[keep]
            if counts.size == 0:
                continue
            rate = training_rate(instance, gpu, params)                      # (S,)
            q = confidence_q(instance, gpu, params)[:, None]                 # (S, 1)
            spt = k * params[:, None] * sec_factor[None, :] / rate[:, None] * q  # GPU-s per token (S, M)
            align_sec = (params[:, None] * work[None, :] / rate[:, None]
                         + params[:, None] * peak_work[None, :] / peak_rate(instance, gpu)) * q   # (S, M)
            flop_tok = k * params[:, None] * flop_factor[None, :]            # FLOPs per token (S, M)
            fleet_h = params[:, None] * fleet_work[None, :] / peak_rate(instance, gpu) / 3600.0 * q   # (S, M)
            align_flops = params[:, None] * align_fpp[None, :]               # (S, M)
            rec_ok = allowed[None, :] & (params[:, None] >= min_n[None, :])  # (S, M)
            floor = instance.bytes_per_param * params * moe_ratio / (gpu.memory_gb * 1e9)   # (S,)
            co2ph = co2_per_gpu_hour(gpu, region)
            n_sizes, n_rec = align_sec.shape
            step = max(1, CHUNK // (n_sizes * n_rec))
            for start in range(0, counts.size, step):
                n = counts[start:start + step][None, None, :]                # (1, 1, C)
                eff = 1.0 + waste(instance, gpu, n) + overhead(gpu, n)
                domain = rec_ok[:, :, None] & (n >= floor[:, None, None] * (1 - 1e-12))
                candidates += int(domain.sum()) * n_serving
                if not domain.any():
                    continue
                N = params[:, None, None]
                a_sec = align_sec[:, :, None]
                s_tok = spt[:, :, None]
                f_tok = flop_tok[:, :, None]
                fixed = fixed_usd[None, :, None] + fleet_h[:, :, None] * price
                fleet_co2 = fleet_h[:, :, None] * co2_per_gpu_hour(gpu, region)
                if objective == "loss":
                    usd_per_sec = eff * (price * f_dev / 3600.0 + staff / (86400.0 * n))
                    co2_per_sec = eff * f_dev * co2ph / 3600.0
                    day_per_sec = eff / (86400.0 * n)
                    budget_cap = _cap(limits.budget_usd, usd_per_sec * a_sec + fixed,
                                      usd_per_sec * s_tok + data.usd_per_token)
                    if rented:   # cost = max(use branch, term branch) + the rest, each affine in D
                        rest = eff * (price * (f_dev - 1.0) / 3600.0 + staff / (86400.0 * n))
                        use = rest + price * 24.0 * (available if contracted else n) * day_per_sec
                        floor_usd = rent_usd(price, n, available, term, contracted, 0.0)
                        budget_cap = np.minimum(
                            _cap(limits.budget_usd, use * a_sec + fixed, use * s_tok + data.usd_per_token),
                            _cap(limits.budget_usd, floor_usd + rest * a_sec + fixed, rest * s_tok + data.usd_per_token))
                    tokens = np.minimum.reduce(np.broadcast_arrays(
                        np.full((1, 1, 1), cap),
                        budget_cap,
                        _cap(limits.max_co2_t, co2_per_sec * a_sec + fleet_co2, co2_per_sec * s_tok),
                        _cap(limits.deadline_days, day_per_sec * a_sec, day_per_sec * s_tok),
                        _cap(limits.max_training_flops, align_flops[:, :, None], f_tok),
                        np.full(domain.shape, np.inf)))
                    ok = domain & (tokens > 0)
                    if target is not None:
                        ok &= tokens >= dmin[:, None, None] * (1 - FEAS_TOL)
                    if np.any(ok & np.isinf(tokens)):
                        raise ValueError("objective 'loss' has no optimum: nothing caps the tokens of some plan")
                    tokens = np.where(ok, tokens, 1.0)
                else:
                    tokens = np.broadcast_to(dmin[:, None, None], domain.shape)
                    if instance.scale is not None:   # a count needs the tokens that keep it useful
                        tokens = np.maximum(tokens, scale_tokens(instance, gpu, N, n))
                    ok = domain & np.isfinite(tokens) & (tokens <= cap * (1 + FEAS_TOL))
                    tokens = np.where(ok, tokens, 1.0)
                sec = (s_tok * tokens + a_sec) * eff
                hours = sec / 3600.0
                days = sec / (86400.0 * n)
                ok &= n <= useful_gpus(instance, gpu, N, tokens) * (1 + FEAS_TOL)
                cost = hours * price * f_dev + staff * days + data.usd_per_token * tokens + fixed
                if rented:
                    cost = (rent_usd(price, n, available, term, contracted, days) + hours * price * (f_dev - 1.0)
                            + staff * days + data.usd_per_token * tokens + fixed)
                co2 = hours * co2ph * f_dev + fleet_co2
                flops = f_tok * tokens + align_flops[:, :, None]
                ok &= _within(cost, limits.budget_usd) & _within(co2, limits.max_co2_t)
                ok &= _within(days, limits.deadline_days) & _within(flops, limits.max_training_flops)
                if objective == "cost":
                    value = cost + serve_per_n * N
                elif objective == "co2":
                    value = co2 + serve_per_n * N
                elif objective == "weighted":
                    value = cost + cp * co2 + serve_per_n * N
                elif objective == "time":
                    value = days
                else:
                    value = law_loss(instance.scaling_law, N, tokens, data.unique_tokens, data.repetition_rstar)
                value = np.broadcast_to(value, domain.shape)
                feasible += int(ok.sum()) * n_serving
                if not ok.any():
                    continue
                masked = np.where(ok, value, np.inf)
                low = float(masked.min())
                if low > best_value + TIE * abs(best_value):
                    continue
                best_value = min(best_value, low)
                shape = domain.shape
                life_cost = np.broadcast_to(cost + (serve[3] * N if serve is not None else 0.0), shape)
                life_co2 = np.broadcast_to(co2 + (serve[4] * N if serve is not None else 0.0), shape)
                every_days = np.broadcast_to(days, shape)
                every_tokens = np.broadcast_to(tokens, shape)
                for i, m, j in np.argwhere(masked <= low + TIE * abs(low)):
                    tied.append((float(masked[i, m, j]), (
                        float(life_co2[i, m, j]), float(life_cost[i, m, j]), float(every_days[i, m, j]),
                        int(n[0, 0, j]), float(params[i]), gpu.name, region.name, names[m] or ""),
                        FixedPlan.model_construct(model_params=float(params[i]), tokens=float(every_tokens[i, m, j]),
                                                  gpu=gpu.name, gpu_count=int(n[0, 0, j]), region=region.name,
                                                  alignment=names[m])))
    if tied:
        # ties (equal values within TIE relative): less CO2, less cost, less time, fewer GPUs, then
        # the smaller model and the names in alphabetical order
        finalists = [t for t in tied if t[0] <= best_value + TIE * abs(best_value)]
        for position in range(3):       # CO2, cost, days: each within TIE of the least
            least = min(t[1][position] for t in finalists)
            finalists = [t for t in finalists if t[1][position] <= least + TIE * abs(least)]
        best_plan = min(finalists, key=lambda t: t[1][3:])[2]
    if best_plan is None:
        return BruteForceResult("infeasible", objective, None, None, None, None, candidates, feasible)
    serving = (serve[0].name, serve[1].name) if serve is not None else None
    fig = price_plan(instance, best_plan, serving)
    assert math.isclose(fig["objective_value"], best_value, rel_tol=1e-9, abs_tol=1e-300), (fig, best_value)
    return BruteForceResult("optimal", objective, best_value, best_plan, serving, fig, candidates, feasible,
                            {"dmin": dict(zip(map(float, params), map(float, dmin)))})


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json
    import time

    from planner.input.loading import load_instance

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = brute_force(load_instance(args.instance))
    print(json.dumps({
        "status": result.status,
        "objective": result.objective,
        "objective_value": result.objective_value,
        "plan": result.plan.model_dump() if result.plan else None,
        "serving": result.serving,
        "candidates": result.candidates,
        "feasible": result.feasible,
        "seconds": time.perf_counter() - start,
    }, indent=2))
    return 0 if result.status == "optimal" else 3


if __name__ == "__main__":
    raise SystemExit(main())
