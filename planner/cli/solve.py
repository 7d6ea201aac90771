"""`plan solve FILE`: the optimal training plan of one instance."""

from __future__ import annotations

import sys

import click

from planner.cli.support import EXIT_INFEASIBLE, EXIT_LIMIT, EXIT_OK
from planner.input.loading import load_instance
from planner.optimize.pipeline import solve_instance
from planner.present.report import print_result, result_dict, to_json
from planner.optimize.solve import DEFAULT_MIP_GAP, SolveOptions

_EXIT = {"optimal": EXIT_OK, "infeasible": EXIT_INFEASIBLE, "time_limit": EXIT_LIMIT, "error": 1}


@click.command()
@click.argument("instance_file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop HiGHS after this many seconds; the best plan found is returned (exit 4).")
@click.option("--mip-gap", type=click.FloatRange(min=0), default=DEFAULT_MIP_GAP, show_default=True,
              help="Relative MIP gap at which HiGHS stops.")
def solve(instance_file: str, fmt: str, time_limit: float | None, mip_gap: float) -> None:
    """Find the optimal plan for INSTANCE_FILE (exit 0 optimal, 2 bad input, 3 infeasible, 4 limit)."""
    instance = load_instance(instance_file)
    result = solve_instance(instance, SolveOptions(time_limit_s=time_limit, mip_gap=mip_gap))
    if fmt == "json":
        click.echo(to_json(result_dict(result)))
    else:
        print_result(result)
    sys.exit(_EXIT[result.status])
