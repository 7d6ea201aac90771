"""The limits and objectives of a plan, one row each: what the evaluator checks, what binding
lists, what explanations relax, what a frontier moves, what uncertainty counts and how reports
label them all loop over these tables (the shape of PyPSA's variables.csv). A new limit is one
row here plus its schema field (tests/test_limits_table.py fails when a field has no row).

    key                 path                       quantity  unit   label             read from a plan    in n
    budget_usd          limits.budget_usd          cost      USD    cost              cost_usd.total      unimodal
    max_co2_t           limits.max_co2_t           co2       t      CO2               co2_t.total         up
    deadline_days       limits.deadline_days       time      days   duration          duration_days       down
    max_training_flops  limits.max_training_flops  -         FLOP   training compute  flops.total         none

`in n`: how the limited figure moves as the GPU count n grows (tokens and size fixed), which is how
the presolve (planner.optimize.presolve) turns the limit into counts: CO2 rises (failure waste and
node rounding rise: the counts allowed end at a largest), the duration falls (they start at a
least), cost falls then rises (staff days fall, waste rises: convex in sqrt(n), README "How the
solve is exact"; they are an interval around the cheapest count), training FLOPs do not move (a
row meets the limit at every count or at none).

The loss target (targets.max_loss, or the loss of targets.match) is checked beside them as `max_loss`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Any, Literal

from planner.input.campaign_schema import CampaignLimits

PlanMetrics = Any  # planner.formulas.evaluate.PlanMetrics (which reads its objectives from here)


@dataclass(frozen=True)
class Limit:
    """One limit of `limits:` (module docstring)."""

    key: str                                   # binding / violation name; the field of `limits`
    quantity: str | None                       # the frontier quantity it caps (cost, co2, time), if any
    unit: str                                  # of the limited figure
    label: str                                 # what is limited, in messages: "cost exceeds ..."
    noun: str                                  # the limit itself, in explanations: "budget"
    figure: str                                # the plan's figure it caps: its name in the plan record
    #                                            (planner.formulas.record), an attribute path of PlanMetrics
    in_gpus: Literal["up", "down", "unimodal", "none"]  # how that figure moves as the GPU count grows

    @property
    def path(self) -> str:
        return f"limits.{self.key}"

    def read(self, metrics: PlanMetrics) -> float:
        """The plan's figure this limit caps (`cost_usd.total` of the metrics)."""
        return attrgetter(self.figure)(metrics)


LIMITS: tuple[Limit, ...] = (
    Limit("budget_usd", "cost", "USD", "cost", "budget", "cost_usd.total", "unimodal"),
    Limit("max_co2_t", "co2", "t", "CO2", "carbon budget", "co2_t.total", "up"),
    Limit("deadline_days", "time", "days", "duration", "deadline", "duration_days", "down"),
    Limit("max_training_flops", None, "FLOP", "training compute", "FLOP limit", "flops.total", "none"),
)
BY_KEY = {limit.key: limit for limit in LIMITS}
#: The limit of each frontier quantity (cost -> budget_usd, co2 -> max_co2_t, time -> deadline_days).
BY_QUANTITY = {limit.quantity: limit for limit in LIMITS if limit.quantity is not None}
#: The loss target (targets.max_loss, or the loss of targets.match), checked beside the limits as
#: `max_loss`: the loss does not move with the GPU count.
LOSS_TARGET = Limit("max_loss", "loss", "nats/token", "loss", "loss target", "loss", "none")
#: The limits of a campaign file (planner.input.campaign_schema.CampaignLimits): the rows of the same
#: keys, read from the campaign's metrics (planner.formulas.campaign_evaluate: `cost_usd`, `co2_t`
#: are its totals). A campaign limit with no row of the same key fails at import.
CAMPAIGN_LIMITS: tuple[Limit, ...] = tuple(
    replace(BY_KEY[key], figure=BY_KEY[key].figure.removesuffix(".total"))
    for key in CampaignLimits.model_fields)
#: limits.deadline (a date) is read into deadline_days by the loader: not a limit of its own.
ALIASES = {"deadline": "deadline_days"}
#: Keys of `limits:` that say how the limits hold, not what they cap: limits.confidence (plan at the
#: throughput met with that probability, planner.formulas.spread).
SETTINGS = {"confidence"}


@dataclass(frozen=True)
class ObjectiveRow:
    """One objective: its unit, whether serving counts (lifetime values), how it is read, and how
    tables, plots and the page name it (`label`; `title` adds the unit: "CO2e (t)")."""

    name: str
    unit: str
    with_serving: bool
    read: Callable[[PlanMetrics, float], float]   # (metrics, carbon price USD/t) -> value
    label: str = ""

    @property
    def title(self) -> str:
        return f"{self.label} ({self.unit})"


def _cost(m: PlanMetrics) -> float:
    return m.lifetime.cost_usd if m.lifetime is not None else m.cost_usd.total


def _co2(m: PlanMetrics) -> float:
    return m.lifetime.co2_t if m.lifetime is not None else m.co2_t.total


OBJECTIVES: dict[str, ObjectiveRow] = {row.name: row for row in (
    ObjectiveRow("cost", "USD", True, lambda m, price: _cost(m), "cost"),
    ObjectiveRow("co2", "t", True, lambda m, price: _co2(m), "CO2e"),
    ObjectiveRow("time", "days", False, lambda m, price: m.duration_days, "duration"),
    ObjectiveRow("loss", "nats/token", False, lambda m, price: m.loss, "loss"),
    # weighted = cost + carbon_price_usd_per_t x CO2 (both lifetime values with serving)
    ObjectiveRow("weighted", "USD", True, lambda m, price: _cost(m) + price * _co2(m), "cost + carbon price x CO2"),
)}

__all__ = ["Limit", "LIMITS", "LOSS_TARGET", "CAMPAIGN_LIMITS", "BY_KEY", "BY_QUANTITY", "ALIASES", "ObjectiveRow", "OBJECTIVES"]
