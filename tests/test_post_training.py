"""Post-training formulas (planner.formulas.post_training) against arithmetic written out by hand."""

import copy

import pytest

from planner.errors import InputError
from planner.formulas.evaluate import evaluate_plan
from planner.formulas.post_training import recipe_coefficients
from planner.input.loading import instance_from_dict
from planner.input.schema import Recipe

RL = {"prompts_per_step": 32, "samples_per_prompt": 16, "steps": 10, "response_tokens": 1000,
      "prompt_tokens": 100, "rollout_mfu": 0.1, "learner_flops_per_param_token": 8,
      "reward_model_params_ratio": 0.5, "verifier_usd_per_sample": 0.01}

BASE = {
    "scaling_law": {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28},
    "model_sizes": [1e10],
    "targets": {"max_loss": 2.2},
    "gpus": [{"name": "X", "peak_tflops": 1000, "peak_fp8_tflops": 2000, "mfu": 0.5, "mfu_fp8": 0.4,
              "watts": 500, "memory_gb": 80, "usd_per_gpu_hour": 2.0, "available": 64}],
    "regions": [{"name": "r", "carbon_g_per_kwh": 300}],
    "alignment": {"recipes": [{"name": "R", "fixed_usd": 1000, "stages": [
        {"name": "rl", "rl": RL, "mfu_factor": 0.5}]}]},
    "plan": {"model_params": 1e10, "tokens": 2e11, "gpu": "X", "gpu_count": 64, "region": "r", "alignment": "R"},
}


def _recipe(stages, fixed=0.0):
    return Recipe.model_validate({"name": "t", "fixed_usd": fixed, "stages": stages})


def test_rl_coefficients_by_hand():
    coef = recipe_coefficients(_recipe([{"name": "rl", "rl": RL, "mfu_factor": 0.5}], fixed=1000))
    # Q = 32 x 16 x 10 = 5,120 samples
    # decode per parameter: 2 x 1,000 x 5,120 = 1.024e7 FLOP, at rollout_mfu 0.1 -> work 1.024e8
    assert coef.decode_work == pytest.approx(1.024e8)
    # learner: 8 x 1,100 + prefill 2 x 100 + reward model 2 x 0.5 x 1,100 = 10,100 per sample
    # -> 10,100 x 5,120 = 5.1712e7 FLOP per parameter, at mfu_factor 0.5 -> work 1.03424e8
    assert coef.train_work == pytest.approx(1.03424e8)
    assert coef.flops == pytest.approx(1.024e7 + 5.1712e7)
    # verifiers 0.01 x 5,120 = 51.2 USD, plus fixed 1,000
    assert coef.usd == pytest.approx(1051.2)
    assert coef.share_work == 0 and coef.share_flops == 0


def test_split_cluster_by_hand():
    # a quarter of the GPUs decode while three quarters wait, then three quarters train:
    # decode work 1.024e7 / (0.1 x 0.25) = 4.096e8; learner 5.1712e7 / (0.5 x 0.75) = 1.378987e8
    coef = recipe_coefficients(_recipe([{"name": "rl", "rl": {**RL, "generation_share": 0.25},
                                         "mfu_factor": 0.5}]))
    assert coef.decode_work == pytest.approx(4.096e8)
    assert coef.train_work == pytest.approx(5.1712e7 / 0.375)
    assert coef.flops == pytest.approx(1.024e7 + 5.1712e7)   # the FLOPs do not change


def test_tokens_stage_keeps_its_meaning():
    coef = recipe_coefficients(_recipe([{"name": "sft", "tokens": 1e9, "flops_per_param_token": 6,
                                         "mfu_factor": 0.5, "samples": 100, "usd_per_sample": 5}]))
    assert coef.flops == pytest.approx(6e9)
    assert coef.train_work == pytest.approx(1.2e10)
    assert coef.decode_work == 0
    assert coef.usd == pytest.approx(500)


