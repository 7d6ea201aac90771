"""Calibrate the catalog's RL rollout throughput on published post-training runs, and check it.

    python scripts/calibrate_post_training.py          # prints the table of docs/validation.md sec. 4

Each run is written with the keys of an `rl:` stage (planner/input/schema.py Rl) from its public
description, and priced by the planner's own formulas (planner.formulas.post_training with the
catalog GPU's calibrated training curve at BF16, exactly what `plan evaluate` computes for the stage
alone on a dense model, failures left out). One number is fitted per regime, `rollout_mfu` (the
share of the peak a generating GPU reaches while decoding), on a CALIBRATION run; the CHECK runs
use the fitted number and nothing else of theirs but their published mechanics:

    colocated (generation_share 1): DeepSeek-R1-Zero, 198 h on 512 H800 (Nature 2025 supplement)
    split     (one vLLM engine beside the learners): Tulu 3 405B, ~35 min per step on 256 H100

`own rollout_mfu` in the table is the value each run would need to be reproduced exactly (for a
check run: what its published hours imply, never used to predict it). `P10-P90` is the band `plan
evaluate` prints around the prediction: the throughput spread of the GPU's `mfu_spread` cell at the
run's size (planner.formulas.spread, measured on pretraining runs), which scales every GPU-second of
the cluster, rollouts included.

Numbers not published are named as assumptions beside each run. Deterministic, well under a second.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from planner.formulas.post_training import recipe_coefficients, recipe_seconds  # noqa: E402
from planner.formulas.spread import Band, Figure, band, cell_for  # noqa: E402
from planner.formulas.throughput import flop_rate, peak_flops  # noqa: E402
from planner.input.loading import instance_from_dict  # noqa: E402
from planner.input.schema import Recipe  # noqa: E402


def ppo_learner_flops(epochs: int, value_ratio: float) -> float:
    """open-instruct PPO (ppo_vllm_thread_ray_gtrl.py): `epochs` passes of the policy (6 each),
    reference and old-policy forwards (2 + 2), a value model value_ratio x N trained as often
    (6 each) and read once (2)."""
    return 6 * epochs + 4 + value_ratio * (6 * epochs + 2)


@dataclass(frozen=True)
class Run:
    name: str
    role: str                    # calibration (fits rollout_mfu of its regime) | check
    regime: str                  # colocated | split
    gpu: str
    params: float                # active parameters
    rl: dict                     # the rl: keys (rollout_mfu filled from the regime)
    published_gpu_hours: float
    source: str
    assumptions: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict)
    counted: bool = True         # a check run whose mechanics are all published (False: shown, not counted)


def simplerl_zoo_run(model: str, params: float, steps: int, response_tokens: int, gpu_hours: float,
                     published: str, note: str = "") -> Run:
    """A SimpleRL-Zoo check run (Zeng et al., arXiv:2503.18892; hkust-nlp/simpleRL-reason README): veRL GRPO,
    colocated, 1,024 prompts x 8 samples per step (train_batch_size 1024, rollout_n 8) on H100s."""
    return Run(f"SimpleRL-Zoo {model}", "check", "colocated", "H100", params,
               {"prompts_per_step": 1024, "samples_per_prompt": 8, "steps": steps, "response_tokens": response_tokens,
                "prompt_tokens": 200, "learner_flops_per_param_token": 8},
               gpu_hours,
               "Zeng et al., arXiv:2503.18892; hkust-nlp/simpleRL-reason README: train_batch_size 1024 prompts, "
               f"rollout_n 8 (veRL GRPO, colocated); {published}",
               "prompts 200 tokens, GRPO learner 8, as DeepSeek-R1-Zero", note)


RUNS = [
    Run("DeepSeek-R1-Zero RL", "calibration", "colocated", "H800", 37e9,
        {"prompts_per_step": 32, "samples_per_prompt": 16, "steps": 10_400, "response_tokens": 8000,
         "prompt_tokens": 200, "learner_flops_per_param_token": 8},
        198 * 512,
        "Guo et al., Nature 645 (2025), methods and supplement: 32 questions x 16 samples per step, "
        "10,400 steps; 198 h on 512 H800 (101K GPU-hours)",
        "mean response 8,000 tokens (the curve of Nature Fig. 1b rises from ~1K to ~15K); prompts 200 tokens"),
    Run("Tulu 3 405B RLVR, one step", "calibration", "split", "H100", 405e9,
        {"prompts_per_step": 1856, "samples_per_prompt": 1, "steps": 1, "response_tokens": 400,
         "prompt_tokens": 150, "learner_flops_per_param_token": ppo_learner_flops(4, 8 / 405),
         "generation_share": 16 / 256},
        35 / 60 * 256,
        "allenai.org/blog/tulu-3-405B: 256 H100, 16 of them vLLM, ~35 min per step; open-instruct "
        "docs/tulu3.md: 232 learners x 8 prompts per step, 1 sample, response <= 1,024, 4 PPO epochs, 8B value model",
        "mean response 400 tokens (MATH solutions, cap 1,024); prompts 150 tokens"),
    Run("open-instruct Tulu 3 70B RLVR", "check", "split", "H100", 70e9,
        {"prompts_per_step": 640, "samples_per_prompt": 1, "steps": 400_000 / 640, "response_tokens": 400,
         "prompt_tokens": 150, "learner_flops_per_param_token": ppo_learner_flops(4, 8 / 70),
         "generation_share": 8 / 48},
        60 * 48,
        "allenai/open-instruct#484: 'the full 70B RL run takes ~60 hours on 48 GPUs'; docs/tulu3.md: "
        "400,000 episodes, 40 learners x 16 prompts, 1 vLLM engine (8 GPUs), 4 PPO epochs, 8B value model",
        "as Tulu 3 405B: mean response 400, prompts 150 tokens"),
    Run("open-instruct Tulu 3 8B RLVR", "check", "split", "H100", 8e9,
        {"prompts_per_step": 224, "samples_per_prompt": 1, "steps": 100_000 / 224, "response_tokens": 400,
         "prompt_tokens": 150, "learner_flops_per_param_token": ppo_learner_flops(4, 1.0),
         "generation_share": 1 / 8},
        65 * 8,
        "allenai/open-instruct#485: '~65 hours on 8 GPUs'; docs/tulu3.md: 7 learners x 32 prompts, 1 vLLM "
        "GPU, 4 PPO epochs, 8B value model; 100,000 episodes (paper Table 21)",
        "as Tulu 3 405B",
        "episodes uncertain: open-instruct#626, the run was set to 10M episodes and an intermediate "
        "checkpoint released; 65 h is more than 100,000 episodes", counted=False),
    simplerl_zoo_run("Qwen2.5-32B", 32.5e9, 155, 740, 36 * 64,
                     "8x8 H100-80G, 'completing the training in 1.5 days'; max response 8,192, vLLM tensor "
                     "parallel 8; 155 steps and mean response 740 tokens read from the README's Figure 1 "
                     "(Qwen-2.5-32B panel: points every 5 steps up to step 155; the length curve runs "
                     "0.63K-0.86K after step 0)"),
    simplerl_zoo_run("Qwen2.5-7B", 7.6e9, 100, 830, 15 * 16,
                     "'2x8 H100-80G GPUs to train 7B and 14B models for approximately 100 steps over 15 "
                     "hours'; max response 8,192, vLLM tensor parallel 2; mean response 830 tokens read from "
                     "the README's Figure 1 (Qwen-2.5-7B panel, steps 0-100: 0.66K-1.02K)",
                     "the figure's curve runs to step 120, not 100; at 120 steps the prediction is higher still"),
]


def instance_for(gpu: str):
    return instance_from_dict({"scaling_law": "epoch2024", "model_sizes": [1e9], "gpus": [{"name": gpu, "available": 8}],
                               "regions": [{"name": "r", "carbon_g_per_kwh": 0}]}, for_solving=False)


def predicted_gpu_hours(run: Run, rollout_mfu: float) -> float:
    """GPU-hours of the run's RL stage by planner.formulas.post_training (BF16, dense, no failures)."""
    instance = instance_for(run.gpu)
    gpu = instance.gpus[0]
    recipe = Recipe.model_validate({"name": run.name, "stages": [
        {"name": "rl", "rl": {**run.rl, "rollout_mfu": rollout_mfu}}]})
    seconds = recipe_seconds(recipe_coefficients(recipe), run.params, 0.0, flop_rate(instance, gpu, run.params),
                             peak_flops(gpu, "bf16"), instance.flops_per_param_token)
    return seconds / 3600.0


