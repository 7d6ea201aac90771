"""Many solves of variants of one instance (what-if points, frontier epsilons, compare scenarios).

Each variant goes through the same pipeline as `plan solve` (pipeline.solve_instance): the numpy
presolve finds every candidate's exact optimum and leaves the MIP a handful of rows, so a variant
that changes a price, a carbon intensity or an MFU costs the same as one that changes a limit, and
no Pyomo model needs to be kept between points. A row of a sweep therefore equals an independent
`plan solve` of that point (up to ties between optima).
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.input.schema import Instance
from planner.optimize.explain import explain_infeasible
from planner.optimize.pipeline import PlanResult, solve_instance
from planner.optimize.solve import SolveOptions
from planner.constants import PlanStatus

@dataclass
class SessionStats:
    solves: int = 0          # instances solved
    infeasible: int = 0      # of them, without a plan


class SweepSession:
    """Solve variants of one instance with shared options (module docstring)."""

    def __init__(self, options: SolveOptions = SolveOptions(), explain: bool = True):
        self.options = options
        self.explain = explain
        self.stats = SessionStats()

    def solve(self, instance: Instance, explain: bool | None = None) -> PlanResult:
        """The optimal plan of `instance`, as pipeline.solve_instance answers it (raises InputError
        where it does)."""
        explain = self.explain if explain is None else explain
        result = solve_instance(instance, self.options, explain=False)
        self.stats.solves += 1
        if result.status == PlanStatus.INFEASIBLE:
            self.stats.infeasible += 1
            if explain and not result.explanation:
                result.explanation = explain_infeasible(instance)
        return result
