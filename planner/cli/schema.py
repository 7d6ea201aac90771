"""`plan schema`: the instance format as a JSON Schema (generated from planner.input.schema);
`plan schema --campaign`: the campaign file's (planner.input.campaign_schema).

docs/instance-keys.md and docs/campaign-keys.md are the same schemas as readable tables
(scripts/generate_key_docs.py).
"""

from __future__ import annotations

import json

import click


@click.command("schema")
@click.option("--campaign", is_flag=True, help="The schema of a campaign file (`plan campaign`, docs/campaign-keys.md).")
def schema_command(campaign: bool) -> None:
    """Print the JSON Schema of an instance file as written (catalog names, `all`, entries with
    overrides): every key with its type, default, allowed range and meaning
    (docs/instance-keys.md is the same as tables). With --campaign, a campaign file's."""
    from planner.input.schema import Instance, Strict

    if campaign:  # its sections subclass Strict too: defined before they are built below
        import planner.input.campaign_schema  # noqa: F401
    # Sections are built lazily (Strict's defer_build); a JSON Schema encodes section defaults
    # (`limits: {}`), which needs each section's serializer, so build them all first.
    for section in _sections(Strict):
        section.model_rebuild(force=True)
    if campaign:
        from planner.input.campaign_schema import Campaign

        document = Campaign.model_json_schema()
        document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    else:
        from planner.input.file_schema import file_schema

        document = file_schema(Instance.model_json_schema())
    click.echo(json.dumps(document, indent=2, sort_keys=False))


def _sections(base: type) -> list[type]:
    """Every subclass of `base`, depth first (the instance's sections)."""
    found = []
    for sub in base.__subclasses__():
        found.append(sub)
        found.extend(_sections(sub))
    return found
