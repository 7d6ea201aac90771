"""The only code that talks to HiGHS (embedded through highspy).

The Pyomo model is compiled to one row-wise matrix (a LinearRows component's rows, as the campaign
model writes them (models.linear_rows), read from its lists at once; any other constraint's linear
form read straight from a flat LinearExpression body, or else from Pyomo's standard_repn; the same
matrix either way) and handed to HiGHS in ONE `passModel` call (its array form), whose status is
checked: a refused model is an error, never a silently emptier one. HiGHS's own output is switched off before
anything else, so nothing of the solver reaches stdout. After the run the solution values are
loaded back into the Pyomo variables (models.training_plan.extract reads them).
"""

from __future__ import annotations

import math
import operator
import os
import time
from dataclasses import dataclass
from typing import Literal

import highspy
import numpy as np
import pyomo.core as pyo  # the modelling layer only: pyomo.environ would also load every solver plugin
from pyomo.common.gc_manager import PauseGC
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
from pyomo.repn.standard_repn import generate_standard_repn

from models.linear_rows import LinearRows

Status = Literal["optimal", "infeasible", "time_limit", "error"]

from planner.constants import DEFAULT_MIP_GAP, HIGHS_STATUS, SMALL_ENTRY  # noqa: E402,F401 -- re-exported


# SMALL_ENTRY (planner.constants): matrix entries at or below it are left out (HiGHS would drop
# them with a warning: its small_matrix_value). Rows are scaled to O(1) by models.training_plan and
# every variable lies in [0, 1] (or is the objective), so such an entry moves its row by at most 1e-9.


class SolverError(RuntimeError):
    """HiGHS refused a call (the model it holds would not be the model built)."""


@dataclass(frozen=True)
class SolveOptions:
    time_limit_s: float | None = None
    mip_gap: float = DEFAULT_MIP_GAP
    threads: int | None = None
    #: further HiGHS options, (name, value) pairs set after the ones above (a model's own tuning,
    #: e.g. the campaign MIP's presolve_mode: planner.optimize.campaign_solve)
    highs_options: tuple[tuple[str, object], ...] = ()


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
    handoff_seconds: float = 0.0   # of `seconds`: compiling the model and passing it to HiGHS


@dataclass
class _Compiled:
    """The model as HiGHS takes it: its columns (the Pyomo variables, in column order) and the
    arrays of Highs.passModel's array form (a row-wise matrix), passed to HiGHS without copying
    them element by element into a HighsLp first."""
    variables: list
    cost: np.ndarray
    offset: float
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray       # int32, one per row and one more
    index: np.ndarray       # int32 column of each entry
    value: np.ndarray
    integrality: np.ndarray   # int32 HighsVarType per column
    sense: highspy.ObjSense

    def pass_to(self, h: highspy.Highs):
        """h.passModel of these arrays; returns HiGHS's status."""
        return h.passModel(len(self.variables), len(self.row_lower), len(self.value), int(highspy.MatrixFormat.kRowwise),
                           int(self.sense), self.offset, self.cost, self.col_lower, self.col_upper, self.row_lower,
                           self.row_upper, self.start, self.index, self.value, self.integrality)

    @property
    def lp(self) -> highspy.HighsLp:
        """The same model as a HighsLp (for a reader that wants one)."""
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(self.variables), len(self.row_lower)
        lp.col_cost_, lp.offset_, lp.sense_ = self.cost, self.offset, self.sense
        lp.col_lower_, lp.col_upper_ = self.col_lower, self.col_upper
        lp.row_lower_, lp.row_upper_ = self.row_lower, self.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = len(self.variables), len(self.row_lower)
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = self.start, self.index, self.value
        lp.integrality_ = [highspy.HighsVarType(int(k)) for k in self.integrality]
        return lp


_NATIVE = (int, float)
_BOUND_TYPES = {int, float, type(None)}
_DOMAIN = operator.attrgetter("domain")
_FIXED = operator.attrgetter("fixed")
_LB, _UB = operator.attrgetter("_lb"), operator.attrgetter("_ub")


