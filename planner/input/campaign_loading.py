"""Campaign YAML file -> validated Campaign: safe parsing (as instances), catalog names resolved
(GPUs, each site's region, each run's scaling law and recipes), strict validation. Every failure
is one InputError naming the field by its path (`runs[1].deadline`, `fleet[0].reserved.term_months`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.errors import InputError
from planner.input import catalog
from planner.input.campaign_schema import Campaign
from planner.input.loading import note_loaded, read_yaml, resolve_catalog_names

_BRANCH = re.compile(r"[\w-]+\[.*\]|constrained-\w+|int|float|str|bool|SizeGrid|list|dict", re.S)
_MISMATCH = {"list_type", "dict_type", "model_type", "float_type", "int_type", "string_type", "bool_type",
             "literal_error", "int_from_float", "float_parsing", "int_parsing"}


def load_campaign(path: str | Path) -> Campaign:
    """Read and validate one campaign file (module docstring)."""
    return campaign_from_dict(read_yaml(path))


def campaign_from_dict(data: dict[str, Any]) -> Campaign:
    """Resolve catalog names, then validate strictly (raises InputError). `data` is remembered as
    the file last loaded (planner.input.loading.note_loaded): a number too extreme to compute with
    is then named by its key (planner.cli.extremes)."""
    note_loaded(data)
    resolved = resolve_campaign_names(data)
    try:
        return Campaign.model_validate(resolved)
    except ValidationError as exc:
        raise input_error(exc) from None


def resolve_campaign_names(data: dict[str, Any]) -> dict[str, Any]:
    """Catalog names -> entries: `gpus: [H100]`, `sites: [{name: a, region: sweden}]` (pue and carbon
    from the catalog region unless written), each run's `scaling_law` (default epoch2024) and
    `alignment.recipes`."""
    out = dict(data)
    if isinstance(out.get("gpus"), list):
        out["gpus"] = resolve_catalog_names({"gpus": out["gpus"]})["gpus"]
    if isinstance(out.get("sites"), list):
        out["sites"] = [_site(f"sites[{i}]", site) for i, site in enumerate(out["sites"])]
    if isinstance(out.get("runs"), list):
        out["runs"] = [_run(f"runs[{i}]", run) for i, run in enumerate(out["runs"])]
    return out


def _site(path: str, site: Any) -> Any:
    if not isinstance(site, dict) or not isinstance(site.get("region"), str):
        return site
    region = catalog.entry("regions", site["region"])
    if region is None:
        raise InputError(f"{path}.region", f"unknown catalog region '{site['region']}'; built in: "
                         f"{', '.join(catalog.names('regions'))}")
    filled = resolve_catalog_names({"regions": [site["region"]]})["regions"][0]
    out = dict(site)
    out.setdefault("pue", filled.get("pue"))
    if "carbon_g_per_kwh" not in site and "carbon_g_per_kwh_by_calendar_month" not in site:
        out["carbon_g_per_kwh"] = filled.get("carbon_g_per_kwh")
    return out


def _run(path: str, run: Any) -> Any:
    if not isinstance(run, dict):
        return run
    try:
        resolved = resolve_catalog_names({k: v for k, v in run.items() if k in ("scaling_law", "alignment")})
    except InputError as exc:
        raise InputError(f"{path}.{exc.field}", exc.problem) from None
    return {**run, **resolved}


def input_error(exc: ValidationError) -> InputError:
    """The one error to report from pydantic's list, as `path: problem`."""
    errors = exc.errors(include_url=False)
    meant = [e for e in errors if not (e["type"] in _MISMATCH and e["loc"] and _is_branch(e["loc"][-1]))]
    err = min(meant or errors, key=lambda e: e["type"] != "extra_forbidden")
    loc = _format(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        return InputError(loc, "unknown key (see docs/campaigns.md or `plan schema --campaign`)")
    if kind == "missing":
        return InputError(loc, "required key is missing")
    if kind == "value_error":
        message = str(err.get("ctx", {}).get("error", err["msg"]))
        match = re.match(r"^([A-Za-z_][\w.\-]*(?:\[\d+\][\w.\-]*)*): (.+)$", message, re.S)
        if match:
            field, problem = match.groups()
            return InputError(f"{loc}.{field}" if loc else field, problem)
        return InputError(loc or "campaign", message)
    value = err.get("input")
    if kind == "string_pattern_mismatch":
        return InputError(loc, f"must be a month YYYY-MM (e.g. 2027-03), got {value!r}")
    bounds = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}
    if kind in bounds:
        limit = next(iter((err.get("ctx") or {"": "?"}).values()))
        return InputError(loc, f"must be {bounds[kind]} {limit:g}, got {value!r}" if isinstance(limit, (int, float))
                          else f"must be {bounds[kind]} {limit}, got {value!r}")
    shown = "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else repr(value)
    return InputError(loc or "campaign", f"{err['msg'][0].lower()}{err['msg'][1:]}, got {shown}")


def _is_branch(part: Any) -> bool:
    return isinstance(part, str) and _BRANCH.fullmatch(part) is not None


def _format(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not _is_branch(part):
            path += f".{part}" if path else str(part)
    return path
