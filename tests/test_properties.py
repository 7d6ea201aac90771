"""Property-based tests (hypothesis, derandomized: the same examples on every run).

1. Random valid instances from 1e17 to 1e27 FLOPs and from thousands to tens of billions of dollars:
   every plan `solve` returns passes the evaluator with no violation, its objective is the
   evaluator's, and it matches the brute-force optimum (checks.brute_force, which enumerates every
   GPU count and shares no code with the MIP); an infeasible answer means brute force finds nothing.
2. Random corruptions of valid instances (a value of the wrong type, NaN, a negative number, an
   unknown or misspelt key, a missing required key, an empty list, a duplicate entry, bytes that are
   not UTF-8, a python tag, broken YAML, a duplicate key) give exit code 2 with one `error:` line,
   nothing on stdout and never a traceback. A truncated file may still be valid YAML, so it may
   give any answer -- but never a traceback.

Total time is kept under a minute: a fixed number of examples, no deadline, no example database.
"""

from __future__ import annotations

import pytest
import contextlib
import copy
import io
import math
import random
import sys
import tempfile
from pathlib import Path
from unittest import mock

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cli
from planner.formulas import scaling_law
from checks.brute_force import brute_force
from planner.errors import InputError
from planner.formulas.evaluate import evaluate_plan, find_violations
from planner.input.loading import instance_from_dict
from planner.optimize.pipeline import solve_instance
from planner.input.schema import ScalingLaw

