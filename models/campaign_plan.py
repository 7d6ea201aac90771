"""The campaign MIP in Pyomo, built from models.campaign_inputs.CampaignInputs (numbers only).

Several runs share one fleet over months. Run j picks one variant k (a size, tokens and recipe on
GPU type g_k) and one island i (a site and that GPU type); it holds whole nodes there in a
contiguous block of active months and does its work; reserved blocks are bought by start month;
on-demand GPU-hours pay for what owned and reserved GPUs do not cover.

| symbol     | Pyomo              | domain       | meaning                                                    |
|------------|--------------------|--------------|------------------------------------------------------------|
| x_jk       | variant[j,k]       | binary       | run j takes variant k                                      |
| y_ji       | island[j,i]        | binary       | run j runs on island i (site, GPU type)                    |
| z_jki      | pair[j,k,i]        | [0, 1]       | run j takes variant k on island i (whole once x, y are)    |
| n_jit      | nodes[j,i,t]       | 0..C_jit     | nodes run j holds on island i in month t                   |
| u_jit      | used[j,i,t]        | [0, C_jit]   | node-months it uses there (GPU-hours = node_i h_t u_jit)   |
| q_jit      | paid[j,i,t]        | [0, ...]     | its share of the island's owned + reserved GPU-hours / h_t |
| s_jt       | started[j,t]       | binary       | run j has started by month t (0 before its first month)    |
| e_jt       | ended[j,t]         | binary       | run j ended before month t                                 |
| a_jt       | s_jt - e_jt        | (expression) | run j active in month t                                    |
| r_i,t0     | blocks[i,t0]       | 0..R_i       | reserved blocks bought on island i starting in month t0    |
| o_it       | on_demand[i,t]     | [0, D_it]    | on-demand GPU-hours / h_t on island i in month t           |

Data: h_t hours in month t; W_jk GPU-hours of variant k; F_jk its memory floor in nodes, Fmax_ji
the largest on island i's GPU type; Nmax_ji = floor(max_gpus_j / node_i); C_jit = node_caps (<=
Nmax_ji); owned O_it, on-demand D_it (GPUs), K_it = paid_cap; block size B_i, term L_i, price P_i,t0
of one block's whole term; c_it t CO2e per GPU-hour used; p_i on-demand USD per GPU-hour; m_i
facility MW per GPU; M_st the grid limit. Run j's window (windows) is its earliest month to its
deadline (the horizon's end under lateness), narrowed along precedence chains; (j, i, t) cells
outside it, or where C_jit is below the run's least floor (res_idle), have no variables.

Rows (`def_` defines, `res_` restricts; each in its own function below, its math in the docstring):
    def_one_variant, def_pair, res_work, res_use, res_hold, res_active, res_floor, res_idle,
    def_phases, res_window, res_precedence, res_capacity, res_blocks, res_paid, def_on_demand,
    res_power, res_least_months and res_least_blocks (valid inequalities), res_budget, res_carbon,
    def_objective. docs/campaigns.md shows why each tightening keeps the optimum.
    cost = owned (constant) + sum P_i,t0 r_i,t0 + sum p_i h_t o_it + sum fixed_jk x_jk + sum staff_j a_jt
    co2  = sum node_i h_t c_it u_jit            late = sum_j late_j sum_{t > deadline_j} a_jt
Objective: cost | co2 | cost + price co2 | cost + late, divided by objective_unit (co2: then the
least cost among the plans within 1e-7 of the least CO2, then_least_cost).
Work rows are divided by the run's largest W, capacity rows by the island's largest capacity, power
rows by the limit: coefficients stay near 1.

Representation: every row family of the list above but the two single rows res_budget and
res_carbon is one LinearRows component (models.linear_rows) under its name (def_objective too: its
one row's numbers are those standard_repn reads from the relation, objective_terms), built
from coefficient and variable lists (no Pyomo expression per row; each row keeps its index, e.g.
res_use[j,i,t], and gives its expression when asked). Each row's terms come in the order, signs
and bounds Pyomo's own algebra of the written relation gives (x <= y as x - y <= 0, a constant
moved into the bound), so HiGHS gets the matrix expression rows gave. Index sets are SetOf over
the Python lists; m.v holds each variable family as a plain dict (looked up thousands of times).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import chain, islice
from types import SimpleNamespace

import numpy as np
import pyomo.core as pyo  # the modelling layer only
from pyomo.common.gc_manager import PauseGC
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from models.campaign_inputs import CampaignInputs
from models.linear_rows import (
    LinearRows,
    RowCollector,
    fixed_width_rows,
    segmented_rows,
)


@dataclass(frozen=True)
class RunChoice:
    variant: int
    island: int
    nodes: tuple[int, ...]          # per month of the horizon
    gpu_hours: tuple[float, ...]    # per month of the horizon


@dataclass(frozen=True)
class CampaignChoice:
    runs: tuple[RunChoice, ...]
    blocks: tuple[tuple[int, ...], ...]   # per island, per start month
    objective_value: float                # natural units


def last_month(inputs: CampaignInputs, j: int) -> int:
    """Last month run j may be active: its deadline, or the horizon's end under objective lateness."""
    return len(inputs.hours) - 1 if inputs.objective == "lateness" else inputs.runs[j].deadline


def build(inputs: CampaignInputs, relax: bool = False) -> pyo.ConcreteModel:
    """Assemble the MIP (module docstring); `relax` makes every variable continuous (the LP bound).
    Python's cyclic garbage collector is paused meanwhile (Pyomo's PauseGC, as Pyomo's own writers
    do): the model is thousands of new objects and no garbage for it to find."""
    with PauseGC():
        return _build(inputs, relax)


