"""Months of a campaign horizon, written YYYY-MM: index from the start month, label of an index,
and the hours in a calendar month (days x 24, leap years included)."""

from __future__ import annotations

import calendar


def month_index(start: str, month: str) -> int:
    """Months from `start` to `month` (both YYYY-MM): 0 for the start month itself."""
    y0, m0 = (int(p) for p in start.split("-"))
    y1, m1 = (int(p) for p in month.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


def month_label(start: str, index: int) -> str:
    """The YYYY-MM of month `index` of a horizon starting at `start` (index may pass the horizon)."""
    y0, m0 = (int(p) for p in start.split("-"))
    total = y0 * 12 + (m0 - 1) + index
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def hours_in_month(label: str) -> float:
    """Hours in calendar month `label` (YYYY-MM): days x 24."""
    year, month = (int(p) for p in label.split("-"))
    return 24.0 * calendar.monthrange(year, month)[1]


def calendar_month(label: str) -> int:
    """1..12: the calendar month of `label`."""
    return int(label.split("-")[1])
