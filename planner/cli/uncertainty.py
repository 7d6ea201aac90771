"""`plan uncertainty FILE --samples K`: Monte Carlo over uncertain inputs (docs/uncertainty.md).

Everything is checked (distributions, paths, samples files, the plot file name) before a scenario
runs; bad input exits 2 with one message and writes nothing. Output (stdout, the plot) is written
only once every scenario is answered: Ctrl-C ends the workers and leaves nothing half-done.
Exit 0 when done; 2 when every scenario is invalid (the distributions are the input to change);
3 when the point estimate has no plan to study and --reoptimize is not given; 4 when a scenario's
solve (--reoptimize) stopped at --time-limit (the answer is written, its optima not proven).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click

from planner.cli.grammar import changes_of, output_option, set_option

from planner.constants import DEFAULT_MIP_GAP, PlanStatus
from planner.cli.support import EXIT_INFEASIBLE, EXIT_LIMIT, EXIT_OK


@click.command("uncertainty")
@click.argument("instance_file", type=click.Path(dir_okay=False))
@click.option("--samples", "-k", "samples", type=int, default=1000, show_default=True, metavar="K",
              help="Scenarios to draw.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the draws (same seed, same answer).")
@click.option("--dist", "dists", multiple=True, metavar="PATH=DIST",
              help="An uncertain input: gpus[H100].mfu=normal(0.4,0.05), regions[*].carbon_g_per_kwh="
                   "*lognormal(0,0.2) (* = a factor on the instance's value), limits.budget_usd=uniform(1e6,2e6), "
                   "scaling_law=samples(laws.csv). Adds to (or replaces, same path) the instance's uncertainty: block.")
@click.option("--reoptimize", is_flag=True, help="Also solve every scenario: which plan wins how often.")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Local worker processes (1 = in this process).")
@click.option("--scheduler", envvar="PLAN_DASK_SCHEDULER", default=None, metavar="ADDRESS",
              help="Run the scenarios on this Dask scheduler (tcp://host:8786); env PLAN_DASK_SCHEDULER.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="Summary tables, JSON (summary and every scenario), or CSV (one row per scenario).")
@click.option("--plot", type=click.Path(dir_okay=False), default=None,
              help="Also draw histograms (and decision shares with --reoptimize) to FILE.png (or .pdf, .svg).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar (there is none when stderr is not a terminal).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop HiGHS after this many seconds per solve.")
@click.option("--mip-gap", type=click.FloatRange(min=0), default=None,
              help=f"Relative MIP gap at which HiGHS stops  [default: {DEFAULT_MIP_GAP:g}]")
@click.option("--throughput-spread/--no-throughput-spread", default=True, show_default=True,
              help="Draw each catalog GPU's MFU from its measured spread (mfu_spread), unless a distribution "
                   "on a GPU's MFU is declared.")
@set_option
@output_option(lambda kwargs: (kwargs["instance_file"], *filter(None, map(_dist_file, kwargs["dists"]))))
def uncertainty(instance_file: str, samples: int, seed: int, dists: tuple[str, ...], reoptimize: bool,
                workers: int, scheduler: str | None, fmt: str, plot: str | None, quiet: bool,
                time_limit: float | None, mip_gap: float | None, settings: tuple[str, ...],
                throughput_spread: bool = True) -> None:
    """Draw K scenarios of INSTANCE_FILE's uncertain inputs and report how sure its plan is: P10/P50/P90
    of cost, CO2, days and loss, and the probability of meeting each limit and the loss target."""
    from planner.analysis.executor import Runner
    from planner.analysis.uncertainty import NoPlanError, check_samples, check_seed, run_uncertainty
    from planner.cli.options import progress_bar
    from planner.optimize.solve import SolveOptions
    from planner.present.plots import check_plot_path

    check_samples(samples)
    check_seed(seed)
    runner = Runner(workers=workers, scheduler=scheduler)
    from planner.input.loading import named_files

    inputs = [instance_file, *named_files(instance_file), *(_dist_file(d) for d in dists)]
    plot_path = check_plot_path(plot, [i for i in inputs if i]) if plot else None
    options = SolveOptions(time_limit_s=time_limit) if mip_gap is None else SolveOptions(time_limit_s=time_limit,
                                                                                          mip_gap=mip_gap)
    with progress_bar(quiet, f"uncertainty, {samples} scenarios") as progress:
        try:
            result = run_uncertainty(_source(instance_file, settings), samples, seed=seed, dists=dists,
                                     reoptimize=reoptimize, options=options, runner=runner, progress=progress,
                                     base_dir=Path(instance_file).parent,
                                     throughput_spread=throughput_spread)
        except NoPlanError as exc:
            click.echo(f"error: {exc}", err=True)
            if fmt == "json":  # --format json is always one JSON document, an infeasible run's too
                from planner.present.report import to_json

                click.echo(to_json({"status": "infeasible", "samples": samples, "seed": seed, "reason": str(exc),
                                    "scenarios": []}))
            sys.exit(EXIT_INFEASIBLE)
    _check_some_valid(result)
    text = _document(result, fmt)
    if plot_path is not None:
        from planner.present.uncertainty_plot import plot_uncertainty

        plot_uncertainty(result, plot_path)  # written to a temporary file, renamed into place
    invalid = sum(r.status != "ok" for r in result.rows)
    if invalid:
        first = next(r.reason for r in result.rows if r.status != "ok")
        click.echo(f"note: {invalid} of {len(result.rows)} scenarios are invalid (left out), e.g. {first}", err=True)
    if text is not None:
        click.echo(text, nl=False)
    else:
        from planner.present.uncertainty_table import print_uncertainty

        print_uncertainty(result)
    stopped = sum(1 for r in result.rows if r.optimal("status") == PlanStatus.TIME_LIMIT)
    if stopped:   # --reoptimize with --time-limit: their optima are the best found, not proven
        click.echo(f"stopped: {stopped} of {len(result.rows)} scenario solves hit --time-limit (status "
                   "time_limit): their plans are the best found, not proven optimal", err=True)
        sys.exit(EXIT_LIMIT)
    sys.exit(EXIT_OK)


def _document(result: Any, fmt: str) -> str | None:
    """The JSON or CSV of the run (planner.present.uncertainty_record); None for the tables."""
    from planner.present.uncertainty_record import uncertainty_frame, uncertainty_json

    if fmt == "json":
        from planner.present.report import to_json

        return to_json(uncertainty_json(result)) + "\n"
    return uncertainty_frame(result).to_csv(index=False) if fmt == "csv" else None


def _check_some_valid(result: Any) -> None:
    """Every scenario invalid (each draw refused or too extreme): nothing to summarise, and the
    distributions are the input to change: InputError (exit 2), before anything is written."""
    if result.rows and not result.valid:
        from planner.errors import InputError

        raise InputError("uncertainty", f"all {len(result.rows)} scenarios are invalid, so there is nothing to "
                         f"summarise; the first: {result.rows[0].reason} (keep each distribution within "
                         "its key's range)")


def _dist_file(text: str) -> str | None:
    """The file of a `--dist PATH=samples(file)` (an input the plot must not overwrite)."""
    match = re.search(r"samples\(\s*['\"]?([^'\")]+?)['\"]?\s*\)\s*$", text.partition("=")[2])
    return match.group(1) if match else None


def _source(instance_file: str, settings: tuple[str, ...]) -> Any:
    """The file, or with --set the instance it gives (files it names still read next to it)."""
    if not settings:
        return instance_file
    from planner.input.loading import load_instance

    return load_instance(instance_file, changes=changes_of(settings))