LAW = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
FIXED = dict(derandomize=True, deadline=None, database=None, print_blob=False,
             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _u(draw, low: float, high: float) -> float:
    return draw(st.floats(low, high, allow_nan=False, allow_infinity=False))


@st.composite
def instances(draw) -> dict:
    """A valid instance whose numbers are set around one training run of 10^c FLOPs costing about
    10^b dollars; limits, data, alignment and power limits are switched on at random."""
    c = _u(draw, 17.0, 27.0)
    b = _u(draw, 3.0, 10.0)
    flops = 10.0**c
    n_ref = math.sqrt(flops / 120.0)          # Chinchilla-like 20 tokens per parameter
    law = ScalingLaw(**LAW)
    objective = draw(st.sampled_from(["cost", "co2", "time", "loss", "weighted"]))
    factors = draw(st.lists(st.sampled_from([0.5, 0.8, 1.0, 1.3, 2.0]), min_size=1, max_size=3, unique=True))
    sizes = [n_ref * f for f in factors]
    data: dict = {
        "name": f"prop-{c:.2f}-{b:.2f}",
        "objective": objective,
        "scaling_law": dict(LAW),
        "model_sizes": sizes,
        "bytes_per_param": draw(st.sampled_from([2.0, 16.0])),
    }
    if objective == "weighted":
        data["carbon_price_usd_per_t"] = _u(draw, 0.0, 300.0)
    if objective != "loss":
        reference = scaling_law.loss(law, n_ref, 20 * n_ref)
        data["targets"] = {"max_loss": reference * _u(draw, 0.995, 1.03)}

    gpus = []
    for g in range(draw(st.integers(1, 2))):
        peak, mfu = _u(draw, 100.0, 2000.0), _u(draw, 0.2, 0.6)
        node = draw(st.sampled_from([1, 4, 8]))
        gpu_hours = flops / (peak * 1e12 * mfu * 3600.0)
        memory = draw(st.sampled_from([40.0, 80.0, 141.0, 192.0]))
        floor_nodes = math.ceil(data["bytes_per_param"] * max(sizes) / (memory * 1e9) / node)
        gpus.append({
            "name": f"G{g}", "peak_tflops": peak, "mfu": mfu, "watts": _u(draw, 300.0, 1200.0),
            "memory_gb": memory, "gpus_per_node": node, "embodied_kg": _u(draw, 0.0, 200.0),
            "usd_per_gpu_hour": min(10.0**b * _u(draw, 0.05, 1.0) / gpu_hours, 1e6),  # schema range
            "available": node * (floor_nodes + draw(st.integers(0, 200))),
        })
    data["gpus"] = gpus

    regions = []
    for r in range(draw(st.integers(1, 2))):
        region = {"name": f"r{r}", "carbon_g_per_kwh": _u(draw, 0.0, 800.0), "pue": _u(draw, 1.0, 1.6)}
        most_mw = max(gp["available"] * gp["watts"] for gp in gpus) / 1e6
        if draw(st.booleans()):
            region["grid_capacity_mw"] = most_mw * region["pue"] * _u(draw, 0.2, 1.5)
        if draw(st.booleans()):
            region["swing_fraction"] = _u(draw, 0.2, 1.0)
            region["max_swing_mw"] = most_mw * _u(draw, 0.1, 1.0)
        if r > 0 and draw(st.booleans()):
            sold = draw(st.lists(st.sampled_from([gp["name"] for gp in gpus]), min_size=1, unique=True))
            region["offers"] = {
                name: {"usd_per_gpu_hour": min(1e6, next(gp for gp in gpus if gp["name"] == name)["usd_per_gpu_hour"]
                                               * _u(draw, 0.7, 1.5))}
                for name in sold
            }
        regions.append(region)
    data["regions"] = regions

    limits: dict = {}
    if draw(st.booleans()) or objective == "loss":
        limits["budget_usd"] = 10.0**b * _u(draw, 0.3, 3.0)
    if draw(st.booleans()):
        limits["deadline_days"] = _u(draw, 1.0, 400.0)
    if draw(st.booleans()):
        limits["max_training_flops"] = flops * _u(draw, 0.5, 10.0)
    if draw(st.booleans()):
        limits["max_co2_t"] = flops / 4e14 / 3600 * 0.7 * 0.4 / 1000 * _u(draw, 0.2, 5.0)  # ~ H100 at 400 g/kWh
    data["limits"] = limits
    if draw(st.booleans()):
        data["staff_usd_per_day"] = 10.0**b * _u(draw, 0.0, 1e-3)
    if draw(st.booleans()):
        data["data"] = {"unique_tokens": 20 * n_ref * _u(draw, 0.3, 2.0), "usd_per_token": 0.0}
        if draw(st.booleans()):
            data["data"]["max_epochs"] = _u(draw, 1.0, 8.0)
    if draw(st.booleans()):
        recipes = []
        for m in range(draw(st.integers(1, 2))):
            recipes.append({
                "name": f"M{m}", "quality": _u(draw, 0.0, 1.0), "fixed_usd": 10.0**b * _u(draw, 0.0, 1e-2),
                "needs_verifiable_tasks": draw(st.booleans()),
                "stages": [{"name": "s", "tokens": 20 * n_ref * _u(draw, 1e-6, 1e-2),
                            "flops_per_param_token": draw(st.sampled_from([6.0, 8.0, 18.0])),
                            "mfu_factor": _u(draw, 0.3, 1.0), "samples": _u(draw, 0.0, 1e5),
                            "usd_per_sample": _u(draw, 0.0, 5.0)}],
            })
        data["alignment"] = {"min_quality": _u(draw, 0.0, 0.5), "verifiable_tasks": draw(st.booleans()),
                             "recipes": recipes}
    return data


@settings(max_examples=250, **FIXED)
@given(instances())
def test_every_plan_passes_the_evaluator_and_matches_brute_force(data):
    instance = instance_from_dict(data)
    try:
        result = solve_instance(instance, explain=False)
    except InputError as exc:  # only a `loss` objective whose tokens nothing limits
        assert instance.objective == "loss" and "no optimum" in str(exc)
        return
    brute = brute_force(instance)
    assert result.status == brute.status, (result.status, brute.status, result.ruled_out)
    if result.status != "optimal":
        return
    metrics = evaluate_plan(instance, result.plan)
    assert find_violations(instance, result.plan, metrics) == []
    assert result.violations == []
    value = metrics.objective_value(instance.objective, instance.carbon_price_usd_per_t)
    assert result.objective_value == value
    tolerance = 1e-4 if instance.objective == "loss" else 1e-6
    assert value <= brute.objective_value + tolerance * abs(brute.objective_value), (value, brute.objective_value)
    assert value >= brute.objective_value - tolerance * abs(brute.objective_value)


# ---- corruptions -------------------------------------------------------------------------------

def _paths(node, prefix=()):
    """(path, value) of every leaf and container in a nested dict/list."""
    yield prefix, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


def _get(node, path):
    for part in path:
        node = node[part]
    return node


REQUIRED = {
    ("scaling_law",): ["E", "A", "B", "alpha", "beta"],
    ("gpus", "*"): ["name", "peak_tflops", "mfu", "watts", "memory_gb"],
    ("regions", "*"): ["name", "carbon_g_per_kwh"],
    ("alignment", "recipes", "*"): ["name", "stages"],
    ("alignment", "recipes", "*", "stages", "*"): ["name", "tokens", "flops_per_param_token"],
    (): ["gpus", "regions", "model_sizes"],
}


def _shape(path) -> tuple:
    return tuple("*" if isinstance(p, int) else p for p in path)


KINDS = ["value", "unknown_key", "misspelt_key", "missing_key", "empty_list", "duplicate_entry", "wrong_container",
         "bad_objective", "not_utf8", "nul_byte", "python_tag", "broken_yaml", "duplicate_key", "truncated"]


@st.composite
def corrupted(draw) -> tuple[bytes, bool]:
    """(file bytes, whether exit 2 is certain). Choices are made by a Random seeded from a drawn
    integer, so that they spread evenly over kinds and places (hypothesis favours first choices)."""
    data = copy.deepcopy(draw(instances()))
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    kind = rnd.choice(KINDS)
    numbers = [(p, v) for p, v in _paths(data) if isinstance(v, (int, float)) and not isinstance(v, bool)]
    mappings = [(p, v) for p, v in _paths(data) if isinstance(v, dict)]
    if kind == "value":
        path, value = rnd.choice(numbers)
        new = rnd.choice(["lots", str(value), True, False, math.nan, math.inf, -math.inf, -abs(value) - 1.0,
                          [value], {"value": value}, "", "1e3 USD"])
        _get(data, path[:-1])[path[-1]] = new
    elif kind == "unknown_key":
        path, node = rnd.choice(mappings)
        node["zz_" + "".join(rnd.choice("abcdefgh") for _ in range(rnd.randint(1, 6)))] = 1
    elif kind == "misspelt_key":
        path, node = rnd.choice([(p, n) for p, n in mappings if n])
        key = rnd.choice(sorted(node, key=str))
        node[f"{key}x"] = node.pop(key)
    elif kind == "missing_key":
        choices = [(p, k) for p, v in mappings for k in REQUIRED.get(_shape(p), []) if k in v]
        path, key = rnd.choice(choices)
        del _get(data, path)[key]
    elif kind == "empty_list":
        choices = [p for p, v in _paths(data) if isinstance(v, list) and p and p[-1] in
                   ("gpus", "regions", "model_sizes", "recipes", "stages")]
        path = rnd.choice(choices)
        _get(data, path[:-1])[path[-1]] = []
    elif kind == "duplicate_entry":
        key = rnd.choice(["gpus", "regions"])
        data[key].append(copy.deepcopy(rnd.choice(data[key])))
    elif kind == "wrong_container":
        key = rnd.choice(["gpus", "regions", "limits", "scaling_law", "model_sizes"])
        data[key] = 42 if key == "scaling_law" else {"x": data[key]} if isinstance(data[key], list) else [data[key]]
    elif kind == "bad_objective":
        data["objective"] = rnd.choice(["money", "Cost", "", "minimise cost", 3])
    raw = yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode("utf-8")
    position = rnd.randint(0, len(raw))
    if kind == "not_utf8":
        raw = raw[:position] + bytes([rnd.randint(0x80, 0xFF)]) * 3 + raw[position:]
    elif kind == "nul_byte":
        raw = raw[:position] + b"\x00" + raw[position:]
    elif kind == "python_tag":
        raw += rnd.choice([b"carbon_price_usd_per_t", b"extra", b"name"]) + \
            b": !!python/object/apply:os.system ['touch /tmp/plan-properties-pwned']\n"
    elif kind == "broken_yaml":
        raw += rnd.choice([b"broken: [1, 2\n", b"  - bad indent\n", b"x: {a: 1\n", b"\tlimits: 1\n"])
    elif kind == "duplicate_key":
        raw += b"name: twice\n"
    elif kind == "truncated":
        raw = raw[:position]
    return raw, kind != "truncated"


def _run(path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with mock.patch.object(sys, "argv", ["plan", "solve", str(path), "--format", "json"]), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


@pytest.mark.slow
@settings(max_examples=500, **FIXED)
@given(corrupted())
def test_corrupted_instances_give_exit_2_and_never_a_traceback(case):
    raw, certain = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corrupted.yaml"
        path.write_bytes(raw)
        code, out, err = _run(path)
    assert "Traceback" not in err and "Traceback" not in out
    assert not Path("/tmp/plan-properties-pwned").exists()
    if certain or code == 2:
        assert code == 2, (code, out[-500:], err)
        assert out == "" and err.startswith("error: ") and err.count("\n") == 1, err
    else:
        assert code in (0, 3, 4), (code, err)


# ---- numerics at the extremes ------------------------------------------------------------------

def _extreme(flops: float, budget: float, objective: str) -> dict:
    """A run of `flops` FLOPs whose compute costs about half of `budget`, with alignment stages a
    millionth of pretraining and a recipe fixed cost a thousandth of the budget."""
    n_ref = math.sqrt(flops / 120.0)
    gpu_hours = flops / (1000e12 * 0.4 * 3600.0)
    price = min(0.5 * budget / gpu_hours, 1e6 / 1.2)   # the schema range of usd_per_gpu_hour
    count = 8 * max(1, min(4096, round(gpu_hours / 24 / 60 / 8)))
    data = {
        "name": "extreme", "objective": objective, "carbon_price_usd_per_t": 50.0, "scaling_law": dict(LAW),
        "model_sizes": [n_ref * f for f in (0.5, 1.0, 2.0)],
        "targets": {"max_loss": scaling_law.loss(ScalingLaw(**LAW), n_ref, 20 * n_ref)},
        "limits": {"budget_usd": budget, "max_training_flops": 3 * flops, "deadline_days": 10_000.0},
        "staff_usd_per_day": budget * 1e-4, "bytes_per_param": 2.0,
        "data": {"unique_tokens": 15 * n_ref, "usd_per_token": budget * 1e-3 / (20 * n_ref)},
        "gpus": [{"name": "G1", "peak_tflops": 1000, "mfu": 0.4, "watts": 700, "memory_gb": 80,
                  "embodied_kg": 150, "usd_per_gpu_hour": price, "available": count},
                 {"name": "G2", "peak_tflops": 400, "mfu": 0.45, "watts": 400, "memory_gb": 80,
                  "embodied_kg": 100, "usd_per_gpu_hour": price * 0.35, "available": 2 * count}],
        "regions": [{"name": "r1", "carbon_g_per_kwh": 400, "pue": 1.1},
                    {"name": "r2", "carbon_g_per_kwh": 20, "pue": 1.3,
                     "offers": {"G1": {"usd_per_gpu_hour": price * 1.2, "available": count}}}],
        "alignment": {"recipes": [
            {"name": "SFT", "fixed_usd": budget * 1e-3,
             "stages": [{"name": "sft", "tokens": 20 * n_ref * 1e-6, "flops_per_param_token": 6,
                         "samples": 1000, "usd_per_sample": budget * 1e-8}]},
            {"name": "RL", "stages": [{"name": "rl", "tokens": 20 * n_ref * 3e-6, "flops_per_param_token": 18,
                                       "mfu_factor": 0.5}]}]},
    }
    if objective == "loss":
        data["targets"] = {}
    return data


def test_highs_sees_no_numerical_warnings_and_answers_stay_exact_at_the_extremes():
    """1e17 to 1e27 FLOPs, $1e3 to $1e10: HiGHS's own log has no warning and the answer equals the
    brute-force optimum."""
    from tests_highs_log import highs_log

    for flops in (1e17, 1e22, 1e27):
        for budget in (1e3, 1e6, 1e10):
            for objective in ("cost", "co2", "time", "weighted", "loss"):
                instance = instance_from_dict(_extreme(flops, budget, objective))
                log = highs_log(instance)
                # HiGHS 1.16 also reports "excessively small effective costs": the objective variable
                # is substituted out by its presolve, leaving the defining row's coefficients as costs
                # (the model's matrix entries are all inside HiGHS's range; the answer is checked below)
                warnings = [line for line in log.upper().splitlines()
                            if "WARNING" in line and "EXCESSIVELY SMALL EFFECTIVE COSTS" not in line]
                assert not warnings, (flops, budget, objective, log[:800])
                result = solve_instance(instance, explain=False)
                brute = brute_force(instance)
                assert result.status == brute.status == "optimal", (flops, budget, objective)
                assert find_violations(instance, result.plan, result.metrics) == []
                tolerance = 1e-4 if objective == "loss" else 1e-6
                assert math.isclose(result.objective_value, brute.objective_value, rel_tol=tolerance), \
                    (flops, budget, objective, result.objective_value, brute.objective_value)
