"""Measure the spread of published training runs around the catalog's MFU curve.

    python scripts/fit_mfu_spread.py            # print the cells and the held-out check
    python scripts/fit_mfu_spread.py --write    # rewrite planner/input/catalog/mfu_spread.yaml

For every clean run of data/published_runs.csv (the rule of scripts/calibrate_throughput.py:
`exclusion_reason`) whose GPU generation has a calibrated curve, the residual

    r = ln(published GPU-hours / GPU-hours the catalog predicts)

(the catalog's CURRENT curve in planner/input/catalog/gpus.yaml, failures included: exactly what
`plan evaluate` computes for the run; re-run this script whenever the curve changes:
tests/test_mfu_spread.py fails until the file matches). The runs are grouped by GPU generation and
size class (active parameters below or above SPLIT_PARAMS); per cell

    log_mean = mean r                               the curve's bias for that class
    s        = sqrt(sum (r - log_mean)^2 / n x n_gen / (n_gen - p))

the root-mean-square deviation from the generation's mean, widened for the p parameters of the curve
fitted on the same n_gen runs (residuals of a fitted curve are smaller than a new run's error), then
turned into a prediction interval for a NEW run: the lognormal sigma whose P10-P90 equal the Student-t
interval s t_{0.9, n} sqrt(1 + 1/n_gen) / z_0.9. log_mean is the generation's mean residual (0 for a
least-squares curve: the curve is the median). A cell of 3-5 runs cannot measure its own scatter
(Ampere's three small runs come from two teams and agree within 15%): a cell's `log_sd` is the
larger of its own figure (`cell_sd`) and its SIZE CLASS's, pooled over every calibrated generation
(8 small, 7 large runs). A few runs of one or two teams cannot show that a chip's runs scatter less
than the class's (the scatter is the teams' and stacks', not the chip's: issue 20); they can show
that they scatter more (Hopper's small runs: Llama 3 8B at 13-16% MFU, Olmo 3 7B at 31%). GPU-hours of a new run = predicted x exp(r), r ~ N(log_mean, log_sd^2) (a lognormal
MFU factor), so P10/P50/P90 = predicted x exp(log_mean + log_sd z), z = -1.2816, 0, +1.2816.

Generations without a calibrated curve (V100, Blackwell, CDNA3) take the pooled cell of their size
class over every calibrated run (an assumption: the same teams-and-stacks scatter).

The held-out runs of tests/data/validation/ (role held_out in published.yaml; none is in the CSV)
never enter the cells: `--check` reports the share of their published GPU-hours inside P10-P90, the
median error of P50 and the band's median width, the figures of docs/uncertainty.md.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from calibrate_throughput import (DEFAULT_CATALOG, DEFAULT_CSV, GENERATION, clean_by_generation,  # noqa: E402
                                  predicted_gpu_hours, read_catalog, read_runs)

ROOT = Path(__file__).resolve().parent.parent
SPREAD_FILE = ROOT / "planner" / "input" / "catalog" / "mfu_spread.yaml"
VALIDATION = ROOT / "tests" / "data" / "validation"
#: Size classes: active parameters below SPLIT_PARAMS are `small`.
SPLIT_PARAMS = 2e10
Z90 = 1.2815515655446004   # the standard normal's 90th percentile


def size_class(params: float) -> str:
    return "small" if params < SPLIT_PARAMS else "large"


def cells(csv_path: Path = DEFAULT_CSV, catalog_path: Path = DEFAULT_CATALOG) -> list[dict]:
    """The spread cells (module docstring), calibrated generations first, then the pooled ones."""
    catalog = read_catalog(catalog_path)
    groups = clean_by_generation(read_runs(csv_path))
    out, pooled = [], {"small": [], "large": []}
    for generation, runs in sorted(groups.items()):
        residuals = {}
        for run in runs:
            gpu = catalog[run.gpu]
            predicted = predicted_gpu_hours(run, gpu, gpu["mfu"], gpu.get("mfu_size_exponent", 0.0))
            residuals[run.model] = (run.params, math.log(run.gpu_hours / predicted))
        curve_params = 1 + (catalog[runs[0].gpu].get("mfu_size_exponent", 0.0) != 0.0)
        mean = statistics.fmean(r for _, r in residuals.values())
        widen = len(runs) / (len(runs) - curve_params)
        for klass in ("small", "large"):
            chosen = {m: r for m, (n, r) in residuals.items() if size_class(n) == klass}
            pooled[klass] += [(r - mean) ** 2 * widen for r in chosen.values()]
            out.append(_cell(generation, klass, chosen, mean, widen, len(runs)))
    for klass in ("small", "large"):
        squares = pooled[klass]
        sd = round(_predictive_sd(math.sqrt(sum(squares) / len(squares)), len(squares), len(squares)), 4)
        for cell in out:
            if cell["size_class"] == klass:
                cell["log_sd"] = max(sd, cell["cell_sd"])   # module docstring
        out.append({"generation": "pooled", "gpus": sorted(g for g, gen in GENERATION.items() if gen not in groups),
                    "size_class": klass, "min_params": 0.0 if klass == "small" else SPLIT_PARAMS,
                    "max_params": SPLIT_PARAMS if klass == "small" else 1e15, "log_mean": 0.0,
                    "log_sd": sd, "cell_sd": sd, "n": len(squares),
                    "runs": [m for c in out if c["size_class"] == klass for m in c["runs"]]})
    return out


def _predictive_sd(s: float, n_cell: int, n_mean: int) -> float:
    """The lognormal sigma whose P10-P90 equal the Student-t prediction interval of a new run:
    s t_{0.9, n_cell} sqrt(1 + 1/n_mean) / z_0.9 (s estimated from n_cell runs, the mean from n_mean)."""
    from scipy.stats import t

    return s * float(t.ppf(0.9, n_cell)) * math.sqrt(1 + 1 / n_mean) / Z90


def _cell(generation: str, klass: str, residuals: dict, mean: float, widen: float, n_gen: int) -> dict:
    values = np.array(list(residuals.values()), dtype=float)
    s = math.sqrt(((values - mean) ** 2).sum() / len(values) * widen)
    return {"generation": generation, "gpus": sorted(g for g, gen in GENERATION.items() if gen == generation),
            "size_class": klass, "min_params": 0.0 if klass == "small" else SPLIT_PARAMS,
            "max_params": SPLIT_PARAMS if klass == "small" else 1e15,
            "log_mean": round(mean, 4), "log_sd": None, "cell_sd": round(_predictive_sd(s, len(values), n_gen), 4),
            "n": len(values), "runs": [str(m) for m in residuals]}


def spread_for(all_cells: list[dict], gpu: str, params: float) -> tuple[float, float]:
    """(log_mean, log_sd) for a catalog GPU and size: its generation's cell, else the pooled one."""
    klass = size_class(params)
    for cell in all_cells:
        if gpu in cell["gpus"] and cell["size_class"] == klass:
            return cell["log_mean"], cell["log_sd"]
    pooled = next(c for c in all_cells if c["generation"] == "pooled" and c["size_class"] == klass)
    return pooled["log_mean"], pooled["log_sd"]


