"""`plan uncertainty`: percentiles and probabilities checked by hand, reproducible draws, serial =
process pool = Dask, bad distributions (exit 2, nothing written), and fit -> solve with confidence.

Expected values are recomputed here from README's formulas ("Derived quantities") and the documented draw
order (docs/uncertainty.md), never by calling the code under test.
"""

from __future__ import annotations

import csv
import io
import json
import math
import multiprocessing
from pathlib import Path

import numpy as np
import pytest
import yaml

from cli_run import run_main

DATA = Path(__file__).parent / "data"
TINY = DATA / "sweep_tiny.yaml"
RUNS = DATA / "fit_runs.csv"

# -- a one-candidate instance priced by hand -------------------------------------------------------

LAWS = [  # E, A, B, alpha, beta: losses at N = 1e9, D = 2e10 about 2.52, 2.57, 2.67
    (1.65, 400.0, 400.0, 0.34, 0.28),
    (1.70, 400.0, 400.0, 0.34, 0.28),
    (1.80, 400.0, 400.0, 0.34, 0.28),
]
HAND = {
    "name": "hand",
    "objective": "cost",
    "scaling_law": {"E": 1.7, "A": 400.0, "B": 400.0, "alpha": 0.34, "beta": 0.28},
    "model_sizes": [1.0e9],
    "targets": {"max_loss": 2.6},
    "limits": {"budget_usd": 230.0, "max_co2_t": 0.02},
    "staff_usd_per_day": 1000.0,
    "gpus": [{"name": "G", "peak_tflops": 1000.0, "mfu": 0.4, "watts": 700.0, "memory_gb": 80.0,
              "usd_per_gpu_hour": 2.0, "available": 64}],
    "regions": [{"name": "R", "carbon_g_per_kwh": 300.0, "pue": 1.2}],
    "plan": {"model_params": 1.0e9, "tokens": 2.0e10, "gpu": "G", "gpu_count": 64, "region": "R"},
    "uncertainty": {
        "gpus[G].mfu": "uniform(0.3, 0.5)",
        "regions[R].carbon_g_per_kwh": "normal(300, 250)",  # wide: some draws are negative (invalid)
        "scaling_law": "samples(laws.csv)",
    },
}
K, SEED = 12, 5


