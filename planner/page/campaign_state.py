"""One browser tab's state for the campaign view, without any UI: the campaign file, its levers
(objective, budget, carbon price, each run's deadline month), the latest answer, and which request
is the newest (an answer to an older one is dropped).

The levers change the file's mapping as `plan campaign --vary PATH=VALUE` does (planner.input.
sweep_paths: `limits.budget_usd`, `carbon_price_usd_per_t`, `runs[NAME].deadline`), so the edited
YAML the page offers is a campaign file `plan campaign` loads to the same plan. The solve, the
tables and the figure are made in a worker of the page's pool (campaign_job): the UI thread only
draws them.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, replace
from typing import Any

from planner.constants import Objective, PlanStatus
from planner.formulas.limits import CAMPAIGN_LIMITS
from planner.errors import InputError, one_line
from planner.page.levers import Scale, scale_around
from planner.page.source import Source
from planner.page.view_state import ViewState

#: columns of the campaign's tables (as `plan campaign` prints them at this terminal width)
CAMPAIGN_WIDTH = 100
#: the campaign figure on the page, inches (at 100 dpi about the width of the page's answer column,
#: short enough to sit below the headline at 1280x800)
FIGURE_INCHES = (10.0, 6.0)
#: the campaign limit the page has a lever for: the budget (planner.formulas.limits)
BUDGET = next(row for row in CAMPAIGN_LIMITS if row.quantity == Objective.COST)
#: the objectives of a campaign (planner.input.campaign_schema.Campaign.objective)
CAMPAIGN_OBJECTIVES = {"cost": "cost (USD)", "co2": "CO2e (t)", "weighted": "cost + carbon price x CO2e",
                       "lateness": "cost + lateness"}


@dataclass(frozen=True)
class CampaignLevers:
    """What the page may change: objective, budget (None: no budget), carbon price, deadlines."""

    objective: str
    budget: float | None                     # the BUDGET limit's value, None: off
    carbon_price_usd_per_t: float
    deadlines: tuple[tuple[str, str], ...]   # (run, YYYY-MM) in the file's order

    def with_(self, **values: Any) -> "CampaignLevers":
        return replace(self, **values)

    def with_deadline(self, run: str, month: str) -> "CampaignLevers":
        return replace(self, deadlines=tuple((r, month if r == run else m) for r, m in self.deadlines))


def campaign_levers(campaign: Any) -> CampaignLevers:
    """The file's own levers."""
    return CampaignLevers(campaign.objective, getattr(campaign.limits, BUDGET.key), float(campaign.carbon_price_usd_per_t),
                          tuple((run.name, run.deadline) for run in campaign.runs))


def campaign_changes(source: Source, levers: CampaignLevers) -> list[tuple[str, Any]]:
    """(--vary path, value) for each lever that differs from the file."""
    own = campaign_levers(source.campaign)
    out: list[tuple[str, Any]] = []
    if levers.objective != own.objective:
        out.append(("objective", levers.objective))
    if levers.budget != own.budget:
        out.append((BUDGET.path, levers.budget))
    if levers.carbon_price_usd_per_t != own.carbon_price_usd_per_t:
        out.append(("carbon_price_usd_per_t", levers.carbon_price_usd_per_t))
    for (run, month), (_, file_month) in zip(levers.deadlines, own.deadlines):
        if month != file_month:
            out.append((f"runs[{run}].deadline", month))
    return out


def campaign_edited_data(source: Source, changes: list[tuple[str, Any]]) -> dict[str, Any]:
    """The campaign mapping with `changes` applied as `plan campaign --vary` applies one value (an
    absent limit is dropped from `limits`, not written as null)."""
    from planner.input.sweep_paths import parse_path, set_path

    data = dict(source.data)
    for path, value in changes:
        if path.startswith("limits.") and value is None:
            limits = {k: v for k, v in (data.get("limits") or {}).items() if k != path.removeprefix("limits.")}
            data = {**data, "limits": limits} if limits else {k: v for k, v in data.items() if k != "limits"}
            continue
        data = set_path(data, parse_path(path, "--set"), value, path, "--set")
    return data


@dataclass(frozen=True)
class CampaignAnswer:
    """What the view shows of one solve, all made in the worker: the result, `plan campaign`'s
    text at CAMPAIGN_WIDTH columns, its JSON and CSV, and `plan campaign --plot`'s figure as PNG
    (None without a plan)."""

    result: Any
    text: str
    json: str
    csv: str
    png: bytes | None


