"""Infeasible instances: exit code 3 and an explanation a planner can act on.

Every figure the explanation gives (least budget, shortest deadline, smallest carbon budget, FLOP
limit, epochs, best reachable loss, grid capacity, power swing) is checked against an enumeration
written here: every plan of README "Decisions" -- each size, GPU, region that offers it, EVERY node
multiple up to the availability and each recipe -- with the tokens found by bisection on the
evaluator's own figures, kept when planner.formulas.evaluate.find_violations finds nothing with the limit
in question removed. The least value of the limited quantity over those plans is the answer; the
message must show it rounded up (so the printed value itself suffices) and JSON `needed` must hold
it to 1e-6.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable

import pytest

from planner.formulas.evaluate import PlanMetrics
from planner.optimize.explain import explain
from planner.input.loading import instance_from_dict
from planner.optimize.pipeline import solve_instance
from planner.input.schema import FixedPlan
from checks.plan_enumeration import enumerate_feasible
from cli_run import run_main

LAW = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def base(**changes) -> dict:
    """A small instance: 3 sizes, 2 GPUs, 2 regions (r2 sells only G1), staff cost per day."""
    data = {
        "name": "infeasible-base",
        "objective": "cost",
        "scaling_law": dict(LAW),
        "model_sizes": [1.0e9, 2.0e9, 4.0e9],
        "targets": {"max_loss": 2.45},
        "staff_usd_per_day": 2000.0,
        "gpus": [
            {"name": "G1", "peak_tflops": 1000, "mfu": 0.4, "watts": 700, "memory_gb": 80, "embodied_kg": 150,
             "usd_per_gpu_hour": 2.0, "available": 64},
            {"name": "G2", "peak_tflops": 400, "mfu": 0.45, "watts": 400, "memory_gb": 40, "embodied_kg": 100,
             "usd_per_gpu_hour": 0.9, "available": 96},
        ],
        "regions": [
            {"name": "r1", "carbon_g_per_kwh": 400, "pue": 1.1},
            {"name": "r2", "carbon_g_per_kwh": 30, "pue": 1.3,
             "offers": {"G1": {"usd_per_gpu_hour": 2.6, "available": 32}}},
        ],
    }
    for key, value in changes.items():
        data[key] = value
    return data


def with_limits(data: dict, **limits) -> dict:
    out = copy.deepcopy(data)
    out["limits"] = {**out.get("limits", {}), **limits}
    return out


def least(data: dict, quantity: Callable[[PlanMetrics], float], where: Callable[[FixedPlan], bool] = lambda p: True,
          maximise_tokens: bool = False) -> float:
    found = [quantity(m) for p, m in enumerate_feasible(instance_from_dict(data), maximise_tokens) if where(p)]
    assert found, "the relaxed instance must have a plan"
    return min(found)


def drop(data: dict, path: str) -> dict:
    out = copy.deepcopy(data)
    if path == "targets.max_loss":
        out.pop("targets", None)
        out["objective"] = "loss"
        return out
    node = out
    parts = re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\[\d+\]", path)
    for part in parts[:-1]:
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    del node[parts[-1]]
    return out


def explained(data: dict) -> tuple[list[str], dict[str, float], list[str]]:
    instance = instance_from_dict(data)
    result = solve_instance(instance)
    assert result.status == "infeasible"
    return result.explanation, result.needed, result.ruled_out


def shown(lines: list[str], label: str) -> float:
    """The number a line `<label> must be at least <number>` shows."""
    for line in lines:
        match = re.match(rf"{re.escape(label)} must be (?:at least|above) \$?([\d,.e+-]+)", line)
        if match:
            return float(match.group(1).replace(",", "").rstrip("."))
    raise AssertionError(f"no line for {label!r} in {lines}")


def assert_figure(lines, needed, label, path, expected, rel=1e-6):
    assert needed[path] == pytest.approx(expected, rel=rel), (needed, expected)
    printed = shown(lines, label)
    # printed rounded up (whole dollars, else 5 significant digits): itself enough, and within one
    # unit of the last printed digit
    unit = 1.0 if path == "limits.budget_usd" else 10.0 ** (math.floor(math.log10(expected)) - 4)
    assert expected * (1 - 1e-12) <= printed <= expected + unit * (1 + 1e-9), (printed, expected)


# ---- limits, one at a time ---------------------------------------------------------------------

def test_least_budget_by_enumeration():
    data = with_limits(base(), budget_usd=500.0, deadline_days=30)
    exact = least(drop(data, "limits.budget_usd"), lambda m: m.cost_usd.total)
    assert exact > 500
    lines, needed, _ = explained(data)
    assert_figure(lines, needed, "budget", "limits.budget_usd", exact)
    assert f"budget must be at least ${math.ceil(exact):,}" in "\n".join(lines)
    assert any(line.startswith("conflict:") and "limits.budget_usd" in line and "targets.max_loss" in line
               for line in lines)


def test_shortest_deadline_by_enumeration():
    data = with_limits(base(), deadline_days=0.1, budget_usd=1.0e6)
    exact = least(drop(data, "limits.deadline_days"), lambda m: m.duration_days)
    lines, needed, _ = explained(data)
    assert_figure(lines, needed, "deadline", "limits.deadline_days", exact)


def test_smallest_carbon_budget_by_enumeration():
    data = with_limits(base(), max_co2_t=0.004)
    exact = least(drop(data, "limits.max_co2_t"), lambda m: m.co2_t.total)
    lines, needed, _ = explained(data)
    assert_figure(lines, needed, "carbon budget", "limits.max_co2_t", exact)


def test_least_flop_limit_by_enumeration():
    alignment = {"recipes": [{"name": "R1", "stages": [{"name": "s", "tokens": 1.0e8, "flops_per_param_token": 18}]}]}
    data = with_limits(base(alignment=alignment), max_training_flops=2.0e20)
    exact = least(drop(data, "limits.max_training_flops"), lambda m: m.flops.total)
    lines, needed, _ = explained(data)
    assert_figure(lines, needed, "FLOP limit", "limits.max_training_flops", exact)


def test_best_reachable_loss_by_enumeration():
    data = with_limits(base(model_sizes=[1.0e9, 2.0e9]), budget_usd=3_000.0)
    data["targets"] = {"max_loss": 2.3}
    exact = least(drop(data, "targets.max_loss"), lambda m: m.loss, maximise_tokens=True)
    assert exact > 2.3
    lines, needed, _ = explained(data)
    assert needed["targets.max_loss"] == pytest.approx(exact, rel=1e-6)
    assert f"loss target must be at least {math.ceil(exact * 1e4) / 1e4:.4f}" in "\n".join(lines)


def test_least_epochs_by_enumeration():
    data = with_limits(base(data={"unique_tokens": 5.0e9, "max_epochs": 2}), budget_usd=1.0e6)
    exact = least(drop(data, "data.max_epochs"), lambda m: m.tokens) / 5.0e9
    assert exact > 2
    lines, needed, _ = explained(data)
    assert_figure(lines, needed, "epoch limit", "data.max_epochs", exact)


def test_grid_capacity_needed_by_enumeration():
    # r1's grid holds 16 G1 (or 28 G2); the deadline needs 40 G1 there; r2's 32 G1 are too few.
    regions = base()["regions"]
    regions[0]["grid_capacity_mw"] = 0.0125
    data = with_limits(base(regions=regions), deadline_days=0.28)
    exact = least(drop(data, "regions[0].grid_capacity_mw"), lambda m: m.peak_power_mw, where=lambda p: p.region == "r1")
    lines, needed, _ = explained(data)
    assert_figure(lines, needed, "grid capacity of r1", "regions[0].grid_capacity_mw", exact)
    assert exact > 0.0125
    assert any("regions[0].grid_capacity_mw" in line for line in lines if line.startswith("conflict:"))


def test_power_swing_needed_by_enumeration():
    regions = base()["regions"]
    regions[0].update(max_swing_mw=0.004, swing_fraction=0.5)
    data = with_limits(base(regions=regions), deadline_days=0.28)
    exact = least(drop(data, "regions[0].max_swing_mw"), lambda m: m.swing_mw, where=lambda p: p.region == "r1")
    lines, needed, _ = explained(data)
    assert_figure(lines, needed, "power-swing limit of r1", "regions[0].max_swing_mw", exact)


def test_three_limits_in_conflict_each_fixable_alone():
    # Without staff cost, 64 G1 are fast (0.146 days) but cost $449; 96 G2 at $0.7 cost $350 but
    # take 0.217 days. A $400 budget and a 0.18-day deadline cannot both hold at loss 2.45.
    data = with_limits(base(staff_usd_per_day=0.0), budget_usd=400.0, deadline_days=0.18)
    data["gpus"][1]["usd_per_gpu_hour"] = 0.7
    lines, needed, _ = explained(data)
    conflict = next(line for line in lines if line.startswith("conflict:"))
    for path in ("targets.max_loss", "limits.budget_usd", "limits.deadline_days"):
        assert path in conflict
        assert path in needed
    assert needed["limits.budget_usd"] == pytest.approx(
        least(drop(data, "limits.budget_usd"), lambda m: m.cost_usd.total), rel=1e-6)
    assert needed["limits.deadline_days"] == pytest.approx(
        least(drop(data, "limits.deadline_days"), lambda m: m.duration_days), rel=1e-6)


def test_limit_that_cannot_help_alone_is_said_so():
    # FLOPs and CO2 both block every plan; moving either alone is not enough.
    data = with_limits(base(), max_training_flops=1.0e18, max_co2_t=1.0e-6)
    why = explain(instance_from_dict(data))
    assert "limits.max_training_flops" not in why.needed and "limits.max_co2_t" not in why.needed
    stuck = [p for p in why.conflict if p in ("limits.max_training_flops", "limits.max_co2_t")]
    assert len(stuck) == 1 and why.conflict == ["targets.max_loss", *stuck]  # a minimal conflicting set
    assert any(f"({stuck[0]}): moving it alone admits no plan" in line for line in why.lines)
    assert "targets.max_loss" in why.needed  # a loose enough target admits a plan alone


def test_unreachable_loss_target_reports_the_infimum():
    # E + A/N^alpha of the largest size is above the target: no number of tokens reaches it.
    data = base()
    data["targets"] = {"max_loss": 1.75}
    lines, needed, ruled_out = explained(data)
    infimum = LAW["E"] + LAW["A"] / 4.0e9 ** LAW["alpha"]
    assert needed["targets.max_loss"] == pytest.approx(infimum, rel=1e-12)
    assert any(line.startswith(f"loss target must be above {math.floor(infimum * 1e4) / 1e4:.4f}") for line in lines)
    assert any("cannot reach loss 1.7500" in r for r in ruled_out)


# ---- candidates ruled out before solving -------------------------------------------------------

def test_everything_ruled_out_says_why():
    data = base(model_sizes=[40.0e9])  # 640 GB of training state: 8 x 80 GB is too little for G1 in r2
    data["gpus"][0]["available"] = 0
    data["regions"].append({"name": "r3", "carbon_g_per_kwh": 10, "offers": {}})
    data["alignment"] = {"verifiable_tasks": False, "recipes": [
        {"name": "V", "quality": 0.9, "needs_verifiable_tasks": True, "stages": [{"name": "s", "tokens": 1e6, "flops_per_param_token": 6}]},
        {"name": "Q", "quality": 0.1, "stages": [{"name": "s", "tokens": 1e6, "flops_per_param_token": 6}]}]}
    data["alignment"]["min_quality"] = 0.5
    lines, needed, ruled_out = explained(data)
    text = "\n".join(ruled_out)
    assert "G1 in r1: available is 0" in text
    assert "region r3: no GPU offered there" in text
    assert "recipe V: needs verifiable tasks" in text
    assert "recipe Q: quality 0.1 < min_quality 0.5" in text
    assert needed == {}
    assert lines[0].startswith("no plan exists even with every limit removed")


def test_memory_rules_out_sizes():
    data = base(model_sizes=[40.0e9])  # 640 GB of training state: 16 GPUs of 40 GB
    data["gpus"] = data["gpus"][1:]
    data["gpus"][0]["available"] = 8
    data["regions"] = data["regions"][:1]
    lines, _, ruled_out = explained(data)
    assert any("N=4e+10 on G2 in r1: training state needs 16 GPUs, at most 8 can run there" in r for r in ruled_out)


# ---- the CLI -------------------------------------------------------------------------------------


def test_cli_exit_3_with_explanation_and_needed(monkeypatch, capsys, tmp_path):
    path = tmp_path / "tight.json.yaml"
    path.write_text(json.dumps(with_limits(base(), budget_usd=500.0, deadline_days=30)))  # JSON is YAML
    code, out, err = run_main(monkeypatch, capsys, "solve", path, "--format", "json")
    assert code == 3 and err == ""
    doc = json.loads(out)
    assert doc["status"] == "infeasible" and doc["plan"] is None
    assert any(line.startswith("budget must be at least $") for line in doc["explanation"])
    assert doc["needed"]["limits.budget_usd"] > 500
    code, out, _ = run_main(monkeypatch, capsys, "solve", path)
    assert code == 3
    assert "budget must be at least $" in out.replace("\n", " ")


def test_explanation_has_a_time_budget():
    instance = instance_from_dict(with_limits(base(), budget_usd=500.0))
    why = explain(instance, time_budget_s=0.0)
    assert why.needed == {} and why.conflict is None
    assert why.lines[0].startswith("the solver could not decide which limits conflict")
    assert any("ran out of time" in line for line in why.lines)


def test_loss_objective_with_an_unreachable_target_names_the_budget():
    """Issue 11.2: objective loss with a max_loss beyond what the budget buys. Removing the budget
    admits plans, so the answer is the budget needed (the least cost reaching the target, by the
    independent brute force) and the best loss the budget reaches -- never "no plan exists even
    with every limit removed"."""
    from checks.brute_force import brute_force

    data = {"objective": "loss", "scaling_law": "epoch2024",
            "model_sizes": {"min": 1.0e9, "max": 1.0e11, "count": 10},
            "targets": {"max_loss": 2.0}, "limits": {"budget_usd": 20000.0},
            "gpus": [{"name": "H100", "available": 512}], "regions": ["us-east"]}
    result = solve_instance(instance_from_dict(data))
    assert result.status == "infeasible"
    assert not any("every limit removed" in line for line in result.explanation)
    cheapest = brute_force(instance_from_dict(dict(data, objective="cost", limits={}))).objective_value
    assert result.needed["limits.budget_usd"] == pytest.approx(cheapest, rel=1e-6)
    best = brute_force(instance_from_dict(dict(data, targets={}))).objective_value
    assert result.needed["targets.max_loss"] == pytest.approx(best, rel=1e-6)