def write_hand(folder: Path, **changes) -> Path:
    with open(folder / "laws.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["E", "A", "B", "alpha", "beta"])
        writer.writerows(LAWS)
    path = folder / "hand.yaml"
    path.write_text(yaml.safe_dump({**HAND, **changes}, sort_keys=False))
    return path


def hand_percentile(xs: list[float], q: float) -> float:
    """Type 7: h = (n-1) q/100 on the sorted values, linear between neighbours."""
    xs = sorted(xs)
    h = (len(xs) - 1) * q / 100
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def hand_figures(mfu: float, carbon: float, law: tuple) -> dict[str, float]:
    """README's derived quantities for the fixed plan: N = 1e9, D = 2e10, 64 GPUs of 1000 TFLOP/s, 700 W, $2/h,
    PUE 1.2, staff $1000/day, no embodied CO2."""
    n, d, count = 1.0e9, 2.0e10, 64
    seconds = 6 * n * d / (1000e12 * mfu)
    hours = seconds / 3600
    days = seconds / (86400 * count)
    cost = hours * 2.0 + 1000.0 * days
    co2 = hours * 0.7 * 1.2 * carbon / 1e6
    e, a, b, alpha, beta = law
    loss = e + a / n**alpha + b / d**beta
    return {"cost_usd.total": cost, "co2_t.total": co2, "duration_days": days, "loss": loss}  # solve's CSV names


def test_percentiles_and_probabilities_by_hand(monkeypatch, capsys, tmp_path):
    path = write_hand(tmp_path)
    # the documented draw order: one Generator, block order, K draws per path (a row index for samples)
    rng = np.random.default_rng(SEED)
    mfus = rng.uniform(0.3, 0.5, K)
    carbons = rng.normal(300, 250, K)
    rows = rng.integers(0, len(LAWS), K)

    code, out, err = run_main(monkeypatch, capsys, "uncertainty", path, "--samples", K, "--seed", SEED,
                              "--format", "csv")
    assert code == 0, err
    table = list(csv.DictReader(io.StringIO(out)))
    assert len(table) == K
    valid = []
    for k, row in enumerate(table):
        assert float(row["gpus[G].mfu"]) == pytest.approx(mfus[k], rel=1e-12)
        assert float(row["regions[R].carbon_g_per_kwh"]) == pytest.approx(carbons[k], rel=1e-12)
        assert float(row["scaling_law.E"]) == LAWS[rows[k]][0]
        if carbons[k] < 0:
            assert row["status"] == "invalid" and "carbon_g_per_kwh" in row["reason"]
            continue
        assert row["status"] == "ok"
        expected = hand_figures(mfus[k], carbons[k], LAWS[rows[k]])
        for key, value in expected.items():
            assert float(row[key]) == pytest.approx(value, rel=1e-9), key
        valid.append(expected)
    assert 0 < len(valid) < K  # the test exercises invalid scenarios too
    assert "invalid" in err

    code, out, err = run_main(monkeypatch, capsys, "uncertainty", path, "--samples", K, "--seed", SEED,
                              "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    fixed = doc["fixed_plan"]
    assert fixed["scenarios"] == len(valid) and fixed["invalid"] == K - len(valid)
    assert doc["plan"]["source"] == "instance"
    for key in ("cost_usd.total", "co2_t.total", "duration_days", "loss"):
        xs = [v[key] for v in valid]
        for q in (10, 50, 90):
            assert fixed["percentiles"][key][f"p{q}"] == pytest.approx(hand_percentile(xs, q), rel=1e-9), (key, q)
        assert fixed["percentiles"][key]["mean"] == pytest.approx(sum(xs) / len(xs), rel=1e-9)
    meets = {
        "max_loss": [v["loss"] <= 2.6 for v in valid],
        "budget_usd": [v["cost_usd.total"] <= 230.0 for v in valid],
        "max_co2_t": [v["co2_t.total"] <= 0.02 for v in valid],
    }
    meets["all"] = [all(m[i] for m in meets.values()) for i in range(len(valid))]
    for name, hits in meets.items():
        assert fixed["probabilities"][name] == pytest.approx(sum(hits) / len(hits)), name
    # the hand instance makes each probability strictly between 0 and 1
    assert all(0 < fixed["probabilities"][n] < 1 for n in ("max_loss", "budget_usd", "max_co2_t"))
    assert set(fixed["probabilities"]) == {"max_loss", "budget_usd", "max_co2_t", "all"}


def test_same_seed_same_answer_and_dist_overrides_the_block(monkeypatch, capsys, tmp_path):
    path = write_hand(tmp_path)
    args = ["uncertainty", path, "--samples", 6, "--format", "csv"]
    first = run_main(monkeypatch, capsys, *args, "--seed", 3)
    again = run_main(monkeypatch, capsys, *args, "--seed", 3)
    other = run_main(monkeypatch, capsys, *args, "--seed", 4)
    assert first[0] == again[0] == other[0] == 0
    assert first[1] == again[1] != other[1]
    code, out, err = run_main(monkeypatch, capsys, *args, "--dist", "regions[R].carbon_g_per_kwh=uniform(100,100)",
                              "--dist", "regions[*].pue=*uniform(1,1.5)")
    assert code == 0, err
    table = list(csv.DictReader(io.StringIO(out)))
    assert {row["regions[R].carbon_g_per_kwh"] for row in table} == {"100.0"}
    assert all(1.2 <= float(row["regions[R].pue"]) <= 1.8 for row in table)  # a factor on pue 1.2
    assert all(row["status"] == "ok" for row in table)


def test_table_and_plot(monkeypatch, capsys, tmp_path):
    path = write_hand(tmp_path)
    plot = tmp_path / "u.png"
    code, out, err = run_main(monkeypatch, capsys, "uncertainty", path, "--samples", 8, "--plot", plot)
    assert code == 0, err
    for word in ("P10", "P50", "P90", "loss target", "plan (instance)"):
        assert word in out
    from planner.formulas.limits import BY_KEY

    for key in ("budget_usd", "max_co2_t"):  # each limit by its name in words, not its key
        assert f"│ {BY_KEY[key].noun} " in out and f"│ {key} " not in out
    assert plot.stat().st_size > 10_000


def test_scenario_columns_are_solves_record(monkeypatch, capsys):
    """A scenario's row carries the plan's record under `plan solve --format csv`'s names: with a
    draw that always equals the instance's own value (staff 3000 USD/day), every record column of
    solve's CSV but the plan's own analyses (scale.*, post_training.*, throughput_spread.*: left
    out of each scenario, docs/uncertainty.md) is in uncertainty's, with solve's value, for the
    studied plan and for the optimum; the cost parts add up to the total there too."""
    code, solved, err = run_main(monkeypatch, capsys, "solve", TINY, "--format", "csv")
    assert code == 0, err
    solve_row = next(csv.DictReader(io.StringIO(solved)))
    code, out, err = run_main(monkeypatch, capsys, "uncertainty", TINY, "-k", 2, "--reoptimize", "--format", "csv",
                              "--no-throughput-spread",
                              "--dist", "staff_usd_per_day=uniform(3000, 3000)")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    record = [c for c in solve_row if c not in ("status", "objective", "binding", "warnings")
              and not c.startswith(("solver.", "scale.", "post_training.", "throughput_spread."))]
    assert not any(c.startswith(("scale.", "post_training.", "throughput_spread.")) for c in rows[0])
    assert "cost_usd.development" in record and "failures.days" in record
    for row in rows:
        for column in record:
            prefix = "" if column != "objective_value" else "optimum."
            for name in {prefix + column, f"optimum.{column}"}:
                if _number(solve_row[column]):
                    assert float(row[name]) == pytest.approx(float(solve_row[column]), rel=1e-12), name
                else:
                    assert row[name] == solve_row[column], name
        parts = sum(float(row[c]) for c in row if c.startswith("cost_usd.") and c != "cost_usd.total")
        assert parts == pytest.approx(float(row["cost_usd.total"]), rel=1e-12)
        assert row["optimum.status"] == "optimal"


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- serial, process pool and Dask give the same rows ---------------------------------------------


def _strip(doc: dict) -> dict:
    doc = dict(doc)
    doc.pop("runner")
    return doc


@pytest.mark.slow
def test_serial_pool_and_dask_are_identical(monkeypatch, capsys, tmp_path):
    args = ["uncertainty", TINY, "--samples", 16, "--seed", 11, "--reoptimize", "--format", "json",
            "--dist", "gpus[H100].mfu=normal(0.4, 0.06)", "--dist", "regions[*].carbon_g_per_kwh=*lognormal(0, 0.5)",
            "--dist", "gpus[H100].usd_per_gpu_hour=uniform(1.5, 4)"]
    code, out, err = run_main(monkeypatch, capsys, *args)
    assert code == 0, err
    serial = json.loads(out)
    assert serial["runner"]["kind"] == "serial"
    re = serial["reoptimized"]
    assert re["status"] == {"optimal": 1.0}
    assert len(re["decisions"]["plan"]) >= 2  # the draws move the optimum: a real test of decision shares
    assert sum(e["share"] for e in re["decisions"]["gpu"]) == pytest.approx(1.0)
    costs = [row["optimum.cost_usd.total"] for row in serial["scenarios"]]
    assert re["percentiles"]["cost_usd.total"]["p50"] == pytest.approx(hand_percentile(costs, 50), rel=1e-12)

    code, out, err = run_main(monkeypatch, capsys, *args, "--workers", 2)
    assert code == 0, err
    pooled = json.loads(out)
    assert pooled["runner"]["kind"] == "pool"
    assert _strip(pooled) == _strip(serial)
    assert not multiprocessing.active_children()

    from dask_cluster import local_cluster

    with local_cluster() as address:
        monkeypatch.setenv("PLAN_DASK_SCHEDULER", address)  # the environment variable
        code, out, err = run_main(monkeypatch, capsys, *args)
    assert code == 0, err
    on_dask = json.loads(out)
    assert on_dask["runner"]["kind"] == "dask"
    assert _strip(on_dask) == _strip(serial)


def test_ctrl_c_ends_the_pool_workers():
    from planner.analysis.executor import Runner
    from planner.analysis.uncertainty import ScenarioState, prepare, run_scenario
    from planner.input.loading import load_instance

    base = load_instance(TINY).model_dump(exclude_none=True)
    state = ScenarioState(base, (), None, True, None, None)

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Runner(workers=2).map(prepare, state, run_scenario, [(k, ()) for k in range(40)], progress=interrupt)
    assert not multiprocessing.active_children()


# -- bad distributions: exit 2, one line naming the field, nothing written ------------------------


@pytest.mark.parametrize("args, field", [
    (["--dist", "gpus[G].mfu=normal(0.4, -0.1)"], "--dist gpus[G].mfu: normal: sd must be >= 0"),
    (["--dist", "gpus[G].mfux=normal(0.4, 0.1)"], "--dist gpus[G].mfux:"),
    (["--dist", "gpus[X].mfu=normal(0.4, 0.1)"], "--dist gpus[X].mfu:"),
    (["--dist", "gpus[G].mfu=uniform(0.5, 0.3)"], "--dist gpus[G].mfu: uniform: hi"),
    (["--dist", "gpus[G].mfu=gamma(1, 2)"], "--dist gpus[G].mfu: unknown distribution"),
    (["--dist", "scaling_law=samples(bad.csv)"], "--dist scaling_law: samples(bad.csv): missing column(s) alpha, beta"),
    (["--dist", "scaling_law=samples(none.csv)"], "--dist scaling_law: samples(none.csv): file not found"),
    (["--samples", "0"], "--samples:"),
    (["--workers", "0"], "--workers:"),
    (["--dist", "gpus[*].mfu=uniform(0.3, 0.4)"], "--dist gpus[*].mfu: gpus[G].mfu is also drawn by uncertainty.gpus[G].mfu"),
    (["--plot", "hand.yaml"], "--plot:"),
    (["--plot", "out.txt"], "--plot:"),
])
def test_bad_distributions_exit_2(monkeypatch, capsys, tmp_path, args, field):
    path = write_hand(tmp_path)
    (tmp_path / "bad.csv").write_text("E,A,B\n1.7,400,400\n")
    monkeypatch.chdir(tmp_path)
    plot = tmp_path / "never.png"
    code, out, err = run_main(monkeypatch, capsys, "uncertainty", path, "--plot", plot, *args)
    assert code == 2
    assert out == "" and not plot.exists()
    assert err.count("\n") == 1 and err.startswith(f"error: {field}"), err


@pytest.mark.parametrize("block, field", [
    ({"gpus[G].mfu": "normal(0.4, -1)"}, "uncertainty: 'gpus[G].mfu': normal: sd must be >= 0"),
    ({"gpus[G].watt": "normal(700, 10)"}, "uncertainty.gpus[G].watt:"),
    ({"scaling_law": "samples(bad.csv)"}, "uncertainty.scaling_law: samples(bad.csv): missing column(s)"),
])
def test_bad_uncertainty_block_exit_2(monkeypatch, capsys, tmp_path, block, field):
    path = write_hand(tmp_path, uncertainty=block)
    (tmp_path / "bad.csv").write_text("E,A,B,alpha\n1.7,400,400,0.3\n")
    code, out, err = run_main(monkeypatch, capsys, "uncertainty", path, "--format", "json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: {field}"), err


# -- fit -> samples -> solve with confidence, and the same samples in plan uncertainty ------------


def _fit_has_samples_output(monkeypatch, capsys) -> bool:
    code, out, _ = run_main(monkeypatch, capsys, "fit", "--help")
    return code == 0 and "--samples-output" in out


def test_fit_samples_then_solve_with_confidence(monkeypatch, capsys, tmp_path):
    if not _fit_has_samples_output(monkeypatch, capsys):
        pytest.skip("plan fit has no --samples-output yet")
    samples = tmp_path / "samples.csv"
    code, _, err = run_main(monkeypatch, capsys, "fit", RUNS, "--bootstrap", 10, "--seed", 1,
                            "--samples-output", samples)
    assert code == 0, err
    with open(samples, newline="") as handle:
        laws = [tuple(float(r[c]) for c in ("E", "A", "B", "alpha", "beta")) for r in csv.DictReader(handle)]
    assert len(laws) == 10

    instance = {
        "name": "fit-then-plan",
        "objective": "cost",
        "scaling_law": "epoch2024",
        "model_sizes": [1.0e9, 2.0e9, 4.0e9, 8.0e9],
        "targets": {"max_loss": 2.45, "confidence": 0.9},
        "scaling_law_samples": {"file": "samples.csv"},
        "gpus": [{"name": "H100", "available": 512}],
        "regions": ["us-east"],
    }
    path = tmp_path / "confident.yaml"
    path.write_text(yaml.safe_dump(instance, sort_keys=False))
    code, out, err = run_main(monkeypatch, capsys, "solve", path, "--format", "json")
    doc = json.loads(out) if out.strip().startswith("{") else {}
    probability = (doc.get("plan") or {}).get("target_probability")
    if code != 0 or probability is None:
        pytest.xfail(f"targets.confidence is not solved yet (exit {code}: {err.strip()[:200]})")
    plan = doc["plan"]
    n, d = plan["model_params"], plan["tokens"]
    hits = [e + a / n**alpha + b / d**beta <= 2.45 * (1 + 1e-9) for e, a, b, alpha, beta in laws]
    assert probability == pytest.approx(sum(hits) / len(hits))
    assert probability >= 0.9

    # the same bootstrap laws as a distribution of plan uncertainty: the plan is solved at the point
    # estimate (the catalog law), its target probability under the samples computed by hand
    code, out, err = run_main(monkeypatch, capsys, "uncertainty", path, "--samples", 30, "--seed", 2,
                              "--dist", f"scaling_law=samples({samples})", "--format", "json")
    assert code == 0, err
    unc = json.loads(out)
    choices = unc["plan"]["choices"]
    n, d = choices["model_params"], choices["tokens"]
    rows = np.random.default_rng(2).integers(0, len(laws), 30)
    # the law the plan was solved at the edge of meets the target to rounding: the tolerance above
    hits = [laws[k][0] + laws[k][1] / n**laws[k][3] + laws[k][2] / d**laws[k][4] <= 2.45 * (1 + 1e-9) for k in rows]
    assert unc["fixed_plan"]["probabilities"]["max_loss"] == pytest.approx(sum(hits) / len(hits))


# -- plan compare --workers: the same frontiers as in one process ---------------------------------


def _no_timing(value):
    if isinstance(value, dict):
        return {k: _no_timing(v) for k, v in value.items() if k not in ("seconds", "solver")}
    if isinstance(value, list):
        return [_no_timing(v) for v in value]
    return value


def test_compare_on_a_pool_equals_serial(monkeypatch, capsys, tmp_path):
    other = tmp_path / "b.yaml"
    other.write_text(TINY.read_text().replace("name: tiny", "name: cheap-sweden")
                     .replace("usd_per_gpu_hour: 8.0", "usd_per_gpu_hour: 5.0"))
    args = ["compare", TINY, other, "--points", "4", "--format", "json"]
    code, serial, err = run_main(monkeypatch, capsys, *args)
    assert code == 0, err
    code, pooled, err = run_main(monkeypatch, capsys, *args, "--workers", 2)
    assert code == 0, err
    assert _no_timing(json.loads(pooled)) == _no_timing(json.loads(serial))
    assert len(json.loads(serial)["scenarios"]) == 2
    assert not multiprocessing.active_children()
