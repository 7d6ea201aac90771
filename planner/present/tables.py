"""Tables that fit the terminal: words wrap, numbers never do.

Rich shrinks a table that is too wide by cutting every column evenly, which breaks numbers across
lines (`2,25` / `0`) and names in the middle (`MI30` / `0X`). `fit_table` sizes the columns itself:

1. At its natural width (every cell on one line) the table is printed as rich lays it out.
2. Too wide: headers take their short form (`BF16 TF/s` for `BF16 TFLOP/s`), if a column has one,
   and every column may shrink to its minimum: a number column (and a `keep` column, e.g. a
   scenario name) to its longest word -- `7,254 -> 6,265` may wrap at the arrow, a number never --
   a text column to its longest word, at most FOLD_WORDS_OVER (a longer word folds).
3. Still too wide: columns marked droppable are left out, the most droppable first, until every
   column fits at its minimum. The caption names the columns left out.
4. The width left over goes to the columns that want least more first (short texts stay on one
   line); text wraps at spaces.

Cells are plain text (rich.text.Text), never console markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from dataclasses import dataclass

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text


@dataclass(frozen=True)
class Col:
    """A column: `numeric` cells (right-aligned) and `keep` cells (names) never break a word: their
    width is at least their longest word, while their header may wrap at spaces;
    `short` is the header used when space is short; `drop` > 0 lets the column be left out (the
    highest first)."""

    header: str
    numeric: bool = False
    short: str | None = None
    drop: int = 0
    keep: bool = False
    style: str | None = None
    justify: str | None = None


def _longest_word(text: str) -> int:
    return max((cell_len(word) for line in text.splitlines() for word in line.split()), default=0)


def _longest_line(text: str) -> int:
    return max((cell_len(line) for line in text.splitlines()), default=0)


def _overhead(count: int) -> int:
    return 3 * count + 1  # a space either side of each cell, a rule between and around the columns


#: A text column may fold a word longer than this (a 23-letter cloud-region name) rather than
#: push the table past the terminal.
FOLD_WORDS_OVER = 12


def _minimum(col: Col, header: str, cells: list[str]) -> int:
    """Numbers and kept names: their longest word (a range `7,254 -> 6,265` may wrap at its
    spaces, a number never); other text: its longest word up to FOLD_WORDS_OVER."""
    head = min(_longest_word(header), FOLD_WORDS_OVER)  # a long header word folds; a number never
    words = max((_longest_word(c) for c in cells), default=1)
    if col.numeric or col.keep:
        return max(head, words)
    return max(head, min(words, FOLD_WORDS_OVER))


def _natural(header: str, cells: list[str]) -> int:
    return max(_longest_line(header), *(_longest_line(c) for c in cells)) if cells else _longest_line(header)


def layout(columns: Sequence[Col], rows: Sequence[Sequence[str]], width: int) -> tuple[list[int], list[str], list[int] | None]:
    """(indices of the columns shown, their headers, their widths or None for rich's own layout)."""
    cells = [[str(row[k]) for row in rows] for k in range(len(columns))]
    every = list(range(len(columns)))
    full = [c.header for c in columns]
    short = [c.short or c.header for c in columns]
    for headers in (full, short):
        natural = [_natural(headers[k], cells[k]) for k in every]
        if sum(natural) + _overhead(len(every)) <= width:
            return every, headers, None
    minimum = [_minimum(c, short[k], cells[k]) for k, c in enumerate(columns)]
    if sum(minimum) + _overhead(len(every)) <= width:
        return every, short, _widths(every, natural, minimum, width)
    shown = list(every)
    droppable = sorted((k for k, c in enumerate(columns) if c.drop > 0), key=lambda k: (-columns[k].drop, -k))
    while sum(minimum[k] for k in shown) + _overhead(len(shown)) > width and droppable:
        shown.remove(droppable.pop(0))
    if sum(natural[k] for k in shown) + _overhead(len(shown)) <= width:
        return shown, [short[k] for k in shown], None
    _squeeze_text(columns, shown, minimum, width)
    return shown, [short[k] for k in shown], _widths(shown, natural, minimum, width)


#: A text column is never narrower than this (it folds its words to fit).
NARROWEST_TEXT = 6


def _squeeze_text(columns: Sequence[Col], shown: list[int], minimum: list[int], width: int) -> None:
    """When even the minimum widths do not fit, the text columns give way (their words fold), the
    widest first, down to NARROWEST_TEXT: numbers stay whole; only if that is not enough does the
    table run past `width`. Changes `minimum` in place."""
    over = sum(minimum[k] for k in shown) + _overhead(len(shown)) - width
    for kept in (False, True):  # free text first, then names (`keep`)
        text = [k for k in shown if not columns[k].numeric and columns[k].keep == kept]
        while over > 0:
            wide = [k for k in text if minimum[k] > NARROWEST_TEXT]
            if not wide:
                break
            k = max(wide, key=lambda j: minimum[j])
            minimum[k] -= 1
            over -= 1


def _widths(shown: list[int], natural: list[int], minimum: list[int], width: int) -> list[int]:
    """Every column at its minimum; the width left over goes to the columns that want least more
    first, so short texts stay on one line and the longest text takes what remains."""
    widths = {k: minimum[k] for k in shown}
    spare = width - sum(widths.values()) - _overhead(len(shown))
    for k in sorted((k for k in shown if natural[k] > minimum[k]), key=lambda k: natural[k] - minimum[k]):
        if spare <= 0:
            break
        extra = min(spare, natural[k] - widths[k])
        widths[k] += extra
        spare -= extra
    return [widths[k] for k in shown]


def fit_table(columns: Sequence[Col], rows: Sequence[Sequence[str]], width: int, title: str | None = None,
              caption: str | None = None) -> Table:
    """A rich Table of `rows` (plain strings) that fits `width` columns (module docstring)."""
    shown, headers, widths = layout(columns, rows, width)
    dropped = [c.header for k, c in enumerate(columns) if k not in shown]
    notes = [caption] if caption else []
    if dropped:
        notes.append(f"left out at {width} columns: {', '.join(dropped)} (widen the terminal, or --format json)")
    table = Table(title=Text(title) if title else None, title_justify="left",
                  caption=Text("; ".join(notes)) if notes else None, caption_justify="left")
    for position, k in enumerate(shown):
        col = columns[k]
        table.add_column(Text(headers[position]), justify=col.justify or ("right" if col.numeric else "left"),
                         style=col.style, overflow="fold",
                         width=None if widths is None else widths[position])
    for row in rows:
        table.add_row(*(Text(str(row[k])) for k in shown))
    return table


def wide_console():
    """A console on stdout; 160 columns when stdout is not a terminal (tables piped to a file),
    unless COLUMNS sets the width."""
    import os

    from rich.console import Console

    console = Console(emoji=False)  # a name such as `:smile:` is text, not an emoji shortcode
    if console.is_terminal or os.environ.get("COLUMNS", "").strip().isdigit():
        return console
    return Console(width=max(console.width, 160), emoji=False)


def format_number(value: float) -> str:
    """A figure for a table cell: thousands separated above 1,000, else 6 significant digits
    (planner.numbers, never an exponent)."""
    from planner.numbers import sig, whole

    return whole(value) if abs(value) >= 1000 else sig(value, 6)


#: The figure columns of a plan in the what-if and rank tables: (the objective whose value it
#: shows, header, header at 80 columns).
FIGURE_COLUMNS = (("cost", "cost (USD)", "cost $"), ("co2", "CO2e (t)", "CO2e t"), ("time", "days", None),
                  ("loss", "loss", None))


def figure_cells(metrics: Any, lifetime: bool) -> list[str]:
    """The cells under FIGURE_COLUMNS: dollars whole, t CO2e and days to two decimals, the loss to
    four; cost and CO2e over the model's life with `lifetime` (objective_value: training + serving),
    training's alone without."""
    cost, co2 = ((metrics.objective_value("cost"), metrics.objective_value("co2")) if lifetime
                 else (metrics.cost_usd.total, metrics.co2_t.total))
    return [f"{cost:,.0f}", f"{co2:,.2f}", f"{metrics.duration_days:,.2f}", f"{metrics.loss:.4f}"]


def text_console(width: int | None = None):
    """(a plain-text rich Console writing to a buffer, the buffer) for output returned as text:
    `width` columns, else COLUMNS, else the terminal's (100 when stdout is not a terminal)."""
    import io
    import os
    import shutil
    import sys

    from rich.console import Console

    if width is None:
        if os.environ.get("COLUMNS", "").strip().isdigit():
            width = int(os.environ["COLUMNS"])
        else:
            width = shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 100
    buffer = io.StringIO()
    return Console(file=buffer, width=width, force_terminal=False, color_system=None), buffer


__all__ = ["Col", "fit_table", "layout", "wide_console", "text_console", "format_number", "FIGURE_COLUMNS",
           "figure_cells"]