def test_rl_plan_priced_by_hand():
    inst = instance_from_dict(BASE)
    m = evaluate_plan(inst, inst.plan)
    n = 1e10
    # pretraining 6 x 1e10 x 2e11 = 1.2e22 FLOP at 1e15 x 0.5 = 5e14 FLOP/s -> 2.4e7 GPU-s
    # learner 5.1712e7 x 1e10 = 5.1712e17 FLOP at 5e14 x 0.5 -> 2.06848e3 GPU-s
    # rollouts 1.024e7 x 1e10 = 1.024e17 FLOP at 1e15 x 0.1 = 1e14 -> 1.024e3 GPU-s
    seconds = 2.4e7 + 5.1712e17 / 2.5e14 + 1.024e17 / 1e14
    assert m.gpu_hours == pytest.approx(seconds / 3600)
    assert m.flops.alignment == pytest.approx((5.1712e7 + 1.024e7) * n)
    assert m.cost_usd.annotation == pytest.approx(51.2)
    assert m.cost_usd.fixed == pytest.approx(1000)


def test_fp8_moves_rollouts_and_learner_together():
    d = copy.deepcopy(BASE)
    d["precision"] = "fp8"
    inst = instance_from_dict(d)
    m = evaluate_plan(inst, inst.plan)
    # fp8: training rate 2e15 x 0.4 = 8e14; rollouts at 2e15 x 0.1 = 2e14 (the FP8 peak)
    seconds = 1.2e22 / 8e14 + 5.1712e17 / (8e14 * 0.5) + 1.024e17 / 2e14
    assert m.gpu_hours == pytest.approx(seconds / 3600)


def test_share_of_pretraining_by_hand():
    d = copy.deepcopy(BASE)
    d["alignment"]["recipes"][0]["stages"] = [{"name": "rl", "share_of_pretraining": 0.1, "mfu_factor": 0.5}]
    inst = instance_from_dict(d)
    m = evaluate_plan(inst, inst.plan)
    # 10% of 1.2e22 = 1.2e21 FLOP at 5e14 x 0.5 -> 4.8e6 GPU-s, beside pretraining's 2.4e7
    assert m.flops.alignment == pytest.approx(1.2e21)
    assert m.gpu_hours == pytest.approx((2.4e7 + 4.8e6) / 3600)


@pytest.mark.parametrize("stage, field", [
    ({"name": "x"}, "give exactly one of"),
    ({"name": "x", "tokens": 1e9, "flops_per_param_token": 6, "share_of_pretraining": 0.1}, "got tokens, share"),
    ({"name": "x", "share_of_pretraining": 0.0}, "share_of_pretraining"),
    ({"name": "x", "rl": {**RL, "rollout_mfu": 1.5}}, "rollout_mfu"),
    ({"name": "x", "rl": {**RL, "samples_per_prompt": 0}}, "samples_per_prompt"),
])
def test_bad_post_training_stages(stage, field):
    d = copy.deepcopy(BASE)
    d["alignment"]["recipes"][0]["stages"] = [stage]
    with pytest.raises(InputError) as err:
        instance_from_dict(d)
    assert field in str(err.value)


def test_reasoning_rl_is_a_few_percent_of_a_v3_sized_plan():
    """With reasoning RL required, a DeepSeek-V3-sized plan spends a few percent of its GPU-hours on
    post-training (DeepSeek-R1: 147K of V3's 2.664M H800-hours, 5.5%); an instruct recipe far less."""
    from planner.input.loading import load_instance
    from planner.optimize.pipeline import solve_instance
    from planner.optimize.solve import SolveOptions

    base = load_instance("instances/deepseek-v3-like.yaml")
    shares = {}
    for recipe in ("R1-Reasoning", "GRPO"):
        data = base.model_dump(exclude_none=True)
        data["alignment"]["recipes"] = [r for r in data["alignment"]["recipes"] if r["name"] == recipe] or [recipe]
        result = solve_instance(instance_from_dict(data), SolveOptions(), explain=False)
        post = result.metrics.post_training
        # the share, by hand from the plan's own figures
        assert post.gpu_hours_share == pytest.approx(post.gpu_hours / result.metrics.gpu_hours)
        shares[recipe] = post.gpu_hours_share
    assert 0.01 < shares["R1-Reasoning"] < 0.10
    assert shares["GRPO"] < 0.005


