"""`plan rank FILE [--by region|gpu|size|recipe] [--top K]`: the best plan for each value of one
decision (every region, GPU type, model size or recipe), each an exact optimum with that decision
fixed, sorted, with the gap to the winner; values with no plan are listed with why.

Exit 0 when some value has a plan; 3 when none has; 2 on bad input.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from planner.cli.grammar import changes_of, output_option, set_option

from planner.cli.support import EXIT_INFEASIBLE, EXIT_OK
from planner.cli.options import format_option, progress_bar, solver_options, wide_console
from planner.optimize.solve import DEFAULT_MIP_GAP


@click.command("rank")
@click.argument("instance_file", type=click.Path(dir_okay=False))
@click.option("--by", "by", type=click.Choice(["region", "gpu", "size", "recipe"]), default="region",
              show_default=True, help="The decision fixed to each of its values in turn.")
@click.option("--top", type=click.IntRange(min=1), default=None, metavar="K",
              help="Only the first K rows: the best plans, then values without a plan (the rest are counted).")
@format_option()
@click.option("--explain/--no-explain", default=True, show_default=True,
              help="Say why each value without a plan has none (more solves).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar (there is none when stderr is not a terminal).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop HiGHS after this many seconds per solve.")
@click.option("--mip-gap", type=click.FloatRange(min=0), default=DEFAULT_MIP_GAP, show_default=True,
              help="Relative MIP gap at which HiGHS stops.")
@set_option
@output_option(lambda kwargs: (kwargs["instance_file"],))
def rank(instance_file: str, by: str, top: int | None, fmt: str, explain: bool, quiet: bool,
         time_limit: float | None, mip_gap: float, settings: tuple[str, ...]) -> None:
    """The best plan of INSTANCE_FILE for each value of --by (e.g. every region), each the exact
    optimum with that decision fixed, sorted by the objective with the gap to the winner."""
    from planner.analysis.rank import rank as run_rank
    from planner.analysis.rank import values_of
    from planner.input.loading import load_instance

    instance = load_instance(instance_file, changes=changes_of(settings))
    values_of(instance, by)  # refuses --by recipe without recipes before any solve
    with progress_bar(quiet, f"rank by {by}") as progress:
        ranking = run_rank(instance, by, top, options=solver_options(time_limit, mip_gap), explain=explain,
                           progress=progress)
    if fmt == "json":
        from planner.analysis.rank import rank_json
        from planner.present.report import to_json

        click.echo(to_json(rank_json(ranking)))
    elif fmt == "csv":
        from planner.analysis.rank import rank_frame

        click.echo(rank_frame(ranking).to_csv(index=False), nl=False)
    else:
        print_rank(ranking)
    sys.exit(EXIT_OK if ranking.winner is not None else EXIT_INFEASIBLE)


_OBJECTIVE_COLUMN = {"cost": "cost (USD)", "co2": "CO2e (t)", "time": "days", "loss": "loss"}


def print_rank(ranking: Any) -> None:
    from planner.analysis.frontier import decision_label
    from planner.analysis.rank import BY
    from planner.cli.whatif import short_reason
    from planner.present.tables import Col, fit_table

    bold = _OBJECTIVE_COLUMN.get(ranking.objective)
    columns = [Col("#", numeric=True), Col(ranking.by, keep=True)]
    if bold is None:
        columns.append(Col(ranking.objective, numeric=True, style="bold"))
    columns += [Col("gap", numeric=True)]
    for name, short in (("cost (USD)", "cost $"), ("CO2e (t)", "CO2e t"), ("days", None), ("loss", None)):
        columns.append(Col(name, numeric=True, short=short, style="bold" if name == bold else None))
    columns += [Col("plan / why none", short="plan"), Col("binding", drop=1)]
    rows = []
    for row in ranking.rows:
        cells = ["-" if row.rank is None else str(row.rank), row.label]
        result = row.result
        if row.has_plan:
            m = result.metrics
            extra = [f"{result.objective_value:,.6g}"] if bold is None else []
            gap = "winner" if row.rank == 1 else _percent(row.gap)
            gap += " (tie)" if row.tie else ""
            status = "" if row.status == "optimal" else f" ({row.status})"
            cells += [*extra, gap, f"{m.cost_usd.total:,.0f}", f"{m.co2_t.total:,.2f}", f"{m.duration_days:,.2f}",
                      f"{m.loss:.4f}", decision_label(result) + status, ", ".join(result.binding) or "-"]
        else:
            extra = ["-"] if bold is None else []
            cells += [*extra, "-", "-", "-", "-", "-", f"({row.status}) {short_reason(row.reason)}", "-"]
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
    console.print(f"{note}; each an exact optimum with the {BY[ranking.by]} fixed ({ranking.seconds:.2f} s)",
                  markup=False)


def _percent(gap: float) -> str:
    """+5.94%, +22.7%, +1,138% (never an exponent)."""
    percent = 100 * gap
    return f"+{percent:,.0f}%" if percent >= 100 else f"+{percent:.3g}%"
