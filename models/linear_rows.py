"""LinearRows: an indexed Pyomo Constraint whose rows are given as numbers (CSR-like lists), not as
expressions, for a model with thousands of linear rows (models.campaign_plan).

Pyomo's own bulk component, MatrixConstraint (pyomo.core.base.matrix_constraint), no longer works
with Pyomo 6's Block.component_data_objects (it breaks on values(sort) and on ConstraintData's
_expr), and it numbers its rows 0..n-1. LinearRows keeps every row under its own index (res_use[j,
i, t]) and builds each row the way Pyomo's template constraints do (TemplateConstraintData): its
ConstraintData is made without an expression and makes it from its row only when asked (`expr`,
set_value), then becoming a plain ConstraintData; the row objects themselves are made when Pyomo
first reaches for them (`_data`), never by a compile that reads the lists. to_bounded_expression
gives (lower, body, upper) straight from the row, so any Pyomo consumer (standard_repn, the
writers, value, pprint) sees the row it describes; planner.optimize.solve.compile_model reads a
LinearRows component's lists directly (`entries`) instead of visiting its rows one by one.

A row is lower <= sum_n coefs[n] variables[n] <= upper (None: no bound; lower == upper: an equality).
"""

from __future__ import annotations

import math
import weakref
from itertools import accumulate, chain

import numpy as np
from pyomo.core.base.constraint import ConstraintData, IndexedConstraint
from pyomo.core.base.set import Any
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression


class LinearRowData(ConstraintData):
    """One row of a LinearRows; `_expr` holds its row number until the expression is asked for."""

    __slots__ = ()

    def __init__(self, component, index, row: int):
        self._component = component   # inlined ConstraintData/ComponentData construction, as Pyomo's
        self._active = True           # TemplateConstraintData does
        self._index = index
        self._expr = row

    def to_bounded_expression(self, evaluate_bounds=False):
        rows = self.parent_component()
        row = self._expr
        a, b = int(rows.starts[row]), int(rows.starts[row + 1])
        coefs, variables = rows.coefs[a:b], rows.row_variables(a, b)
        terms = [v if c == 1 else MonomialTermExpression((c, v))
                 for c, v in zip(coefs if isinstance(coefs, list) else coefs.tolist(), variables)]
        return rows.lower[row], LinearExpression(terms), rows.upper[row]

    def _materialize(self) -> None:
        relation = self.to_bounded_expression()
        self.__class__ = ConstraintData
        if relation[0] is not None and relation[0] == relation[2]:
            self.set_value(relation[1] == relation[0])
        else:
            self.set_value(relation)

    @property
    def equality(self):
        rows = self.parent_component()
        return rows.lower[self._expr] is not None and rows.lower[self._expr] == rows.upper[self._expr]

    @property
    def expr(self):
        self._materialize()
        return self._expr

    def set_value(self, expr):
        self._materialize()
        return self.set_value(expr)


class LinearRows(IndexedConstraint):
    """Rows `keys[r]`: lower[r] <= sum_{n in starts[r]:starts[r+1]} coefs[n] variables[n] <= upper[r].

    `variables` is a list of variables, or, with `table` (a list of variables, e.g. every variable
    of a model once), an integer numpy array of positions in it (column numbers: a row family made
    by index arithmetic, models.campaign_plan); starts and coefs may be lists or numpy arrays."""

    def __init__(self, keys: list, starts, variables, coefs, lower: list, upper: list, table: list | None = None):
        if not (len(keys) == len(lower) == len(upper) == len(starts) - 1 and len(variables) == len(coefs)
                == starts[-1]):
            raise ValueError("LinearRows: keys, starts, variables, coefs and bounds disagree in length")
        if table is not None and len(variables) and not 0 <= int(variables.min()) <= int(variables.max()) < len(table):
            raise ValueError("LinearRows: a column number outside the table")
        IndexedConstraint.__init__(self, Any)
        self.keys_in_order = keys
        self.starts = starts
        self.table = table
        self.index = variables if table is not None else None
        self._variables = None if table is not None else variables
        self.coefs = coefs
        self.lower = lower
        self.upper = upper

    @property
    def variables(self) -> list:
        """The variable of every entry, in entry order."""
        if self._variables is None:
            return [self.table[c] for c in self.index.tolist()]
        return self._variables

    def row_variables(self, a: int, b: int) -> list:
        """The variables of entries a..b-1."""
        if self._variables is None:
            return [self.table[c] for c in self.index[a:b].tolist()]
        return self._variables[a:b]

    def construct(self, data=None):
        if self._constructed:
            return
        self._constructed = True
        self.__dict__["_unmade"] = True   # the row objects are made when first asked for (_data)

    @property
    def _data(self):
        """Index -> LinearRowData of every row, made on first use (a compile that reads `entries`
        never needs them): IndexedComponent keeps its data in `_data`, so every Pyomo access
        (iteration, [], len, component_data_objects) comes through here."""
        if self.__dict__.get("_unmade"):
            ref = weakref.ref(self)
            self.__dict__["_rows_data"] = {key: LinearRowData(ref, key, row)
                                           for row, key in enumerate(self.keys_in_order)}
            self.__dict__["_unmade"] = False
        return self.__dict__["_rows_data"]

    @_data.setter
    def _data(self, value):
        self.__dict__["_rows_data"] = value

    def __len__(self):
        """The number of rows (without making them: Pyomo's model statistics ask every component)."""
        return len(self.keys_in_order) if self.__dict__.get("_unmade") else len(self._data)

    def entries(self):
        """(pool, index, coefs, entries per row, lower, upper) of every row: entry n's variable is
        pool[index[n]] (index None: pool[n], pool being the entries' variables), counts and bounds as
        numpy arrays (bounds as floats, +-inf for none). None when a row is inactive or no longer its own numbers (set_value)."""
        if not self.__dict__.get("_unmade") and any(d.__class__ is not LinearRowData or not d._active
                                                    for d in self._data.values()):
            return None
        counts = np.diff(np.asarray(self.starts, dtype=np.int64))
        pool = self._variables if self._variables is not None else self.table
        return pool, self.index, self.coefs, counts, _floats(self.lower, -math.inf), _floats(self.upper, math.inf)