def _each(variables: list, stored: str, public) -> list:
    """public(v) for each variable, read as the number VarData stores it under (`stored`: `_fixed`,
    `_domain`, the Pyomo internals its `fixed` and `domain` properties return) when every variable
    has it, else through the property."""
    try:
        return list(map(operator.attrgetter(stored), variables))
    except AttributeError:
        return list(map(public, variables))


def linear_terms(body) -> tuple[float, list, list] | None:
    """(constant, variables, coefficients) of a flat LinearExpression body read straight from its
    terms (a number, a variable, or a number times a variable each), or None when the body is
    anything else (then Pyomo's standard_repn collects it). It is the linear form standard_repn
    gives, without walking the expression again (a fixed variable, a variable named twice: the
    caller, _matrix, handles them as standard_repn does); tests/test_compile_fast.py holds the two
    equal, array by array."""
    if body.__class__ is not LinearExpression:
        return None
    const, variables, coefs = 0, [], []
    for arg in body.args:
        cls = arg.__class__
        if cls is MonomialTermExpression:
            coef, var = arg.args
            if coef.__class__ not in _NATIVE:
                return None
            coefs.append(coef)
            variables.append(var)
        elif cls in _NATIVE:
            const += arg
        elif arg.is_variable_type():
            coefs.append(1)
            variables.append(arg)
        else:
            return None
    return const, variables, coefs


def _repn(body, con) -> tuple[float, list, list]:
    repn = generate_standard_repn(body, compute_values=True, quadratic=False)
    if not repn.is_linear():
        raise SolverError(f"constraint {con.name} is not linear")
    return repn.constant, repn.linear_vars, repn.linear_coefs


@dataclass
class _Rows:
    """Every active row's linear form, flat: entry n's variable is pool[index[n]] (each distinct
    list of variables a LinearRows names joins `pool` once), its coefficient, the entries per row,
    each row's bounds and its body's constant (still to be moved into the bounds); all but pool as
    one array (or list) per component, joined by _matrix."""
    pool: list
    index: list      # per component: an int array of positions in pool
    coefs: list      # per component: its coefficients (a list or an array)
    counts: list     # per component: an int array
    lower: list      # per component: a float array (-inf: none)
    upper: list
    consts: list


def _rows(model: pyo.ConcreteModel, fast: bool) -> _Rows:
    """The rows in the order of component_data_objects: component by component, each in its
    index order; a LinearRows component (models.linear_rows) read as its arrays at once on the fast
    path."""
    rows = _Rows([], [], [], [], [], [], [])
    pools: dict = {}   # id(list of variables) -> its offset in rows.pool
    for component in model.component_objects(pyo.Constraint, active=True, descend_into=True):
        given = component.entries() if fast and isinstance(component, LinearRows) else None
        if given is None:
            _rows_one_by_one(component.values(), fast, rows)
            continue
        pool, index, coefs, counts, lower, upper = given
        if id(pool) not in pools:
            pools[id(pool)] = len(rows.pool)
            rows.pool.extend(pool)
        offset = pools[id(pool)]
        rows.index.append(np.arange(offset, offset + len(pool)) if index is None else offset + index)
        rows.coefs.append(coefs)
        rows.counts.append(np.asarray(counts, dtype=np.int64))
        rows.lower.append(np.asarray(lower, dtype=float))
        rows.upper.append(np.asarray(upper, dtype=float))
        rows.consts.append(np.zeros(len(counts)))
    return rows


