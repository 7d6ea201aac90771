"""`plan compare`: frontiers of several scenarios and where each wins."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from planner.analysis.frontier import Frontier, FrontierPoint, best_under, run_compare, unique_names, win_ranges
from planner.input.loading import read_yaml

TINY = Path(__file__).parent / "data" / "sweep_tiny.yaml"


def front(name: str, pairs: list[tuple[float, float]]) -> Frontier:
    points = [FrontierPoint(None, None, f, g) for f, g in pairs]  # type: ignore[arg-type]
    return Frontier(name, "cost", "co2", points)


def test_win_ranges_by_hand():
    # A: cheap and dirty; B: dearer, cleaner. Best cost under a CO2 limit eps:
    #   eps in [2, 5): only B (cost 9);  [5, 6): A 10 vs B 9 -> B, A runner-up;  [6, inf): A 4 vs B 7 -> A
    # A range is cut where the runner-up changes (issue 11.6: the table shows the runner-up everywhere).
    a = front("A", [(4, 6), (10, 5)])
    b = front("B", [(7, 3), (9, 2)])
    wins = win_ranges([a, b])
    assert [(w.low, w.high, w.winner, w.runner_up) for w in wins] == [(2, 5, "B", None), (5, 6, "B", "A"),
                                                                      (6, math.inf, "A", "B")]
    assert (wins[0].value, wins[0].value_high) == (9, 7)
    assert (wins[1].value, wins[1].runner_up_value, wins[1].runner_up_value_high) == (7, 10, 10)
    assert wins[2].value == 4 and wins[2].runner_up_value == 7
    assert best_under(a, 5.5).f == 10 and best_under(b, 1) is None


def test_runner_up_is_the_best_other_scenario_everywhere():
    """Three scenarios; at every cut the runner-up equals the best non-winner found by hand."""
    a = front("A", [(4, 6), (10, 5)])
    b = front("B", [(7, 3), (9, 2)])
    c = front("C", [(5, 8), (6, 7)])  # only with a loose limit; then between A and B
    wins = win_ranges([a, b, c])
    for w in wins:
        for eps in sorted({p.g for f in (a, b, c) for p in f.points if w.low <= p.g < w.high}):
            standings = sorted((best_under(f, eps).f, f.name) for f in (a, b, c) if best_under(f, eps))
            assert w.winner == standings[0][1]
            assert w.runner_up == (standings[1][1] if len(standings) > 1 else None), (w, eps)
    assert ("A", "C") in {(w.winner, w.runner_up) for w in wins}  # hidden when ranges merged by winner only


def test_compare_two_scenarios(tmp_path):
    cheap_sweden = read_yaml(TINY)
    cheap_sweden["name"] = "cheap-sweden"
    cheap_sweden["regions"][3]["offers"]["B200"]["usd_per_gpu_hour"] = 5.0
    fronts, wins = run_compare([TINY, cheap_sweden], "cost", "co2", "all")
    assert [f.name for f in fronts] == ["tiny", "cheap-sweden"]
    # Everywhere, the winner's best cost under the limit is no higher than any other scenario's.
    for w in wins:
        for eps in (w.low, (w.low + w.high) / 2 if math.isfinite(w.high) else w.low * 2):
            values = {f.name: best_under(f, eps).f for f in fronts if best_under(f, eps) is not None}
            for winner in w.winner.split(" = "):
                assert values[winner] == pytest.approx(min(values.values()))
    # Cheaper B200s in Sweden win wherever a Swedish plan is chosen; above that the plans are the same.
    assert [w.winner for w in wins] == ["cheap-sweden", "tiny = cheap-sweden"]
    assert wins[0].value > wins[0].value_high and wins[0].runner_up == "tiny"
    assert wins[0].low == pytest.approx(min(p.g for f in fronts for p in f.points))


def test_cli_compare_json_table_and_plot(tmp_path):
    other = tmp_path / "b.yaml"
    other.write_text(TINY.read_text().replace("name: tiny", "name: cheap-sweden")
                     .replace("B200: {usd_per_gpu_hour: 8.0", "B200: {usd_per_gpu_hour: 5.0"))
    runner = CliRunner()
    result = runner.invoke(cli.group, ["compare", str(TINY), str(other), "--points", "5", "--format", "json",
                                       "--plot", str(tmp_path / "c.png")])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert [s["name"] for s in doc["scenarios"]] == ["tiny", "cheap-sweden"]
    assert all(s["points"] for s in doc["scenarios"]) and doc["wins"]
    assert doc["wins"][-1]["limit_to"] is None
    assert (tmp_path / "c.png").stat().st_size > 1000
    result = runner.invoke(cli.group, ["compare", str(TINY), str(TINY), "--points", "3"])
    assert result.exit_code == 0 and "tiny (2)" in result.output and "where each scenario wins" in result.output


def test_unique_names():
    assert unique_names(["a", "a", "b", "a"]) == ["a", "a (2)", "b", "a (3)"]


def test_compare_csv_binding_has_no_limit_the_instances_lack():
    """Issue 11.3: sweep_tiny has no budget, CO2 cap or deadline; none of them may be listed as binding."""
    import csv
    import io

    result = CliRunner().invoke(cli.group, ["compare", str(TINY), str(TINY), "--points", "4", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) >= 6
    for row in rows:
        assert not {"budget_usd", "max_co2_t", "deadline_days"} & set(row["binding"].split(";")), row
        assert "max_loss" in row["binding"].split(";")  # the loss target binds every cost-minimising plan


def test_frontier_plots_are_staircases_in_plain_units_with_labels_apart():
    """Issue 11.6: discrete plans drawn as steps with markers (no slope between two plans), axes in
    $k / $M and t without offsets, numbered labels inside the axes and never on one another."""
    import matplotlib.pyplot as plt

    from planner.present.plots import axis_unit, frontiers_figure

    assert axis_unit("usd", [1.85e6, 2.3e6]) == (1e6, "$M") and axis_unit("usd", [5729.0]) == (1e3, "$k")
    assert axis_unit("t", [72.9, 12.6]) == (1.0, "t")
    cheap = read_yaml(TINY)
    cheap["name"] = "cheap-sweden"
    cheap["regions"][3]["offers"]["B200"]["usd_per_gpu_hour"] = 5.0
    fronts, _ = run_compare([TINY, cheap], "cost", "co2", "all")
    fig = frontiers_figure(fronts)
    try:
        ax = fig.axes[0]
        steps = [line for line in ax.lines if line.get_drawstyle() == "steps-post"]
        assert len(steps) == 2
        for line, front in zip(steps, fronts):
            # the staircase only turns at the frontier's own points: its corners are (g_k, f_k), (g_k+1, f_k)
            xs = [x * 1.0 for x in line.get_xdata()][:-1]
            assert xs == pytest.approx(sorted(p.g for p in front.points))
        assert "($k)" in ax.get_ylabel() and "(t)" in ax.get_xlabel()
        assert ax.yaxis.get_offset_text().get_text() == "" == ax.xaxis.get_offset_text().get_text()
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        frame = ax.get_window_extent(renderer)
        boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text().isdigit()]
        assert len(boxes) >= 4
        for k, box in enumerate(boxes):
            assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            assert not any(box.overlaps(other) for other in boxes[k + 1:])
        notes = [t.get_text() for t in ax.texts if " -- cost $" in t.get_text()]
        assert len(notes) == len(boxes) and any(n.split(": ", 1)[1].startswith("cheap-sweden") for n in notes)
    finally:
        plt.close(fig)
