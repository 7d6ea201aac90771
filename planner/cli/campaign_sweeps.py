"""What-if and frontiers over a campaign file: the one code path behind `plan whatif CAMPAIGN.yaml`,
`plan frontier CAMPAIGN.yaml` and `plan campaign --vary / --frontier` (planner.analysis.campaign_whatif
and campaign_frontier do the solving, on the Runner given). Each function returns the text to print
and the exit code; the commands print or write it."""

from __future__ import annotations

from typing import Any

import click

from planner.cli.support import EXIT_INFEASIBLE, EXIT_LIMIT, EXIT_OK
from planner.constants import PlanStatus


def campaign_mip_gap(mip_gap: float | None, option: str = "mip_gap") -> float:
    """--mip-gap as given, else the campaign default (1e-4) rather than a single run's 1e-9: a
    command shared with single runs passes None when the user left the option at its default."""
    from planner.optimize.campaign_solve import CAMPAIGN_MIP_GAP

    return CAMPAIGN_MIP_GAP if mip_gap is None else mip_gap


def given_or_none(name: str, value: Any) -> Any:
    """`value`, or None when the click option `name` was left at its default."""
    from click.core import ParameterSource

    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.get_parameter_source(name) == ParameterSource.DEFAULT:
        return None
    return value


def whatif_text(path: str, varies: list[str], fmt: str, options, runner, *, settings=(), plot: str | None = None,
                progress=None, width: int | None = None) -> tuple[str, int]:
    """Solve the campaign at `path` over the `--vary` grid; the table / JSON / CSV and the exit code
    (0, or 4 when a point stopped at --time-limit)."""
    from planner.analysis.campaign_whatif import campaign_source, run_campaign_whatif, with_changes
    from planner.analysis.whatif import parse_varies
    from planner.cli.grammar import changes_of

    parsed = parse_varies(list(varies))
    written = campaign_source(path)   # read once: the aliasing check resolves names in the file as written
    base = with_changes(written, changes_of(settings))
    _check_one_field_each(written, parsed, settings)
    sweep = run_campaign_whatif(base, parsed, options, runner, progress)
    if plot is not None:
        from planner.present.campaign_plot import plot_campaign_whatif

        plot_campaign_whatif(sweep, plot)
        click.echo(f"wrote {plot}", err=True)
    stopped = any(p.result.status == PlanStatus.TIME_LIMIT for p in sweep.points)
    from planner.present.campaign_sweeps import whatif_render

    return whatif_render(sweep, fmt, width), (EXIT_LIMIT if stopped else EXIT_OK)


def _check_one_field_each(data: dict, parsed: list, settings: tuple[str, ...]) -> None:
    """InputError when two --vary (or a --set and a --vary) name one field of the campaign `data`
    (the file as written, already read) however written (`runs[0]` = `runs[small-30b]`, `max_co2_t` = `limits.max_co2_t`): the later would
    replace the earlier at every point while the rows reported the earlier's values."""
    from planner.analysis.campaign_whatif import SHORT_PATHS, expand_short
    from planner.cli.grammar import changes_of
    from planner.input.sweep_paths import check_distinct, parse_path

    sets = [(where, parse_path(SHORT_PATHS.get(where, where), "--set")) for where, _ in changes_of(settings)]
    varied = [(v.path, full.steps) for v, full in zip(parsed, expand_short(parsed))]
    check_distinct(data, varied, "--vary")
    check_distinct(data, sets + varied, "--set/--vary")


def frontier_text(path: str, minimize: str, limit: str, points: str | int, fmt: str, options, runner, *,
                  settings=(), plot: str | None = None, progress=None, width: int | None = None) -> tuple[str, int]:
    """The cost / CO2 frontier of the campaign at `path`; text and exit code (0 with points, 3
    when the campaign has no plan: the text says why)."""
    from planner.analysis.campaign_frontier import campaign_frontier
    from planner.analysis.campaign_whatif import campaign_source
    from planner.cli.grammar import changes_of
    from planner.errors import InputError
    from planner.input.campaign_loading import campaign_from_dict

    if {minimize, limit} != {"cost", "co2"}:
        raise InputError("--limit", f"a campaign's frontier is cost against co2 (--minimize cost --limit co2), "
                                    f"got --minimize {minimize} --limit {limit}")
    try:
        count = int(points)
    except (TypeError, ValueError):
        raise InputError("--points", f"a campaign's frontier takes a whole number of points >= 2, got {points!r}") from None
    if not 2 <= count <= 50:
        raise InputError("--points", f"a campaign's frontier takes 2 to 50 points, got {count}")
    campaign = campaign_from_dict(campaign_source(path, changes_of(settings)))
    front = campaign_frontier(campaign, count, options, runner, progress)
    name = campaign.name or "campaign"
    explanation: list[str] = []
    if not front:
        from planner.analysis.campaign_explain import explain_infeasible
        from planner.optimize.campaign_solve import solve_campaign

        result = solve_campaign(campaign.model_copy(update={"objective": "cost"}), options)
        explanation = result.explanation or explain_infeasible(campaign, result.data, options)
    elif plot is not None:
        from planner.present.campaign_plot import plot_campaign_frontier

        plot_campaign_frontier(front, name, plot)
        click.echo(f"wrote {plot}", err=True)
    from planner.present.campaign_sweeps import frontier_render

    return frontier_render(front, name, fmt, width, explanation), (EXIT_OK if front else EXIT_INFEASIBLE)


__all__ = ["whatif_text", "frontier_text", "campaign_mip_gap", "given_or_none"]