def _rows_one_by_one(constraints, fast: bool, rows: _Rows) -> None:
    variables, coefs, counts, lower, upper, consts = [], [], [], [], [], []
    for con in constraints:
        if not con.active:
            continue
        low, body, high = con.to_bounded_expression(evaluate_bounds=True)   # one pass over the relation
        terms = linear_terms(body) if fast else None
        const, row_variables, row_coefs = _repn(body, con) if terms is None else terms
        variables.extend(row_variables)
        coefs.extend(row_coefs)
        counts.append(len(row_variables))
        lower.append(-math.inf if low is None else low)
        upper.append(math.inf if high is None else high)
        consts.append(const)
    rows.counts.append(np.array(counts, dtype=np.int64))
    rows.lower.append(np.array(lower, dtype=float))
    rows.upper.append(np.array(upper, dtype=float))
    rows.consts.append(np.array(consts, dtype=float))
    rows.index.append(np.arange(len(rows.pool), len(rows.pool) + len(variables)))
    rows.pool.extend(variables)
    rows.coefs.append(coefs)


def _first_seen(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, number): where each distinct key first occurs (ascending), and for each entry the
    number of its key when the distinct keys are numbered in order of first occurrence. (A stable
    sort; np.unique would do it, but its first call imports numpy.ma, a fifth of a compile.)"""
    order = np.argsort(keys, kind="stable")
    new = np.ones(len(keys), dtype=bool)
    new[1:] = keys[order][1:] != keys[order][:-1]
    group = np.cumsum(new) - 1
    first = order[new]                               # the stable sort puts each key's first entry first
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    number = np.empty(len(keys), dtype=np.int64)
    number[order] = rank[group]
    return np.sort(first), number


def _first_seen_below(keys: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """_first_seen of keys that are integers in [0, bound) (each key's first entry by ufunc.at, no
    sort of the entries)."""
    n = len(keys)
    at = np.full(bound, n, dtype=np.int64)
    np.minimum.at(at, keys, np.arange(n))
    first = np.sort(at[at < n])
    rank = np.empty(bound, dtype=np.int64)
    rank[keys[first]] = np.arange(len(first))
    return first, rank[keys]


def _matrix(rows: _Rows):
    """(variables, their ids, start, index, value, row lower, row upper) of `rows`, or None if a row names a
    variable twice. A fixed variable's term joins its row's constant (in entry order, as
    standard_repn adds them); entries at or below SMALL_ENTRY are left out; columns are numbered in
    the order their variables first appear among the entries kept."""
    counts, consts = np.concatenate(rows.counts or [np.zeros(0, dtype=np.int64)]), np.concatenate(rows.consts or [np.zeros(0)])
    n_rows = len(counts)
    coefs = np.concatenate([np.asarray(c, dtype=float) for c in rows.coefs] or [np.zeros(0)])
    row_of = np.repeat(np.arange(n_rows), counts)
    index = np.concatenate(rows.index or [np.zeros(0, dtype=np.int64)]).astype(np.int64, copy=False)
    pool_ids = np.fromiter(map(id, rows.pool), dtype=np.int64, count=len(rows.pool))
    same, key = _first_seen(pool_ids)
    first, distinct = _first_seen_below(key[index], len(same))   # a variable in pool twice: one key
    fixed = np.array(_each(list(map(rows.pool.__getitem__, index[first].tolist())), "_fixed", _FIXED),
                     dtype=bool).reshape(len(first))[distinct]
    for e in np.flatnonzero(fixed):
        consts[row_of[e]] += coefs[e] * rows.pool[index[e]].value
    kept = np.flatnonzero(~fixed & (np.abs(coefs) > SMALL_ENTRY))
    first_kept, cols = _first_seen_below(distinct[kept], len(first))
    cells = np.sort(row_of[kept] * max(len(first_kept), 1) + cols, kind="stable")   # runs: row by row
    if np.any(cells[1:] == cells[:-1]):
        return None
    columns = index[kept[first_kept]]
    variables = [rows.pool[p] for p in columns.tolist()]
    starts = np.concatenate(([0], np.cumsum(np.bincount(row_of[kept], minlength=n_rows))))
    return (variables, pool_ids[columns], starts, cols, coefs[kept], np.concatenate(rows.lower or [np.zeros(0)]) - consts,
            np.concatenate(rows.upper or [np.zeros(0)]) - consts)


def compile_model(model: pyo.ConcreteModel, fast: bool = True) -> _Compiled:
    """Pyomo model -> HighsLp (row-wise matrix, bounds, integrality, objective). `fast=False`
    takes every row through standard_repn (the reference tests compare against; also taken when a
    row names a variable twice). The garbage collector is paused meanwhile (PauseGC, as Pyomo's
    writers do: many new objects, no garbage)."""
    with PauseGC():
        matrix = _matrix(_rows(model, fast))
        if matrix is None:
            matrix = _matrix(_rows(model, False))
        return _to_lp(model, fast, *matrix)


def _by_domain(variables: list) -> tuple[np.ndarray, np.ndarray]:
    """(bounds, integrality) of each variable's domain (bounds (n, 2), None as nan; HighsVarType),
    asked once per distinct domain (the variables share a few: Binary, Reals, ...)."""
    first, number = _first_seen(np.fromiter(map(id, _each(variables, "_domain", _DOMAIN)), dtype=np.int64,
                                            count=len(variables)))
    one_of = [variables[f] for f in first]
    bounds = np.array([v.domain.bounds() for v in one_of], dtype=float).reshape(len(one_of), 2)
    kind = np.array([int(highspy.HighsVarType.kInteger if v.is_integer() or v.is_binary()
                         else highspy.HighsVarType.kContinuous) for v in one_of], dtype=np.int32)
    return bounds[number], kind[number]


def _raw_bounds(variables: list, domain_bounds: np.ndarray) -> np.ndarray | None:
    """(lower, upper) of each variable as Var.bounds gives them (None as nan): the tighter of the
    numbers a VarData keeps (`_lb`, `_ub`: Pyomo internals, read directly, as Var.bounds does for
    each) and its domain's bounds. None (then Var.bounds is asked, variable by variable) when a bound
    is not a finite int or float (a Param, an expression, infinity) or a VarData has no `_lb`
    (another Pyomo). tests/test_compile_fast.py holds it equal to Var.bounds."""
    try:
        lows, highs = list(map(_LB, variables)), list(map(_UB, variables))
    except AttributeError:
        return None
    if not set(map(type, lows)).union(map(type, highs)) <= _BOUND_TYPES:
        return None
    own = np.array([lows, highs], dtype=float).reshape(2, len(variables))   # None -> nan
    if not np.all(np.isfinite(own) | np.isnan(own)):
        return None
    return np.stack((np.fmax(own[0], domain_bounds[:, 0]), np.fmin(own[1], domain_bounds[:, 1])), axis=1)


def _to_lp(model, fast, variables, column_ids, starts, cols, vals, lower, upper) -> _Compiled:
    objective = next(model.component_data_objects(pyo.Objective, active=True))
    orepn = generate_standard_repn(objective.expr, compute_values=True, quadratic=False)
    # id -> column of the objective's variables: looked up in column_ids (id of each column's
    # variable) when they are few (a campaign's objective is one variable), else a dict of them all
    index = dict(zip(column_ids.tolist(), range(len(variables)))) if len(orepn.linear_vars) > 16 else {}

    def col(var) -> int:
        key = id(var)
        if key not in index:
            found = np.flatnonzero(column_ids == key)
            index[key] = int(found[0]) if len(found) else len(variables)
            if not len(found):
                variables.append(var)
        return index[key]

    cost_cols = [(col(v), float(c)) for v, c in zip(orepn.linear_vars, orepn.linear_coefs)]

    costs = np.zeros(len(variables))
    for j, c in cost_cols:
        costs[j] += c
    domain_bounds, integrality = _by_domain(variables)
    bounds = _raw_bounds(variables, domain_bounds) if fast else None
    if bounds is None:
        bounds = np.array([v.bounds for v in variables], dtype=float).reshape(len(variables), 2)   # None -> nan
    sense = highspy.ObjSense.kMinimize if objective.sense == pyo.minimize else highspy.ObjSense.kMaximize
    return _Compiled(variables, costs, float(orepn.constant), np.where(np.isnan(bounds[:, 0]), -math.inf, bounds[:, 0]),
                     np.where(np.isnan(bounds[:, 1]), math.inf, bounds[:, 1]), np.asarray(lower, dtype=float),
                     np.asarray(upper, dtype=float), np.asarray(starts, dtype=np.int32), np.asarray(cols, dtype=np.int32),
                     np.asarray(vals, dtype=float), integrality, sense)


def _check(status, what: str) -> None:
    if status == highspy.HighsStatus.kError:
        raise SolverError(f"HiGHS refused {what}")


_banner_swallowed = False


_SCHEDULER_OF: list[int] = []


def new_highs() -> highspy.Highs:
    """A Highs object, without the copyright banner highspy (1.16) writes to file descriptor 1 when
    the first one of a process is made, before any option can switch output off (HiGHS issue
    #1932: "it can't be switched off independently"). The first construction runs with fd 1 on
    /dev/null and C's stdio flushed before it is given back; later ones print nothing."""
    global _banner_swallowed
    if _banner_swallowed or os.name != "posix":
        return highspy.Highs()
    import ctypes
    import sys

    sys.stdout.flush()
    libc = ctypes.CDLL(None)
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
        libc.fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    _banner_swallowed = True
    return h


class Solver:
    """HiGHS on one Pyomo model; solve() compiles the model as it is now (after cuts or limit
    changes) and runs it."""

    def __init__(self, model: pyo.ConcreteModel, options: SolveOptions = SolveOptions()):
        self.model = model
        self.options = options

    def _highs(self, compiled: _Compiled) -> highspy.Highs:
        h = new_highs()
        _check(h.setOptionValue("output_flag", False), "output_flag")
        _check(h.setOptionValue("log_to_console", False), "log_to_console")
        options = {"mip_rel_gap": self.options.mip_gap, "mip_abs_gap": 0.0,
                   "mip_feasibility_tolerance": 1e-9, "primal_feasibility_tolerance": 1e-9}
        if self.options.time_limit_s is not None:
            options["time_limit"] = max(float(self.options.time_limit_s), 1e-6)
        if self.options.threads is not None:
            options["threads"] = int(self.options.threads)
        options.update(dict(self.options.highs_options))
        for name, value in options.items():
            _check(h.setOptionValue(name, value), f"option {name}={value}")
        _check(compiled.pass_to(h), "the model")
        rows, columns = len(compiled.row_lower), len(compiled.variables)
        if h.getNumRow() != rows or h.getNumCol() != columns:
            raise SolverError(f"HiGHS holds {h.getNumRow()} rows x {h.getNumCol()} columns, "
                              f"the model has {rows} x {columns}")
        return h

    def solve(self) -> SolveResult:
        start = time.perf_counter()
        compiled = compile_model(self.model)
        h = self._highs(compiled)
        handoff = time.perf_counter() - start
        _check(h.run(), "run")
        seconds = time.perf_counter() - start
        model_status = h.getModelStatus()
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        status: Status = HIGHS_STATUS.get(getattr(model_status, "name", ""), "error")  # type: ignore[assignment]
        objective = bound = gap = None
        if has_solution:
            values = h.getSolution().col_value
            for var, value in zip(compiled.variables, values):
                var.set_value(value, skip_validation=True)
            objective = info.objective_function_value
            bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else objective
            gap = abs(objective - bound) / max(abs(objective), 1e-12)
        return SolveResult(status, has_solution, objective, bound, gap, seconds, h.modelStatusToString(model_status),
                           handoff)


def reset_after_fork() -> None:
    """In a worker process forked from one that has solved (planner.analysis.executor's pool): HiGHS's
    thread scheduler is a process global whose threads did not survive the fork, and a MIP large
    enough for HiGHS to run tasks in parallel (a campaign's) would wait on them for ever. A fresh
    one is made (Highs.resetGlobalScheduler, blocking until the old one is released), once per
    process (every pool worker calls this when it starts: campaign and single-run sweeps, the page)."""
    if _SCHEDULER_OF != [os.getpid()]:
        highspy.Highs.resetGlobalScheduler(True)
        _SCHEDULER_OF[:] = [os.getpid()]
