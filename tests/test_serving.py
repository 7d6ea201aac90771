"""Serving over the model's life (docs/serving.md): a two-size instance whose
switch to the smaller model is derived by hand, the JSON answer's serving and lifetime blocks,
bad serving keys (exit 2, one line naming the field) and `plan whatif --vary serving.tokens`.

Hand arithmetic (the law and GPU of tests/test_hand_solved.py):

    L(N, D) = 1 + 1000 / N^(1/3) + 1e5 / sqrt(D)        N = 1e9: 1000/N^(1/3) = 1;  N = 8e9: 0.5
    GPU "X": 1000 TFLOP/s at mfu 0.5 = 5e14 FLOP/s, $3 per GPU-hour, serving_mfu 0.5; no mtbf (no
    failures), no staff: training cost does not depend on the GPU count.

Target L <= 2.1:
    N1 = 1e9: 1e5 / sqrt(D) = 0.1 -> D = 1e12;        F = 6 * 1e9 * 1e12   = 6e21 FLOP
              S = 6e21 / 5e14 = 1.2e7 GPU-s = 3,333.33 GPU-h -> $10,000
    N2 = 8e9: 1e5 / sqrt(D) = 0.6 -> D = 2.7778e10;   F = 6 * 8e9 * D     = 1.3333e21 FLOP
              S = 2.6667e6 GPU-s = 740.74 GPU-h -> $2,222.22
    Without serving the larger model is $7,777.78 (= 70,000 / 9) cheaper to train.

Serving T tokens at 2 FLOPs per parameter-token, serving_mfu 0.5, $3 per GPU-hour:
    per parameter and token: 2 / 5e14 GPU-s = 1.1111e-18 GPU-h -> $3.3333e-18
    the 7e9 extra parameters of N2 cost 7e9 * 3.3333e-18 = $2.3333e-8 (= 7 / 3e8) per served token
    crossover T* = (70,000 / 9) / (7 / 3e8) = 3.3333e11 tokens (1e12 / 3):
        T < T*: N2 = 8e9 on 2.78e10 tokens;  T > T*: N1 = 1e9 on 1e12 tokens (1,000 tokens/param).
"""

from __future__ import annotations

import json
import math

import pytest
import yaml

from cli_run import run_main
from planner.input.loading import instance_from_dict
from planner.optimize.pipeline import solve_instance

LAW = {"name": "hand", "E": 1.0, "A": 1000.0, "B": 1.0e5, "alpha": 1 / 3, "beta": 0.5}
GPU_X = {"name": "X", "peak_tflops": 1000, "mfu": 0.5, "watts": 500, "memory_gb": 80,
         "gpus_per_node": 8, "usd_per_gpu_hour": 3.0, "available": 16, "serving_mfu": 0.5}
T_STAR = 1e12 / 3  # the crossover derived above
TRAIN_USD = {1e9: 10_000.0, 8e9: 20_000.0 / 9}
SERVE_USD_PER_PARAM_TOKEN = 2 / 5e14 / 3600 * 3.0


def two_sizes(tokens: float | None, **changes) -> dict:
    data = {
        "name": "two-sizes", "objective": "cost", "scaling_law": dict(LAW), "model_sizes": [1e9, 8e9],
        "targets": {"max_loss": 2.1}, "gpus": [dict(GPU_X)],
        "regions": [{"name": "here", "carbon_g_per_kwh": 100}],
    }
    if tokens is not None:
        data["serving"] = {"tokens": tokens}
    data.update(changes)
    return data


def write(tmp_path, data: dict):
    path = tmp_path / "instance.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_hand_crossover_figures():
    """The numbers above, recomputed: at T* both sizes cost the same over their life."""
    for n, usd in TRAIN_USD.items():
        d = (1e5 / (2.1 - 1 - 1000 / n ** (1 / 3))) ** 2
        assert 6 * n * d / 5e14 / 3600 * 3.0 == pytest.approx(usd, rel=1e-9)
    lifetime = {n: usd + SERVE_USD_PER_PARAM_TOKEN * n * T_STAR for n, usd in TRAIN_USD.items()}
    assert lifetime[1e9] == pytest.approx(lifetime[8e9], rel=1e-12)


