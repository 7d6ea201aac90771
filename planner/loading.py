"""YAML file -> validated Instance: safe parsing, catalog resolution, strict validation.

Every failure becomes one InputError naming the field by its path (``gpus[0].mfu``).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from planner import catalog, schema
from planner.errors import InputError
from planner.yaml_safe import SafeLoader

_MAX_BYTES = 5_000_000

def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping from a file, refusing binary content, aliases and unsafe tags."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), "file not found") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot read file ({exc.strerror})") from None
    if len(raw) > _MAX_BYTES:
        raise InputError(str(path), f"file is {len(raw)} bytes; an instance is at most {_MAX_BYTES}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 text (byte {exc.start} is not valid UTF-8)") from None
    if "\x00" in text:
        raise InputError(str(path), "binary content (NUL byte); expected a YAML text file")
    return parse_yaml(text, str(path))


def parse_yaml(text: str, where: str = "instance") -> dict[str, Any]:
    """Parse YAML text that must hold one mapping."""
    if not text.strip():
        raise InputError(where, "file is empty; expected a YAML mapping of instance keys")
    try:
        data = yaml.load(text, Loader=SafeLoader)  # noqa: S506 -- SafeLoader derives from SafeLoader
    except InputError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(where, f"invalid YAML{at}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(where, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise InputError(where, "YAML nested too deeply") from None
    if data is None:
        raise InputError(where, "file holds no keys; expected a YAML mapping of instance keys")
    if not isinstance(data, dict):
        raise InputError(where, f"top level must be a mapping of instance keys, got {_kind(data)}")
    return data


def load_instance(path: str | Path) -> schema.Instance:
    """Read, resolve catalog names and validate one instance file."""
    return instance_from_dict(read_yaml(path))


def instance_from_dict(data: dict[str, Any]) -> schema.Instance:
    """Resolve catalog names, then validate strictly (raises InputError)."""
    resolved = resolve_catalog_names(data)
    try:
        return schema.Instance.model_validate(resolved)
    except ValidationError as exc:
        raise _input_error(exc, resolved) from None


def resolve_catalog_names(data: dict[str, Any]) -> dict[str, Any]:
    """Replace catalog names by full entries; inline keys beside a name override the catalog.

    `H100` -> the catalog H100; `{name: H100, mfu: 0.38}` -> the catalog H100 with mfu 0.38;
    an entry whose name is not built in must be complete (validation says what is missing).
    """
    out = dict(data)
    if "scaling_law" in out:
        out["scaling_law"] = _resolve_one("scaling_law", out["scaling_law"], "scaling_laws", require_known=True)
    else:
        out["scaling_law"] = catalog.entry("scaling_laws", "epoch2024")
    for key, kind in (("gpus", "gpus"), ("regions", "regions")):
        if isinstance(out.get(key), list):
            out[key] = [_resolve_one(f"{key}[{i}]", item, kind) for i, item in enumerate(out[key])]
    alignment = out.get("alignment")
    if isinstance(alignment, dict) and isinstance(alignment.get("recipes"), list):
        out["alignment"] = dict(alignment)
        out["alignment"]["recipes"] = [
            _resolve_one(f"alignment.recipes[{i}]", item, "recipes")
            for i, item in enumerate(alignment["recipes"])
        ]
    return out


def _resolve_one(path: str, item: Any, kind: catalog.Kind, require_known: bool = False) -> Any:
    if isinstance(item, str):
        found = catalog.entry(kind, item)
        if found is None:
            raise InputError(path, _unknown_name(item, kind))
        return found
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        found = catalog.entry(kind, item["name"])
        if found is not None:
            return {**found, **item}
        if require_known and not {"E", "A", "B", "alpha", "beta"} <= item.keys():
            raise InputError(path, _unknown_name(item["name"], kind))
    return item


def _unknown_name(name: str, kind: catalog.Kind) -> str:
    known = catalog.names(kind)
    near = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f" (did you mean '{near[0]}'?)" if near else ""
    return f"unknown catalog name '{name}'{hint}; built in: {', '.join(known)}, or write the entry inline"


def _all_field_names(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    for field in model.model_fields.values():
        for sub in _models_in(field.annotation):
            names |= _all_field_names(sub, seen)
    return names


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models_in(arg)]


def _format_loc(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in ("list[constrained-float]", "SizeGrid") or "[" in str(part) or "function" in str(part):
            continue  # union branch labels added by pydantic
        else:
            path += f".{part}" if path else str(part)
    return path


def _input_error(exc: ValidationError, data: dict[str, Any]) -> InputError:
    errors = exc.errors(include_url=False)
    # For unions pydantic reports every branch; the first error is the most specific.
    err = errors[0]
    loc = _format_loc(err["loc"])
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        near = difflib.get_close_matches(key, sorted(_all_field_names(schema.Instance)), n=1, cutoff=0.6)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        return InputError(loc, f"unknown key{hint}")
    if kind == "missing":
        return InputError(loc, "required key is missing")
    if kind == "value_error":
        message = str(err.get("ctx", {}).get("error", err["msg"]))
        field, _, problem = message.partition(": ")
        if problem and (field.split("[")[0].split(".")[0] in schema.Instance.model_fields):
            return InputError(field if not loc else f"{loc}.{field}", problem)
        return InputError(loc, message)
    return InputError(loc, f"{_describe(err)}, got {_show(value)}")


def _describe(err: dict) -> str:
    ctx = err.get("ctx") or {}
    kind = err["type"]
    bounds = {"greater_than": "> {gt}", "greater_than_equal": ">= {ge}", "less_than": "< {lt}",
              "less_than_equal": "<= {le}"}
    if kind in bounds:
        return "must be " + bounds[kind].format(**ctx)
    if kind == "finite_number":
        return "must be a finite number"
    if kind in ("float_type", "float_parsing"):
        return "must be a number"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "must be a whole number"
    if kind == "bool_type":
        return "must be true or false"
    if kind == "string_type":
        return "must be text"
    if kind in ("list_type",):
        return "must be a list"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be a mapping"
    if kind == "too_short":
        return "must not be empty"
    if kind == "literal_error":
        return "must be one of " + str(ctx.get("expected", ""))
    return err["msg"][0].lower() + err["msg"][1:]


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value if len(value) < 40 else value[:37] + "...")
    if isinstance(value, (dict, list)):
        return _kind(value)
    return repr(value)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)
