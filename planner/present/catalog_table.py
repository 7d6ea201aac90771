"""The tables of `plan catalog`: one per kind, then the sources of its numbers (planner.cli.catalog
reads and filters the entries)."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from planner.input import catalog
from planner.numbers import sci, sig
from planner.present.tables import Col, fit_table


def print_kind(console: Console, kind: str, items: list[dict[str, Any]]) -> None:
    """One kind's table (gpus, regions, laws, recipes, grids), then its sources."""
    columns = _COLUMNS[kind]
    rows = [[str(getter(item)) for _, getter in columns] for item in items]
    console.print(fit_table([col for col, _ in columns], rows, console.width, title=_TITLES[kind]))
    if kind == "grids":
        console.print(f"carbon table: {catalog.table_provenance()} (header of planner/input/catalog/"
                      f"{catalog.CARBON_TABLE}: Our World in Data CC BY 4.0, provider figures, EPA eGRID)")
        return
    if kind == "regions":
        console.print(f"carbon_g_per_kwh read from planner/input/catalog/{catalog.CARBON_TABLE} by each region's grid "
                      f"key ({catalog.table_provenance()}); see `plan catalog grids`")
    console.print(f"Sources ({kind}):", style="bold")
    for item in items:
        if kind == "laws" and item.get("source"):
            _print_source(console, f"{item['name']}: {item['source']}")
        for field, text in item.get("sources", {}).items():
            _print_source(console, f"{item['name']}.{field}: {text}")
    console.print()


def _print_source(console: Console, line: str) -> None:
    """One `name.field: source` line. On a terminal (or with COLUMNS set) it wraps at words to the
    width, the continuation indented under its text; piped, it stays one line (grep finds it)."""
    import os
    import textwrap

    if console.is_terminal or os.environ.get("COLUMNS", "").strip().isdigit():
        line = textwrap.fill(line, width=max(console.width, 40), initial_indent="  ", subsequent_indent="      ",
                             break_long_words=False, break_on_hyphens=False)
    else:
        line = "  " + line
    console.print(line, soft_wrap=True, markup=False, highlight=False)


def _stage_names(item: dict[str, Any]) -> str:
    return " -> ".join(s["name"] for s in item.get("stages", []))


def _coefficients(item: dict[str, Any]):
    """The recipe's per-parameter coefficients (planner.formulas.post_training)."""
    from planner.formulas.post_training import recipe_coefficients
    from planner.input.schema import Recipe

    fields = {k: v for k, v in item.items() if k in Recipe.model_fields}
    fields["stages"] = [{k: v for k, v in s.items() if k != "sources"} for s in item.get("stages", [])]
    return recipe_coefficients(Recipe.model_validate(fields))


def _align_sum(item: dict[str, Any], work: bool) -> str:
    """FLOP per parameter (work: FLOP-equivalents, each part divided by its share of the rate it runs
    at, rollouts by rollout_mfu); a share of pretraining is written as such."""
    coef = _coefficients(item)
    value = coef.train_work + coef.decode_work if work else coef.flops
    share = coef.share_work if work else coef.share_flops
    text = sci(value) if value or not share else ""
    if share:
        text += ("+" if text else "") + f"{share:.0%}"   # the title says: % of pretraining
    return text


def _labels_usd(item: dict[str, Any]) -> float:
    coef = _coefficients(item)
    return coef.usd - item.get("fixed_usd", 0)


def _tokens_per_param(item: dict[str, Any]) -> str:
    """D/N at the compute optimum for C = 6 N D: (D/N) = C / (6 N*^2), evaluated at C = 1e24."""
    a, b, A, B = item["alpha"], item["beta"], item["A"], item["B"]
    g = (a * A / (b * B)) ** (1.0 / (a + b))
    n_opt = g * (1e24 / 6) ** (b / (a + b))
    return f"{1e24 / 6 / n_opt**2:,.0f}"


