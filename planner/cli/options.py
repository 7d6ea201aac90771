"""Options and helpers shared by the sweep commands (whatif, frontier, compare, rank, uncertainty)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from planner.optimize.solve import DEFAULT_MIP_GAP, SolveOptions
from planner.present.tables import format_number, wide_console  # noqa: F401 -- where the commands found them


@contextmanager
def progress_bar(quiet: bool, label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr; None (no bar) with --quiet or when stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def format_option() -> Callable:
    return click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
                        show_default=True, help="table on the terminal, JSON, or CSV (one row per point).")


def solver_options(time_limit: float | None, mip_gap: float) -> SolveOptions:
    return SolveOptions(time_limit_s=time_limit, mip_gap=mip_gap)


def common_options(command: Callable) -> Callable:
    for option in reversed([
        click.option("--plot", type=click.Path(dir_okay=False), default=None,
                     help="Also draw the result to FILE.png (or .pdf, .svg)."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar (there is none when stderr is not a terminal)."),
        click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
                     help="Stop HiGHS after this many seconds per solve."),
        click.option("--mip-gap", type=click.FloatRange(min=0), default=DEFAULT_MIP_GAP, show_default=True,
                     help="Relative MIP gap at which HiGHS stops."),
    ]):
        command = option(command)
    return command


