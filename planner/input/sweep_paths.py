"""`--vary PATH=SPEC` for what-if sweeps: dotted paths into an instance and the values they take.

PATH is a dotted path into the instance as written in YAML, after catalog names are expanded (so
`regions[us-east].carbon_g_per_kwh` works when the file only says `regions: [us-east]`):

    limits.budget_usd                     a key of a mapping
    regions[us-east].carbon_g_per_kwh     a list entry by its `name`
    gpus[0].mfu                           a list entry by its index
    regions[sweden].offers.H100.available a mapping key (also `offers[H100]`, for names with dots)
    scaling_law.alpha                     the law's constants (the catalog law, overridden)

SPEC is either a comma list, `1e6,5e6,1e7` (numbers, `true`/`false`, `none` for YAML null: the
value switched off, a catalog value too, as `mtbf_hours: null` in the file; or text such as
`cost,co2` for `objective`), or a range `START:STOP:COUNT[log|lin]`, e.g. `1e6:1e8:20log` (COUNT
values from START to STOP inclusive, log- or linearly spaced; linear when the spacing is left out).
A range over a whole-number key (`gpus[H100].available`, `gpus_per_node`) is rounded to whole
numbers (repeats after rounding dropped), and the rounded values are the ones shown.

One field named two ways (`gpus[0].mfu` and `gpus[H100].mfu`, `offers.H100` and `offers[H100]`)
is one field: field_key() gives both the same key, and check_distinct() refuses it given twice.

Setting a value never validates by itself: every point becomes a full instance and goes through
planner.input.loading.instance_from_dict, so a typo in the last key is reported like one in a file
(`limits.budget: unknown key (did you mean 'budget_usd'?)`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from planner.errors import InputError

#: How many values one --vary may produce (a grid multiplies them).
MAX_VALUES = 10_000

_RANGE = re.compile(r"^\s*([^:]+):([^:]+):\s*(\d+)\s*(log|lin|linear)?\s*$", re.IGNORECASE)
_SEGMENT = re.compile(r"([^.\[\]]*)((?:\[[^\[\]]*\])*)")


@dataclass(frozen=True)
class Step:
    """One step of a path: a mapping key, a list index, or a list entry by name."""

    key: str | int
    by_name: bool = False  # `[name]` on a list

    def __str__(self) -> str:
        return f"[{self.key}]" if isinstance(self.key, int) or self.by_name else str(self.key)


@dataclass(frozen=True)
class Vary:
    """One `--vary PATH=SPEC`: the path, its parsed steps and the values it takes."""

    path: str
    steps: tuple[Step, ...]
    values: tuple[Any, ...]
    log: bool = False  # a log-spaced range (plots use a log axis)

    @property
    def is_limit(self) -> bool:
        """A path to one of the `limits` (a sweep changes these without rebuilding the model)."""
        return len(self.steps) == 2 and self.steps[0].key == "limits"


def parse_vary(text: str) -> Vary:
    """`PATH=SPEC` -> Vary (raises InputError naming the option)."""
    path, sep, spec = text.partition("=")
    path, spec = path.strip(), spec.strip()
    if not sep or not path or not spec:
        raise InputError("--vary", f"expected PATH=SPEC (e.g. limits.budget_usd=1e6:1e8:20log), got {text!r}")
    steps = parse_path(path)
    values, log = parse_spec(spec, where=f"--vary {path}")
    if ":" in spec and integer_field(steps):
        values = list(dict.fromkeys(round(v) for v in values))  # whole numbers, each once
    return Vary(path, steps, tuple(values), log)


def integer_field(steps: tuple[Step, ...]) -> bool:
    """True when the path ends at a whole-number field of the schema (GPU counts, node sizes)."""
    from typing import get_args, get_origin

    from pydantic import BaseModel

    from planner.input import schema

    node: Any = schema.Instance
    for step in steps:
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(str(step.key)) if not isinstance(step.key, int) else None
            if field is None:
                return False
            node = field.annotation
        else:  # a list or mapping: the type of its entries
            node = next((a for a in get_args(node) if a is not str), None)
        while get_origin(node) is not None and get_origin(node) not in (list, dict):
            node = next((a for a in get_args(node) if a is not type(None)), None)  # Optional, Annotated
        if node is None:
            return False
    return node is int


def field_key(data: dict[str, Any], steps: tuple[Step, ...]) -> tuple[str, ...]:
    """The field a path names, the same however it is written: a list index becomes the entry's
    name when it has one (`gpus[0]` = `gpus[H100]`), `offers.H100` = `offers[H100]`."""
    node: Any = data
    out = []
    for step in steps:
        key = step.key
        if isinstance(node, list) and isinstance(key, int) and not step.by_name and -len(node) <= key < len(node):
            name = _entry_name(node[key])
            key = name if name is not None else key
        out.append(str(key))
        if isinstance(node, dict):
            node = node.get(str(step.key))
        elif isinstance(node, list):
            names = [_entry_name(item) for item in node]
            found = (names.index(step.key) if step.key in names else None) if step.by_name or not isinstance(
                step.key, int) else (step.key if -len(node) <= step.key < len(node) else None)
            node = node[found] if found is not None else None
        else:
            node = None
    return tuple(out)


def check_distinct(data: dict[str, Any], paths: list[tuple[str, tuple[Step, ...]]], option: str) -> None:
    """InputError when two of the (path as written, steps) name one field."""
    seen: dict[tuple[str, ...], str] = {}
    for written, steps in paths:
        key = field_key(data, steps)
        if key in seen:
            same = "" if seen[key] == written else f" (as {seen[key]!r})"
            raise InputError(f"{option} {written}", f"given twice{same}; one {option} per field")
        seen[key] = written


def parse_path(path: str, option: str = "--vary") -> tuple[Step, ...]:
    """`regions[us-east].carbon_g_per_kwh` -> (regions, [us-east] by name, carbon_g_per_kwh)."""
    where = f"{option} {path}"
    steps: list[Step] = []
    for part in _split_dots(path, where):
        match = _SEGMENT.fullmatch(part)
        if match is None or (not match.group(1) and not steps):
            raise InputError(where, f"cannot read path segment {part!r}; write key, key[name] or key[0]")
        if match.group(1):
            steps.append(Step(match.group(1).strip()))
        for selector in re.findall(r"\[([^\[\]]*)\]", match.group(2)):
            selector = selector.strip()
            if not selector:
                raise InputError(where, "empty [] in path; write [name] or [index]")
            if re.fullmatch(r"-?\d+", selector):
                steps.append(Step(int(selector)))
            else:
                steps.append(Step(selector, by_name=True))
    if not steps:
        raise InputError(where, "empty path")
    return tuple(steps)


def _split_dots(path: str, where: str) -> list[str]:
    """Split at dots outside brackets (a name in brackets may hold dots)."""
    parts, depth, current = [], 0, ""
    for char in path:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth < 0:
                raise InputError(where, "unbalanced ']' in path")
        if char == "." and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if depth:
        raise InputError(where, "unbalanced '[' in path")
    parts.append(current)
    if any(not p.strip() for p in parts):
        raise InputError(where, "empty segment in path (two dots, or a dot at an end)")
    return [p.strip() for p in parts]


def parse_spec(spec: str, where: str = "--vary") -> tuple[list[Any], bool]:
    """A comma list or `START:STOP:COUNT[log|lin]` -> (values, log spacing?)."""
    if ":" in spec:
        match = _RANGE.fullmatch(spec)
        if match is None:
            raise InputError(where, f"range must be START:STOP:COUNT[log|lin] (e.g. 1e6:1e8:20log), got {spec!r}")
        start, stop = (_number(match.group(k), where) for k in (1, 2))
        count = int(match.group(3))
        log = (match.group(4) or "lin").lower() == "log"
        if not 1 <= count <= MAX_VALUES:
            raise InputError(where, f"COUNT must be between 1 and {MAX_VALUES}, got {count}")
        if count == 1 and start != stop:
            raise InputError(where, "COUNT 1 gives one value; make START and STOP equal, or COUNT at least 2")
        if log and (start <= 0 or stop <= 0):
            raise InputError(where, f"log spacing needs START and STOP > 0, got {start:g} and {stop:g}")
        return spaced(start, stop, count, log), log
    items = [item.strip() for item in spec.split(",")]
    if any(not item for item in items):
        raise InputError(where, f"empty value in list {spec!r}")
    if len(items) > MAX_VALUES:
        raise InputError(where, f"at most {MAX_VALUES} values, got {len(items)}")
    return [_scalar(item) for item in items], False


def spaced(start: float, stop: float, count: int, log: bool) -> list[float]:
    """`count` values from start to stop inclusive (ends exact)."""
    if count == 1:
        return [start]
    if log:
        ratio = math.log(stop / start) / (count - 1)
        inner = [start * math.exp(ratio * k) for k in range(1, count - 1)]
    else:
        inner = [start + (stop - start) * k / (count - 1) for k in range(1, count - 1)]
    return [start, *inner, stop]


def _number(text: str, where: str) -> float:
    try:
        value = float(text.strip().replace("_", ""))
    except ValueError:
        raise InputError(where, f"{text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(where, f"{text.strip()!r} is not a finite number")
    return value


def _scalar(text: str) -> Any:
    """`4096` -> int, `1e6` -> float, `true`/`false` -> bool, `none`/`null` -> None, else text."""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null", "~"):
        return None
    if re.fullmatch(r"[+-]?\d+", text) and len(text) <= 100:  # longer: a float (Python refuses 4,300+ digits)
        return int(text)
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        return text
    if not math.isfinite(value):
        raise InputError("--vary", f"{text!r} is not a finite number")
    return value


def parse_set(text: str, option: str = "--set") -> tuple[str, Any]:
    """`PATH=VALUE` -> (path, value): one value, read as YAML (`5e6`, `true`, `[H100, B200]`,
    `{max_loss: 2.1}`, `2027-03-01` as text); `none` or `null` is YAML null (the value switched off,
    a catalog value too)."""
    import yaml

    from planner.input.yaml_safe import SafeLoader

    path, sep, raw = text.partition("=")
    path, raw = path.strip(), raw.strip()
    if not sep or not path or not raw:
        raise InputError(option, f"expected PATH=VALUE (e.g. limits.budget_usd=5e6), got {text!r}")
    parse_path(path, option)
    if raw.lower() in ("none", "null", "~"):
        return path, None
    try:
        value = yaml.load(raw, Loader=SafeLoader)  # noqa: S506 -- the project's restricted SafeLoader
    except yaml.YAMLError:
        raise InputError(f"{option} {path}", f"cannot read the value {raw!r} (write it as in YAML)") from None
    except RecursionError:  # `[[[[...]]]]` thousands deep
        raise InputError(f"{option} {path}", "the value is nested too deeply") from None
    from planner.input.yaml_safe import YamlTooDeep, check_depth

    try:
        check_depth(value)
    except YamlTooDeep as exc:
        raise InputError(f"{option} {path}", str(exc)) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"{option} {path}", f"{raw!r} is not a finite number")
    return path, value


#: Keys whose absence means something a created mapping would silently change.
_NO_CREATE = {"offers": "absent means the region sells every GPU at the GPU's own price and count; "
                        "vary gpus[NAME].usd_per_gpu_hour / .available instead, or list offers in the file"}
#: Setting one of these drops the other (an instance gives one loss target).
_EXCLUSIVE = {("targets", "max_loss"): "match", ("targets", "match"): "max_loss",
              ("limits", "deadline_days"): "deadline", ("limits", "deadline"): "deadline_days"}


def set_path(data: dict[str, Any], steps: tuple[Step, ...], value: Any, path: str = "",
             option: str = "--vary") -> dict[str, Any]:
    """A copy of `data` with the value at `steps` replaced (None writes YAML null: the key stays, so
    a catalog entry's value is switched off rather than restored); `data` itself is not changed (the mappings and lists along the path are copied, the rest is shared).

    Missing mappings on the way are created (`limits` in a file without limits), except `offers`.
    A catalog name written as plain text (`regions: [us-east]`) should be expanded before
    (planner.input.loading.resolve_catalog_names); text entries are still accepted and become
    `{name: ...}`, which the catalog fills in.
    """
    where = f"{option} {path or '.'.join(map(str, steps))}"
    out = dict(data)  # copy-on-write: only the containers along the path are copied
    node: Any = out
    walked = ""
    for k, step in enumerate(steps):
        last = k == len(steps) - 1
        here = _join(walked, step)
        if isinstance(node, dict):
            if step.by_name or isinstance(step.key, int):
                key = str(step.key)
            else:
                key = step.key
            if last:
                exclusive = _EXCLUSIVE.get((walked, key))
                if exclusive is not None and value is not None:
                    node.pop(exclusive, None)  # a value for one drops the other; null drops nothing
                node[key] = value
                return out
            child = node.get(key)
            if child is None:
                if key in _NO_CREATE:
                    raise InputError(where, f"{here} is not in the instance ({_NO_CREATE[key]})")
                child = {}
            elif isinstance(child, str) and not walked and key == "scaling_law":
                child = {"name": child}
            node[key] = child = _copy(child)
            node = child
        elif isinstance(node, list):
            index = _list_index(node, step, here, where)
            if last:
                node[index] = value
                return out
            child = {"name": node[index]} if isinstance(node[index], str) else node[index]
            node[index] = child = _copy(child)
            node = child
        else:
            raise InputError(where, f"{walked or 'the instance'} is {_kind(node)}, it has no {step}")
        walked = here
    return out  # pragma: no cover -- the loop returns at the last step


def _copy(value: Any) -> Any:
    """A shallow copy of a container on the path (the caller's data is never changed)."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def _list_index(node: list, step: Step, here: str, where: str) -> int:
    if isinstance(step.key, int) and not step.by_name:
        index = step.key
        if not -len(node) <= index < len(node):
            raise InputError(where, f"{here}: index out of range (the list has {len(node)} entries)")
        return index % len(node)
    names = [_entry_name(item) for item in node]
    if step.key in names:
        return names.index(step.key)
    listed = ", ".join(n for n in names if n is not None) or "none"
    raise InputError(where, f"{here}: no entry named '{step.key}' (listed: {listed})")


def _entry_name(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        return item["name"]
    return None


def _join(walked: str, step: Step) -> str:
    text = str(step)
    if not walked:
        return text
    return walked + text if text.startswith("[") else f"{walked}.{text}"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return f"text ({value!r})"
    return type(value).__name__
