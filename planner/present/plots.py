"""Figures for what-if sweeps and frontiers (matplotlib, Agg backend, imported only when a plot is
asked for).

- plot_whatif: the objective against the first varied input (one line per value of the second,
  if any); where the decisions change between neighbouring points a dotted line and a note
  ("B200 in sweden above 4.2e+07"); infeasible or invalid points as red crosses on the axis.
- plot_frontiers: one or more frontiers, the limited quantity across and the minimised one up,
  drawn as staircases through their points, each point labelled by its decisions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.errors import InputError

if TYPE_CHECKING:
    from planner.analysis.frontier import Frontier
    from planner.analysis.whatif import WhatIf, WhatIfPoint

PLOT_SUFFIXES = (".png", ".pdf", ".svg")

_LABELS = {
    "cost": "cost (USD)", "co2": "CO2e (t)", "time": "duration (days)", "loss": "loss (nats/token)",
    "weighted": "cost + carbon price x CO2 (USD)", "mixed": "objective value",
}


def check_plot_path(path: str | Path) -> Path:
    """A plot file name the CLI accepts (checked before any solve)."""
    path = Path(path)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise InputError("--plot", f"must end in {', '.join(PLOT_SUFFIXES)}, got '{path.name}'")
    if path.is_dir():
        raise InputError("--plot", f"{path} is a directory")
    if not path.parent.exists():
        raise InputError("--plot", f"directory {path.parent} does not exist")
    return path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    try:
        fig.savefig(path, dpi=130, bbox_inches="tight")
    except OSError as exc:
        raise InputError("--plot", f"cannot write {path} ({exc.strerror or exc})") from None
    finally:
        _pyplot().close(fig)


def decisions(point: WhatIfPoint) -> tuple | None:
    """The discrete choices of a point's plan (what a 'switch' is)."""
    result = point.result
    if result is None or result.plan is None:
        return None
    plan = result.plan
    return (plan.model_params, plan.gpu, plan.gpu_count, plan.region, plan.alignment)


def switch_note(before: tuple | None, after: tuple) -> str:
    """What changed between two plans, in words: `B200 in sweden`, `70B params`, `DPO`."""
    size, gpu, count, region, recipe = after
    parts = []
    if before is None or (gpu, region) != (before[1], before[3]):
        parts.append(f"{gpu} in {region}")
    elif count != before[2]:
        parts.append(f"{count:,} GPUs")
    if before is None or size != before[0]:
        parts.append(f"{_si(size)} params")
    if recipe and (before is None or recipe != before[4]):
        parts.append(recipe)
    return ", ".join(parts) or "same plan"


