"""The MIP against the brute-force enumerator (checks.brute_force.stage_parts: its own step-by-step
arithmetic) on random instances whose recipes use the post-training keys of issue 20: `rl:` stages
(prompts, samples, steps, lengths, rollout_mfu, learner FLOPs, reward model, verifiers) and
`share_of_pretraining`, mixed with stages given as tokens.

The instances are the seeded families of test_brute_force_agreement (sections 1-5 and 6), with
their recipes replaced by 1-3 random post-training recipes and their limits drawn again around the
new optimum, so that post-training moves the answer (checked by test_post_training_moves_answers).
"""

from __future__ import annotations

import copy
import math
import random

import pytest

from checks.brute_force import brute_force
from planner.input.loading import instance_from_dict
from test_brute_force_agreement import _log_uniform, _tighten, check_agreement, make_instance

SEEDS = range(3000, 3070)


def _rl_stage(rng: random.Random, j: int) -> dict:
    rl = {"prompts_per_step": rng.choice([8, 32, 128]), "samples_per_prompt": rng.choice([1, 4, 16]),
          "steps": rng.choice([10, 100, 1000]), "response_tokens": _log_uniform(rng, 100, 20000),
          "rollout_mfu": rng.uniform(0.01, 0.4)}
    if rng.random() < 0.5:
        rl["prompt_tokens"] = rng.uniform(0, 2000)
    if rng.random() < 0.4:
        rl["learner_flops_per_param_token"] = rng.choice([6, 8, 16])
    if rng.random() < 0.4:
        rl["reward_model_params_ratio"] = rng.choice([0.1, 1.0])
    if rng.random() < 0.4:
        rl["verifier_usd_per_sample"] = rng.choice([0.0001, 0.01])
    draw = rng.random()
    if draw < 0.3:
        rl["generation_share"] = rng.choice([0.0625, 0.25, 0.5])
    elif draw < 0.6:
        rl["rollout_fleet"] = "separate"
    stage = {"name": f"rl{j}", "rl": rl}
    if rng.random() < 0.3:
        stage["mfu_factor"] = rng.choice([0.5, 0.8])
    return stage


def _stage(rng: random.Random, j: int) -> dict:
    kind = rng.random()
    if kind < 0.5:
        return _rl_stage(rng, j)
    if kind < 0.75:
        stage = {"name": f"share{j}", "share_of_pretraining": _log_uniform(rng, 0.001, 0.5)}
        if rng.random() < 0.3:
            stage["mfu_factor"] = rng.choice([0.25, 0.5])
        return stage
    return {"name": f"sft{j}", "tokens": _log_uniform(rng, 1e7, 2e9), "flops_per_param_token": 6,
            "samples": rng.choice([0, 20000]), "usd_per_sample": rng.choice([0, 6])}


def make_post_training_instance(seed: int) -> dict:
    d = make_instance(seed, extended=seed % 2 == 1)
    rng = random.Random(seed * 7 + 1)
    recipes = []
    for i in range(rng.randint(1, 3)):
        recipe = {"name": f"P{i}", "quality": round(rng.uniform(0, 1), 2),
                  "stages": [_stage(rng, j) for j in range(rng.randint(1, 3))]}
        if rng.random() < 0.3:
            recipe["fixed_usd"] = rng.uniform(0, 20000)
        recipes.append(recipe)
    d["alignment"] = {"recipes": recipes}
    for gpu in d["gpus"]:           # a measured throughput spread on some GPUs (issue 20)
        if rng.random() < 0.5:
            split = _log_uniform(rng, 1e8, 3e10)
            gpu["mfu_spread"] = [{"min_params": 0.0, "max_params": split, "log_mean": rng.uniform(-0.1, 0.1),
                                  "log_sd": rng.uniform(0.1, 0.4)},
                                 {"min_params": split, "max_params": 1e15, "log_mean": 0.0,
                                  "log_sd": rng.uniform(0.1, 0.4)}]
    d["limits"] = {}
    ref_loss = d.get("targets", {}).get("max_loss", 2.5)
    _tighten(rng, d, ref_loss)
    if d["objective"] == "loss" and not d["limits"] and "max_epochs" not in d.get("data", {}):
        d["limits"] = {"max_training_flops": 1e22 * _log_uniform(rng, 0.01, 10)}
    if rng.random() < 0.4:
        d["limits"]["confidence"] = rng.choice([0.5, 0.8, 0.9, 0.95])
    return d


POST = {seed: make_post_training_instance(seed) for seed in SEEDS}


@pytest.mark.parametrize("seed", SEEDS)
def test_post_training_keys_agree_with_brute_force(seed: int) -> None:
    check_agreement(POST[seed])


def test_post_training_moves_answers() -> None:
    """Not vacuous: in many instances the optimum's value changes when the post-training recipes
    are replaced by a free one, and both statuses occur."""
    moved = statuses = 0
    seen = set()
    for seed in SEEDS[:30]:
        d = POST[seed]
        result = brute_force(instance_from_dict(d))
        seen.add(result.status)
        if result.status != "optimal":
            continue
        free = copy.deepcopy(d)
        free["alignment"] = {"recipes": [{"name": "free", "stages": [
            {"name": "tiny", "tokens": 1.0, "flops_per_param_token": 1e-3}]}]}
        other = brute_force(instance_from_dict(free))
        if other.status != "optimal" or not math.isclose(other.objective_value, result.objective_value,
                                                          rel_tol=1e-6):
            moved += 1
        statuses += 1
    assert seen == {"optimal", "infeasible"}
    assert moved >= 10, (moved, statuses)
