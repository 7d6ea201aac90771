"""Figures for what-if sweeps and frontiers (matplotlib, Agg backend, imported only when a plot is
asked for).

- plot_whatif: the objective against the numeric varied input with the most values (one line per
  value of the others; identical lines drawn once with all their labels). Plans are discrete: the
  points of one plan are joined, a switch is a gap with a dotted line, never a slope between two
  plans. Each plan is numbered on its line and listed under the axes with the true range of the
  swept value where it was found ("max_co2_t 100 to 800", lowest first whatever order the values
  were listed in). Infeasible or invalid points are red crosses at the foot of the axes. A sweep
  that varies `objective` gets one panel per objective, each in its own unit.
- plot_frontiers: one or more frontiers, the limited quantity across and the minimised one up,
  drawn as staircases (markers on the steps), points numbered and the plans listed under the axes.
- Axes in plain units: dollars in $M (or $k), CO2 in t; no offsets, no scientific notation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.numbers import si
from planner.errors import InputError
from planner.formulas.limits import OBJECTIVES
from planner.numbers import tick
from planner.numbers import value as number_value
from planner.constants import Objective

if TYPE_CHECKING:
    from planner.analysis.frontier import Frontier
    from planner.analysis.whatif import WhatIf, WhatIfPoint

PLOT_SUFFIXES = (".png", ".pdf", ".svg")

_LABELS = {**{row.name: row.title for row in OBJECTIVES.values()}, "mixed": "objective value"}


def check_plot_path(path: str | Path, inputs: Sequence[str | Path] = ()) -> Path:
    """A plot file name the CLI accepts (checked before any solve): a known suffix, a file that can
    be created, and none of the command's `inputs` (planner.outputs.check_output)."""
    from planner.outputs import check_output

    path = Path(path)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise InputError("--plot", f"must end in {', '.join(PLOT_SUFFIXES)}, got '{path.name}'")
    return check_output(path, "--plot", inputs)


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plain_text():
    """No mathtext while a figure is built and saved: every label here is plain text (the ticks use
    plain formatters), and user names may hold `$` -- `$\\foo$` would fail to parse (issue 13)."""
    import contextlib
    import warnings

    import matplotlib

    stack = contextlib.ExitStack()
    stack.enter_context(matplotlib.rc_context({"text.parse_math": False}))
    stack.enter_context(warnings.catch_warnings())
    # a name in a script the font lacks is drawn as boxes: not worth a warning on stderr
    warnings.filterwarnings("ignore", message=r"Glyph .* missing from font", category=UserWarning)
    return stack


def save_figure(fig, path: Path) -> None:
    """Labels as plain text (no mathtext from user names), written atomically (planner.outputs)."""
    from planner.outputs import save_figure_atomic

    try:
        save_figure_atomic(fig, path, "--plot", dpi=130, bbox_inches="tight")
    finally:
        pyplot().close(fig)


def decisions(point: WhatIfPoint) -> tuple | None:
    """The discrete choices of a point's plan (what a 'switch' is)."""
    result = point.result
    if result is None or result.plan is None:
        return None
    plan = result.plan
    return (plan.model_params, plan.gpu, plan.gpu_count, plan.region, plan.alignment)


def plan_words(choice: tuple) -> str:
    """`2B params, 256 x H100 in us-east, DPO`."""
    size, gpu, count, region, recipe = choice
    return f"{si(size)} params, {count:,} x {gpu} in {region}" + (f", {recipe}" if recipe else "")


# -- units on the axes -------------------------------------------------------------------------


def axis_unit(kind: str, values: Sequence[float]) -> tuple[float, str]:
    """(divisor, unit) for an axis: dollars in $M (or $k, $), CO2 in t; never an offset or 1e6."""
    top = max((abs(v) for v in values if v is not None and math.isfinite(v)), default=0.0)
    if kind == "usd":
        if top >= 1e6:
            return 1e6, "$M"
        if top >= 1e3:
            return 1e3, "$k"
        return 1.0, "$"
    return 1.0, {"t": "t", "days": "days", "loss": "nats/token"}.get(kind, "")


