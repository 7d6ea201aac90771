"""The planner's shared words and numbers, in one place (as linopy's `constants.py`): what a plan's
status and an objective may be, how HiGHS's model status maps onto a status, and every tolerance.

A status or objective compares equal to its text (`PlanStatus.OPTIMAL == "optimal"`), so JSON,
CSV and YAML keep their plain strings; `PlanStatus.process(text)` turns an unknown text into
`unknown` instead of failing.
"""

from __future__ import annotations

from enum import Enum


class PlanStatus(str, Enum):
    """The status of an answer (`plan solve`'s `status`, exit codes in planner.cli.support)."""

    OPTIMAL = "optimal"          # proven optimal to OPTIMALITY_TOL (LOSS_OPTIMALITY_TOL for loss)
    WITHIN_GAP = "within_gap"    # a plan within a looser --mip-gap, not proven optimal
    INFEASIBLE = "infeasible"    # no plan meets the limits
    TIME_LIMIT = "time_limit"    # stopped by --time-limit (the best plan found, if any)
    ERROR = "error"              # the solver failed
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value

    __hash__ = str.__hash__  # equal to its text, so it must hash as its text (dict keys, sets)

    @classmethod
    def process(cls, text: str) -> PlanStatus:
        """`"optimal"` -> PlanStatus.OPTIMAL; any text not listed -> PlanStatus.UNKNOWN."""
        try:
            return cls(text)
        except ValueError:
            return cls.UNKNOWN


class Objective(str, Enum):
    """What a plan minimises (`objective:` in an instance)."""

    COST = "cost"            # USD (training, + serving with a serving block)
    CO2 = "co2"              # t CO2e (the same)
    TIME = "time"            # days
    LOSS = "loss"            # nats/token (maximise quality)
    WEIGHTED = "weighted"    # cost + carbon_price_usd_per_t x CO2, USD

    def __str__(self) -> str:
        return self.value

    __hash__ = str.__hash__


#: HiGHS model status (highspy.HighsModelStatus member name) -> the solver run's status; every
#: other status is "error" (planner.optimize.solve reads it).
HIGHS_STATUS = {
    "kOptimal": "optimal",
    "kInfeasible": "infeasible",
    "kUnboundedOrInfeasible": "infeasible",
    "kTimeLimit": "time_limit",
    "kIterationLimit": "time_limit",
    "kInterrupt": "time_limit",
    "kSolutionLimit": "time_limit",
}

# -- tolerances (relative unless said) ---------------------------------------------------------

#: Optimal means no feasible plan is better by more than this (README "Objectives").
OPTIMALITY_TOL = 1e-6
#: The same for `loss`, whose optimum over D is found by tangent cuts.
LOSS_OPTIMALITY_TOL = 1e-4
#: HiGHS's relative MIP gap: tighter than OPTIMALITY_TOL.
DEFAULT_MIP_GAP = 1e-9
#: A limit counts as binding within this of its value, and as violated beyond it.
REL_TOL = 1e-6
#: `loss`: stop adding tangent cuts once the exact loss is within this (absolute, nats/token) of the bound.
LOSS_TOL = 1e-7
#: A plan at a limit within rounding is feasible (presolve).
LIMIT_TOL = 1e-9
#: Presolve rows within this of the best value stay for the MIP.
KEEP_TOL = 1e-9
#: Flooring a power limit into a GPU count (n exactly at the limit is allowed).
COUNT_TOL = 1e-9
#: Matrix entries at or below this are left out of the model handed to HiGHS.
SMALL_ENTRY = 1e-9
#: Frontier: the first objective may rise by this much in the lexicographic second stage.
FRONTIER_SLACK = 1e-7
#: Frontier: walking the staircase, the next point improves g by more than this.
FRONTIER_STEP = 1e-6

__all__ = ["PlanStatus", "Objective", "HIGHS_STATUS", "OPTIMALITY_TOL", "LOSS_OPTIMALITY_TOL", "DEFAULT_MIP_GAP",
           "REL_TOL", "LOSS_TOL", "LIMIT_TOL", "KEEP_TOL", "COUNT_TOL", "SMALL_ENTRY", "FRONTIER_SLACK",
           "FRONTIER_STEP"]