def _build(inputs: CampaignInputs, relax: bool) -> pyo.ConcreteModel:
    m = pyo.ConcreteModel(name="campaign_plan")
    m.inputs = inputs
    _sets(m, inputs)
    binary = pyo.UnitInterval if relax else pyo.Binary
    integer = pyo.NonNegativeReals if relax else pyo.NonNegativeIntegers
    m.variant = pyo.Var(m.JK, domain=binary)
    m.island = pyo.Var(m.JI, domain=binary)
    m.pair = pyo.Var(m.JKI, domain=pyo.UnitInterval)
    m.nodes = pyo.Var(m.JIT, domain=integer)
    m.used = pyo.Var(m.JIT, domain=pyo.NonNegativeReals)
    m.paid = pyo.Var(m.JITP, domain=pyo.NonNegativeReals)
    m.started = pyo.Var(m.JT, domain=binary)
    m.ended = pyo.Var(m.JT, domain=binary)
    m.blocks = pyo.Var(m.IT0, domain=integer)
    m.on_demand = pyo.Var(m.IT, domain=pyo.NonNegativeReals)
    isl = inputs.islands   # bounds as lists (set_bound_lists): a rule per variable is a Python call each
    m.jit_caps = caps = [m.cap[key] for key in m.JIT]   # C_jit in JIT's order
    set_bound_lists(m.nodes, [0] * len(caps), caps)
    set_bound_lists(m.used, [0] * len(caps), caps)
    set_bound_lists(m.paid, [0] * len(m.JITP), [min(m.paid_caps[i, t], isl[i].node * m.cap[j, i, t]) for j, i, t in m.JITP])
    set_bound_lists(m.blocks, [0] * len(m.IT0), [isl[i].max_blocks for i, t in m.IT0])
    set_bound_lists(m.on_demand, [0] * len(m.IT), [isl[i].on_demand[t] for i, t in m.IT])
    m.v = lookup(m)
    columns(m, inputs)
    for row in (def_one_variant, def_pair, res_work, res_use, res_hold, res_active, res_floor, res_idle, def_phases,
                res_window, res_precedence, res_capacity, res_blocks, res_paid, def_on_demand, res_power,
                res_least_months, res_least_blocks):
        row(m, inputs)
    _measures(m, inputs)
    res_budget(m, inputs)
    res_carbon(m, inputs)
    def_objective(m, inputs)
    return m


def set_bound_lists(var: pyo.Var, lower: list, upper: list) -> None:
    """lower[n], upper[n]: the bounds of `var`'s n-th VarData in its index order. Finite ints and
    floats are stored as the Var's own setters store them (VarData._lb, _ub: Pyomo internals, written
    directly: a bounds rule costs a Python call and two property setters per variable); anything
    else, or a Pyomo whose VarData has no _lb, goes through the setters. tests/test_campaign_bounds.py
    holds the bounds equal to a bounds rule's."""
    datas = data_of(var).values()
    if all(hasattr(data, "_lb") and hasattr(data, "_ub") for data in islice(datas, 1)) \
            and set(map(type, lower)).union(map(type, upper)) <= _NUMBERS and all(map(math.isfinite, lower)) \
            and all(map(math.isfinite, upper)):
        for data, low, high in zip(datas, lower, upper):
            data._lb, data._ub = low, high
        return
    for data, low, high in zip(datas, lower, upper):
        data.setlb(low)
        data.setub(high)


_NUMBERS = {int, float}


