"""The campaign MIP against exhaustive enumeration (tests/checks/campaign_enumeration.py, its own
arithmetic) on random tiny campaigns: 2 runs x 4 months x 2 sites x 1 GPU type, every key
exercised across the seeds (owned deliveries, reserved blocks with terms, from_month and
max_blocks, on-demand counts by month, grid limits by month, carbon as a value, a list or a
calendar profile, earliest starts, deadlines, precedence, recipes with stages and labels, two
sizes with different memory floors, failures, development factor, staff, lateness, budget and
carbon budget, all four objectives). Same status; same optimum (relative 1e-6, the MIP solved to
a 1e-9 gap here); the evaluator prices the MIP's plan at the MIP's objective."""

from __future__ import annotations

import random

import pytest

from checks.campaign_enumeration import enumerate_optimum, least_tokens, month_hours, variants
from models import campaign_plan
from planner.input.campaign_loading import campaign_from_dict
from planner.optimize.campaign_derive import campaign_data
from planner.optimize.campaign_solve import solve_campaign
from planner.optimize.solve import SolveOptions

SEEDS = range(20)
OBJECTIVES = ("cost", "co2", "weighted", "lateness")
LAW = {"name": "tiny", "E": 0.0, "A": 1.0, "B": 1.0, "alpha": 0.5, "beta": 0.5}


def _month(start: str, t: int) -> str:
    y, m = int(start[:4]), int(start[5:7]) - 1 + t
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


def _gpu(rng: random.Random) -> dict:
    gpu = {"name": "G", "peak_tflops": rng.choice([500.0, 800.0, 1000.0]), "mfu": rng.choice([0.4, 0.5]),
           "watts": rng.choice([700.0, 1000.0]), "memory_gb": 80.0, "gpus_per_node": 8,
           "embodied_kg": rng.choice([0.0, 1500.0])}
    if rng.random() < 0.5:
        gpu["mtbf_hours"] = 50_000.0
    return gpu


def _run(rng: random.Random, name: str, gpu: dict, start: str, node_month: float) -> dict:
    """A run whose lighter variant needs 0.6-2.2 node-months of work."""
    rate = gpu["peak_tflops"] * 1e12 * gpu["mfu"]
    n = 1.0e9
    work_s = rng.uniform(0.6, 2.2) * node_month * 3600
    d = work_s * rate / (6 * n)
    target = LAW["A"] / n ** 0.5 + LAW["B"] / d ** 0.5
    run = {"name": name, "scaling_law": LAW, "model_sizes": [n, rng.choice([1.2e9, 1.5e9])],
           "targets": {"max_loss": target}, "max_gpus": rng.choice([8, 16, 16]),
           "bytes_per_param": rng.choice([16.0, 16.0, 700.0]), "deadline": _month(start, rng.choice([2, 3, 3]))}
    if rng.random() < 0.4:
        run["alignment"] = {"min_quality": 0.5, "recipes": [
            {"name": "cheap", "quality": 0.6, "fixed_usd": rng.choice([0.0, 5000.0]),
             "stages": [{"name": "sft", "tokens": d * 0.05, "flops_per_param_token": 6.0, "samples": 1000,
                         "usd_per_sample": 2.0}]},
            {"name": "slow", "quality": 0.7, "stages": [{"name": "rl", "tokens": d * 0.02,
                                                         "flops_per_param_token": 8.0, "mfu_factor": 0.5}]},
            {"name": "weak", "quality": 0.4, "stages": [{"name": "x", "tokens": 1.0, "flops_per_param_token": 6.0}]}]}
    if rng.random() < 0.3:
        run["development_factor"] = 1.2
    if rng.random() < 0.4:
        run["earliest_start"] = _month(start, 1)
    if rng.random() < 0.4:
        run["staff_usd_per_month"] = rng.choice([1000.0, 20000.0])
    return run


def make_campaign(seed: int) -> dict:
    rng = random.Random(seed)
    start = rng.choice(["2027-01", "2027-11", "2028-01", "2028-02"])
    gpu = _gpu(rng)
    node_month = 8 * 730.0
    objective = OBJECTIVES[seed % 4]
    carbon_a = rng.choice([120.0, [300.0, 250.0, 100.0, 200.0]])
    sites = [{"name": "a", "pue": rng.choice([1.1, 1.3]), "carbon_g_per_kwh": carbon_a},
             {"name": "b", "pue": 1.2, "carbon_g_per_kwh_by_calendar_month": [rng.choice([50.0, 400.0])
                                                                              for _ in range(12)]}]
    mw_node = 8 * gpu["watts"] * 1.2 / 1e6
    if rng.random() < 0.6:
        sites[1]["grid_mw"] = [round(mw_node * rng.choice([1.0, 1.5, 2.2]), 6) for _ in range(4)]
    if rng.random() < 0.4:
        sites[0]["grid_mw"] = round(mw_node * 1.2 * rng.choice([1.0, 2.5]), 6)
    fleet = [{"site": "a", "gpu": "G", "owned": [{"month": start, "gpus": 8}] * rng.choice([0, 1])
              + [{"month": _month(start, 2), "gpus": 8}] * rng.choice([0, 1]),
              "owned_usd_per_gpu_hour": rng.choice([0.8, 1.2]),
              "reserved": {"block_gpus": 8, "term_months": rng.choice([1, 2]), "usd_per_gpu_hour": rng.choice([1.5, 2.5]),
                           "max_blocks": rng.choice([1, 2]), "from_month": _month(start, rng.choice([0, 1]))},
              "on_demand": {"usd_per_gpu_hour": rng.choice([3.0, 4.0]), "gpus": rng.choice([8, [0, 8, 16, 8]])}},
             {"site": "b", "gpu": "G", "on_demand": {"usd_per_gpu_hour": rng.choice([2.0, 3.5]),
                                                     "gpus": rng.choice([16, [16, 8, 16, 16]])}}]
    if not fleet[0]["owned"]:
        del fleet[0]["owned"]
    runs = [_run(rng, "r1", gpu, start, node_month), _run(rng, "r2", gpu, start, node_month)]
    if rng.random() < 0.5:
        runs[1]["after"] = ["r1"]
        runs[1]["deadline"] = _month(start, 3)
    c = {"name": f"random-{seed}", "start_month": start, "months": 4, "objective": objective, "gpus": [gpu],
         "sites": sites, "fleet": fleet, "runs": runs}
    if objective == "weighted":
        c["carbon_price_usd_per_t"] = rng.choice([50.0, 500.0])
    if objective == "lateness":
        for run in runs:
            run["late_usd_per_month"] = rng.choice([500.0, 50_000.0])
            run["deadline"] = _month(start, rng.choice([1, 2]))
    if objective in ("cost", "lateness") and rng.random() < 0.5:
        c["limits"] = {"budget_usd": rng.choice([20_000.0, 40_000.0])}
    if objective == "co2" and rng.random() < 0.5:
        c["limits"] = {"max_co2_t": rng.choice([0.02, 0.06])}
    return c


