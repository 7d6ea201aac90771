"""`plan whatif FILE --vary PATH=SPEC [...]`: solve an instance over a grid of changed inputs.

Options are checked (paths, specs, the plot file name, every grid point validated) before anything
is solved; bad input exits 2 with one message. Infeasible points are rows, not errors: exit 0.
A point stopped by --time-limit is a row with status time_limit, and the sweep exits 4 (issue 13).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from planner.cli.grammar import changes_of, output_option, set_option

from planner.cli.options import common_options, format_option, progress_bar, solver_options, wide_console
from planner.cli.support import EXIT_LIMIT, EXIT_OK


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
    from planner.analysis.whatif import parse_varies, run_whatif
    from planner.input.loading import read_with_changes

    parsed = parse_varies(list(varies))
    from planner.input.loading import named_files

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
        from planner.analysis.whatif import point_json

        click.echo(to_json({
            "objective": sweep.objective,
            "vary": [{"path": v.path, "values": list(v.values)} for v in sweep.varies],
            "rows": [point_json(p) for p in sweep.points],
            "solver": {"name": "highs", "seconds": sweep.seconds, **sweep.stats},
        }))
    elif fmt == "csv":
        click.echo(sweep.to_frame().to_csv(index=False), nl=False)
    else:
        print_whatif(sweep)
    stopped = any(p.status == "time_limit" for p in sweep.points)
    if stopped:
        click.echo("stopped: some points hit --time-limit (status time_limit): their plans are the best "
                   "found, not proven optimal", err=True)
    sys.exit(EXIT_LIMIT if stopped else EXIT_OK)


def print_whatif(sweep: Any) -> None:
    """The table of `plan whatif`: one row per point; infeasible rows show what would have to move
    (the full reasons are in --format json / csv). It fits the terminal (planner.present.tables):
    numbers never break; at 80 columns headers shorten and the status column goes (a point without
    a plan says its status in the plan column); narrower, "objective value" of a sweep over
    `objective` goes first (the same number is under cost, CO2e, days or loss; not when a point
    minimises weighted), then status, days and loss, each only if no point minimises it."""
    from planner.analysis.frontier import decision_label
    from planner.present.tables import fit_table

    objective = "objective value" if sweep.objective == "mixed" else sweep.objective
    columns = _whatif_columns(sweep, objective)
    rows = []
    for point in sweep.points:
        result = point.result
        cells = [_cell(point.inputs[v.path]) for v in sweep.varies]
        if result is not None and result.metrics is not None:
            m = result.metrics
            values = [f"{m.objective_value('cost'):,.0f}", f"{m.objective_value('co2'):,.2f}", f"{m.duration_days:,.2f}",
                      f"{m.loss:.4f}", ", ".join(result.binding) or "-"]
            extra = [_objective_cell(result.objective, result.objective_value)] if sweep.objective not in _FIGURES else []
            label = decision_label(result) + ("" if point.status == "optimal" else f" ({point.status})")
            cells += [point.status, *extra, label, *values]
        else:
            extra = ["-"] if sweep.objective not in _FIGURES else []
            cells += [point.status, *extra, f"({point.status})", "-", "-", "-", "-", short_reason(point.reason)]
        rows.append(cells)
    console = wide_console()
    lifetime = any(p.result is not None and p.result.metrics is not None and p.result.metrics.lifetime is not None
                   for p in sweep.points)
    note = "; cost and CO2e over the model's life (training + serving)" if lifetime else ""
    console.print(fit_table(columns, rows, console.width, title=f"what-if, minimising {objective}{note}"))
    stats = sweep.stats
    console.print(f"{len(sweep.points)} points in {sweep.seconds:.2f} s: {stats.get('solves', 0)} solves",
                  markup=False)


def _objective_cell(objective: str, value: float | None) -> str:
    """Dollars whole (1,075,990), other objectives to 6 significant digits: never an exponent."""
    from planner.numbers import sig, whole

    return whole(value) if objective in ("cost", "weighted") else sig(value, 6)


#: The figure columns of the what-if table, by the objective shown in bold under them.
_FIGURES = {"cost": "cost (USD)", "co2": "CO2e (t)", "time": "days", "loss": "loss"}


def _whatif_columns(sweep: Any, objective: str) -> list:
    """The columns of print_whatif (its docstring says which may be left out, and in what order)."""
    from planner.present.tables import Col

    short = {"cost (USD)": "cost $", "CO2e (t)": "CO2e t"}
    columns = []
    for v in sweep.varies:
        numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) or x is None for x in v.values)
        # the full path, broken after its dots when space is short (two `mfu` columns stay apart)
        short_path = "obj." if v.path == "objective" else v.path.replace(".", ".\n")
        columns.append(Col(v.path, numeric=numeric, keep=not numeric, short=short_path))
    names = ["status", "plan", "cost (USD)", "CO2e (t)", "days", "loss", "binding / reason"]
    if sweep.objective not in _FIGURES:
        names.insert(1, objective)
    minimised = {p.instance.objective for p in sweep.points}
    # what may be left out when the terminal is narrow, the highest first; a figure some point
    # minimises never is (a mixed sweep's "objective value" is under cost, CO2e, days or loss too)
    drop = {"status": 3}
    if sweep.objective == "mixed" and "weighted" not in minimised:
        drop[objective] = 4
    drop.update({column: rank for column, rank, minimised_as in (("days", 2, "time"), ("loss", 1, "loss"))
                 if minimised_as not in minimised})
    for name in names:
        if name == "status":
            columns.append(Col(name, keep=True, drop=drop[name]))
        elif name in drop:
            columns.append(Col(name, numeric=True, short="value" if name == objective else None, drop=drop[name]))
        elif name in ("plan", "binding / reason"):
            columns.append(Col(name))
        else:
            bold = "bold" if name == _FIGURES.get(sweep.objective) else None
            columns.append(Col(name, numeric=True, short=short.get(name), style=bold))
    return columns


def short_reason(reason: str) -> str:
    """The 'must be at least' parts of an explanation (what would have to move), else all of it."""
    parts = [p.strip() for p in reason.split("; ")]
    needed = [p.split(" (")[0] for p in parts if "must be at least" in p or "must be at most" in p]
    return "; ".join(needed) if needed else reason


def _cell(value: Any) -> str:
    """A swept value as the user wrote it (2,000,000, 0.35, 1e15, none): planner.numbers.value."""
    from planner.numbers import value as written

    return written(value)