def quantity_kind(name: str) -> str:
    """usd, t, days, loss or '' for an objective name or a what-if path."""
    name = name.lower()
    if name in (Objective.COST, Objective.WEIGHTED) or name.endswith("usd") or "usd_" in name or "_usd" in name:
        return "usd"
    if name == Objective.CO2 or name.endswith("_t") or name.endswith("co2_t"):
        return "t"
    if name in (Objective.TIME,) or name.endswith("days"):
        return "days"
    if name == Objective.LOSS or name.endswith("max_loss"):
        return "loss"
    return ""


def plain_ticks(axis, log: bool) -> None:
    """Tick labels as plain numbers (1.5, 20, 1,000, 200T): no offset, no scientific notation, never
    17 digits (planner.numbers.tick)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    if log:
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_minor_formatter(NullFormatter())
    axis.set_major_formatter(FuncFormatter(lambda v, _: tick(v)))


def _axis_label(name: str, kind: str, unit: str) -> str:
    base = _LABELS.get(name, name)
    if kind == "usd":
        base = base.replace(" (USD)", "")
        return f"{base} ({unit})"
    if unit and "(" not in base:
        return f"{base} ({unit})"
    return base


# -- what-if -----------------------------------------------------------------------------------


@dataclass
class _Run:
    """Neighbouring points of one line (in order of the swept value) with the same plan."""

    choice: tuple
    points: list


def _x_vary(sweep: WhatIf):
    """The input across: the numeric one with the most values (`none` counts as a value: no limit);
    the others make the lines. A 2-D sweep listed with the short axis first still gets its long
    axis across, not a dozen two-point lines."""
    def numeric(v) -> bool:
        return all(_numeric(x) or x is None for x in v.values) and sum(_numeric(x) for x in v.values) >= 1
    candidates = [v for v in sweep.varies if numeric(v)]
    if not candidates:
        return sweep.varies[0], False
    return max(candidates, key=lambda v: len(set(map(number_value, v.values)))), True


def plot_whatif(sweep: WhatIf, path: str | Path) -> None:
    """The objective against the varied input (module docstring), saved to `path`."""
    with plain_text():
        save_figure(whatif_figure(sweep), Path(path))


def whatif_figure(sweep: WhatIf):
    """The figure of plot_whatif (the caller saves or closes it). A sweep that varies `objective`
    gets one panel per objective, stacked, each in its own unit (USD, t, days and nats are never
    drawn on one axis); the plans are numbered on across the panels and listed under the last."""
    plt = pyplot()
    panels = _objective_panels(sweep)
    height = 5.5 if len(panels) == 1 else 1.5 + 3.2 * len(panels)
    fig, axes = plt.subplots(len(panels), 1, figsize=(9.5, height), squeeze=False)
    if len(panels) > 1:
        fig.subplots_adjust(hspace=0.45)  # room for each panel's title under the ticks above
    notes: list[tuple[str, str]] = []
    start = 1  # the number of the next panel's first plan
    for ax, panel in zip(axes[:, 0], panels):
        numbered = _whatif_panel(fig, ax, panel, start=start)
        start += sum(bool(re.match(r"\d+: ", text)) for _, text in numbered)
        if len(panels) > 1 and numbered:
            notes.append(("black", f"minimising {panel.objective}:"))
        notes += numbered
    x_vary, _ = _x_vary(panels[0])
    _notes(fig, axes[-1, 0], notes, "plans (numbered on the lines), each at the values of "
           + x_vary.path.split(".")[-1] + " where it was optimal:")
    return fig


def _objective_panels(sweep: WhatIf) -> list[WhatIf]:
    """The sweep itself, or, when it varies `objective`, one sub-sweep per objective (in the order
    given) whose points all minimise that objective; `objective` stays the input across only when
    nothing else is varied."""
    from dataclasses import replace

    varied = next((v for v in sweep.varies if v.path == "objective"), None)
    if varied is None or len(varied.values) < 2:
        return [sweep]
    others = [v for v in sweep.varies if v is not varied]
    panels = []
    for objective in dict.fromkeys(varied.values):
        points = [p for p in sweep.points if p.inputs.get("objective") == objective]
        varies = others or [replace(varied, values=(objective,))]
        panels.append(replace(sweep, objective=str(objective), varies=varies, points=points))
    return panels


def _whatif_panel(fig, ax, sweep: WhatIf, start: int = 1) -> list[tuple[str, str]]:
    """Draw one what-if panel (module docstring) on `ax`; the notes of its numbered plans, the
    first numbered `start`."""
    x_vary, numeric_x = _x_vary(sweep)
    others = [v for v in sweep.varies if v is not x_vary]
    short_path = x_vary.path.split(".")[-1]
    numbers, log, x_kind, x_div, x_unit, no_limit_x, categories = _whatif_x(x_vary, numeric_x)

    def xpos(point: WhatIfPoint) -> float:
        value = point.inputs[x_vary.path]
        if not numeric_x:
            return float(categories[number_value(value)])
        return (no_limit_x if value is None else float(value)) / x_div

    def sort_key(point: WhatIfPoint) -> float:
        value = point.inputs[x_vary.path]
        if not numeric_x:
            return float(categories[number_value(value)])
        return math.inf if value is None else float(value)

    y_kind = quantity_kind(sweep.objective)
    y_div, y_unit = axis_unit(y_kind, [p.result.objective_value for p in sweep.points if _has_value(p)])
    groups, merged = _whatif_lines(sweep, others, sort_key)
    legend_lines = len(groups) > 1
    pending: list[tuple[float, float, str, str]] = []  # (x, y, colour, plan and range) of each run
    colours = pyplot().rcParams["axes.prop_cycle"].by_key()["color"]
    for line_index, keys in enumerate(merged.values()):
        colour = colours[line_index % len(colours)]
        label = _line_label(keys) if legend_lines else None
        runs = _plan_runs(groups[keys[0]])
        first = True
        for k, run in enumerate(runs):
            if run.choice is None:
                ax.plot([xpos(run.points[0])], [0.02], linestyle="none", marker="x", color="tab:red", markersize=7,
                        transform=ax.get_xaxis_transform(),
                        label="no plan" if "no plan" not in ax.get_legend_handles_labels()[1] else None)
                continue
            xs = [xpos(p) for p in run.points]
            yv = [p.result.objective_value / y_div for p in run.points]
            # one plan: its points joined (the plan is the same in between); never across a switch,
            # and never between categories (nothing lies between `chinchilla` and `epoch2024`)
            ax.plot(xs, yv, marker="o", markersize=4 if numeric_x else 6, linewidth=1.6,
                    linestyle="-" if numeric_x else "none", color=colour, label=label if first else None)
            first = False
            middle = len(run.points) // 2
            where = _range_words(short_path, [p.inputs[x_vary.path] for p in run.points], numeric_x, x_kind)
            suffix = f" [{label}]" if legend_lines else ""
            pending.append((xs[middle], yv[middle], colour, f"{plan_words(run.choice)} -- {where}{suffix}"))
            previous = next((r for r in reversed(runs[:k]) if r.choice is not None), None)
            if previous is not None and runs[k - 1].choice is not None:
                a, b = xpos(previous.points[-1]), xs[0]
                switch = math.sqrt(a * b) if log and a > 0 and b > 0 else (a + b) / 2
                ax.axvline(switch, color=colour, linestyle=":", linewidth=1)
    _whatif_axes(ax, sweep, x_vary, (numeric_x, log, numbers, x_div, no_limit_x, categories, x_kind, x_unit),
                 (y_kind, y_unit))
    return _numbered(fig, ax, pending, start=start)


def _whatif_x(x_vary, numeric_x: bool) -> tuple:
    """The swept input's axis: its numeric values, log scale or not, unit kind, divisor and unit,
    where "none" (no limit) is drawn, and the positions of categorical values."""
    numbers = [float(x) for x in x_vary.values if _numeric(x)]
    # log for a log range, and for values over three decades or more (1e12 ... 1e15 on a linear
    # axis puts all but the last at the left edge)
    positive = [x for x in numbers if x > 0]
    wide = bool(positive) and max(positive) >= 1e3 * min(positive)
    log: bool | str = bool(numeric_x and numbers and min(numbers) > 0 and (x_vary.log or wide))
    if numeric_x and wide and min(numbers) == 0:
        log = "symlog"  # 0, 1e12, ..., 1e15: linear up to the smallest positive value, log above
    x_kind = quantity_kind(x_vary.path) if numeric_x else ""
    x_div, x_unit = axis_unit(x_kind, numbers)
    no_limit_x = None
    if numeric_x and any(x is None for x in x_vary.values):
        low, high = (min(numbers), max(numbers)) if numbers else (1.0, 1.0)
        no_limit_x = high * 2.5 if log else high + max(0.25 * (high - low), abs(high) * 0.25 or 1.0)
    categories = {number_value(x): k for k, x in enumerate(x_vary.values)}
    return numbers, log, x_kind, x_div, x_unit, no_limit_x, categories


def _whatif_lines(sweep: WhatIf, others: list, sort_key) -> tuple[dict, dict]:
    """The sweep's points grouped into lines (one per value of the other inputs), each sorted along
    x; and the lines merged where identical (same plans and values everywhere): signature -> keys."""
    groups: dict[tuple, list[WhatIfPoint]] = {}
    for point in sweep.points:
        key = tuple((v.path, number_value(point.inputs[v.path])) for v in others)
        groups.setdefault(key, []).append(point)
    merged: dict[tuple, list[tuple]] = {}
    for key, points in groups.items():
        points.sort(key=sort_key)
        signature = tuple((sort_key(p), decisions(p), None if not _has_value(p) else round(p.result.objective_value, 9))
                          for p in points)
        merged.setdefault(signature, []).append(key)
    return groups, merged


def _line_label(keys: list[tuple]) -> str:
    """`mfu=0.3`; for a line drawn once for several values: `usd_per_gpu_hour=3.6, 3.7`."""
    values: dict[str, list[str]] = {}
    for key in keys:
        for p, value in key:
            if value not in values.setdefault(p, []):
                values[p].append(value)
    return "; ".join(f"{p.split('.')[-1]}={', '.join(vs)}" for p, vs in values.items())


def _plan_runs(points: list[WhatIfPoint]) -> list[_Run]:
    """Consecutive points with the same plan as one run; a point without a plan is a run alone."""
    runs: list[_Run] = []
    for point in points:
        now = decisions(point)
        if now is None or not _has_value(point):
            runs.append(_Run(None, [point]))  # type: ignore[arg-type]
            continue
        if runs and runs[-1].choice == now:
            runs[-1].points.append(point)
        else:
            runs.append(_Run(now, [point]))
    return runs


def _whatif_axes(ax, sweep: WhatIf, x_vary, x_axis: tuple, y_axis: tuple) -> None:
    """Scales, ticks ("none" for no limit), labels, title, grid and legend of the what-if plot."""
    numeric_x, log, numbers, x_div, no_limit_x, categories, x_kind, x_unit = x_axis
    y_kind, y_unit = y_axis
    if log == "symlog":
        low, high = (f(x for x in numbers if x > 0) / x_div for f in (min, max))
        ax.set_xscale("symlog", linthresh=low)
        decades = range(math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9) + 1)
        ax.set_xticks([0.0, *(10.0 ** k for k in decades)])
    elif log:
        ax.set_xscale("log")
    if numeric_x:
        plain_ticks(ax.xaxis, log is True)
        if no_limit_x is not None:
            lowest, highest = min(numbers) / x_div, max(numbers) / x_div
            ticks = [t for t in ax.get_xticks() if lowest * (1 - 1e-9) - 1e-12 <= t <= highest * (1 + 1e-9)]
            ax.set_xticks([*ticks, no_limit_x / x_div], [*(tick(t) for t in ticks), "none"])
    else:
        ax.set_xticks(list(categories.values()), list(categories.keys()))
    plain_ticks(ax.yaxis, False)
    ax.set_xlabel(_axis_label(x_vary.path, x_kind, x_unit) if numeric_x else x_vary.path)
    ax.set_ylabel(_axis_label(sweep.objective, y_kind, y_unit))
    ax.set_title(f"what-if: {sweep.objective} against {x_vary.path}", fontsize=11)
    ax.grid(True, alpha=0.3)
    ax.margins(x=0.05, y=0.12)
    if ax.get_legend_handles_labels()[1]:
        ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)


def _place_numbers(fig, ax, items: list[tuple[float, float, str]], order: list[int]) -> list:
    """Try a label for each point (x, y, colour), in `order` (most wanted first), next to the point
    where it overlaps no other label and stays inside the axes (offsets tried around the point);
    returns the label of each point, or None where there is no free spot. Limits must be final."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    offsets = [(7, 5), (7, -13), (-17, 5), (-17, -13), (7, 16), (-17, 16), (16, -4), (-26, -4)]
    placed: list = []
    from matplotlib.transforms import Bbox

    markers = []
    for x, y, _ in items:  # a label may not cover a point either
        px, py = ax.transData.transform((x, y))
        markers.append(Bbox.from_extents(px - 3, py - 3, px + 3, py + 3))
    out: list = [None] * len(items)
    for k in order:
        x, y, colour = items[k]
        for dx, dy in offsets:
            label = ax.annotate("00", (x, y), textcoords="offset points", xytext=(dx, dy), fontsize=7.5,
                                color=colour, bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": colour,
                                                    "lw": 0.8})
            box = label.get_window_extent(renderer)
            inside = box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(other) for other in (*placed, *markers)):
                placed.append(box)
                out[k] = label
                break
            label.remove()
    return out


