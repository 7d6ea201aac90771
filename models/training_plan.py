"""The training-plan MIP in Pyomo: built from planner.optimize.derive.ModelInputs (numbers only).

Symbols (spec section 2) and their Pyomo names:

| symbol         | Pyomo                 | meaning                                                    |
|----------------|-----------------------|------------------------------------------------------------|
| z_io           | select[i, o]          | 1 if the plan trains size i on offer o = (GPU, region)      |
| D_io           | token_share[i, o]     | pretraining tokens / pair_unit[i, o], 0 unless z_io = 1     |
|                | tokens[i, o]          | the same in the common token_unit (an Expression)            |
| w_m            | recipe[m]             | 1 if the plan aligns with recipe m                           |
| Y_o            | params_on_offer[o]    | N / param_unit if offer o is chosen, else 0 (= sum_i N_i z_io) |
| e_om           | aligned_params[o, m]  | Y_o w_m (McCormick, exact because w_m is binary)             |
| S_o            | gpu_seconds[o]        | GPU-seconds on offer o: sum_i a_io D_io + sum_m c_m e_om/rate_o |
| l_io           | data_loss[i, o]       | B/Deff(D)^beta if z_io = 1, objective `loss` only (cuts)      |

The GPU count is n_o of the chosen offer (see planner.optimize.derive for why this is exact), so time,
staff cost and the deadline are linear in S_o:  T = sum_o S_o/(86400 n_o).

Constraints (`def_` defines a quantity, `res_` restricts):
    def_one_plan          sum z = 1
    res_tokens_min/max    Dmin_i z_io <= D_io <= Dmax_io z_io      (loss target as a lower bound on D)
    def_one_recipe        sum w = 1
    def_aligned_*         e_om <= Ymax_o w_m;  e_om >= Y_o - Ymax_o (1 - w_m);  sum_m e_om = Y_o
    res_recipe_min_size   sum_o Y_o >= sum_m minN_m w_m
    res_budget            cost <= budget_usd
    res_co2               CO2 <= max_co2_t
    res_deadline          T <= deadline_days
    res_training_flops    F_pre + F_align <= max_training_flops
    res_loss_cut[k]       l_io >= phi(d_k) z_io + phi'(d_k) (D_io - d_k z_io)   (phi convex: outer
                          approximation, perspective form per pair)

Every limit row is divided by its limit at build time and every variable is in units near 1, so
HiGHS sees coefficients of order one from 1e17 to 1e27 FLOPs. Each pair's tokens have their own
unit (pair_unit = its Dmax): one common unit would put a size whose Dmin is astronomical (target
just above its loss floor) next to sane ones, and their rows' coefficients below HiGHS's
small_matrix_value (1e-9, dropped: D >= Dmin lost) or above large_matrix_value (1e15, rows refused).
Limits are mutable parameters: a sweep changes them and re-solves without rebuilding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyomo.environ as pyo

from planner.optimize.derive import ModelInputs
from planner.formulas.scaling_law import data_term, loss_slope
from planner.input.schema import ScalingLaw

#: Initial tangent cuts of the `loss` objective per pair, as fractions of the pair's largest D (the
#: optimum sits at or just below it: only a recipe's costs pull it lower); more are added where the
#: solver lands.
INITIAL_CUT_FRACTIONS = (1.0, 0.9)


@dataclass(frozen=True)
class Choice:
    """The discrete decisions and tokens read back from a solved model."""

    size: int
    offer: int
    recipe: int | None
    tokens: float
    objective_value: float  # the model's objective in natural units


def build(inputs: ModelInputs) -> pyo.ConcreteModel:
    """Assemble the MIP for `inputs` (formulation in the module docstring)."""
    m = pyo.ConcreteModel(name="training_plan")
    m.inputs = inputs  # numbers the model was built from; read by extract and add_loss_cut
    sizes, offers, recipes = inputs.sizes, inputs.offers, inputs.recipes
    pairs = inputs.pairs
    used_offers = sorted({o for _, o in pairs})

    token_unit = max([inputs.max_tokens[p] for p in pairs] + [1.0])
    pair_unit = {p: max(inputs.max_tokens[p], 1.0) for p in pairs}
    param_unit = max(s.params for s in sizes)
    m.token_unit, m.param_unit, m.pair_unit = token_unit, param_unit, pair_unit

    m.PAIRS = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    m.OFFERS = pyo.Set(initialize=used_offers, ordered=True)
    m.RECIPES = pyo.Set(initialize=range(len(recipes)), ordered=True)

    m.select = pyo.Var(m.PAIRS, domain=pyo.Binary)
    m.token_share = pyo.Var(m.PAIRS, domain=pyo.NonNegativeReals)
    m.tokens = pyo.Expression(m.PAIRS, rule=lambda m, i, o: pair_unit[i, o] / token_unit * m.token_share[i, o])
    m.def_one_plan = pyo.Constraint(expr=pyo.quicksum(m.select[p] for p in m.PAIRS) == 1)
    m.res_tokens_min = pyo.Constraint(
        m.PAIRS, rule=lambda m, i, o: m.token_share[i, o] >= sizes[i].min_tokens / pair_unit[i, o] * m.select[i, o])
    m.res_tokens_max = pyo.Constraint(
        m.PAIRS,
        rule=lambda m, i, o: m.token_share[i, o] <= inputs.max_tokens[i, o] / pair_unit[i, o] * m.select[i, o])

    by_offer: dict[int, list[int]] = {o: [] for o in used_offers}
    for i, o in pairs:
        by_offer[o].append(i)
    m.params_on_offer = pyo.Expression(
        m.OFFERS, rule=lambda m, o: pyo.quicksum(sizes[i].params / param_unit * m.select[i, o] for i in by_offer[o]))
    largest = {o: max(sizes[i].params for i in by_offer[o]) / param_unit for o in used_offers}

    if recipes:
        m.recipe = pyo.Var(m.RECIPES, domain=pyo.Binary)
        m.aligned_params = pyo.Var(m.OFFERS, m.RECIPES, domain=pyo.NonNegativeReals)
        m.def_one_recipe = pyo.Constraint(expr=pyo.quicksum(m.recipe[r] for r in m.RECIPES) == 1)
        m.def_aligned_upper = pyo.Constraint(
            m.OFFERS, m.RECIPES, rule=lambda m, o, r: m.aligned_params[o, r] <= largest[o] * m.recipe[r])
        m.def_aligned_lower = pyo.Constraint(
            m.OFFERS, m.RECIPES,
            rule=lambda m, o, r: m.aligned_params[o, r] >= m.params_on_offer[o] - largest[o] * (1 - m.recipe[r]))
        m.def_aligned_sum = pyo.Constraint(
            m.OFFERS, rule=lambda m, o: pyo.quicksum(m.aligned_params[o, r] for r in m.RECIPES) == m.params_on_offer[o])
        min_sizes = [r.min_model_params for r in recipes]
        if max(min_sizes) > 0:
            m.res_recipe_min_size = pyo.Constraint(
                expr=pyo.quicksum(m.params_on_offer[o] for o in m.OFFERS)
                >= pyo.quicksum(min_sizes[r] / param_unit * m.recipe[r] for r in m.RECIPES))

    def gpu_seconds(m, o):
        pre = pyo.quicksum(inputs.seconds_per_token(i, o) * pair_unit[i, o] * m.token_share[i, o]
                           for i in by_offer[o])
        if not recipes:
            return pre
        rate = offers[o].flop_rate
        return pre + pyo.quicksum(recipes[r].work_per_param * param_unit / rate * m.aligned_params[o, r]
                                  for r in m.RECIPES)

    m.gpu_seconds = pyo.Expression(m.OFFERS, rule=gpu_seconds)
    all_tokens = pyo.quicksum(pair_unit[p] * m.token_share[p] for p in m.PAIRS)   # natural units
    fixed_usd = pyo.quicksum(recipes[r].fixed_usd * m.recipe[r] for r in m.RECIPES) if recipes else 0.0
    m.cost_usd = pyo.Expression(expr=pyo.quicksum(offers[o].usd_per_gpu_second * m.gpu_seconds[o] for o in m.OFFERS)
                                + inputs.data_usd_per_token * all_tokens + fixed_usd)
    m.co2_t = pyo.Expression(expr=pyo.quicksum(offers[o].co2_t_per_gpu_second * m.gpu_seconds[o] for o in m.OFFERS))
    m.duration_days = pyo.Expression(
        expr=pyo.quicksum(offers[o].days_per_gpu_second * m.gpu_seconds[o] for o in m.OFFERS))
    align_flops = (pyo.quicksum(recipes[r].flops_per_param * param_unit * m.aligned_params[o, r]
                                for o in m.OFFERS for r in m.RECIPES) if recipes else 0.0)
    m.training_flops = pyo.Expression(
        expr=pyo.quicksum(inputs.flops_per_param_token * sizes[i].params * pair_unit[i, o] * m.token_share[i, o]
                          for i, o in m.PAIRS) + align_flops)

    _limit_row(m, "budget_usd", inputs.budget_usd, m.cost_usd)
    _limit_row(m, "max_co2_t", inputs.max_co2_t, m.co2_t)
    _limit_row(m, "deadline_days", inputs.deadline_days, m.duration_days)
    _limit_row(m, "max_training_flops", inputs.max_training_flops, m.training_flops)

    objective = inputs.objective
    if objective == "loss":
        m.data_loss = pyo.Var(m.PAIRS, domain=pyo.NonNegativeReals)
        m.res_loss_cut = pyo.ConstraintList()
        m.total_tokens = pyo.Expression(expr=all_tokens)
        m.loss = pyo.Expression(
            expr=pyo.quicksum(sizes[i].base_loss * m.select[i, o] + m.data_loss[i, o] for i, o in m.PAIRS))
        for i, o in pairs:
            cap, low = inputs.max_tokens[i, o], sizes[i].min_tokens
            points = {cap * f for f in INITIAL_CUT_FRACTIONS}
            if 0 < low < cap * min(INITIAL_CUT_FRACTIONS):
                points.add(low)
            for tokens in sorted(points):
                add_loss_cut(m, tokens, (i, o))
        expr, unit = m.loss, 1.0
    else:
        expr = {
            "cost": m.cost_usd,
            "co2": m.co2_t,
            "time": m.duration_days,
            "weighted": m.cost_usd + inputs.carbon_price_usd_per_t * m.co2_t,
        }[objective]
        unit = _objective_unit(inputs)
    m.objective_unit = unit
    # The objective is a variable defined by one row, not the expression itself: its terms span
    # many decades (a recipe's alignment compute is ~1e-6 of a 1e27-FLOP pretraining run), which
    # HiGHS flags as "excessively small costs" below 1e-4; as matrix entries they are well inside
    # its range (it drops only entries below 1e-9), and the cost vector is the single 1.
    m.objective_value = pyo.Var(domain=pyo.Reals)
    m.def_objective = pyo.Constraint(expr=m.objective_value == expr / unit)
    m.objective = pyo.Objective(expr=m.objective_value, sense=pyo.minimize)
    return m


def add_loss_cut(m: pyo.ConcreteModel, tokens: float, pair: tuple[int, int] | None = None) -> None:
    """Tangent of phi(D) = B/Deff(D)^beta at D = d for one pair, in perspective form:
    l_io >= (phi(d) - phi'(d) d) z_io + phi'(d) D_io  (zero when z_io = 0, the tangent when z_io = 1).
    `pair` defaults to the pair selected in the model's current solution."""
    inputs: ModelInputs = m.inputs
    if pair is None:
        pair = max(m.PAIRS, key=lambda p: pyo.value(m.select[p]))
    law = ScalingLaw(E=0.0, A=1.0, B=inputs.law_B, alpha=1.0, beta=inputs.law_beta)
    value = data_term(law, tokens, inputs.unique_tokens, inputs.repetition_rstar)
    slope = loss_slope(law, tokens, inputs.unique_tokens, inputs.repetition_rstar)
    unit = m.pair_unit[pair]
    m.res_loss_cut.add(m.data_loss[pair] >= (value - slope * tokens) * m.select[pair]
                       + slope * unit * m.token_share[pair])


def extract(m: pyo.ConcreteModel) -> Choice:
    """Read the chosen pair, recipe and tokens from a model holding a solution."""
    inputs: ModelInputs = m.inputs
    (i, o) = max(m.PAIRS, key=lambda p: pyo.value(m.select[p]))
    recipe = max(m.RECIPES, key=lambda r: pyo.value(m.recipe[r])) if inputs.recipes else None
    return Choice(size=i, offer=o, recipe=recipe, tokens=pyo.value(m.token_share[i, o]) * m.pair_unit[i, o],
                  objective_value=pyo.value(m.objective) * m.objective_unit)


def set_limit(m: pyo.ConcreteModel, name: str, value: float | None) -> None:
    """Change a limit that the model was built with (a mutable parameter; no rebuild).
    None lifts it (bound +inf). Lift only after a persistent solver is attached: Pyomo leaves out
    a row whose bound is infinite when the row is added, and could not tighten it again later."""
    getattr(m, f"{name}_limit").set_value(math.inf if value is None else value)


def has_limit(m: pyo.ConcreteModel, name: str) -> bool:
    """Whether the model was built with the limit row res_<name> (so set_limit can change it)."""
    return hasattr(m, f"{name}_limit")


def _limit_row(m: pyo.ConcreteModel, name: str, limit: float | None, expr) -> None:
    """res_<name>: expr / limit0 <= limit / limit0, limit a mutable parameter, limit0 its build value."""
    if limit is None:
        return
    param = pyo.Param(initialize=limit, mutable=True, within=pyo.PositiveReals)
    m.add_component(f"{name}_limit", param)
    m.add_component(f"res_{name}", pyo.Constraint(expr=expr / limit <= param / limit))


def _objective_unit(inputs: ModelInputs) -> float:
    """A typical objective size (cheapest pair's value at Dmin, no alignment) so HiGHS sees O(1)."""
    best = math.inf
    for i, o in inputs.pairs:
        offer, size = inputs.offers[o], inputs.sizes[i]
        seconds = inputs.seconds_per_token(i, o) * max(size.min_tokens, 1.0)
        value = {
            "cost": offer.usd_per_gpu_second * seconds,
            "co2": offer.co2_t_per_gpu_second * seconds,
            "time": offer.days_per_gpu_second * seconds,
            "weighted": (offer.usd_per_gpu_second + inputs.carbon_price_usd_per_t * offer.co2_t_per_gpu_second)
            * seconds,
        }[inputs.objective]
        if value > 0:
            best = min(best, value)
    return best if math.isfinite(best) else 1.0