@pytest.mark.parametrize(("tokens", "expected_n"), [
    (None, 8e9), (0.0, 8e9), (0.9 * T_STAR, 8e9), (1.1 * T_STAR, 1e9), (1e13, 1e9)])
def test_serving_demand_switches_to_the_smaller_model_past_the_crossover(tokens, expected_n):
    result = solve_instance(instance_from_dict(two_sizes(tokens)), explain=False)
    assert result.status == "optimal"
    m = result.metrics
    assert m.model_params == expected_n
    assert m.tokens == pytest.approx(1e12 if expected_n == 1e9 else 1e10 / 0.36, rel=1e-9)
    assert m.cost_usd.total == pytest.approx(TRAIN_USD[expected_n], rel=1e-9)
    serve = SERVE_USD_PER_PARAM_TOKEN * expected_n * (tokens or 0.0)
    assert result.objective_value == pytest.approx(TRAIN_USD[expected_n] + serve, rel=1e-9)
    if tokens:  # the smaller model trained on more tokens once demand passes T*
        assert (m.tokens_per_param > 1000 - 1e-6) == (tokens > T_STAR)


def test_solve_json_names_the_serving_offer_and_sums_the_lifetime(monkeypatch, capsys, tmp_path):
    """Training in `here` ($3); serving restricted to `there`, where X costs $4 per GPU-hour."""
    data = two_sizes(1e13, regions=[
        {"name": "here", "carbon_g_per_kwh": 100},
        {"name": "there", "carbon_g_per_kwh": 50, "pue": 1.2, "offers": {"X": {"usd_per_gpu_hour": 4.0, "available": 8}}}])
    data["serving"]["regions"] = ["there"]
    code, out, err = run_main(monkeypatch, capsys, "solve", write(tmp_path, data), "--format", "json")
    assert code == 0, err
    plan = json.loads(out)["plan"]
    assert plan["region"] == "here"
    serving, lifetime = plan["serving"], plan["lifetime"]
    assert (serving["gpu"], serving["region"]) == ("X", "there")
    # 1e9 params x 1e13 tokens x 2 FLOPs / 5e14 FLOP/s = 4e7 GPU-s = 11,111.1 GPU-h at $4 = $44,444.4;
    # energy 11,111.1 h x 0.5 kW x 1.2 = 6.6667 MWh at 50 g/kWh = 0.33333 t (no embodied CO2 given)
    assert serving["gpu_hours"] == pytest.approx(4e7 / 3600, rel=1e-9)
    assert serving["cost_usd"] == pytest.approx(4e7 / 3600 * 4.0, rel=1e-9)
    assert serving["energy_mwh"] == pytest.approx(4e7 / 3600 * 0.5 * 1.2 / 1000, rel=1e-9)
    assert serving["co2_t"] == pytest.approx(4e7 / 3600 * 0.5 * 1.2 * 50 / 1e6, rel=1e-9)
    assert lifetime["cost_usd"] == pytest.approx(plan["cost_usd"]["total"] + serving["cost_usd"], rel=1e-12)
    assert lifetime["co2_t"] == pytest.approx(plan["co2_t"]["total"] + serving["co2_t"], rel=1e-12)
    assert json.loads(out)["objective_value"] == pytest.approx(lifetime["cost_usd"], rel=1e-12)


def _no_serving_mfu(data: dict) -> dict:
    data["gpus"][0].pop("serving_mfu")
    return data


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d["serving"].update(tokens=-1.0), "serving.tokens"),
    (_no_serving_mfu, "serving_mfu"),
    (lambda d: d["serving"].update(regions=["nowhere"]), "serving.regions"),
    (lambda d: d["serving"].update(gpus=["Y"]), "serving.gpus"),
    (lambda d: d["serving"].update(mfu=0.0), "serving.mfu"),
    (lambda d: d["serving"].update(precision="fp4"), "serving.precision"),
], ids=["negative-tokens", "gpu-without-serving-mfu", "unknown-region", "unknown-gpu", "zero-mfu", "bad-precision"])
def test_bad_serving_keys_exit_2_with_one_line_naming_the_field(monkeypatch, capsys, tmp_path, change, field):
    data = two_sizes(1e12)
    change(data)
    code, out, err = run_main(monkeypatch, capsys, "solve", write(tmp_path, data))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert field in lines[0]