def _spread_order(groups: list[int]) -> list[int]:
    """Indices 0..n-1 (grouped by line: `groups` gives each index's line) in the order labels are
    wanted: round-robin over the lines, and on each line the ends and then ever finer halvings."""
    by_line: dict[int, list[int]] = {}
    for k, g in enumerate(groups):
        by_line.setdefault(g, []).append(k)
    queues = []
    for members in by_line.values():
        seen: list[int] = []
        step = len(members)
        while step >= 1:
            for j in range(0, len(members), step):
                if members[j] not in seen:
                    seen.append(members[j])
            step //= 2
        if members[-1] not in seen:
            seen.insert(1, members[-1])
        elif seen.index(members[-1]) > 1:
            seen.remove(members[-1])
            seen.insert(1, members[-1])
        queues.append(seen)
    order: list[int] = []
    while any(queues):
        for q in queues:
            if q:
                order.append(q.pop(0))
    return order


def _numbered(fig, ax, pending: list[tuple[float, float, str, str]], groups: list[int] | None = None,
              limit: int = 30, start: int = 1, numbers: list[int] | None = None) -> list[tuple[str, str]]:
    """Number the points that have room for a label (at most `limit`, spread along each line),
    1, 2, ... in their given order, or each with its own number from `numbers` (the table's #),
    and return the notes (colour, "k: text"); the points left without a number are counted in a
    last note."""
    groups = groups if groups is not None else [0] * len(pending)
    order = _spread_order(groups)[:limit]
    labels = _place_numbers(fig, ax, [(x, y, c) for x, y, c, _ in pending], order)
    notes = []
    for k, (label, (_, _, colour, text)) in enumerate(zip(labels, pending)):
        if label is not None:
            number = numbers[k] if numbers is not None else start + len(notes)
            label.set_text(str(number))
            notes.append((colour, f"{number}: {text}"))
    left = len(pending) - len(notes)
    if left:
        notes.append(("black", f"{left} more points without a number: too close together (see --format csv)"))
    return notes


