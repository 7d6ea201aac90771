"""The tables of `plan compare`: where each scenario wins, and with --details every frontier."""

from __future__ import annotations

import math

from planner.present.frontier_table import frontier_table
from planner.present.tables import format_number, wide_console


def print_compare(fronts, wins, minimize: str, limit: str, details: bool) -> None:
    """Two tables that fit the terminal (planner.present.tables): numbers and scenario names are
    never broken; at 80 columns headers shorten and the plan column goes first."""
    from planner.analysis.frontier import decision_label, unit_of
    from planner.present.tables import Col, fit_table

    console = wide_console()
    columns = [Col("scenario", keep=True), Col("points", numeric=True, short="pts", drop=2),
               Col(f"best {minimize}", numeric=True), Col(f"its {limit}", numeric=True),
               Col(f"best {limit}", numeric=True), Col(f"its {minimize}", numeric=True),
               Col("plan at best " + minimize, short="plan", drop=1)]
    rows = []
    for front in fronts:
        if not front.points:
            rows.append([front.name, "0", "-", "-", "-", "-", "no plan: " + "; ".join(front.explanation[:2])])
            continue
        a, b = front.points[0], front.points[-1]
        rows.append([front.name, str(len(front.points)), format_number(a.f), format_number(a.g), format_number(b.g), format_number(b.f),
                     decision_label(a.result)])
    console.print(fit_table(columns, rows, console.width,
                            title=f"scenarios: minimise {minimize} with a limit on {limit}"))
    columns = [Col(f"{limit} from", numeric=True, short="from"), Col("to", numeric=True, keep=True),
               Col("best scenario", keep=True, short="best"), Col(f"its {minimize}", numeric=True),
               Col("runner-up", keep=True), Col(f"its {minimize} ", numeric=True)]
    rows = []
    for w in wins:
        rows.append([format_number(w.low), "and above" if math.isinf(w.high) else format_number(w.high), w.winner,
                     _span(w.value, w.value_high), w.runner_up or "none",
                     "-" if w.runner_up_value is None else _span(w.runner_up_value, w.runner_up_value_high)])
    console.print(fit_table(columns, rows, console.width,
                            title=f"where each scenario wins ({limit} in {unit_of(limit)}, {minimize} in "
                                  f"{unit_of(minimize)}; a -> b: at the low end -> just below the high end)"))
    if wins:
        console.print(f"below {limit} = {format_number(wins[0].low)} {unit_of(limit)} no scenario has a plan", markup=False)
    if details:
        for front in fronts:
            if front.points:
                console.print(frontier_table(front, console.width))


def _span(low_end: float, high_end: float | None) -> str:
    if high_end is None or high_end == low_end:
        return format_number(low_end)
    return f"{format_number(low_end)} -> {format_number(high_end)}"


__all__ = ["print_compare"]
