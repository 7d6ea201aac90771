"""The page's controls as plain values, and the `--set` changes they make to the instance.

A lever left at the file's value makes no change, so an untouched page solves the file itself and
its YAML download is the file's own mapping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from planner.formulas.limits import LIMITS, OBJECTIVES as OBJECTIVE_ROWS
from planner.input.schema import Instance
from planner.page.source import Source, entry_name

OBJECTIVES = list(OBJECTIVE_ROWS)
#: The limits with a slider: those with a frontier quantity (budget, carbon budget, deadline).
SLIDER_LIMITS = tuple(limit for limit in LIMITS if limit.quantity is not None)
#: A slider's reference value when neither the file nor its first plan gives one, by the limit's unit.
DEFAULT_REFERENCE = {"USD": 1e7, "days": 60.0, "t": 1000.0}


@dataclass(frozen=True)
class Levers:
    """What the controls say. `limits`: each SLIDER_LIMITS key -> its value, None when off;
    `grid_mw` caps every region's grid connection (the smaller of it and the region's own);
    `target` is ("max_loss", loss) or ("match", params, tokens) or None (no target: objective loss only)."""

    objective: str
    limits: dict[str, float | None]
    carbon_price_usd_per_t: float
    grid_mw: float | None
    target: tuple | None
    regions: tuple[str, ...]
    gpus: tuple[str, ...]

    def with_(self, **values: Any) -> "Levers":
        """A copy with `values` set (a limit by its key: `budget_usd=2e6`)."""
        limits = {key: values.pop(key) for key in list(values) if key in self.limits}
        return replace(self, **values, **({"limits": {**self.limits, **limits}} if limits else {}))

    def value(self, name: str) -> Any:
        """A lever's value by name (a limit's key, or a field: `grid_mw`)."""
        return self.limits[name] if name in self.limits else getattr(self, name)


def levers_of(instance: Instance) -> Levers:
    """The levers as the file sets them."""
    t = instance.targets
    if t.max_loss is not None:
        target: tuple | None = ("max_loss", t.max_loss)
    elif t.match is not None:
        target = ("match", t.match.params, t.match.tokens)
    else:
        target = None
    return Levers(instance.objective, {limit.key: getattr(instance.limits, limit.key) for limit in SLIDER_LIMITS},
                  instance.carbon_price_usd_per_t, None, target,
                  tuple(r.name for r in instance.regions), tuple(g.name for g in instance.gpus))


def changes(source: Source, levers: Levers) -> list[tuple[str, Any]]:
    """The (--set path, value) pairs that turn the file into what `levers` say (none for a lever
    at the file's value)."""
    base = levers_of(source.instance)
    out: list[tuple[str, Any]] = []
    if levers.objective != base.objective:
        out.append(("objective", levers.objective))
    for limit in SLIDER_LIMITS:
        if levers.limits[limit.key] != base.limits[limit.key]:
            out.append((limit.path, levers.limits[limit.key]))
    if levers.carbon_price_usd_per_t != base.carbon_price_usd_per_t:
        out.append(("carbon_price_usd_per_t", levers.carbon_price_usd_per_t))
    if levers.target != base.target and levers.target is not None:
        if levers.target[0] == "max_loss":
            out.append(("targets.max_loss", levers.target[1]))
        else:
            out.append(("targets.match", {"params": levers.target[1], "tokens": levers.target[2]}))
    out += _choices(source, "regions", base.regions, levers.regions)
    out += _choices(source, "gpus", base.gpus, levers.gpus)
    if levers.grid_mw is not None:
        for region in source.instance.regions:
            if region.name in levers.regions:
                own = region.grid_capacity_mw
                cap = levers.grid_mw if own is None else min(own, levers.grid_mw)
                if cap != own:
                    out.append((f"regions[{region.name}].grid_capacity_mw", cap))
    return out


def _choices(source: Source, key: str, every: tuple[str, ...], kept: tuple[str, ...]) -> list[tuple[str, Any]]:
    """`regions` (or `gpus`) narrowed to the entries kept, each entry as the file writes it."""
    if tuple(kept) == tuple(every):
        return []
    written = source.data.get(key)
    if isinstance(written, list):
        entries = [e for e in written if entry_name(e) in kept]
    else:  # `regions: all`: the catalog names
        entries = [name for name in every if name in kept]
    return [(key, entries)]


@dataclass(frozen=True)
class Scale:
    """A slider's range and step, in the lever's own unit."""

    low: float
    high: float
    step: float


def nice_step(span: float, steps: int = 200) -> float:
    """A round step (1, 2 or 5 x 10^k) that cuts `span` into about `steps` pieces."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / steps
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def scale_around(*refs: float | None) -> Scale:
    """A slider from a quarter of the smallest of `refs` (the file's limit, the plan's own figure)
    to 2.5 times the largest, ends on the step's multiples."""
    known = [r for r in refs if r is not None and r > 0 and math.isfinite(r)] or [1.0]
    low_ref, high_ref = min(known) / 4, max(known) * 2.5
    step = nice_step(high_ref - low_ref)
    digits = max(0, 1 - math.floor(math.log10(step)))
    low = round(max(step, math.floor(low_ref / step) * step), digits)
    high = round(math.ceil(high_ref / step) * step, digits)
    return Scale(low, high, step)


def snap(value: float, scale: Scale) -> float:
    """`value` on the slider's grid (the step's multiples within the range)."""
    k = round((value - scale.low) / scale.step)
    digits = max(0, 1 - math.floor(math.log10(scale.step)))
    return min(scale.high, max(scale.low, round(scale.low + k * scale.step, digits)))


@dataclass
class Scales:
    """Every slider's range for one source (from its limits, else from its first plan)."""

    limits: dict[str, Scale]       # by the limit's key (SLIDER_LIMITS)
    grid_mw: Scale
    carbon_price_usd_per_t: Scale = field(default_factory=lambda: Scale(0.0, 1000.0, 5.0))
    max_loss: Scale | None = None

    def of(self, name: str) -> Scale:
        """A slider's range by the lever's name (a limit's key, or `grid_mw`)."""
        return self.limits[name] if name in self.limits else getattr(self, name)


def scales_for(levers: Levers, figures: dict[str, float] | None) -> Scales:
    """Ranges around each limit the file sets, else around the first plan's figure (`figures`, by
    the plan record's names: each limit's figure, peak_power_mw, loss), else a default."""
    figures = figures or {}

    def around(limit: float | None, figure: str, default: float) -> Scale:
        if limit is None and figures.get(figure) is None:
            return scale_around(default)
        return scale_around(limit, figures.get(figure))

    loss = levers.target[1] if levers.target and levers.target[0] == "max_loss" else figures.get("loss")
    limits = {limit.key: around(levers.limits[limit.key], limit.figure, DEFAULT_REFERENCE[limit.unit])
              for limit in SLIDER_LIMITS}
    return Scales(limits, around(None, "peak_power_mw", 10.0),
                  max_loss=Scale(round(loss * 0.9, 3), round(loss * 1.1, 3), 0.001) if loss else None)


__all__ = ["Levers", "levers_of", "changes", "Scale", "Scales", "scales_for", "scale_around", "nice_step", "snap",
           "OBJECTIVES", "SLIDER_LIMITS"]
