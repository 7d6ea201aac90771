"""The table of `plan rank`: the best plan for each value of a decision."""

from __future__ import annotations

from typing import Any

from planner.present.tables import FIGURE_COLUMNS, figure_cells, wide_console
from planner.constants import PlanStatus


#: objective -> the figure column that shows its value (bold)
_OBJECTIVE_COLUMN = {objective: name for objective, name, _ in FIGURE_COLUMNS}


def print_rank(ranking: Any) -> None:
    from planner.analysis.frontier import decision_label
    from planner.analysis.rank import BY
    from planner.present.whatif_table import short_reason
    from planner.present.tables import Col, fit_table

    bold = _OBJECTIVE_COLUMN.get(ranking.objective)
    columns = [Col("#", numeric=True), Col(ranking.by, keep=True)]
    if bold is None:
        columns.append(Col(ranking.objective, numeric=True, style="bold"))
    columns += [Col("gap", numeric=True)]
    for position, (_, name, short) in enumerate(FIGURE_COLUMNS):
        # a figure other than the objective's may be left out (loss first, then days, then CO2e)
        # rather than fold the plan's label into 6-letter pieces; the binding limits go before any
        columns.append(Col(name, numeric=True, short=short, style="bold" if name == bold else None,
                           drop=0 if name == bold else position))
    columns += [Col("plan / why none", short="plan"), Col("binding", drop=len(FIGURE_COLUMNS))]
    rows = []
    for row in ranking.rows:
        cells = ["-" if row.rank is None else str(row.rank), row.label]
        result = row.result
        if row.has_plan:
            m = result.metrics
            extra = [f"{result.objective_value:,.6g}"] if bold is None else []
            gap = "winner" if row.rank == 1 else _percent(row.gap)
            gap += " (tie)" if row.tie else ""   # an equal objective: ordered as plan solve breaks ties
            status = "" if row.status == PlanStatus.OPTIMAL else f" ({row.status})"
            cells += [*extra, gap, *figure_cells(m, lifetime=False), decision_label(result) + status,
                      ", ".join(result.binding) or "-"]
        else:
            extra = ["-"] if bold is None else []
            cells += [*extra, "-", *["-"] * len(FIGURE_COLUMNS), f"({row.status}) {short_reason(row.reason)}", "-"]
        rows.append(cells)
    console = wide_console()
    title = f"{ranking.name}: the best plan for each {BY[ranking.by]}, minimising {ranking.objective}"
    console.print(fit_table(columns, rows, console.width, title=title))
    planned = sum(1 for r in ranking.rows if r.has_plan)
    total = len(ranking.rows) + ranking.omitted + ranking.omitted_without_plan
    note = f"{planned + ranking.omitted} of {total} values have a plan"
    hidden = ranking.omitted + ranking.omitted_without_plan
    if hidden:
        note += f" ({hidden} not shown: --top)"
    each = (f"each the best found with the {BY[ranking.by]} fixed, {ranking.stopped} stopped by --time-limit"
            if ranking.stopped else f"each an exact optimum with the {BY[ranking.by]} fixed")
    console.print(f"{note}; {each} ({ranking.seconds:.2f} s)", markup=False)


def _percent(gap: float) -> str:
    """+5.94%, +22.7%, +1,138% (never an exponent)."""
    percent = 100 * gap
    return f"+{percent:,.0f}%" if percent >= 100 else f"+{percent:.3g}%"


__all__ = ["print_rank"]
