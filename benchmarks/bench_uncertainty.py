"""`plan uncertainty --reoptimize` on one machine: serial vs a 2-worker process pool vs a 2-worker Dask
LocalCluster, on a mid-size instance.

    python benchmarks/bench_uncertainty.py [--scenarios 1000] [--repeat 3] [--workers 2] [--keep mid.yaml]

The instance (built here): 24 log-spaced sizes from 1e9 to 3e10, 3 GPU types, 16 regions with
varied carbon intensity, PUE, prices and availability, 2 alignment recipes, a budget and a
deadline. Uncertain: each GPU's MFU (normal), each region's carbon intensity and each GPU's price
(independent lognormal factors, `[*]`). Every scenario is re-optimised (one MIP solve each).

Each repeat times, in this order (wall clock, Python imports of the parent excluded):
- serial: run_uncertainty(..., runner=Runner()) in this process;
- pool:   Runner(workers=N), process start-up (spawn + imports) included;
- dask:   a LocalCluster(n_workers=N, threads_per_worker=1, processes=True) started and used through
          Runner(scheduler=address), both inside the timing (closing it is printed, not timed); its
          workers start by fork like the pool's (`--spawn`: by spawn, each re-importing the stack).
It prints every run, the medians, the ratios serial/pool and serial/dask (goals 1.7x and 1.5x on
2 workers), the peak resident memory of each worker process, and checks that the three give the
same rows (exit 1 if not). Before each repeat a control times N pure-Python busy loops in N
processes against one process doing them all: on an idle machine about N x, and the ceiling of
the ratios when other programs share the CPUs (the load average is printed too).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import yaml

DISTS = [
    "gpus[*].mfu=normal(0.4, 0.04)",
    "regions[*].carbon_g_per_kwh=*lognormal(0, 0.3)",
    "gpus[*].usd_per_gpu_hour=*lognormal(0, 0.15)",
]


def mid_instance() -> dict:
    regions = []
    for k in range(16):
        carbon, pue, factor = [(420, 1.1, 0.85), (380, 1.2, 0.9), (250, 1.15, 1.0), (120, 1.3, 1.1), (60, 1.2, 1.2),
                               (30, 1.1, 1.3), (15, 1.1, 1.4), (520, 1.4, 0.8)][k % 8]
        carbon, pue, factor = carbon * (1 + 0.07 * k), min(1.6, pue + 0.01 * k), factor * (1 + 0.01 * k)
        offers = {"H100": {"usd_per_gpu_hour": round(2.5 * factor, 3), "available": 256 * (1 + k % 3)},
                  "A100": {"usd_per_gpu_hour": round(1.5 * factor, 3), "available": 512}}
        if k % 2 == 0:
            offers["B200"] = {"usd_per_gpu_hour": round(6.0 * factor, 3), "available": 128}
        regions.append({"name": f"r{k}", "carbon_g_per_kwh": round(carbon, 1), "pue": round(pue, 3), "offers": offers})
    return {
        "name": "bench-uncertainty-mid",
        "objective": "cost",
        "scaling_law": {"name": "bench", "E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28},
        "model_sizes": {"min": 1.0e9, "max": 3.0e10, "count": 24},
        "targets": {"max_loss": 2.2},
        "limits": {"budget_usd": 5.0e6, "deadline_days": 90},
        "staff_usd_per_day": 5000,
        "gpus": [
            {"name": "H100", "peak_tflops": 989, "mfu": 0.4, "watts": 700, "memory_gb": 80, "embodied_kg": 150,
             "usd_per_gpu_hour": 2.5, "available": 256},
            {"name": "A100", "peak_tflops": 312, "mfu": 0.45, "watts": 400, "memory_gb": 80, "embodied_kg": 120,
             "usd_per_gpu_hour": 1.5, "available": 512},
            {"name": "B200", "peak_tflops": 2250, "mfu": 0.38, "watts": 1000, "memory_gb": 192, "embodied_kg": 250,
             "usd_per_gpu_hour": 6.0, "available": 128},
        ],
        "regions": regions,
        "alignment": {"recipes": [
            {"name": "SFT", "quality": 0.5, "stages": [{"name": "sft", "tokens": 2.0e8, "flops_per_param_token": 6,
                                                        "samples": 1000, "usd_per_sample": 5}]},
            {"name": "DPO", "quality": 0.7, "stages": [{"name": "dpo", "tokens": 4.0e8, "flops_per_param_token": 8,
                                                        "samples": 2000, "usd_per_sample": 2}]},
        ]},
    }


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def control(workers: int, n: int = 3_000_000) -> float:
    """The speed-up the machine gives right now to `workers` pure-Python processes over one doing
    the same work alone: the ceiling for the ratios below (1.0 when other programs hold every CPU)."""
    import multiprocessing

    start = time.perf_counter()
    for _ in range(workers):
        _burn(n)
    alone = time.perf_counter() - start
    start = time.perf_counter()
    with multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn").Pool(workers) as pool:
        pool.map(_burn, [n] * workers)
    return alone / (time.perf_counter() - start)


def _load() -> str:
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=None, help="also save the instance as this YAML file")
    parser.add_argument("--spawn", action="store_true",
                        help="start the Dask workers by spawn (each imports the whole stack) instead of fork")
    args = parser.parse_args()

    import tempfile

    import dask
    from distributed import LocalCluster

    # The LocalCluster's workers start by fork, as the pool's do (Runner: start method fork on
    # Linux): they inherit the loaded planner instead of importing numpy, pydantic, Pyomo and HiGHS
    # again (about 1 s of CPU per worker on 2 cores). A long-running cluster's workers have the
    # stack loaded after their first task; `--spawn` measures the cold start instead.
    if not args.spawn:
        dask.config.set({"distributed.worker.multiprocessing-method": "fork"})
    # Dask workers sample their own stacks every 10 ms for the dashboard's profile view; batch work
    # needs none of it (docs/uncertainty.md recommends the same setting on a cluster used for plan).
    dask.config.set({"distributed.worker.profile.enabled": False})

    from planner.analysis.executor import Runner
    from planner.analysis.uncertainty import run_uncertainty

    instance = mid_instance()
    folder = Path(tempfile.mkdtemp(prefix="bench-uncertainty-"))
    path = args.keep or folder / "mid.yaml"
    path.write_text(yaml.safe_dump(instance, sort_keys=False))

    def run(runner):
        return run_uncertainty(path, args.scenarios, seed=args.seed, dists=DISTS, reoptimize=True, runner=runner)

    import planner.optimize.pipeline  # noqa: F401 -- the parent's imports, outside every timing

    times: dict[str, list[float]] = {"serial": [], "pool": [], "dask": []}
    memory: dict[str, list[int]] = {"serial": [], "pool": [], "dask": []}
    cores: dict[str, list[float]] = {"serial": [], "pool": [], "dask": []}  # CPU seconds / wall seconds
    startup: dict[str, list[float]] = {"dask": [], "close": []}
    rows = {}
    print(f"load average before: {_load()} (on {os.cpu_count()} CPUs; other processes' load slows the parallel runs)")
    print(f"{instance['name']}: {args.scenarios} scenarios re-optimised, {args.workers} workers, "
          f"{args.repeat} repeats; 24 sizes x 3 GPUs x 16 regions x 2 recipes", flush=True)
    controls = []
    for repeat in range(1, args.repeat + 1):
        controls.append(control(args.workers))
        start = time.perf_counter()
        serial = run(Runner())
        times["serial"].append(time.perf_counter() - start)
        memory["serial"] = list(serial.memory.values())
        cores["serial"].append(sum(serial.cpu.values()) / times["serial"][-1])

        start = time.perf_counter()
        pooled = run(Runner(workers=args.workers))
        times["pool"].append(time.perf_counter() - start)
        memory["pool"] = list(pooled.memory.values())
        cores["pool"].append(sum(pooled.cpu.values()) / times["pool"][-1])

        start = time.perf_counter()
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        started = time.perf_counter() - start
        on_dask = run(Runner(scheduler=cluster.scheduler_address))
        times["dask"].append(time.perf_counter() - start)
        closing = time.perf_counter()
        cluster.close()
        startup["dask"].append(started)
        startup["close"].append(time.perf_counter() - closing)
        memory["dask"] = list(on_dask.memory.values())
        cores["dask"].append(sum(on_dask.cpu.values()) / times["dask"][-1])
        rows = {"serial": serial.rows, "pool": pooled.rows, "dask": on_dask.rows}
        print(f"  repeat {repeat}: serial {times['serial'][-1]:6.1f} s   pool {times['pool'][-1]:6.1f} s   "
              f"dask {times['dask'][-1]:6.1f} s (cluster start {startup['dask'][-1]:.1f} s; "
              f"close {startup['close'][-1]:.1f} s, not timed)", flush=True)
        print(f"            CPU cores obtained (CPU s / wall s): serial {cores['serial'][-1]:.2f}   "
              f"pool {cores['pool'][-1]:.2f}   dask workers {cores['dask'][-1]:.2f}", flush=True)
        print(f"            control: {args.workers} busy-loop processes vs 1 ran {controls[-1]:.2f}x faster "
              "(the machine's ceiling at that moment)", flush=True)

    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"medians: serial {med['serial']:.1f} s ({1000 * med['serial'] / args.scenarios:.1f} ms/scenario), "
          f"pool {med['pool']:.1f} s, dask {med['dask']:.1f} s")
    print(f"pool x{args.workers} vs 1 worker (serial): {med['serial'] / med['pool']:.2f}x  (goal >= 1.7x)")
    print(f"dask LocalCluster x{args.workers} vs serial, start-up included: {med['serial'] / med['dask']:.2f}x  "
          f"(goal >= 1.5x)")
    best = {k: min(v) for k, v in times.items()}
    print(f"fastest of the repeats (least disturbed by other programs): serial {best['serial']:.1f} s, "
          f"pool {best['pool']:.1f} s ({best['serial'] / best['pool']:.2f}x), "
          f"dask {best['dask']:.1f} s ({best['serial'] / best['dask']:.2f}x)")
    print(f"control (pure-CPU busy loops, {args.workers} processes vs 1): median {statistics.median(controls):.2f}x")
    for kind in ("serial", "pool", "dask"):
        mib = ", ".join(f"{m / 2**20:.0f}" for m in sorted(memory[kind]))
        print(f"peak memory per {'process' if kind == 'serial' else 'worker'} ({kind}): {mib} MiB")
    statuses = {s.optimal("status") for s in rows["serial"]}
    plans = {tuple(s.optimal(k) for k in ("model_params", "gpu", "region", "alignment")) for s in rows["serial"]}
    print(f"scenarios: statuses {sorted(statuses)}, {len(plans)} distinct optimal plans")
    print(f"load average after: {_load()}")
    same = rows["serial"] == rows["pool"] == rows["dask"]
    print("serial, pool and dask rows identical:", "yes" if same else "NO")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