def _range_words(path: str, values: list, numeric_x: bool, kind: str = "") -> str:
    """`max_co2_t 100 t to 800 t`, `budget_usd $2.000M to none (no limit)`, `max_co2_t = 60 t` --
    the true range of the swept values at which the plan was found, lowest first, whatever the
    order the values were listed in."""
    def word(v) -> str:
        if v is None:
            return "none (no limit)"
        return _value_words(float(v), kind) if numeric_x and kind in ("usd", "t", "days") else number_value(v)
    shown = [word(v) for v in values]
    if len(values) == 1:
        return f"{path} = {shown[0]}"
    if not numeric_x:
        return f"{path} in {', '.join(shown)}"
    return f"{path} {shown[0]} to {shown[-1]} ({len(values)} values)"


def _notes(fig, ax, notes: list[tuple[str, str]], heading: str, limit: int = 40) -> None:
    """The numbered plans as text under the axes, in the lines' colours (never on the data)."""
    if not notes:
        return
    shown = notes[:limit]
    lines = [("black", heading), *shown]
    if len(notes) > limit:
        lines.append(("black", f"... and {len(notes) - limit} more (see --format csv)"))
    axes_inches = ax.get_position().height * fig.get_size_inches()[1]
    step = 7.5 * 1.5 / 72 / axes_inches      # one line of 7.5 pt text, in axes heights
    top = -0.55 / axes_inches                # under the tick labels and the axis label
    for k, (colour, text) in enumerate(lines):
        ax.text(0.0, top - k * step, text, transform=ax.transAxes, fontsize=7.5, color=colour,
                va="top", ha="left")


