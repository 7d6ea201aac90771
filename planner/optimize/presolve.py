"""Presolve: the exact best GPU count (and, for `loss`, tokens) of every candidate row, in numpy.

For one row (size, offer, recipe) the tokens are known for every objective but `loss`: D = Dmin,
because every objective and every limit grows with D. What is left is the node count k
(n = k gpus_per_node, min_nodes <= k <= max_nodes). With t = sqrt(n) and the rates of
planner.formulas.cluster (waste w = a t + b t^2, failures 6.2; a GPU's parallel overhead
o = v max(0, t/t_ref - 1), v <= 1, adds the same to 1 + w above t_ref -- see the note below):

    cost(n)     = S (1 + a t + b t^2)(P + s/t^2) + const    -- a sum of t, t^2, 1/t, 1/t^2 terms with
                  non-negative weights: convex in t, so unimodal in n. With a rental term or a
                  contract (planner.formulas.cluster) the rent is max(P m 24 T(n), P m 24 t_min),
                  m = n or the contracted count: a maximum of functions convex in t, still convex
    co2(n)      = S (1 + a t + b t^2) C                     -- increasing in n
    duration(n) = S (1/t^2 + a/t + b) / 86400               -- decreasing in n
    weighted    = cost + price x co2                        -- convex in t, unimodal in n

The parallel overhead keeps each property (planner.formulas.cluster): above t_ref it adds
S v (t/t_ref - 1)(P + s/t^2) to the cost, whose s-part v s (1/(t t_ref) - 1/t^2) has second
derivative (2 v s/t^4)(t/t_ref - 3), at least -6 v s/t^4, which the base cost's 6 s/t^4 covers for
v <= 1; at t_ref the slope only rises (a convex kink); co2 still increases; the duration's
derivative becomes (-2 - a t + v (2 t_ref - t)/t_ref)/t^3 < 0 for v <= 1 (and the rent's T(n) stays
convex: its 1/t^2 weight is 1 - v >= 0).

So the feasible counts form an interval: the deadline gives a least k, the carbon budget a
largest, the budget (cost unimodal) an interval around the cheapest k (each limit by its row of
planner.formulas.limits: the figure it caps and its direction in the count, `in_gpus`); the grid, swing and
availability limits are in max_nodes and the memory floor in min_nodes. The best k is then: the
cheapest k (cost), the least feasible k (co2), the largest (time), the argmin of the unimodal
weighted value (weighted). Every one of these is found exactly on the integers by bisection on a
monotone predicate (a forward difference for the argmin of a unimodal function), for all rows at
once.

For `loss`, D is free: for each k the largest D every limit allows is
Dmax(k) = min(data cap, FLOP cap, budget cap(k), carbon cap(k), deadline cap(k)); the budget cap
is a decreasing function of the (unimodal) cost rate, the carbon cap decreases and the deadline cap
increases with k, so Dmax is unimodal (quasi-concave; flat only at its maximum, where a constant
cap binds) and its integer argmax is found the same way. The row's loss is L(N, Dmax(k*)).

With `scale:` (planner.formulas.scale) the count is also at most n_max(N, D), which grows with D:
at D = Dmin it caps the count; a count k above the cap needs D = D_scale(k) > Dmin, and from the
first such count on every measure grows with k, so each row compares its best count up to the cap
(at Dmin) with the first count above it (at D_scale); for `loss` a count k needs D >= D_scale(k), and since Dmax(k)/k does
not grow with k while D_scale(k)/k does, the counts with Dmax(k) >= D_scale(k) form an interval
[min_nodes, last], found by bisection; Dmax's argmax is then taken on it.

Pruning (exact): the value found is the row's exact optimum over every count (and D). A row whose
optimum is worse than the best row's by more than a relative 1e-9 cannot be optimal and is dropped;
the MIP (models.training_plan) is built over the rest, with each row at its best count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.formulas import scaling_law
from planner.formulas.scaling_law import data_token_cap
from planner.formulas.cluster import ClusterRates, cluster_rates, operations
from planner.formulas.scale import SCALE_TOL, max_useful_gpus, min_flops_for_gpus
from planner.input.schema import Instance
from planner.optimize.derive import Candidates
from planner.optimize.ties import TIE_TOL

from planner.formulas.limits import LIMITS, Limit
from planner.constants import KEEP_TOL, LIMIT_TOL, Objective  # noqa: E402 -- a limit's slack; rows kept near the best


@dataclass
class RowOptimum:
    """Per candidate row: feasibility, best node count, tokens and value (the objective's measure)."""

    feasible: np.ndarray
    nodes: np.ndarray
    tokens: np.ndarray
    value: np.ndarray
    unbounded: np.ndarray       # `loss`: nothing limits the row's tokens (no optimum, only an infimum)


class RowFigures:
    """Vectorised figures of every row at given node counts and tokens."""

    def __init__(self, instance: Instance, cand: Candidates):
        self.instance, self.cand = instance, cand
        self.ops = operations(instance)
        self.node = cand.column("node")
        self.max_nodes = cand.column("max_nodes").astype(np.int64)
        self.price = cand.column("usd_per_gpu_hour")
        self.co2_oper = cand.column("co2_oper_t_per_gpu_hour")
        self.co2_emb = cand.column("co2_emb_t_per_gpu_hour")
        self.mwh = cand.column("mwh_per_gpu_hour")
        self.mtbf = cand.column("mtbf_hours")
        self.paid = cand.column("paid_gpus")
        self.term = cand.column("min_term_days")
        self.rented = bool(np.any(self.paid > 0) or np.any(self.term > 0))
        overhead = cand.column("parallel_overhead")
        self.parallel = ((cand.column("parallel_ref_gpus"), overhead) if np.any(overhead > 0) else None)
        self.params = cand.sizes[cand.size]
        self.data_usd = instance.data.usd_per_token

    def rates(self, nodes: np.ndarray) -> ClusterRates:
        if not self.rented:   # on demand everywhere: the first edition's rates
            return cluster_rates(self.node * nodes, self.price, self.co2_oper, self.co2_emb, self.mwh, self.mtbf,
                                 self.ops, parallel=self.parallel)
        return cluster_rates(self.node * nodes, self.price, self.co2_oper, self.co2_emb, self.mwh, self.mtbf,
                             self.ops, self.paid, self.term, self.parallel)

    def seconds(self, tokens: np.ndarray) -> np.ndarray:
        return self.cand.seconds_per_token * tokens + self.cand.align_seconds

    def usd(self, nodes, tokens):
        return self.rates(nodes).total_usd(self.seconds(tokens)) + self.data_usd * tokens + self.cand.fixed_usd

    def co2(self, nodes, tokens):
        return self.seconds(tokens) * self.rates(nodes).co2_t + self.cand.fixed_co2

    def days(self, nodes, tokens):
        return self.seconds(tokens) * self.rates(nodes).days

    def flops(self, tokens):
        return self.cand.flops_per_token * tokens + self.cand.align_flops

    def figure(self, name: str, nodes, tokens) -> np.ndarray:
        """The figure a limit caps (Limit.figure, its name in the plan record) at node counts and tokens."""
        return _FIGURES[name](self, nodes, tokens)

    def affine(self, name: str, rates: ClusterRates | None) -> list[tuple[np.ndarray, tuple]]:
        """The figure `name` as affine functions of the tokens D at the node counts `rates` were made
        for: figure = max over (per_token, fixed) of per_token D + the sum of `fixed` (GPU-seconds
        S = a D + b times the rate the figure sees; for cost also data dollars per token, the
        recipe's fixed dollars and, rented, the rent floor: the rent is max(S compute_usd, floor))."""
        a, b, cand = self.cand.seconds_per_token, self.cand.align_seconds, self.cand
        if name == "flops.total":
            return [(cand.flops_per_token, (cand.align_flops,))]
        assert rates is not None
        if name == "cost_usd.total":
            pairs = [(a * rates.usd + self.data_usd, (cand.fixed_usd, b * rates.usd))]
            if self.rented:
                rest = rates.usd - rates.compute_usd
                pairs.append((a * rest + self.data_usd, (cand.fixed_usd, rates.rent_floor_usd, b * rest)))
            return pairs
        rate, fixed = {"co2_t.total": (rates.co2_t, cand.fixed_co2), "duration_days": (rates.days, 0.0)}[name]
        return [(a * rate, (fixed, b * rate))]

    def scale_nodes(self, tokens) -> np.ndarray:
        """The most nodes the `scale:` limit allows at `tokens` (planner.formulas.scale); the offer's
        max_nodes without it."""
        sc = self.instance.scale
        if sc is None:
            return self.max_nodes
        gpus = max_useful_gpus(sc, self.instance.flops_per_param_token * self.params * tokens, self.cand.model_parallel)
        return np.floor(np.minimum(gpus * (1 + SCALE_TOL) / self.node, 1e15)).astype(np.int64)

    def scale_tokens(self, nodes) -> np.ndarray:
        """The least D at which `nodes` nodes are useful (0 without `scale:`): C_min(n) / (k N)."""
        sc = self.instance.scale
        if sc is None:
            return np.zeros(len(self.params))
        flops = min_flops_for_gpus(sc, self.node * nodes, self.cand.model_parallel)
        return flops / (self.instance.flops_per_param_token * self.params) * (1 - SCALE_TOL)


#: The vectorised figure each limit reads (Limit.figure): a new limit on one of these needs no edit here.
_FIGURES = {"cost_usd.total": RowFigures.usd, "co2_t.total": RowFigures.co2, "duration_days": RowFigures.days,
            "flops.total": lambda rows, nodes, tokens: rows.flops(tokens)}
#: Measures explain asks for beside the objectives, none moving with the count: the tokens, and the
#: figure of each limit that does not move (Limit.in_gpus "none": training FLOPs).
_STILL = ("tokens", *(limit.figure for limit in LIMITS if limit.in_gpus == "none"))
#: The order the limits narrow a row's counts in: a row-wide check, the least count, the largest,
#: then the interval around a unimodal figure's least (found on the counts the others leave).
_ORDER = ("none", "down", "up", "unimodal")


def set_limits(instance: Instance) -> list[tuple[Limit, float]]:
    """The limits the instance sets, with their values, in _ORDER (planner.formulas.limits)."""
    limits = instance.limits
    given = [(limit, getattr(limits, limit.key)) for limit in LIMITS]
    return sorted([(limit, value) for limit, value in given if value is not None],
                  key=lambda lv: _ORDER.index(lv[0].in_gpus))


def first_true(pred, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Least k in [lo, hi] with pred(k) true, for pred monotone (false ... true) in k; hi + 1 where
    none is. Vectorised: pred takes an integer array of k (one per row) and returns a bool array."""
    lo = lo.astype(np.int64).copy()
    top = hi.astype(np.int64) + 1
    while True:
        active = lo < top
        if not active.any():
            return lo
        mid = (lo + top) // 2
        probe = np.where(active, np.minimum(mid, np.maximum(hi, lo)), lo)
        ok = np.where(mid > hi, True, pred(probe))
        top = np.where(active & ok, mid, top)
        lo = np.where(active & ~ok, mid + 1, lo)


def argmin_unimodal(f, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The largest k in [lo, hi] minimising a unimodal f (the first k whose forward difference is
    > 0): among equally good counts the fastest plan."""
    return first_true(lambda k: (k >= hi) | (f(np.minimum(k + 1, hi)) > f(k)), lo, hi)


#: Rows evaluated first to find an incumbent for the lower-bound pruning (module docstring).
FIRST_ROWS = 256


def lower_bound(instance: Instance, cand: Candidates, objective: str) -> np.ndarray | None:
    """A value no count can beat, per row (None: no cheap bound for this objective). Failures and
    parallel overhead only add GPU-seconds (waste, overhead >= 0) and staff cost is >= 0, so with D = Dmin:
        duration >= S / (86400 n_max)
        cost >= S price f / 3600 + staff x duration bound + data + fixed (+ serving)
        co2 >= S (c_op + c_emb) f / 3600 (+ serving);   weighted >= cost bound + price x co2 bound."""
    if objective not in (Objective.COST, Objective.CO2, Objective.TIME, Objective.WEIGHTED):
        return None
    rows = RowFigures(instance, cand)
    tokens = np.maximum(cand.min_tokens_by_size[cand.size], 1.0)
    seconds = rows.seconds(tokens)
    hours = seconds / 3600.0 * instance.development_factor
    days = seconds / (86400.0 * rows.node * rows.max_nodes)
    cost = hours * rows.price + instance.staff_usd_per_day * days + rows.data_usd * tokens + cand.fixed_usd
    co2 = hours * (rows.co2_oper + rows.co2_emb) + cand.fixed_co2
    if objective == Objective.TIME:
        return days
    bound = {"cost": cost, "co2": co2, "weighted": cost + instance.carbon_price_usd_per_t * co2}[objective]
    return bound + cand.serving


def optimise_rows(instance: Instance, cand: Candidates, objective: str | None = None) -> RowOptimum:
    """The exact optimum of every row that may be optimal (module docstring). `objective` defaults
    to the instance's; explain also asks for `tokens` (least tokens) and for the figure of a limit
    that does not move with the count (`flops.total`, the least training FLOPs: _STILL).

    Bound pruning: with many rows, the FIRST_ROWS rows of least lower_bound are optimised first;
    the best feasible value among them is an incumbent, and a row whose lower bound is above it
    cannot be optimal: it is reported infeasible (value inf) without its counts being searched."""
    objective = objective or instance.objective
    bound = lower_bound(instance, cand, objective) if len(cand) > 4 * FIRST_ROWS else None
    if bound is None:
        return _optimise(instance, cand, objective)
    first = np.argsort(bound, kind="stable")[:FIRST_ROWS]
    trial = _optimise(instance, cand.subset(first), objective)
    if not trial.feasible.any():
        return _optimise(instance, cand, objective)
    incumbent = trial.value[trial.feasible].min()
    keep = np.flatnonzero(bound <= incumbent + KEEP_TOL * abs(incumbent))
    kept = _optimise(instance, cand.subset(keep), objective)
    out = RowOptimum(np.zeros(len(cand), bool), np.array(cand.min_nodes, dtype=np.int64),
                     np.maximum(cand.min_tokens_by_size[cand.size], 1.0), np.full(len(cand), np.inf),
                     np.zeros(len(cand), bool))
    for name in ("feasible", "nodes", "tokens", "value", "unbounded"):
        getattr(out, name)[keep] = getattr(kept, name)
    return out


def _optimise(instance: Instance, cand: Candidates, objective: str) -> RowOptimum:
    rows = RowFigures(instance, cand)
    if objective == Objective.LOSS:
        return _loss_rows(instance, cand, rows)
    tokens = np.maximum(cand.min_tokens_by_size[cand.size], 1.0) if len(cand) else np.zeros(0)
    lo = cand.min_nodes.astype(np.int64)
    hi = rows.max_nodes.copy()
    if instance.scale is None or not len(cand):
        return _best_count(instance, cand, rows, objective, tokens, lo, hi)
    # `scale:` at D = Dmin caps the count (at = cap). Above the cap a count k needs D = D_scale(k) > Dmin;
    # from the first count above it on, every measure grows with k (D grows as k^(1/e), e < 1), so
    # the row's optimum is the best count up to the cap at Dmin, or the first count above it
    cap = rows.scale_nodes(tokens)
    below = _best_count(instance, cand, rows, objective, tokens, lo, np.minimum(hi, cap))
    first_above = np.maximum(cap + 1, lo)
    above = _best_count(instance, cand, rows, objective, np.maximum(tokens, rows.scale_tokens(first_above)),
                        first_above, np.minimum(hi, first_above))
    with np.errstate(invalid="ignore"):   # inf - inf where neither is feasible
        take = above.feasible & (~below.feasible | (above.value < below.value - TIE_TOL * np.abs(below.value)))
    pick = lambda a, b: np.where(take, a, b)  # noqa: E731
    return RowOptimum(below.feasible | above.feasible, pick(above.nodes, below.nodes), pick(above.tokens, below.tokens),
                      pick(above.value, below.value), np.zeros(len(cand), bool))


def _best_count(instance: Instance, cand: Candidates, rows: RowFigures, objective: str, tokens: np.ndarray,
                lo: np.ndarray, hi: np.ndarray) -> RowOptimum:
    """The best count of every row in [lo, hi] at the given tokens (module docstring)."""
    feasible = lo <= hi
    feasible &= tokens <= data_token_cap(instance.data) * (1 + LIMIT_TOL)
    lo, hi, feasible, least = _limit_counts(instance, rows, tokens, lo, hi, feasible)
    cheapest = least("cost_usd.total")
    price = instance.carbon_price_usd_per_t
    top = np.maximum(hi, lo)
    if objective == Objective.COST:
        nodes = _least_co2_of_plateau(rows, tokens, lambda k: rows.usd(k, tokens), lo, top, cheapest)
    elif objective == Objective.CO2:  # increasing in k: the counts as good as the least, then the cheapest of them
        least = rows.co2(lo, tokens)
        same = first_true(lambda k: ~_within(lambda j: rows.co2(j, tokens), k, least), lo, top) - 1
        nodes = _cheapest_fastest(rows, tokens, lo, np.maximum(same, lo))
    elif objective == Objective.TIME or objective in _STILL:
        nodes = top
    else:  # weighted
        weighted = lambda k: rows.usd(k, tokens) + price * rows.co2(k, tokens)  # noqa: E731
        nodes = _least_co2_of_plateau(rows, tokens, weighted, lo, top, argmin_unimodal(weighted, lo, top))
    value = {
        "cost": lambda: rows.usd(nodes, tokens),
        "co2": lambda: rows.co2(nodes, tokens),
        "time": lambda: rows.days(nodes, tokens),
        "weighted": lambda: rows.usd(nodes, tokens) + price * rows.co2(nodes, tokens),
        "tokens": lambda: tokens,
        **{name: (lambda name=name: rows.figure(name, nodes, tokens)) for name in _STILL if name in _FIGURES},
    }[objective]() + (cand.serving if objective in (Objective.COST, Objective.CO2, Objective.WEIGHTED) else 0.0)
    return RowOptimum(feasible, nodes, tokens, np.where(feasible, value, np.inf), np.zeros(len(cand), bool))


def _limit_counts(instance: Instance, rows: RowFigures, tokens: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                  feasible: np.ndarray):
    """The counts [lo, hi] every limit allows, row by row, each limit by its direction in the count
    (Limit.in_gpus): a figure that does not move is met at every count or none; one that falls
    sets the least count, one that rises the largest; a unimodal one an interval around its least
    count (first found on the counts the monotone limits leave). Also `least(figure)`: that least
    count (the cheapest count for cost), found once on those counts."""
    lows: dict[str, np.ndarray] = {}

    def least(name: str) -> np.ndarray:
        if name not in lows:
            lows[name] = argmin_unimodal(lambda k: rows.figure(name, k, tokens), base_lo, np.maximum(base_hi, base_lo))
        return lows[name]

    monotone = True
    base_lo, base_hi = lo, hi
    for limit, value in set_limits(instance):
        cap = value * (1 + LIMIT_TOL)
        f = lambda k, name=limit.figure: rows.figure(name, k, tokens)  # noqa: E731
        if limit.in_gpus == "unimodal" and monotone:
            feasible = feasible & (lo <= hi)
            base_lo, base_hi, monotone = lo, hi, False
        if limit.in_gpus == "none":
            feasible = feasible & (f(lo) <= cap)
        elif limit.in_gpus == "down":
            lo = first_true(lambda k: f(k) <= cap, lo, hi)
        elif limit.in_gpus == "up":
            hi = first_true(lambda k: f(k) > cap, lo, hi) - 1
        else:
            at = least(limit.figure)
            feasible = feasible & (f(at) <= cap)
            lo = first_true(lambda k: f(k) <= cap, lo, at)
            hi = first_true(lambda k: f(k) > cap, at, np.maximum(hi, at)) - 1
            feasible = feasible & (lo <= hi)
    if monotone:
        feasible = feasible & (lo <= hi)
        base_lo, base_hi = lo, hi
    return lo, hi, feasible, least


def _within(f, k, level) -> np.ndarray:
    """f(k) <= level within TIE_TOL (planner.optimize.ties)."""
    return f(k) <= level + TIE_TOL * np.abs(level)


def _least_co2_of_plateau(rows: RowFigures, tokens, f, lo, hi, at) -> np.ndarray:
    """Ties within a row (planner.optimize.ties): `at` minimises the unimodal f on [lo, hi]; the
    counts with f within TIE_TOL of f(at) form an interval; CO2 grows with k (failures), so the
    largest of them whose CO2 ties with the first's (less time among equal CO2 and cost)."""
    level = f(at)
    first = first_true(lambda k: _within(f, k, level), lo, at)
    end = first_true(lambda k: ~_within(f, k, level), at, hi) - 1
    base = rows.co2(first, tokens)
    return first_true(lambda k: ~_within(lambda j: rows.co2(j, tokens), k, base), first, end) - 1


def _cheapest_fastest(rows: RowFigures, tokens, lo, hi) -> np.ndarray:
    """Among counts [lo, hi] (CO2 tied), the largest whose cost ties with the least (cost unimodal)."""
    usd = lambda k: rows.usd(k, tokens)  # noqa: E731
    at = argmin_unimodal(usd, lo, hi)
    level = usd(at)
    return first_true(lambda k: ~_within(usd, k, level), at, hi) - 1


def _most_tokens(room: np.ndarray, per_token: np.ndarray) -> np.ndarray:
    """The largest D with per_token D <= room (a limit less what D does not change): room/per_token;
    without a per-token charge, +inf where the room is not negative and -inf (no D) where it is."""
    charged = per_token > 0
    return np.where(charged, room / np.where(charged, per_token, 1.0), np.where(room >= 0, np.inf, -np.inf))


def token_cap(instance: Instance, cand: Candidates, rows: RowFigures, nodes: np.ndarray) -> np.ndarray:
    """Dmax(k): the largest D every limit that grows with D allows at node count k (inf: none).
    Each limit is affine in D: GPU-seconds S = a D + b times the rate the limit sees, plus, for the
    budget, data dollars per token and the recipe's fixed dollars."""
    given = set_limits(instance)
    cap = np.full(len(cand), data_token_cap(instance.data))
    rates = rows.rates(nodes) if any(limit.in_gpus != "none" for limit, _ in given) else None
    with np.errstate(divide="ignore", invalid="ignore"):
        for limit, value in given:
            for per_token, fixed in rows.affine(limit.figure, rates):
                room = value
                for part in fixed:
                    room = room - part
                cap = np.minimum(cap, _most_tokens(room, per_token))
    return cap


def _loss_rows(instance: Instance, cand: Candidates, rows: RowFigures) -> RowOptimum:
    lo = cand.min_nodes.astype(np.int64)
    hi = np.maximum(rows.max_nodes, lo)
    scale_ok = np.ones(len(cand), bool)
    if instance.scale is not None and len(cand):
        # k is allowed when Dmax(k) >= the least D at which k nodes are useful: Dmax(k)/k does not
        # grow with k and D_scale(k)/k does (exponent 1/e > 1), so the allowed k are an interval
        # [lo, last]; Dmax is unimodal on it
        last = first_true(lambda k: token_cap(instance, cand, rows, k) < rows.scale_tokens(k), lo, hi) - 1
        scale_ok = last >= lo
        hi = np.maximum(np.minimum(hi, last), lo)
    nodes = first_true(lambda k: (k >= hi) | (token_cap(instance, cand, rows, np.minimum(k + 1, hi))
                                             < token_cap(instance, cand, rows, k)), lo, hi)
    # ties (planner.optimize.ties): the counts whose largest D ties with the best (within TIE_TOL),
    # then the least CO2, the least cost, the least time
    tokens = token_cap(instance, cand, rows, nodes)
    with np.errstate(invalid="ignore"):
        cap = lambda k: token_cap(instance, cand, rows, k)  # noqa: E731
        first = first_true(lambda k: cap(k) >= tokens * (1 - TIE_TOL), lo, nodes)
        end = first_true(lambda k: cap(k) < tokens * (1 - TIE_TOL), nodes, hi) - 1
        base = rows.co2(first, tokens)
        same = first_true(lambda k: ~_within(lambda j: rows.co2(j, tokens), k, base), first, end) - 1
        nodes = np.where(np.isfinite(tokens), _cheapest_fastest(rows, tokens, first, np.maximum(same, first)), nodes)
    tokens = token_cap(instance, cand, rows, nodes)
    need = np.maximum(cand.min_tokens_by_size[cand.size], 0.0) if len(cand) else np.zeros(0)
    feasible = (lo <= rows.max_nodes) & (tokens > 0) & (tokens >= need * (1 - 1e-12)) & scale_ok
    unbounded = feasible & np.isinf(tokens)
    law, data = instance.scaling_law, instance.data
    finite = np.where(np.isfinite(tokens) & (tokens > 0), tokens, 1.0)
    deff = scaling_law.effective_tokens(finite, data.unique_tokens, data.repetition_rstar)
    value = cand.base_loss_by_size[cand.size] + law.B / deff**law.beta if len(cand) else np.zeros(0)
    return RowOptimum(feasible, nodes, tokens, np.where(feasible, value, np.inf), unbounded)


def survivors(opt: RowOptimum) -> np.ndarray:
    """Indices of the rows that may be optimal: feasible and within KEEP_TOL of the best value."""
    if not opt.feasible.any():
        return np.zeros(0, dtype=np.int64)
    best = opt.value[opt.feasible].min()
    return np.flatnonzero(opt.feasible & (opt.value <= best + KEEP_TOL * abs(best)))
