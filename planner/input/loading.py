"""YAML file -> validated Instance: safe parsing, catalog resolution, strict validation.

Every failure becomes one InputError naming the field by its path (``gpus[0].mfu``).
"""

from __future__ import annotations

import difflib
import os
import re
import types
from pathlib import Path
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from planner.numbers import plain
from planner.input import catalog, schema
from planner.errors import InputError
from planner.input.yaml_safe import YamlRefused, YamlTooDeep, load_text

_MAX_BYTES = 5_000_000
MAX_INSTANCE_BYTES = _MAX_BYTES  # the size cap of an instance file (and of an upload in `plan page`)

def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping from a file, refusing binary content, aliases and unsafe tags."""
    path = Path(path)
    try:
        raw = read_limited(path, _MAX_BYTES)
    except FileNotFoundError:
        raise InputError(str(path), "file not found") from None
    except IsADirectoryError:
        raise InputError(str(path), "is a directory; expected a YAML instance file") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot read file ({exc.strerror or exc})") from None
    return parse_yaml_bytes(raw, str(path))


def parse_yaml_bytes(raw: bytes, where: str) -> dict[str, Any]:
    """The checks of read_yaml on bytes already read (a file's, or an upload's in `plan page`):
    the size cap, UTF-8 text without NUL, then parse_yaml."""
    if len(raw) > _MAX_BYTES:
        raise InputError(where, f"file is larger than {_MAX_BYTES:,} bytes; an instance is at most that")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(where, "UTF-16 text; save the file as UTF-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(where, f"not UTF-8 text (byte {exc.start} is not valid UTF-8); "
                         "expected a YAML text file") from None
    if "\x00" in text:
        raise InputError(where, "binary content (NUL byte); expected a YAML text file")
    return parse_yaml(text.removeprefix("\ufeff"), where)


def read_limited(path: str | Path, limit: int) -> bytes:
    """At most `limit` + 1 bytes of a file (so /dev/zero or a named pipe cannot make a read unbounded);
    a result longer than `limit` means the file is too large. OSError as open() raises it."""
    # O_NONBLOCK: opening a named pipe nobody writes to would wait forever; once open the
    # descriptor blocks again, so a pipe with a writer (`plan solve <(...)`) is read to its end
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if hasattr(os, "O_NONBLOCK"):
            import fcntl

            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        with os.fdopen(fd, "rb", closefd=True) as handle:
            fd = -1
            return handle.read(limit + 1)
    finally:
        if fd >= 0:
            os.close(fd)


def read_regular_file(path: str | Path, limit: int, what: str) -> bytes:
    """The bytes of a file a command reads by name from inside an instance or an option (a
    samples file): a regular file only -- a named pipe would wait for a writer forever, a device
    such as /dev/zero never ends -- and at most `limit` bytes (InputError naming `what`).
    FileNotFoundError and other OSErrors propagate for the caller's own message."""
    import stat

    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(str(path))
    if not stat.S_ISREG(st.st_mode):
        kind = "a named pipe" if stat.S_ISFIFO(st.st_mode) else "a device or socket"
        raise InputError(what, f"{path} is {kind}, not a regular file; give a CSV file")
    if st.st_size > limit:
        raise InputError(what, f"{path} is larger than {limit:,} bytes")
    raw = read_limited(path, limit)
    if len(raw) > limit:
        raise InputError(what, f"{path} is larger than {limit:,} bytes")
    return raw


