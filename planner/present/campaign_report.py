"""`plan campaign` output: JSON, CSV and tables a training lead reads (per run, per site and month,
procurement, cost by channel), all from the evaluator's figures (planner.formulas.campaign_evaluate).

Per-run cost is the run's fixed cost (data, labels, recipe) plus its share of the on-demand bill of
each site-month it used, pro rata to its GPU-hours there; owned GPUs and reserved blocks are
commitments of the whole campaign and appear under procurement and the cost by channel.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from planner.numbers import si as _si
from planner.optimize.campaign_solve import CampaignResult
from planner.present.tables import Col, fit_table
from planner.constants import Objective


def run_on_demand_usd(result: CampaignResult) -> dict[str, float]:
    """Each run's share of the on-demand bill (module docstring)."""
    shares = {p.run: 0.0 for p in result.plan.runs}
    for im in result.metrics.islands:
        if im.on_demand_gpu_hours <= 0 or im.used_gpu_hours <= 0:
            continue
        price = _on_demand_price(result, im.site, im.gpu)
        t = next(k for k, m in enumerate(_months(result)) if m == im.month)
        for p in result.plan.runs:
            if (p.site, p.gpu) == (im.site, im.gpu) and p.gpu_hours_by_month[t] > 0:
                shares[p.run] += price * im.on_demand_gpu_hours * p.gpu_hours_by_month[t] / im.used_gpu_hours
    return shares


def _months(result: CampaignResult) -> list[str]:
    seen: list[str] = []
    for im in result.metrics.islands:
        if im.month not in seen:
            seen.append(im.month)
    return seen


def _on_demand_price(result: CampaignResult, site: str, gpu: str) -> float:
    for (s, g), isl in zip(result.data.islands, result.data.inputs.islands):
        if (s, g) == (site, gpu):
            return isl.on_demand_usd_per_gpu_hour
    return 0.0


MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_month(label: str, years: bool) -> str:
    """`2027-03` as `Mar`, or `Mar 27` when the horizon spans several years."""
    name = MONTH_NAMES[int(label[5:7]) - 1]
    return f"{name} {label[2:4]}" if years else name


def months_text(gpus_by_month: tuple[int, ...], months: list[str]) -> str:
    """Run-length text of a run's GPUs: `Jan-Mar 1,024, Apr 512` (`Jan 27` with several years)."""
    years = len({m[:4] for m in months}) > 1
    parts, t = [], 0
    while t < len(gpus_by_month):
        n = gpus_by_month[t]
        end = t
        while end + 1 < len(gpus_by_month) and gpus_by_month[end + 1] == n:
            end += 1
        if n:
            first, last = short_month(months[t], years), short_month(months[end], years)
            parts.append(f"{first} {n:,}" if end == t else f"{first}-{last} {n:,}")
        t = end + 1
    return ", ".join(parts) or "-"


def campaign_dict(result: CampaignResult, baselines: dict | None = None) -> dict[str, Any]:
    """The JSON answer of `plan campaign`."""
    out: dict[str, Any] = {"status": result.status, "objective": result.objective,
                           "objective_value": result.objective_value, "model_objective": result.model_objective,
                           "solver": {"seconds": result.solver.seconds, "build_seconds": result.solver.build_seconds,
                                      "mip_gap": result.solver.mip_gap, "bound": result.solver.bound,
                                      "variables": result.solver.variables, "rows": result.solver.rows}}
    if result.plan is not None:
        m, shares = result.metrics, run_on_demand_usd(result)
        out["cost_usd"] = {"owned": m.cost_owned_usd, "reserved": m.cost_reserved_usd,
                           "on_demand": m.cost_on_demand_usd, "fixed_and_staff": m.cost_fixed_usd,
                           "total": m.cost_usd}
        out["co2_t"] = m.co2_t
        out["late_usd"] = m.late_usd
        out["runs"] = [{**_plain(p), **_plain(f), "cost_usd": f.fixed_usd + f.staff_usd + shares[p.run]}
                       for p, f in zip(result.plan.runs, m.runs)]
        out["reservations"] = [_plain(r) for r in result.plan.reservations]
        out["site_months"] = [{**_plain(im), "mw": m.site_mw.get((im.site, im.month), 0.0)} for im in m.islands]
        out["violations"] = m.violations
    if result.explanation:
        out["explanation"] = result.explanation
    if baselines:
        out["baselines"] = baselines
    return out


