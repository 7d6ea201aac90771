"""`plan campaign --plot FILE`: one figure, three panels, from the evaluator's figures.

1. Gantt: each run a row, a bar over the months it holds GPUs, coloured by site, the GPUs it holds
   written on each month (whole numbers).
2. MW by site and month: the MW the campaign draws at each site (solid) against that site's grid
   limit (dashed, same colour); sites without a limit have no dashed line.
3. GPUs by channel per month, all sites together: held GPUs split into owned, reserved and on
   demand (owned first, then reserved, then on demand, as the evaluator prices them), with the
   GPUs owned or reserved but idle drawn hatched above.
"""

from __future__ import annotations

from pathlib import Path

from planner.optimize.campaign_solve import CampaignResult
from planner.input.campaign_schema import Campaign
from planner.present.plots import plain_text, pyplot, save_figure
from planner.constants import Objective


def _gpus_text(n: int) -> str:
    return f"{n:,}"


def plot_campaign(campaign: Campaign, result: CampaignResult, path: str | Path,
                  size: tuple[float, float] | None = None) -> None:
    """Write the three panels of the module docstring to `path` (.png, .pdf or .svg); `size`
    (width, height in inches) overrides the default, which grows with the number of runs."""
    plt = pyplot()
    with plain_text():
        labels = campaign.labels()
        fig, axes = plt.subplots(3, 1, figsize=size or (11, 3.0 + 0.45 * len(campaign.runs) + 6.0), sharex=True,
                                 gridspec_kw={"height_ratios": [1.0 + 0.3 * len(campaign.runs), 2.2, 2.2]})
        colours = {s.name: plt.get_cmap("tab10")(k % 10) for k, s in enumerate(campaign.sites)}
        _gantt(axes[0], campaign, result, colours)
        _power(axes[1], campaign, result, colours)
        _channels(axes[2], campaign, result)
        step = max(1, len(labels) // 12)
        axes[2].set_xticks(range(0, len(labels), step))
        axes[2].set_xticklabels([labels[t] for t in range(0, len(labels), step)], rotation=45, ha="right")
        axes[2].set_xlabel("month (YYYY-MM)")
        axes[0].set_title(f"{campaign.name or 'campaign'}: {result.objective} "
                          f"{result.objective_value:,.0f}" + (" t CO2e" if result.objective == Objective.CO2 else " USD"),
                          loc="left")
        fig.tight_layout()
        save_figure(fig, Path(path))


def _gantt(ax, campaign: Campaign, result: CampaignResult, colours: dict) -> None:
    runs = result.plan.runs
    for row, plan in enumerate(runs):
        y = len(runs) - 1 - row
        for t, n in enumerate(plan.gpus_by_month):
            if n:
                ax.barh(y, 1.0, left=t - 0.5, color=colours[plan.site], edgecolor="white", height=0.7)
                ax.text(t, y, _gpus_text(n), ha="center", va="center", fontsize=7, color="white")
        deadline = campaign.horizon_index(campaign.runs[row].deadline)
        ax.plot([deadline + 0.5] * 2, [y - 0.4, y + 0.4], color="black", linewidth=2)
    ax.set_yticks(range(len(runs)))
    ax.set_yticklabels([f"{p.run} ({p.gpu})" for p in reversed(runs)])
    handles = [pyplot().Rectangle((0, 0), 1, 1, color=c) for c in colours.values()]
    ax.legend(handles + [pyplot().Line2D([0], [0], color="black", linewidth=2)],
              list(colours) + ["deadline (end of month)"], loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    ax.set_ylabel("run (GPUs held)")


def _power(ax, campaign: Campaign, result: CampaignResult, colours: dict) -> None:
    labels = campaign.labels()
    for site in campaign.sites:
        drawn = [result.metrics.site_mw.get((site.name, m), 0.0) for m in labels]
        ax.plot(range(len(labels)), drawn, color=colours[site.name], marker="o", markersize=3, label=f"{site.name} drawn")
        limit = campaign.grid_by_month(site)
        if any(v is not None for v in limit):
            ax.step(range(len(labels)), [v if v is not None else float("nan") for v in limit], where="mid",
                    color=colours[site.name], linestyle="--", label=f"{site.name} limit")
    ax.set_ylabel("facility MW")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)


def _channels(ax, campaign: Campaign, result: CampaignResult) -> None:
    months = len(campaign.labels())
    owned = [0.0] * months
    reserved = [0.0] * months
    rented = [0.0] * months
    idle = [0.0] * months
    for im in result.metrics.islands:
        t = campaign.labels().index(im.month)
        from_owned = min(im.held_gpus, im.owned_gpus)
        from_reserved = min(im.held_gpus - from_owned, im.reserved_gpus)
        owned[t] += from_owned
        reserved[t] += from_reserved
        rented[t] += im.held_gpus - from_owned - from_reserved
        idle[t] += im.owned_gpus + im.reserved_gpus - from_owned - from_reserved
    x = range(months)
    ax.bar(x, owned, color="#4c72b0", label="owned, held")
    ax.bar(x, reserved, bottom=owned, color="#55a868", label="reserved, held")
    base = [a + b for a, b in zip(owned, reserved)]
    ax.bar(x, rented, bottom=base, color="#c44e52", label="on demand")
    top = [a + b for a, b in zip(base, rented)]
    ax.bar(x, idle, bottom=top, color="none", edgecolor="#999999", hatch="//", label="owned or reserved, idle")
    ax.set_ylabel("GPUs (all sites)")
    ax.yaxis.set_major_formatter(pyplot().FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)


def plot_campaign_whatif(sweep, path: str | Path) -> None:
    """`plan whatif CAMPAIGN --plot`: cost (top) and CO2 (bottom) of every point against the first
    varied input, one line per combination of the other varied inputs; points without a plan are
    left out (the title counts them)."""
    from planner.numbers import value as written

    plt = pyplot()
    first, others = sweep.varies[0], sweep.varies[1:]
    numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in first.values)
    position = {x: (x if numeric else k) for k, x in enumerate(first.values)}
    with plain_text():
        fig, axes = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
        groups: dict[tuple, list] = {}
        for p in sweep.points:
            groups.setdefault(tuple(p.values[1:]), []).append(p)
        for rest, points in groups.items():
            label = ", ".join(f"{v.path}={written(x)}" for v, x in zip(others, rest)) or None
            planned = [p for p in points if p.result.metrics is not None]
            xs = [position[p.values[0]] for p in planned]
            for ax, figure in ((axes[0], "cost_usd"), (axes[1], "co2_t")):
                ax.plot(xs, [getattr(p.result.metrics, figure) for p in planned], marker="o", label=label)
        axes[0].set_ylabel("cost, USD")
        axes[1].set_ylabel("CO2e, t")
        axes[1].set_xlabel(first.path)
        for ax in axes:
            ax.grid(True, alpha=0.3)
            ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: f"{y:,.0f}"))
        if first.log and numeric:
            axes[1].set_xscale("log")
        if not numeric:
            axes[1].set_xticks(range(len(first.values)))
            axes[1].set_xticklabels([written(x) for x in first.values], rotation=30, ha="right")
        if others:
            axes[0].legend(fontsize=8, loc="best")
        missing = sum(p.result.metrics is None for p in sweep.points)
        note = f" ({missing} of {len(sweep.points)} points without a plan)" if missing else ""
        axes[0].set_title(f"{sweep.name}: what-if{note}", loc="left")
        fig.tight_layout()
        save_figure(fig, Path(path))


def plot_campaign_frontier(front, name: str, path: str | Path) -> None:
    """`plan frontier CAMPAIGN --plot`: cost against CO2 of each frontier point (cheapest first,
    numbered as in the table), joined as the step function it is: between two points the cheaper
    plan is the best until the cleaner one's CO2 is reached."""
    plt = pyplot()
    with plain_text():
        fig, ax = plt.subplots(figsize=(8, 5.5))
        co2 = [p.co2_t for p in front]
        cost = [p.cost_usd for p in front]
        ax.step(co2, cost, where="pre", color="grey", linewidth=1)
        ax.plot(co2, cost, "o", color="tab:blue")
        for n, (x, y) in enumerate(zip(co2, cost), 1):
            ax.annotate(str(n), (x, y), textcoords="offset points", xytext=(6, 4), fontsize=9)
        ax.set_xlabel("CO2e, t")
        ax.set_ylabel("cost, USD")
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.grid(True, alpha=0.3)
        ax.set_title(f"{name}: cost / CO2 frontier ({len(front)} points, each the cheapest plan within its CO2)",
                     loc="left", fontsize=10)
        fig.tight_layout()
        save_figure(fig, Path(path))
