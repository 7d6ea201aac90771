"""`plan solve FILE`: the optimal training plan of one instance.

`--objective` and `--set PATH=VALUE` change the instance before it is validated (the paths of
`plan whatif --vary`, planner.input.sweep_paths), so a question needs no edited copy of the file.
`--output FILE` writes the answer to FILE atomically (temporary file, then rename) instead of stdout.
"""

from __future__ import annotations

import sys

import click

from planner.formulas.limits import OBJECTIVES as OBJECTIVE_ROWS
from planner.constants import DEFAULT_MIP_GAP, Objective
from planner.cli.grammar import changes_of, output_option, set_option
from planner.cli.support import EXIT_INFEASIBLE, EXIT_LIMIT, EXIT_OK
from planner.input.loading import load_instance
from planner.input.schema import Instance

_EXIT = {"optimal": EXIT_OK, "within_gap": EXIT_OK, "infeasible": EXIT_INFEASIBLE, "time_limit": EXIT_LIMIT, "error": 1}
OBJECTIVES = list(OBJECTIVE_ROWS)  # the objectives table (planner.formulas.limits)


@click.command()
@click.argument("instance_file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--objective", type=click.Choice(OBJECTIVES), default=None,
              help="Minimise this instead of the file's objective.")
@set_option
@output_option(lambda kwargs: (kwargs["instance_file"],))
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop HiGHS after this many seconds; the best plan found is returned (exit 4).")
@click.option("--mip-gap", type=click.FloatRange(min=0), default=None,
              help=f"Relative MIP gap at which HiGHS stops  [default: {DEFAULT_MIP_GAP:g}]")
def solve(instance_file: str, fmt: str, objective: str | None, settings: tuple[str, ...],
          time_limit: float | None, mip_gap: float | None) -> None:
    """Find the optimal plan for INSTANCE_FILE (exit 0 optimal, 2 bad input, 3 infeasible, 4 limit)."""
    import time

    started = time.monotonic()  # --time-limit bounds the command: reading the instance counts too
    changes = changes_of(settings)
    if objective is not None:
        changes.append(("objective", objective))
    instance = load_instance(instance_file, changes=changes)
    warn_weighted_without_price(instance)

    from planner.optimize.pipeline import solve_instance
    from planner.optimize.solve import SolveOptions
    from planner.present.report import print_result, result_csv, result_dict, to_json

    if time_limit is not None:
        time_limit = max(time_limit - (time.monotonic() - started), 1e-6)
    options = SolveOptions(time_limit_s=time_limit, mip_gap=DEFAULT_MIP_GAP if mip_gap is None else mip_gap)
    result = solve_instance(instance, options)
    if fmt == "json":
        click.echo(to_json(result_dict(result)))
    elif fmt == "csv":
        click.echo(result_csv(result), nl=False)
    else:
        print_result(result)
    sys.exit(_EXIT.get(result.status, 1))


def warn_weighted_without_price(instance: Instance) -> None:
    """`objective: weighted` with no carbon price is `cost` under another name: say so on stderr."""
    if instance.objective == Objective.WEIGHTED and instance.carbon_price_usd_per_t == 0:
        click.echo("warning: objective 'weighted' with carbon_price_usd_per_t 0 (absent) minimises cost alone; "
                   "set carbon_price_usd_per_t (USD per t CO2e) to price carbon", err=True)
