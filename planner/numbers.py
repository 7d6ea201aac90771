"""How numbers are written, once for every layer (tables, plots, messages, labels).

    si(13e9) -> '13B'        si(6.22e11) -> '622B'      si(4096) -> '4.1k'     si(0.5) -> '0.5'
    whole(1069577.47) -> '1,069,577'                     sig(2.06471) -> '2.065'      sci(3.3e8) -> '3.3e8'
    usd(66.5e6) -> '$66.5M'  usd(1234) -> '$1,234'       value(2e6) -> '2,000,000'   value(1e15) -> '1e15'
    tick(1e15) -> '1,000T'   tick(0.35) -> '0.35'        tick(2500) -> '2,500'

No function here writes '2e+06' or breaks a number with a unit in two: a table that must narrow
drops or abbreviates its text columns first (planner.present.tables).
"""

from __future__ import annotations

import math
from typing import Any

_PREFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def si(value: float | None, digits: int = 3, unit: str = "", floor: float = 1e3) -> str:
    """`13B`, `622B`, `1.07M`: significant `digits` with the largest prefix (T, B, M, k) that fits;
    values under `floor` are written as they are (`floor=1e6`: no `k`)."""
    if value is None:
        return "-"
    for factor, prefix in _PREFIXES:
        if factor >= floor and abs(value) >= factor:
            return f"{_digits(value / factor, digits)}{prefix}{unit}"
    return f"{_digits(value, digits)}{unit}"


def whole(value: float | None) -> str:
    """`1,069,577`: rounded to a whole number with thousands separators."""
    return "-" if value is None else f"{value:,.0f}"


def sig(value: Any, digits: int = 4) -> str:
    """`2.065`, `1,221` -> significant digits with thousands separators, never an exponent
    below 1e15; a whole number as it is (`1,024`), text as it is, None as `-`."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return _digits(value, digits)


#: How quantity() writes a figure of these units.
_QUANTITY_FORMATS = {"t": "{:,.1f} t", "days": "{:,.2f} days", "FLOP": "{:.3e} FLOP", "MW": "{:,.2f} MW",
                     "nats/token": "{:.4f} nats/token"}


def quantity(value: float, unit: str) -> str:
    """A figure as the tables write it: $66.5M, 1,234.5 t, 12.3 days, 3.80e+25 FLOP, 2.1234 nats/token."""
    if unit == "USD":
        for factor, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= factor:
                return f"${value / factor:,.3g}{suffix}" if abs(value) < 1e12 else f"${value / 1e9:,.0f}B"
        return f"${value:,.0f}"
    if unit in _QUANTITY_FORMATS:
        return _QUANTITY_FORMATS[unit].format(value)
    if unit == "GPUs":
        return f"{value:,.0f} GPUs" if float(value).is_integer() else f"{value:,.1f} GPUs"
    if unit in ("tokens", "params"):
        return si(value, 3, f" {unit}")
    return f"{value:,.4g}{' ' + unit if unit else ''}"


def amount(value: float, unit: str) -> str:
    """`2,412,000 USD`, `12.35 t`, `3.5 days`: a figure and its unit to the dollar (whole) or to 4
    significant digits (sig), for messages that say by how much (quantity abbreviates, for tables)."""
    return f"{whole(value) if unit == 'USD' else sig(value)} {unit}"


def sci(value: float, digits: int = 3) -> str:
    """`3.3e8`, `2.25e9`, `0.5`: a mantissa of `digits` significant digits and a plain exponent
    (for quantities spanning many decades, e.g. FLOP per parameter)."""
    text = f"{value:.{digits}g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


def plain(value: float) -> str:
    """`1e7`, `0.95`, `1e-6`, `16384`: Python's `g` (6 digits) without `+` and leading zeros in the
    exponent (bounds in messages and docs)."""
    return sci(value, 6)


def usd(value: float) -> str:
    """`$66.5M`, `$2M`, `$1,234`: dollars, millions and billions abbreviated."""
    for factor, suffix in ((1e9, "B"), (1e6, "M")):
        if abs(value) >= factor:
            return f"${_digits(value / factor, 3)}{suffix}"
    return f"${value:,.0f}"


def value(x: Any) -> str:
    """An input value as a user would write it: `2,000,000`, `0.35`, `1e15`, `none`, `H100`."""
    if x is None:
        return "none"
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        if x.is_integer() and abs(x) < 1e12:
            return f"{x:,.0f}"
        text = f"{x:.6g}"
        if "e" in text:
            mantissa, exponent = text.split("e")
            return f"{mantissa}e{int(exponent)}"
        return text
    return str(x)


def tick(x: float) -> str:
    """An axis tick: `0`, `0.35`, `2,500`, `200T` (never 17 digits)."""
    if x == 0:
        return "0"
    if abs(x) >= 1e5:
        return si(x, 4, floor=1e6) if abs(x) < 1e15 else f"{x / 1e12:,.0f}T"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.6g}"


def _digits(x: float, digits: int) -> str:
    """`digits` significant digits, thousands separators, no exponent below 1e15."""
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    if abs(x) >= 10 ** digits:
        return f"{x:,.0f}"
    text = f"{x:,.{digits}g}"
    return text if "e" not in text else f"{x:,.{max(digits - 1 - math.floor(math.log10(abs(x))), 0)}f}"


__all__ = ["si", "whole", "sig", "quantity", "amount", "sci", "plain", "usd", "value", "tick"]
