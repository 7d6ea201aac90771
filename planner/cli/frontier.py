"""`plan frontier FILE --minimize cost --limit co2 --points K`: the exact Pareto frontier.

Exit 0 with the points; 3 when the instance has no plan at all (with the reason); 2 on bad input.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from planner.cli.support import EXIT_INFEASIBLE, EXIT_OK
from planner.cli.whatif import common_options, format_option, progress_bar, solver_options
from planner.analysis.frontier import QUANTITIES

QUANTITY = click.Choice(list(QUANTITIES))


def points_option():
    return click.option("--points", default="10", show_default=True, metavar="K|all",
                        help="Levels of the limit from one end to the other (each an exact optimum); "
                             "'all' walks every step of the staircase (cost, co2, time only).")


@click.command("frontier")
@click.argument("instance_file", type=click.Path(dir_okay=False))
@click.option("--minimize", default="cost", show_default=True, type=QUANTITY, help="The quantity minimised.")
@click.option("--limit", "limit", default="co2", show_default=True, type=QUANTITY,
              help="The quantity turned into a moving limit (co2 -> limits.max_co2_t, cost -> limits.budget_usd, "
                   "time -> limits.deadline_days, loss -> targets.max_loss).")
@points_option()
@format_option()
@common_options
def frontier(instance_file: str, minimize: str, limit: str, points: str, fmt: str, plot: str | None, quiet: bool,
             time_limit: float | None, mip_gap: float) -> None:
    """The exact Pareto frontier of INSTANCE_FILE between --minimize and --limit (epsilon-constraint,
    lexicographic), from the best plan in one to the best in the other."""
    from planner.analysis.frontier import check_request, run_frontier
    from planner.present.plots import check_plot_path

    check_request(minimize, limit, points)
    plot_path = check_plot_path(plot) if plot else None
    with progress_bar(quiet, f"frontier {minimize} vs {limit}") as progress:
        front = run_frontier(instance_file, minimize, limit, points, options=solver_options(time_limit, mip_gap),
                             progress=progress)
    if plot_path is not None and front.points:
        from planner.present.plots import plot_frontiers

        plot_frontiers([front], plot_path)
    if fmt == "json":
        from planner.present.report import to_json

        doc = front.to_json()
        doc["solver"] = {"name": "highs", "seconds": front.seconds, **front.stats}
        click.echo(to_json(doc))
    elif fmt == "csv":
        click.echo(front.to_frame().to_csv(index=False), nl=False)
    else:
        print_frontier(front)
    sys.exit(EXIT_OK if front.points else EXIT_INFEASIBLE)


def frontier_table(front: Any):
    from rich.markup import escape
    from rich.table import Table

    from planner.analysis.frontier import QUANTITIES, decision_label, unit_of, value_of

    table = Table(title=escape(f"{front.name}: minimise {front.minimize} with a limit on {front.limit}"),
                  title_justify="left")
    others = [q for q in QUANTITIES if q not in (front.minimize, front.limit)]
    table.add_column("#", justify="right")
    for q in (front.minimize, front.limit, *others):
        table.add_column(f"{q} ({unit_of(q)})", justify="right", style="bold" if q == front.minimize else None)
    table.add_column("plan")
    for k, p in enumerate(front.points, start=1):
        table.add_row(str(k), _num(p.f), _num(p.g), *(_num(value_of(p.result, q)) for q in others),
                      escape(decision_label(p.result)))
    return table


def wide_console():
    """A console on stdout; 160 columns when stdout is not a terminal (tables piped to a file)."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=max(console.width, 160))


def print_frontier(front: Any) -> None:
    console = wide_console()
    if not front.points:
        console.print(f"{front.name}: no plan meets the instance's limits, so there is no frontier", markup=False)
        for line in front.explanation:
            console.print(f"  - {line}", markup=False)
        return
    console.print(frontier_table(front))
    stats = front.stats
    console.print(f"{len(front.points)} non-dominated points in {front.seconds:.2f} s "
                  f"({stats.get('builds', 0)} models built, {stats.get('solves', 0)} HiGHS solves, "
                  f"{stats.get('reused', 0)} answers reused)")


def _num(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.6g}"
