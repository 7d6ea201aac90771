"""Built-in catalog entries (data files beside this module, each number with its source).

Each file is a YAML list of entries; an entry's `sources` mapping (field -> source text) is kept
for `plan catalog` and stripped before an entry is merged into an instance.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml

from planner.yaml_safe import SafeLoader

Kind = Literal["gpus", "regions", "scaling_laws", "recipes"]
KINDS: tuple[Kind, ...] = ("gpus", "regions", "scaling_laws", "recipes")


@cache
def _entries(kind: Kind) -> dict[str, dict]:
    text = resources.files(__package__).joinpath(f"{kind}.yaml").read_text(encoding="utf-8")
    entries = yaml.load(text, Loader=SafeLoader)  # noqa: S506 -- SafeLoader derives from yaml.SafeLoader
    return {entry["name"]: entry for entry in entries}


def names(kind: Kind) -> list[str]:
    """Names of the built-in entries of one kind."""
    return list(_entries(kind))


def entry(kind: Kind, name: str) -> dict | None:
    """The built-in entry's values (without `sources`), or None when the name is not built in."""
    found = _entries(kind).get(name)
    if found is None:
        return None
    return {key: value for key, value in found.items() if key != "sources"}


def sources(kind: Kind, name: str) -> dict[str, str]:
    """Field -> source text for one built-in entry."""
    return dict(_entries(kind)[name].get("sources", {}))