_TITLES = {
    "gpus": "GPUs (dense peaks; mfu = realistic large-run default; price = typical on-demand, an assumption)",
    "regions": "Regions (location-based grid carbon intensity; PUE)",
    "laws": "Scaling laws L = E + A/N^alpha + B/D^beta (nats/token)",
    "recipes": "Alignment recipes (compute and work per model parameter, +x%: a share of pretraining "
               "compute; labels in USD)",
    "grids": "Grid carbon intensity, gCO2e/kWh (bundled table)",
}

#: kind -> [(column, getter)]: numbers never wrap; at 80 columns headers shorten, then the columns
#: with `drop` are left out (the highest first) -- planner.present.tables
_COLUMNS: dict[str, list[tuple[Col, Any]]] = {
    "gpus": [
        (Col("name", keep=True), lambda e: e["name"]),
        (Col("BF16 TFLOP/s", numeric=True, short="BF16 TF/s"), lambda e: sig(e["peak_tflops"])),
        (Col("FP8 TFLOP/s", numeric=True, short="FP8 TF/s"), lambda e: sig(e.get("peak_fp8_tflops"))),
        (Col("mfu", numeric=True), lambda e: sig(e["mfu"])),
        (Col("mfu fp8", numeric=True), lambda e: sig(e.get("mfu_fp8"))),
        (Col("W", numeric=True), lambda e: sig(e["watts"])),
        (Col("GB", numeric=True), lambda e: sig(e["memory_gb"])),
        (Col("per node", numeric=True, short="node", drop=2), lambda e: sig(e.get("gpus_per_node", 8))),
        (Col("embodied kg", numeric=True, short="emb. kg", drop=3), lambda e: sig(e.get("embodied_kg", 0))),
        (Col("life y", numeric=True, short="life", drop=4), lambda e: sig(e.get("lifetime_years", 5))),
        (Col("$/GPU-h", numeric=True), lambda e: sig(e.get("usd_per_gpu_hour"))),
    ],
    "regions": [
        (Col("name", keep=True), lambda e: e["name"]),
        (Col("grid", keep=True, drop=1), lambda e: e.get("grid") or "-"),
        (Col("gCO2e/kWh", numeric=True, short="g/kWh"), lambda e: sig(e["carbon_g_per_kwh"])),
        (Col("PUE", numeric=True), lambda e: sig(e.get("pue", 1.0))),
        (Col("where"), lambda e: e.get("source") or ""),
    ],
    "laws": [
        (Col("name", keep=True), lambda e: e["name"]),
        (Col("E", numeric=True), lambda e: sig(e["E"], 6)),
        (Col("A", numeric=True), lambda e: sig(e["A"], 6)),
        (Col("B", numeric=True), lambda e: sig(e["B"], 6)),
        (Col("alpha", numeric=True), lambda e: sig(e["alpha"], 6)),
        (Col("beta", numeric=True), lambda e: sig(e["beta"], 6)),
        (Col("D/N at 1e24 FLOP", numeric=True, short="D/N 1e24"), _tokens_per_param),
    ],
    "recipes": [
        (Col("name", keep=True), lambda e: e["name"]),
        (Col("stages"), _stage_names),
        (Col("FLOP per param", numeric=True, short="FLOP /param"), lambda e: _align_sum(e, work=False)),
        (Col("work per param", numeric=True, short="work /param"), lambda e: _align_sum(e, work=True)),
        (Col("labels $", numeric=True), lambda e: f"{_labels_usd(e):,.0f}"),
        (Col("fixed $", numeric=True), lambda e: f"{e.get('fixed_usd', 0):,.0f}"),
        (Col("quality", numeric=True), lambda e: sig(e.get("quality", 0))),
        (Col("verifiable only", short="verif. only", drop=1),
         lambda e: "yes" if e.get("needs_verifiable_tasks") else "no"),
    ],
    "grids": [
        (Col("key", keep=True), lambda e: e["key"]),
        (Col("kind", keep=True), lambda e: e["kind"]),
        (Col("name"), lambda e: e["name"]),
        (Col("gCO2e/kWh", numeric=True), lambda e: sig(e["carbon_g_per_kwh"])),
        (Col("year", numeric=True), lambda e: e["year"] or "-"),
    ],
}


__all__ = ["print_kind"]
