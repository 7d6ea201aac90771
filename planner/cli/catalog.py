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
    from planner.present.catalog_table import print_kind

    for k in shown:
        print_kind(console, k, data[k])


def _filter(items: list[dict[str, Any]], pattern: str | None) -> list[dict[str, Any]]:
    if not pattern:
        return items
    return [e for e in items if catalog.matches(e, pattern)]
