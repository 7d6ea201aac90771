"""The uncertainty histograms as a reader sees them: no `1e6` offset on any axis, money in $k or $M, and
no legend entry for a line that is not drawn inside the axes (a far limit goes in the title)."""

from pathlib import Path

import pytest

from planner.analysis.uncertainty import run_uncertainty

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def figure():
    from planner.present.plots import plain_text
    from planner.present.uncertainty_plot import uncertainty_figure

    result = run_uncertainty(ROOT / "instances" / "startup-7b.yaml", samples=60,
                             dists=["gpus[H100].mfu=normal(0.4,0.05)"])
    with plain_text():  # titles hold `$` (as plot_uncertainty draws them)
        fig = uncertainty_figure(result)
        fig.canvas.draw()
        yield fig
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_no_axis_offset_and_money_in_millions(figure):
    for ax in figure.axes:
        assert ax.xaxis.get_offset_text().get_text() == "", ax.get_title()
    cost = next(ax for ax in figure.axes if ax.get_title().startswith("cost"))
    # the plan costs ~$0.9M: in $k, and the $2M budget, far off, named in the title, not drawn
    assert cost.get_title().startswith("cost ($k)") and "$2,000k, off the axis" in cost.get_title()
    assert max(cost.get_xlim()) < 2000  # the histogram is not squashed towards a far limit


def test_every_legend_entry_is_drawn_inside_the_axes(figure):
    for ax in figure.axes:
        handles, labels = ax.get_legend_handles_labels()
        left, right = ax.get_xlim()
        for handle, label in zip(handles, labels):
            xs = handle.get_xdata()
            assert all(left <= x <= right for x in xs), (ax.get_title(), label, xs, (left, right))
