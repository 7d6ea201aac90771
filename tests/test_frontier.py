"""Pareto frontiers: monotone and non-dominated, every point equal to an independent solve with that
limit added, the walked staircase equal to the brute-force non-dominated set, and `plan frontier`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import planner
from planner.errors import InputError
from planner.analysis.frontier import Frontier, FrontierPoint, non_dominated, run_frontier, value_of, with_limit
from planner.input.loading import load_instance
from planner.optimize.pipeline import solve_instance
from checks.plan_enumeration import enumerate_feasible
from cli_run import run_main

TINY = Path(__file__).parent / "data" / "sweep_tiny.yaml"
#: The optimality tolerances (README "Objectives"): relative 1e-6, 1e-4 for loss.
TOL = {"cost": 1e-6, "co2": 1e-6, "time": 1e-6, "loss": 1e-4}


def tiny(**limits):
    instance = load_instance(TINY)
    return instance.model_copy(update={"limits": instance.limits.model_copy(update=limits)})


def assert_monotone_non_dominated(front: Frontier) -> None:
    fs, gs = [p.f for p in front.points], [p.g for p in front.points]
    assert all(a < b for a, b in zip(fs, fs[1:])), fs
    assert all(a > b for a, b in zip(gs, gs[1:])), gs
    for p in front.points:
        for q in front.points:
            assert not (q.f <= p.f and q.g <= p.g and (q.f < p.f or q.g < p.g)), (p, q)


def assert_points_are_independent_optima(instance, front: Frontier) -> None:
    """Each point is an optimal plan of the instance with the limit g <= g(point) (and the level it
    was found at) added: an independent solve_instance finds the same f."""
    f, g = front.minimize, front.limit
    for p in front.points:
        for eps in {p.g, p.epsilon} - {None}:
            alone = solve_instance(with_limit(instance, g, eps, objective=f), explain=False)
            assert alone.status == "optimal"
            assert value_of(alone, f) == pytest.approx(p.f, rel=TOL[f]), (eps, p)
            assert value_of(alone, g) <= eps * (1 + 1e-9)


def brute_force_staircase(instance, f: str, g: str) -> list[tuple[float, float]]:
    """Every plan of the instance (each size, offered GPU and region, recipe and EVERY node multiple
    of GPUs, D = Dmin) that breaks no limit (checks.plan_enumeration); the non-dominated (f, g) pairs."""
    pick = {"cost": lambda m: m.cost_usd.total, "co2": lambda m: m.co2_t.total, "time": lambda m: m.duration_days}
    values = sorted((pick[f](m), pick[g](m)) for _, m in enumerate_feasible(instance))
    out: list[tuple[float, float]] = []
    for fv, gv in values:
        if not out or gv < out[-1][1] * (1 - 1e-9):
            if out and fv <= out[-1][0] * (1 + 1e-9):
                out[-1] = (fv, gv)
            else:
                out.append((fv, gv))
    return out


@pytest.mark.parametrize("f, g", [("cost", "co2"), ("cost", "time"), ("co2", "time"), ("time", "cost")])
def test_walked_staircase_is_the_brute_force_frontier(f, g):
    instance = tiny()
    front = run_frontier(instance, f, g, "all")
    assert_monotone_non_dominated(front)
    expected = brute_force_staircase(instance, f, g)
    assert len(front.points) == len(expected) >= 2
    for p, (fv, gv) in zip(front.points, expected):
        assert p.f == pytest.approx(fv, rel=1e-6) and p.g == pytest.approx(gv, rel=1e-6)
    assert_points_are_independent_optima(instance, front)


def test_cost_co2_frontier_spans_cheapest_to_cleanest_and_matches_solves():
    instance = tiny()
    front = run_frontier(instance, "cost", "co2", 10)
    assert_monotone_non_dominated(front)
    cheapest = solve_instance(with_limit(instance, "co2", None, objective="cost"), explain=False)
    cleanest = solve_instance(with_limit(instance, "co2", None, objective="co2"), explain=False)
    assert front.points[0].f == pytest.approx(cheapest.objective_value, rel=1e-6)
    assert front.points[-1].g == pytest.approx(cleanest.objective_value, rel=1e-6)
    assert len(front.points) == 5  # the whole staircase of this instance is found by 10 levels
    assert_points_are_independent_optima(instance, front)
    # the instance's own limits stay: a CO2 cap cuts the frontier
    capped = run_frontier(tiny(max_co2_t=0.12), "cost", "co2", 10)
    assert all(p.g <= 0.12 for p in capped.points) and len(capped.points) == 3


@pytest.mark.parametrize("f, g", [("cost", "loss"), ("loss", "cost")])
def test_loss_frontiers_are_monotone_and_exact(f, g):
    instance = tiny(budget_usd=2.0e4)
    front = run_frontier(instance, f, g, 5)
    assert len(front.points) == 5  # continuous: every level gives its own point
    assert_monotone_non_dominated(front)
    assert_points_are_independent_optima(instance, front)


def test_api_returns_a_dataframe():
    frame = planner.frontier(TINY, minimize="cost", limit="co2", points=4)
    assert list(frame.columns[:5]) == ["scenario", "cost", "co2", "epsilon", "label"]
    assert (frame["cost"] == frame["cost_usd.total"]).all() and (frame["co2"] == frame["co2_t.total"]).all()
    assert frame["cost"].is_monotonic_increasing and frame["co2"].is_monotonic_decreasing
    assert frame["label"][0] == "2B H100x256 us-east DPO"


def test_non_dominated_drops_duplicates_and_weakly_dominated_points():
    def pt(f, g):
        return FrontierPoint(None, None, f, g)  # type: ignore[arg-type]
    kept = non_dominated([pt(3, 1), pt(1, 5), pt(1, 4), pt(2, 4), pt(2, 2), pt(3, 1), pt(4, 1)])
    assert [(p.f, p.g) for p in kept] == [(1, 4), (2, 2), (3, 1)]


def test_bad_requests():
    for kwargs, message in (
        ({"minimize": "cost", "limit": "cost"}, "must differ"),
        ({"minimize": "money"}, "must be one of"),
        ({"points": 1}, "whole number >= 2"),
        ({"points": "many"}, "whole number >= 2"),
        ({"limit": "loss", "points": "all"}, "continuous"),
    ):
        with pytest.raises(InputError, match=message):
            run_frontier(TINY, **kwargs)
    with pytest.raises(InputError, match="'loss' has no optimum.*end of the frontier that minimises loss"):
        run_frontier(TINY, "cost", "loss", 3)  # no limit bounds the tokens of the lowest-loss plan
    no_target = load_instance(TINY).model_copy(update={"objective": "loss", "targets": load_instance(TINY).targets
                                                       .model_copy(update={"max_loss": None})})
    with pytest.raises(InputError, match="needs a loss target"):
        run_frontier(no_target, "cost", "co2", 3)


def test_infeasible_instance_has_no_points_and_says_why():
    front = run_frontier(tiny(budget_usd=1000.0), "cost", "co2", 5)
    assert front.points == [] and any("budget must be at least" in line for line in front.explanation)



def test_cli_json_shape_plot_and_exit_codes(monkeypatch, capsys, tmp_path):
    result = CliRunner().invoke(cli.group, ["frontier", str(TINY), "--minimize", "cost", "--limit", "co2",
                                            "--points", "6", "--format", "json", "--plot", str(tmp_path / "f.png")])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    points = doc["points"]
    assert len(points) >= 2 and doc["minimize"] == "cost" and doc["limit"] == "co2"
    for p in points:
        assert set(p) >= {"cost_usd", "co2_t", "loss", "duration_days", "plan"}
        assert p["cost_usd"]["total"] == p["plan"]["cost_usd"]["total"]
        assert set(p["co2_t"]) == {"operational", "embodied", "development", "total"}
    costs = [p["cost_usd"]["total"] for p in points]
    co2 = [p["co2_t"]["total"] for p in points]
    assert costs == sorted(costs) and co2 == sorted(co2, reverse=True)
    assert (tmp_path / "f.png").stat().st_size > 1000
    result = CliRunner().invoke(cli.group, ["frontier", str(TINY), "--limit", "time", "--points", "all"])
    assert result.exit_code == 0 and "non-dominated points" in result.output
    result = CliRunner().invoke(cli.group, ["frontier", str(TINY), "--format", "csv", "--points", "3"])
    assert result.exit_code == 0 and result.output.startswith("scenario,cost,co2,epsilon,label,")
    code, out, err = run_main(monkeypatch, capsys, "frontier", TINY, "--limit", "cost")
    assert code == 2 and "must differ from --minimize" in err
    infeasible = tmp_path / "broke.yaml"
    infeasible.write_text(TINY.read_text() + "limits: {budget_usd: 1000}\n")
    code, out, err = run_main(monkeypatch, capsys, "frontier", infeasible)
    assert code == 3 and "budget must be at least" in out


# -- issue 11.3: a limit binds only if the instance has it (or it is the swept level) and the plan is at it


def hand_binding(instance, point, limit: str) -> set[str]:
    """The cost/CO2/time/loss limits at their value, from the instance and the point by hand."""
    own = {"budget_usd": ("cost", instance.limits.budget_usd), "max_co2_t": ("co2", instance.limits.max_co2_t),
           "deadline_days": ("time", instance.limits.deadline_days),
           "max_loss": ("loss", instance.targets.max_loss)}
    out = set()
    for name, (quantity, bound) in own.items():
        if quantity == limit and point.epsilon is not None:
            bound = point.epsilon if bound is None else min(bound, point.epsilon)
        if bound is not None and abs(value_of(point.result, quantity) - bound) <= 1e-6 * bound:
            out.add(name)
    return out


@pytest.mark.parametrize("f, g, points", [("cost", "co2", "all"), ("cost", "time", 6), ("cost", "loss", 4)])
def test_binding_limits_are_the_instances_own_at_their_value(f, g, points):
    far = tiny(budget_usd=1.0e7, deadline_days=1.0e4, max_co2_t=1.0e3)  # far from every plan
    front = run_frontier(far, f, g, points)
    assert len(front.points) >= 2
    continuous = {"budget_usd", "max_co2_t", "deadline_days", "max_loss"}
    for p in front.points:
        assert "budget_usd" not in p.binding and "max_co2_t" not in p.binding and "deadline_days" not in p.binding
        assert set(p.binding) & continuous == hand_binding(far, p, g), p
    if g == "loss":  # continuous: each level between the ends is met exactly
        assert all("max_loss" in p.binding for p in front.points if p.epsilon is not None)


def test_a_budget_at_the_cheapest_plan_binds_at_that_end_only():
    cheapest = solve_instance(tiny(), explain=False).objective_value
    instance = tiny(budget_usd=cheapest * (1 + 1e-8))
    front = run_frontier(instance, "cost", "co2", "all")
    assert "budget_usd" in front.points[0].binding
    assert all("budget_usd" not in p.binding for p in front.points[1:]) or len(front.points) == 1


def test_frontier_json_lists_no_absent_or_distant_limit(tmp_path):
    far = tmp_path / "far.yaml"
    far.write_text(TINY.read_text() + "limits: {budget_usd: 1.5e7}\n")
    result = CliRunner().invoke(cli.group, ["frontier", str(far), "--format", "json", "--points", "4"])
    assert result.exit_code == 0, result.output
    for p in json.loads(result.output)["points"]:
        assert not {"budget_usd", "max_co2_t", "deadline_days"} & set(p["binding"]), p
