"""`plan fit --plot`: the runs and the fitted law, loss against compute C = 6 N D.

One curve per model size: L(N, D) for that N over the token range its runs cover (a little
beyond), drawn against C = 6 N D. With more than MAX_CURVES distinct sizes the sizes are grouped
into log-spaced bins and one curve is drawn at each bin's geometric-mean size, coloured like its
runs. The dashed line is the compute-optimal frontier L(N*(C), D*(C)). Runs left out by
--max-loss or --drop-worst are grey crosses.

matplotlib is imported here only (and this module only when --plot is given); the figure is
drawn with the Agg canvas directly, so pyplot and its global backend state are never touched.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from planner.numbers import si
from planner.analysis.fitting import FitReport
from planner.errors import clip
from planner.outputs import save_figure_atomic

MAX_CURVES = 8


def size_groups(params: np.ndarray, max_groups: int = MAX_CURVES) -> tuple[np.ndarray, np.ndarray, bool]:
    """(group index per run, representative size per group, binned?): the distinct sizes, or
    log-spaced bins represented by their runs' geometric-mean size."""
    sizes = np.unique(params)
    if sizes.size <= max_groups:
        return np.searchsorted(sizes, params), sizes, False
    edges = np.geomspace(sizes[0], sizes[-1], max_groups + 1)
    group = np.clip(np.searchsorted(edges, params, side="right") - 1, 0, max_groups - 1)
    used = np.unique(group)
    remap = np.full(max_groups, -1)
    remap[used] = np.arange(used.size)
    reps = np.array([np.exp(np.log(params[group == g]).mean()) for g in used])
    return remap[group], reps, True


def plot_fit(report: FitReport, path: str | Path) -> None:
    """Draw the runs and the fitted curves to `path` (.png, .pdf or .svg)."""
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fit, runs = report.fit, report.runs
    fig = Figure(figsize=(8.0, 5.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    group, reps, binned = size_groups(runs.params)
    colours = colormaps["viridis"](np.linspace(0.0, 0.9, max(len(reps), 1)))
    for g, size in enumerate(reps):
        mine = group == g
        colour = colours[g]
        ax.scatter(runs.compute_flops[mine], runs.loss[mine], s=18, color=colour, alpha=0.8,
                   label=f"N {'~' if binned else '='} {si(size)}")
        lo, hi = runs.tokens[mine].min(), runs.tokens[mine].max()
        tokens = np.geomspace(lo / 1.5, hi * 1.5, 120)
        ax.plot(6.0 * size * tokens, fit.predict(np.full_like(tokens, size), tokens), color=colour, lw=1.4)
    c_all = np.concatenate([runs.compute_flops, [6.0 * d.params * d.tokens for d in report.dropped]])
    compute = np.geomspace(c_all.min() / 2.0, c_all.max() * 2.0, 200)
    g_ = (fit.alpha * fit.A / (fit.beta * fit.B)) ** (1.0 / (fit.alpha + fit.beta))
    n_opt = g_ * (compute / 6.0) ** (fit.beta / (fit.alpha + fit.beta))
    ax.plot(compute, fit.predict(n_opt, compute / (6.0 * n_opt)), "k--", lw=1.0,
            label="compute-optimal frontier")
    if report.dropped:
        ax.scatter([6.0 * d.params * d.tokens for d in report.dropped], [d.loss for d in report.dropped],
                   marker="x", color="0.5", s=30, label="left out")
    ax.set_xscale("log")
    ax.set_xlabel("training compute C = 6 N D (FLOPs)")
    ax.set_ylabel("loss (nats/token)")
    ax.set_title(
        f"{clip(runs.source)}: L = {fit.E:.3g} + {fit.A:.3g}/N^{fit.alpha:.3f} + {fit.B:.3g}/D^{fit.beta:.3f}",
        fontsize=10,
    )
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=8, loc="upper right")
    save_figure_atomic(fig, path, "--plot", dpi=120)  # plain-text labels, temporary file + rename


