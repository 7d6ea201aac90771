"""Benchmark: what-if sweeps and frontiers against one solve, measured in the same run.

    python benchmarks/bench_sweep.py [INSTANCE.yaml]

The goals (issue 14), as a user meets them, whole processes: `plan whatif FILE --vary` over 50
budgets within 3x one `plan solve FILE` process, over 50 GPU prices (a coefficient: no model can
be kept) within 5x. Then, in-process and in milliseconds, for the instance (default
instances/co2-regions.yaml): one `solve_instance` (median of 7 after a warm-up), a 50-point
budget sweep (every point validated, solved, priced and explained like `plan solve`), the same
sweep from below the cheapest plan (with and without reasons for its infeasible points), with
objective loss, a 50-point sweep of a grid carbon intensity, a 10-point cost/CO2 frontier and, for
scale, 50 independent solve_instance calls. Every point goes through the full pipeline (derive,
presolve, MIP, evaluation): the numpy presolve leaves the MIP a handful of rows, so no model is
kept between points.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.analysis.frontier import run_frontier  # noqa: E402
from planner.input.loading import load_instance, read_yaml  # noqa: E402
from planner.optimize.pipeline import solve_instance  # noqa: E402
from planner.input.sweep_paths import spaced  # noqa: E402
from planner.analysis.whatif import run_whatif  # noqa: E402
from bench_solve import byte_compile, plan_command  # noqa: E402  (the `plan` console script, as a user runs it)



def median_time(fn, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    byte_compile()
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "instances" / "co2-regions.yaml"
    data = read_yaml(path)
    instance = load_instance(path)
    cheapest = solve_instance(instance.model_copy(update={"objective": "cost", "limits": instance.limits.model_copy(
        update={"budget_usd": None})}), explain=False).objective_value
    top = 1.3 * (instance.limits.budget_usd or 10 * cheapest)
    feasible = spaced(cheapest * (1 + 1e-6), top, 50, log=True)
    crossing = spaced(0.8 * cheapest, top, 50, log=True)
    solve_instance(instance)  # warm-up: first-call costs (imports inside functions, HiGHS load)
    one = median_time(lambda: solve_instance(instance), runs=7)

    rows = []
    for label, budgets, explain in (
        ("50-point sweep of limits.budget_usd", feasible, True),
        ("50-point sweep from below the cheapest plan, with reasons", crossing, True),
        ("50-point sweep from below the cheapest plan, --no-explain", crossing, False),
    ):
        def sweep(budgets=budgets, explain=explain):
            return run_whatif(data, {"limits.budget_usd": budgets}, explain=explain)

        result = sweep()  # warm-up of this path
        seconds = median_time(sweep, runs=3)
        infeasible = sum(p.status != "optimal" for p in result.points)
        plans = len({(p.result.plan.gpu, p.result.plan.region, p.result.plan.model_params)
                     for p in result.points if p.result is not None and p.result.plan is not None})
        rows.append((label, seconds, f"{result.stats['solves']} solves; {plans} distinct plans, "
                                     f"{infeasible} infeasible points"))
    loss_data = dict(data, objective="loss")
    loss_sweep = run_whatif(loss_data, {"limits.budget_usd": feasible})
    seconds = median_time(lambda: run_whatif(loss_data, {"limits.budget_usd": feasible}), runs=1)
    loss_one = median_time(lambda: solve_instance(instance.model_copy(update={"objective": "loss"})), runs=5)
    rows.append(("the first sweep with objective loss (a solve per point)", seconds,
                 f"{loss_sweep.stats['solves']} solves "
                 f"(with cutting-plane rounds); one loss solve is {loss_one * 1e3:.0f} ms, so "
                 f"{seconds / loss_one:.1f}x one loss solve"))
    carbon = run_whatif(data, {"regions[us-east].carbon_g_per_kwh": spaced(13.0, 700.0, 50, log=True)})
    seconds = median_time(lambda: run_whatif(data, {"regions[us-east].carbon_g_per_kwh":
                                                    spaced(13.0, 700.0, 50, log=True)}), runs=1)
    rows.append(("50-point sweep of regions[us-east].carbon_g_per_kwh (a coefficient)", seconds,
                 f"{carbon.stats['solves']} solves: no kept model needed"))
    front = run_frontier(instance, "cost", "co2", 10)
    seconds = median_time(lambda: run_frontier(instance, "cost", "co2", 10), runs=3)
    rows.append(("10-point frontier cost vs co2", seconds,
                 f"{front.stats['solves']} solves; {len(front.points)} non-dominated points"))
    variants = [instance.model_copy(update={"limits": instance.limits.model_copy(update={"budget_usd": b})})
                for b in feasible]
    seconds = median_time(lambda: [solve_instance(v) for v in variants], runs=1)
    rows.append(("the first sweep as 50 independent solve_instance calls", seconds, "for scale"))

    plan = plan_command()
    process = median_time(lambda: subprocess.run(plan + ["solve", str(path), "--format", "json"],
                                                 capture_output=True, check=False), runs=5)
    budgets = ",".join(f"{b:.6g}" for b in feasible)
    prices = ",".join(f"{p:.4g}" for p in spaced(1.0, 6.0, 50, log=False))
    for label, vary, goal in (("`plan whatif` process, 50 budgets", f"limits.budget_usd={budgets}", 3.0),
                              ("`plan whatif` process, 50 H100 prices", f"gpus[H100].usd_per_gpu_hour={prices}", 5.0)):
        seconds = median_time(lambda vary=vary: subprocess.run(
            plan + ["whatif", str(path), "--vary", vary, "--format", "csv"], capture_output=True, check=False), runs=3)
        ratio = seconds / process
        print(f"{label}: {seconds:.2f} s = {ratio:.2f}x one `plan solve` process ({process:.2f} s); "
              f"goal under {goal:g}x: {'met' if ratio < goal else 'NOT met'}")
    print(f"instance: {path.name}; one solve in-process (median of 7): {one * 1e3:.1f} ms")
    width = max(len(r[0]) for r in rows)
    for label, seconds, note in rows:
        print(f"{label:<{width}}  {seconds * 1e3:8.1f} ms  {seconds / one:6.2f}x one solve  ({note})")
    print("(in-process rows: each point is a full derive + presolve + MIP + evaluation of its own)")

if __name__ == "__main__":
    main()
