"""A what-if over categories (`scaling_law=epoch2024,chinchilla,...`) draws points, not a line
with slopes between values that have nothing in between."""

from pathlib import Path

from planner.analysis.whatif import run_whatif

ROOT = Path(__file__).resolve().parent.parent


def test_categorical_points_are_not_joined():
    from planner.present.plots import plain_text, whatif_figure

    sweep = run_whatif(ROOT / "instances" / "startup-7b.yaml",
                       ["scaling_law=epoch2024,chinchilla,muennighoff2023"])
    assert len({p.result.plan.model_params for p in sweep.points}) == 1  # one plan: one run of 3 points
    with plain_text():
        fig = whatif_figure(sweep)
    import matplotlib.pyplot as plt

    try:
        # one model size, but the GPU count moves with each law's tokens (the scale limit): however
        # the points group, no two categories are joined by a line
        drawn = [line for ax in fig.axes for line in ax.get_lines()
                 if len(set(line.get_xdata())) >= 2]   # (a vertical marker between plans joins nothing)
        points = sum(len(line.get_xdata()) for ax in fig.axes for line in ax.get_lines())
        assert points >= 3 and all(line.get_linestyle() == "None" for line in drawn)
    finally:
        plt.close(fig)


def test_numeric_points_of_one_plan_stay_joined():
    from planner.present.plots import plain_text, whatif_figure

    sweep = run_whatif(ROOT / "instances" / "startup-7b.yaml", ["limits.budget_usd=2e6,3e6,4e6"])
    with plain_text():
        fig = whatif_figure(sweep)
    import matplotlib.pyplot as plt

    try:
        drawn = [line for ax in fig.axes for line in ax.get_lines() if line.get_marker() == "o" and len(line.get_xdata()) >= 2]
        assert drawn and all(line.get_linestyle() == "-" for line in drawn)
    finally:
        plt.close(fig)


def test_serving_sweep_ticks_are_short_and_apart():
    """The sweep docs/serving.md suggests (0 and four decades): 17-digit tick labels used to overlap."""
    from planner.present.plots import plain_text, whatif_figure

    sweep = run_whatif(ROOT / "instances" / "serving-demand.yaml", ["serving.tokens=0,1e12,1e13,1e14,1e15"])
    with plain_text():
        fig = whatif_figure(sweep)
    import matplotlib.pyplot as plt

    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        labels = [t for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]
        assert [t.get_text() for t in labels] == ["0", "1T", "10T", "100T", "1,000T"]
        boxes = [t.get_window_extent(renderer) for t in labels]
        assert not any(a.overlaps(b) for a, b in zip(boxes, boxes[1:]))
    finally:
        plt.close(fig)
