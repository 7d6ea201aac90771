"""`plan fit runs.csv`: fit a scaling law to the user's own training runs (planner.analysis.fitting).

Everything is checked before anything is written: a bad CSV or option raises InputError (exit 2
through cli.main) and leaves no --output or --plot file behind.

Threads: the fit is thousands of small L-BFGS-B runs on vectors of a few hundred numbers, where
BLAS threads only add synchronisation. Measured on 2 cores (250 runs, 200 bootstrap replicates):
116 s with OpenBLAS's default 2 threads, 18 s with one. So `plan fit` pins BLAS to one thread:
through the environment before numpy is first imported (the `plan` process) and with threadpoolctl
around every fit (planner.analysis.fitting.fit_runs; numpy imported earlier, e.g. in tests).
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

#: BLAS thread variables set to 1 unless the user set them (before numpy is imported).
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
if "numpy" not in sys.modules:
    for _variable in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(_variable, "1")

import click  # noqa: E402

from planner.errors import InputError  # noqa: E402
from planner.outputs import check_output, same_file, write_text_atomic  # noqa: E402
from planner.analysis.fitting import fit_runs, parse_columns, read_runs  # noqa: E402

PLOT_SUFFIXES = (".png", ".pdf", ".svg")
#: Most bootstrap replicates (each is a fit; 10,000 already gives percentiles to a tenth of a percent).
MAX_BOOTSTRAP = 10_000


@click.command("fit")
@click.argument("runs_csv", metavar="RUNS.csv", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="How to print the result.")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Write a `scaling_law:` YAML block an instance can use as is.")
@click.option("--plot", type=click.Path(path_type=Path), default=None,
              help="Plot the runs and the fitted curves (loss against compute) to FILE.png/.pdf/.svg.")
@click.option("--drop-worst", type=int, default=0, show_default=True, metavar="K",
              help="Refit without the K runs the first fit matches worst (largest |log residual|).")
@click.option("--max-loss", type=float, default=None, metavar="X",
              help="Leave out runs with loss above X (e.g. unconverged or diverged runs).")
@click.option("--bootstrap", type=int, default=200, show_default=True, metavar="B",
              help="Bootstrap replicates for the confidence intervals; 0 disables them.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the bootstrap resampling.")
@click.option("--ci", "ci_level", type=float, default=0.95, show_default=True,
              help="Confidence level of the bootstrap intervals.")
@click.option("--at-flops", type=float, default=1e24, show_default=True, metavar="C",
              help="Compute (FLOPs, C = 6 N D) at which to report the optimal tokens per parameter.")
@click.option("--starts", type=int, default=24, show_default=True, metavar="K",
              help="Best screened grid starts polished with L-BFGS-B; 0 polishes all 4,500 (slow).")
@click.option("--name", default=None, help="Name of the law in --output (default fit-<csv stem>).")
@click.option("--columns", default=None, metavar="MAP",
              help="Which CSV columns hold params, tokens and loss, e.g. N=params,D=tokens,L=loss.")
@click.option("--samples-output", type=click.Path(path_type=Path), default=None,
              help="Write the bootstrap's laws as CSV (columns E,A,B,alpha,beta, one row per replicate): "
                   "the file `scaling_law_samples: {file: ...}` reads.")
def fit(runs_csv: Path, output_format: str, output: Path | None, plot: Path | None, drop_worst: int,
        max_loss: float | None, bootstrap: int, seed: int, ci_level: float, at_flops: float,
        starts: int, name: str | None, columns: str | None, samples_output: Path | None) -> None:
    """Fit L = E + A/N^alpha + B/D^beta to training runs in RUNS.csv (columns params, tokens, loss).

    Hoffmann et al. (2022) / Besiroglu et al. (2024): Huber loss (delta 1e-3) on log-loss summed
    over runs, minimised with L-BFGS-B from a grid of starts; bootstrap intervals for each
    parameter and for the compute-optimal tokens per parameter at --at-flops.
    """
    if starts < 0:
        raise InputError("--starts", f"must be >= 0, got {starts}")
    check_law_name(name)
    if bootstrap > MAX_BOOTSTRAP:
        raise InputError("--bootstrap", f"at most {MAX_BOOTSTRAP:,} replicates, got {bootstrap:,}")
    if output is not None:
        _check_writable(output, "--output")
    if plot is not None:
        _check_writable(plot, "--plot")
        if plot.suffix.lower() not in PLOT_SUFFIXES:
            raise InputError("--plot", f"must end in {', '.join(PLOT_SUFFIXES)}, got '{plot.name}'")
    if output is not None and plot is not None and output.resolve() == plot.resolve():
        raise InputError("--plot", "is the same file as --output")
    if samples_output is not None:
        _check_writable(samples_output, "--samples-output")
        if bootstrap == 0:
            raise InputError("--samples-output", "needs bootstrap replicates (--bootstrap > 0)")
        for option, other in (("--output", output), ("--plot", plot)):
            if other is not None and other.resolve() == samples_output.resolve():
                raise InputError("--samples-output", f"is the same file as {option}")
    for option, path in (("--output", output), ("--plot", plot), ("--samples-output", samples_output)):
        if path is not None and same_file(path, runs_csv):  # incl. symlinks and hard links
            raise InputError(option, f"is the runs CSV itself ({runs_csv}); give another file name")
    runs = read_runs(runs_csv, parse_columns(columns))
    with bootstrap_progress(bootstrap) as progress:  # BLAS pinned to one thread inside fit_runs
        report = fit_runs(runs, drop_worst=drop_worst, max_loss=max_loss, bootstrap=bootstrap, seed=seed,
                          at_flops=at_flops, ci_level=ci_level, polish=starts, progress=progress)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    from planner.outputs import all_or_nothing

    from planner.present.fit_report import law_yaml, print_table, report_json, samples_csv

    with all_or_nothing():  # every output written, or none (a full disk on the second one)
        if output is not None:
            _write(output, law_yaml(report, name), "--output")
        if samples_output is not None:
            _write(samples_output, samples_csv(report), "--samples-output")
        if plot is not None:
            from planner.present.fit_plot import plot_fit  # matplotlib only when a plot is asked for

            try:
                plot_fit(report, plot)
            except OSError as exc:
                raise InputError("--plot", f"cannot write {plot} ({exc.strerror or exc})") from None
    if output_format == "json":
        click.echo(json.dumps(report_json(report, name), indent=2, allow_nan=False))
    else:
        print_table(report, output, plot)


def check_law_name(name: str | None) -> None:
    """--name is the law's name in --output: the rules of every instance name (no control or
    bidirectional characters, at most 200 characters), checked before the fit, not after it."""
    if name is None:
        return
    from planner.input.schema import check_name

    if not name.strip():
        raise InputError("--name", "empty name")
    try:
        check_name(name)
    except ValueError as exc:
        raise InputError("--name", str(exc)) from None


@contextmanager
def bootstrap_progress(replicates: int) -> Iterator[Any]:
    """A progress bar of the bootstrap on stderr, only when stderr is a terminal (None otherwise)."""
    if replicates < 20 or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("bootstrap"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("bootstrap", total=replicates)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _check_writable(path: Path, option: str) -> None:
    """A file can be created there (probed: planner.outputs.check_output), before any work."""
    check_output(path, option)


def _write(path: Path, text: str, option: str) -> None:
    """Atomically: a temporary file, then a rename (planner.outputs)."""
    write_text_atomic(path, text, option)