def plot_whatif(sweep: WhatIf, path: str | Path) -> None:
    """The objective against the varied input (module docstring)."""
    plt = _pyplot()
    path = Path(path)
    x_vary = next((v for v in sweep.varies if all(_numeric(x) for x in v.values)), sweep.varies[0])
    others = [v for v in sweep.varies if v is not x_vary]
    numeric_x = all(_numeric(x) for x in x_vary.values)
    fig, ax = plt.subplots(figsize=(9, 5.5))
    groups: dict[tuple, list[WhatIfPoint]] = {}
    for point in sweep.points:
        key = tuple((v.path, point.inputs[v.path]) for v in others)
        groups.setdefault(key, []).append(point)
    categories = {_show(x): k for k, x in enumerate(x_vary.values)}

    def xpos(point: WhatIfPoint) -> float:
        value = point.inputs[x_vary.path]
        return float(value) if numeric_x else float(categories[_show(value)])

    for key, points in groups.items():
        points = sorted(points, key=xpos)
        label = ", ".join(f"{p}={_show(v)}" for p, v in key) or None
        xs = [xpos(p) for p in points if _has_value(p)]
        ys = [p.result.objective_value for p in points if _has_value(p)]
        line = ax.plot(xs, ys, marker="o", markersize=3.5, linewidth=1.4, label=label)[0]
        bad = [xpos(p) for p in points if not _has_value(p)]
        if bad:  # at the foot of the axes, whatever the y range
            ax.plot(bad, [0.02] * len(bad), linestyle="none", marker="x", color="tab:red", markersize=7,
                    transform=ax.get_xaxis_transform(),
                    label="no plan" if "no plan" not in ax.get_legend_handles_labels()[1] else None)
        previous = None
        previous_point = None
        for point in points:
            now = decisions(point)
            if now is not None and previous is not None and now != previous:
                x = xpos(point)
                x_prev = xpos(previous_point)
                ax.axvline(math.sqrt(x * x_prev) if x_vary.log and x > 0 and x_prev > 0 else (x + x_prev) / 2,
                           color=line.get_color(), linestyle=":", linewidth=1)
                word = "above" if x > x_prev else "below"
                ax.annotate(f"{switch_note(previous, now)} {word} {_show(point.inputs[x_vary.path])}",
                            (x, point.result.objective_value), textcoords="offset points", xytext=(4, 6),
                            fontsize=7.5, color=line.get_color(), rotation=20)
            if now is not None and previous is None:  # the first plan of the line, in full
                ax.annotate(switch_note(None, now), (xpos(point), point.result.objective_value),
                            textcoords="offset points", xytext=(4, -12), fontsize=7.5, color=line.get_color())
            if now is not None:
                previous, previous_point = now, point
    if x_vary.log and numeric_x:
        ax.set_xscale("log")
    if not numeric_x:
        ax.set_xticks(list(categories.values()), list(categories.keys()))
    ax.set_xlabel(x_vary.path)
    ax.set_ylabel(_LABELS.get(sweep.objective, sweep.objective))
    ax.set_title(f"what-if: {sweep.objective} against {x_vary.path}")
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[1]:
        ax.legend(fontsize=8)
    _save(fig, path)


def plot_frontiers(fronts: Sequence[Frontier], path: str | Path, label_points: bool = True) -> None:
    """Frontiers as staircases, the limited quantity across and the minimised one up."""
    from planner.analysis.frontier import decision_label

    plt = _pyplot()
    path = Path(path)
    fig, ax = plt.subplots(figsize=(9, 5.5))
    for front in fronts:
        if not front.points:
            continue
        pts = sorted(front.points, key=lambda p: p.g)
        xs, ys = [p.g for p in pts], [p.f for p in pts]
        if "loss" in (front.minimize, front.limit):
            # Continuous (tokens move with the limit): the points are exact samples of a curve.
            line = ax.plot(xs, ys, linewidth=1.2, alpha=0.7, linestyle="--")[0]
        else:
            # A staircase: the best f under a limit eps is constant from a point's g to the next one.
            span = (xs[-1] - xs[0]) or abs(xs[-1]) or 1.0
            line = ax.step(xs + [xs[-1] + 0.05 * span], ys + [ys[-1]], where="post", linewidth=1.2, alpha=0.7)[0]
        ax.plot(xs, ys, marker="o", linestyle="none", color=line.get_color(),
                label=front.name if len(fronts) > 1 else None)
        if label_points:
            for p in pts:
                ax.annotate(decision_label(p.result), (p.g, p.f), textcoords="offset points", xytext=(5, 4),
                            fontsize=7, color=line.get_color())
    first = fronts[0]
    ax.set_xlabel(f"{_LABELS[first.limit]} (limit)")
    ax.set_ylabel(f"{_LABELS[first.minimize]} (minimised)")
    title = (f"Pareto frontier: {first.minimize} vs {first.limit}" if len(fronts) == 1
             else f"Pareto frontiers: {first.minimize} vs {first.limit}")
    ax.set_title(title + (f" - {first.name}" if len(fronts) == 1 else ""))
    ax.grid(True, alpha=0.3)
    if len(fronts) > 1:
        ax.legend(fontsize=8)
    _save(fig, path)


def _has_value(point: WhatIfPoint) -> bool:
    return point.result is not None and point.result.objective_value is not None


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return "none" if value is None else str(value)


def _si(value: float) -> str:
    for factor, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.3g}{suffix}"
    return f"{value:.3g}"