def _plain(obj: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(obj).items()}


def campaign_csv(result: CampaignResult) -> str:
    """One row per run and month it holds GPUs (empty with a status row when there is no plan)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["status", "run", "model_params", "tokens", "recipe", "gpu", "site", "month", "gpus",
                     "gpu_hours"])
    if result.plan is None:
        writer.writerow([result.status] + [""] * 9)
        return buffer.getvalue()
    months = _months(result)
    for p in result.plan.runs:
        for t, n in enumerate(p.gpus_by_month):
            if n:
                writer.writerow([result.status, p.run, f"{p.model_params:.6g}", f"{p.tokens:.6g}", p.recipe or "",
                                 p.gpu, p.site, months[t], n, f"{p.gpu_hours_by_month[t]:.6g}"])
    return buffer.getvalue()


def campaign_tables(result: CampaignResult, width: int) -> list:
    """Runs, site-months, procurement and cost tables fitted to `width` columns."""
    m, months, shares = result.metrics, _months(result), run_on_demand_usd(result)
    rows = []
    for p, f in zip(result.plan.runs, m.runs):
        variant = f"{_si(p.model_params)}" + (f" {_si(p.tokens)} tok" if p.tokens else "") + (
            f" {p.recipe}" if p.recipe else "")
        late = f" ({f.months_late} late)" if f.months_late else ""
        rows.append([p.run, variant, f"{p.site} {p.gpu}", months_text(p.gpus_by_month, months) + late,
                     f"{f.gpu_hours:,.0f}", f"{f.fixed_usd + f.staff_usd + shares[p.run]:,.0f}", f"{f.co2_t:,.1f}"])
    runs = fit_table([Col("run", keep=True), Col("variant"), Col("where", keep=True), Col("GPUs by month"),
                      Col("GPU-hours", numeric=True, short="GPU-h"), Col("cost USD", numeric=True, drop=2),
                      Col("CO2 t", numeric=True, drop=1)], rows, width, title="Runs",
                     caption="cost: fixed, staff and on-demand share (owned and reserved GPUs are below)")
    site_rows = []
    single = len({g for _, g in result.data.islands}) == 1
    for im in m.islands:
        if im.held_gpus or im.reserved_gpus:
            mw = m.site_mw.get((im.site, im.month), 0.0)
            limit = result.data.inputs.grid_mw[result.data.sites.index(im.site)][months.index(im.month)]
            capacity = im.owned_gpus + im.reserved_gpus + im.on_demand_available
            site_rows.append([im.site + ("" if single else f" {im.gpu}"), im.month, f"{im.held_gpus:,}", f"{capacity:,}",
                              f"{im.owned_gpus:,}", f"{im.reserved_gpus:,}", f"{im.on_demand_gpu_hours:,.0f}", f"{mw:.2f}",
                              "-" if limit is None else f"{limit:g}"])
    sites = fit_table([Col("site", keep=True), Col("month", keep=True),
                       Col("GPUs held", numeric=True, short="held"), Col("capacity", numeric=True, short="cap."),
                       Col("owned", numeric=True, drop=1),
                       Col("reserved", numeric=True, short="resv"),
                       Col("on-demand GPU-h", numeric=True, short="OD GPU-h"), Col("MW", numeric=True),
                       Col("MW limit", numeric=True, short="max")],
                      site_rows, width, caption="capacity: owned + reserved + on-demand GPUs available",
                      title="Sites by month (months with GPUs held or reserved)"
                      + ("" if not single else f", {result.data.islands[0][1]}"))
    return [runs, sites] + _procurement_and_cost(result, width)


def _procurement_and_cost(result: CampaignResult, width: int) -> list:
    m = result.metrics
    by_island = dict(zip(result.data.islands, result.data.inputs.islands))
    rows = []
    for r in result.plan.reservations:
        isl = by_island[(r.site, r.gpu)]
        t0 = _months(result).index(r.month)
        rows.append([r.site, r.gpu, r.month, f"{r.blocks}", f"{r.blocks * isl.block_gpus:,}",
                     f"{isl.term_months}", f"{r.blocks * isl.block_usd[t0]:,.0f}"])
    procurement = fit_table([Col("site", keep=True), Col("GPU", keep=True), Col("from", keep=True),
                             Col("blocks", numeric=True), Col("GPUs", numeric=True), Col("months", numeric=True),
                             Col("cost USD", numeric=True)], rows, width,
                            title="Reserved blocks bought") if rows else "Reserved blocks bought: none"
    cost = fit_table([Col("owned", numeric=True), Col("reserved", numeric=True), Col("on demand", numeric=True),
                      Col("fixed + staff", numeric=True), Col("total USD", numeric=True), Col("CO2 t", numeric=True)],
                     [[f"{m.cost_owned_usd:,.0f}", f"{m.cost_reserved_usd:,.0f}", f"{m.cost_on_demand_usd:,.0f}",
                       f"{m.cost_fixed_usd:,.0f}", f"{m.cost_usd:,.0f}", f"{m.co2_t:,.1f}"]], width,
                     title="Cost by channel (USD) and CO2e")
    return [procurement, cost]


def status_line(result: CampaignResult) -> str:
    value = "" if result.objective_value is None else (
        f" = {result.objective_value:,.2f} t CO2e" if result.objective == Objective.CO2 else f" = ${result.objective_value:,.0f}")
    gap = "" if result.solver.mip_gap is None else f", gap {result.solver.mip_gap:.1e}"
    return (f"status: {result.status}; objective {result.objective}{value} "
            f"(HiGHS {result.solver.seconds:.2f} s{gap})")


def print_campaign(result: CampaignResult, console, baselines_rows: list[str] | None = None) -> None:
    """`plan campaign` default output (no console markup: names are user text)."""
    if result.plan is not None:
        for table in campaign_tables(result, console.width):
            console.print(table, markup=False)
    for line in baselines_rows or []:
        console.print(line, markup=False, highlight=False)
    console.print(status_line(result), markup=False, highlight=False)
    for line in result.explanation:
        console.print(f"  - {line}", markup=False, highlight=False)


def baseline_lines(compared: dict) -> list[str]:
    """The baselines beside the optimum, one line each (planner.analysis.campaign_baselines)."""
    out = ["baselines (against the optimum; owned GPUs' sunk cost left out):"]
    names = {"lp_bound": "LP relaxation bound", "sequential": "run by run, deadline order", "greedy": "greedy, EDF"}
    for name, row in compared.items():
        value = row.get("objective_value")
        note = f" ({row['note']})" if row.get("note") else ""
        if value is None:
            out.append(f"  {names.get(name, name)}: {row.get('status')}{note}")
        else:
            rel = f" ({row['relative']:+.1%})" if "relative" in row else ""
            out.append(f"  {names.get(name, name)}: {value:,.2f}{rel}{note}")
    return out


def campaign_render(result: CampaignResult, fmt: str, compared: Any, front: Any) -> str:
    """`plan campaign`'s output as text: the JSON document (with the frontier's points under
    --frontier), the CSV, or the tables with the baselines compared and the frontier's lines."""
    from planner.present.report import to_json
    from planner.present.tables import text_console

    if fmt == "json":
        data = campaign_dict(result, compared)
        if front is not None:
            from planner.present.campaign_sweeps import frontier_json

            data["frontier"] = frontier_json(front)
        return to_json(data) + "\n"
    if fmt == "csv":
        return campaign_csv(result)
    console, buffer = text_console()
    extra = baseline_lines(compared) if compared else []
    if front is not None:
        extra += frontier_lines(front)
    print_campaign(result, console, extra or None)
    return buffer.getvalue()


def frontier_lines(front: list[Any]) -> list[str]:
    """One line per point: cost, CO2 and where each run goes."""
    lines = ["cost / CO2 frontier (cheapest first; each point the cheapest plan within its CO2):"]
    for n, p in enumerate(front, 1):
        where = ", ".join(f"{r.run}@{r.site}" for r in p.result.plan.runs)
        lines.append(f"  {n}. {p.cost_usd:,.0f} USD, {p.co2_t:,.1f} t CO2e: {where}")
    return lines
