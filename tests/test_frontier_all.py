"""`plan frontier --points all` on a frontier over GPU counts: the staircase has a step per node
(226 plans a few thousand dollars apart on us-vs-nordic); every output shows the same thinned
points, the plot numbers them as the table does, and money is drawn from zero."""

import csv
import io
import re
from pathlib import Path

import pytest
from cli_run import run_main

from planner.analysis.frontier import run_frontier, thin_staircase

ROOT = Path(__file__).resolve().parent.parent
NORDIC = ROOT / "instances" / "us-vs-nordic.yaml"


@pytest.fixture(scope="module")
def exact():
    return run_frontier(NORDIC, "cost", "co2", "all")


def test_thinned_points_are_apart_and_keep_the_ends(exact):
    thin = thin_staircase(exact.points, 0.05)
    assert len(exact.points) > 100 and 2 < len(thin) <= 25
    assert thin[0] is exact.points[0] and thin[-1] is exact.points[-1]
    span_f = exact.points[-1].f - exact.points[0].f
    span_g = exact.points[0].g - exact.points[-1].g
    for a, b in zip(thin, thin[1:]):  # each step moves cost or CO2 by 5% of the span (or a choice)
        assert b.f - a.f >= 0.05 * span_f * (1 - 1e-12) or a.g - b.g >= 0.05 * span_g * (1 - 1e-12) \
            or a.result.plan.gpu != b.result.plan.gpu or a.result.plan.region != b.result.plan.region


@pytest.mark.slow
def test_cli_outputs_show_the_same_points(monkeypatch, capsys, exact, tmp_path):
    code, out, err = run_main(monkeypatch, capsys, "frontier", NORDIC, "--points", "all", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    expected = thin_staircase(exact.points, 0.05)
    assert [float(r["cost"]) for r in rows] == pytest.approx([p.f for p in expected], rel=1e-9)
    monkeypatch.setenv("COLUMNS", "100")
    code, out, err = run_main(monkeypatch, capsys, "frontier", NORDIC, "--points", "all")
    assert f"{len(expected)} of the staircase's {len(exact.points):,} non-dominated points" in out


def test_plot_numbers_are_the_table_rows_and_cost_starts_at_zero(exact):
    from planner.present.plots import frontiers_figure

    front = run_frontier(NORDIC, "cost", "co2", "all", resolution=0.05)
    fig = frontiers_figure([front])
    ax = fig.axes[0]
    assert ax.get_ylim()[0] == 0
    notes = [t.get_text() for t in ax.texts if re.match(r"\d+: ", t.get_text())]
    assert notes
    for note in notes:  # "k: <plan> -- cost $10.640M, ..." is row k of the table
        k = int(note.split(":")[0])
        assert f"${front.points[k - 1].f / 1e6:,.3f}M" in note
    import matplotlib.pyplot as plt

    plt.close(fig)