def fitted_rollout_mfu(run: Run) -> float:
    """The rollout_mfu at which the run's predicted GPU-hours equal the published ones: GPU-hours are
    a + b / rollout_mfu, so two evaluations give a and b."""
    at_one = predicted_gpu_hours(run, 1.0)
    at_half = predicted_gpu_hours(run, 0.5)
    b = at_half - at_one           # b / 0.5 - b / 1
    a = at_one - b
    return b / (run.published_gpu_hours - a)


def calibrate() -> dict[str, float]:
    """Regime -> rollout_mfu fitted on its calibration run."""
    return {run.regime: fitted_rollout_mfu(run) for run in RUNS if run.role == "calibration"}


def error_of(run: Run, fits: dict[str, float]) -> float:
    """Predicted over published GPU-hours, minus one, at the regime's fitted rollout_mfu."""
    return predicted_gpu_hours(run, fits[run.regime]) / run.published_gpu_hours - 1


def spread_band(run: Run, fits: dict[str, float]) -> Band:
    """P10/P50/P90 of the predicted GPU-hours under the throughput spread of the run's GPU at its size."""
    cell = cell_for(instance_for(run.gpu).gpus[0].mfu_spread, run.params)
    return band(Figure(predicted_gpu_hours(run, fits[run.regime])), cell.log_mean, cell.log_sd)


def table() -> str:
    fits = calibrate()
    lines = ["| run | role | GPU | published GPU-hours | model | error | P10-P90 | inside | rollout_mfu | "
             "own rollout_mfu |", "|---|---|---|---|---|---|---|---|---|---|"]
    for run in RUNS:
        model = predicted_gpu_hours(run, fits[run.regime])
        role = run.role if run.counted else f"{run.role} (not counted)"
        b = spread_band(run, fits)
        inside = "yes" if b.p10 <= run.published_gpu_hours <= b.p90 else "no"
        lines.append(f"| {run.name} | {role} | {run.gpu} | {run.published_gpu_hours:,.0f} | {model:,.0f} | "
                     f"{error_of(run, fits):+.1%} | {b.p10:,.0f}-{b.p90:,.0f} | {inside} | "
                     f"{fits[run.regime]:.4f} ({run.regime}) | {fitted_rollout_mfu(run):.4f} |")
    return "\n".join(lines)


def main() -> int:
    fits = calibrate()
    print("rollout_mfu fitted: " + ", ".join(f"{k} {v:.4f}" for k, v in fits.items()))
    print(table())
    for run in RUNS:
        print(f"- {run.name}: {run.source}. Assumptions: {run.assumptions}." + (f" {run.note}." if run.note else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
