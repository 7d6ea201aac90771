"""`plan catalog [gpus|regions|laws|recipes|grids]`: the built-in entries, every number with its source.

The table format prints one table per kind, then the sources (field -> where the number comes from;
"assumption" where nobody publishes it). The JSON format prints {kind: [entry, ...]} with each
entry's values and its `sources` mapping, exactly the data the loader merges into an instance.
"""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console

from planner.input import catalog
from planner.numbers import sci, sig
from planner.present.tables import Col, fit_table

#: CLI kind -> catalog kind ("laws" is the short name of scaling_laws).
KINDS: dict[str, catalog.Kind] = {"gpus": "gpus", "regions": "regions", "laws": "scaling_laws",
                                  "recipes": "recipes"}
CHOICES = [*KINDS, "grids"]


def entries(kind: str) -> list[dict[str, Any]]:
    """The entries of one CLI kind as plain dicts: values, then `sources` (for grids: table rows)."""
    if kind == "grids":
        return [{"key": g.key, "kind": g.kind, "name": g.name, "country_iso": g.country_iso,
                 "carbon_g_per_kwh": g.carbon_g_per_kwh, "year": g.year, "source": g.source}
                for g in (catalog.grid_intensity(key) for key in catalog.grid_keys()) if g is not None]
    cat_kind = KINDS[kind]
    out = []
    for name in catalog.names(cat_kind):
        values = catalog.entry(cat_kind, name) or {}
        out.append({**values, "sources": catalog.sources(cat_kind, name)})
    return out


@click.command("catalog")
@click.argument("kind", required=False, type=click.Choice(CHOICES))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--match", "pattern", default=None, metavar="TEXT",
              help="only entries whose name, key or location contains TEXT (case-insensitive)")
def catalog_command(kind: str | None, fmt: str, pattern: str | None) -> None:
    """List the built-in GPUs, regions, scaling laws (laws), alignment recipes, or grid carbon
    intensities (grids: the table regions read their carbon from), each number with its source.
    Without KIND: gpus, regions, laws and recipes."""
    kinds = [kind] if kind else list(KINDS)
    data = {k: _filter(entries(k), pattern) for k in kinds}
    if fmt == "json":
        if kind == "grids" or "regions" in kinds:
            data = {"carbon_table": catalog.table_provenance(), **data}
        click.echo(json.dumps(data, indent=2))
        return
    console = Console(emoji=False)
    shown = [k for k in kinds if data[k] or not pattern]  # --match: only the kinds with a match
    if not shown:
        from planner.errors import clip

        click.echo(f"no {kind or 'catalog'} entry matches '{clip(pattern)}' (names, keys and locations are searched)")
    for k in shown:
        _print_kind(console, k, data[k])


def _filter(items: list[dict[str, Any]], pattern: str | None) -> list[dict[str, Any]]:
    if not pattern:
        return items
    return [e for e in items if catalog.matches(e, pattern)]


def _print_kind(console: Console, kind: str, items: list[dict[str, Any]]) -> None:
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