def _sets(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    months = range(len(inputs.hours))
    jk = [(j, k) for j, run in enumerate(inputs.runs) for k in range(len(run.variants))]
    gpus_of = {j: {v.gpu for v in run.variants} for j, run in enumerate(inputs.runs)}
    ji = [(j, i) for j in range(len(inputs.runs)) for i, isl in enumerate(inputs.islands) if isl.gpu in gpus_of[j]]
    m.nmax = {(j, i): inputs.runs[j].max_gpus // inputs.islands[i].node for j, i in ji}
    ji = [(j, i) for j, i in ji if m.nmax[j, i] > 0]
    m.islands_of = {j: [i for jj, i in ji if jj == j] for j in range(len(inputs.runs))}
    m.reaches = {}   # (j, i, window) -> reach (the same window asked again by res_least_months)
    it = [(i, t) for i in range(len(inputs.islands)) for t in months]   # one tuple per key, shared by the dicts
    m.island_caps = dict(zip(it, [island_cap(inputs, i, t) for i, t in it]))
    m.window = windows(inputs, m.nmax, m.islands_of, m.reaches, m.island_caps)
    cells = [(j, i, t) for j, i in ji for t in m.window[j]]
    m.cap = dict(zip(cells, node_caps(np.array([m.nmax[j, i] for j, i, _ in cells], dtype=np.int64),
                                      np.array([m.island_caps[i, t] for _, i, t in cells], dtype=np.int64)).tolist()))
    least_floor = {(j, i): least_floor_nodes(inputs, j, i) for j, i in ji}
    jit, m.idle = [], []
    for key, cap in m.cap.items():
        (jit if cap >= least_floor[key[0], key[1]] else m.idle).append(key)
    # SetOf: each index set is the Python list itself (ordered; no copy, no per-element checks)
    m.JK = pyo.SetOf(jk)
    m.JI = pyo.SetOf(ji)
    m.JIT = pyo.SetOf(jit)
    m.paid_caps = dict(zip(it, [paid_cap(inputs, i, t) for i, t in it]))
    m.JITP = pyo.SetOf([key for key in jit if m.paid_caps[key[1], key[2]] > 0])
    m.JKI = pyo.SetOf([(j, k, i) for j, i in ji for k, v in enumerate(inputs.runs[j].variants)
                       if v.gpu == inputs.islands[i].gpu])
    m.JT = pyo.SetOf([(j, t) for j in range(len(inputs.runs)) for t in months])
    m.IT = pyo.SetOf(it)
    isl = inputs.islands
    m.IT0 = pyo.SetOf([key for key in it if isl[key[0]].block_gpus > 0 and key[1] >= isl[key[0]].first_block_month])
    m.cells = set(jit)   # JIT as a Python set (membership in constant time)
    m.block_starts = set(m.IT0)


def run_reaches(inputs: CampaignInputs, nmax: dict, j: int, islands: list, window: range, memo: dict,
                island: dict) -> dict[int, list[float]]:
    """{i: reach_i} for each island i of `islands` (those not in `memo` computed together, numpy):
    reach_i[m-1] is the most GPU-hours run j can do on island i in m contiguous months of `window`
    (a run's active months are contiguous), the largest sum of h_t node_i C_jit over m consecutive
    months, none of them one where C_jit is below the run's least memory floor (it cannot be active
    there). `memo` keeps each (j, i, window)'s answer; `island`: island_cap by (i, t). Each sum is
    made by the same additions in the same order as a running sum from its start month (numpy's
    cumsum adds one month at a time); tests/checks/campaign_reach.py computes it so, in plain
    Python, and tests/test_campaign_reach.py holds the two equal to the bit."""
    new = [i for i in islands if (j, i, window.start, window.stop) not in memo]
    if new and len(window):
        isl, size = inputs.islands, len(window)
        floor = np.array([least_floor_nodes(inputs, j, i) for i in new], dtype=np.int64)
        caps = np.array([[island[i, t] for t in window] for i in new], dtype=np.int64)
        caps = node_caps(np.array([nmax[j, i] for i in new], dtype=np.int64)[:, None], caps)
        hours = np.array([[inputs.hours[t] * isl[i].node for t in window] for i in new], dtype=float) * caps
        bad = np.where(caps < floor[:, None], np.arange(size), size)   # months the run cannot be active
        stop = np.minimum.accumulate(bad[:, ::-1], axis=1)[:, ::-1]    # the first such month from a on
        month = np.add.outer(np.arange(size), np.arange(size))         # [a, m]: month a + m
        sums = np.cumsum(np.where(month < size, hours[:, np.minimum(month, size - 1)], 0.0), axis=2)
        best = np.where(month[None] < stop[:, :, None], sums, 0.0).max(axis=1, initial=0.0)
        memo.update({(j, i, window.start, window.stop): row for i, row in zip(new, best.tolist())})
    memo.update({(j, i, window.start, window.stop): [] for i in new if not len(window)})
    return {i: memo[j, i, window.start, window.stop] for i in islands}


def least_months(work_gpu_hours: float, reaches: list[list[float]]) -> int:
    """The fewest contiguous months that can do `work_gpu_hours` on any island of `reaches` (each a
    reach list); one more than the window when none can."""
    most, need = max((len(r) for r in reaches), default=0), work_gpu_hours * (1 - 1e-9)
    return min((next((m for m, gpu_hours in enumerate(r) if gpu_hours >= need), most) for r in reaches),
               default=most) + 1


def windows(inputs: CampaignInputs, nmax: dict, islands_of: dict, memo: dict | None = None,
            island: dict | None = None) -> dict[int, range]:
    """Run j's window [first_j, last_j], narrowed along precedence chains (res_window): a successor
    starts no earlier than a predecessor's first month plus the fewest months the predecessor needs
    (least_months, its least over variants), and a predecessor ends no later than a successor's last
    month minus the fewest months the successor needs. Every plan keeps these windows."""
    runs = inputs.runs
    memo = {} if memo is None else memo
    island = {(i, t): island_cap(inputs, i, t) for i in range(len(inputs.islands)) for t in range(len(inputs.hours))} \
        if island is None else island
    first = {j: run.first for j, run in enumerate(runs)}
    last = {j: last_month(inputs, j) for j in range(len(runs))}
    least = {}
    for j, run in enumerate(runs):
        reaches = run_reaches(inputs, nmax, j, islands_of[j], range(first[j], last[j] + 1), memo, island)
        least[j] = min((least_months(v.work_gpu_hours, [r for i, r in reaches.items() if inputs.islands[i].gpu == v.gpu])
                        for v in run.variants), default=1)
    for _ in range(len(runs)):   # a chain is at most len(runs) long
        for j, run in enumerate(runs):
            for p in run.after:
                first[j] = max(first[j], first[p] + max(least[p], 1))
                if least[j] >= 1:
                    last[p] = min(last[p], last[j] - least[j])
    return {j: range(first[j], max(first[j], last[j] + 1)) for j in range(len(runs))}


def node_caps(nmax, island_caps):
    """C_jit = max(min(nmax_ji, island_cap_it), 0), elementwise (numbers or numpy arrays): the most nodes
    a run can hold on island i in month t, its scale limit and the island's capacity, at least 0 (a
    bound implied by res_capacity, res_blocks and res_power, given to the variable so the LP sees it)."""
    return np.maximum(np.minimum(nmax, island_caps), 0)


def least_floor_nodes(inputs: CampaignInputs, j: int, i: int) -> int:
    """The least memory floor, in nodes (at least 1), of run j's variants on island i's GPU type: a
    month where the run can hold fewer nodes is one it cannot be active in (res_idle, run_reaches)."""
    return max(1, min(v.floor_nodes for v in inputs.runs[j].variants if v.gpu == inputs.islands[i].gpu))


def island_cap(inputs: CampaignInputs, i: int, t: int) -> int:
    """The most nodes any run can hold on island i in month t: every channel at its most (owned +
    all blocks + on demand), the site's grid limit alone."""
    isl = inputs.islands[i]
    cap = (isl.owned[t] + isl.block_gpus * isl.max_blocks + isl.on_demand[t]) // isl.node
    limit = inputs.grid_mw[isl.site][t]
    if limit is not None:
        cap = min(cap, int(limit / (isl.node * isl.mw_per_gpu) * (1 + 1e-9)))
    return cap


def paid_cap(inputs: CampaignInputs, i: int, t: int) -> int:
    """The most paid-for GPUs island i can have in month t: owned + every block (if blocks may be
    held by then)."""
    isl = inputs.islands[i]
    return isl.owned[t] + (isl.block_gpus * isl.max_blocks if isl.block_gpus and t >= isl.first_block_month else 0)


def data_of(var: pyo.Var) -> dict:
    """Index -> VarData of a dense indexed Var, in its index order: the dict Pyomo keeps them in
    (IndexedComponent._data, read directly: items() is a Python generator with a lookup each) when
    it holds every index, else items()."""
    data = getattr(var, "_data", None)
    if data.__class__ is dict and len(data) == len(var.index_set()):
        return data
    return dict(var.items())


def lookup(m: pyo.ConcreteModel) -> SimpleNamespace:
    """Each variable family as a plain dict from its index to its variable (the rows look thousands
    of them up; a dict does it without Pyomo's index checks)."""
    return SimpleNamespace(**{name: dict(data_of(getattr(m, name))) for name in
                              ("variant", "island", "pair", "nodes", "used", "paid", "started", "ended", "blocks",
                               "on_demand")})


def columns(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """Every variable once in m.columns (family by family, each in its index order; m.col: where each
    family starts), and the index sets as integer arrays (m.at), so row families made by index
    arithmetic name their variables by column number (a position in m.columns)."""
    m.columns, m.col = [], {}
    for name in ("variant", "island", "pair", "nodes", "used", "paid", "started", "ended", "blocks", "on_demand"):
        m.col[name] = len(m.columns)
        m.columns.extend(getattr(m.v, name).values())
    m.c = ColumnsOf(m.v, m.col)
    months, islands = len(inputs.hours), len(inputs.islands)
    ji = np.array(list(m.JI), dtype=np.int64).reshape(-1, 2) @ np.array([islands, 1])   # sorted: j, then i

    def cells(keys: list) -> SimpleNamespace:
        j, i, t = np.fromiter(chain.from_iterable(keys), dtype=np.int64, count=3 * len(keys)).reshape(-1, 3).T
        return SimpleNamespace(j=j, i=i, t=t, jt=j * months + t, ji=np.searchsorted(ji, j * islands + i),
                               n=np.arange(len(keys)))
    m.at = SimpleNamespace(jit=cells(list(m.JIT)), idle=cells(m.idle))
    it = m.at.jit.i * months + m.at.jit.t   # JIT by (i, t), each in JIT order: the runs on island i in month t
    m.at.jit.cap = np.array(m.jit_caps, dtype=np.int64).reshape(len(it))
    m.at.jit.paid_cap = np.array([m.paid_caps[key] for key in m.IT], dtype=np.int64).reshape(len(m.IT))[it]
    paid = m.at.jit.paid_cap > 0   # JITP: the cells with q_jit
    m.at.jit.paid = np.where(paid, m.col["paid"] + np.cumsum(paid) - 1, -1)
    m.at.held = np.array([held_range(m, inputs, i, t) for i, t in m.IT], dtype=np.int64).reshape(len(m.IT), 2)
    m.at.by_it = SimpleNamespace(order=np.argsort(it, kind="stable"), count=np.bincount(it, minlength=islands * months))


class ColumnsOf:
    """m.c.<family>[index]: the column (position in m.columns) of a variable, each family's dict
    made when first asked for (most families are reached by index arithmetic instead)."""

    def __init__(self, variables: SimpleNamespace, starts: dict):
        self._variables, self._starts = variables, starts

    def __getattr__(self, name: str) -> dict:
        if name.startswith("_"):   # not a family (copy and pickle ask for such names)
            raise AttributeError(name)
        family = getattr(self._variables, name)
        start = self._starts[name]
        columns = dict(zip(family, range(start, start + len(family))))
        setattr(self, name, columns)
        return columns


def held_range(m: pyo.ConcreteModel, inputs: CampaignInputs, i: int, t: int) -> tuple[int, int]:
    """(column, count): r_i,t0 for t0 in (t - L_i, t] are the `count` columns from `column` on (blocks
    start from the island's first_block_month on, one column per start month, in order)."""
    isl = inputs.islands[i]
    first = max(0, t - isl.term_months + 1, isl.first_block_month)
    if isl.block_gpus <= 0 or first > t:
        return 0, 0
    return m.c.blocks[i, first], t + 1 - first


def island_rows(m: pyo.ConcreteModel, inputs: CampaignInputs, keep) -> SimpleNamespace:
    """The (i, t) rows over the cells of island i in month t (the runs there, in JIT order), for the
    (i, t) with a cell for which keep(i, t) holds: their keys, the cells (JIT positions) of each row in order, how many, and the columns and
    counts of the blocks held in month t (held_range)."""
    by = m.at.by_it
    keys = [key for key, runs in zip(m.IT, by.count.tolist()) if runs and keep(*key)]   # m.IT's tuples
    rows = np.array([i * len(inputs.hours) + t for i, t in keys], dtype=np.int64)
    chosen = np.zeros(len(by.count), dtype=bool)
    chosen[rows] = True
    held = m.at.held[rows]
    return SimpleNamespace(keys=keys, cells=by.order[np.repeat(chosen, by.count)], counts=by.count[rows],
                           blocks=_ranges(held), held=held[:, 1])


def _ranges(held: np.ndarray) -> np.ndarray:
    """The columns of each (column, count) row of `held` (held_range), one range after another."""
    return np.repeat(held[:, 0], held[:, 1]) + _within(held[:, 1])


def _within(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., counts[r] - 1 for each r in turn."""
    return np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)


def def_one_variant(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_k x_jk = 1                                                        for each run j"""
    rows = RowCollector(m.columns)
    for j, run in enumerate(inputs.runs):
        rows.add(j, [1] * len(run.variants), [m.c.variant[j, k] for k in range(len(run.variants))], 1, 1)
    m.def_one_variant = rows.rows()


def def_pair(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_{i: gpu_i = g_k} z_jki = x_jk  for each run j, variant k ;  sum_{k: g_k = gpu_i} z_jki = y_ji
    for each run j, island i: z_jki (continuous in [0, 1]) is run j taking variant k on island i.
    Once x and y are whole, z is: x_j. and y_j. each have a single 1, so z has it at their cross.
    The islands of a run's GPU type add up to its variants of that type (the island's GPU type is the
    variant's)."""
    by_variant: dict = {(j, k): [] for j, k in m.JK}
    by_island: dict = {(j, i): [] for j, i in m.JI}
    for j, k, i in m.JKI:
        by_variant[j, k].append(i)
        by_island[j, i].append(k)
    pair, variant, island = m.c.pair, m.c.variant, m.c.island
    rows = RowCollector(m.columns)
    for j, k in m.JK:   # sum_i z_jki - x_jk = 0 (x_jk = 0 when the variant has no island)
        ins = by_variant[j, k]
        rows.add((j, k), [1] * len(ins) + [-1] if ins else [1], [pair[j, k, i] for i in ins] + [variant[j, k]], 0, 0)
    m.def_pair_variant = rows.rows()
    rows = RowCollector(m.columns)
    for j, i in m.JI:
        ks = by_island[j, i]
        rows.add((j, i), [1] * len(ks) + [-1], [pair[j, k, i] for k in ks] + [island[j, i]], 0, 0)
    m.def_pair_island = rows.rows()
    m.variants_on = by_island


def res_work(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_t node_i h_t u_jit = sum_{k: g_k = gpu_i} W_jk z_jki   for each run j, island i (the work
    done on an island is the work of the variant taken there; divided by max_k W_jk)."""
    cell, isl, hours = m.at.jit, inputs.islands, inputs.hours
    scale = [max(max(v.work_gpu_hours for v in run.variants), 1e-9) for run in inputs.runs]
    keys = list(m.JI)
    counts = np.bincount(cell.ji, minlength=len(keys))   # the cells of each (j, i), in JIT order: by t
    node_hours = np.array([isl[i].node for i in range(len(isl))], dtype=np.int64)[cell.i] * np.array(hours)[cell.t]
    done = node_hours / np.array(scale)[cell.j]
    # done == need: body done - need (need alone when nothing is done)
    need = [(-1 if n else 1) * (inputs.runs[j].variants[k].work_gpu_hours / scale[j])
            for (j, i), n in zip(keys, counts.tolist()) for k in m.variants_on[j, i]]
    pairs = [m.c.pair[j, k, i] for j, i in keys for k in m.variants_on[j, i]]
    m.res_work = segmented_rows(keys, [(m.col["used"] + cell.n, done, counts),
                                       (np.array(pairs, dtype=np.int64), np.array(need, dtype=float),
                                        [len(m.variants_on[key]) for key in keys])], 0, 0, m.columns)


def res_use(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """u_jit <= n_jit: a run uses at most the nodes it holds, for the month's hours."""
    cell, col = m.at.jit, m.col
    m.res_use = fixed_width_rows(list(m.JIT), [col["used"] + cell.n, col["nodes"] + cell.n], [1, -1], None, 0, m.columns)


def res_hold(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """n_jit <= C_jit y_ji: nodes only on the run's island (C_jit = node_caps, the variable's bound)."""
    cell, col = m.at.jit, m.col
    m.res_hold = fixed_width_rows(list(m.JIT), [col["nodes"] + cell.n, col["island"] + cell.ji],
                                  [1, [-m.cap[key] for key in m.JIT]], None, 0, m.columns)


def res_active(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_i n_jit / C_jit <= a_jt: nodes only in active months (at most one island is used)."""
    cell, col, jt = m.at.jit, m.col, list(m.JT)
    order = np.argsort(cell.jt, kind="stable")   # the cells by (j, t), each (j, t)'s by island (JIT order)
    counts = np.bincount(cell.jt, minlength=len(jt))
    rows = np.flatnonzero(counts)
    active = np.stack([col["started"] + rows, col["ended"] + rows], axis=1).reshape(-1)   # - s_jt + e_jt
    m.res_active = segmented_rows([jt[p] for p in rows.tolist()],
                                  [(col["nodes"] + order, 1 / cell.cap[order], counts[rows]),
                                   (active, np.tile([-1, 1], len(rows)), 2)], None, 0, m.columns)


def res_idle(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """a_jt + y_ji <= 1 where C_jit is below run j's least memory floor on island i's GPU type (or 0):
    the run cannot be active on island i in month t (res_floor asks at least the floor, at least one
    node, in every active month), so n_jit and u_jit are not made at all."""
    cell, col = m.at.idle, m.col
    m.res_idle = fixed_width_rows(list(m.idle), [col["started"] + cell.jt, col["ended"] + cell.jt,
                                                 col["island"] + cell.ji], [1, -1, 1], None, 1, m.columns)


def res_least_months(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_t a_jt >= sum_{k, i} L_jki z_jki, L_jki = least_months: the fewest contiguous months of run
    j's window whose GPU-hours on island i (h_t node_i C_jit, months where it cannot hold its floor
    excluded) reach W_jk. Implied by the other rows for integer solutions; it makes the LP relaxation
    count whole months (staff, lateness). A variant and island whose L_jki exceeds the window cannot
    do the work (the row sets z_jki to 0)."""
    reaches = {(j, i): r for j in range(len(inputs.runs))
               for i, r in run_reaches(inputs, m.nmax, j, m.islands_of[j], m.window[j], m.reaches, m.island_caps).items()}
    months = range(len(inputs.hours))
    rows = RowCollector(m.columns)
    for j in range(len(inputs.runs)):
        if not m.islands_of[j]:
            continue
        pairs = [(k, i) for i in m.islands_of[j] for k in m.variants_on[j, i]]
        # body sum L z - sum_t (s_jt - e_jt) <= 0
        rows.add(j, [least_months(inputs.runs[j].variants[k].work_gpu_hours, [reaches[j, i]]) for k, i in pairs]
                 + [-1, 1] * len(months), [m.c.pair[j, k, i] for k, i in pairs]
                 + [v for t in months for v in (m.c.started[j, t], m.c.ended[j, t])], None, 0)
    m.res_least_months = rows.rows()


def least_blocks(inputs: CampaignInputs, m: pyo.ConcreteModel, j: int, k: int, i: int, memo: dict | None = None) -> int:
    """ceil((W_jk - sum_{t in window} h_t min(O_it + D_it, node_i C_jit)) / (B_i hmax min(L_i, |window|))):
    the fewest blocks whose terms meet run j's window on island i that variant k needs there (0 if
    owned and on-demand GPUs alone can do its work). A block gives the run at most B_i GPUs for
    min(L_i, |window|) months of at most hmax hours. `memo` keeps the sum and the block's most per
    (j, i) (the same for every variant)."""
    isl, window = inputs.islands[i], m.window[j]
    if not isl.block_gpus or not window:
        return 0
    memo = {} if memo is None else memo
    if (j, i) not in memo:
        memo[j, i] = (sum(inputs.hours[t] * min(isl.owned[t] + isl.on_demand[t], isl.node * m.cap.get((j, i, t), 0))
                          for t in window),
                      isl.block_gpus * max(inputs.hours[t] for t in window) * min(isl.term_months, len(window)))
    owned, per_block = memo[j, i]
    rest = inputs.runs[j].variants[k].work_gpu_hours - owned
    return max(0, math.ceil(rest / per_block - 1e-6))


def res_least_blocks(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_{t0 in (first_j - L_i, last_j]} r_i,t0 >= sum_k least_blocks_jki z_jki   for each run j and
    island i with blocks: whatever its work needs beyond owned and on-demand GPUs comes from blocks
    held in its window, each giving at most B_i GPUs for min(L_i, |window|) months, and blocks are
    whole (the ceiling). Valid for every plan (other runs only take GPUs away); it tightens the LP."""
    need, memo = {}, {}
    for j, i in m.JI:
        ks = {k: least_blocks(inputs, m, j, k, i, memo) for k in m.variants_on[j, i]}
        if any(ks.values()):
            need[j, i] = ks
    rows = RowCollector(m.columns)
    for j, i in sorted(need):   # body sum_k Lb z - sum r <= 0
        lo, hi = m.window[j].start - inputs.islands[i].term_months + 1, m.window[j].stop - 1
        held = [m.c.blocks[i, t0] for t0 in range(max(lo, 0), hi + 1) if (i, t0) in m.block_starts]
        rows.add((j, i), list(need[j, i].values()) + [-1] * len(held),
                 [m.c.pair[j, k, i] for k in need[j, i]] + held, None, 0)
    m.res_least_blocks = rows.rows()


def res_floor(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """n_jit >= sum_{k: g_k = gpu_i} F_jk x_jk - Fmax_ji (2 - a_jt - y_ji): in every active month the
    run holds at least its variant's memory floor on its island (it never shrinks below it)."""
    groups = {}   # (j, gpu) -> its number; floors F_jk and variant columns x_jk of each, in turn
    floors, chosen, sizes, big = [], [], [], []
    for j, run in enumerate(inputs.runs):
        for g in {v.gpu for v in run.variants}:
            groups[j, g] = len(groups)
            mine = [(v.floor_nodes, m.c.variant[j, k]) for k, v in enumerate(run.variants) if v.gpu == g]
            floors += [f for f, _ in mine]
            chosen += [c for _, c in mine]
            sizes.append(len(mine))
            big.append(max(f for f, _ in mine))
    cell, col = m.at.jit, m.col
    gpu = np.array([isl.gpu for isl in inputs.islands], dtype=object)
    group = np.array([groups[j, g] for j, g in zip(cell.j.tolist(), gpu[cell.i].tolist())], dtype=np.int64)
    sizes, big = np.array(sizes, dtype=np.int64), np.array(big, dtype=np.int64)
    firsts = np.cumsum(sizes) - sizes
    count = sizes[group]
    entry = np.repeat(firsts[group], count) + _within(count)
    fmax = big[group]
    # n_jit >= floor - big (2 - s_jt + e_jt - y_ji): body floor + big s - big e + big y - n <= 2 big
    rest = [col["started"] + cell.jt, col["ended"] + cell.jt, col["island"] + cell.ji, col["nodes"] + cell.n]
    m.res_floor = segmented_rows(list(m.JIT), [(np.array(chosen, dtype=np.int64)[entry], np.array(floors, dtype=float)[entry],
                                                count),
                                               (np.stack(rest, axis=1).reshape(-1),
                                                np.stack([fmax, -fmax, fmax, -np.ones_like(fmax)], axis=1).reshape(-1), 4)],
                                 None, (2 * fmax).tolist(), m.columns)


def _pairs(m: pyo.ConcreteModel, keys: list, first: str, a: np.ndarray, second: str, b: np.ndarray) -> LinearRows:
    """One row first_a - second_b <= 0 per key: variables of the (run, month) families `first` and
    `second` (started, ended) at positions a[r], b[r] of JT (j * months + t)."""
    return fixed_width_rows(keys, [m.col[first] + a, m.col[second] + b], [1, -1], None, 0, m.columns)


def _jt(m: pyo.ConcreteModel, runs: list, months: list) -> np.ndarray:
    """The positions j * months + t in JT of each (runs[r], months[r])."""
    return np.array(runs, dtype=np.int64) * len(m.inputs.hours) + np.array(months, dtype=np.int64)


def def_phases(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """s_jt >= s_j,t-1 ;  e_jt >= e_j,t-1 ;  e_jt <= s_j,t-1 ;  e_j0 = 0: the active months
    a_jt = s_jt - e_jt are one contiguous block (started once, ended once, not before starting)."""
    later = [key for key in m.JT if key[1] > 0]
    now = _jt(m, [j for j, t in later], [t for j, t in later])
    m.def_started = _pairs(m, later, "started", now - 1, "started", now)   # s_j,t-1 - s_jt <= 0
    m.def_ended = _pairs(m, later, "ended", now - 1, "ended", now)
    m.def_end_after_start = _pairs(m, later, "ended", now, "started", now - 1)   # e_jt - s_j,t-1 <= 0
    for j in range(len(inputs.runs)):
        m.ended[j, 0].fix(0)


def res_window(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """s_jt = 0 for t < first_j ;  a_jt = 0 for t > last_j: run j's window (windows: its earliest
    month and deadline, the horizon's end under lateness, narrowed along precedence chains)."""
    for j in range(len(inputs.runs)):
        for t in range(min(m.window[j].start, len(inputs.hours))):
            m.started[j, t].fix(0)
    rows = [key for key in m.JT if key[1] >= m.window[key[0]].stop]
    at = _jt(m, [j for j, t in rows], [t for j, t in rows])
    m.res_window = _pairs(m, rows, "started", at, "ended", at)


def res_precedence(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """s_j2,t <= e_j1,t for (j1 before j2), every month t: j2 starts only after j1 has ended."""
    rows = [(j2, j1, t) for j2, run in enumerate(inputs.runs) for j1 in run.after for t in range(len(inputs.hours))]
    months = [t for _, _, t in rows]
    m.res_precedence = _pairs(m, rows, "started", _jt(m, [j2 for j2, _, _ in rows], months), "ended",
                              _jt(m, [j1 for _, j1, _ in rows], months))


def res_capacity(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_j node_i n_jit <= O_it + B_i sum_{t0 in (t-L_i, t]} r_i,t0 + D_it   for each island, month
    (divided by the island's largest capacity)."""
    rows = island_rows(m, inputs, lambda i, t: True)
    isl = inputs.islands
    scale = [max(isl[i].owned[t] + isl[i].block_gpus * isl[i].max_blocks + isl[i].on_demand[t], 1) for i, t in rows.keys]
    node = [isl[i].node / s for (i, t), s in zip(rows.keys, scale)]
    block = [-(isl[i].block_gpus / s) for (i, t), s in zip(rows.keys, scale)]
    m.res_capacity = segmented_rows(rows.keys, [(m.col["nodes"] + rows.cells, np.repeat(node, rows.counts), rows.counts),
                                                (rows.blocks, np.repeat(block, rows.held), rows.held)], None,
                                    [(isl[i].owned[t] + isl[i].on_demand[t]) / s for (i, t), s in zip(rows.keys, scale)],
                                    m.columns)


def res_blocks(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_{t0 in (t-L_i, t]} r_i,t0 <= R_i: at most R_i blocks held at once."""
    isl = inputs.islands
    keys = [key for key in m.IT if isl[key[0]].block_gpus > 0 and key[1] >= isl[key[0]].first_block_month]
    held = m.at.held[np.array([i * len(inputs.hours) + t for i, t in keys], dtype=np.int64)]
    m.res_blocks = segmented_rows(keys, [(_ranges(held), 1, held[:, 1])], None,
                                  [isl[i].max_blocks for i, t in keys], m.columns)


def res_paid(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """q_jit <= node_i u_jit ;  q_jit <= min(K_it, node_i C_jit) y_ji ;
    sum_j q_jit <= O_it + B_i sum_{t0 in (t-L_i, t]} r_i,t0: run j's share q_jit of island i's paid-for
    GPUs (owned and reserved; GPU-hours / h_t) in month t: no more than it uses, none off its island,
    together no more than the island has (K_it = paid_cap, the most it can have). The split is free:
    any plan of the rows without q has one (share what is used up to what is paid for), so the
    optimum is unchanged; the LP relaxation can no longer pool every island's owned GPUs for a run
    that is on one island only. q exists only where K_it > 0; res_paid_island is left out where
    K_it >= node_i C_jit (then q_jit <= node_i u_jit <= node_i n_jit <= node_i C_jit y_ji already)."""
    cell, col, isl = m.at.jit, m.col, inputs.islands
    node = np.array([one.node for one in isl], dtype=np.int64)
    cells = np.flatnonzero(cell.paid >= 0)   # JITP (JIT's cells with q_jit, in order)
    keys = list(m.JITP)
    m.res_paid_use = fixed_width_rows(keys, [cell.paid[cells], col["used"] + cells], [1, -node[cell.i[cells]]],
                                      None, 0, m.columns)
    caps = cell.paid_cap[cells]
    tight = np.flatnonzero(caps < node[cell.i[cells]] * cell.cap[cells])
    m.res_paid_island = fixed_width_rows([keys[n] for n in tight.tolist()], [cell.paid[cells[tight]],
                                         col["island"] + cell.ji[cells[tight]]], [1, -caps[tight]], None, 0, m.columns)
    rows = island_rows(m, inputs, lambda i, t: m.paid_caps[i, t] > 0)
    m.res_paid_total = segmented_rows(rows.keys, [(cell.paid[rows.cells], 1, rows.counts),
                                                  (rows.blocks, np.repeat([-isl[i].block_gpus for i, t in rows.keys],
                                                                          rows.held), rows.held)],
                                      None, [isl[i].owned[t] for i, t in rows.keys], m.columns)


def def_on_demand(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """o_it >= sum_j (node_i u_jit - q_jit): GPU-hours (/ h_t) used beyond the paid-for GPUs each run
    has a share of (res_paid) are on demand."""
    isl, cell, col = inputs.islands, m.at.jit, m.col
    rows = island_rows(m, inputs, lambda i, t: isl[i].on_demand_usd_per_gpu_hour != 0 or isl[i].on_demand[t] != 0)
    paid = np.array([m.paid_caps[i, t] > 0 for i, t in rows.keys], dtype=bool).reshape(len(rows.keys))
    with_paid = rows.cells[np.repeat(paid, rows.counts)]
    m.def_on_demand = segmented_rows(
        rows.keys, [(col["used"] + rows.cells, np.repeat([isl[i].node for i, t in rows.keys], rows.counts), rows.counts),
                    (cell.paid[with_paid], -1, rows.counts * paid),
                    (col["on_demand"] + np.array([i * len(inputs.hours) + t for i, t in rows.keys], dtype=np.int64),
                     -1, np.ones(len(rows.keys), dtype=np.int64))], None, 0, m.columns)


def res_power(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_{j, i at site s} node_i m_i n_jit <= M_st   for each site and month with a limit
    (divided by M_st)."""
    isl, cell, months = inputs.islands, m.at.jit, len(inputs.hours)
    limits = [limit for site in inputs.grid_mw for limit in site]   # by s * months + t
    limited = np.array([limit is not None for limit in limits], dtype=bool).reshape(len(limits))
    at = np.array([one.site for one in isl], dtype=np.int64).reshape(len(isl))[cell.i] * months + cell.t
    cells = np.flatnonzero(limited[at])
    cells = cells[np.argsort(at[cells] * len(isl) + cell.i[cells], kind="stable")]   # by site, month, island, run
    counts = np.bincount(at[cells], minlength=len(limits))
    rows = np.flatnonzero(counts)
    per_node = np.array([one.node for one in isl], dtype=np.int64) * np.array([one.mw_per_gpu for one in isl], dtype=float)
    limit = np.array([np.nan if x is None else x for x in limits], dtype=float)
    m.res_power = segmented_rows([(p // months, p % months) for p in rows.tolist()],
                                 [(m.col["nodes"] + cells, per_node[cell.i[cells]] / limit[at[cells]], counts[rows])],
                                 None, 1.0, m.columns)


def _measures(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """cost_usd, co2_t and late_usd as expressions (module docstring), each one flat LinearExpression
    (c a_jt written as c s_jt - c e_jt): the terms, their order and their numbers are those of the
    sums of products they stand for, so standard_repn reads the same linear form from them.
    m.measure_terms keeps each one's (coefficient, variable) pairs in that order (def_objective)."""
    isl, v, months = inputs.islands, m.v, range(len(inputs.hours))
    staff = [term for j, run in enumerate(inputs.runs) if run.staff_usd_per_month for t in months
             for term in _active_terms(m, run.staff_usd_per_month, j, t)]
    before_owned = staff + [(isl[i].block_usd[t], v.blocks[i, t]) for i, t in m.IT0]
    after_owned = [(isl[i].on_demand_usd_per_gpu_hour * inputs.hours[t], v.on_demand[i, t]) for i, t in m.IT] \
        + [(inputs.runs[j].variants[k].fixed_usd, v.variant[j, k]) for j, k in m.JK]
    co2 = [(isl[i].node * inputs.hours[t] * isl[i].co2_t_per_gpu_hour[t], v.used[j, i, t]) for j, i, t in m.JIT]
    late = [term for j, run in enumerate(inputs.runs) for t in range(run.deadline + 1, len(inputs.hours))
            for term in _active_terms(m, run.late_usd_per_month, j, t)] if inputs.objective == "lateness" else []
    m.measure_terms = {"cost_usd": before_owned + after_owned, "co2_t": co2, "late_usd": late}
    m.cost_usd = pyo.Expression(expr=LinearExpression(
        [MonomialTermExpression(term) for term in before_owned] + [inputs.owned_usd]
        + [MonomialTermExpression(term) for term in after_owned]))
    m.co2_t = pyo.Expression(expr=LinearExpression([MonomialTermExpression(term) for term in co2]))
    m.late_usd = pyo.Expression(expr=LinearExpression([MonomialTermExpression(term) for term in late])
                                if inputs.objective == "lateness" else 0.0)


def _active_terms(m: pyo.ConcreteModel, price: float, j: int, t: int) -> list:
    """price a_jt as its two terms: (price, s_jt), (-price, e_jt)."""
    return [(price, m.v.started[j, t]), (-price, m.v.ended[j, t])]


def res_budget(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """cost_usd / budget <= 1."""
    if inputs.budget_usd is not None:
        m.res_budget = pyo.Constraint(expr=m.cost_usd / inputs.budget_usd <= 1.0)


def res_carbon(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """co2_t / max_co2_t <= 1."""
    if inputs.max_co2_t is not None:
        m.res_carbon = pyo.Constraint(expr=m.co2_t / inputs.max_co2_t <= 1.0)


def def_objective(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """z = (objective - owned) / objective_unit; minimise z. cost | co2 | cost + price co2 | cost +
    late_usd. The owned GPUs' cost, a constant every plan pays, is left out of z (and added back by
    extract), so the MIP gap measures what planning can change, not a sunk cost. One LinearRows row
    (index 0) whose terms are the ones standard_repn reads from the relation
    `z == (objective - owned) / objective_unit` written over the measures (objective_terms)."""
    m.objective_unit = inputs.objective_unit
    m.objective_offset = objective_offset(inputs)
    m.objective_value = pyo.Var(domain=pyo.Reals)
    const, variables, coefs = objective_terms(m, inputs)
    rows = RowCollector()
    rows.add(0, [1] + coefs, [m.objective_value] + variables, 0 - const, 0 - const)
    m.def_objective = rows.rows()
    m.objective = pyo.Objective(expr=m.objective_value, sense=pyo.minimize)


def objective_terms(m: pyo.ConcreteModel, inputs: CampaignInputs) -> tuple[float, list, list]:
    """(constant, variables, coefficients) of -(objective - owned) / objective_unit, each number by the
    arithmetic Pyomo's standard_repn applies to that expression over the measures' LinearExpressions
    (pyomo.repn.standard_repn: the negation and division give the multiplier -1 / (1.0 unit), the
    carbon price multiplies it, each measure's terms are multiplier * coefficient with a coefficient
    of exactly 0 left out, a variable in two measures is summed in the order they are added, the
    variables in the order first met). tests/test_campaign_objective_row.py holds it equal to standard_repn
    of that expression for every objective."""
    unit = -1 / (1.0 * inputs.objective_unit)
    parts = {"cost": [("cost_usd", None)], "co2": [("co2_t", None)],
             "weighted": [("cost_usd", None), ("co2_t", inputs.carbon_price_usd_per_t)],
             "lateness": [("cost_usd", None), ("late_usd", None)]}[inputs.objective]
    const, merged = 0, {}
    for name, factor in parts:
        if factor == 0:
            continue   # price * co2_t with price 0: no terms
        multiplier = unit if factor is None else unit * factor
        const += multiplier * getattr(m, name).expr.constant
        terms = m.measure_terms[name]
        variables = [var for _, var in terms]
        keys = list(map(id, variables))
        if not merged and len(set(keys)) == len(keys):   # each variable once: its own term
            merged = {key: [var, coef] for key, var, coef in zip(keys, variables, [multiplier * c for c, _ in terms])
                      if coef}
            continue
        own: dict = {}
        for key, (coef, var) in zip(keys, terms):
            if key in own:
                own[key][1] += multiplier * coef
            else:
                own[key] = [var, multiplier * coef]
        for key, (var, coef) in own.items():
            if coef:
                merged[key] = [var, merged[key][1] + coef] if key in merged else [var, 0 + coef]
    if m.objective_offset:
        const += unit * -m.objective_offset
    kept = [(var, 0 + coef) for var, coef in merged.values() if coef]
    return const, [var for var, _ in kept], [coef for _, coef in kept]


def objective_offset(inputs: CampaignInputs) -> float:
    """The constant part of the objective: the owned GPUs' cost (0 under objective co2)."""
    return 0.0 if inputs.objective == "co2" else inputs.owned_usd


def then_least_cost(m: pyo.ConcreteModel, co2_t: float, cost_unit: float) -> None:
    """Objective co2, second stage: res_co2_optimum co2 <= co2_t (1 + 1e-7) (the first stage's
    optimum), then minimise cost / cost_unit: among the cleanest plans the cheapest (no block bought
    or GPU rented for nothing). objective_value keeps its meaning (CO2, t)."""
    m.res_co2_optimum = pyo.Constraint(expr=m.co2_t <= co2_t * (1 + 1e-7) + 1e-9)
    m.objective.deactivate()
    m.cost_objective = pyo.Objective(expr=(m.cost_usd - m.inputs.owned_usd) / cost_unit, sense=pyo.minimize)


def extract(m: pyo.ConcreteModel) -> CampaignChoice:
    """The variants, islands, nodes, GPU-hours and blocks of a model holding a solution."""
    inputs: CampaignInputs = m.inputs
    months = range(len(inputs.hours))
    runs = []
    for j, run in enumerate(inputs.runs):
        k = max(range(len(run.variants)), key=lambda k: pyo.value(m.variant[j, k]))
        i = max(m.islands_of[j], key=lambda i: pyo.value(m.island[j, i]))
        node = inputs.islands[i].node
        nodes = tuple(int(round(pyo.value(m.nodes[j, i, t]))) if (j, i, t) in m.cells else 0 for t in months)
        hours = tuple(max(0.0, pyo.value(m.used[j, i, t])) * node * inputs.hours[t] if (j, i, t) in m.cells else 0.0
                      for t in months)
        runs.append(RunChoice(k, i, nodes, hours))
    blocks = tuple(tuple(int(round(pyo.value(m.blocks[i, t]))) if (i, t) in m.block_starts else 0 for t in months)
                   for i in range(len(inputs.islands)))
    return CampaignChoice(tuple(runs), blocks, pyo.value(m.objective_value) * m.objective_unit + m.objective_offset)
