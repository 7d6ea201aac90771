"""`plan campaign FILE`: the optimal plan of a campaign (several runs over months, sites and a GPU
fleet, docs/campaigns.md). Exit 0 optimal, 2 bad input, 3 infeasible (with what would have to
move), 4 stopped by --time-limit (the best plan found is printed)."""

from __future__ import annotations

import sys

import click

from planner.cli.atomic import check_output_path, write_atomic
from planner.cli.support import EXIT_INFEASIBLE, EXIT_LIMIT, EXIT_OK
from planner.constants import PlanStatus

_EXIT = {"optimal": EXIT_OK, "within_gap": EXIT_OK, "infeasible": EXIT_INFEASIBLE, "time_limit": EXIT_LIMIT,
         "error": 1}


@click.command("campaign")
@click.argument("campaign_file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False), default=None,
              help="Write the answer to FILE (atomically) instead of printing it.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop HiGHS after this many seconds; the best plan found is returned (exit 4).")
@click.option("--mip-gap", type=click.FloatRange(min=0), default=None,
              help="Relative MIP gap at which HiGHS stops (default 1e-4).")
@click.option("--baselines", is_flag=True,
              help="Also solve the earliest-deadline greedy, the run-by-run planner and the LP bound.")
@click.option("--frontier", "frontier_points", type=click.IntRange(min=2, max=50), default=None,
              help="Also the cost / CO2 frontier with this many points (epsilon-constraint, each exact).")
@click.option("--vary", "varies", multiple=True, metavar="PATH=SPEC",
              help="Re-solve over a grid instead (the paths and specs of `plan whatif`, e.g. "
                   "runs[base-405b].deadline=2027-04,2027-06). Repeatable.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None,
              help="Also draw the plan to FILE.png (Gantt by site, MW against the limit, GPUs by channel).")
def campaign(campaign_file: str, fmt: str, output: str | None, time_limit: float | None, mip_gap: float | None,
             baselines: bool, frontier_points: int | None, varies: tuple[str, ...], plot: str | None) -> None:
    """Plan CAMPAIGN_FILE jointly: every run's variant, site, GPUs by month, and the blocks to reserve."""
    check_output_path(output, inputs=(campaign_file,), others={"--plot": plot})
    if plot is not None:
        from planner.present.plots import check_plot_path

        check_plot_path(plot, inputs=(campaign_file,))
    from planner.input.campaign_loading import load_campaign
    from planner.optimize.campaign_solve import CAMPAIGN_MIP_GAP, solve_campaign
    from planner.optimize.solve import SolveOptions

    options = SolveOptions(time_limit_s=time_limit, mip_gap=CAMPAIGN_MIP_GAP if mip_gap is None else mip_gap)
    if varies:
        _sweep(campaign_file, varies, options, fmt, output, plot)
        return
    loaded = load_campaign(campaign_file)
    result = solve_campaign(loaded, options)
    if result.status == PlanStatus.INFEASIBLE and not result.explanation:
        from planner.analysis.campaign_explain import explain_infeasible

        result.explanation = explain_infeasible(loaded, result.data, options)
    compared = None
    if baselines:
        from planner.analysis.campaign_baselines import compare_baselines

        compared = compare_baselines(loaded, result, options)
    front = None
    if frontier_points is not None and result.plan is not None:
        from planner.analysis.campaign_frontier import campaign_frontier

        front = campaign_frontier(loaded, frontier_points, options)
    from planner.present.campaign_report import campaign_render

    text = campaign_render(result, fmt, compared, front)
    if output is not None:
        write_atomic(output, text)
        click.echo(f"wrote {output} (status {result.status})", err=True)
    else:
        click.echo(text, nl=False)
    if plot is not None and result.plan is not None:
        from planner.present.campaign_plot import plot_campaign

        plot_campaign(loaded, result, plot)
        click.echo(f"wrote {plot}", err=True)
    sys.exit(_EXIT.get(result.status, 1))


def _sweep(campaign_file: str, varies: tuple[str, ...], options, fmt: str, output: str | None,
           plot: str | None) -> None:
    """`--vary`: the code of `plan whatif CAMPAIGN_FILE` (planner.cli.campaign_sweeps), in this
    process; exit 0 even when some points are infeasible (their status says so)."""
    from planner.analysis.executor import Runner
    from planner.cli.campaign_sweeps import whatif_text

    text, code = whatif_text(campaign_file, list(varies), fmt, options, Runner(), plot=plot)
    if output is not None:
        write_atomic(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
    sys.exit(code)
