"""Post-training (alignment) compute and cost of a recipe, stage by stage (issue 20).

A recipe's stages run one after another after pretraining. Each stage is one of three forms:

1. Processed tokens (the first edition's form, unchanged):
       F_s = k_s N T_s                 GPU-seconds = F_s / (rate(N) mfu_factor_s)

2. RL from its mechanics (`rl:`). With P prompts per step, G samples per prompt, S steps, prompt
   length L_p and mean response length L_r, the stage draws Q = P G S samples and
       F_gen  = 2 N L_r Q              decoding the responses (forward pass, 2 FLOP per parameter-token:
                                       Kaplan et al. 2020, arXiv:2001.08361)
       F_lrn  = (k_l (L_p + L_r) + 2 L_p + 2 rho (L_p + L_r)) N Q
                                       learner on every sampled sequence (k_l = policy 6 + reference 2
                                       for GRPO, Shao et al. 2024, arXiv:2402.03300; PPO adds a critic),
                                       the prompt prefill (2 L_p) and a reward model rho N parameters in
                                       size reading each sequence once (2 rho (L_p + L_r))
       GPU-seconds = F_gen / (peak rollout_mfu phi) + F_lrn / (rate(N) mfu_factor_s (1 - phi))
   with phi = generation_share < 1: a synchronous split cluster, phi of the GPUs decode while the
   others wait, then the others train while these wait (open-instruct's PPO: one vLLM engine beside
   the learners, Lambert et al. 2024, arXiv:2411.15124); every GPU is paid for the whole time, so
   each phase's GPU-seconds are its work over the share of GPUs doing it. phi = 1 (the default) is
   a colocated cluster (every GPU generates, then every GPU trains: DeepSeek's and veRL's hybrid
   engine): GPU-seconds = F_gen / (peak rollout_mfu) + F_lrn / (rate(N) mfu_factor_s).
   With rollout_fleet: separate the responses are decoded on a separate inference fleet of the plan's
   GPU type in its region (asynchronous RL, e.g. MiniMax-M1, arXiv:2506.13585): the fleet's
   GPU-hours F_gen / (peak rollout_mfu) / 3600 are paid at the plan's price and CO2 per GPU-hour
   but are not on the training cluster's critical path (no failure waste, no development factor);
   the fleet is sized to keep pace: GPUs = its GPU-hours / the post-training's wall-clock hours.
   Decoding is memory-bound (Pope et al. 2022, arXiv:2211.05102), so rollouts run at their own
   share `rollout_mfu` of the GPU's peak (per generating GPU), not at the training MFU curve. `peak` is the dense peak at
   the instance `precision` and `rate(N)` the training rate at the same precision
   (planner.formulas.throughput), so a change of precision moves rollouts and learner together.
   Verifiers outside the GPUs (sandboxes, unit tests) cost verifier_usd_per_sample x Q.

3. A share of pretraining compute (`share_of_pretraining: f`, e.g. DeepSeek-V3.2's RL above 10%
   of pretraining, arXiv:2512.02556):
       F_s = f k N D                   GPU-seconds = F_s / (rate(N) mfu_factor_s)
   with k the instance's flops_per_param_token and D the plan's pretraining tokens.

Labels: samples_s x usd_per_sample_s per stage; the recipe's fixed_usd once.

Every figure is linear in N (and, for form 3, in N D), so a recipe reduces to per-parameter
coefficients (RecipeCoefficients) that the evaluator and planner.optimize.derive both use:

    GPU-seconds = N (train_work / rate(N) + decode_work / peak) + D N k share_work / rate(N)
    fleet GPU-hours = N fleet_work / peak / 3600     (rollout_fleet: separate; beside the cluster)
    FLOPs       = N flops + D N k share_flops
    USD         = usd
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.formulas.units import SECONDS_PER_HOUR
from planner.input.schema import Recipe, Rl, Stage

#: FLOPs per parameter per token of a forward pass (decoding, prefill, a reward model reading a sample).
FORWARD_FLOPS_PER_PARAM_TOKEN = 2.0


@dataclass(frozen=True)
class RecipeCoefficients:
    """A recipe's compute and cost per policy parameter (module docstring)."""

    train_work: float     # sum F/(N mfu_factor) of the parts at the training rate: seconds = N train_work / rate(N)
    decode_work: float    # sum F_gen/(N rollout_mfu): seconds = N decode_work / peak
    flops: float          # sum F/N of forms 1 and 2
    share_work: float     # sum f_s / mfu_factor_s (form 3): seconds = D N k share_work / rate(N)
    share_flops: float    # sum f_s (form 3): FLOPs = D N k share_flops
    usd: float            # labels + verifiers + fixed_usd
    fleet_work: float = 0.0   # sum F_gen/(N rollout_mfu) decoded on a separate fleet: GPU-s = N fleet_work / peak


