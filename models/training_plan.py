"""The training-plan MIP in Pyomo, built from models.inputs.MipInputs (numbers only).

A candidate t is one complete set of discrete decisions: model size N_t, offer (GPU, region), GPU
count n_t and recipe m_t. The plan picks one candidate and its tokens (a disjunction written in
its convex-hull, disaggregated form, exact because the choice is binary):

| symbol | Pyomo            | meaning                                                             |
|--------|------------------|---------------------------------------------------------------------|
| z_t    | select[t]        | 1 if the plan is candidate t                                         |
| x_t    | token_share[t]   | D / Dmax_t on candidate t, 0 unless z_t = 1                          |
| l_t    | data_loss[t]     | B/Deff(D)^beta on candidate t (objective `loss` only; tangent cuts)  |

    S_t = a_t Dmax_t x_t + b_t z_t                      ideal GPU-seconds (0 unless chosen)
    cost     = sum_t usd_t S_t + usd_per_token Dmax_t x_t + fixed_t z_t     (budget measure)
               (+ sum_t r_t with a rental term: r_t >= rent_t S_t, r_t >= floor_t z_t, rent_usd[t];
               cost is minimised or only bounded above, so r_t = max(rent_t S_t, floor_t z_t) suffices)
    CO2      = sum_t co2_t S_t + fixed_co2_t z_t        duration = sum_t days_t S_t
    FLOPs    = sum_t k N_t Dmax_t x_t + align_flops_t z_t

Constraints (`def_` defines, `res_` restricts):
    def_one_plan        sum_t z_t = 1
    res_tokens          Dmin_t/Dmax_t z_t <= x_t <= z_t        (the loss target as a lower bound on D)
    res_budget          cost / budget <= 1           res_co2       CO2 / max_co2 <= 1
    res_deadline        duration / deadline <= 1     res_flops     FLOPs / max_flops <= 1
    res_loss_cut[k]     l_t >= (phi(d) - phi'(d) d) z_t + phi'(d) Dmax_t x_t   (phi convex, decreasing:
                        the tangent at d, in perspective form; outer approximation refined by the caller)
Objective: cost | co2 | duration | cost + price co2 (plus serving_t z_t for cost, co2, weighted) |
loss = sum_t base_loss_t z_t + l_t, divided by objective_unit (a typical value) so HiGHS sees O(1).

Every row is divided by its limit and every token variable by its candidate's Dmax, so the
coefficients stay near 1 from 1e17 to 1e27 FLOPs (HiGHS drops entries below 1e-9 and refuses
rows with entries above 1e15).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyomo.core as pyo  # the modelling layer only: pyomo.environ would also load every solver plugin

from models.inputs import MipInputs


@dataclass(frozen=True)
class Choice:
    """The candidate and tokens read back from a solved model."""

    candidate: int
    tokens: float
    objective_value: float  # the model's objective in natural units


def build(inputs: MipInputs) -> pyo.ConcreteModel:
    """Assemble the MIP for `inputs` (formulation in the module docstring)."""
    m = pyo.ConcreteModel(name="training_plan")
    m.inputs = inputs
    count = len(inputs)
    unit = [max(d, 1.0) for d in inputs.max_tokens]
    m.token_unit = unit
    m.CANDIDATES = pyo.RangeSet(0, count - 1)
    m.select = pyo.Var(m.CANDIDATES, domain=pyo.Binary)
    m.token_share = pyo.Var(m.CANDIDATES, domain=pyo.NonNegativeReals, bounds=(0, 1))
    m.def_one_plan = pyo.Constraint(expr=pyo.quicksum(m.select[t] for t in m.CANDIDATES) == 1)
    m.res_tokens_min = pyo.Constraint(
        m.CANDIDATES, rule=lambda m, t: m.token_share[t] >= inputs.min_tokens[t] / unit[t] * m.select[t])
    m.res_tokens_max = pyo.Constraint(
        m.CANDIDATES, rule=lambda m, t: m.token_share[t] <= inputs.max_tokens[t] / unit[t] * m.select[t])

    def seconds(t):
        return inputs.seconds_per_token[t] * unit[t] * m.token_share[t] + inputs.align_seconds[t] * m.select[t]

    rent = _rent(m, inputs, unit, seconds)
    m.cost_usd = pyo.Expression(expr=rent + pyo.quicksum(
        inputs.usd_per_second[t] * seconds(t) + inputs.usd_per_token * unit[t] * m.token_share[t]
        + inputs.fixed_usd[t] * m.select[t] for t in m.CANDIDATES))
    fixed_co2 = inputs.fixed_co2_t or (0.0,) * count
    m.co2_t = pyo.Expression(expr=pyo.quicksum(inputs.co2_t_per_second[t] * seconds(t)
                                               + fixed_co2[t] * m.select[t] for t in m.CANDIDATES))
    m.duration_days = pyo.Expression(expr=pyo.quicksum(inputs.days_per_second[t] * seconds(t) for t in m.CANDIDATES))
    m.training_flops = pyo.Expression(expr=pyo.quicksum(
        inputs.flops_per_token[t] * unit[t] * m.token_share[t] + inputs.align_flops[t] * m.select[t]
        for t in m.CANDIDATES))
    _limit_row(m, "budget_usd", inputs.budget_usd, m.cost_usd)
    _limit_row(m, "max_co2_t", inputs.max_co2_t, m.co2_t)
    _limit_row(m, "deadline_days", inputs.deadline_days, m.duration_days)
    _limit_row(m, "max_training_flops", inputs.max_training_flops, m.training_flops)

    serving = pyo.quicksum(inputs.serving[t] * m.select[t] for t in m.CANDIDATES)
    if inputs.objective == "loss":
        m.data_loss = pyo.Var(m.CANDIDATES, domain=pyo.NonNegativeReals)
        m.res_loss_cut = pyo.ConstraintList()
        expr = pyo.quicksum(inputs.base_loss[t] * m.select[t] + m.data_loss[t] for t in m.CANDIDATES)
        for t, cuts in enumerate(inputs.initial_cuts):
            for tokens, value, slope in cuts:
                add_loss_cut(m, t, tokens, value, slope)
    else:
        expr = {
            "cost": lambda: m.cost_usd + serving,
            "co2": lambda: m.co2_t + serving,
            "time": lambda: m.duration_days,
            "weighted": lambda: m.cost_usd + inputs.carbon_price_usd_per_t * m.co2_t + serving,
        }[inputs.objective]()
    m.objective_unit = inputs.objective_unit
    # The objective is a variable defined by one row: its terms span many decades (alignment is
    # ~1e-6 of a 1e27-FLOP run), which HiGHS flags as tiny costs; as matrix entries they are fine.
    m.objective_value = pyo.Var(domain=pyo.Reals)
    m.def_objective = pyo.Constraint(expr=m.objective_value == expr / inputs.objective_unit)
    m.objective = pyo.Objective(expr=m.objective_value, sense=pyo.minimize)
    return m


def _rent(m: pyo.ConcreteModel, inputs: MipInputs, unit: list[float], seconds):
    """Rent with a minimum term: sum_t r_t, r_t >= rent rate x S_t and r_t >= floor z_t (0 without terms).
    r_t = top_t x rent_share[t], top_t the larger branch at full tokens, so the coefficients stay ~1."""
    if not inputs.rent_floor_usd:
        return 0.0
    top = [max(inputs.rent_floor_usd[t], inputs.rent_usd_per_second[t]
               * (inputs.seconds_per_token[t] * unit[t] + inputs.align_seconds[t]), 1e-9) for t in range(len(inputs))]
    m.rent_share = pyo.Var(m.CANDIDATES, domain=pyo.NonNegativeReals)
    m.def_rent_use = pyo.Constraint(m.CANDIDATES, rule=lambda m, t: m.rent_share[t] >= (
        inputs.rent_usd_per_second[t] / top[t]) * seconds(t))
    m.def_rent_term = pyo.Constraint(m.CANDIDATES, rule=lambda m, t: m.rent_share[t] >= (
        inputs.rent_floor_usd[t] / top[t]) * m.select[t])
    return pyo.quicksum(top[t] * m.rent_share[t] for t in m.CANDIDATES)


def add_loss_cut(m: pyo.ConcreteModel, t: int, tokens: float, value: float, slope: float) -> None:
    """Tangent of phi(D) = B/Deff(D)^beta at D = tokens for candidate t, in perspective form:
    l_t >= (phi(d) - phi'(d) d) z_t + phi'(d) D_t  (zero when z_t = 0, the tangent when z_t = 1)."""
    m.res_loss_cut.add(m.data_loss[t] >= (value - slope * tokens) * m.select[t]
                       + slope * m.token_unit[t] * m.token_share[t])


def extract(m: pyo.ConcreteModel) -> Choice:
    """Read the chosen candidate and its tokens from a model holding a solution."""
    t = max(m.CANDIDATES, key=lambda k: pyo.value(m.select[k]))
    return Choice(candidate=t, tokens=pyo.value(m.token_share[t]) * m.token_unit[t],
                  objective_value=pyo.value(m.objective) * m.objective_unit)


def _limit_row(m: pyo.ConcreteModel, name: str, limit: float | None, expr) -> None:
    """res_<name>: expr / limit <= 1 (the row scaled by its own limit)."""
    if limit is None:
        return
    m.add_component(f"res_{name}", pyo.Constraint(expr=expr / limit <= 1.0))
