"""The campaign sweeps as table, JSON or CSV: `plan whatif CAMPAIGN.yaml`, `plan frontier
CAMPAIGN.yaml` and `plan campaign --vary / --frontier` (planner.cli.campaign_sweeps runs them)."""

from __future__ import annotations

import io
from typing import Any

from planner.present.tables import text_console


def whatif_render(sweep, fmt: str, width: int | None) -> str:
    """`plan whatif CAMPAIGN.yaml`: the table, JSON or CSV of a campaign sweep."""
    from planner.analysis.campaign_whatif import point_record, sweep_rows

    records = [point_record(sweep.varies, p) for p in sweep.points]
    if fmt == "json":
        from planner.present.report import to_json

        return to_json({"name": sweep.name, "vary": [{"path": v.path, "values": list(v.values)} for v in sweep.varies],
                        "rows": records, "solver": {"name": "highs", "seconds": sweep.seconds, **sweep.stats}}) + "\n"
    if fmt == "csv":
        import csv

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        paths = [v.path for v in sweep.varies]
        header = [*paths, *(c for c in ("status", "objective", "objective_value", "cost_usd", "co2_t", "blocks")
                            if c not in paths), "sites", "explanation"]
        writer.writerow(header)
        for row in records:
            sites = "; ".join(f"{run}@{site}" for run, site in row["sites"].items())
            writer.writerow([*(_csv(row[h]) for h in header[:-2]), sites, " | ".join(row["explanation"])])
        return buffer.getvalue()
    from planner.present.tables import Col, fit_table

    header, rows = sweep_rows(sweep.varies, sweep.points)
    console, buffer = text_console(width)
    names = [v.path for v in sweep.varies]
    columns = [Col(n, keep=True, short=n.replace(".", ".\n").replace("[", "\n[")) for n in names] + [
        Col("status", keep=True), Col("objective value", numeric=True, short="value", drop=3), Col("cost USD", numeric=True),
        Col("CO2 t", numeric=True), Col("blocks", numeric=True, drop=1), Col("runs at", drop=2)]
    console.print(fit_table(columns, rows, console.width, title=f"{sweep.name}: what-if"), markup=False)
    console.print(f"{len(sweep.points)} points in {sweep.seconds:.2f} s", markup=False)
    return buffer.getvalue()


def frontier_json(front) -> list[dict[str, Any]]:
    """The points of a campaign's cost / CO2 frontier (the JSON `points`)."""
    return [{"cost_usd": p.cost_usd, "co2_t": p.co2_t, "max_co2_t": p.max_co2_t,
             "sites": {r.run: r.site for r in p.result.plan.runs},
             "blocks": sum(x.blocks for x in p.result.plan.reservations)} for p in front]


def frontier_render(front, name: str, fmt: str, width: int | None, explanation: list[str] = ()) -> str:
    """`plan frontier CAMPAIGN.yaml`: the table, JSON or CSV of its frontier (why there is none)."""
    if fmt == "json":
        from planner.present.report import to_json

        doc: dict[str, Any] = {"name": name, "minimize": "cost", "limit": "co2", "points": frontier_json(front)}
        if not front:
            doc["explanation"] = list(explanation)
        return to_json(doc) + "\n"
    if fmt == "csv":
        import csv

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["point", "cost_usd", "co2_t", "max_co2_t", "blocks", "sites"])
        for n, p in enumerate(frontier_json(front), 1):
            writer.writerow([n, _csv(p["cost_usd"]), _csv(p["co2_t"]), _csv(p["max_co2_t"]), p["blocks"],
                             "; ".join(f"{run}@{site}" for run, site in p["sites"].items())])
        return buffer.getvalue()
    from planner.present.tables import Col, fit_table

    console, buffer = text_console(width)
    if not front:
        console.print(f"{name}: no plan meets the campaign's limits", markup=False)
        for line in explanation:
            console.print(f"  {line}", markup=False)
        return buffer.getvalue()
    rows = [[str(n), f"{p['cost_usd']:,.0f}", f"{p['co2_t']:,.1f}",
             "-" if p["max_co2_t"] is None else f"{p['max_co2_t']:,.1f}", str(p["blocks"]),
             ", ".join(f"{run}@{site}" for run, site in p["sites"].items())] for n, p in enumerate(frontier_json(front), 1)]
    columns = [Col("#", numeric=True, keep=True), Col("cost USD", numeric=True), Col("CO2 t", numeric=True),
               Col("CO2 budget t", numeric=True, drop=2), Col("blocks", numeric=True, drop=1), Col("runs at")]
    console.print(fit_table(columns, rows, console.width,
                            title=f"{name}: cost / CO2 frontier (each point the cheapest plan within its CO2)"),
                  markup=False)
    return buffer.getvalue()


def _csv(value: Any) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


__all__ = ["whatif_render", "frontier_json", "frontier_render"]
