"""`plan rank FILE [--by region|gpu|size|recipe] [--top K]`: the best plan for each value of one
decision (every region, GPU type, model size or recipe), each an exact optimum with that decision
fixed, sorted, with the gap to the winner; values with no plan are listed with why.

Exit 0 when some value has a plan; 3 when none has; 4 when a solve stopped at --time-limit; 2 on
bad input.
"""

from __future__ import annotations

import sys

import click

from planner.cli.grammar import changes_of, output_option, set_option

from planner.cli.support import EXIT_INFEASIBLE, EXIT_LIMIT, EXIT_OK
from planner.cli.options import format_option, progress_bar, solver_options
from planner.optimize.solve import DEFAULT_MIP_GAP


@click.command("rank")
@click.argument("instance_file", type=click.Path(dir_okay=False))
@click.option("--by", "by", type=click.Choice(["region", "gpu", "size", "recipe"]), default="region",
              show_default=True, help="The decision fixed to each of its values in turn.")
@click.option("--top", type=click.IntRange(min=1), default=None, metavar="K",
              help="Only the first K rows: the best plans, then values without a plan (the rest are counted).")
@format_option()
@click.option("--explain/--no-explain", default=True, show_default=True,
              help="Say why each value without a plan has none (more solves).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar (there is none when stderr is not a terminal).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop HiGHS after this many seconds per solve.")
@click.option("--mip-gap", type=click.FloatRange(min=0), default=DEFAULT_MIP_GAP, show_default=True,
              help="Relative MIP gap at which HiGHS stops.")
@set_option
@output_option(lambda kwargs: (kwargs["instance_file"],))
def rank(instance_file: str, by: str, top: int | None, fmt: str, explain: bool, quiet: bool,
         time_limit: float | None, mip_gap: float, settings: tuple[str, ...]) -> None:
    """The best plan of INSTANCE_FILE for each value of --by (e.g. every region), each the exact
    optimum with that decision fixed, sorted by the objective with the gap to the winner."""
    from planner.analysis.rank import rank as run_rank
    from planner.analysis.rank import values_of
    from planner.input.loading import load_instance

    instance = load_instance(instance_file, changes=changes_of(settings))
    values_of(instance, by)  # refuses --by recipe without recipes before any solve
    with progress_bar(quiet, f"rank by {by}") as progress:
        ranking = run_rank(instance, by, top, options=solver_options(time_limit, mip_gap), explain=explain,
                           progress=progress)
    if fmt == "json":
        from planner.present.rank_record import rank_json
        from planner.present.report import to_json

        click.echo(to_json(rank_json(ranking)))
    elif fmt == "csv":
        from planner.present.rank_record import rank_frame

        click.echo(rank_frame(ranking).to_csv(index=False), nl=False)
    else:
        from planner.present.rank_table import print_rank

        print_rank(ranking)
    if ranking.stopped:
        click.echo(f"stopped: {ranking.stopped} of the values hit --time-limit (status time_limit): their plans "
                   "are the best found, not proven optimal, and the order may change with more time", err=True)
        sys.exit(EXIT_LIMIT)
    sys.exit(EXIT_OK if ranking.winner is not None else EXIT_INFEASIBLE)


