"""`plan compare A.yaml B.yaml [...] --minimize cost --limit co2`: frontiers of several scenarios,
overlaid in one plot and summarised in one table (where each scenario wins)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from planner.cli.grammar import changes_of, output_option, set_option

from planner.cli.frontier import QUANTITY, points_option
from planner.cli.support import EXIT_INFEASIBLE, EXIT_LIMIT, EXIT_OK
from planner.cli.options import common_options, format_option, progress_bar, solver_options


@click.command("compare")
@click.argument("instance_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--minimize", default="cost", show_default=True, type=QUANTITY, help="The quantity minimised.")
@click.option("--limit", "limit", default="co2", show_default=True, type=QUANTITY,
              help="The quantity turned into a moving limit.")
@points_option()
@format_option()
@click.option("--details", is_flag=True, help="Table output: also print every scenario's frontier.")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Local worker processes, one scenario's frontier each (1 = in this process).")
@click.option("--scheduler", envvar="PLAN_DASK_SCHEDULER", default=None, metavar="ADDRESS",
              help="Run the scenarios' frontiers on this Dask scheduler; env PLAN_DASK_SCHEDULER.")
@common_options
@set_option
@output_option(lambda kwargs: tuple(kwargs["instance_files"]))
def compare(instance_files: tuple[str, ...], minimize: str, limit: str, points: str, fmt: str, details: bool,
            workers: int, scheduler: str | None, plot: str | None, quiet: bool, time_limit: float | None,
            mip_gap: float, settings: tuple[str, ...]) -> None:
    """Compare the frontiers of several INSTANCE_FILES (e.g. H100s in Virginia vs B200s in Sweden):
    which scenario gives the lowest --minimize for each value of --limit."""
    from planner.analysis.frontier import check_request, load_source, run_compare, unique_names
    from planner.present.plots import check_plot_path

    check_request(minimize, limit, points)
    plot_path = check_plot_path(plot, input_files(instance_files)) if plot else None
    from planner.input.loading import load_instance

    changes = changes_of(settings)  # every scenario changed alike
    instances = [load_instance(path, changes=changes) if changes else load_source(path) for path in instance_files]
    names = unique_names([inst.name or file_label(path) for inst, path in zip(instances, instance_files)])
    from planner.analysis.executor import Runner

    runner = Runner(workers=workers, scheduler=scheduler)
    from planner.analysis.frontier import StoppedByTimeLimit

    try:
        with progress_bar(quiet, f"compare {len(instances)} scenarios") as progress:
            if runner.kind == "serial":
                fronts, wins = run_compare(instances, minimize, limit, points, names=names,
                                           options=solver_options(time_limit, mip_gap), progress=progress)
            else:
                from planner.analysis.compare_parallel import run_compare_on

                fronts, wins = run_compare_on(runner, instances, minimize, limit, points, names,
                                              solver_options(time_limit, mip_gap), progress)
    except StoppedByTimeLimit as exc:
        from planner.cli.frontier import print_stopped

        print_stopped(exc, fmt, minimize=minimize, limit=limit, scenarios=[], wins=[])
        sys.exit(EXIT_LIMIT)
    if plot_path is not None and any(f.points for f in fronts):
        from planner.present.plots import plot_frontiers

        plot_frontiers(fronts, plot_path)
    if fmt == "json":
        from planner.present.report import to_json

        from planner.present.frontier_record import compare_json

        click.echo(to_json(compare_json(fronts, wins, minimize, limit, instance_files)))
    elif fmt == "csv":
        from planner.present.frontier_record import compare_frame

        click.echo(compare_frame(fronts).to_csv(index=False), nl=False)
    else:
        from planner.present.compare_table import print_compare

        print_compare(fronts, wins, minimize, limit, details)
    sys.exit(EXIT_OK if any(f.points for f in fronts) else EXIT_INFEASIBLE)


def file_label(path: str) -> str:
    """An unnamed instance's label: its file name, as text (an escape there never reaches the terminal)."""
    from planner.errors import escape_control

    return escape_control(Path(path).stem)


def input_files(instance_files) -> list:
    """The instance files and every file they name (a law-samples file): no output overwrites them."""
    from planner.input.loading import named_files

    return [*instance_files, *(f for path in instance_files for f in named_files(path))]

