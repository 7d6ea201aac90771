"""The instances the page may read: files named on the command line (or the bundled instances),
and uploads; nothing else. Each is checked as `plan solve` checks a file (the same size cap, UTF-8
and YAML rules, strict validation), and the levers' changes are applied as `--set` applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.errors import InputError
from planner.input.loading import (instance_from_dict, parse_yaml_bytes, read_samples_file, read_yaml,
                                   resolve_catalog_names)
from planner.input.schema import Instance

#: the bundled instances, beside the planner package in a checkout (`pip install -e .`)
BUNDLED = Path(__file__).resolve().parent.parent.parent / "instances"


@dataclass(frozen=True)
class Source:
    """One instance as read: `data` the YAML mapping (samples files read in), `instance` it validated;
    `folder` the file's folder (None for an upload: an upload may not name other files)."""

    label: str
    data: dict[str, Any]
    instance: Instance | None      # None for a campaign file
    folder: Path | None
    campaign: Any = None           # the validated Campaign of a campaign file (`plan campaign`)

    @property
    def is_campaign(self) -> bool:
        return self.campaign is not None

    @property
    def uploaded(self) -> bool:
        return self.folder is None


def bundled_files() -> list[Path]:
    """The bundled instances (instances/*.yaml), sorted, then the bundled campaigns
    (instances/campaigns/*.yaml); empty when not installed from a checkout."""
    if not BUNDLED.is_dir():
        return []
    return sorted(BUNDLED.glob("*.yaml")) + sorted((BUNDLED / "campaigns").glob("*.yaml"))


#: keys only a campaign file has (planner.input.campaign_schema.Campaign): `runs` and `fleet`
CAMPAIGN_KEYS = ("runs", "fleet")


def is_campaign_data(data: dict[str, Any]) -> bool:
    """A campaign file (`plan campaign`) rather than an instance (`plan solve`): it has the
    campaign's own keys, `runs` and `fleet`, which an instance may not carry."""
    return any(key in data for key in CAMPAIGN_KEYS)


def campaign_source(label: str, data: dict[str, Any], folder: Path | None) -> Source:
    """A campaign file's source, validated as `plan campaign` validates it (InputError naming the field)."""
    from planner.input.campaign_loading import campaign_from_dict

    return Source(label, data, None, folder, campaign=campaign_from_dict(data))


def read_file(path: str | Path) -> Source:
    """A file named on the command line: read_yaml's checks, samples read beside it, validated."""
    path = Path(path)
    data = read_yaml(path)
    if is_campaign_data(data):
        return campaign_source(path.name, data, path.parent)
    samples = data.get("scaling_law_samples")
    if isinstance(samples, dict):
        data = {**data, "scaling_law_samples": read_samples_file(samples, path.parent)}
    instance = instance_from_dict(data, for_solving=False)
    return Source(path.name, data, instance, path.parent)


def read_upload(name: str, raw: bytes) -> Source:
    """An uploaded file: the same checks as a file (InputError naming the upload), and no
    references to other files (a `{file: ...}` of samples or of an uncertainty table)."""
    where = f"upload {name}"
    data = parse_yaml_bytes(raw, where)
    if is_campaign_data(data):
        return campaign_source(name, data, None)
    if isinstance(data.get("scaling_law_samples"), dict):
        raise InputError("scaling_law_samples", "an uploaded instance cannot read other files; "
                         "write the samples in the file as a list")
    uncertainty = data.get("uncertainty")
    if isinstance(uncertainty, dict) and any("file" in str(v) or ".csv" in str(v) for v in uncertainty.values()):
        raise InputError("uncertainty", "an uploaded instance cannot read other files; "
                         "give the distributions inline")
    instance = instance_from_dict(data, for_solving=False)
    return Source(name, data, instance, None)


def edited_data(source: Source, changes: list[tuple[str, Any]]) -> dict[str, Any]:
    """The instance mapping with `changes` ((--set path, value) pairs) applied: the file's own
    mapping when there are none, else as `plan solve --set` does it (catalog names resolved
    first only when a change names a list entry, so the YAML stays close to the file)."""
    from planner.input.sweep_paths import parse_path, set_path

    data = dict(source.data)
    if not changes:
        return data
    if any(isinstance(data.get(key), str) for key in ("gpus", "regions")):
        data = resolve_catalog_names(data)  # `regions: all` becomes its list before a list is filtered
    for path, value in changes:
        data = set_path(data, parse_path(path, "--set"), value, path, "--set")
    return data


def edited_instance(source: Source, changes: list[tuple[str, Any]]) -> Instance:
    """The validated instance with `changes` applied (InputError: one line naming the field)."""
    return instance_from_dict(edited_data(source, changes))


def entry_name(entry: Any) -> str | None:
    """The name of a gpus / regions entry as written: `H100` or `{name: H100, ...}`."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
        return entry["name"]
    return None


__all__ = ["Source", "BUNDLED", "bundled_files", "is_campaign_data", "campaign_source", "read_file", "read_upload", "edited_data", "edited_instance",
           "entry_name"]
