"""Fit L(N, D) = E + A/N^alpha + B/D^beta to the user's own training runs (`plan fit`).

The estimator is Hoffmann et al. (2022, approach 3) as replicated by Besiroglu et al. (2024):

    minimise  sum_i Huber_delta( LSE(a - alpha log N_i, b - beta log D_i, e) - log L_i )
    over      (a, b, e, alpha, beta),   A = exp(a), B = exp(b), E = exp(e),   delta = 1e-3

LSE is log-sum-exp, so LSE(...) = log(E + A/N^alpha + B/D^beta) and each residual is a log-loss
error; the Huber losses are summed over runs, not averaged. Huber_delta(r) = r^2/2 for
|r| <= delta and delta (|r| - delta/2) beyond, so with delta = 1e-3 and run-to-run noise of a
percent or so the fit is close to least absolute deviations on log-loss: robust to a few bad
runs.

How the minimum is found (the choices, and why):

* Analytic gradient. With w_k the softmax weights of the three LSE terms and psi_i =
  clip(r_i, -delta, delta): d/da = sum psi w1, d/db = sum psi w2, d/de = sum psi w3,
  d/dalpha = -sum psi w1 log N, d/dbeta = -sum psi w2 log D. `huber_objective` evaluates value
  and gradient vectorised over runs and over any number of parameter vectors at once.
* Centred logs inside the optimiser. a and alpha are nearly collinear (log N varies by a few
  units around ~20), which makes the problem badly conditioned for L-BFGS. The optimiser works
  in (a - alpha m_N, b - beta m_D, e, alpha, beta) with m_N, m_D the mean log N and log D: the
  same objective and minimum, a linear change of variables, much faster convergence.
* Scaling. The optimiser sees the objective divided by delta (about sum |r_i|), so L-BFGS-B's
  tolerances mean something; the reported objective is the unscaled Huber sum.
* Bounds (L-BFGS-B): 0 <= alpha, beta <= 10, -20 <= e <= 10, and the centred a, b (the log of
  each power-law term at the mean log size / token count) within [-50, 50], which keeps
  A = exp(a) and B = exp(b) finite. A fit that ends at alpha = 0 or beta = 0 means the loss does
  not fall with N (or D) in these runs and is refused with a message rather than written out as
  a law.
* Starts. Hoffmann's grid is alpha, beta in {0, 0.5, ..., 2}, e in {-1, -0.5, ..., 1},
  a, b in {0, 5, ..., 25}: 4,500 starts, each polished with L-BFGS. Running all of them costs
  about a minute per fit, and a bootstrap needs hundreds of fits. Here the whole grid is
  *screened*: its objective is evaluated for all 4,500 starts in one vectorised pass (a few
  milliseconds for 250 runs), and L-BFGS-B is run only from the `polish` best screened starts
  (default 24). The grid keeps alpha, beta = 0 rows for screening only, moved to 0.05 so a start
  is not on the bound. On 250 synthetic runs polishing all 4,500 starts (17-25 s) and polishing
  the best 24 screened ones (0.12 s) reach the same minimum (objectives equal to 1e-12
  relative); tests/test_fit.py checks the same on a 180-start subgrid, benchmarks/bench_fit.py
  --exhaustive on the full grid.
* Large files (more than SCREEN_RUNS runs). The screened starts are polished on the screening
  sample first, and only the 2 best distinct minima found there are polished again on every run
  (same minimum: objectives equal to 1e-15 relative, constants to 1e-8, on 100,000 runs); the
  log-sum-exp is shifted by e (two exponentials per run, not three) wherever that cannot
  overflow. benchmarks/bench_fit_large.py times this against the method before.
* Bootstrap. Each replicate resamples the runs with replacement (redrawing a sample with fewer
  than 2 distinct sizes or token counts) and is fitted from the full-data optimum plus the
  `polish_bootstrap` (default 4) best grid starts of that replicate, screened among the 200 grid
  starts that are best on the full data (screening all 4,500 for each replicate would cost as
  much as the polishing); above SCREEN_RUNS runs from the full-data optimum alone (a resample of
  thousands of runs has its optimum next to it: the same replicates to 1e-6). Intervals are
  percentile intervals, conservative at the ends (the order statistic just outside the level).

The compute-optimal split under C = 6 N D (planner.formulas.scaling_law.compute_optimal_split):
G = (alpha A / (beta B))^(1/(alpha+beta)), N* = G (C/6)^(beta/(alpha+beta)), D* = C / (6 N*);
D*/N* depends on C unless alpha == beta, so it is reported at a stated compute.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from planner.errors import InputError
from planner.formulas.scaling_law import compute_optimal_split
from planner.input.schema import ScalingLaw

HUBER_DELTA = 1e-3
MIN_RUNS = 6  # five parameters: at least one more run than parameters
COLUMNS = ("params", "tokens", "loss")
PARAMETERS = ("E", "A", "B", "alpha", "beta")
SAMPLE_COLUMNS = PARAMETERS  # columns of `plan fit --samples-output` (read by scaling_law_samples: {file:})
_MAX_BYTES = 50_000_000
# bounds of the optimiser's variables (a - alpha m_N, b - beta m_D, e, alpha, beta)
_BOUNDS = [(-50.0, 50.0), (-50.0, 50.0), (-20.0, 10.0), (0.0, 10.0), (0.0, 10.0)]
_LOWER, _UPPER = np.array(_BOUNDS).T
_DEGENERATE_EXPONENT = 1e-6
_BOOTSTRAP_CANDIDATES = 200
#: --at-flops: the range of an instance's limits.max_training_flops (planner.input.schema).
AT_FLOPS_RANGE = (1e6, 1e35)  # grid starts a bootstrap replicate screens: the full data's best 200


# --------------------------------------------------------------------------------------------
# Runs: reading and checking the CSV


@dataclass(frozen=True)
class Runs:
    """Training runs: one entry per run; `lines` are the CSV line numbers (header = line 1)."""

    params: np.ndarray
    tokens: np.ndarray
    loss: np.ndarray
    lines: np.ndarray
    source: str = "runs"

    def __len__(self) -> int:
        return len(self.loss)

    def subset(self, keep: np.ndarray) -> Runs:
        return Runs(self.params[keep], self.tokens[keep], self.loss[keep], self.lines[keep], self.source)

    @property
    def compute_flops(self) -> np.ndarray:
        return 6.0 * self.params * self.tokens


def runs_from_arrays(params: Sequence[float], tokens: Sequence[float], loss: Sequence[float],
                     source: str = "runs") -> Runs:
    """Runs from plain sequences, checked as a CSV would be."""
    p, t, lo = (np.asarray(x, dtype=float) for x in (params, tokens, loss))
    if not p.shape == t.shape == lo.shape or p.ndim != 1:
        raise InputError(source, "params, tokens and loss must be 1-D and of equal length")
    for name, values in zip(COLUMNS, (p, t, lo)):
        bad = np.flatnonzero(~np.isfinite(values) | (values <= 0))
        if bad.size:
            raise InputError(f"{source} run {bad[0] + 1}: {name}",
                             f"must be a finite number > 0, got {values[bad[0]]:g}")
    runs = Runs(p, t, lo, np.arange(2, len(lo) + 2), source)
    check_enough_runs(runs, source)
    return runs


def parse_columns(text: str | None) -> dict[str, str]:
    """`--columns N=params,D=tokens,L=loss` -> {"params": "n", "tokens": "d", "loss": "l"}: which CSV
    column (header name, case-insensitive) holds each of params, tokens and loss. Either side may be
    the CSV's name (`params=N` also works); roles not mapped keep their own name."""
    if not text:
        return {}
    mapping: dict[str, str] = {}
    for item in text.split(","):
        left, sep, right = (part.strip() for part in item.partition("="))
        if not sep or not left or not right:
            raise InputError("--columns", f"expected CSV_NAME=ROLE pairs such as N=params,D=tokens,L=loss, got {item.strip()!r}")
        if right.lower() in COLUMNS:
            role, name = right.lower(), left
        elif left.lower() in COLUMNS:
            role, name = left.lower(), right
        else:
            raise InputError("--columns", f"{item.strip()!r} names none of {', '.join(COLUMNS)}")
        if role in mapping:
            raise InputError("--columns", f"{role} is mapped twice")
        mapping[role] = name.lower()
    return mapping


