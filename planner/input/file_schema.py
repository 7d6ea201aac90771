"""The JSON Schema of the file users write (`plan schema`), not of the expanded instance.

planner.input.schema describes the instance after the loader has resolved catalog names; a file
may say less (planner.input.loading.resolve_catalog_names):

- `scaling_law: epoch2024`, `gpus: [H100]`, `regions: all`, `alignment.recipes: [DPO]`: catalog
  names (and `all` for gpus and regions, or `{all: {available: 1024}}`: every entry, keys overridden);
- `{name: H100, mfu: 0.38}`: a catalog entry with keys overridden, every other key optional;
- an entry whose name is not in the catalog: complete (the model's required keys), except that
  a region may give `grid` (a key of the carbon-intensity table) instead of carbon_g_per_kwh;
- no `scaling_law` (epoch2024 applies) and `scaling_law_samples: {file: x.csv}`.

Each bundled instance validates against it (tests/test_file_schema.py), so editors that read JSON
Schema can check instance files as they are typed.
"""

from __future__ import annotations

import copy
from typing import Any

from planner.input import catalog

#: $defs entry -> catalog kind of its entries
_CATALOG_DEFS = {"Gpu": "gpus", "Region": "regions", "Recipe": "recipes", "ScalingLaw": "scaling_laws"}


def file_schema(instance_schema: dict[str, Any]) -> dict[str, Any]:
    """`Instance.model_json_schema()` -> the schema of the instance file as written."""
    out = copy.deepcopy(instance_schema)
    defs = out["$defs"]
    for name, kind in _CATALOG_DEFS.items():
        defs[name] = _entry_or_name(defs[name], catalog.names(kind), with_grid=name == "Region")
    props = out["properties"]
    for key, entry in (("gpus", "Gpu"), ("regions", "Region")):
        every = {"type": "object", "additionalProperties": False, "required": ["all"],
                 "properties": {"all": {"type": "object", "additionalProperties": False,
                                        "properties": {k: v for k, v in defs[entry]["anyOf"][1]["properties"].items()
                                                       if k != "name"}}}}
        props[key] = {"description": props[key].get("description", ""),
                      "anyOf": [{"const": "all"}, every, {k: v for k, v in props[key].items() if k != "description"}]}
    samples = props.get("scaling_law_samples")
    if samples is not None:
        samples["anyOf"].insert(0, {"type": "object", "additionalProperties": False,
                                    "properties": {"file": {"type": "string"}}, "required": ["file"]})
    out["required"] = [k for k in out.get("required", []) if k != "scaling_law"]
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return out


def _entry_or_name(model: dict[str, Any], names: list[str], *, with_grid: bool = False) -> dict[str, Any]:
    """A catalog name, or the entry as an object: complete unless its name is a catalog name."""
    required = [k for k in model.get("required", []) if k != "name"]
    entry = {k: v for k, v in model.items() if k not in ("required", "title", "description")}
    named = {"required": ["name"], "properties": {"name": {"enum": names}}}
    complete: dict[str, Any] = {"required": required}
    if with_grid and "carbon_g_per_kwh" in required:
        rest = [k for k in required if k != "carbon_g_per_kwh"]
        complete = {"required": rest, "anyOf": [{"required": ["carbon_g_per_kwh"]}, {"required": ["grid"]}]}
    entry.update({"if": named, "then": {}, "else": complete})
    return {"title": model.get("title"), "description": model.get("description", ""),
            "anyOf": [{"type": "string", "enum": names}, entry]}


__all__ = ["file_schema"]
