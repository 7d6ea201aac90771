"""Rules of a campaign file that span keys: names unique and known, months inside the horizon,
per-month lists of the horizon's length, precedence without cycles. Each failure is a ValueError
`path: problem` (the loader turns it into one InputError naming the field)."""

from __future__ import annotations

from typing import Any

from planner.input.months import month_index
from planner.input.schema import check_unique


def check_campaign(c: Any) -> None:
    """Every cross-key rule of campaign `c` (module docstring)."""
    check_unique([g.name for g in c.gpus], "gpus")
    for i, gpu in enumerate(c.gpus):
        if gpu.parallel_overhead > 0:
            raise ValueError(f"gpus[{i}].parallel_overhead: not modelled in campaigns (single-run plans only); "
                             "leave it out")
    check_unique([s.name for s in c.sites], "sites")
    check_unique([r.name for r in c.runs], "runs")
    _sites(c)
    _fleet(c)
    _runs(c)


def _length(value: Any, months: int, path: str) -> None:
    if isinstance(value, list) and len(value) != months:
        raise ValueError(f"{path}: a list needs one value per horizon month ({months}), got {len(value)}")


def _in_horizon(c: Any, month: str, path: str) -> int:
    index = month_index(c.start_month, month)
    if not 0 <= index < c.months:
        raise ValueError(f"{path}: {month} is outside the horizon ({c.start_month} and {c.months} months)")
    return index


def _sites(c: Any) -> None:
    for i, site in enumerate(c.sites):
        _length(site.carbon_g_per_kwh, c.months, f"sites[{i}].carbon_g_per_kwh")
        _length(site.grid_mw, c.months, f"sites[{i}].grid_mw")


def _fleet(c: Any) -> None:
    sites = [s.name for s in c.sites]
    gpus = [g.name for g in c.gpus]
    seen: set[tuple[str, str]] = set()
    for i, entry in enumerate(c.fleet):
        if entry.site not in sites:
            raise ValueError(f"fleet[{i}].site: '{entry.site}' is not in sites (listed: {', '.join(sites)})")
        if entry.gpu not in gpus:
            raise ValueError(f"fleet[{i}].gpu: '{entry.gpu}' is not in gpus (listed: {', '.join(gpus)})")
        if (entry.site, entry.gpu) in seen:
            raise ValueError(f"fleet[{i}]: a second entry for {entry.gpu} at {entry.site}; write one per site "
                             "and GPU type")
        seen.add((entry.site, entry.gpu))
        for k, delivery in enumerate(entry.owned):
            _in_horizon(c, delivery.month, f"fleet[{i}].owned[{k}].month")
        if entry.reserved is not None and entry.reserved.from_month is not None:
            _in_horizon(c, entry.reserved.from_month, f"fleet[{i}].reserved.from_month")
        if entry.on_demand is not None:
            _length(entry.on_demand.gpus, c.months, f"fleet[{i}].on_demand.gpus")
        if not entry.owned and entry.reserved is None and entry.on_demand is None:
            raise ValueError(f"fleet[{i}]: no channel (give owned, reserved or on_demand)")


def _runs(c: Any) -> None:
    names = [r.name for r in c.runs]
    for i, run in enumerate(c.runs):
        first = _in_horizon(c, run.earliest_start, f"runs[{i}].earliest_start") if run.earliest_start else 0
        last = _in_horizon(c, run.deadline, f"runs[{i}].deadline")
        if last < first:
            raise ValueError(f"runs[{i}].deadline: {run.deadline} is before earliest_start {run.earliest_start}")
        for k, before in enumerate(run.after):
            if before not in names:
                raise ValueError(f"runs[{i}].after[{k}]: '{before}' is not a run (listed: {', '.join(names)})")
            if before == run.name:
                raise ValueError(f"runs[{i}].after[{k}]: a run cannot follow itself")
    _no_cycle(c)


def _no_cycle(c: Any) -> None:
    follows = {r.name: list(r.after) for r in c.runs}
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for before in follows[name]:
            if state.get(before) == 1:
                i = [r.name for r in c.runs].index(name)
                cycle = " -> ".join(path[path.index(before):] + [name, before]) if before in path else before
                raise ValueError(f"runs[{i}].after: precedence cycle ({cycle})")
            if before not in state:
                visit(before, path + [name])
        state[name] = 2

    for run in c.runs:
        if run.name not in state:
            visit(run.name, [])
