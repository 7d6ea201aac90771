"""Benchmark `plan fit` on a large file: 100,000 synthetic runs, 200 bootstrap replicates.

    python benchmarks/bench_fit_large.py [--runs 100000] [--bootstrap 200] [--seed 0]

Times, in the same process, the method before (every screened start polished on every run;
each replicate polished from the full-data optimum and its best grid start) and the method now
(planner.analysis.fitting: screened starts polished on the 5,000-run screening sample, the 2 best
distinct minima again on every run; each replicate polished from the full-data optimum alone; the
objective's log-sum-exp shifted by e, two exponentials per run instead of three),
and prints the ratio. It also checks what must not change: the point fit (same minimum: the
objectives and the five constants) and the bootstrap intervals (same seed, so the same resamples:
each interval bound's difference relative to the interval's width).

Issue 23: `plan fit` on 100k rows with the default 200 replicates took minutes.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_fit import synthetic_runs  # noqa: E402

from planner.analysis import fitting  # noqa: E402

NAMES = (*fitting.PARAMETERS, "tokens_per_param")


def before(runs: fitting.Runs, replicates: int, seed: int) -> tuple[fitting.LawFit, np.ndarray]:
    """The method before this benchmark's change, through the module's own switches."""
    fitting.SUBSAMPLE_POLISH = fitting.E_SHIFT = False
    try:
        fit = fitting.fit_law(runs)
        return fit, fitting.bootstrap_fits(runs, fit, replicates, seed, polish=1)
    finally:
        fitting.SUBSAMPLE_POLISH = fitting.E_SHIFT = True


def intervals(samples: np.ndarray) -> np.ndarray:
    table = np.column_stack([samples, fitting._tokens_per_param(samples, 1e24)])
    return np.array([fitting.percentile_interval(table[:, j], 0.95) for j in range(table.shape[1])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    runs = synthetic_runs(args.runs)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"python {platform.python_version()}, numpy {np.__version__}, {cores} cores; "
          f"{len(runs):,} synthetic runs, {args.bootstrap} bootstrap replicates")
    with fitting.one_blas_thread():
        start = time.perf_counter()
        old_fit, old_samples = before(runs, args.bootstrap, args.seed)
        t_old = time.perf_counter() - start
        start = time.perf_counter()
        report = fitting.fit_runs(runs, bootstrap=args.bootstrap, seed=args.seed)
        t_new = time.perf_counter() - start
    print(f"before: {t_old:8.1f} s\nnow:    {t_new:8.1f} s\nratio:  {t_old / t_new:8.1f} x faster")
    new_fit = report.fit
    print(f"\npoint fit objective: before {old_fit.objective:.15g}, now {new_fit.objective:.15g}")
    for name in fitting.PARAMETERS:
        a, b = getattr(old_fit, name), getattr(new_fit, name)
        print(f"  {name:<5} before {a:.10g}  now {b:.10g}  relative difference {abs(b / a - 1):.1e}")
    old_ci, new_ci = intervals(old_samples), intervals(report.samples)
    print("\n95% intervals (same seed): bound differences as a fraction of the interval's width")
    for j, name in enumerate(NAMES):
        width = old_ci[j, 1] - old_ci[j, 0]
        shift = np.max(np.abs(new_ci[j] - old_ci[j])) / width if width > 0 else 0.0
        print(f"  {name:<16} before [{old_ci[j, 0]:.6g}, {old_ci[j, 1]:.6g}]  "
              f"now [{new_ci[j, 0]:.6g}, {new_ci[j, 1]:.6g}]  {shift:.1e}")
    print(f"  replicates: largest relative difference {np.max(np.abs(report.samples / old_samples - 1)):.1e}")


if __name__ == "__main__":
    main()
