"""Calibrate the catalog's training throughput (MFU) on published training runs.

    python scripts/calibrate_throughput.py [--csv data/published_runs.csv] [--catalog planner/input/catalog/gpus.yaml]

For every GPU generation with enough clean published runs, fit the catalog's `mfu` (the MFU at
`mfu_ref_params` = 1e11 active parameters) and `mfu_size_exponent`, with `mfu_max_params` the largest
clean run of the generation (the curve is not extrapolated past it), of

    mfu(N)    = min(mfu_max, mfu * (min(N, mfu_max_params) / mfu_ref_params) ^ mfu_size_exponent)
    GPU-hours = 6 N D / (peak * mfu(N)) / 3600 * (1 + waste(n))
    waste(n)  = sqrt(2 * checkpoint_hours * n / mtbf_hours) + restart_hours * n / mtbf_hours

(N active parameters for an MoE, D tokens, peak the dense BF16 peak of the catalog GPU, n the GPU
count; waste only where the catalog GPU has `mtbf_hours` and the run publishes n; checkpoint_hours
0.01 and restart_hours 0.1, the instance defaults). This is exactly what `plan evaluate` computes
for a run given as params, tokens, GPU, count and (for an MoE) total/active ratio, with the catalog
defaults.

The fit is least squares on log MFU: log(implied mfu_i) = log(mfu) + exponent * log(N_i / 1e11),
where implied mfu_i = 6 N D (1 + waste_i) / (peak * 3600 * published GPU-hours_i). The size term is
kept only where it lowers the leave-one-out median absolute relative error of the GPU-hours.

Rows that are not clean measurements of 6 N D (column gpu_hours_basis, see `exclusion_reason`) are
left out of the fit and shown apart. Deterministic, numpy only, well under a second.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from planner.input.yaml_safe import SafeLoader  # noqa: E402 -- the project's YAML 1.2 numbers (1.0e11)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT / "data" / "published_runs.csv"
DEFAULT_CATALOG = ROOT / "planner" / "input" / "catalog" / "gpus.yaml"

REF_PARAMS = 1e11            # mfu_ref_params of every fitted GPU
CHECKPOINT_HOURS = 0.01      # instance default `reliability.checkpoint_hours`
RESTART_HOURS = 0.1          # instance default `reliability.restart_hours`
MIN_CLEAN_ROWS = 5           # a generation with fewer clean runs keeps its sourced/assumed MFU

GENERATION = {"V100": "Volta", "A100": "Ampere", "H100": "Hopper", "H800": "Hopper", "H200": "Hopper",
              "B200": "Blackwell", "MI300X": "CDNA3"}
# GPUs without enough clean runs of their own take a fitted generation's numbers, scaled so that they
# reach `throughput` x that generation's achieved TFLOP/s (docs/catalog.md gives the sources):
#   H800, H200  Hopper, same compute as H100 (NVIDIA datasheets): the Hopper fit itself
#   B200        Hopper's share of peak: NVIDIA's Megatron-Bridge benchmarks put B200 and H100 at the same
#               ~37% of their FP8 peaks (Llama 3.1 405B); the one public B200 run (Olmo Hybrid 7B) is
#               shown by the table, not fitted
#   MI300X      the same achieved TFLOP/s as H100 (SemiAnalysis, Dec 2024, "MI300X vs H100 vs H200
#               Benchmark Part 1: Training": the MI300X's higher peak did not show in training):
#               mfu = Hopper mfu x 989 / 1307
FIT_SOURCE = {"A100": ("Ampere", None), "H100": ("Hopper", None), "H800": ("Hopper", None),
              "H200": ("Hopper", None), "B200": ("Hopper", None), "MI300X": ("Hopper", "H100")}
# mfu_fp8 from MEASURED end-to-end FP8 gains over BF16 on the same hardware: +19% to +64% (FP8-LM,
# Peng et al. 2023, arXiv:2310.18313; Fujii et al. 2024, arXiv:2411.08719; InfiR2, arXiv:2509.22536),
# not the 2x of the peaks: FP8_SPEEDUP 1.4, the middle of that range. Against an FP8 peak twice the BF16
# one: mfu_fp8 = mfu x 1.4 / 2 = 0.70 mfu. (The previous 0.875 came from steady-state kernel benchmarks
# and gave 1.75x, above every measured run.)
FP8_SPEEDUP = 1.4
FP8_RATIO = FP8_SPEEDUP / 2.0

# The catalog before calibration (commit 5ab6c37): constant MFU per GPU, no failures.
BEFORE_MFU = {"V100": 0.25, "A100": 0.40, "H100": 0.40, "H800": 0.40, "H200": 0.40, "B200": 0.40,
              "MI300X": 0.35}


@dataclass(frozen=True)
class Run:
    model: str
    gpu: str                   # catalog GPU name
    gpu_count: int | None
    params: float              # active parameters
    tokens: float
    gpu_hours: float           # published
    basis: str
    notes: str

    @property
    def generation(self) -> str:
        return GENERATION.get(self.gpu, self.gpu)


@dataclass(frozen=True)
class Fit:
    generation: str
    mfu: float                 # at REF_PARAMS
    exponent: float
    runs: tuple[str, ...]      # the clean runs it was fitted on
    loo_const: tuple[float, ...]   # leave-one-out relative errors, constant mfu
    loo_size: tuple[float, ...]    # leave-one-out relative errors, with the size term
    max_params: float = REF_PARAMS  # the largest clean run: mfu(N) is not extrapolated past it


def read_runs(path: Path) -> list[Run]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [Run(model=r["model"], gpu=r["catalog_gpu"],
                gpu_count=int(r["gpu_count"]) if r["gpu_count"].strip() else None,
                params=float(r["params_active"]), tokens=float(r["tokens"]),
                gpu_hours=float(r["gpu_hours"]), basis=r["gpu_hours_basis"], notes=r["notes"])
            for r in rows]


def read_catalog(path: Path) -> dict[str, dict]:
    with open(path, encoding="utf-8") as handle:
        return {entry["name"]: entry for entry in yaml.load(handle, Loader=SafeLoader)}  # noqa: S506


def exclusion_reason(run: Run) -> str | None:
    """Why a row is not a clean measurement of the GPU-hours its 6 N D took (None: clean)."""
    basis, notes = run.basis, run.notes.lower()
    for word, why in (("IDEALISED", "idealised hours (no failures), not measured"),
                      ("WALL-CLOCK", "wall-clock upper bound incl. idle time and restarts"),
                      ("APPROX", "approximate hours ('GPUs unscheduled for two weeks')"),
                      ("DERIVED", "derived from a per-token rate, not a run total"),
                      ("PLANNED", "planned / throughput-based, not a measured total")):
        if basis.startswith(word):
            return why
    if "outlier" in basis or "failed" in basis:
        return "includes earlier failed attempts"
    if "distillation" in basis or "teacher" in notes:
        return "teacher forward passes (distillation) are compute outside 6 N D"
    return None


def waste(n: int | None, mtbf_hours: float | None) -> float:
    """Section 6.2: share of useful time lost to checkpoints and restarts on n GPUs."""
    if n is None or mtbf_hours is None:
        return 0.0
    return math.sqrt(2 * CHECKPOINT_HOURS * n / mtbf_hours) + RESTART_HOURS * n / mtbf_hours


def mfu_at(params: float, mfu: float, exponent: float, mfu_max: float = 1.0,
           ref_params: float = REF_PARAMS, max_params: float | None = None) -> float:
    """Section 6.1: mfu(N) = min(mfu_max, mfu (min(N, max_params) / ref)^exponent), the curve bounded
    at the largest calibrated size (planner.formulas.throughput)."""
    size = params if max_params is None else min(params, max_params)
    return min(mfu_max, mfu * (size / ref_params) ** exponent)


def predicted_gpu_hours(run: Run, gpu: dict, mfu: float, exponent: float, *, failures: bool = True) -> float:
    """GPU-hours of the run under the catalog formulas (6.1 and, with `failures`, 6.2)."""
    peak = gpu["peak_tflops"] * 1e12
    rate = mfu_at(run.params, mfu, exponent, gpu.get("mfu_max", 1.0), gpu.get("mfu_ref_params", REF_PARAMS),
                  gpu.get("mfu_max_params"))
    hours = 6 * run.params * run.tokens / (peak * rate) / 3600
    return hours * (1 + (waste(run.gpu_count, gpu.get("mtbf_hours")) if failures else 0.0))


def implied_mfu(run: Run, gpu: dict) -> float:
    """The MFU at which the formulas reproduce the published GPU-hours (failures included)."""
    peak = gpu["peak_tflops"] * 1e12
    return 6 * run.params * run.tokens * (1 + waste(run.gpu_count, gpu.get("mtbf_hours"))) / (
        peak * 3600 * run.gpu_hours)


def fit_log(runs: list[Run], catalog: dict[str, dict], size_term: bool) -> tuple[float, float]:
    """Least squares on log MFU; returns (mfu at REF_PARAMS, exponent)."""
    y = np.array([math.log(implied_mfu(r, catalog[r.gpu])) for r in runs])
    x = np.array([math.log(r.params / REF_PARAMS) for r in runs])
    if not size_term:
        return float(math.exp(y.mean())), 0.0
    design = np.column_stack([np.ones_like(x), x])
    (intercept, slope), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(math.exp(intercept)), float(slope)


def relative_error(run: Run, gpu: dict, mfu: float, exponent: float, *, failures: bool = True) -> float:
    return predicted_gpu_hours(run, gpu, mfu, exponent, failures=failures) / run.gpu_hours - 1


def leave_one_out(runs: list[Run], catalog: dict[str, dict], size_term: bool) -> tuple[float, ...]:
    errors = []
    for i, run in enumerate(runs):
        mfu, exponent = fit_log(runs[:i] + runs[i + 1:], catalog, size_term)
        errors.append(relative_error(run, catalog[run.gpu], mfu, exponent))
    return tuple(errors)


def median_abs(errors) -> float:
    return float(np.median(np.abs(errors)))


def worst_abs(errors) -> float:
    return float(np.max(np.abs(errors)))


def clean_by_generation(runs: list[Run]) -> dict[str, list[Run]]:
    groups: dict[str, list[Run]] = {}
    for run in runs:
        if exclusion_reason(run) is None:
            groups.setdefault(run.generation, []).append(run)
    return {g: rs for g, rs in groups.items() if len(rs) >= MIN_CLEAN_ROWS}


def calibrate(runs: list[Run], catalog: dict[str, dict]) -> dict[str, Fit]:
    """One fit per generation with at least MIN_CLEAN_ROWS clean runs."""
    fits = {}
    for generation, group in sorted(clean_by_generation(runs).items()):
        loo_const = leave_one_out(group, catalog, size_term=False)
        loo_size = leave_one_out(group, catalog, size_term=True)
        size_term = median_abs(loo_size) < median_abs(loo_const)
        mfu, exponent = fit_log(group, catalog, size_term)
        fits[generation] = Fit(generation, mfu, exponent, tuple(r.model for r in group), loo_const, loo_size,
                               max(r.params for r in group))
    return fits


def catalog_values(fits: dict[str, Fit], catalog: dict[str, dict]) -> dict[str, dict[str, float]]:
    """The numbers gpus.yaml carries for each calibrated GPU: mfu, mfu_size_exponent, mfu_fp8."""
    values = {}
    for name, (generation, same_rate_as) in FIT_SOURCE.items():
        fit = fits.get(generation)
        if fit is None or name not in catalog:
            continue
        scale = 1.0
        if same_rate_as is not None:
            scale = catalog[same_rate_as]["peak_tflops"] / catalog[name]["peak_tflops"]
        entry = {"mfu": fit.mfu * scale, "mfu_size_exponent": fit.exponent, "mfu_ref_params": REF_PARAMS,
                 "mfu_max_params": fit.max_params}
        if catalog[name].get("peak_fp8_tflops"):
            entry["mfu_fp8"] = fit.mfu * scale * FP8_RATIO
        values[name] = entry
    return values


def before_error(run: Run, catalog: dict[str, dict]) -> float:
    """The catalog before calibration: constant MFU, no failures."""
    return relative_error(run, catalog[run.gpu], BEFORE_MFU[run.gpu], 0.0, failures=False)


def report(runs: list[Run], catalog: dict[str, dict], fits: dict[str, Fit]) -> str:
    lines = []
    lines.append("Fitted (mfu at mfu_ref_params = 1e11 active parameters; waste(n) from the catalog's mtbf_hours):")
    for fit in fits.values():
        lines.append(f"  {fit.generation:8s} mfu {fit.mfu:.4f}  mfu_size_exponent {fit.exponent:.4f}  "
                     f"({len(fit.runs)} clean runs: {', '.join(fit.runs)})")
    lines.append("")
    header = (f"{'run':22s} {'gpu':6s} {'n':>6s} {'N active':>9s} {'published':>11s} {'before':>11s} {'err':>7s}"
              f" {'after':>11s} {'err':>7s} {'LOO err':>8s}  note")
    lines.append(header)
    lines.append("-" * len(header))
    before_all, after_all, loo_all = [], [], []
    for run in runs:
        gpu = catalog[run.gpu]
        before = predicted_gpu_hours(run, gpu, BEFORE_MFU[run.gpu], 0.0, failures=False)
        fit = fits.get(run.generation)
        reason = exclusion_reason(run)
        after_text, err_text, loo_text = "-", "-", "-"
        if fit is not None:
            after = predicted_gpu_hours(run, gpu, fit.mfu, fit.exponent)
            after_text, err_text = f"{after:11.4g}", f"{after / run.gpu_hours - 1:+7.1%}"
            if reason is None:
                i = fit.runs.index(run.model)
                loo = (fit.loo_size if fit.exponent else fit.loo_const)[i]
                loo_text = f"{loo:+8.1%}"
                before_all.append(before / run.gpu_hours - 1)
                after_all.append(after / run.gpu_hours - 1)
                loo_all.append(loo)
        note = f"left out: {reason}" if reason else ("" if fit else "no fit for this generation")
        count = str(run.gpu_count) if run.gpu_count else "-"
        lines.append(f"{run.model[:22]:22s} {run.gpu:6s} {count:>6s} {run.params:9.3g} {run.gpu_hours:11.4g} "
                     f"{before:11.4g} {before / run.gpu_hours - 1:+7.1%} {after_text:>11s} {err_text:>7s} "
                     f"{loo_text:>8s}  {note}")
    lines.append("")
    lines.append("Absolute relative error of GPU-hours on the clean runs of the fitted generations:")
    lines.append(f"  {'':34s} {'median':>8s} {'worst':>8s}")
    lines.append(f"  {'before (constant catalog mfu)':34s} {median_abs(before_all):8.1%} {worst_abs(before_all):8.1%}")
    for fit in fits.values():
        group = [r for r in runs if r.model in fit.runs]
        before_group = [before_error(r, catalog) for r in group]
        lines.append(f"  {'before ' + fit.generation:34s} {median_abs(before_group):8.1%} {worst_abs(before_group):8.1%}")
        lines.append(f"  {'LOO ' + fit.generation + ' constant mfu':34s} {median_abs(fit.loo_const):8.1%} "
                     f"{worst_abs(fit.loo_const):8.1%}")
        lines.append(f"  {'LOO ' + fit.generation + ' with size term':34s} {median_abs(fit.loo_size):8.1%} "
                     f"{worst_abs(fit.loo_size):8.1%}{'  (kept)' if fit.exponent else '  (not kept)'}")
    lines.append(f"  {'after, leave-one-out (all)':34s} {median_abs(loo_all):8.1%} {worst_abs(loo_all):8.1%}")
    lines.append(f"  {'after, in-sample (all)':34s} {median_abs(after_all):8.1%} {worst_abs(after_all):8.1%}")
    lines.append("")
    lines.append("Catalog values (gpus.yaml):")
    for name, entry in catalog_values(fits, catalog).items():
        fp8 = f"  mfu_fp8 {entry['mfu_fp8']:.4f}" if "mfu_fp8" in entry else ""
        lines.append(f"  {name:7s} mfu {entry['mfu']:.4f}  mfu_size_exponent {entry['mfu_size_exponent']:.4f}{fp8}"
                     f"  mfu_max_params {entry['mfu_max_params']:.3g}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    args = parser.parse_args(argv)
    runs = read_runs(args.csv)
    catalog = read_catalog(args.catalog)
    fits = calibrate(runs, catalog)
    print(report(runs, catalog, fits))
    return 0


if __name__ == "__main__":
    sys.exit(main())
