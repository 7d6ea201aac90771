"""The table of `plan whatif`: one row per point, numbers whole at any width (planner.present.tables)."""

from __future__ import annotations

from typing import Any

from planner.present.tables import FIGURE_COLUMNS, figure_cells, wide_console
from planner.constants import PlanStatus, Objective


def print_whatif(sweep: Any) -> None:
    """The table of `plan whatif`: one row per point; infeasible rows show what would have to move
    (the full reasons are in --format json / csv). It fits the terminal (planner.present.tables):
    numbers never break; at 80 columns headers shorten and the status column goes (a point without
    a plan says its status in the plan column); narrower, "objective value" of a sweep over
    `objective` goes first (the same number is under cost, CO2e, days or loss; not when a point
    minimises weighted), then status, days and loss, each only if no point minimises it."""
    from planner.analysis.frontier import decision_label
    from planner.present.tables import fit_table

    objective = "objective value" if sweep.objective == "mixed" else sweep.objective
    columns = _whatif_columns(sweep, objective)
    rows = []
    for point in sweep.points:
        result = point.result
        cells = [_cell(point.inputs[v.path]) for v in sweep.varies]
        if result is not None and result.metrics is not None:
            m = result.metrics
            values = [*figure_cells(m, lifetime=True), ", ".join(result.binding) or "-"]
            extra = [_objective_cell(result.objective, result.objective_value)] if sweep.objective not in _FIGURES else []
            label = decision_label(result) + ("" if point.status == PlanStatus.OPTIMAL else f" ({point.status})")
            cells += [point.status, *extra, label, *values]
        else:
            extra = ["-"] if sweep.objective not in _FIGURES else []
            cells += [point.status, *extra, f"({point.status})", *["-"] * len(FIGURE_COLUMNS), short_reason(point.reason)]
        rows.append(cells)
    console = wide_console()
    lifetime = any(p.result is not None and p.result.metrics is not None and p.result.metrics.lifetime is not None
                   for p in sweep.points)
    note = "; cost and CO2e over the model's life (training + serving)" if lifetime else ""
    console.print(fit_table(columns, rows, console.width, title=f"what-if, minimising {objective}{note}"))
    stats = sweep.stats
    console.print(f"{len(sweep.points)} points in {sweep.seconds:.2f} s: {stats.get('solves', 0)} solves",
                  markup=False)


def _objective_cell(objective: str, value: float | None) -> str:
    """Dollars whole (1,075,990), other objectives to 6 significant digits: never an exponent."""
    from planner.numbers import sig, whole

    return whole(value) if objective in (Objective.COST, Objective.WEIGHTED) else sig(value, 6)


#: The figure columns of the what-if table, by the objective shown in bold under them.
_FIGURES = {objective: name for objective, name, _ in FIGURE_COLUMNS}


def _whatif_columns(sweep: Any, objective: str) -> list:
    """The columns of print_whatif (its docstring says which may be left out, and in what order)."""
    from planner.present.tables import Col

    short = {name: short for _, name, short in FIGURE_COLUMNS}
    columns = []
    for v in sweep.varies:
        numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) or x is None for x in v.values)
        # the full path, broken after its dots when space is short (two `mfu` columns stay apart)
        short_path = "obj." if v.path == "objective" else v.path.replace(".", ".\n")
        columns.append(Col(v.path, numeric=numeric, keep=not numeric, short=short_path))
    names = ["status", "plan", *_FIGURES.values(), "binding / reason"]
    if sweep.objective not in _FIGURES:
        names.insert(1, objective)
    minimised = {p.instance.objective for p in sweep.points}
    # what may be left out when the terminal is narrow, the highest first; a figure some point
    # minimises never is (a mixed sweep's "objective value" is under cost, CO2e, days or loss too)
    drop = {"status": 3}
    if sweep.objective == "mixed" and "weighted" not in minimised:
        drop[objective] = 4
    drop.update({_FIGURES[minimised_as]: rank for minimised_as, rank in (("time", 2), ("loss", 1))
                 if minimised_as not in minimised})
    for name in names:
        if name == "status":
            columns.append(Col(name, keep=True, drop=drop[name]))
        elif name in drop:
            columns.append(Col(name, numeric=True, short="value" if name == objective else None, drop=drop[name]))
        elif name in ("plan", "binding / reason"):
            columns.append(Col(name))
        else:
            bold = "bold" if name == _FIGURES.get(sweep.objective) else None
            columns.append(Col(name, numeric=True, short=short.get(name), style=bold))
    return columns


def short_reason(reason: str) -> str:
    """The 'must be at least' parts of an explanation (what would have to move), else all of it."""
    parts = [p.strip() for p in reason.split("; ")]
    needed = [p.split(" (")[0] for p in parts if "must be at least" in p or "must be at most" in p]
    return "; ".join(needed) if needed else reason


def _cell(value: Any) -> str:
    """A swept value as the user wrote it (2,000,000, 0.35, 1e15, none): planner.numbers.value."""
    from planner.numbers import value as written

    return written(value)


__all__ = ["print_whatif", "short_reason"]
