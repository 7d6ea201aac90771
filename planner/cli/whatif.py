"""`plan whatif FILE --vary PATH=SPEC [...]`: solve an instance over a grid of changed inputs.

Options are checked (paths, specs, the plot file name, every grid point validated) before anything
is solved; bad input exits 2 with one message. Infeasible points are rows, not errors: exit 0.
A point stopped by --time-limit is a row with status time_limit, and the sweep exits 4 (issue 13).
"""

from __future__ import annotations

import sys

import click

from planner.cli.grammar import changes_of, output_option, set_option

from planner.cli.options import common_options, format_option, progress_bar, solver_options
from planner.cli.support import EXIT_LIMIT, EXIT_OK
from planner.constants import PlanStatus


@click.command("whatif")
@click.argument("instance_file", type=click.Path(dir_okay=False))
@click.option("--vary", "varies", multiple=True, required=True, metavar="PATH=SPEC",
              help="An input and its values: limits.budget_usd=1e6,5e6,1e7 or 1e6:1e8:20log; "
                   "regions[us-east].carbon_g_per_kwh, gpus[H100].mfu, gpus[0].mfu, scaling_law.alpha... "
                   "Several --vary make a grid.")
@format_option()
@click.option("--explain/--no-explain", default=True, show_default=True,
              help="Say why each infeasible point has no plan (more solves).")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Local worker processes solving points (1 = in this process).")
@click.option("--scheduler", envvar="PLAN_DASK_SCHEDULER", default=None, metavar="ADDRESS",
              help="Solve the points on this Dask scheduler (tcp://host:8786); env PLAN_DASK_SCHEDULER.")
@common_options
@set_option
@output_option(lambda kwargs: (kwargs["instance_file"],))
def whatif(instance_file: str, varies: tuple[str, ...], fmt: str, explain: bool, workers: int,
           scheduler: str | None, plot: str | None, quiet: bool, time_limit: float | None, mip_gap: float,
           settings: tuple[str, ...]) -> None:
    """Solve INSTANCE_FILE at every point of the --vary grid: one row per point with the inputs, the
    decisions and every metric; infeasible points are rows too, with the reason."""
    from planner.present.plots import check_plot_path
    from planner.analysis.campaign_whatif import is_campaign_file
    from planner.analysis.whatif import parse_varies, run_whatif
    from planner.input.loading import read_with_changes

    if is_campaign_file(instance_file):
        _campaign(instance_file, varies, fmt, workers, scheduler, plot, quiet, time_limit, mip_gap, settings)

    parsed = parse_varies(list(varies))
    from planner.input.loading import named_files

    if settings:  # a --set of a field a --vary sweeps would be silently replaced at every point
        from planner.input.loading import read_yaml, resolve_catalog_names
        from planner.input.sweep_paths import check_distinct, parse_path

        set_paths = [(path, parse_path(path, "--set")) for path, _ in changes_of(settings)]
        check_distinct(resolve_catalog_names(read_yaml(instance_file)),
                       set_paths + [(v.path, v.steps) for v in parsed], "--set/--vary")
    plot_path = check_plot_path(plot, [instance_file, *named_files(instance_file)]) if plot else None
    total = 1
    for v in parsed:
        total *= len(v.values)
    from planner.analysis.executor import Runner

    runner = Runner(workers=workers, scheduler=scheduler)
    with progress_bar(quiet, f"what-if, {total} points") as progress:
        source = read_with_changes(instance_file, changes_of(settings)) if settings else instance_file
        sweep = run_whatif(source, parsed, options=solver_options(time_limit, mip_gap), progress=progress,
                           explain=explain, runner=runner)
    if plot_path is not None:
        from planner.present.plots import plot_whatif

        plot_whatif(sweep, plot_path)
    if fmt == "json":
        from planner.present.report import to_json
        from planner.present.whatif_record import whatif_json

        click.echo(to_json(whatif_json(sweep)))
    elif fmt == "csv":
        from planner.present.whatif_record import whatif_frame

        click.echo(whatif_frame(sweep).to_csv(index=False), nl=False)
    else:
        from planner.present.whatif_table import print_whatif

        print_whatif(sweep)
    stopped = any(p.status == PlanStatus.TIME_LIMIT for p in sweep.points)
    if stopped:
        click.echo("stopped: some points hit --time-limit (status time_limit): their plans are the best "
                   "found, not proven optimal", err=True)
    sys.exit(EXIT_LIMIT if stopped else EXIT_OK)




def _campaign(path: str, varies: tuple[str, ...], fmt: str, workers: int, scheduler: str | None, plot: str | None,
              quiet: bool, time_limit: float | None, mip_gap: float, settings: tuple[str, ...]) -> None:
    """A campaign file (top-level `runs`): planner.cli.campaign_sweeps, on the same Runner."""
    from planner.analysis.executor import Runner
    from planner.cli.campaign_sweeps import campaign_mip_gap, given_or_none, whatif_text
    from planner.present.plots import check_plot_path

    plot_path = str(check_plot_path(plot, [path])) if plot else None
    options = solver_options(time_limit, campaign_mip_gap(given_or_none("mip_gap", mip_gap)))
    runner = Runner(workers=workers, scheduler=scheduler)
    with progress_bar(quiet, "campaign what-if") as progress:
        text, code = whatif_text(path, list(varies), fmt, options, runner, settings=settings, plot=plot_path,
                                 progress=progress)
    click.echo(text, nl=False)
    if code == EXIT_LIMIT:
        click.echo("stopped: some points hit --time-limit (status time_limit): their plans are the best "
                   "found, not proven optimal", err=True)
    sys.exit(code)
