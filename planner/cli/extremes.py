"""Which input made a computation overflow: the most extreme number given (on the command line
or in the instance last loaded).

Every key is range-checked, but some ranges are open at 0 (`mfu` in (0, 1]) and a combination of
valid values can still overflow float arithmetic or make HiGHS refuse the model (`mfu: 1e-308`,
`swing_fraction: 5e-324`). The message then names the number furthest from 1 in orders of
magnitude among the instance's numbers (`gpus[0].mfu = 1e-308`), or among the values `--set`,
`--vary` and `--dist` gave, named as written there (`--vary gpus[G1].mfu: 1e-308`); that is the
one to bring closer to real training runs; nothing is named when every number is within 1e-30 .. 1e30 of 1.
"""

from __future__ import annotations

import math
from typing import Any

#: A number this many orders of magnitude from 1 (either way) is named as the likely cause.
EXTREME_DECADES = 30.0


def most_extreme(data: Any) -> tuple[str, float] | None:
    """(path, value) of the nonzero finite number furthest from 1 in orders of magnitude, if it is
    at least EXTREME_DECADES away; None otherwise. An iterative walk (deep data cannot overflow)."""
    best: tuple[float, str, float] | None = None
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            stack.extend((f"{path}.{k}" if path else str(k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(node))
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            try:
                value = float(node)
            except OverflowError:
                continue
            if value == 0 or not math.isfinite(value):
                continue
            decades = abs(math.log10(abs(value)))
            if decades >= EXTREME_DECADES and (best is None or decades > best[0]):
                best = (decades, path, value)
    return None if best is None else (best[1], best[2])


def culprit() -> tuple[str, float] | None:
    """(path, value) of the most extreme number given: a value set on the command line (`--set`,
    `--vary`, `--dist` draws; named as written there: `--vary gpus[G1].mfu`) when it is at least
    as extreme as any of the instance last loaded, else that instance's; None when none is."""
    from planner.input.loading import last_loaded, noted_changes

    best: tuple[float, str, float] | None = None
    for option, pairs in noted_changes().items():
        for path, value in pairs():
            found = most_extreme(value)
            if found is not None and (best is None or _decades(found[1]) > best[0]):
                where = path if path.startswith(("--", "uncertainty.")) else f"{option} {path}"
                best = (_decades(found[1]), where + found[0], found[1])
    base = most_extreme(last_loaded())
    if base is not None and (best is None or _decades(base[1]) > best[0]):
        return base
    return None if best is None else (best[1], best[2])


def _decades(value: float) -> float:
    return abs(math.log10(abs(value)))


def too_extreme(what: str) -> str:
    """The one line for an overflow or a refused model: `gpus[0].mfu: 1e-308 is too extreme to
    compute with (what); ...` naming the culprit, else the generic line."""
    from planner.errors import clip

    found = culprit()
    if found is None:
        return (f"error: the inputs are too extreme to compute with ({what}); "
                "bring the numbers closer to real training runs")
    path, value = found
    return (f"error: {clip(path)}: {value:g} is too extreme to compute with ({what}); "
            "bring it closer to real training runs")