def campaign_job(data: dict[str, Any]) -> tuple[str, Any]:
    """`plan campaign` on the mapping: ("ok", CampaignAnswer) (an infeasible campaign with what
    would have to move, as the CLI explains it) or ("input", the one-line message)."""
    from planner.input.campaign_loading import campaign_from_dict
    from planner.optimize.campaign_solve import CAMPAIGN_MIP_GAP, solve_campaign
    from planner.optimize.solve import SolveOptions, reset_after_fork

    reset_after_fork()  # the tests run `plan campaign` in the page's parent process
    try:
        campaign = campaign_from_dict(data)
        options = SolveOptions(mip_gap=CAMPAIGN_MIP_GAP)
        result = solve_campaign(campaign, options)
        if result.status == PlanStatus.INFEASIBLE and not result.explanation:
            from planner.analysis.campaign_explain import explain_infeasible

            result.explanation = explain_infeasible(campaign, result.data, options)
    except InputError as exc:
        return "input", one_line(str(exc))
    return "ok", CampaignAnswer(result, campaign_text(result), campaign_json(result), campaign_csv_text(result),
                                campaign_png(campaign, result) if result.plan is not None else None)


def campaign_text(result: Any, width: int = CAMPAIGN_WIDTH) -> str:
    """What `plan campaign FILE` prints at `width` columns (planner.present.campaign_report)."""
    from rich.console import Console

    from planner.present.campaign_report import print_campaign

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None)
    print_campaign(result, console)
    return buffer.getvalue().rstrip("\n")


def campaign_json(result: Any) -> str:
    """`plan campaign --format json`."""
    from planner.present.campaign_report import campaign_dict
    from planner.present.report import to_json

    return to_json(campaign_dict(result)) + "\n"


def campaign_csv_text(result: Any) -> str:
    """`plan campaign --format csv`."""
    from planner.present.campaign_report import campaign_csv

    return campaign_csv(result)


def campaign_png(campaign: Any, result: Any) -> bytes:
    """`plan campaign --plot`'s figure (Gantt by site, MW against each site's limit, GPUs by
    channel) as PNG bytes (drawn to a temporary file)."""
    import tempfile
    from pathlib import Path

    from planner.present.campaign_plot import plot_campaign

    with tempfile.TemporaryDirectory(prefix="plan-page-") as folder:
        path = Path(folder) / "campaign.png"
        plot_campaign(campaign, result, path, size=FIGURE_INCHES)
        return path.read_bytes()


@dataclass
class CampaignState(ViewState):
    """The campaign view's state for one campaign source."""

    levers: CampaignLevers = None  # type: ignore[assignment]
    answer: CampaignAnswer | None = None
    running: float | None = None   # when the running solve started (monotonic), None when none runs
    job: Any = None                # the worker's function (default campaign_job; the tests give a slow one)

    def __post_init__(self) -> None:
        if self.levers is None:
            self.levers = campaign_levers(self.source.campaign)

    @property
    def result(self) -> Any:
        return self.answer.result if self.answer is not None else None

    def changes(self) -> list[tuple[str, Any]]:
        return campaign_changes(self.source, self.levers)

    def data(self) -> dict[str, Any]:
        """The edited campaign mapping (InputError: a lever's value is refused)."""
        return campaign_edited_data(self.source, self.changes())

    def budget_scale(self) -> Scale:
        """The budget slider: around the file's budget and the file's plan's cost."""
        cost = self.result.metrics.cost_usd if self.result is not None and self.result.metrics is not None else None
        return scale_around(campaign_levers(self.source.campaign).budget, cost)

    def months(self) -> list[str]:
        return list(self.source.campaign.labels())

    async def solve(self) -> bool:
        """Solve the levers' campaign; False when a newer request came meanwhile (answer dropped)."""
        self.request += 1
        mine = self.request
        start = time.monotonic()
        try:
            data = self.data()
        except InputError as exc:
            self.answer, self.error = None, one_line(str(exc))
            return True
        self.running = start
        try:
            status, answer = await self.run_job(self.job or campaign_job, data)
        finally:
            if mine == self.request:
                self.running = None
        if mine != self.request:
            return False
        self.seconds["solve"] = time.monotonic() - start
        if status == "ok":
            self.answer, self.error = answer, None
        elif status == "cancelled":
            self.answer, self.error = None, "solve cancelled: move a control to solve again"
        else:
            self.answer, self.error = None, answer
        return True

    def cancel(self) -> None:
        """End the running solve (the pool's workers are ended and restarted on next use)."""
        self.request += 1
        self.running = None
        self.jobs.cancel()
        self.answer, self.error = None, "solve cancelled: move a control to solve again"


__all__ = ["CampaignState", "CampaignLevers", "CampaignAnswer", "campaign_levers", "campaign_changes",
           "campaign_edited_data", "campaign_job", "campaign_text", "CAMPAIGN_WIDTH", "CAMPAIGN_OBJECTIVES"]
