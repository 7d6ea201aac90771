"""The campaign MIP in Pyomo, built from models.campaign_inputs.CampaignInputs (numbers only).

Several runs share one fleet over months. Run j picks one variant k (a size, tokens and recipe on
GPU type g_k) and one island i (a site and that GPU type); it holds whole nodes there in a
contiguous block of active months and does its work; reserved blocks are bought by start month;
on-demand GPU-hours pay for what owned and reserved GPUs do not cover.

| symbol     | Pyomo              | domain       | meaning                                                    |
|------------|--------------------|--------------|------------------------------------------------------------|
| x_jk       | variant[j,k]       | binary       | run j takes variant k                                      |
| y_ji       | island[j,i]        | binary       | run j runs on island i (site, GPU type)                    |
| n_jit      | nodes[j,i,t]       | 0..Nmax_ji   | nodes run j holds on island i in month t                   |
| u_jit      | used[j,i,t]        | [0, Nmax_ji] | node-months it uses there (GPU-hours = node_i h_t u_jit)   |
| s_jt       | started[j,t]       | binary       | run j has started by month t (0 before its earliest month) |
| e_jt       | ended[j,t]         | binary       | run j ended before month t                                 |
| a_jt       | s_jt - e_jt        | (expression) | run j active in month t                                    |
| r_i,t0     | blocks[i,t0]       | 0..R_i       | reserved blocks bought on island i starting in month t0    |
| o_it       | on_demand[i,t]     | [0, D_it]    | on-demand GPU-hours / h_t on island i in month t           |

Data: h_t hours in month t; W_jk GPU-hours of variant k; F_jk its memory floor in nodes, Fmax_ji
the largest on island i's GPU type; Nmax_ji = floor(max_gpus_j / node_i); owned O_it, on-demand
D_it (GPUs); block size B_i, term L_i, price P_i,t0 of one block's whole term; c_it t CO2e per
GPU-hour used; p_i on-demand USD per GPU-hour; m_i facility MW per GPU; M_st the grid limit.

Rows (`def_` defines, `res_` restricts; each in its own function below, its math in the docstring):
    def_one_variant, def_island, res_work, res_use, res_hold, res_active, res_floor,
    def_phases, res_window, res_precedence, res_capacity, res_blocks, def_on_demand, res_power,
    res_least_months (a valid inequality that tightens the LP), res_budget, res_carbon, def_objective.
    cost = owned (constant) + sum P_i,t0 r_i,t0 + sum p_i h_t o_it + sum fixed_jk x_jk + sum staff_j a_jt
    co2  = sum node_i h_t c_it u_jit            late = sum_j late_j sum_{t > deadline_j} a_jt
Objective: cost | co2 | cost + price co2 | cost + late, divided by objective_unit (co2: then the
least cost among the plans within 1e-7 of the least CO2, then_least_cost).
Work rows are divided by the run's largest W, capacity rows by the island's largest capacity, power
rows by the limit: coefficients stay near 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyomo.core as pyo  # the modelling layer only

from models.campaign_inputs import CampaignInputs


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
    """Assemble the MIP (module docstring); `relax` makes every variable continuous (the LP bound)."""
    m = pyo.ConcreteModel(name="campaign_plan")
    m.inputs = inputs
    _sets(m, inputs)
    binary = pyo.UnitInterval if relax else pyo.Binary
    integer = pyo.NonNegativeReals if relax else pyo.NonNegativeIntegers
    m.variant = pyo.Var(m.JK, domain=binary)
    m.island = pyo.Var(m.JI, domain=binary)
    m.nodes = pyo.Var(m.JIT, domain=integer, bounds=lambda m, j, i, t: (0, node_cap(inputs, m.nmax[j, i], i, t)))
    m.used = pyo.Var(m.JIT, domain=pyo.NonNegativeReals,
                     bounds=lambda m, j, i, t: (0, node_cap(inputs, m.nmax[j, i], i, t)))
    m.started = pyo.Var(m.JT, domain=binary)
    m.ended = pyo.Var(m.JT, domain=binary)
    m.blocks = pyo.Var(m.IT0, domain=integer, bounds=lambda m, i, t: (0, inputs.islands[i].max_blocks))
    m.on_demand = pyo.Var(m.IT, domain=pyo.NonNegativeReals,
                          bounds=lambda m, i, t: (0, inputs.islands[i].on_demand[t]))
    for row in (def_one_variant, def_island, res_work, res_use, res_hold, res_active, res_floor, def_phases,
                res_window, res_precedence, res_capacity, res_blocks, def_on_demand, res_power, res_least_months):
        row(m, inputs)
    _measures(m, inputs)
    res_budget(m, inputs)
    res_carbon(m, inputs)
    def_objective(m, inputs)
    return m


def _sets(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    months = range(len(inputs.hours))
    jk = [(j, k) for j, run in enumerate(inputs.runs) for k in range(len(run.variants))]
    gpus_of = {j: {v.gpu for v in run.variants} for j, run in enumerate(inputs.runs)}
    ji = [(j, i) for j in range(len(inputs.runs)) for i, isl in enumerate(inputs.islands) if isl.gpu in gpus_of[j]]
    m.nmax = {(j, i): inputs.runs[j].max_gpus // inputs.islands[i].node for j, i in ji}
    ji = [(j, i) for j, i in ji if m.nmax[j, i] > 0]
    m.window = {j: range(run.first, last_month(inputs, j) + 1) for j, run in enumerate(inputs.runs)}
    m.JK = pyo.Set(initialize=jk, dimen=2, ordered=True)
    m.JI = pyo.Set(initialize=ji, dimen=2, ordered=True)
    m.JIT = pyo.Set(initialize=[(j, i, t) for j, i in ji for t in m.window[j]], dimen=3, ordered=True)
    m.JT = pyo.Set(initialize=[(j, t) for j in range(len(inputs.runs)) for t in months], dimen=2, ordered=True)
    m.IT = pyo.Set(initialize=[(i, t) for i in range(len(inputs.islands)) for t in months], dimen=2, ordered=True)
    m.IT0 = pyo.Set(initialize=[(i, t) for i, isl in enumerate(inputs.islands) if isl.block_gpus > 0
                                for t in months if t >= isl.first_block_month], dimen=2, ordered=True)
    m.islands_of = {j: [i for jj, i in ji if jj == j] for j in range(len(inputs.runs))}
    m.runs_on = {i: [j for j, ii in ji if ii == i] for i in range(len(inputs.islands))}


def node_cap(inputs: CampaignInputs, nmax: int, i: int, t: int) -> int:
    """The most nodes a run can hold on island i in month t: its scale limit, every channel at
    its most (owned + all blocks + on demand), the site's grid limit alone (a bound implied by
    res_capacity, res_blocks and res_power, given to the variable so the LP sees it)."""
    isl = inputs.islands[i]
    cap = min(nmax, (isl.owned[t] + isl.block_gpus * isl.max_blocks + isl.on_demand[t]) // isl.node)
    limit = inputs.grid_mw[isl.site][t]
    if limit is not None:
        cap = min(cap, int(limit / (isl.node * isl.mw_per_gpu) * (1 + 1e-9)))
    return max(cap, 0)


def active(m: pyo.ConcreteModel, j: int, t: int):
    """a_jt = s_jt - e_jt."""
    return m.started[j, t] - m.ended[j, t]


def held_blocks(m: pyo.ConcreteModel, inputs: CampaignInputs, i: int, t: int):
    """sum_{t0 in (t - L_i, t]} r_i,t0: the blocks in their term in month t."""
    isl = inputs.islands[i]
    return pyo.quicksum(m.blocks[i, t0] for t0 in range(max(0, t - isl.term_months + 1), t + 1)
                        if (i, t0) in m.IT0)


def def_one_variant(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_k x_jk = 1                                                        for each run j"""
    m.def_one_variant = pyo.Constraint(range(len(inputs.runs)), rule=lambda m, j: pyo.quicksum(
        m.variant[j, k] for k in range(len(inputs.runs[j].variants))) == 1)