CAMPAIGNS = {seed: make_campaign(seed) for seed in SEEDS}


def test_the_seeds_exercise_every_key():
    """Every objective, limit and channel occurs among the seeds."""
    assert {c["objective"] for c in CAMPAIGNS.values()} == set(OBJECTIVES)
    limits = {k for c in CAMPAIGNS.values() for k in c.get("limits", {})}
    assert limits == {"budget_usd", "max_co2_t"}
    runs = [r for c in CAMPAIGNS.values() for r in c["runs"]]
    for key in ("alignment", "after", "earliest_start", "staff_usd_per_month", "development_factor",
                "late_usd_per_month"):
        assert any(key in r for r in runs), key
    assert any("grid_mw" in s for c in CAMPAIGNS.values() for s in c["sites"])


@pytest.mark.parametrize("seed", SEEDS)
def test_mip_agrees_with_enumeration(seed):
    _agrees(CAMPAIGNS[seed])


def _agrees(c: dict) -> None:
    """The MIP's optimum (to a 1e-9 gap) is the enumerator's, or both find no plan; the evaluator's
    figure of the MIP's plan equals the model's objective."""
    expected = enumerate_optimum(c)
    result = solve_campaign(campaign_from_dict(c), SolveOptions(mip_gap=1e-9))
    if expected is None:
        assert result.status == "infeasible", result.objective_value
        return
    assert result.status == "optimal"
    assert result.metrics.violations == []
    assert result.objective_value == pytest.approx(result.model_objective, rel=1e-6, abs=1e-9)
    assert result.objective_value == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_enumerator_arithmetic_by_hand():
    """The enumerator's own numbers on one case: hours, tokens, work."""
    assert month_hours("2028-01", 3) == [744.0, 696.0, 744.0]          # 2028 is a leap year
    assert least_tokens(LAW, 1e10, 1.1e-5) == pytest.approx(1e12, rel=1e-9)
    gpu = {"peak_tflops": 1000.0, "mfu": 0.5, "watts": 1000.0, "memory_gb": 80.0}
    run = {"model_sizes": [1e10], "scaling_law": LAW, "targets": {"max_loss": 1.1e-5}, "max_gpus": 16}
    (v,) = variants(run, gpu)
    assert v["work"] == pytest.approx(6e22 / 5e14 / 3600, rel=1e-9) and v["floor"] == 1


@pytest.mark.parametrize("seed", [1, 12, 13])
def test_limits_bind_at_the_optimum(seed):
    """The budget (objective cost) or carbon budget (objective co2) set just below the enumerated
    optimum leaves no plan, just above it the optimum, in both the enumerator and the MIP."""
    c = CAMPAIGNS[seed]
    best = enumerate_optimum(c)
    key = "budget_usd" if c["objective"] == "cost" else "max_co2_t"
    for factor, feasible in ((1 - 1e-4, False), (1 + 1e-4, True)):
        changed = {**c, "limits": {key: best * factor}}
        if not feasible:   # above the optimum the enumerator's answer is its optimum, unchanged
            assert enumerate_optimum(changed) is None
        result = solve_campaign(campaign_from_dict(changed), SolveOptions(mip_gap=1e-9))
        assert (result.status == "optimal") is feasible
        if feasible:
            assert result.objective_value == pytest.approx(best, rel=1e-6)


def blocks_campaign(seed: int) -> dict:
    """make_campaign(seed) with site a's owned and on-demand GPUs taken away: a run placed there
    can only work on reserved blocks, so res_least_blocks (models/campaign_plan.py) has rows."""
    c = make_campaign(seed)
    c["name"] = f"blocks-{seed}"
    entry = c["fleet"][0]
    entry.pop("owned", None)
    entry.pop("on_demand", None)
    entry.pop("owned_usd_per_gpu_hour", None)
    return c


@pytest.mark.parametrize("seed", range(20, 30))
def test_mip_agrees_with_enumeration_where_blocks_are_needed(seed):
    """The valid inequality res_least_blocks (blocks a run's work needs beyond owned and on-demand
    GPUs, rounded up) keeps the enumerated optimum."""
    c = blocks_campaign(seed)
    data = campaign_data(campaign_from_dict(c))
    if all(data.variants):    # (a run with no variant is infeasible before any model is built)
        assert len(campaign_plan.build(data.inputs).res_least_blocks) > 0
    _agrees(c)
