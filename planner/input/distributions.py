"""Distributions of uncertain inputs for `plan uncertainty` (the `uncertainty:` block and `--dist`).

    normal(mean, sd)        sd >= 0
    uniform(lo, hi)         lo <= hi
    lognormal(mu, sigma)    exp of normal(mu, sigma): median exp(mu), sigma >= 0
    samples(file.csv)       a row drawn uniformly (with replacement) from the file per scenario

A leading `*` makes the draw a factor on the instance's own value: `*lognormal(0, 0.2)` on
`regions[*].carbon_g_per_kwh` multiplies each region's intensity by its own draw.

`samples(file.csv)` on a mapping (`scaling_law`) needs the columns E, A, B, alpha, beta (each
row is one law, e.g. `plan fit --samples-output`); on a number it reads the column named like the
path's last key (`mfu` for `gpus[H100].mfu`), or the only column of a one-column file.

Parsing is pure Python (the schema checks the text of an `uncertainty:` block); drawing uses a
numpy Generator passed in by the caller, so one seed gives the same draws everywhere.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from planner.errors import InputError

#: distribution -> its parameters, in the order they are written
KINDS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"),
    "uniform": ("lo", "hi"),
    "lognormal": ("mu", "sigma"),
    "samples": ("file",),
}

_FORM = re.compile(r"^\s*(\*)?\s*([A-Za-z_]+)\s*\((.*)\)\s*$", re.DOTALL)


@dataclass(frozen=True)
class Distribution:
    kind: str                       # normal | uniform | lognormal | samples
    params: tuple[float, ...] = ()  # the numbers, in KINDS order (empty for samples)
    file: str | None = None         # samples(file)
    relative: bool = False          # `*`: a factor on the instance's value
    text: str = ""

    def representative(self) -> float:
        """A typical draw (the mean or median), used to check a path before sampling."""
        if self.kind == "normal":
            return self.params[0]
        if self.kind == "uniform":
            return (self.params[0] + self.params[1]) / 2
        if self.kind == "lognormal":
            return math.exp(self.params[0])
        raise ValueError("samples have no representative number")

    def draw(self, rng: Any, count: int) -> Any:
        """`count` draws (a numpy array) from the Generator `rng`; samples: row indices are drawn
        by the caller (draw_rows), since the file is read there."""
        if self.kind == "normal":
            return rng.normal(self.params[0], self.params[1], size=count)
        if self.kind == "uniform":
            return rng.uniform(self.params[0], self.params[1], size=count)
        if self.kind == "lognormal":
            return rng.lognormal(self.params[0], self.params[1], size=count)
        raise ValueError("samples: use draw_rows")

    @staticmethod
    def draw_rows(rng: Any, rows: int, count: int) -> Any:
        """`count` row indices drawn uniformly with replacement from `rows` rows."""
        return rng.integers(0, rows, size=count)


#: |mu| of a lognormal at most this: exp(700) ~ 1e304 is still a float, exp(710) is not.
LOGNORMAL_MU = 700.0


def parse_distribution(text: Any, where: str) -> Distribution:
    """`normal(0.4, 0.05)`, `*lognormal(0, 0.2)`, `samples(laws.csv)` -> Distribution
    (raises InputError naming `where`)."""
    if not isinstance(text, str):
        raise InputError(where, f"expected text such as 'normal(0.4, 0.05)', got {type(text).__name__}")
    match = _FORM.fullmatch(text)
    if match is None:
        raise InputError(where, f"cannot read {text.strip()!r}; write normal(mean, sd), uniform(lo, hi), "
                         "lognormal(mu, sigma) or samples(file.csv), optionally with a leading * (a factor)")
    star, kind, inside = match.group(1), match.group(2).lower(), match.group(3)
    if kind not in KINDS:
        raise InputError(where, f"unknown distribution {match.group(2)!r} (known: {', '.join(KINDS)})")
    names = KINDS[kind]
    if kind == "samples":
        name = inside.strip().strip("'\"").strip()
        if not name or "," in name:
            raise InputError(where, "samples(file.csv) takes one file name")
        if star:
            raise InputError(where, "samples(...) cannot be a factor (*)")
        return Distribution(kind, (), name, False, text.strip())
    args = [a.strip() for a in inside.split(",")]
    if len(args) != len(names) or any(not a for a in args):
        raise InputError(where, f"{kind} takes {len(names)} numbers ({', '.join(names)}), got {inside.strip()!r}")
    values = []
    for name, arg in zip(names, args):
        try:
            value = float(arg.replace("_", ""))
        except ValueError:
            raise InputError(where, f"{kind}: {name} {arg!r} is not a number") from None
        if not math.isfinite(value):
            raise InputError(where, f"{kind}: {name} must be finite, got {arg}")
        values.append(value)
    if kind == "normal" and values[1] < 0:
        raise InputError(where, f"normal: sd must be >= 0, got {values[1]:g}")
    if kind == "lognormal" and not -LOGNORMAL_MU <= values[0] <= LOGNORMAL_MU:
        raise InputError(where, f"lognormal: mu must be within [-{LOGNORMAL_MU:g}, {LOGNORMAL_MU:g}] (exp(mu) is "
                                f"the median draw, a finite number), got {values[0]:g}")
    if kind == "lognormal" and values[1] < 0:
        raise InputError(where, f"lognormal: sigma must be >= 0, got {values[1]:g}")
    if kind == "uniform" and values[1] < values[0]:
        raise InputError(where, f"uniform: hi ({values[1]:g}) must be at least lo ({values[0]:g})")
    return Distribution(kind, tuple(values), None, bool(star), text.strip())


def check_distributions(block: dict[str, Any]) -> dict[str, Any]:
    """pydantic validator of an `uncertainty:` block: every value must parse (ValueError naming the
    path in quotes otherwise, so the loader keeps the message whole)."""
    for path, text in block.items():
        try:
            parse_distribution(text, "")
        except InputError as exc:
            raise ValueError(f"'{path}': {exc.problem}") from None
    return block
