"""Why an instance has no plan: for each limit, the value it would need with the others unchanged.

Each figure is computed by optimisation, not guessed: drop one limit and minimise the quantity it
limits under all the others (budget -> least cost, deadline -> least time, carbon budget -> least
CO2, loss target -> lowest reachable loss). If that relaxed problem has a plan, the limit must
move to the optimum found; if it has none, that limit alone is not the cause.
"""

from __future__ import annotations

from collections.abc import Callable

from planner.errors import InputError
from planner.schema import Instance, Targets

# limit key -> (objective that minimises the limited quantity, how to print it)
_LIMITS = {
    "budget_usd": ("cost", "budget must be at least ${:,.0f} (now ${:,.0f})"),
    "deadline_days": ("time", "deadline must be at least {:.2f} days (now {:.2f})"),
    "max_co2_t": ("co2", "carbon budget must be at least {:,.1f} t CO2e (now {:,.1f})"),
}


def explain_infeasible(instance: Instance, solve: Callable | None = None) -> list[str]:
    """Sentences a planner can act on (one per limit that, moved alone, admits a plan).
    `solve(instance) -> PlanResult` runs the relaxed problems (default: a fresh solve_instance;
    a sweep passes its own, which re-solves models it has already built)."""
    lines: list[str] = []
    for key, (objective, text) in _LIMITS.items():
        current = getattr(instance.limits, key)
        if current is None:
            continue
        relaxed = instance.model_copy(update={
            "objective": objective,
            "limits": instance.limits.model_copy(update={key: None}),
        })
        result = _try(relaxed, solve)
        if result is not None:
            lines.append(text.format(result, current))
    target = instance.targets.max_loss
    if target is not None or instance.targets.match is not None:
        relaxed = instance.model_copy(update={"objective": "loss", "targets": Targets()})
        best = _try(relaxed, solve)
        if best is not None:
            from planner.evaluate import target_loss

            lines.append(f"loss target must be at least {best:.4f} (now {target_loss(instance):.4f}): "
                         "the lowest loss the other limits allow")
    if not lines:
        lines.append("no single limit, moved alone, admits a plan; see the candidates ruled out")
    return lines


def _try(relaxed: Instance, solve: Callable | None = None) -> float | None:
    from planner.pipeline import solve_instance

    try:
        result = solve(relaxed) if solve is not None else solve_instance(relaxed, explain=False)
    except InputError:
        return None  # e.g. `loss` with nothing limiting tokens: the target is not what binds
    return result.objective_value if result.status == "optimal" else None