def rl_samples(rl: Rl) -> float:
    """Q = P G S: the samples an RL stage draws over its steps."""
    return rl.prompts_per_step * rl.samples_per_prompt * rl.steps


def rl_decode_flops_per_param(rl: Rl) -> float:
    """F_gen / N = 2 L_r Q: decoding every sampled response."""
    return FORWARD_FLOPS_PER_PARAM_TOKEN * rl.response_tokens * rl_samples(rl)


def rl_train_flops_per_param(rl: Rl) -> float:
    """F_lrn / N = (k_l (L_p + L_r) + 2 L_p + 2 rho (L_p + L_r)) Q: learner, prefill, reward model."""
    sequence = rl.prompt_tokens + rl.response_tokens
    per_sample = (rl.learner_flops_per_param_token * sequence + FORWARD_FLOPS_PER_PARAM_TOKEN * rl.prompt_tokens
                  + FORWARD_FLOPS_PER_PARAM_TOKEN * rl.reward_model_params_ratio * sequence)
    return per_sample * rl_samples(rl)


def stage_usd(stage: Stage) -> float:
    """Labels bought for the stage plus, for an RL stage, its verifier cost per sample."""
    usd = stage.samples * stage.usd_per_sample
    if stage.rl is not None:
        usd += stage.rl.verifier_usd_per_sample * rl_samples(stage.rl)
    return usd


def recipe_coefficients(recipe: Recipe) -> RecipeCoefficients:
    """The per-parameter coefficients of `recipe` (module docstring), summed over its stages."""
    train_work = decode_work = flops = share_work = share_flops = fleet_work = 0.0
    for stage in recipe.stages:
        if stage.rl is not None:
            train = rl_train_flops_per_param(stage.rl)
            decode = rl_decode_flops_per_param(stage.rl)
            phi = stage.rl.generation_share
            train_work += train / (stage.mfu_factor * (1.0 - phi if phi < 1.0 else 1.0))
            if stage.rl.rollout_fleet == "separate":
                fleet_work += decode / stage.rl.rollout_mfu
            else:
                decode_work += decode / (stage.rl.rollout_mfu * phi)
            flops += train + decode
        elif stage.share_of_pretraining is not None:
            share_work += stage.share_of_pretraining / stage.mfu_factor
            share_flops += stage.share_of_pretraining
        else:
            train_work += stage.flops_per_param_token * stage.tokens / stage.mfu_factor
            flops += stage.flops_per_param_token * stage.tokens
    usd = sum(stage_usd(s) for s in recipe.stages) + recipe.fixed_usd
    return RecipeCoefficients(train_work, decode_work, flops, share_work, share_flops, usd, fleet_work)


def recipe_seconds(coef: RecipeCoefficients, params, tokens, rate, peak, flops_per_param_token: float):
    """Ideal GPU-seconds of the recipe for a model of `params` trained on `tokens`:
    N (train_work / rate + decode_work / peak) + D N k share_work / rate."""
    return coef.train_work * params / rate + coef.decode_work * params / peak \
        + flops_per_param_token * params * tokens * coef.share_work / rate


def recipe_flops(coef: RecipeCoefficients, params, tokens, flops_per_param_token: float):
    """FLOPs of the recipe: N flops + D N k share_flops."""
    return params * coef.flops + tokens * params * flops_per_param_token * coef.share_flops


def fleet_gpu_hours(coef: RecipeCoefficients, params, peak):
    """GPU-hours of the separate rollout fleet: N fleet_work / peak / 3600."""
    return coef.fleet_work * params / peak / SECONDS_PER_HOUR