def test_serving_mfu_given_in_the_serving_block_is_enough():
    """A GPU without serving_mfu may serve when serving.mfu is given."""
    data = _no_serving_mfu(two_sizes(1e13))
    data["serving"]["mfu"] = 0.25  # half the GPU's 0.5 above: twice the serving GPU-hours
    result = solve_instance(instance_from_dict(data), explain=False)
    assert result.status == "optimal"
    assert result.metrics.serving.gpu_hours == pytest.approx(2 * 1e9 * 1e13 * 2 / 5e14 / 3600, rel=1e-9)


def test_whatif_varies_serving_tokens(monkeypatch, capsys, tmp_path):
    code, out, err = run_main(monkeypatch, capsys, "whatif", write(tmp_path, two_sizes(None)),
                              "--vary", "serving.tokens=0,1e15", "--format", "json", "-q")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert [r["inputs"]["serving.tokens"] for r in rows] == [0, 1e15]
    assert [r["status"] for r in rows] == ["optimal", "optimal"]
    sizes = [r["plan"]["model_params"] for r in rows]
    assert sizes == [8e9, 1e9]
    served = rows[1]["plan"]
    assert served["serving"]["cost_usd"] == pytest.approx(SERVE_USD_PER_PARAM_TOKEN * 1e9 * 1e15, rel=1e-9)
    assert math.isclose(rows[1]["objective_value"], served["lifetime"]["cost_usd"], rel_tol=1e-12)


def test_whatif_csv_has_serving_and_lifetime_columns(monkeypatch, capsys, tmp_path):
    import csv
    import io

    code, out, err = run_main(monkeypatch, capsys, "whatif", write(tmp_path, two_sizes(1e13)),
                              "--vary", "serving.tokens=0,1e15", "--format", "csv", "-q")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [float(r["model_params"]) for r in rows] == [8e9, 1e9]
    for r in rows:
        assert r["serving.gpu"] == "X" and r["serving.region"] == "here"
        assert float(r["lifetime.cost_usd"]) == pytest.approx(float(r["cost_usd.total"]) + float(r["serving.cost_usd"]))
        assert float(r["objective_value"]) == pytest.approx(float(r["lifetime.cost_usd"]))
    code, out, _ = run_main(monkeypatch, capsys, "whatif", write(tmp_path, two_sizes(None)),
                            "--vary", "targets.max_loss=2.1", "--format", "csv", "-q")
    assert code == 0 and "serving." not in out.splitlines()[0]  # no serving block, no serving columns


@pytest.mark.parametrize(("objective", "serving_region"), [("cost", "here"), ("co2", "there"), ("time", "here")])
def test_the_serving_offer_minimises_the_objectives_own_measure(objective, serving_region):
    """here: $3, 100 g/kWh; there: $4, 10 g/kWh. Serving per parameter is cheaper here and cleaner
    there, whatever the training plan; under `time` the cheapest serving offer."""
    data = two_sizes(1e13, objective=objective, regions=[
        {"name": "here", "carbon_g_per_kwh": 100},
        {"name": "there", "carbon_g_per_kwh": 10, "offers": {"X": {"usd_per_gpu_hour": 4.0, "available": 16}}}])
    instance = instance_from_dict(data)
    result = solve_instance(instance, explain=False)
    assert result.status == "optimal"
    assert result.metrics.serving.region == serving_region
    if objective != "time":
        from checks.brute_force import brute_force

        brute = brute_force(instance, check=True)
        assert result.objective_value == pytest.approx(brute.objective_value, rel=1e-9)
