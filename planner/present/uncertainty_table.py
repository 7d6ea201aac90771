"""The tables of `plan uncertainty`: the plan, its percentiles and probabilities, the re-optimised shares."""

from __future__ import annotations

from typing import Any

from planner.constants import Objective
from planner.formulas.limits import BY_KEY, OBJECTIVES
from planner.numbers import si


def print_uncertainty(result: Any) -> None:
    """The tables of `plan uncertainty`."""
    from rich.markup import escape
    from rich.table import Table

    from planner.present.tables import wide_console

    console = wide_console()
    runner = result.runner
    where = {"serial": "in this process", "pool": f"on {runner.get('workers')} worker processes",
             "dask": f"on Dask at {runner.get('scheduler')}"}[runner.get("kind", "serial")]
    console.print(escape(f"{result.name}: {result.samples} scenarios (seed {result.seed}) {where} "
                         f"in {result.seconds:.1f} s"))
    for u in result.uncertain:
        paths = f" ({len(u.labels)} paths)" if len(u.labels) > 1 else ""
        console.print(escape(f"  {u.path} ~ {u.dist.text}{paths}"))
    fixed = result.fixed_summary()
    if fixed is not None:
        p = result.plan
        recipe = f", {p.alignment}" if p.alignment else ""
        console.print(escape(f"plan ({result.plan_source}): {si_m(p.model_params)} params, {si_m(p.tokens)} tokens, "
                             f"{p.gpu_count:,} {p.gpu} in {p.region}{recipe}"))
        if result.plan_note:
            console.print(escape(f"  {result.plan_note}"))
        console.print(_percentile_table(f"the plan over {fixed['scenarios']} valid scenarios",
                                        fixed["percentiles"], ""))
        probs = Table(title="probability of meeting", title_justify="left")
        probs.add_column("limit")
        probs.add_column("probability", justify="right")
        for name, value in fixed["probabilities"].items():
            shown = {"max_loss": "loss target", "all": "everything (limits and target)"}.get(name)
            shown = shown or (BY_KEY[name].noun if name in BY_KEY else name)
            probs.add_row(escape(shown), "-" if value is None else f"{value:.1%}")
        console.print(probs)
    elif result.plan_note:
        console.print(escape(result.plan_note))
    _print_reoptimized(console, result.reoptimized_summary())


def _percentile_table(title: str, percentiles: dict, prefix: str):
    """P10 / P50 / P90 / mean of each summarised figure (cost, CO2, days, loss), one row each."""
    from rich.table import Table

    from planner.analysis.uncertainty import SUMMARISED

    table = Table(title=title, title_justify="left")
    for name in ("quantity", "P10", "P50", "P90", "mean"):
        table.add_column(name, justify="left" if name == "quantity" else "right")
    for q in SUMMARISED:
        s = percentiles[q.figure]
        table.add_row(f"{prefix}{OBJECTIVES[q.quantity].title}", *(_figure(s[k], q.unit) for k in ("p10", "p50", "p90", "mean")))
    return table


def _print_reoptimized(console: Any, re: dict | None) -> None:
    """The --reoptimize tables: optimum per scenario, and how often each decision wins."""
    from rich.markup import escape
    from rich.table import Table

    if re is None:
        return
    status = ", ".join(f"{k} {v:.1%}" for k, v in re["status"].items())
    console.print(escape(f"re-optimised per scenario: {status}"))
    console.print(_percentile_table("optimum per scenario", re["percentiles"], "optimal "))
    shares = Table(title="how often each decision wins (share of optimal scenarios)", title_justify="left")
    shares.add_column("decision")
    shares.add_column("value", overflow="fold")
    shares.add_column("share", justify="right")
    for key, label in (("model_params", "size"), ("gpu", "GPU"), ("region", "region"), ("alignment", "recipe"),
                       ("plan", "whole plan")):
        entries = re["decisions"][key]
        for k, entry in enumerate(entries[:8]):
            value = entry["value"]
            if key == "model_params":
                text = f"{si_m(value)} params"
            else:
                text = "none" if value is None else str(value)
            shares.add_row(label if k == 0 else "", escape(text), f"{entry['share']:.1%}")
        if len(entries) > 8:
            shares.add_row("", f"... {len(entries) - 8} more", "")
    console.print(shares)


def si_m(value: float) -> str:
    """`13B`, `1.07M`: no `k` (planner.numbers.si)."""
    return si(value, 4, floor=1e6)


def _figure(value: float | None, unit: str) -> str:
    """Dollars whole, loss to 5 significant digits (2.0647), the rest to 4 (planner.numbers)."""
    from planner.numbers import sig, whole

    if unit == "USD":
        return whole(value)
    return sig(value, 5 if unit == OBJECTIVES[Objective.LOSS].unit else 4)


__all__ = ["print_uncertainty"]
