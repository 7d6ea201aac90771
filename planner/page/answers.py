"""Results as the page shows them and the page's downloads. The plan is the CLI's own table
(planner.present.report.print_result, rendered to text); the CO2 equivalents come from
planner.formulas.co2_equivalents; the frontier plot is `plan frontier --plot`'s figure.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from planner.optimize.pipeline import PlanResult
from planner.formulas.limits import BY_QUANTITY, OBJECTIVES

#: columns of the plan text (the CLI's table at this terminal width)
PLAN_WIDTH = 100


def plan_text(result: PlanResult, width: int = PLAN_WIDTH) -> str:
    """What `plan solve FILE` prints at `width` columns (tables, binding limits, status; an
    infeasible answer with which limits conflict and by how much)."""
    from rich.console import Console

    from planner.present.report import print_result

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None, markup=False,
                      highlight=False, emoji=False)
    print_result(result, console)
    return buffer.getvalue().rstrip("\n")


def headline(result: PlanResult) -> str:
    """One line: `140B params on 4.5T tokens, 4,096 x H100 in sweden, DPO: $10,619,982, 139.9 t CO2e,
    34.0 days` (or the status when there is no plan)."""
    from planner.numbers import quantity as show_quantity

    m = result.metrics
    if m is None:
        return f"no plan ({result.status})"
    recipe = f", {m.alignment}" if m.alignment else ""
    return (f"{show_quantity(m.model_params, 'params')} on {show_quantity(m.tokens, 'tokens')}, "
            f"{m.gpu_count:,} x {m.gpu} in {m.region}{recipe}: ${m.cost_usd.total:,.0f}, "
            f"{m.co2_t.total:,.1f} t CO2e, {m.duration_days:,.1f} days")


def equivalent_lines(co2_t: float) -> list[tuple[str, str]]:
    """(what, source) for each CO2e equivalent: `209 transatlantic round-trip flights (one
    passenger, economy)`, with the factor and its public source."""
    from planner.formulas.co2_equivalents import equivalents

    out = []
    for e in equivalents(co2_t):
        count = f"{e.count:,.0f}" if e.count >= 10 else f"{e.count:,.1f}"
        out.append((f"{count} {e.thing}", f"{e.factor_t:,.2f} t each: {e.source}"))
    return out


@dataclass(frozen=True)
class Point:
    """One frontier point as the chart shows it (x: the limited quantity, y: cost, both in the
    axes' units) with its plan."""

    x: float
    y: float
    label: str          # `140B H100x4096 sweden DPO`
    text: str           # `$10.620M, 139.9 t`
    result: PlanResult


@dataclass(frozen=True)
class Chart:
    """A frontier ready to draw: points, axis titles with units, the current plan's position."""

    points: list[Point]
    x_title: str
    y_title: str
    current: tuple[float, float] | None
    explanation: list[str]
    x_div: float = 1.0
    y_div: float = 1.0
    x_key: str = "co2_t.total"  # the plan figure across, its record name (co2_t.total or duration_days)
    band: list[list[float]] | None = None  # whiskers: [[x10, y50], [x90, y50]], [[x50, y10], [x50, y90]]


def frontier_chart(front: Any, current: PlanResult | None, band: Any = None) -> Chart:
    """Frontier -> Chart: cost in $M (or $k, $) up, CO2 in t or duration in days across; points
    by the limited quantity ascending (a staircase: the least cost is constant from one point's
    x to the next's)."""
    from planner.analysis.frontier import decision_label, value_of
    from planner.present.plots import axis_unit, quantity_kind

    x_kind, y_kind = quantity_kind(front.limit), quantity_kind(front.minimize)
    x_div, x_unit = axis_unit(x_kind, [p.g for p in front.points])
    y_div, y_unit = axis_unit(y_kind, [p.f for p in front.points])
    x_title = f"{OBJECTIVES[front.limit].label} ({x_unit})"
    y_title = f"{OBJECTIVES[front.minimize].label} ({y_unit.replace('$', 'USD, ').rstrip(', ') or 'USD'})"
    y_title = {"$M": "cost (million USD)", "$k": "cost (thousand USD)", "$": "cost (USD)"}.get(y_unit, y_title)
    points = [Point(p.g / x_div, p.f / y_div, decision_label(p.result),
                    f"{_money(p.f)}, {_figure(p.g, x_kind)}", p.result) for p in sorted(front.points, key=lambda p: p.g)]
    at = None
    if current is not None and current.metrics is not None:
        at = (value_of(current, front.limit) / x_div, value_of(current, front.minimize) / y_div)
    x_key = BY_QUANTITY.get(front.limit, BY_QUANTITY["co2"]).figure  # its name in the record and the band
    return Chart(points, x_title, y_title, at, list(front.explanation), x_div, y_div, x_key,
                 band_whiskers(band, x_key, x_div, y_div))


def band_whiskers(band: Any, x_key: str, x_div: float, y_div: float) -> list[list[list[float]]] | None:
    """P10-P90 of the plan's cost (up) and of the quantity across, crossing at their P50s, in the
    chart's units (the uncertainty band on the frontier); None without a band."""
    summary = band.fixed_summary() if band is not None else None
    if summary is None:
        return None
    cost = summary["percentiles"].get(BY_QUANTITY["cost"].figure) or {}
    across = summary["percentiles"].get(x_key) or {}
    if any(v.get(q) is None for v in (cost, across) for q in ("p10", "p50", "p90")):
        return None
    return [[[across["p10"] / x_div, cost["p50"] / y_div], [across["p90"] / x_div, cost["p50"] / y_div]],
            [[across["p50"] / x_div, cost["p10"] / y_div], [across["p50"] / x_div, cost["p90"] / y_div]]]


def _percent(gap: float) -> str:
    """+5.94%, +22.7%, +1,138% (as `plan rank` writes a gap: never an exponent)."""
    percent = 100 * gap
    return f"+{percent:,.0f}%" if percent >= 100 else f"+{percent:.3g}%"


def _money(value: float) -> str:
    return f"${value / 1e6:,.3f}M" if abs(value) >= 1e6 else f"${value:,.0f}"


def _figure(value: float, kind: str) -> str:
    return {"t": f"{value:,.1f} t CO2e", "days": f"{value:,.1f} days"}.get(kind, f"{value:,.4g}")


def rank_table(ranking: Any) -> list[dict[str, str]]:
    """`plan rank`'s rows as text cells: #, value, gap, cost, CO2e, days, plan or why none (what
    would have to move, as `plan rank` writes it)."""
    from planner.analysis.frontier import decision_label
    from planner.present.whatif_table import short_reason

    rows = []
    for row in ranking.rows:
        cells = {"rank": "-" if row.rank is None else str(row.rank), "value": row.label}
        if row.has_plan:
            m = row.result.metrics
            gap = "winner" if row.rank == 1 else _percent(row.gap)
            cells.update(gap=gap, cost=f"${m.cost_usd.total:,.0f}", co2=f"{m.co2_t.total:,.1f}",
                         days=f"{m.duration_days:,.1f}", plan=decision_label(row.result))
        else:
            cells.update(gap="-", cost="-", co2="-", days="-", plan=f"({row.status}) {short_reason(row.reason)}")
        rows.append(cells)
    return rows


def band_rows(result: Any) -> list[dict[str, str]]:
    """P10 / P50 / P90 of the plan's figures over the sampled inputs (`plan uncertainty`)."""
    summary = result.fixed_summary()
    if summary is None:
        return []
    from planner.analysis.uncertainty import SUMMARISED

    rows = []
    for q in SUMMARISED:
        label, unit = OBJECTIVES[q.quantity].label, q.unit
        p = summary["percentiles"].get(q.figure) or {}
        cell = (lambda v: "-" if v is None else (f"{v:,.0f}" if unit == "USD" else f"{v:,.4f}" if unit == "nats/token"
                                                 else f"{v:,.1f}"))
        rows.append({"figure": f"{label} ({unit})", "p10": cell(p.get("p10")), "p50": cell(p.get("p50")),
                     "p90": cell(p.get("p90"))})
    return rows


def band_probabilities(result: Any) -> str:
    """`P(meets every limit) = 81%; budget_usd 90%, ...`."""
    summary = result.fixed_summary()
    if summary is None:
        return ""
    parts = [f"{name} {100 * share:.0f}%" for name, share in summary["probabilities"].items()
             if share is not None and name != "all"]
    every = summary["probabilities"].get("all")
    head = "probability of meeting every limit and the target: " + ("-" if every is None else f"{100 * every:.0f}%")
    return head + (f" ({', '.join(parts)})" if parts else "")


# -- downloads ----------------------------------------------------------------------------------


def yaml_text(data: dict[str, Any]) -> str:
    """The edited instance as YAML (`plan solve` reads it back to the same plan)."""
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def json_text(result: PlanResult) -> str:
    """`plan solve --format json`."""
    from planner.present.report import result_dict, to_json

    return to_json(result_dict(result)) + "\n"


def csv_text(result: PlanResult) -> str:
    """`plan solve --format csv`."""
    from planner.present.report import result_csv

    return result_csv(result)


def frontier_png(front: Any, current: PlanResult | None) -> bytes:
    """`plan frontier --plot`'s figure with the current plan marked (a star), as PNG bytes."""
    from planner.present.plots import frontiers_figure, plain_text, pyplot

    chart = frontier_chart(front, current)
    with plain_text():
        fig = frontiers_figure([front])
        try:
            if chart.current is not None:
                fig.axes[0].plot(*chart.current, marker="*", markersize=16, color="crimson", linestyle="none",
                                 label="current plan", zorder=5)
                fig.axes[0].legend(loc="upper right", fontsize=9)
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
        finally:
            pyplot().close(fig)
    return buffer.getvalue()


def uncertainty_png(result: Any) -> bytes:
    """`plan uncertainty --plot`'s histograms, as PNG bytes (drawn to a temporary file)."""
    import tempfile
    from pathlib import Path

    from planner.present.uncertainty_plot import plot_uncertainty

    with tempfile.TemporaryDirectory(prefix="plan-page-") as folder:
        path = Path(folder) / "uncertainty.png"
        plot_uncertainty(result, path)
        return path.read_bytes()


__all__ = ["plan_text", "headline", "equivalent_lines", "Point", "Chart", "frontier_chart", "rank_table", "band_rows",
           "band_probabilities", "yaml_text", "json_text", "csv_text", "frontier_png", "uncertainty_png", "PLAN_WIDTH"]