def _floats(bounds: list, none: float) -> np.ndarray:
    """The bounds as a float array, `none` for None (one np.full when they are all the same)."""
    if bounds and bounds.count(bounds[0]) == len(bounds):
        return np.full(len(bounds), none if bounds[0] is None else bounds[0], dtype=float)
    return np.array([none if x is None else x for x in bounds], dtype=float)


class RowCollector:
    """Rows collected one by one (add, kept as given until rows() joins them), then one LinearRows
    (rows). With `table`, the rows name column numbers (positions in table), not variables."""

    def __init__(self, table: list | None = None):
        self.table = table
        self.keys, self.starts, self.variables, self.coefs, self.lower, self.upper = [], [0], [], [], [], []
        self._pending = []   # (key, coefs, variables, lower, upper) of each add since the last join

    def add(self, key, coefs: list, variables: list, lower, upper) -> None:
        self._pending.append((key, coefs, variables, lower, upper))

    def _join(self) -> None:
        rows, self._pending = self._pending, []
        if not rows:
            return
        keys, coefs, variables, lower, upper = zip(*rows)
        self.keys.extend(keys)
        self.coefs.extend(chain.from_iterable(coefs))
        self.variables.extend(chain.from_iterable(variables))
        self.starts.extend(accumulate(map(len, variables), initial=self.starts[-1]))
        del self.starts[-len(rows) - 1]   # accumulate repeats the last start first
        self.lower.extend(lower)
        self.upper.extend(upper)

    def rows(self) -> LinearRows:
        self._join()
        if len(self.coefs) != len(self.variables):
            raise ValueError("LinearRows: a row's coefficients and variables disagree in length")
        if self.table is None:
            return LinearRows(self.keys, self.starts, self.variables, self.coefs, self.lower, self.upper)
        return LinearRows(self.keys, self.starts, np.array(self.variables, dtype=np.int64).reshape(len(self.variables)),
                          self.coefs, self.lower, self.upper, self.table)


def fixed_width_rows(keys: list, columns: list, coefs: list, lower, upper, table: list) -> LinearRows:
    """Rows of one width over column numbers: row r is lower <= sum_n coefs[n][r] table[columns[n][r]]
    <= upper, each columns[n] an integer array (one column per row), each coefs[n] an array or one
    number for every row."""
    count, width = len(keys), len(columns)
    index = np.stack([np.asarray(c, dtype=np.int64) for c in columns], axis=1).reshape(count * width)
    values = np.stack([np.broadcast_to(np.asarray(c, dtype=float), (count,)) for c in coefs],
                      axis=1).reshape(count * width)
    return LinearRows(keys, np.arange(0, count * width + 1, width), index, values, [lower] * count,
                      [upper] * count, table)


def segmented_rows(keys: list, parts: list, lower, upper, table: list) -> LinearRows:
    """Rows over column numbers made of parts: part (columns, coefs, counts) gives row r its next
    counts[r] entries (counts: an array, or one number for all), taken in row order from the arrays
    columns and coefs (coefs: an array, or one number for all). lower, upper: a list (one per row) or one bound for every row."""
    count = len(keys)
    sizes = [np.broadcast_to(np.asarray(size, dtype=np.int64), (count,)) for _, _, size in parts]
    starts = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(sum(sizes, np.zeros(count, dtype=np.int64)), out=starts[1:])
    index, values = np.empty(starts[-1], dtype=np.int64), np.empty(starts[-1], dtype=float)
    before = starts[:-1].copy()
    for (columns, coefs, _), size in zip(parts, sizes):
        within = np.arange(size.sum()) - np.repeat(np.cumsum(size) - size, size)
        at = np.repeat(before, size) + within
        index[at], values[at] = columns, coefs
        before += size
    return LinearRows(keys, starts, index, values, lower if isinstance(lower, list) else [lower] * count,
                      upper if isinstance(upper, list) else [upper] * count, table)
