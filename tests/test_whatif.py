"""What-if sweeps: --vary parsing, paths into the raw instance, rows equal to independent solves,
one model per structure (limits change in place), and the `plan whatif` command."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import planner
from planner.errors import InputError
from planner.input.loading import instance_from_dict, read_yaml, resolve_catalog_names
from planner.optimize.pipeline import solve_instance
from planner.input.sweep_paths import Step, parse_path, parse_spec, parse_vary, set_path, spaced
from planner.analysis.whatif import run_whatif
from cli_run import run_main

TINY = Path(__file__).parent / "data" / "sweep_tiny.yaml"


def tiny() -> dict:
    return read_yaml(TINY)


# -- specs and paths (no solver) -----------------------------------------------------------------


def test_spec_lists_and_ranges():
    assert parse_spec("1e6,5e6,1e7") == ([1e6, 5e6, 1e7], False)
    assert parse_spec("512, 1024") == ([512, 1024], False)
    assert parse_spec("cost,co2") == (["cost", "co2"], False)
    assert parse_spec("true,none") == ([True, None], False)
    values, log = parse_spec("1e6:1e8:3log")
    assert log and values == [1e6, pytest.approx(1e7, rel=1e-12), 1e8]
    values, log = parse_spec("0.3:0.5:5")
    assert not log and values == pytest.approx([0.3, 0.35, 0.4, 0.45, 0.5])
    assert parse_spec("2:2:1") == ([2.0], False)
    assert len(spaced(1e6, 1e8, 20, True)) == 20


@pytest.mark.parametrize("spec, message", [
    ("1e6:1e8", "START:STOP:COUNT"),
    ("0:1e8:5log", "log spacing needs START and STOP > 0"),
    ("1:2:0", "COUNT must be between"),
    ("1:2:1", "COUNT 1 gives one value"),
    ("a:2:3", "is not a number"),
    ("1,,2", "empty value"),
])
def test_bad_specs(spec, message):
    with pytest.raises(InputError, match=message):
        parse_spec(spec)


def test_paths():
    assert parse_path("limits.budget_usd") == (Step("limits"), Step("budget_usd"))
    assert parse_path("regions[us-east].carbon_g_per_kwh") == (
        Step("regions"), Step("us-east", by_name=True), Step("carbon_g_per_kwh"))
    assert parse_path("gpus[0].mfu") == (Step("gpus"), Step(0), Step("mfu"))
    assert parse_path("regions[sweden].offers[H100.sxm].available")[3] == Step("H100.sxm", by_name=True)
    for bad, message in (("limits..budget_usd", "empty segment"), ("gpus[0.mfu", "unbalanced"),
                         ("gpus[].mfu", "empty \\[\\]"), ("[0].mfu", "cannot read")):
        with pytest.raises(InputError, match=message):
            parse_path(bad)
    with pytest.raises(InputError, match="PATH=SPEC"):
        parse_vary("limits.budget_usd")


def test_set_path_by_name_index_and_catalog_text():
    base = resolve_catalog_names({"regions": ["us-east"], "gpus": [{"name": "H100", "available": 8}],
                                  "scaling_law": "chinchilla"})
    out = set_path(base, parse_path("regions[us-east].carbon_g_per_kwh"), 13.0)
    assert out["regions"][0]["carbon_g_per_kwh"] == 13.0 and out["regions"][0]["name"] == "us-east"
    assert base["regions"][0]["carbon_g_per_kwh"] != 13.0  # a copy
    out = set_path(base, parse_path("gpus[0].mfu"), 0.5)
    assert out["gpus"][0]["mfu"] == 0.5
    out = set_path(base, parse_path("scaling_law.alpha"), 0.3)
    assert out["scaling_law"]["alpha"] == 0.3 and out["scaling_law"]["E"] == base["scaling_law"]["E"]
    out = set_path({"regions": ["us-east"]}, parse_path("regions[us-east].pue"), 1.3)
    assert out["regions"][0] == {"name": "us-east", "pue": 1.3}  # text entry -> {name: ...}, the catalog fills in
    out = set_path({}, parse_path("limits.max_co2_t"), 5.0)
    assert out == {"limits": {"max_co2_t": 5.0}}
    out = set_path({"limits": {"budget_usd": 1.0}}, parse_path("limits.budget_usd"), None)
    assert out == {"limits": {"budget_usd": None}}  # YAML null: the key stays, switched off
    out = set_path({"targets": {"match": {"params": 1, "tokens": 2}}}, parse_path("targets.max_loss"), 2.0)
    assert out == {"targets": {"max_loss": 2.0}}


@pytest.mark.parametrize("path, message", [
    ("regions[mars].pue", "no entry named 'mars' \\(listed: us-east, germany, france, sweden\\)"),
    ("gpus[7].mfu", "index out of range \\(the list has 2 entries\\)"),
    ("regions[us-east].offers.H100.available", "offers is not in the instance"),
    ("staff_usd_per_day.x", "is a number, it has no x"),
])
def test_bad_paths_name_the_problem(path, message):
    with pytest.raises(InputError, match=message):
        set_path(tiny(), parse_path(path), 1.0, path)


def test_a_value_the_format_refuses_stops_the_sweep_before_solving():
    with pytest.raises(InputError) as err:
        run_whatif(TINY, ["gpus[H100].mfu=0.5,1.5"])
    assert err.value.field == "gpus[0].mfu" and "at --vary gpus[H100].mfu=1.5" in err.value.problem
    with pytest.raises(InputError, match="did you mean 'budget_usd'"):
        run_whatif(TINY, ["limits.budget=1e6"])
    with pytest.raises(InputError, match="given twice"):
        run_whatif(TINY, ["limits.budget_usd=1e6", "limits.budget_usd=2e6"])


# -- rows equal independent solves ---------------------------------------------------------------


def _assert_same(row_result, independent):
    assert row_result.status == independent.status
    if independent.status == "optimal":
        assert row_result.objective_value == pytest.approx(independent.objective_value, rel=1e-6)
        a, b = row_result.plan, independent.plan
        assert (a.model_params, a.gpu, a.gpu_count, a.region, a.alignment) == (
            b.model_params, b.gpu, b.gpu_count, b.region, b.alignment)
        assert a.tokens == pytest.approx(b.tokens, rel=1e-9)
        assert row_result.binding == independent.binding
    else:
        assert row_result.explanation == independent.explanation


def test_limit_sweep_rows_equal_individual_solves_and_build_one_model():
    caps = [0.2, 0.15, 0.12, 0.1, 0.05, 0.0051, 0.005, 0.003]
    sweep = run_whatif(TINY, {"limits.max_co2_t": caps}, explain=False)
    assert [p.status for p in sweep.points] == ["optimal"] * 6 + ["infeasible"] * 2
    assert sweep.stats["solves"] == len(caps) and sweep.stats["infeasible"] == 2
    for point, cap in zip(sweep.points, caps):
        data = tiny()
        data["limits"] = {"max_co2_t": cap}
        _assert_same(point.result, solve_instance(instance_from_dict(data), explain=False))


def test_grid_over_a_coefficient_and_a_limit_equals_individual_solves():
    sweep = run_whatif(TINY, ["regions[sweden].carbon_g_per_kwh=13,300", "limits.budget_usd=6000,7500"])
    assert [tuple(p.inputs.values()) for p in sweep.points] == [(13, 6000), (13, 7500), (300, 6000), (300, 7500)]
    for point in sweep.points:
        data = tiny()
        data["regions"][3]["carbon_g_per_kwh"] = point.inputs["regions[sweden].carbon_g_per_kwh"]
        data["limits"] = {"budget_usd": point.inputs["limits.budget_usd"]}
        _assert_same(point.result, solve_instance(instance_from_dict(data)))


def test_infeasible_points_are_rows_with_the_reason():
    """The reason of an infeasible point names the budget needed: the least cost of any plan, by
    the independent brute force (rounded up to the dollar in the message)."""
    from checks.brute_force import brute_force

    frame = planner.whatif(TINY, ["limits.budget_usd=1000,1e5"])
    assert list(frame["status"]) == ["infeasible", "optimal"]
    least = brute_force(instance_from_dict(tiny())).objective_value
    assert f"budget must be at least ${math.ceil(least):,}" in frame["reason"][0]
    assert frame["reason"][1] == "" and frame["gpu"][1] == "H100" and math.isnan(frame["cost_usd.total"][0])


def test_loss_objective_sweep_equals_individual_solves():
    budgets = [2e4, 1e4, 7e3]
    data = tiny()
    data["objective"] = "loss"
    sweep = run_whatif(data, {"limits.budget_usd": budgets})
    for point, budget in zip(sweep.points, budgets):
        one = dict(data, limits={"budget_usd": budget})
        independent = solve_instance(instance_from_dict(one))
        assert point.result.objective_value == pytest.approx(independent.objective_value, rel=1e-9)
        assert point.result.plan.tokens == pytest.approx(independent.plan.tokens, rel=1e-7)


def test_frame_columns_and_other_objectives():
    frame = planner.whatif(TINY, {"objective": ["cost", "co2"]})
    assert list(frame.columns[:3]) == ["objective", "status", "objective_value"]
    assert list(frame["objective"]) == ["cost", "co2"]
    assert frame["co2_t.total"][1] <= frame["co2_t.total"][0]
    assert frame["cost_usd.total"][0] <= frame["cost_usd.total"][1]
    assert frame["objective_value"][0] == frame["cost_usd.total"][0]


# -- the command ---------------------------------------------------------------------------------



def test_cli_json_csv_table_and_plot(tmp_path):
    runner = CliRunner()
    args = ["whatif", str(TINY), "--vary", "limits.max_co2_t=0.2:0.004:6", "--quiet"]
    result = runner.invoke(cli.group, [*args, "--format", "json", "--plot", str(tmp_path / "w.png")])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["vary"][0]["path"] == "limits.max_co2_t" and len(doc["rows"]) == 6
    row = doc["rows"][0]
    assert row["inputs"] == {"limits.max_co2_t": 0.2} and row["status"] == "optimal"
    assert set(row["plan"]) >= {"gpu", "region", "cost_usd", "co2_t", "loss", "duration_days"}
    assert doc["rows"][-1]["status"] == "infeasible" and doc["rows"][-1]["plan"] is None
    assert doc["rows"][-1]["reason"]
    assert (tmp_path / "w.png").stat().st_size > 1000
    result = runner.invoke(cli.group, [*args, "--format", "csv"])
    assert result.exit_code == 0
    header = result.output.splitlines()[0].split(",")
    assert header[:4] == ["limits.max_co2_t", "status", "objective", "objective_value"]
    assert "cost_usd.total" in header and "reason" in header and len(result.output.splitlines()) == 7
    result = runner.invoke(cli.group, args)
    assert result.exit_code == 0 and "B200x32 sweden" in result.output and "solves" in result.output


def test_cli_bad_input_exits_2_with_one_message(monkeypatch, capsys, tmp_path):
    code, out, err = run_main(monkeypatch, capsys, "whatif", TINY, "--vary", "regions[mars].pue=1.2")
    assert code == 2 and err.startswith("error: --vary regions[mars].pue:") and "Traceback" not in err
    code, out, err = run_main(monkeypatch, capsys, "whatif", TINY, "--vary", "limits.budget_usd=1:2")
    assert code == 2 and "START:STOP:COUNT" in err
    code, out, err = run_main(monkeypatch, capsys, "whatif", TINY, "--vary", "limits.budget_usd=1e6",
                              "--plot", tmp_path / "x.txt")
    assert code == 2 and "--plot" in err


def test_package_functions_survive_submodule_imports():
    """`planner.whatif` / `planner.frontier` stay the functions after their modules are imported."""
    import importlib

    importlib.import_module("planner.analysis.whatif")
    importlib.import_module("planner.analysis.frontier")
    api = importlib.import_module("planner.api")  # the public functions (docs/python-api.md)
    assert planner.whatif is api.whatif and planner.frontier is api.frontier


# -- issue 11.5 / 11.6: what-if plots -----------------------------------------------------------


def _figure(vary):
    from planner.present.plots import whatif_figure

    sweep = run_whatif(TINY, vary, explain=False)
    return sweep, whatif_figure(sweep)


def _notes_of(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts if ": " in t.get_text() and " -- " in t.get_text()]


def _plan_of(point):
    plan = point.result.plan if point.result is not None else None
    return None if plan is None else (plan.model_params, plan.gpu, plan.gpu_count, plan.region, plan.alignment)


def test_whatif_plot_labels_state_each_plans_true_range_for_a_sweep_listed_downwards():
    import matplotlib.pyplot as plt

    caps = [None, 0.2, 0.15, 0.12, 0.1, 0.05, 0.01, 0.005]  # listed downwards, "none" (no limit) first
    sweep, fig = _figure({"limits.max_co2_t": caps})
    try:
        notes = _notes_of(fig)
        plans: dict = {}
        for point in sweep.points:
            if _plan_of(point) is not None:
                plans.setdefault(_plan_of(point), []).append(point.inputs["limits.max_co2_t"])
        assert len(plans) >= 2 and len(notes) == len(plans)  # one note per plan (each a single run here)
        text = " | ".join(notes)
        assert "above" not in text and "below" not in text
        for values in plans.values():
            numbers = sorted(v for v in values if v is not None)
            if len(values) == 1:
                expected = "none (no limit)" if values[0] is None else f"{values[0]:,.4g} t"
                assert f"max_co2_t = {expected}" in text
            else:
                high = "none (no limit)" if None in values else f"{numbers[-1]:,.4g} t"
                assert f"max_co2_t {numbers[0]:,.4g} t to {high}" in text, (values, text)
    finally:
        plt.close(fig)


def test_whatif_plot_never_joins_two_plans_and_keeps_labels_inside_and_apart():
    import matplotlib.pyplot as plt

    sweep, fig = _figure(["gpus[H100].mfu=0.3,0.5", "limits.max_co2_t=0.2:0.005:12"])
    try:
        ax = fig.axes[0]
        # 2-D sweep in the documented order (short axis first): the long axis goes across, two lines
        assert ax.get_xlabel().startswith("limits.max_co2_t")
        assert sorted(ax.get_legend_handles_labels()[1]) == ["mfu=0.3", "mfu=0.5", "no plan"]
        by_xy = {}
        for point in sweep.points:
            if point.result is not None and point.result.objective_value is not None:
                key = (round(point.inputs["limits.max_co2_t"], 9), round(point.result.objective_value / 1e3, 9))
                by_xy.setdefault(key, set()).add(_plan_of(point))
        for line in ax.lines:
            xs, ys = line.get_xdata(), line.get_ydata()
            if len(xs) < 2 or line.get_linestyle() in ("None", "none", ":"):
                continue
            if line.get_transform() != ax.transData:
                continue
            plans = set()
            for x, y in zip(xs, ys):
                plans |= by_xy[(round(float(x), 9), round(float(y), 9))]
            assert len(plans) == 1, plans  # a drawn segment joins points of one plan only
        # numbered labels: inside the axes, not overlapping each other
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        frame = ax.get_window_extent(renderer)
        boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text().isdigit()]
        assert len(boxes) == len(_notes_of(fig)) >= 3
        for k, box in enumerate(boxes):
            assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            assert not any(box.overlaps(other) for other in boxes[k + 1:])
        # axes in $k / t, no offset or scientific notation
        assert "($k)" in ax.get_ylabel() and "(t)" in ax.get_xlabel()
        assert ax.yaxis.get_offset_text().get_text() == "" and ax.xaxis.get_offset_text().get_text() == ""
        assert not any("e" in t.get_text() for t in ax.get_yticklabels())
    finally:
        plt.close(fig)


def test_whatif_identical_lines_are_drawn_once_with_all_their_labels():
    import matplotlib.pyplot as plt

    # a price of Sweden's H100s the cheapest plan never uses: every line is the same
    sweep, fig = _figure(["regions[sweden].offers.H100.usd_per_gpu_hour=3.6,3.7,3.8", "limits.max_co2_t=0.3:0.15:4"])
    try:
        groups = {p.inputs["regions[sweden].offers.H100.usd_per_gpu_hour"] for p in sweep.points}
        assert len(groups) == 3
        labels = [lab for lab in fig.axes[0].get_legend_handles_labels()[1] if lab != "no plan"]
        assert labels == ["usd_per_gpu_hour=3.6, 3.7, 3.8"]
    finally:
        plt.close(fig)


@pytest.mark.slow
def test_whatif_on_a_pool_and_on_dask_equals_serial(monkeypatch, capsys):
    """`plan whatif --workers 2` and `--scheduler` (a loopback Dask LocalCluster) give the same rows
    as the serial sweep, infeasible points and reasons included."""

    args = ["whatif", TINY, "--vary", "limits.max_co2_t=0.2,0.1,0.05,0.005", "--vary", "staff_usd_per_day=0,3000",
            "--format", "csv"]
    code, serial, _ = run_main(monkeypatch, capsys, *args)
    assert code == 0 and serial.count("infeasible") == 2
    code, pooled, _ = run_main(monkeypatch, capsys, *args, "--workers", "2")
    assert code == 0 and pooled == serial
    from dask_cluster import local_cluster

    with local_cluster() as address:
        code, on_dask, _ = run_main(monkeypatch, capsys, *args, "--scheduler", address)
    assert code == 0 and on_dask == serial


def test_whatif_plot_varying_the_objective_draws_one_panel_per_objective_in_its_own_unit():
    """USD and t never share an axis: each objective gets its own panel, whose points are exactly
    that objective's optima; the plans are numbered on across the panels."""
    import matplotlib.pyplot as plt

    sweep, fig = _figure(["objective=cost,co2", "limits.max_co2_t=0.3:0.15:4"])
    try:
        assert sweep.objective == "mixed"
        axes = [ax for ax in fig.axes if ax.get_ylabel()]
        assert [ax.get_title() for ax in axes] == ["what-if: cost against limits.max_co2_t",
                                                    "what-if: co2 against limits.max_co2_t"]
        assert axes[0].get_ylabel().startswith("cost (") and axes[1].get_ylabel() == "CO2e (t)"
        for ax, objective in zip(axes, ("cost", "co2")):
            expected = sorted(round(p.result.objective_value, 6) for p in sweep.points
                              if p.inputs["objective"] == objective and p.result is not None
                              and p.result.objective_value is not None)
            drawn = sorted(round(float(y), 6) for line in ax.lines if line.get_transform() == ax.transData
                           and line.get_linestyle() not in (":",) for y in line.get_ydata())
            scale = 1e3 if "($k)" in ax.get_ylabel() else 1e6 if "($M)" in ax.get_ylabel() else 1.0
            assert [round(v / scale, 6) for v in expected] == drawn
        numbers = [int(t.get_text()) for ax in axes for t in ax.texts if t.get_text().isdigit()]
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 2
    finally:
        plt.close(fig)