def parse_yaml(text: str, where: str = "instance") -> dict[str, Any]:
    """Parse YAML text that must hold one mapping (planner.input.yaml_safe says what is refused)."""
    if not text.strip():
        raise InputError(where, "file is empty; expected a YAML mapping of instance keys")
    try:
        data = load_text(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        problem = str(exc.problem or exc.context or "not valid YAML")
        at = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        if isinstance(exc, YamlRefused):
            first = exc.context_mark
            if first is not None:
                at += f"; {exc.context} at line {first.line + 1}"
            raise InputError(where, f"{problem} ({at})" if at else problem) from None
        raise InputError(where, f"invalid YAML at {at}: {problem}" if at else f"invalid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        raise InputError(where, f"invalid YAML: character {exc.character!r} at position {exc.position} "
                         "is not allowed in YAML text") from None
    except yaml.YAMLError as exc:
        raise InputError(where, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise InputError(where, "YAML nested too deeply") from None
    except YamlTooDeep as exc:
        raise InputError(where, str(exc)) from None
    if data is None:
        raise InputError(where, "file holds no keys; expected a YAML mapping of instance keys")
    if not isinstance(data, dict):
        raise InputError(where, f"top level must be a mapping of instance keys (name: ..., gpus: ...), "
                         f"got {_kind(data)}")
    for key in data:
        if not isinstance(key, str):
            raise InputError(where, f"top-level key {key!r} must be text (a key name such as 'gpus')")
    return data


_LAST_LOADED: list[Any] = [None]


def last_loaded() -> Any:
    """The data (catalog names resolved, --set changes applied) of the instance load_instance read
    last in this process, for naming the most extreme value when arithmetic overflows
    (planner.cli.extremes); None before any."""
    return _LAST_LOADED[0]


#: option (--set, --vary, --dist) -> a function giving the (path as written, value) pairs it set.
_NOTED: dict[str, Callable[[], Iterable[tuple[str, Any]]]] = {}


def note_changes(option: str, pairs: Callable[[], Iterable[tuple[str, Any]]]) -> None:
    """Remember what `option` set (a function, so a million draws are walked only on an error):
    an overflow caused by a value given on the command line is named with the path as written
    (planner.cli.extremes), not as the base instance's most extreme number."""
    _NOTED[option] = pairs


def noted_changes() -> dict[str, Callable[[], Iterable[tuple[str, Any]]]]:
    """The options' noted changes (note_changes), in the order noted."""
    return dict(_NOTED)


def note_loaded(data: Any) -> None:
    """Remember `data` as the instance last loaded (last_loaded): what-if reads its file itself."""
    _LAST_LOADED[0] = data


def forget_changes() -> None:
    """A command starts with nothing noted (a test runs many commands in one process)."""
    _NOTED.clear()
    _LAST_LOADED[0] = None


def load_instance(path: str | Path, *, for_solving: bool = True,
                  changes: Sequence[tuple[str, Any]] = ()) -> schema.Instance:
    """Read, resolve catalog names and validate one instance file (a `scaling_law_samples:
    {file: x.csv}` is read relative to the instance file).

    `changes` are (dotted path, value) pairs set before validation (`--set PATH=VALUE`, the paths
    of planner.input.sweep_paths). `for_solving` also requires what solving needs (a loss target
    unless the objective is loss); `plan evaluate` passes False.
    """
    data = read_with_changes(path, changes)
    _LAST_LOADED[0] = data
    return instance_from_dict(data, for_solving=for_solving)


def read_with_changes(path: str | Path, changes: Sequence[tuple[str, Any]] = ()) -> dict[str, Any]:
    """The instance file as a mapping (samples file read), with `changes` set on its catalog-resolved
    form (None is YAML null); not validated yet (instance_from_dict does that)."""
    data = read_yaml(path)
    samples = data.get("scaling_law_samples")
    if isinstance(samples, dict):
        data = {**data, "scaling_law_samples": read_samples_file(samples, Path(path).parent)}
    if changes:
        from planner.input.sweep_paths import check_distinct, parse_path, set_path

        data = resolve_catalog_names(data)
        paths = [(path_text, parse_path(path_text, "--set")) for path_text, _ in changes]
        check_distinct(data, paths, "--set")
        note_changes("--set", lambda: list(changes))
        for (path_text, steps), (_, value) in zip(paths, changes):
            data = set_path(data, steps, value, path_text, "--set")
    return data


def named_files(path: str | Path) -> list[Path]:
    """The files an instance file names (its inputs, which no output of a command may overwrite):
    `scaling_law_samples: {file: ...}` and every `samples(file)` of its `uncertainty:` block, each
    relative to the instance's folder. [] when the file cannot be read (loading says why later)."""
    import re

    try:
        data = read_yaml(path)
    except InputError:
        return []
    folder = Path(path).parent
    found: list[Path] = []
    samples = data.get("scaling_law_samples")
    if isinstance(samples, dict) and isinstance(samples.get("file"), str):
        found.append(folder / samples["file"])
    block = data.get("uncertainty")
    if isinstance(block, dict):
        for text in block.values():
            match = re.search(r"samples\(\s*['\"]?([^'\")]+?)['\"]?\s*\)\s*$", str(text))
            if match:
                found.append(folder / match.group(1))
    return found


def check_solvable(instance: schema.Instance) -> schema.Instance:
    """`instance` if it can be solved; InputError naming `targets` if it lacks a loss target."""
    problem = schema.loss_target_problem(instance)
    if problem is not None:
        raise InputError("targets", problem)
    return instance


SAMPLE_COLUMNS = ("E", "A", "B", "alpha", "beta")
_MAX_SAMPLES = 100_000
_MAX_SAMPLE_BYTES = 50_000_000


def read_samples_file(spec: dict[str, Any], base: Path) -> list[dict[str, float]]:
    """`{file: samples.csv}` -> list of laws: a CSV with columns E, A, B, alpha, beta (others ignored)."""
    import csv
    import io

    field = "scaling_law_samples"
    if set(spec) != {"file"} or not isinstance(spec.get("file"), str):
        raise InputError(field, "expected a list of laws or {file: samples.csv}")
    path = base / spec["file"]
    try:
        raw = read_regular_file(path, _MAX_SAMPLE_BYTES, f"{field}.file")
        with io.StringIO(raw.decode("utf-8-sig"), newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in SAMPLE_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(f"{field}.file", f"{spec['file']}: missing column(s) {', '.join(missing)} "
                                 f"(needs {', '.join(SAMPLE_COLUMNS)})")
            rows = []
            for line, row in enumerate(reader, start=2):
                if len(rows) >= _MAX_SAMPLES:
                    raise InputError(f"{field}.file", f"{spec['file']}: more than {_MAX_SAMPLES} samples")
                try:
                    rows.append({c: float(row[c]) for c in SAMPLE_COLUMNS})
                except (TypeError, ValueError):
                    raise InputError(f"{field}.file", f"{spec['file']} line {line}: every one of "
                                     f"{', '.join(SAMPLE_COLUMNS)} must be a number") from None
    except FileNotFoundError:
        raise InputError(f"{field}.file", f"{spec['file']}: file not found (read relative to the instance)") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{field}.file", f"{spec['file']}: cannot read ({exc})") from None
    if not rows:
        raise InputError(f"{field}.file", f"{spec['file']}: no samples")
    return rows


def instance_from_dict(data: dict[str, Any], *, for_solving: bool = True) -> schema.Instance:
    """Resolve catalog names, then validate strictly (raises InputError); `for_solving` also
    requires a loss target unless the objective is loss (check_solvable)."""
    resolved = resolve_catalog_names(data)
    try:
        instance = schema.Instance.model_validate(resolved)
    except ValidationError as exc:
        if isinstance(data, dict) and "runs" in data:  # not "start_month: unknown key" on a right key
            raise InputError("runs", "this is a campaign file (it has runs:): plan campaign plans it, and "
                             "plan whatif, frontier and page read it too; this command takes a single-run "
                             "instance") from None
        raise _input_error(exc, resolved) from None
    return check_solvable(instance) if for_solving else instance


def resolve_catalog_names(data: dict[str, Any]) -> dict[str, Any]:
    """Replace catalog names by full entries; inline keys beside a name override the catalog.

    `H100` -> the catalog H100; `{name: H100, mfu: 0.38}` -> the catalog H100 with mfu 0.38;
    an entry whose name is not built in must be complete (validation says what is missing).
    `gpus: all` / `regions: all` -> every catalog entry of that kind.
    """
    out = dict(data)
    for key, kind in (("gpus", "gpus"), ("regions", "regions")):
        if isinstance(out.get(key), str) and out[key].strip().lower() == "all":
            out[key] = catalog.names(kind)  # `gpus: all`, `regions: all`: every catalog entry
        elif isinstance(out.get(key), dict) and list(out[key]) == ["all"] and isinstance(out[key]["all"], dict):
            # `gpus: {all: {available: 4096}}`: every catalog entry, these keys overriding each
            out[key] = [{**out[key]["all"], "name": name} for name in catalog.names(kind)]
    data = out
    out = dict(data)
    if "scaling_law" in out:
        out["scaling_law"] = _resolve_one("scaling_law", out["scaling_law"], "scaling_laws", require_known=True)
    else:
        out["scaling_law"] = catalog.entry("scaling_laws", "epoch2024")
    for key, kind in (("gpus", "gpus"), ("regions", "regions")):
        if isinstance(out.get(key), list):
            out[key] = [_resolve_one(f"{key}[{i}]", item, kind) for i, item in enumerate(out[key])]
    if isinstance(out.get("gpus"), list):   # a catalog GPU carries its measured throughput spread
        out["gpus"] = [_with_spread(item) for item in out["gpus"]]
    if isinstance(out.get("regions"), list):
        out["regions"] = [_resolve_grid(f"regions[{i}]", resolved, inline)
                          for i, (resolved, inline) in enumerate(zip(out["regions"], data["regions"]))]
    alignment = out.get("alignment")
    if isinstance(alignment, dict) and isinstance(alignment.get("recipes"), list):
        out["alignment"] = dict(alignment)
        out["alignment"]["recipes"] = [
            _resolve_one(f"alignment.recipes[{i}]", item, "recipes")
            for i, item in enumerate(alignment["recipes"])
        ]
    return out


def _with_spread(item: Any) -> Any:
    if isinstance(item, dict) and isinstance(item.get("name"), str) and "mfu_spread" not in item:
        spread = catalog.mfu_spread(item["name"])
        if spread:
            return {**item, "mfu_spread": spread}
    return item


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


def _resolve_grid(path: str, resolved: Any, inline: Any) -> Any:
    """A region's carbon intensity from its `grid` key (catalog/carbon_intensity.csv) unless the
    instance gives carbon_g_per_kwh itself: `{name: my-dc, grid: NOR}`, `{name: sweden, grid: FIN}`.
    An inline carbon_g_per_kwh without a grid drops the catalog entry's grid (it no longer applies)."""
    if not isinstance(inline, dict) or not isinstance(resolved, dict):
        return resolved
    if "carbon_g_per_kwh" in inline:
        if "grid" not in inline:
            resolved = {k: v for k, v in resolved.items() if k != "grid"}
        return resolved
    key = inline.get("grid")
    if not isinstance(key, str):
        return resolved  # absent (catalog value kept) or not text (validation says so)
    found = catalog.grid_intensity(key)
    if found is None:
        raise InputError(f"{path}.grid", catalog.unknown_grid_message(key))
    return {**resolved, "carbon_g_per_kwh": found.carbon_g_per_kwh}


def _unknown_name(name: str, kind: catalog.Kind) -> str:
    known = catalog.names(kind)
    located = catalog.located(kind, name) if kind == "regions" and len(name) >= 3 else []
    near = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    if located:  # a place, not a misspelt name: `virginia` -> the entries located there
        hint = f" (entries at '{name}': {', '.join(located)})"
    else:
        hint = f" (did you mean '{near[0]}'?)" if near else ""
    return f"unknown catalog name '{name}'{hint}; built in: {', '.join(known)}, or write the entry inline"


# ---- pydantic errors -> one InputError ---------------------------------------------------------

_TYPE_MISMATCH = {"list_type", "dict_type", "model_type", "model_attributes_type", "float_type", "int_type",
                  "string_type", "bool_type", "literal_error", "is_instance_of"}
#: Entries that may be written as a catalog name or inline.
_NAMED_ENTRIES = {"gpus": "GPU", "regions": "region", "recipes": "recipe", "scaling_law": "scaling law"}


def _is_branch_label(part: Any) -> bool:
    """Union branch labels pydantic puts in a location: 'list[constrained-float]', 'SizeGrid', ..."""
    return isinstance(part, str) and (_BRANCH.fullmatch(part) is not None or part in _MODEL_NAMES)


_BRANCH = re.compile(r"[\w-]+\[.*\]", re.S)


_MODEL_NAMES = {name for name, obj in vars(schema).items() if isinstance(obj, type) and issubclass(obj, BaseModel)}


def _flatten(annotation: Any, metadata: list) -> list[tuple[Any, list]]:
    """An annotation as its alternatives, each with the constraints (Gt, Le, MinLen, ...) on it."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        found = list(metadata)
        for item in extra:
            found += item.metadata if isinstance(item, FieldInfo) else [item]
        return _flatten(base, found)
    if origin in (Union, types.UnionType):
        return [alt for arg in get_args(annotation) if arg is not type(None) for alt in _flatten(arg, metadata)]
    return [(annotation, list(metadata))]


def _schema_at(loc: tuple) -> list[tuple[Any, list]]:
    """What the schema expects at a pydantic location: the alternatives with their constraints."""
    candidates: list[tuple[Any, list]] = [(schema.Instance, [])]
    for part in loc:
        if _is_branch_label(part):
            continue
        following: list[tuple[Any, list]] = []
        for annotation, _ in candidates:
            origin = get_origin(annotation)
            if isinstance(part, int) and origin is list:
                following += _flatten(get_args(annotation)[0], [])
            elif isinstance(part, str) and origin is dict:
                following += _flatten(get_args(annotation)[1], [])
            elif (isinstance(part, str) and isinstance(annotation, type) and issubclass(annotation, BaseModel)
                  and part in annotation.model_fields):
                info = annotation.model_fields[part]
                following += _flatten(info.annotation, info.metadata)
        candidates = following
    return candidates


def _model_at(loc: tuple) -> type[BaseModel] | None:
    for annotation, _ in _schema_at(loc):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
    return None


def _format_loc(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _is_branch_label(part):
            continue
        else:
            path += f".{part}" if path else str(part)
    return path


def _value_at(data: Any, loc: tuple) -> Any:
    for part in loc:
        if _is_branch_label(part):
            continue
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _pick(errors: list[dict]) -> dict:
    """The error to report. pydantic reports every branch of a union (model_sizes: a list or
    {min, max, count}); a branch whose type does not match the input is not the one meant."""
    def mismatched_branch(err: dict) -> bool:
        return err["type"] in _TYPE_MISMATCH and bool(err["loc"]) and _is_branch_label(err["loc"][-1])

    meant = [err for err in errors if not mismatched_branch(err)] or errors
    # A misspelt key also makes the intended key "missing": name the misspelling, with its suggestion.
    return min(meant, key=lambda err: err["type"] != "extra_forbidden")


def _input_error(exc: ValidationError, data: dict[str, Any]) -> InputError:
    errors = exc.errors(include_url=False)
    err = _pick(errors)
    raw_loc = err["loc"]
    loc = _format_loc(raw_loc)
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        return InputError(loc, _unknown_key(str(raw_loc[-1]), raw_loc[:-1]))
    if kind == "missing":
        return InputError(loc, "required key is missing" + _inline_hint(raw_loc[:-1], data))
    if kind == "invalid_key":
        return InputError(_format_loc(raw_loc[:-1]) or "instance", f"key {value!r} must be text")
    if kind == "value_error":
        message = str(err.get("ctx", {}).get("error", err["msg"]))
        match = re.match(r"^([A-Za-z_][\w.\-]*(?:\[\d+\][\w.\-]*)*): (.+)$", message, re.S)
        if match:
            field, problem = match.groups()
            top = field.split("[")[0].split(".")[0]
            if top in schema.Instance.model_fields and top != (loc.split("[")[0].split(".")[0] if loc else None):
                return InputError(field, problem)  # a path from the instance's top (Instance validators)
            return InputError(f"{loc}.{field}" if loc else field, problem)
        return InputError(loc, message)
    if mismatched := [e for e in errors if e["loc"][:1] == raw_loc[:1] and _is_branch_label(e["loc"][-1])]:
        if len(mismatched) > 1 and all(e["type"] in _TYPE_MISMATCH for e in mismatched) and err in mismatched:
            return InputError(loc, f"{_union_expected(raw_loc)}, got {_described(value)}")
    return InputError(loc, f"{_describe(err)}, got {_described(value)}")


def _unknown_key(key: str, parent: tuple) -> str:
    model = _model_at(parent)
    allowed = sorted(model.model_fields) if model is not None else sorted(_all_field_names(schema.Instance))
    near = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if near:
        return f"unknown key (did you mean '{near[0]}'?)"
    return f"unknown key; allowed here: {', '.join(allowed)}"


def _inline_hint(parent: tuple, data: dict[str, Any]) -> str:
    """For an inline entry whose name is not in the catalog: say that it must be complete."""
    named = [p for p in parent if isinstance(p, str) and p in _NAMED_ENTRIES]
    model = _model_at(parent)
    if not named or model is None:
        return ""
    entry = _value_at(data, parent)
    name = entry.get("name") if isinstance(entry, dict) else None
    required = [n for n, info in model.model_fields.items() if info.is_required() and n != "name"]
    what = _NAMED_ENTRIES[named[-1]]
    if isinstance(name, str):
        kind = {"gpus": "gpus", "regions": "regions", "recipes": "recipes", "scaling_law": "scaling_laws"}[named[-1]]
        near = difflib.get_close_matches(name, catalog.names(kind), n=1, cutoff=0.6)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        return (f" ('{name}' is not a built-in {what}{hint}, so the entry must give all of: "
                f"{', '.join(required)})")
    return f" (an inline {what} must give all of: {', '.join(required)})"


def _union_expected(loc: tuple) -> str:
    field = next((p for p in reversed(loc) if isinstance(p, str) and not _is_branch_label(p)), "")
    if field == "model_sizes":
        return "must be a list of model sizes or a mapping {min, max, count}"
    return "has the wrong type"


def _all_field_names(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    for field in model.model_fields.values():
        for annotation, _ in _flatten(field.annotation, []):
            for sub in _models_in(annotation):
                names |= _all_field_names(sub, seen)
    return names


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for alt, _ in _flatten(arg, []) for m in _models_in(alt)]


def _bounds(loc: tuple) -> dict[str, float]:
    """The numeric bounds (gt, ge, lt, le) the schema puts on the field at `loc`."""
    found: dict[str, float] = {}
    for annotation, metadata in _schema_at(loc):
        if annotation in (int, float):
            for item in metadata:
                for key in ("gt", "ge", "lt", "le"):
                    if getattr(item, key, None) is not None:
                        value = getattr(item, key)
                        tighter = max if key in ("gt", "ge") else min
                        found[key] = tighter(found[key], value) if key in found else value
            break
    return found


def _interval(bounds: dict[str, float]) -> str:
    # the tightest bounds of the field's type (planner.input.schema's named quantities)
    low = sorted(((k, v) for k, v in bounds.items() if k in ("gt", "ge")), key=lambda kv: (-kv[1], kv[0] != "gt"))
    high = sorted(((k, v) for k, v in bounds.items() if k in ("lt", "le")), key=lambda kv: (kv[1], kv[0] != "lt"))
    if low and high:
        (lk, lv), (hk, hv) = low[0], high[0]
        return f"must be in {'(' if lk == 'gt' else '['}{plain(lv)}, {plain(hv)}{')' if hk == 'lt' else ']'}"
    symbol = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
    (key, limit), = (low or high)[:1]
    return f"must be {symbol[key]} {plain(limit)}"


def describe_error(err: dict) -> str:
    """The loader's wording of one pydantic error (`must be in (0, 1e8]`), for callers that
    validate a section themselves (planner.analysis.fitting)."""
    return _describe(err)


def _describe(err: dict) -> str:
    ctx = err.get("ctx") or {}
    kind = err["type"]
    loc = err["loc"]
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bounds = _bounds(loc) or {{"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt",
                                   "less_than_equal": "le"}[kind]: next(iter(ctx.values()))}
        return _interval(bounds)
    if kind == "finite_number":
        return "must be a finite number (not NaN or infinity)"
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
        named = [p for p in loc if isinstance(p, str) and p in _NAMED_ENTRIES]
        if named and (loc[-1] == named[-1] or isinstance(loc[-1], int)):
            return "must be a catalog name or an inline mapping of its keys"
        return "must be a mapping"
    if kind == "too_short":
        return "must list at least one entry"
    if kind == "too_long":
        return f"must list at most {ctx.get('max_length', 0):,} entries (planner/input/schema.py: MAX_ENTRIES, MAX_STAGES, MAX_MODEL_SIZES)"
    if kind == "literal_error":
        return "must be one of " + str(ctx.get("expected", ""))
    return err["msg"][0].lower() + err["msg"][1:]


def _described(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = repr(value if len(value) < 40 else value[:37] + "...")
        try:
            float(value.replace("_", ""))
        except ValueError:
            return f"text {shown}"
        return f"text {shown} (write numbers without quotes)"
    if isinstance(value, dict):
        return "an empty mapping" if not value else "a mapping"
    if isinstance(value, list):
        return "an empty list" if not value else "a list"
    if isinstance(value, (int, float)):
        text = f"{value:g}" if isinstance(value, float) else str(value)
        return text if len(text) < 40 else text[:20] + f"... ({len(text)} digits)"
    return _kind(value)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "a boolean", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)
