"""The cost / CO2 frontier of a campaign by the epsilon-constraint method (`plan campaign --frontier K`).

1. End A, the cheapest plan: objective cost; then, among plans within SLACK of that cost, the
   least CO2 (a second solve with limits.budget_usd = cost (1 + SLACK), objective co2).
2. End B, the cleanest plan: objective co2 (which already takes the cheapest of the cleanest).
3. Between them, K - 2 carbon budgets evenly spaced from A's CO2 to B's: at each, objective cost
   with limits.max_co2_t = eps.
4. Repeated plans and dominated points are dropped; points run from the cheapest to the cleanest.

Every point is an optimal plan of the campaign with its carbon budget at the point's CO2 (each
solve exact to the MIP gap given); the campaign's own budget and carbon budget stay in force.

`plan frontier CAMPAIGN.yaml --minimize cost --limit co2 --points K` and `plan campaign --frontier
K` both call campaign_frontier. Its solves are independent within each step (the two ends
together, then the K - 2 levels together) and run on planner.analysis.executor.Runner (this
process, a process pool or a Dask cluster) with the same answers wherever they run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from planner.formulas.limits import CAMPAIGN_LIMITS
from planner.input.campaign_schema import Campaign, CampaignLimits
from planner.optimize.campaign_solve import CampaignResult, solve_campaign
from planner.optimize.solve import SolveOptions

SLACK = 1e-6


@dataclass(frozen=True)
class CampaignFrontierPoint:
    cost_usd: float
    co2_t: float
    max_co2_t: float | None      # the carbon budget the point was solved under (None: an end)
    result: CampaignResult


def _least(*values: float | None) -> float | None:
    given = [v for v in values if v is not None]
    return min(given) if given else None


def _with(campaign: Campaign, objective: str, budget: float | None = None, co2: float | None = None) -> Campaign:
    """`campaign` with another objective and limits tightened to `budget` and `co2` (its own kept)."""
    tighter = {"cost": budget, "co2": co2}
    new = CampaignLimits.model_construct(**{row.key: _least(tighter[row.quantity], getattr(campaign.limits, row.key))
                                            for row in CAMPAIGN_LIMITS})
    return campaign.model_copy(update={"objective": objective, "limits": new})


def _point(result: CampaignResult, eps: float | None) -> CampaignFrontierPoint | None:
    if result.metrics is None:
        return None
    return CampaignFrontierPoint(result.metrics.cost_usd, result.metrics.co2_t, eps, result)


def _options(state: SolveOptions) -> SolveOptions:
    """Per worker: the sweep's solver options (and HiGHS made safe to use after a fork)."""
    from planner.optimize.solve import reset_after_fork

    reset_after_fork()
    return state


def solve_step(options: SolveOptions, item: tuple) -> CampaignFrontierPoint | None:
    """One independent step of the frontier: ("A", campaign) the cheapest plan, then the least CO2
    within SLACK of its cost; ("B", campaign) the cleanest plan; ("eps", campaign, eps) the cheapest
    plan within the carbon budget eps."""
    kind, campaign, *rest = item
    if kind == "A":
        cheapest = solve_campaign(_with(campaign, "cost"), options)
        if cheapest.metrics is None:
            return None
        budget = cheapest.metrics.cost_usd * (1 + SLACK)
        return _point(solve_campaign(_with(campaign, "co2", budget=budget), options), None) or _point(cheapest, None)
    if kind == "B":
        return _point(solve_campaign(_with(campaign, "co2"), options), None)
    eps = rest[0]
    return _point(solve_campaign(_with(campaign, "cost", co2=eps), options), eps)


def campaign_frontier(campaign: Campaign, points: int, options: SolveOptions, runner: Any = None,
                      progress: Callable[[int, int], None] | None = None) -> list[CampaignFrontierPoint]:
    """The frontier (module docstring); empty when the campaign has no plan."""
    from planner.analysis.executor import Runner

    runner = runner or Runner()
    total = max(points, 2)

    def ends_done(done: int, _: int) -> None:
        if progress is not None:
            progress(done, total)

    end_a, end_b = runner.map(_options, options, solve_step, [("A", campaign), ("B", campaign)], progress=ends_done)
    if end_a is None or end_b is None:
        return []
    levels = [end_a.co2_t + (end_b.co2_t - end_a.co2_t) * k / (total - 1) for k in range(1, total - 1)]

    def between_done(done: int, _: int) -> None:
        if progress is not None:
            progress(2 + done, total)

    between = runner.map(_options, options, solve_step, [("eps", campaign, eps) for eps in levels],
                         progress=between_done) if levels else []
    return non_dominated([p for p in [end_a, end_b, *between] if p is not None])


def non_dominated(found: list[CampaignFrontierPoint]) -> list[CampaignFrontierPoint]:
    """Points no other point beats on both cost and CO2 (ties within SLACK kept once), cheapest first."""
    out: list[CampaignFrontierPoint] = []
    for p in sorted(found, key=lambda p: (p.cost_usd, p.co2_t)):
        if out and p.co2_t >= out[-1].co2_t * (1 - SLACK):
            continue
        out.append(p)
    return out