def read_runs(path: str | Path, columns: dict[str, str] | None = None) -> Runs:
    """Read `params, tokens, loss` (other columns ignored) from a CSV file; InputError if bad.
    `columns` maps a role to the CSV's own column name (parse_columns)."""
    where = str(path)
    try:
        from planner.input.loading import read_limited  # at most _MAX_BYTES + 1 bytes; a pipe never hangs

        raw = read_limited(path, _MAX_BYTES)
    except FileNotFoundError:
        raise InputError(where, "file not found") from None
    except IsADirectoryError:
        raise InputError(where, "is a directory; expected a CSV file") from None
    except OSError as exc:
        raise InputError(where, f"cannot read file ({exc.strerror})") from None
    if len(raw) > _MAX_BYTES:
        raise InputError(where, f"file is larger than {_MAX_BYTES:,} bytes; a runs CSV is at most that")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(where, "UTF-16 text; save the CSV as UTF-8")
    if b"\x00" in raw:
        raise InputError(where, "binary content (NUL byte); expected a CSV text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(where, f"not UTF-8 text (byte {exc.start} is not valid UTF-8); "
                                "expected a CSV file") from None
    return parse_runs(text, where, columns)


def parse_runs(text: str, where: str = "runs.csv", columns: dict[str, str] | None = None) -> Runs:
    """Parse CSV text (header row, then one run per row) into checked Runs."""
    columns = columns or {}
    if not text.strip():
        raise InputError(where, "file is empty; expected a CSV with columns params, tokens, loss")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise InputError(f"{where} line {reader.line_num}", f"not valid CSV ({exc})") from None
    rows = [(line, row) for line, row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise InputError(where, "holds no values; expected a CSV with columns params, tokens, loss")
    header_line, header = rows[0]
    names = [cell.strip().lower() for cell in header]
    index: dict[str, int] = {}
    for column in COLUMNS:
        wanted = columns.get(column, column)
        found = [i for i, name in enumerate(names) if name == wanted]
        if len(found) > 1:
            raise InputError(f"{where}: column '{column}'",
                             f"appears {len(found)} times in the header; keep one")
        if not found:
            hint = ""
            if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
                hint = "; the file looks separated by ';', tabs or '|', but plan fit reads commas"
            listed = ", ".join(repr(cell.strip()) for cell in header)
            if wanted != column:
                raise InputError(f"{where}: column '{wanted}'",
                                 f"missing (--columns maps it to {column}); the header on line {header_line} "
                                 f"has {listed}")
            raise InputError(
                f"{where}: column '{column}'",
                f"missing; the CSV needs columns params, tokens, loss (header on line {header_line} "
                f"has {listed}){hint}; or map yours with --columns N=params,D=tokens,L=loss",
            )
        index[column] = found[0]
    for a, b in ((a, b) for i, a in enumerate(COLUMNS) for b in COLUMNS[i + 1:]):
        if index[a] == index[b]:
            shown = header[index[a]].strip()
            raise InputError("--columns", f"column '{shown}' would be both {a} and {b}; map each of "
                             f"{', '.join(COLUMNS)} to its own column (e.g. N=params,D=tokens,L=loss)")
    data = rows[1:]
    values = np.empty((len(data), 3))
    lines = np.empty(len(data), dtype=int)
    for r, (line, row) in enumerate(data):
        lines[r] = line
        for c, column in enumerate(COLUMNS):
            values[r, c] = _cell_value(row, index[column], f"{where} line {line}: {column}")
    runs = Runs(values[:, 0], values[:, 1], values[:, 2], lines, where)
    check_enough_runs(runs, where)
    check_loss_column(runs, where)
    return runs


#: Highest loss a run may report (nats/token): the range of a scaling law's E and of a loss target
#: (planner.input.schema); a uniform guess over a million-token vocabulary is about 14.
MAX_RUN_LOSS = 100.0


def check_loss_column(runs: Runs, where: str) -> None:
    """Losses are nats/token: a value above MAX_RUN_LOSS is another column (tokens, perplexity)."""
    over = np.flatnonzero(runs.loss > MAX_RUN_LOSS)
    if over.size:
        k = int(over[0])
        raise InputError(f"{where} line {int(runs.lines[k])}: loss",
                         f"{runs.loss[k]:g} is above {MAX_RUN_LOSS:g} nats/token, so this is not a loss per "
                         "token (token counts? perplexity, which is exp(loss)?); check the columns (--columns)")


def check_law_range(fit: LawFit, where: str) -> None:
    """The fitted law must be one an instance can use (the ranges of planner.input.schema): else
    InputError naming the constant, before any bootstrap or output (a loss column that is
    perplexity gives A or B far beyond any published fit)."""
    from pydantic import ValidationError

    try:
        ScalingLaw.model_validate({"name": "fit", "E": fit.E, "A": fit.A, "B": fit.B, "alpha": fit.alpha,
                                   "beta": fit.beta})
    except ValidationError as exc:
        from planner.input.loading import describe_error  # the loader's wording of a range

        err = exc.errors(include_url=False)[0]
        key = ".".join(str(part) for part in err["loc"])
        value = err.get("input")
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        raise InputError(where, f"the fitted law has {key} = {shown}, which {describe_error({**err, 'loc': ('scaling_law', *err['loc'])})} "
                         "for a scaling law: these runs do not follow L = E + A/N^alpha + B/D^beta in nats/token "
                         "(is the loss column perplexity, or are columns swapped? see --columns)") from None


def _cell_value(row: list[str], i: int, field_name: str) -> float:
    cell = row[i].strip() if i < len(row) else ""
    if not cell:
        raise InputError(field_name, "missing value")
    try:
        value = float(cell)
    except ValueError:
        shown = cell if len(cell) <= 40 else cell[:37] + "..."
        raise InputError(field_name, f"not a number: {shown!r}") from None
    if not math.isfinite(value):
        raise InputError(field_name, f"must be a finite number, got {cell}")
    if value <= 0:
        raise InputError(field_name, f"must be > 0, got {cell}")
    return value


_DISTINCT = (("params", "model sizes"), ("tokens", "token counts"))


def check_enough_runs(runs: Runs, where: str) -> None:
    """At least MIN_RUNS runs, 2 distinct sizes and 2 distinct token counts (else InputError)."""
    n = len(runs)
    if n < MIN_RUNS:
        raise InputError(
            where,
            f"{n} run{'s' if n != 1 else ''}; at least {MIN_RUNS} are needed to fit the five "
            "parameters E, A, B, alpha, beta",
        )
    for name, meaning in _DISTINCT:
        distinct = np.unique(getattr(runs, name))
        if distinct.size < 2:
            raise InputError(
                f"{where}: column '{name}'",
                f"every run has {name} = {distinct[0]:g}; at least 2 distinct {meaning} are needed",
            )


# --------------------------------------------------------------------------------------------
# The objective


def huber(r: np.ndarray, delta: float = HUBER_DELTA) -> np.ndarray:
    """Huber_delta(r): r^2/2 for |r| <= delta, delta (|r| - delta/2) beyond."""
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def _terms(theta: np.ndarray, xn: np.ndarray, xd: np.ndarray, log_loss: np.ndarray, delta: float,
           weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Objective and gradient for K parameter vectors at once: theta (K, 5) -> (K,), (K, 5).

    theta rows are (a, b, e, alpha, beta) with xn, xd the (possibly centred) log N and log D.
    `weights` (n,) multiplies each run's term (bootstrap counts); None = all ones.
    """
    a, b, e, alpha, beta = (theta[:, j : j + 1] for j in range(5))
    t1 = a - alpha * xn
    t2 = b - beta * xd
    t3 = np.broadcast_to(e, t1.shape)
    m = np.maximum(np.maximum(t1, t2), t3)
    w1 = np.exp(t1 - m)
    w2 = np.exp(t2 - m)
    w3 = np.exp(t3 - m)
    s = w1 + w2 + w3
    r = m + np.log(s) - log_loss
    abs_r = np.abs(r)
    h = np.where(abs_r <= delta, 0.5 * r * r, delta * (abs_r - 0.5 * delta))
    psi = np.clip(r, -delta, delta) / s
    if weights is not None:
        h = h * weights
        psi = psi * weights
    p1 = psi * w1
    p2 = psi * w2
    grad = np.empty(theta.shape)
    grad[:, 0] = p1.sum(axis=1)
    grad[:, 1] = p2.sum(axis=1)
    grad[:, 2] = (psi * w3).sum(axis=1)
    grad[:, 3] = -(p1 * xn).sum(axis=1)
    grad[:, 4] = -(p2 * xd).sum(axis=1)
    return h.sum(axis=1), grad


def _scaled_terms_1(x: np.ndarray, xn: np.ndarray, xd: np.ndarray, log_loss: np.ndarray, delta: float,
                    weights: np.ndarray | None, shift_by_e: bool = False) -> tuple[float, np.ndarray]:
    """_terms for one vector, divided by delta: the function L-BFGS-B sees (same formulas, fewer
    array operations; tests check it against _terms).

    The log-sum-exp is shifted by each run's largest term (as _terms), or with `shift_by_e` by e
    for every run: LSE = e + log(1 + exp(t1 - e) + exp(t2 - e)), two exponentials instead of
    three and no maximum (twice as fast on 100,000 runs). That is exact and never overflows
    inside _BOUNDS when every |xn| and |xd| is at most _E_SHIFT_SPAN (fit_law checks it): then
    t - e <= 50 + 10 * 63 + 20 = 700, and the sum is at least 1.
    """
    a, b, e, alpha, beta = x
    if shift_by_e:
        w1 = np.exp((a - e) - alpha * xn)
        w2 = np.exp((b - e) - beta * xd)
        w3 = None
        s = w1 + w2
        s += 1.0
        r = np.log(s)
        r += e
        r -= log_loss
    else:
        t1 = a - alpha * xn
        t2 = b - beta * xd
        m = np.maximum(np.maximum(t1, t2), e)
        w1 = np.exp(t1 - m)
        w2 = np.exp(t2 - m)
        w3 = np.exp(e - m)
        s = w1 + w2 + w3
        r = m + np.log(s) - log_loss
    abs_r = np.abs(r)
    # Huber/delta: r^2/(2 delta) inside, |r| - delta/2 outside; its derivative is clip(r/delta, -1, 1)
    h = np.where(abs_r <= delta, (0.5 / delta) * r * r, abs_r - 0.5 * delta)
    psi = np.minimum(np.maximum(r * (1.0 / delta), -1.0), 1.0) / s
    if weights is not None:
        h = h * weights
        psi = psi * weights
    p1 = psi * w1
    p2 = psi * w2
    grad = np.array([p1.sum(), p2.sum(), psi.sum() if w3 is None else psi @ w3, -(p1 @ xn), -(p2 @ xd)])
    return float(h.sum()), grad


#: Largest |centred log N| or |centred log D| for which _scaled_terms_1 may shift by e.
_E_SHIFT_SPAN = 63.0
#: False: the log-sum-exp always shifted by each run's largest term, the method before
#: (benchmarks/bench_fit_large.py times both).
E_SHIFT = True


#: Most (starts x runs) numbers one screening pass holds at once: the 4,500 grid starts on 100,000
#: runs would be 4.5e8 numbers (3.4 GiB per array); in chunks of this size memory stays ~100 MB.
_SCREEN_CHUNK = 1_000_000


def _screen(theta: np.ndarray, xn: np.ndarray, xd: np.ndarray, log_loss: np.ndarray, delta: float,
            weights: np.ndarray | None = None) -> np.ndarray:
    """The objective (no gradient) of many starts, evaluated a chunk of starts at a time so memory
    is bounded whatever the number of runs (same values as _terms)."""
    rows = max(1, _SCREEN_CHUNK // max(1, len(log_loss)))
    out = np.empty(len(theta))
    for start in range(0, len(theta), rows):
        out[start:start + rows] = _values(theta[start:start + rows], xn, xd, log_loss, delta, weights)
    return out


def _values(theta: np.ndarray, xn: np.ndarray, xd: np.ndarray, log_loss: np.ndarray, delta: float,
            weights: np.ndarray | None = None) -> np.ndarray:
    """The objective of _terms without its gradient (the same operations in the same order, so
    the same values): screening needs no gradient, and skipping it halves the work."""
    a, b, e, alpha, beta = (theta[:, j : j + 1] for j in range(5))
    t1 = a - alpha * xn
    t2 = b - beta * xd
    t3 = np.broadcast_to(e, t1.shape)
    m = np.maximum(np.maximum(t1, t2), t3)
    s = np.exp(t1 - m) + np.exp(t2 - m) + np.exp(t3 - m)
    r = m + np.log(s) - log_loss
    abs_r = np.abs(r)
    h = np.where(abs_r <= delta, 0.5 * r * r, delta * (abs_r - 0.5 * delta))
    if weights is not None:
        h = h * weights
    return h.sum(axis=1)


#: Runs the start grid is screened on: above this many, an evenly spaced subsample of them (every
#: k-th run of the file). Screening only ranks the starts; the polish (L-BFGS-B) uses every run.
#: 100,000 runs: screening all of them took a minute of `plan fit`, the subsample under a second.
SCREEN_RUNS = 5_000


def _screening_sample(n: int) -> np.ndarray | None:
    """Indices of the runs the grid is screened on (None: all of them)."""
    if n <= SCREEN_RUNS:
        return None
    return np.unique(np.linspace(0, n - 1, SCREEN_RUNS).round().astype(int))


def huber_objective(theta: Sequence[float] | np.ndarray, params: np.ndarray, tokens: np.ndarray,
                    loss: np.ndarray, delta: float = HUBER_DELTA) -> tuple[np.ndarray, np.ndarray]:
    """Hoffmann's objective and its analytic gradient at theta = (a, b, e, alpha, beta).

    theta may be one vector (5,) -> (float array (), (5,)) or a stack (K, 5) -> ((K,), (K, 5)).
    """
    th = np.asarray(theta, dtype=float)
    single = th.ndim == 1
    f, g = _terms(np.atleast_2d(th), np.log(params), np.log(tokens), np.log(loss), delta)
    return (f[0], g[0]) if single else (f, g)


def hoffmann_grid() -> np.ndarray:
    """Hoffmann's 4,500 starts (a, b, e, alpha, beta): a, b in {0, 5, ..., 25}, e in
    {-1, -0.5, ..., 1}, alpha, beta in {0, 0.5, ..., 2} (0 moved to 0.05, off the bound)."""
    ab = np.arange(0.0, 26.0, 5.0)
    es = np.arange(-1.0, 1.01, 0.5)
    exps = np.array([0.05, 0.5, 1.0, 1.5, 2.0])
    grid = np.meshgrid(ab, ab, es, exps, exps, indexing="ij")
    return np.stack([g.ravel() for g in grid], axis=1)


# --------------------------------------------------------------------------------------------
# Fitting


@dataclass(frozen=True)
class LawFit:
    """One minimum of the Huber objective, in the law's own terms."""

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    objective: float  # sum of Huber losses at the minimum (unscaled)
    n_runs: int
    converged: bool
    starts_polished: int

    @property
    def theta(self) -> np.ndarray:
        """(a, b, e, alpha, beta) = (log A, log B, log E, alpha, beta)."""
        return np.array([math.log(self.A), math.log(self.B), math.log(self.E), self.alpha, self.beta])

    @property
    def degenerate(self) -> bool:
        return self.alpha <= _DEGENERATE_EXPONENT or self.beta <= _DEGENERATE_EXPONENT

    def predict(self, params: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        return self.E + self.A / np.asarray(params) ** self.alpha + self.B / np.asarray(tokens) ** self.beta

    def log_residuals(self, runs: Runs) -> np.ndarray:
        """log L_fit - log L_observed per run."""
        return np.log(self.predict(runs.params, runs.tokens)) - np.log(runs.loss)

    def law(self, name: str = "fit", source: str | None = None, runs: Runs | None = None) -> ScalingLaw:
        """The law; with `runs`, carrying the range they span (`fitted`: params, tokens, 6 N D)."""
        fitted = None
        if runs is not None and len(runs):
            flops = 6.0 * runs.params * runs.tokens
            fitted = {key: [float(values.min()), float(values.max())]
                      for key, values in (("params", runs.params), ("tokens", runs.tokens), ("flops", flops))}
        return ScalingLaw(name=name, E=self.E, A=self.A, B=self.B, alpha=self.alpha, beta=self.beta,
                          source=source, fitted=fitted)

    def tokens_per_param(self, flops: float) -> float:
        """D*/N* at compute `flops` under C = 6 N D."""
        n_opt, d_opt = compute_optimal_split(self.law(), flops)
        return d_opt / n_opt


def fit_law(runs: Runs, delta: float = HUBER_DELTA, polish: int = 24, starts: np.ndarray | None = None,
            extra_starts: np.ndarray | None = None, weights: np.ndarray | None = None) -> LawFit:
    """Minimise Hoffmann's objective: screen the start grid, L-BFGS-B from the `polish` best.

    `starts` (K, 5) in (a, b, e, alpha, beta) replaces Hoffmann's grid; `extra_starts` are always
    polished in addition (the bootstrap passes the full-data optimum); `weights` multiply runs.
    polish <= 0 polishes every start of the grid (slow; used by tests to check the screening).
    """
    log_n, log_d, log_l = np.log(runs.params), np.log(runs.tokens), np.log(runs.loss)
    m_n, m_d = float(log_n.mean()), float(log_d.mean())
    xn, xd = log_n - m_n, log_d - m_d
    grid = hoffmann_grid() if starts is None else np.atleast_2d(np.asarray(starts, dtype=float))
    grid_c = _centre(grid, m_n, m_d)
    if 0 < polish < len(grid_c):
        pick = _screening_sample(len(log_l))
        if pick is None:
            screened = _screen(grid_c, xn, xd, log_l, delta, weights)
        else:
            screened = _screen(grid_c, xn[pick], xd[pick], log_l[pick], delta,
                               None if weights is None else weights[pick])
        chosen = grid_c[np.argsort(screened, kind="stable")[:polish]]
        if pick is not None and SUBSAMPLE_POLISH and len(chosen) > _FULL_POLISH:
            chosen = _polished_on_sample(chosen, xn[pick], xd[pick], log_l[pick], delta,
                                         None if weights is None else weights[pick])
    else:
        chosen = grid_c
    polished = len(grid_c) if polish <= 0 or polish >= len(grid_c) else polish
    if extra_starts is not None:
        chosen = np.vstack([_centre(np.atleast_2d(extra_starts), m_n, m_d), chosen])
        polished += len(np.atleast_2d(extra_starts))
    best = _lbfgsb_best(chosen, xn, xd, log_l, delta, weights)
    a_c, b_c, e, alpha, beta = best.x
    a, b = a_c + alpha * m_n, b_c + beta * m_d
    return LawFit(E=math.exp(e), A=math.exp(a), B=math.exp(b), alpha=float(alpha), beta=float(beta),
                  objective=float(best.fun) * delta, n_runs=len(runs), converged=bool(best.success),
                  starts_polished=polished)


#: Above SCREEN_RUNS runs the screened starts are polished on the screening sample first and only
#: the _FULL_POLISH best distinct optima found there are polished again on every run (False: all
#: on every run, the method before; benchmarks/bench_fit_large.py times both).
SUBSAMPLE_POLISH = True
_FULL_POLISH = 2


def _lbfgsb_best(starts: np.ndarray, xn: np.ndarray, xd: np.ndarray, log_l: np.ndarray, delta: float,
                 weights: np.ndarray | None) -> Any:
    """The lowest of L-BFGS-B's minima from each of `starts` (centred; scipy's OptimizeResult)."""
    best = None
    for x0 in _lbfgsb_all(starts, xn, xd, log_l, delta, weights):
        if best is None or x0.fun < best.fun:
            best = x0
    assert best is not None
    return best


def _lbfgsb_all(starts: np.ndarray, xn: np.ndarray, xd: np.ndarray, log_l: np.ndarray, delta: float,
                weights: np.ndarray | None) -> Iterator[Any]:
    shift_by_e = E_SHIFT and max(float(np.abs(xn).max()), float(np.abs(xd).max())) <= _E_SHIFT_SPAN

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        return _scaled_terms_1(x, xn, xd, log_l, delta, weights, shift_by_e)

    for x0 in starts:
        yield minimize(fun, np.clip(x0, _LOWER, _UPPER), jac=True, method="L-BFGS-B", bounds=_BOUNDS,
                       options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9})


def _polished_on_sample(starts: np.ndarray, xn: np.ndarray, xd: np.ndarray, log_l: np.ndarray, delta: float,
                        weights: np.ndarray | None) -> np.ndarray:
    """The _FULL_POLISH best distinct minima L-BFGS-B reaches from `starts` on the screening sample
    (minima whose objectives agree to 1e-7 relative count once): the starts of the full polish.
    On 100,000 runs the 24 screened starts reached 5 minima on the sample, 37.8 and four near 231:
    the polish on every run from the best one reached the minimum all 24 full polishes did."""
    found = sorted(_lbfgsb_all(starts, xn, xd, log_l, delta, weights), key=lambda res: res.fun)
    kept: list[Any] = []
    for res in found:
        if all(abs(res.fun - other.fun) > 1e-7 * max(abs(other.fun), 1e-300) for other in kept):
            kept.append(res)
        if len(kept) == _FULL_POLISH:
            break
    return np.array([res.x for res in kept])


def _centre(theta: np.ndarray, m_n: float, m_d: float) -> np.ndarray:
    """(a, b, e, alpha, beta) -> (a - alpha m_N, b - beta m_D, e, alpha, beta)."""
    out = np.array(theta, dtype=float, copy=True)
    out[:, 0] -= out[:, 3] * m_n
    out[:, 1] -= out[:, 4] * m_d
    return out


# --------------------------------------------------------------------------------------------
# The whole `plan fit`: selection, fit, bootstrap


@dataclass(frozen=True)
class DroppedRun:
    line: int
    params: float
    tokens: float
    loss: float
    reason: str  # "max-loss" or "drop-worst"
    log_residual: float | None = None


@dataclass(frozen=True)
class FitReport:
    """Everything `plan fit` reports: the point fit, what was left out, bootstrap intervals."""

    fit: LawFit
    runs: Runs  # the runs of the final fit
    dropped: list[DroppedRun]
    at_flops: float
    tokens_per_param: float
    ci_level: float
    bootstrap: int  # replicates fitted (0 = no intervals)
    ci: dict[str, tuple[float, float]] = field(default_factory=dict)
    degenerate_replicates: int = 0
    samples: np.ndarray | None = None  # (bootstrap, 5) replicates (E, A, B, alpha, beta)

    @property
    def warnings(self) -> list[str]:
        """Why the intervals may mean little (empty when they are fine)."""
        return interval_warnings(self)

    def law(self, name: str | None = None) -> ScalingLaw:
        stem = Path(self.runs.source).stem or "runs"
        source = (
            f"plan fit {self.runs.source}, {self.fit.n_runs} runs, Huber delta {short_exponent(HUBER_DELTA)} "
            "on log-loss, L-BFGS-B from Hoffmann's start grid"
        )
        if self.dropped:
            source += f", {len(self.dropped)} runs left out"
        return self.fit.law(name or default_law_name(stem), source, self.runs)

    @property
    def estimates(self) -> dict[str, float]:
        f = self.fit
        return {"E": f.E, "A": f.A, "B": f.B, "alpha": f.alpha, "beta": f.beta,
                "tokens_per_param": self.tokens_per_param}


def default_law_name(stem: str) -> str:
    """`fit-<csv stem>`, made a valid name whatever the file is called: control and bidirectional
    characters written as escapes, at most planner.input.schema.MAX_NAME_CHARS characters."""
    from planner.errors import escape_control
    from planner.input.schema import BIDI_CONTROLS, MAX_NAME_CHARS

    text = escape_control("".join(f"\\u{ord(c):04x}" if c in BIDI_CONTROLS else c for c in stem))
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates of odd file names
    return f"fit-{text}"[:MAX_NAME_CHARS]


def short_exponent(x: float) -> str:
    """1e-3 rather than 0.001 or 1e-03."""
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def fit_runs(runs: Runs, *, drop_worst: int = 0, max_loss: float | None = None, bootstrap: int = 200,
             seed: int = 0, at_flops: float = 1e24, ci_level: float = 0.95, polish: int = 24,
             polish_bootstrap: int = 4, progress: Callable[[int, int], None] | None = None) -> FitReport:
    """Select runs, fit, optionally refit without the worst-fitting runs, bootstrap the result.

    Options are checked here (InputError names the option): --max-loss drops runs with loss above
    it before fitting; --drop-worst K then drops the K runs with the largest |log residual| of that
    first fit and refits. The bootstrap resamples the runs of the final fit.
    """
    if drop_worst < 0:
        raise InputError("--drop-worst", f"must be >= 0, got {drop_worst}")
    if bootstrap < 0:
        raise InputError("--bootstrap", f"must be >= 0, got {bootstrap}")
    if not (math.isfinite(at_flops) and at_flops > 0):
        raise InputError("--at-flops", f"must be a finite number > 0, got {at_flops:g}")
    low, high = AT_FLOPS_RANGE
    if not low <= at_flops <= high:
        raise InputError("--at-flops", f"must be in [{low:g}, {high:g}] FLOPs (the range of limits.max_training_flops), "
                                       f"got {at_flops:g}")
    if not 0 < ci_level < 1:
        raise InputError("--ci", f"must be between 0 and 1, got {ci_level:g}")
    if max_loss is not None and not (math.isfinite(max_loss) and max_loss > 0):
        raise InputError("--max-loss", f"must be a finite number > 0, got {max_loss:g}")
    with one_blas_thread():
        return _fit_runs(runs, drop_worst, max_loss, bootstrap, seed, at_flops, ci_level, polish,
                         polish_bootstrap, progress)


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS limited to one thread (threadpoolctl): a fit is thousands of small L-BFGS-B runs on
    vectors of a few hundred numbers, where BLAS threads only add synchronisation. Measured on 2
    cores, 250 runs and 200 replicates: 116 s with OpenBLAS's default 2 threads, 18 s with one."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover -- a dependency; `plan fit` also sets the environment
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _fit_runs(runs: Runs, drop_worst: int, max_loss: float | None, bootstrap: int, seed: int, at_flops: float,
              ci_level: float, polish: int, polish_bootstrap: int,
              progress: Callable[[int, int], None] | None) -> FitReport:
    dropped: list[DroppedRun] = []
    if max_loss is not None:
        over = runs.loss > max_loss
        dropped += [DroppedRun(int(runs.lines[i]), float(runs.params[i]), float(runs.tokens[i]),
                               float(runs.loss[i]), "max-loss") for i in np.flatnonzero(over)]
        runs = runs.subset(~over)
        _check_option(runs, "--max-loss", f"leaves {len(runs)} runs with loss <= {max_loss:g}")
    if drop_worst:
        _check_option_count(len(runs) - drop_worst, "--drop-worst",
                            f"{drop_worst} of {len(runs)} runs would leave {len(runs) - drop_worst}")
        first = _fit_or_refuse(runs, polish)
        resid = first.log_residuals(runs)
        worst = np.argsort(-np.abs(resid), kind="stable")[:drop_worst]
        dropped += [DroppedRun(int(runs.lines[i]), float(runs.params[i]), float(runs.tokens[i]),
                               float(runs.loss[i]), "drop-worst", float(resid[i])) for i in sorted(worst)]
        keep = np.ones(len(runs), dtype=bool)
        keep[worst] = False
        runs = runs.subset(keep)
        _check_option(runs, "--drop-worst", f"leaves {len(runs)} runs")
    fit = _fit_or_refuse(runs, polish)
    check_law_range(fit, runs.source)
    ratio = fit.tokens_per_param(at_flops)
    ci: dict[str, tuple[float, float]] = {}
    degenerate = 0
    if bootstrap:
        if len(runs) > SCREEN_RUNS:  # a resample of thousands of runs has its optimum next to the full
            polish_bootstrap = 0  # data's: polished from there alone (bootstrap_fits)
        samples = bootstrap_fits(runs, fit, bootstrap, seed, polish_bootstrap, progress)
        ratios = _tokens_per_param(samples, at_flops)
        degenerate = int(np.sum(np.min(samples[:, 3:5], axis=1) <= _DEGENERATE_EXPONENT))
        table = np.column_stack([samples, ratios])
        for j, name in enumerate((*PARAMETERS, "tokens_per_param")):
            ci[name] = percentile_interval(table[:, j], ci_level)
    return FitReport(fit=fit, runs=runs, dropped=dropped, at_flops=at_flops, tokens_per_param=ratio,
                     ci_level=ci_level, bootstrap=bootstrap, ci=ci, degenerate_replicates=degenerate,
                     samples=samples if bootstrap else None)


#: Fewer runs than this per fitted parameter and the bootstrap intervals are rough at best.
RUNS_PER_PARAMETER = 4
#: An interval of E, A or B wider than this factor (high / low) says the runs do not pin the value.
WIDE_FACTOR = 100.0


def interval_warnings(report: FitReport) -> list[str]:
    """Warnings that the bootstrap intervals are meaningless: too few runs for five parameters, or
    intervals spanning orders of magnitude (8 runs gave E in [2e-9, 2.24])."""
    if not report.ci:
        return []
    out = []
    n = report.fit.n_runs
    if n < RUNS_PER_PARAMETER * len(PARAMETERS):
        out.append(f"only {n} runs for 5 parameters (fewer than {RUNS_PER_PARAMETER * len(PARAMETERS)}): "
                   "the bootstrap intervals are not meaningful; add runs at more sizes and token counts")
    wide = [k for k in ("E", "A", "B") if report.ci[k][0] <= 0 or report.ci[k][1] / report.ci[k][0] > WIDE_FACTOR]
    if wide:
        shown = ", ".join(f"{k} in [{report.ci[k][0]:.3g}, {report.ci[k][1]:.3g}]" for k in wide)
        out.append(f"the intervals span more than a factor {WIDE_FACTOR:g} ({shown}): these runs do not "
                   "determine the law; treat the point estimate with care")
    return out


def _check_option_count(n: int, option: str, what: str) -> None:
    if n < MIN_RUNS:
        raise InputError(option, f"{what}; at least {MIN_RUNS} runs are needed")


def _check_option(runs: Runs, option: str, what: str) -> None:
    _check_option_count(len(runs), option, what)
    for name, meaning in _DISTINCT:
        values = getattr(runs, name)
        if np.unique(values).size < 2:
            raise InputError(option, f"{what}, all with {name} = {values[0]:g}; "
                                     f"at least 2 distinct {meaning} are needed")


def _fit_or_refuse(runs: Runs, polish: int) -> LawFit:
    fit = fit_law(runs, polish=polish)
    if fit.degenerate:
        which, column = ("alpha", "params") if fit.alpha <= _DEGENERATE_EXPONENT else ("beta", "tokens")
        raise InputError(
            runs.source,
            f"the fitted {which} is 0: loss does not fall with {column} across these {len(runs)} runs, "
            "so they do not determine a scaling law (check the columns, or add runs that vary "
            f"{column} more)",
        )
    return fit


def bootstrap_fits(runs: Runs, fit: LawFit, replicates: int, seed: int = 0,
                   polish: int = 4, progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """(replicates, 5) array of (E, A, B, alpha, beta), each fitted to a resample of the runs.

    A resample with fewer than 2 distinct sizes or token counts is drawn again. A run drawn k times
    enters the objective once with weight k (the same sum, fewer terms).
    """
    rng = np.random.default_rng(seed)
    n = len(runs)
    out = np.empty((replicates, 5))
    start = fit.theta[None, :]
    # polish 0 (more than SCREEN_RUNS runs): from the full-data optimum only (its own start list)
    grid, start = (screened_starts(runs, hoffmann_grid(), _BOOTSTRAP_CANDIDATES), start) if polish > 0 else (start, None)
    for k in range(replicates):
        for _ in range(1000):
            idx = rng.integers(0, n, n)
            if np.unique(runs.params[idx]).size >= 2 and np.unique(runs.tokens[idx]).size >= 2:
                break
        counts = np.bincount(idx, minlength=n)
        keep = counts > 0
        rep = fit_law(runs.subset(keep), polish=polish, starts=grid, extra_starts=start,
                      weights=counts[keep].astype(float))
        out[k] = (rep.E, rep.A, rep.B, rep.alpha, rep.beta)
        if progress is not None:
            progress(k + 1, replicates)
    return out


def screened_starts(runs: Runs, starts: np.ndarray, keep: int, delta: float = HUBER_DELTA) -> np.ndarray:
    """The `keep` starts (a, b, e, alpha, beta) with the lowest objective on these runs."""
    log_n, log_d = np.log(runs.params), np.log(runs.tokens)
    m_n, m_d = float(log_n.mean()), float(log_d.mean())
    xn, xd, log_l = log_n - m_n, log_d - m_d, np.log(runs.loss)
    pick = _screening_sample(len(runs))
    if pick is not None:
        xn, xd, log_l = xn[pick], xd[pick], log_l[pick]
    f = _screen(_centre(starts, m_n, m_d), xn, xd, log_l, delta)
    return starts[np.argsort(f, kind="stable")[:keep]]


def _tokens_per_param(samples: np.ndarray, flops: float) -> np.ndarray:
    """D*/N* for each row (E, A, B, alpha, beta): inf where alpha = 0, 0 where beta = 0."""
    _, big_a, big_b, alpha, beta = samples.T
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        g = (alpha * big_a / (beta * big_b)) ** (1.0 / (alpha + beta))
        n_opt = g * (flops / 6.0) ** (beta / (alpha + beta))
        ratio = (flops / 6.0) / n_opt**2
    ratio = np.where(alpha <= _DEGENERATE_EXPONENT, np.inf, ratio)
    return np.where(beta <= _DEGENERATE_EXPONENT, 0.0, ratio)


def percentile_interval(values: np.ndarray, level: float) -> tuple[float, float]:
    """Percentile interval, conservative: the order statistics at or just outside the level
    (no interpolation, so infinite replicates give an infinite bound rather than NaN)."""
    tail = (1.0 - level) / 2.0
    low = np.quantile(values, tail, method="lower")
    high = np.quantile(values, 1.0 - tail, method="higher")
    return float(low), float(high)