def check_held_out(all_cells: list[dict]) -> list[dict]:
    """Per held-out validation run: published, P10/P50/P90 of `plan evaluate`'s prediction."""
    from planner.formulas.evaluate import evaluate_plan
    from planner.input.loading import load_instance

    from planner.input.yaml_safe import SafeLoader

    published = yaml.load((VALIDATION / "published.yaml").read_text(encoding="utf-8"), Loader=SafeLoader)
    rows = []
    for name, entry in published.items():
        if entry.get("role") != "held_out" or "gpu_hours" not in entry.get("published", {}):
            continue
        instance = load_instance(VALIDATION / entry["instance"], for_solving=False)
        point = evaluate_plan(instance, instance.plan).gpu_hours
        mean, sd = spread_for(all_cells, instance.plan.gpu, instance.plan.model_params)
        p10, p50, p90 = (point * math.exp(mean + sd * z) for z in (-Z90, 0.0, Z90))
        rows.append({"run": name, "published": entry["published"]["gpu_hours"], "p10": p10, "p50": p50, "p90": p90})
    return rows


def summary(rows: list[dict]) -> dict:
    inside = sum(r["p10"] <= r["published"] <= r["p90"] for r in rows)
    return {"runs": len(rows), "inside": inside, "coverage": inside / len(rows),
            "p50_median_abs_error": statistics.median(abs(r["p50"] / r["published"] - 1) for r in rows),
            "median_width": statistics.median(r["p90"] / r["p10"] for r in rows)}


def write(all_cells: list[dict]) -> None:
    header = ("# The spread of published training runs around the catalog's MFU curve, by GPU generation and\n"
              "# size class: GPU-hours = predicted x exp(r), r ~ Normal(log_mean, log_sd^2) (a lognormal MFU\n"
              "# factor). GENERATED by scripts/fit_mfu_spread.py from data/published_runs.csv and the curve in\n"
              "# gpus.yaml; do not edit by hand (tests/test_mfu_spread.py). `runs` are the published runs of\n"
              "# each cell (sources in data/published_runs.csv); docs/uncertainty.md explains the method.\n")
    SPREAD_FILE.write_text(header + yaml.safe_dump(all_cells, sort_keys=False, width=1000), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {SPREAD_FILE.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    all_cells = cells()
    for c in all_cells:
        print(f"{c['generation']:8} {c['size_class']:5} n={c['n']}  log_mean {c['log_mean']:+.3f}  "
              f"log_sd {c['log_sd']:.3f} (cell alone {c['cell_sd']:.3f})  "
              f"{', '.join(map(str, c['runs']))}")
    rows = check_held_out(all_cells)
    for r in rows:
        inside = "inside" if r["p10"] <= r["published"] <= r["p90"] else "OUTSIDE"
        print(f"  {r['run']:14} published {r['published']:>12,.0f}  P10 {r['p10']:>12,.0f}  P50 {r['p50']:>12,.0f}  "
              f"P90 {r['p90']:>12,.0f}  {inside}  P50 error {r['p50'] / r['published'] - 1:+.1%}")
    s = summary(rows)
    print(f"held out: {s['inside']} of {s['runs']} inside P10-P90 ({s['coverage']:.0%}); P50 median error "
          f"{s['p50_median_abs_error']:.1%}; median band width P90/P10 = {s['median_width']:.2f}")
    if args.write:
        write(all_cells)
        print(f"wrote {SPREAD_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
