"""The figure of `plan uncertainty --plot`: histograms of the plan's cost, CO2, days and loss over
the scenarios (P10/P50/P90 dashed, the instance's limit or target red), and with --reoptimize the
histogram of the optimal objective and the shares of the plans that win."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from planner.analysis.uncertainty import SUMMARISED
from planner.constants import PlanStatus
from planner.formulas.limits import LOSS_TARGET, OBJECTIVES, Limit
from planner.present.plots import axis_unit, plain_text, plain_ticks, pyplot, save_figure

if TYPE_CHECKING:
    from planner.analysis.uncertainty import Uncertainty

#: how plots.axis_unit scales each unit of the summarised figures (planner.analysis.uncertainty)
_KIND = {"USD": "usd", "t": "t", "days": "days", "nats/token": "loss"}
#: the title of the optimal objective's histogram (the objectives table's titles)
_OBJECTIVE = {row.name: f"optimal {row.title}" for row in OBJECTIVES.values()}


def plot_uncertainty(result: Uncertainty, path: str | Path) -> None:
    """The histograms of `plan uncertainty --plot`, built as plain text (a name may hold `$`)."""
    with plain_text():
        save_figure(uncertainty_figure(result), Path(path))


def uncertainty_figure(result: Uncertainty):
    """The figure of plot_uncertainty (the caller saves or closes it)."""
    plt = pyplot()
    fixed = result.fixed_summary()
    re = result.reoptimized_summary()
    rows = (2 if fixed is not None else 0) + (1 if re is not None else 0)
    fig, axes = plt.subplots(rows, 2, figsize=(11, 3.3 * rows), squeeze=False)
    r = 0
    valid = [s for s in result.valid if s.plan is not None]
    if fixed is not None:
        limits = _limits(result)
        for k, q in enumerate(SUMMARISED):
            _fixed_panel(axes[r + k // 2][k % 2], q, [s.figure(q.figure) for s in valid], fixed, limits.get(q.key))
        r += 2
    if re is not None:
        optimal = [s.optimal("objective_value") for s in result.valid if s.optimal("status") == PlanStatus.OPTIMAL]
        ax = axes[r][0]
        _hist(ax, optimal, re["percentiles"]["objective_value"])
        ax.set_title(_OBJECTIVE.get(result.objective, "optimal objective") + " per scenario", fontsize=10)
        if optimal:
            ax.legend(fontsize=7, loc="upper right")
        ax = axes[r][1]
        plans = re["decisions"]["plan"][:8]
        labels = [p["value"] for p in plans][::-1]
        shares = [p["share"] for p in plans][::-1]
        ax.barh(range(len(plans)), shares, color="tab:blue")
        ax.set_yticks(range(len(plans)), labels, fontsize=7)
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of scenarios with an optimal plan")
        status = ", ".join(f"{k} {v:.0%}" for k, v in re["status"].items())
        ax.set_title(f"winning plans ({status})", fontsize=10)
        for y, value in enumerate(shares):
            ax.text(min(value + 0.01, 0.9), y, f"{value:.0%}", va="center", fontsize=7)
    fig.suptitle(f"{result.name}: {result.samples} scenarios, seed {result.seed}"
                 + (f" (plan: {result.plan_source})" if fixed is not None else ""), fontsize=11)
    fig.tight_layout()
    return fig


def _fixed_panel(ax, q: Limit, values: list, fixed: dict, limit: float | None) -> None:
    """One histogram of the fixed plan: in $M (or $k) for money, plain ticks (no 1e6 offset); the
    limit drawn when it lies near the values (a far one would squash them into one bar: its value
    goes in the title instead), and the legend lists only what is drawn."""
    kind = _KIND[q.unit]
    div, unit = axis_unit(kind, [v for v in values if v is not None])
    stats = {k: (v / div if v is not None else None) for k, v in fixed["percentiles"][q.figure].items()}
    shown = [v / div for v in values if v is not None]
    _hist(ax, shown, stats)
    title = f"{OBJECTIVES[q.quantity].label} ({unit if kind == 'usd' else q.unit})"
    word = "target" if q is LOSS_TARGET else "limit"
    if limit is not None and shown:
        low, high, x = min(shown), max(shown), limit / div
        near = abs(x - min(max(x, low), high)) <= max(high - low, 1e-9 * abs(high))
        if near:
            ax.axvline(x, color="tab:red", lw=1.5, label=word)
            left, right = ax.get_xlim()
            ax.set_xlim(min(left, x - 0.02 * (right - left)), max(right, x + 0.02 * (right - left)))
        meet = fixed["probabilities"].get(q.key)
        title += f": meets {word} in {meet:.0%}" if meet is not None else ""
        written = f"${x:,.4g}{unit[1:]}" if kind == "usd" else f"{x:,.4g} {unit}"
        title += "" if near else f" ({word} {written}, off the axis)"
    ax.set_title(title, fontsize=10)
    plain_ticks(ax.xaxis, False)
    if ax.get_legend_handles_labels()[1]:
        ax.legend(fontsize=7, loc="upper right")


def _hist(ax, values, stats) -> None:
    values = [v for v in values if v is not None]
    if not values:
        ax.text(0.5, 0.5, "no values", ha="center", va="center", transform=ax.transAxes)
        return
    low, high = min(values), max(values)
    if high - low > 1e-9 * max(abs(low), abs(high)):
        ax.hist(values, bins=30, color="tab:gray", alpha=0.8)
    else:  # every scenario the same: one narrow bar, not a bar one unit wide
        width = max(abs(low) * 1e-3, 1e-12)
        ax.hist(values, bins=1, range=(low - width, high + width), color="tab:gray", alpha=0.8)
        ax.set_xlim(low - 20 * width, high + 20 * width)
    for key, style in (("p10", ":"), ("p50", "--"), ("p90", ":")):
        if stats.get(key) is not None:
            ax.axvline(stats[key], color="black", ls=style, lw=1, label=f"{key.upper()} {stats[key]:.4g}")
    ax.set_ylabel("scenarios")


def _limits(result: Uncertainty) -> dict[str, float]:
    """The limit (or loss target) drawn on each histogram, by the limit's key: the instance's own,
    when every valid scenario has the same one (an uncertain limit is not drawn)."""
    out: dict[str, float] = {}
    valid = [s for s in result.valid if s.plan is not None]
    targets = {s.target_loss for s in valid}
    if len(targets) == 1 and None not in targets:
        out[LOSS_TARGET.key] = targets.pop()
    drawn = set(result.labels)
    for q in SUMMARISED:
        value = result.base_limits.get(q.key)
        if value is not None and q.path not in drawn:
            out[q.key] = value
    return out