def test_post_training_in_json_and_csv():
    from planner.formulas.record import flat as flatten, plan_record as plan_dict

    inst = instance_from_dict(BASE)
    m = evaluate_plan(inst, inst.plan)
    row = flatten(plan_dict(m))
    for key in ("gpu_hours", "cost_usd", "co2_t", "flops", "gpu_hours_share", "cost_share", "co2_share"):
        assert f"post_training.{key}" in row
    # the part of the cost the recipe causes: its GPU-seconds at the plan's price, its labels and fixed cost
    post = m.post_training
    assert post.cost_usd == pytest.approx(post.gpu_hours * 2.0 + 51.2 + 1000)
    assert post.cost_share == pytest.approx(post.cost_usd / m.cost_usd.total)


@pytest.mark.parametrize("changes, expected", [
    ({}, "RLAIF"),
    ({("RLAIF", 1, "usd_per_sample"): 0.2}, "GRPO"),                 # a dearer judge: RLVR instead
    ({"min_quality": 0.95}, "R1-Reasoning"),
    ({"min_quality": 0.95, ("R1-Reasoning", 1, "rollout_mfu"): 0.004}, "V3.2-Reasoning"),  # slower decoding
])
def test_recipe_choice_moves_with_label_price_and_rollout_throughput(changes, expected):
    """docs/post-training.md's what-if, on instances/post-training-choice.yaml."""
    from planner.input.loading import load_instance
    from planner.optimize.pipeline import solve_instance
    from planner.optimize.solve import SolveOptions

    data = load_instance("instances/post-training-choice.yaml").model_dump(exclude_none=True)
    for key, value in changes.items():
        if key == "min_quality":
            data["alignment"]["min_quality"] = value
            continue
        name, stage, field = key
        recipe = next(r for r in data["alignment"]["recipes"] if r["name"] == name)
        target = recipe["stages"][stage]
        (target["rl"] if field == "rollout_mfu" else target)[field] = value
    result = solve_instance(instance_from_dict(data), SolveOptions(), explain=False)
    assert result.plan.alignment == expected


def test_separate_rollout_fleet_by_hand():
    """Rollouts on a separate fleet: paid GPU-hours at the plan's price and CO2, not on the clock."""
    d = copy.deepcopy(BASE)
    d["alignment"]["recipes"][0]["stages"][0]["rl"] = {**RL, "rollout_fleet": "separate"}
    inst = instance_from_dict(d)
    m = evaluate_plan(inst, inst.plan)
    cluster_seconds = 2.4e7 + 5.1712e17 / 2.5e14          # pretraining + learner, as above
    fleet_hours = 1.024e17 / 1e14 / 3600                   # rollouts at 1e15 x 0.1, beside the cluster
    assert m.duration_days == pytest.approx(cluster_seconds / (86400 * 64))
    assert m.gpu_hours == pytest.approx(cluster_seconds / 3600 + fleet_hours)
    assert m.cost_usd.compute == pytest.approx((cluster_seconds / 3600 + fleet_hours) * 2.0)
    # energy = all GPU-hours x 0.5 kW (PUE 1); operational CO2 = energy x 300 g/kWh = 0.3 t per MWh
    assert m.energy_mwh == pytest.approx((cluster_seconds / 3600 + fleet_hours) * 0.5 / 1000)
    assert m.co2_t.operational == pytest.approx(m.energy_mwh * 0.3)
    post = m.post_training
    assert post.fleet_gpu_hours == pytest.approx(fleet_hours)
    # the fleet that keeps pace: its GPU-hours over the post-training's wall-clock hours on 64 GPUs
    assert post.fleet_gpus == pytest.approx(fleet_hours / (5.1712e17 / 2.5e14 / 64 / 3600))


def test_separate_fleet_needs_no_generation_share():
    d = copy.deepcopy(BASE)
    d["alignment"]["recipes"][0]["stages"][0]["rl"] = {**RL, "rollout_fleet": "separate", "generation_share": 0.5}
    with pytest.raises(InputError) as err:
        instance_from_dict(d)
    assert "generation_share" in str(err.value)
