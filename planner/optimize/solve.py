"""The only code that talks to HiGHS (embedded through highspy, via Pyomo's persistent interface).

A `Solver` holds one model; `solve()` can be called again after mutable parameters change or cuts
are added, and only the changes are passed to HiGHS.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

Status = Literal["optimal", "infeasible", "time_limit", "error"]

#: Relative MIP gap: tighter than the spec's 1e-6 optimality tolerance.
DEFAULT_MIP_GAP = 1e-9


@dataclass(frozen=True)
class SolveOptions:
    time_limit_s: float | None = None
    mip_gap: float = DEFAULT_MIP_GAP
    threads: int | None = None


@dataclass(frozen=True)
class SolveResult:
    """Typed outcome of one HiGHS run (objective and bound in the model's scaled units)."""

    status: Status
    has_solution: bool
    objective: float | None
    bound: float | None
    mip_gap: float | None
    seconds: float
    termination: str


class Solver:
    """A persistent HiGHS solver attached to one Pyomo model."""

    def __init__(self, model: pyo.ConcreteModel, options: SolveOptions = SolveOptions()):
        self.model = model
        self.options = options
        self._highs = Highs()
        self._highs.set_instance(model)

    def solve(self) -> SolveResult:
        start = time.perf_counter()
        solver_options = {"mip_feasibility_tolerance": 1e-9, "primal_feasibility_tolerance": 1e-9}
        if self.options.threads is not None:
            solver_options["threads"] = self.options.threads
        results = self._highs.solve(
            self.model,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            time_limit=self.options.time_limit_s,
            rel_gap=self.options.mip_gap,
            abs_gap=0.0,
            solver_options=solver_options,
        )
        seconds = time.perf_counter() - start
        has_solution = results.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
        if has_solution:
            results.solution_loader.load_vars()
        term = results.termination_condition
        if term == TerminationCondition.convergenceCriteriaSatisfied:
            status: Status = "optimal"
        elif term in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
            status = "infeasible"
        elif term in (TerminationCondition.maxTimeLimit, TerminationCondition.iterationLimit,
                      TerminationCondition.interrupted):
            status = "time_limit"
        else:
            status = "error"
        objective, bound = results.incumbent_objective, results.objective_bound
        gap = None
        if objective is not None and bound is not None:
            gap = abs(objective - bound) / max(abs(objective), 1e-12)
        return SolveResult(status, has_solution, objective, bound, gap, seconds, str(term.name))
