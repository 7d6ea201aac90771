"""`plan schema`: the instance format as a JSON Schema (generated from planner.input.schema).

docs/instance-keys.md is the same schema as a readable table (scripts/generate_key_docs.py).
"""

from __future__ import annotations

import json

import click


@click.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of an instance file: every key with its type, default, allowed range and
    meaning (docs/instance-keys.md is the same as tables)."""
    from planner.input.schema import Instance

    document = Instance.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    click.echo(json.dumps(document, indent=2, sort_keys=False))
