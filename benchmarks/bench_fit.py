"""Benchmark `plan fit`: 250 synthetic runs, starts grid included.

    python benchmarks/bench_fit.py [--repeat 3] [--bootstrap 200] [--exhaustive]

Prints the median wall time of
  * one L-BFGS-B run from one start (the unit: everything else is a multiple of it),
  * the point fit (screen Hoffmann's 4,500-start grid, polish the best 24 with L-BFGS-B),
  * the whole `plan fit` computation (point fit + --bootstrap replicates, default 200),
and each time as a ratio to the single L-BFGS-B run measured in the same process.
--exhaustive also polishes all 4,500 grid starts once and checks it reaches the same minimum.

Requirement (issue "Fit a scaling law from the user's own training runs"): a fit of 250 runs,
starts grid included, well under a minute on two cores.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import scipy  # noqa: E402

from planner.analysis import fitting  # noqa: E402

# epoch2024 constants (Besiroglu et al. 2024)
E, A, B, ALPHA, BETA = 1.8172, 482.01, 2085.43, 0.3478, 0.3658


def synthetic_runs(n: int = 250, sigma: float = 0.01, seed: int = 0) -> fitting.Runs:
    rng = np.random.default_rng(seed)
    params = rng.choice(np.geomspace(5e7, 5e9, 10), n)
    tokens = params * np.exp(rng.uniform(math.log(2.0), math.log(200.0), n))
    loss = (E + A / params**ALPHA + B / tokens**BETA) * np.exp(rng.normal(0.0, sigma, n))
    return fitting.runs_from_arrays(params, tokens, loss, "bench.csv")


def median_seconds(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--exhaustive", action="store_true")
    args = parser.parse_args()

    runs = synthetic_runs(args.runs)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"{cores} cores available, {platform.processor() or platform.machine()}")
    print(f"{len(runs)} synthetic runs (epoch2024 law, 1% noise), median of {args.repeat}\n")

    fitting.fit_law(runs)  # warm-up: imports, caches
    one_start = fitting.screened_starts(runs, fitting.hoffmann_grid(), 1)
    t_one, one = median_seconds(lambda: fitting.fit_law(runs, starts=one_start, polish=0),
                                max(args.repeat, 9))
    t_fit, fit = median_seconds(lambda: fitting.fit_law(runs), max(args.repeat, 5))
    t_all, report = median_seconds(
        lambda: fitting.fit_runs(runs, bootstrap=args.bootstrap, seed=0), args.repeat)

    rows = [
        ("one L-BFGS-B run, one start", t_one),
        (f"point fit: screen 4,500 starts, polish {fit.starts_polished}", t_fit),
        (f"plan fit: point fit + {args.bootstrap} bootstrap replicates", t_all),
    ]
    width = max(len(label) for label, _ in rows)
    for label, seconds in rows:
        print(f"{label:<{width}}  {seconds:9.4f} s  {seconds / t_one:8.1f} x one L-BFGS-B run")
    print(f"\nfit: alpha {fit.alpha:.4f} (true {ALPHA}), beta {fit.beta:.4f} (true {BETA}), "
          f"E {fit.E:.4f} (true {E}); objective {fit.objective:.6g}; one start reached {one.objective:.6g}")
    low, high = report.ci["tokens_per_param"] if report.ci else (math.nan, math.nan)
    print(f"D*/N* at 1e24 FLOPs: {report.tokens_per_param:.2f} [{low:.2f}, {high:.2f}]")

    if args.exhaustive:
        start = time.perf_counter()
        every = fitting.fit_law(runs, polish=0)
        seconds = time.perf_counter() - start
        same = math.isclose(every.objective, fit.objective, rel_tol=1e-9)
        print(f"\nexhaustive: polish all {every.starts_polished} starts  {seconds:9.2f} s  "
              f"{seconds / t_one:8.1f} x one run; objective {every.objective:.12g} vs screened "
              f"{fit.objective:.12g}: {'same minimum' if same else 'DIFFERENT'}")
    print(f"\nrequirement: well under 60 s for the 250-run fit -> {t_all:.1f} s "
          f"({'met' if t_all < 30 else 'NOT met'})")


if __name__ == "__main__":
    main()
