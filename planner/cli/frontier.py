"""`plan frontier FILE --minimize cost --limit co2 --points K`: the exact Pareto frontier.

Exit 0 with the points; 3 when the instance has no plan at all (with the reason); 2 on bad input.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from planner.cli.grammar import changes_of, output_option, set_option

from planner.cli.support import EXIT_INFEASIBLE, EXIT_LIMIT, EXIT_OK
from planner.cli.options import common_options, format_option, progress_bar, solver_options
from planner.analysis.frontier import QUANTITIES, limit_key

QUANTITY = click.Choice(list(QUANTITIES))


def points_option():
    return click.option("--points", default="10", show_default=True, metavar="K|all",
                        help="Levels of the limit from one end to the other (each an exact optimum); "
                             "'all' walks every step of the staircase (cost, co2, time only; `plan frontier` "
                             "leaves out steps within 5% of the span that change only the GPU count).")


@click.command("frontier")
@click.argument("instance_file", type=click.Path(dir_okay=False))
@click.option("--minimize", default="cost", show_default=True, type=QUANTITY, help="The quantity minimised.")
@click.option("--limit", "limit", default="co2", show_default=True, type=QUANTITY,
              help="The quantity turned into a moving limit ("
                   + ", ".join(f"{q} -> {limit_key(q)}" for q in QUANTITIES) + ").")
@points_option()
@format_option()
@click.option("--workers", type=int, default=1, show_default=True,
              help="Local worker processes solving a campaign's frontier points (a single run's frontier "
                   "solves in this process: each of its solves takes milliseconds).")
@click.option("--scheduler", envvar="PLAN_DASK_SCHEDULER", default=None, metavar="ADDRESS",
              help="Solve a campaign's frontier points on this Dask scheduler (tcp://host:8786); env "
                   "PLAN_DASK_SCHEDULER.")
@common_options
@set_option
@output_option(lambda kwargs: (kwargs["instance_file"],))
def frontier(instance_file: str, minimize: str, limit: str, points: str, fmt: str, workers: int,
             scheduler: str | None, plot: str | None, quiet: bool,
             time_limit: float | None, mip_gap: float, settings: tuple[str, ...]) -> None:
    """The exact Pareto frontier of INSTANCE_FILE between --minimize and --limit (epsilon-constraint,
    lexicographic), from the best plan in one to the best in the other. A campaign file (docs/campaigns.md)
    takes --minimize cost --limit co2 and a number of points."""
    from planner.analysis.campaign_whatif import is_campaign_file
    from planner.analysis.frontier import check_request, run_frontier
    from planner.present.plots import check_plot_path

    if is_campaign_file(instance_file):
        _campaign(instance_file, minimize, limit, points, fmt, workers, scheduler, plot, quiet, time_limit,
                  mip_gap, settings)

    check_request(minimize, limit, points)
    from planner.input.loading import load_instance, named_files

    plot_path = check_plot_path(plot, [instance_file, *named_files(instance_file)]) if plot else None
    source = load_instance(instance_file, changes=changes_of(settings)) if settings else instance_file
    from planner.analysis.frontier import StoppedByTimeLimit

    try:
        with progress_bar(quiet, f"frontier {minimize} vs {limit}") as progress:
            front = run_frontier(source, minimize, limit, points, options=solver_options(time_limit, mip_gap),
                                 progress=progress, resolution=ALL_RESOLUTION)
    except StoppedByTimeLimit as exc:
        print_stopped(exc, fmt, minimize=minimize, limit=limit, points=[])
        sys.exit(EXIT_LIMIT)
    if plot_path is not None and front.points:
        from planner.present.plots import plot_frontiers

        plot_frontiers([front], plot_path)
    if fmt == "json":
        from planner.present.report import to_json

        from planner.present.frontier_record import frontier_json

        doc = frontier_json(front)
        doc["solver"] = {"name": "highs", "seconds": front.seconds, **front.stats}
        click.echo(to_json(doc))
    elif fmt == "csv":
        from planner.present.frontier_record import frontier_frame

        click.echo(frontier_frame(front).to_csv(index=False), nl=False)
    else:
        from planner.present.frontier_table import print_frontier

        print_frontier(front)
    sys.exit(EXIT_OK if front.points else EXIT_INFEASIBLE)


def print_stopped(exc: Exception, fmt: str, **fields: Any) -> None:
    """A frontier (or compare) stopped by --time-limit: the reason on stderr and, with --format
    json, still one JSON document (status time_limit, the reason, no points: a frontier is exact
    or not given)."""
    click.echo(f"stopped: {exc}", err=True)
    if fmt == "json":
        from planner.present.report import to_json

        click.echo(to_json({"status": "time_limit", "stopped": str(exc), **fields}))


#: `--points all`: steps closer than this share of the frontier's span (with the same size, GPU,
#: region and recipe) are left out of every output (planner.analysis.frontier.thin_staircase).
ALL_RESOLUTION = 0.05




def _campaign(path: str, minimize: str, limit: str, points: str, fmt: str, workers: int, scheduler: str | None,
              plot: str | None, quiet: bool, time_limit: float | None, mip_gap: float,
              settings: tuple[str, ...]) -> None:
    """A campaign file (top-level `runs`): planner.cli.campaign_sweeps, on the Runner given."""
    from planner.analysis.executor import Runner
    from planner.cli.campaign_sweeps import campaign_mip_gap, frontier_text, given_or_none
    from planner.present.plots import check_plot_path

    plot_path = str(check_plot_path(plot, [path])) if plot else None
    options = solver_options(time_limit, campaign_mip_gap(given_or_none("mip_gap", mip_gap)))
    runner = Runner(workers=workers, scheduler=scheduler)
    with progress_bar(quiet, "campaign frontier") as progress:
        text, code = frontier_text(path, minimize, limit, points, fmt, options, runner, settings=settings,
                                   plot=plot_path, progress=progress)
    click.echo(text, nl=False)
    sys.exit(code)
