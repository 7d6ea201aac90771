"""The table of `plan frontier` (and each scenario's in `plan compare --details`)."""

from __future__ import annotations

from typing import Any

from planner.present.tables import FIGURE_COLUMNS, format_number, wide_console


#: each quantity's header at 80 columns: the what-if and rank tables' (planner.present.tables)
_SHORT = {objective: short or name for objective, name, short in FIGURE_COLUMNS}


def frontier_table(front: Any, width: int):
    from planner.analysis.frontier import QUANTITIES, decision_label, unit_of, value_of
    from planner.present.tables import Col, fit_table

    others = [q for q in QUANTITIES if q not in (front.minimize, front.limit)]
    columns = [Col("#", numeric=True)]
    for q in (front.minimize, front.limit, *others):
        columns.append(Col(f"{q} ({unit_of(q)})", numeric=True, short=_SHORT[q],
                           style="bold" if q == front.minimize else None))
    columns.append(Col("plan"))
    rows = [[str(k), format_number(p.f), format_number(p.g), *(format_number(value_of(p.result, q)) for q in others), decision_label(p.result)]
            for k, p in enumerate(front.points, start=1)]
    return fit_table(columns, rows, width, title=f"{front.name}: minimise {front.minimize} with a limit on {front.limit}")


def print_frontier(front: Any) -> None:
    console = wide_console()
    if not front.points:
        console.print(f"{front.name}: no plan meets the instance's limits, so there is no frontier", markup=False)
        for line in front.explanation:
            console.print(f"  - {line}", markup=False)
        return
    console.print(frontier_table(front, console.width))
    stats = front.stats
    shown = f"{len(front.points)} non-dominated points"
    if stats.get("staircase", len(front.points)) > len(front.points):
        shown = (f"{len(front.points)} of the staircase's {stats['staircase']:,} non-dominated points (steps under "
                 f"{stats['resolution']:.0%} of the span that change only the GPU count left out)")
    console.print(f"{shown} in {front.seconds:.2f} s ({stats.get('solves', 0)} solves)")


__all__ = ["frontier_table", "print_frontier"]