# -- frontiers ---------------------------------------------------------------------------------


def plot_frontiers(fronts: Sequence[Frontier], path: str | Path, label_points: bool = True) -> None:
    """Frontiers as staircases (discrete plans: the best value under a limit is constant from one
    plan's value to the next), the limited quantity across and the minimised one up; points
    numbered, the plans listed under the axes."""
    with plain_text():
        save_figure(frontiers_figure(fronts, label_points), Path(path))


def frontiers_figure(fronts: Sequence[Frontier], label_points: bool = True):
    """The figure of plot_frontiers (the caller saves or closes it)."""
    from planner.analysis.frontier import decision_label

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9.5, 5.5))
    drawn = [f for f in fronts if f.points]
    first = fronts[0]
    x_kind, y_kind = quantity_kind(first.limit), quantity_kind(first.minimize)
    x_div, x_unit = axis_unit(x_kind, [p.g for f in drawn for p in f.points])
    y_div, y_unit = axis_unit(y_kind, [p.f for f in drawn for p in f.points])
    pending: list[tuple[float, float, str, str]] = []
    groups: list[int] = []
    span = max((p.g for f in drawn for p in f.points), default=1.0) - min((p.g for f in drawn for p in f.points),
                                                                              default=0.0)
    for front in drawn:
        pts = sorted(front.points, key=lambda p: p.g)
        xs, ys = [p.g / x_div for p in pts], [p.f / y_div for p in pts]
        if "loss" in (front.minimize, front.limit):
            # Continuous (tokens move with the limit): the points are exact samples of a curve.
            line = ax.plot(xs, ys, linewidth=1.2, alpha=0.7, linestyle="--")[0]
        else:
            tail = xs[-1] + 0.05 * ((span / x_div) or abs(xs[-1]) or 1.0)
            line = ax.step(xs + [tail], ys + [ys[-1]], where="post", linewidth=1.3, alpha=0.8)[0]
        colour = line.get_color()
        ax.plot(xs, ys, marker="o", linestyle="none", color=colour, label=front.name if len(fronts) > 1 else None)
        if not label_points:
            continue
        for p in sorted(front.points, key=lambda p: p.f):
            groups.append(id(front))
            who = f"{front.name} " if len(fronts) > 1 else ""
            pending.append((p.g / x_div, p.f / y_div, colour,
                            f"{who}{decision_label(p.result)} -- {first.minimize} {_value_words(p.f, y_kind)}, "
                            f"{first.limit} {_value_words(p.g, x_kind)}"))
    ax.set_xlabel(_axis_label(first.limit, x_kind, x_unit) + " (limit)")
    ax.set_ylabel(_axis_label(first.minimize, y_kind, y_unit) + " (minimised)")
    plain_ticks(ax.xaxis, False)
    plain_ticks(ax.yaxis, False)
    ax.margins(x=0.08, y=0.1)
    if y_kind == "usd":  # money from zero: a 6% rise is not drawn as a cliff
        ax.set_ylim(0, ax.get_ylim()[1] * 1.06)
    if x_kind == "usd":
        ax.set_xlim(0, ax.get_xlim()[1])
    title = (f"Pareto frontier: {first.minimize} vs {first.limit}" if len(fronts) == 1
             else f"Pareto frontiers: {first.minimize} vs {first.limit}")
    ax.set_title(title + (f" - {first.name}" if len(fronts) == 1 else ""), fontsize=11)
    ax.grid(True, alpha=0.3)
    if len(fronts) > 1:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    # one frontier: each point carries its row number of the table (`plan frontier`'s #)
    numbers = list(range(1, len(pending) + 1)) if len(fronts) == 1 else None
    _notes(fig, ax, _numbered(fig, ax, pending, groups, numbers=numbers), "plans (numbered on the frontier):")
    return fig


def _value_words(value: float, kind: str) -> str:
    if kind == "usd":
        return f"${value / 1e6:,.3f}M" if abs(value) >= 1e6 else f"${value:,.0f}"
    if kind == "t":
        return f"{value:,.4g} t"
    if kind == "days":
        return f"{value:,.3g} days"
    return f"{value:.5g}"


def _has_value(point: WhatIfPoint) -> bool:
    return point.result is not None and point.result.objective_value is not None


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