def def_island(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_{i: gpu_i = g} y_ji = sum_{k: g_k = g} x_jk                      for each run j, GPU type g
    (the island's GPU type is the variant's)."""
    pairs = sorted({(j, v.gpu) for j, run in enumerate(inputs.runs) for v in run.variants})
    m.def_island = pyo.Constraint(pairs, rule=lambda m, j, g: pyo.quicksum(
        m.island[j, i] for i in m.islands_of[j] if inputs.islands[i].gpu == g) == pyo.quicksum(
        m.variant[j, k] for k, v in enumerate(inputs.runs[j].variants) if v.gpu == g))


def res_work(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_{i: gpu_i = g} sum_t node_i h_t u_jit = sum_{k: g_k = g} W_jk x_jk   for each run j, type g
    (the work done is the work the variant needs; divided by max_k W_jk)."""
    pairs = sorted({(j, v.gpu) for j, run in enumerate(inputs.runs) for v in run.variants})

    def rule(m, j, g):
        scale = max(max(v.work_gpu_hours for v in inputs.runs[j].variants), 1e-9)
        done = pyo.quicksum(inputs.islands[i].node * inputs.hours[t] / scale * m.used[j, i, t]
                            for i in m.islands_of[j] if inputs.islands[i].gpu == g for t in m.window[j])
        need = pyo.quicksum(v.work_gpu_hours / scale * m.variant[j, k]
                            for k, v in enumerate(inputs.runs[j].variants) if v.gpu == g)
        return done == need

    m.res_work = pyo.Constraint(pairs, rule=rule)


def res_use(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """u_jit <= n_jit: a run uses at most the nodes it holds, for the month's hours."""
    m.res_use = pyo.Constraint(m.JIT, rule=lambda m, j, i, t: m.used[j, i, t] <= m.nodes[j, i, t])


def res_hold(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """n_jit <= Nmax_ji y_ji: nodes only on the run's island."""
    m.res_hold = pyo.Constraint(m.JIT, rule=lambda m, j, i, t: m.nodes[j, i, t] <= m.nmax[j, i] * m.island[j, i])


def res_active(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_i n_jit / Nmax_ji <= a_jt: nodes only in active months (at most one island is used)."""
    rows = [(j, t) for j in range(len(inputs.runs)) for t in m.window[j] if m.islands_of[j]]
    m.res_active = pyo.Constraint(rows, rule=lambda m, j, t: pyo.quicksum(
        m.nodes[j, i, t] / m.nmax[j, i] for i in m.islands_of[j]) <= active(m, j, t))


def res_least_months(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_t a_jt >= sum_k ceil(W_jk / (Gmax_jk hmax)) x_jk: a run is active at least as many months
    as its work needs at the most GPUs it can hold (Gmax_jk = node x the most nodes any island of
    g_k allows it, hmax the longest month). Implied by the other rows for integer solutions; it
    makes the LP relaxation count whole months (staff, lateness)."""
    hmax = max(inputs.hours)

    def least(j, k):
        v = inputs.runs[j].variants[k]
        gpus = max((inputs.islands[i].node * max(node_cap(inputs, m.nmax[j, i], i, t) for t in m.window[j])
                    for i in m.islands_of[j] if inputs.islands[i].gpu == v.gpu), default=0)
        return len(m.window[j]) if gpus == 0 else min(len(m.window[j]), math.ceil(v.work_gpu_hours / (gpus * hmax) - 1e-9))

    rows = [j for j in range(len(inputs.runs)) if m.islands_of[j]]
    m.res_least_months = pyo.Constraint(rows, rule=lambda m, j: pyo.quicksum(
        active(m, j, t) for t in range(len(inputs.hours))) >= pyo.quicksum(
        least(j, k) * m.variant[j, k] for k in range(len(inputs.runs[j].variants))))


def res_floor(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """n_jit >= sum_{k: g_k = gpu_i} F_jk x_jk - Fmax_ji (2 - a_jt - y_ji): in every active month the
    run holds at least its variant's memory floor on its island (it never shrinks below it)."""
    def rule(m, j, i, t):
        on = [(k, v) for k, v in enumerate(inputs.runs[j].variants) if v.gpu == inputs.islands[i].gpu]
        big = max(v.floor_nodes for _, v in on)
        floor = pyo.quicksum(v.floor_nodes * m.variant[j, k] for k, v in on)
        return m.nodes[j, i, t] >= floor - big * (2 - active(m, j, t) - m.island[j, i])

    m.res_floor = pyo.Constraint(m.JIT, rule=rule)


def def_phases(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """s_jt >= s_j,t-1 ;  e_jt >= e_j,t-1 ;  e_jt <= s_j,t-1 ;  e_j0 = 0: the active months
    a_jt = s_jt - e_jt are one contiguous block (started once, ended once, not before starting)."""
    later = [(j, t) for j, t in m.JT if t > 0]
    m.def_started = pyo.Constraint(later, rule=lambda m, j, t: m.started[j, t] >= m.started[j, t - 1])
    m.def_ended = pyo.Constraint(later, rule=lambda m, j, t: m.ended[j, t] >= m.ended[j, t - 1])
    m.def_end_after_start = pyo.Constraint(later, rule=lambda m, j, t: m.ended[j, t] <= m.started[j, t - 1])
    for j in range(len(inputs.runs)):
        m.ended[j, 0].fix(0)


def res_window(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """s_jt = 0 for t < earliest_j ;  a_jt = 0 for t > deadline_j (the horizon's end under lateness)."""
    for j, run in enumerate(inputs.runs):
        for t in range(run.first):
            m.started[j, t].fix(0)
    rows = [(j, t) for j, t in m.JT if t > last_month(inputs, j)]
    m.res_window = pyo.Constraint(rows, rule=lambda m, j, t: active(m, j, t) <= 0)


def res_precedence(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """s_j2,t <= e_j1,t for (j1 before j2), every month t: j2 starts only after j1 has ended."""
    rows = [(j2, j1, t) for j2, run in enumerate(inputs.runs) for j1 in run.after for t in range(len(inputs.hours))]
    m.res_precedence = pyo.Constraint(rows, rule=lambda m, j2, j1, t: m.started[j2, t] <= m.ended[j1, t])


def res_capacity(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_j node_i n_jit <= O_it + B_i sum_{t0 in (t-L_i, t]} r_i,t0 + D_it   for each island, month
    (divided by the island's largest capacity)."""
    def rule(m, i, t):
        isl = inputs.islands[i]
        if not m.runs_on[i]:
            return pyo.Constraint.Skip
        scale = max(isl.owned[t] + isl.block_gpus * isl.max_blocks + isl.on_demand[t], 1)
        held = pyo.quicksum(isl.node * m.nodes[j, i, t] / scale for j in m.runs_on[i] if (j, i, t) in m.JIT)
        if isinstance(held, (int, float)):
            return pyo.Constraint.Skip
        return held <= (isl.owned[t] + isl.on_demand[t]) / scale + isl.block_gpus / scale * held_blocks(m, inputs, i, t)

    m.res_capacity = pyo.Constraint(m.IT, rule=rule)


def res_blocks(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_{t0 in (t-L_i, t]} r_i,t0 <= R_i: at most R_i blocks held at once."""
    rows = [(i, t) for i, t in m.IT if inputs.islands[i].block_gpus > 0 and t >= inputs.islands[i].first_block_month]
    m.res_blocks = pyo.Constraint(rows, rule=lambda m, i, t: held_blocks(m, inputs, i, t) <= inputs.islands[i].max_blocks)


def def_on_demand(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """o_it >= sum_j node_i u_jit - O_it - B_i sum_{t0 in (t-L_i, t]} r_i,t0: GPU-hours (/ h_t) used
    beyond owned and reserved GPUs are on demand."""
    def rule(m, i, t):
        isl = inputs.islands[i]
        used = pyo.quicksum(isl.node * m.used[j, i, t] for j in m.runs_on[i] if (j, i, t) in m.JIT)
        if isinstance(used, (int, float)) or isl.on_demand_usd_per_gpu_hour == 0 and isl.on_demand[t] == 0:
            return pyo.Constraint.Skip
        return m.on_demand[i, t] >= used - isl.owned[t] - isl.block_gpus * held_blocks(m, inputs, i, t)

    m.def_on_demand = pyo.Constraint(m.IT, rule=rule)


def res_power(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """sum_{j, i at site s} node_i m_i n_jit <= M_st   for each site and month with a limit
    (divided by M_st)."""
    def rule(m, s, t):
        limit = inputs.grid_mw[s][t]
        terms = [(j, i) for i, isl in enumerate(inputs.islands) if isl.site == s for j in m.runs_on[i]
                 if (j, i, t) in m.JIT]
        if limit is None or not terms:
            return pyo.Constraint.Skip
        return pyo.quicksum(inputs.islands[i].node * inputs.islands[i].mw_per_gpu / limit * m.nodes[j, i, t]
                            for j, i in terms) <= 1.0

    m.res_power = pyo.Constraint([(s, t) for s in range(len(inputs.grid_mw)) for t in range(len(inputs.hours))],
                                 rule=rule)


def _measures(m: pyo.ConcreteModel, inputs: CampaignInputs) -> None:
    """cost_usd, co2_t and late_usd as expressions (module docstring)."""
    isl = inputs.islands
    m.cost_usd = pyo.Expression(expr=inputs.owned_usd
                                + pyo.quicksum(isl[i].block_usd[t] * m.blocks[i, t] for i, t in m.IT0)
                                + pyo.quicksum(isl[i].on_demand_usd_per_gpu_hour * inputs.hours[t] * m.on_demand[i, t]
                                               for i, t in m.IT)
                                + pyo.quicksum(inputs.runs[j].variants[k].fixed_usd * m.variant[j, k] for j, k in m.JK)
                                + pyo.quicksum(run.staff_usd_per_month * active(m, j, t) for j, run in enumerate(inputs.runs)
                                               if run.staff_usd_per_month for t in range(len(inputs.hours))))
    m.co2_t = pyo.Expression(expr=pyo.quicksum(isl[i].node * inputs.hours[t] * isl[i].co2_t_per_gpu_hour[t]
                                               * m.used[j, i, t] for j, i, t in m.JIT))
    m.late_usd = pyo.Expression(expr=pyo.quicksum(
        run.late_usd_per_month * active(m, j, t) for j, run in enumerate(inputs.runs)
        for t in range(run.deadline + 1, len(inputs.hours))) if inputs.objective == "lateness" else 0.0)


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
    extract), so the MIP gap measures what planning can change, not a sunk cost."""
    expr = {
        "cost": lambda: m.cost_usd,
        "co2": lambda: m.co2_t,
        "weighted": lambda: m.cost_usd + inputs.carbon_price_usd_per_t * m.co2_t,
        "lateness": lambda: m.cost_usd + m.late_usd,
    }[inputs.objective]()
    m.objective_unit = inputs.objective_unit
    m.objective_offset = objective_offset(inputs)
    m.objective_value = pyo.Var(domain=pyo.Reals)
    m.def_objective = pyo.Constraint(
        expr=m.objective_value == (expr - m.objective_offset) / inputs.objective_unit)
    m.objective = pyo.Objective(expr=m.objective_value, sense=pyo.minimize)


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
        nodes = tuple(int(round(pyo.value(m.nodes[j, i, t]))) if (j, i, t) in m.JIT else 0 for t in months)
        hours = tuple(max(0.0, pyo.value(m.used[j, i, t])) * node * inputs.hours[t] if (j, i, t) in m.JIT else 0.0
                      for t in months)
        runs.append(RunChoice(k, i, nodes, hours))
    blocks = tuple(tuple(int(round(pyo.value(m.blocks[i, t]))) if (i, t) in m.IT0 else 0 for t in months)
                   for i in range(len(inputs.islands)))
    return CampaignChoice(tuple(runs), blocks, pyo.value(m.objective_value) * m.objective_unit + m.objective_offset)
