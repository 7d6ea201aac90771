"""Why an instance has no plan, in terms a planner can act on.

Three parts, every figure computed by optimisation (the presolve's exact per-candidate optima,
planner.optimize.presolve, the same numbers `plan solve` is built on), never guessed:

1. Which limits conflict: a deletion filter over the instance's limits (loss target, budget,
   deadline, carbon budget, FLOP limit, max_epochs, each region's grid capacity and max swing).
   Starting from all of them, a limit is dropped for good when the instance stays infeasible
   without it; what is left is a minimal conflicting set (every member is needed for the
   conflict). An empty set means no plan exists even with every limit removed: the candidates
   ruled out before solving (memory, availability, recipes, data) are the reason.

2. For each limit, the value it would have to reach with all the others unchanged: drop that limit
   and minimise the quantity it limits under the others --

       budget_usd          least cost                deadline_days   least duration
       max_co2_t           least CO2                 max_training_flops  least FLOPs (pretraining + alignment)
       max_loss / match    lowest reachable loss     max_epochs      least tokens / unique_tokens
       grid_capacity_mw    least facility power in that region at which a plan exists
       max_swing_mw        least power swing in that region at which a plan exists
       scale.batch_multiple  least useful-batch multiple at which a plan exists (bisection)

   The limit is feasible exactly when it is at least that optimum, so the optimum is the answer.
   If the relaxed problem has no plan, moving that limit alone does not help (said so).
   Power is not an objective; the grid capacity needed is the least value G among the power
   levels n w pue/1000 (n a node multiple up to the other caps) at which the instance has a
   plan, found by bisection on G with one feasibility check per probe. This is exact because a
   larger G only adds GPU counts to choose from: feasibility is monotone in G.
   A loss target that no number of tokens reaches has no optimum to report; then the figure is
   the infimum, approached as tokens grow (said so).

   GPU availability (one lever per offer, `regions[r].offers.G.available` or `gpus[g].available`):
   the least count, a node multiple, at which a plan exists with every other limit unchanged, by
   bisection up to MAX_AVAILABLE (exact: more GPUs of an on-demand offer only add choices). Offers
   whose extra GPUs alone admit no plan are not listed; contracted offers are no lever.

3. Why candidates were ruled out before solving (planner.optimize.derive records them; the report prints them).

Figures are printed rounded up (so the printed value is itself sufficient) and kept exact in
`Explanation.needed` for JSON.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from planner.formulas.limits import BY_KEY, LIMITS
from planner.errors import InputError
from planner.input.schema import Instance
from planner.formulas.offers import facility_mw, offer_terms, swing_mw
from planner.optimize.derive import derive
from planner.optimize.presolve import optimise_rows
from planner.constants import Objective


@dataclass
class Explanation:
    """What explain() found: printable lines, the exact values needed, the conflicting limits."""

    lines: list[str] = field(default_factory=list)
    needed: dict[str, float] = field(default_factory=dict)   # limit path -> least value that admits a plan
    conflict: list[str] = field(default_factory=list)        # limit paths of a minimal conflicting set


@dataclass(frozen=True)
class _Limit:
    path: str          # limits.budget_usd, targets.max_loss, data.max_epochs, regions[2].grid_capacity_mw
    label: str         # what a planner calls it
    current: float
    unit: str


def explain_infeasible(instance: Instance) -> list[str]:
    """Sentences a planner can act on (see the module docstring)."""
    return explain(instance).lines


#: Wall-clock seconds an explanation may take (each figure is one or more MIP solves; a large
#: instance with many regions could otherwise keep a user waiting for minutes).
TIME_BUDGET_S = 120.0


class _OutOfTime(Exception):
    pass


def explain(instance: Instance, time_budget_s: float = TIME_BUDGET_S) -> Explanation:
    """The full explanation of an infeasible instance (module docstring)."""
    ctx = _Context(instance, time_budget_s)
    limits = _limits_of(instance)
    out = Explanation()

    try:
        conflict = ctx.conflict([lim.path for lim in limits])
    except _OutOfTime:
        conflict = None
    by_path = {lim.path: lim for lim in limits}
    out.conflict = conflict
    if conflict is None:
        out.lines.append("the solver could not decide which limits conflict (a relaxed problem was stopped "
                         "or the explanation ran out of time)")
    elif not conflict:
        out.lines.append("no plan exists even with every limit removed: every candidate is ruled out "
                         "(see the candidates ruled out below)")
    elif len(conflict) == 1:
        lim = by_path[conflict[0]]
        out.lines.append(f"conflict: no candidate meets the {lim.label} ({_now(lim)}) given the GPUs "
                         "available, their memory and the recipe rules")
    else:
        parts = [f"the {by_path[p].label} ({_now(by_path[p])})" for p in conflict]
        joined = ", ".join(parts[:-1]) + " and " + parts[-1]
        together = "cannot both hold" if len(parts) == 2 else "cannot all hold together"
        out.lines.append(f"conflict: {joined} {together} (each of them is part of the conflict)")

    if conflict:
        out.lines.append("moving one limit alone, the others unchanged:")
    for lim in limits:
        if conflict is not None and lim.path not in conflict:
            continue  # a limit that alone admits a plan is in every minimal conflicting set
        try:
            value, note = ctx.needed(lim)
        except _OutOfTime:
            out.lines.append(f"{lim.label} ({lim.path}): not computed, the explanation ran out of time "
                             f"({ctx.budget_s:g} s)")
            continue
        if value is None:
            if conflict and lim.path in conflict:
                out.lines.append(f"{lim.label} ({lim.path}): moving it alone admits no plan")
            continue
        out.needed[lim.path] = value
        if note == "infimum":
            out.lines.append(f"{lim.label} must be above {_bound_text(value, lim.unit, up=False)} ({_now(lim)}): "
                             "the lowest loss the other limits allow, approached only as tokens grow "
                             "without bound")
        else:
            out.lines.append(f"{lim.label} must be at least {_bound_text(value, lim.unit)} ({_now(lim)}){note}")
    if conflict:
        _availability_lines(ctx, out)
    return out


def _availability_levers(instance: Instance) -> list[_Limit]:
    """One lever per offer: how many GPUs of it can be had. The path is the offer's own
    (`regions[r].offers.G.available`) where the region lists offers, else the GPU's
    (`gpus[g].available`, every region without offers). A contracted offer is no lever (more
    contracted GPUs are paid for whether used or not, so more is not simply better)."""
    out: list[_Limit] = []
    seen: set[str] = set()
    for r, region in enumerate(instance.regions):
        for g, gpu in enumerate(instance.gpus):
            terms = offer_terms(gpu, region)
            if terms is None or terms.contracted:
                continue
            if region.offers is None:
                path, label = f"gpus[{g}].available", f"{gpu.name} available (regions without offers)"
            else:
                path, label = f"regions[{r}].offers.{gpu.name}.available", f"{gpu.name} available in {region.name}"
            if path not in seen:
                seen.add(path)
                out.append(_Limit(path, label, float(terms.available), "gpus"))
    return out


#: Largest scale.batch_multiple the explanation tries (the key's own bound).
BATCH_MULTIPLE_MAX = 100.0

#: Most GPUs of one offer the availability lever searches up to.
MAX_AVAILABLE = 1_000_000


def _availability_lines(ctx: "_Context", out: Explanation) -> None:
    """GPU availability per offer: the least count (a node multiple) at which a plan exists with
    every other limit unchanged, by bisection (more GPUs of an on-demand offer only add choices, so
    feasibility is monotone in the count)."""
    helped = False
    for lim in _availability_levers(ctx.instance):
        try:
            value = ctx.least_available(lim)
        except _OutOfTime:
            out.lines.append(f"{lim.label} ({lim.path}): not computed, the explanation ran out of time")
            return
        if value is None:
            continue
        helped = True
        out.needed[lim.path] = value
        out.lines.append(f"{lim.label} must be at least {value:,.0f} GPUs ({_now(lim)})")
    if not helped and _availability_levers(ctx.instance):
        out.lines.append("more GPUs of any one offer alone admit no plan")


def _limits_of(instance: Instance) -> list[_Limit]:
    from planner.formulas.evaluate import target_loss

    out: list[_Limit] = []
    target = target_loss(instance)
    if target is not None:
        out.append(_Limit("targets.max_loss", "loss target", target, "loss"))
    limits = instance.limits
    for row in LIMITS:
        value = getattr(limits, row.key)
        if value is not None:
            out.append(_Limit(row.path, row.noun, value, row.unit.lower()))
    if instance.data.max_epochs is not None:
        out.append(_Limit("data.max_epochs", "epoch limit", instance.data.max_epochs, "epochs"))
    if instance.scale is not None:
        out.append(_Limit("scale.batch_multiple", "useful batch (scale.batch_multiple x B_opt)",
                          instance.scale.batch_multiple, "multiple"))
    for r, region in enumerate(instance.regions):
        if region.grid_capacity_mw is not None:
            out.append(_Limit(f"regions[{r}].grid_capacity_mw", f"grid capacity of {region.name}",
                              region.grid_capacity_mw, "mw"))
        if region.max_swing_mw is not None:
            out.append(_Limit(f"regions[{r}].max_swing_mw", f"power-swing limit of {region.name}",
                              region.max_swing_mw, "mw"))
    return out


class _Context:
    """The instance and the solves run on relaxed copies of it (feasibility answers are cached)."""

    def __init__(self, instance: Instance, budget_s: float = TIME_BUDGET_S):
        self.instance = instance
        self._feasible: dict[tuple, bool | None] = {}
        self.budget_s = budget_s
        self._stop_at = time.monotonic() + budget_s

    # -- solving ------------------------------------------------------------------------------
    def tick(self) -> None:
        if time.monotonic() > self._stop_at:
            raise _OutOfTime

    def best(self, instance: Instance, measure: str) -> tuple[float | None, bool]:
        """The least `measure` (cost, co2, time, loss, tokens, flops.total) over every plan of `instance`,
        from the presolve's exact per-candidate optima (serving left out: limits bind training
        alone); (None, False) without a plan. The flag says the value is an infimum (`loss` with
        unlimited tokens)."""
        self.tick()
        relaxed = instance.updated(serving=None, objective=measure if measure in (Objective.COST, Objective.CO2, Objective.TIME, Objective.LOSS)
                                   else "time")
        try:
            cand = derive(relaxed)
            rows = optimise_rows(relaxed, cand, objective=measure)
        except InputError:
            return None, False
        if not rows.feasible.any():
            return None, False
        if measure == Objective.LOSS and rows.unbounded.any():
            law, data = relaxed.scaling_law, relaxed.data
            limit_term = 0.0
            if data.unique_tokens is not None:  # Deff -> U (1 + R*) as D grows
                limit_term = law.B / (data.unique_tokens * (1.0 + data.repetition_rstar)) ** law.beta
            infimum = float(min(cand.base_loss_by_size[cand.size[rows.unbounded]])) + limit_term
            bounded = rows.feasible & ~rows.unbounded
            least = float(rows.value[bounded].min()) if bounded.any() else math.inf
            return (least, False) if least <= infimum else (infimum, True)
        return float(rows.value[rows.feasible].min()), False

    def feasible(self, removed: Iterable[str] = (), changes: tuple[tuple[str, float], ...] = ()) -> bool | None:
        """Whether a plan exists with the limits `removed` dropped and `changes` applied."""
        key = (frozenset(removed), changes)
        if key not in self._feasible:
            relaxed = _relaxed(self.instance, key[0], dict(changes), objective="time")
            self._feasible[key] = self.best(relaxed, "time")[0] is not None
        return self._feasible[key]

    # -- part 1: a minimal conflicting set -----------------------------------------------------
    def conflict(self, paths: list[str]) -> list[str] | None:
        """A deletion filter: the set left is always infeasible; a limit (or a group of them) whose
        removal keeps it infeasible is dropped for good. The power limits of all regions are tried
        as one group first (one solve instead of one per region when none of them matters); a
        group that matters is then filtered one limit at a time. Minimal: a kept limit was needed
        in a superset of the final set, and dropping limits only enlarges the feasible set."""
        answer = self.feasible(paths)
        if answer is not True:
            return None if answer is None else []
        power = [p for p in paths if p.startswith("regions[")]
        groups = ([power] if power else []) + [[p] for p in paths if p not in power]
        dropped: list[str] = []
        kept: list[str] = []
        for group in groups:
            answer = self.feasible(dropped + group)
            if answer is None:
                return None
            if not answer:
                dropped += group
                continue
            if len(group) == 1:
                kept += group
                continue
            for path in group:
                answer = self.feasible(dropped + [path])
                if answer is None:
                    return None
                (kept if answer else dropped).append(path)
        return [p for p in paths if p in kept]

    # -- part 2: the value each limit needs -----------------------------------------------------
    def needed(self, lim: _Limit) -> tuple[float | None, str]:
        if self.feasible([lim.path]) is not True:
            return None, ""
        if lim.path == "targets.max_loss":
            return self._best_loss()
        if lim.path.startswith("limits."):
            key = lim.path.removeprefix("limits.")
            row = BY_KEY[key]
            if row.quantity is None:  # no objective minimises its figure (FLOPs): the least of the figure
                return self._least(lim.path, row.figure), ""
            return self.best(_relaxed(self.instance, {lim.path}, {}, objective=row.quantity), row.quantity)[0], ""
        if lim.path == "data.max_epochs":
            tokens = self._least(lim.path, "tokens")
            return (None if tokens is None else tokens / self.instance.data.unique_tokens), ""
        match = re.fullmatch(r"regions\[(\d+)\]\.(grid_capacity_mw|max_swing_mw)", lim.path)
        if match:
            return self._least_power(int(match.group(1)), match.group(2))
        if lim.path == "scale.batch_multiple":
            return self._least_batch_multiple(lim), ""
        return None, ""

    def _least_batch_multiple(self, lim: _Limit) -> float | None:
        """The least scale.batch_multiple at which a plan exists (bisection on its logarithm to a
        relative 1e-4; feasibility grows with it: a larger useful batch only adds GPU counts)."""
        low, high = lim.current, BATCH_MULTIPLE_MAX
        if self.feasible([], ((lim.path, high),)) is not True:
            return None
        while high / low > 1 + 1e-4:
            mid = math.sqrt(low * high)
            if self.feasible([], ((lim.path, mid),)):
                high = mid
            else:
                low = mid
        return high

    def _least(self, path: str, quantity: str) -> float | None:
        """The least FLOPs or tokens of any plan with the limit at `path` dropped."""
        return self.best(_relaxed(self.instance, {path}, {}, objective="cost"), quantity)[0]

    def _best_loss(self) -> tuple[float | None, str]:
        """The lowest loss the other limits allow (objective `loss` without the target); when some
        candidate's tokens are unlimited its loss has only an infimum, E + A/N^alpha (+ the limit
        of B/Deff^beta with unique data U), reported as such."""
        value, infimum = self.best(_relaxed(self.instance, {"targets.max_loss"}, {}, objective="loss"), "loss")
        return value, ("infimum" if infimum else "")

    def least_available(self, lim: _Limit) -> float | None:
        """The least availability (a node multiple above today's) of one offer at which a plan
        exists, or None when even MAX_AVAILABLE GPUs admit none."""
        gpu = self._gpu_of(lim.path)
        node = gpu.gpus_per_node
        low, high = int(lim.current) // node + 1, MAX_AVAILABLE // node
        if low > high or self.feasible([], ((lim.path, float(high * node)),)) is not True:
            return None
        while low < high:
            mid = (low + high) // 2
            answer = self.feasible([], ((lim.path, float(mid * node)),))
            if answer is None:
                return None
            if answer:
                high = mid
            else:
                low = mid + 1
        return float(low * node)

    def _gpu_of(self, path: str):
        match = re.fullmatch(r"gpus\[(\d+)\]\.available", path)
        if match:
            return self.instance.gpus[int(match.group(1))]
        name = re.fullmatch(r"regions\[\d+\]\.offers\.(.+)\.available", path).group(1)
        return self.instance.gpu(name)

    def _least_power(self, r: int, key: str) -> tuple[float | None, str]:
        """Least grid capacity (or swing limit) of region r at which a plan exists (bisection)."""
        instance = self.instance
        region = instance.regions[r]
        path = f"regions[{r}].{key}"
        other = "max_swing_mw" if key == "grid_capacity_mw" else "grid_capacity_mw"
        levels: set[float] = set()
        for gpu in instance.gpus:
            terms = offer_terms(gpu, region)
            if terms is None:
                continue
            per_gpu = {"grid_capacity_mw": facility_mw(gpu, region, 1), "max_swing_mw": swing_mw(gpu, region, 1)}
            cap = float(terms.available)
            other_limit = getattr(region, other)
            if other_limit is not None:
                cap = min(cap, other_limit / per_gpu[other] * (1 + 1e-9))
            node = gpu.gpus_per_node
            levels.update(node * k * per_gpu[key] for k in range(1, int(cap // node) + 1))
        ladder = sorted(levels)
        if not ladder:
            return None, ""
        low, high = 0, len(ladder) - 1
        if self.feasible([], ((path, ladder[high]),)) is not True:
            return None, ""
        while low < high:
            mid = (low + high) // 2
            answer = self.feasible([], ((path, ladder[mid]),))
            if answer is None:
                return None, ""
            if answer:
                high = mid
            else:
                low = mid + 1
        return ladder[low], ""


def _relaxed(instance: Instance, removed: Iterable[str], changes: dict[str, float], objective: str) -> Instance:
    """A copy of `instance` with the limits at `removed` dropped, `changes` applied, and `objective`
    (validated again: Instance.updated)."""
    limits, data = instance.limits.model_dump(), instance.data.model_dump()
    targets = instance.targets.model_dump()
    regions = [r.model_dump() for r in instance.regions]
    gpus = [g.model_dump() for g in instance.gpus]
    scale = instance.scale.model_dump() if instance.scale is not None else None
    for path, value in [(p, None) for p in removed] + list(changes.items()):
        offer = re.fullmatch(r"regions\[(\d+)\]\.offers\.(.+)\.available", path)
        gpu_count = re.fullmatch(r"gpus\[(\d+)\]\.available", path)
        if path == "scale.batch_multiple":
            scale = None if value is None else {**scale, "batch_multiple": value}
        elif offer:
            regions[int(offer.group(1))]["offers"][offer.group(2)]["available"] = int(value)
        elif gpu_count:
            gpus[int(gpu_count.group(1))]["available"] = int(value)
        elif path == "targets.max_loss":
            targets = {} if value is None else {"max_loss": value}
        elif path.startswith("limits."):
            limits[path.removeprefix("limits.")] = value
        elif path == "data.max_epochs":
            data["max_epochs"] = value
        else:
            match = re.fullmatch(r"regions\[(\d+)\]\.(\w+)", path)
            assert match, path
            regions[int(match.group(1))][match.group(2)] = value
    return instance.updated(objective=objective, limits=limits, data=data, targets=targets, regions=regions,
                            gpus=gpus, scale=scale)


# -- printing: rounded up, so the printed figure is itself enough ------------------------------

def _ceil_sig(value: float, digits: int = 5) -> float:
    if value <= 0 or not math.isfinite(value):
        return value
    scale = 10 ** (digits - 1 - math.floor(math.log10(value)))
    return math.ceil(value * scale - 1e-9) / scale


def _floor_sig(value: float, digits: int = 5) -> float:
    if value <= 0 or not math.isfinite(value):
        return value
    scale = 10 ** (digits - 1 - math.floor(math.log10(value)))
    return math.floor(value * scale + 1e-9) / scale


def _now(lim: _Limit) -> str:
    """`limits.budget_usd now $20,000`: the limit's path and its current value, unrounded."""
    if lim.unit == "usd":
        shown = f"${lim.current:,.2f}".removesuffix(".00")
    elif lim.unit == "loss":
        shown = f"{lim.current:.6g}"
    else:
        shown = _bound_text(lim.current, lim.unit, up=None)
    return f"{lim.path} now {shown}"


def _bound_text(value: float, unit: str, up: bool | None = True) -> str:
    if unit == "usd":
        return f"${math.ceil(value - 1e-9) if up else math.floor(value):,}"
    if unit == "loss":
        scaled = (math.ceil(value * 1e4 - 1e-6) if up else math.floor(value * 1e4 + 1e-6)) / 1e4
        return f"{scaled:.4f}"
    rounded = value if up is None else _ceil_sig(value) if up else _floor_sig(value)
    if unit == "flop":
        return f"{rounded:.5g} FLOP"
    suffix = {"days": " days", "t": " t CO2e", "mw": " MW", "epochs": " epochs", "gpus": " GPUs", "multiple": " x B_opt"}.get(unit, "")
    return f"{rounded:,.6g}{suffix}"
