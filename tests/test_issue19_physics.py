"""Issue 19: how far a cluster scales, what renting costs, what a grid sees, ties, extrapolation.

Hand-derived values for every new formula; the MIP against the independent brute force
(checks.brute_force, its own arithmetic) on random instances that carry the new keys; an inline
GPU without the new keys prices as before."""

from __future__ import annotations

import copy
import math
import random

import pytest

from checks.brute_force import brute_force, price_plan
from planner.formulas import scale as scaling
from planner.formulas.evaluate import evaluate_plan, find_violations
from planner.input.loading import instance_from_dict
from planner.input.schema import FixedPlan
from planner.optimize.pipeline import solve_instance
from test_brute_force_agreement import check_agreement, make_instance

H100 = {"name": "H100x", "peak_tflops": 989.0, "mfu": 0.4, "watts": 700.0, "memory_gb": 80.0,
        "usd_per_gpu_hour": 2.0, "available": 4096}


def _base(**extra) -> dict:
    d = {"name": "hand", "objective": "cost", "scaling_law": "epoch2024", "model_sizes": [13e9],
         "targets": {"match": {"params": 7e9, "tokens": 2e12}}, "gpus": [dict(H100)],
         "regions": [{"name": "r", "carbon_g_per_kwh": 400.0, "pue": 1.15}]}
    d.update(extra)
    return d


# ---- 1. how far a cluster scales -----------------------------------------------------------------

def test_critical_batch_by_hand():
    sc = instance_from_dict(_base(scale={})).scale
    # DeepSeek LLM: B_opt = 0.292 C^0.3271; at C = 4.9e22: log10 = 22.690 x 0.3271 = 7.4219
    c = 4.9e22
    by_hand = 0.292 * 10 ** (math.log10(c) * 0.3271)
    assert scaling.batch_limit_tokens(sc, c) == pytest.approx(by_hand, rel=1e-12)
    assert 7.5e6 < by_hand < 7.9e6          # the issue's "7.7M here"
    # 13B in BF16 (2 bytes) in half of 80 GB: 26e9 / 40e9 = 0.65 -> one GPU per replica
    assert scaling.model_parallel_gpus(sc, 13e9, 80.0) == 1.0
    # 405B: 810e9 / 40e9 = 20.25 -> 21 GPUs
    assert scaling.model_parallel_gpus(sc, 405e9, 80.0) == 21.0
    # at one 4,096-token sequence per GPU, 7.7M tokens keep 7.7e6/4096 ~ 1,880 GPUs busy
    assert scaling.max_useful_gpus(sc, c, 1.0) == pytest.approx(by_hand / 4096, rel=1e-12)
    # the inverse: C_min(n_max(C)) = C
    n = scaling.max_useful_gpus(sc, c, 3.0)
    assert scaling.min_flops_for_gpus(sc, n, 3.0) == pytest.approx(c, rel=1e-9)


def test_scale_caps_the_gpu_count_of_startup_like_plan():
    """Without `scale:` the cheapest count is far above what the batch keeps busy; with it the plan
    runs at most B_max / 4096 GPUs (one sequence per GPU for a 13B model), a node multiple."""
    free = solve_instance(instance_from_dict(_base(staff_usd_per_day=50000.0)), explain=False)
    capped_inst = instance_from_dict(_base(staff_usd_per_day=50000.0, scale={}))
    capped = solve_instance(capped_inst, explain=False)
    c = 6 * 13e9 * capped.plan.tokens
    limit = 0.292 * c ** 0.3271 / 4096
    assert free.plan.gpu_count > limit
    assert capped.plan.gpu_count <= limit and capped.plan.gpu_count + 8 > limit
    assert capped.plan.gpu_count % 8 == 0
    assert capped.metrics.scale.tokens_per_gpu == 4096.0
    assert "scale" in capped.binding
    # a plan above the limit is a violation
    over = FixedPlan(model_params=13e9, tokens=capped.plan.tokens, gpu="H100x",
                     gpu_count=capped.plan.gpu_count + 64, region="r")
    assert any(v.limit == "scale" for v in find_violations(capped_inst, over, evaluate_plan(capped_inst, over)))


def test_inline_gpu_without_new_keys_prices_as_before():
    """The binding rule: no new key, the same figures as the first-edition formulas by hand."""
    inst = instance_from_dict(_base())
    plan = FixedPlan(model_params=13e9, tokens=6e11, gpu="H100x", gpu_count=1024, region="r")
    m = evaluate_plan(inst, plan)
    hours = 6 * 13e9 * 6e11 / (989e12 * 0.4) / 3600
    assert m.gpu_hours == pytest.approx(hours, rel=1e-12)
    assert m.cost_usd.compute == pytest.approx(2.0 * hours, rel=1e-12)
    assert m.peak_power_mw == pytest.approx(1024 * 0.7 * 1.15 / 1000, rel=1e-12)
    assert m.energy_mwh == pytest.approx(hours * 0.7 * 1.15 / 1000, rel=1e-12)
    assert m.scale is None


# ---- brute-force agreement on random instances with the new keys ---------------------------------

PHYS_SEEDS = range(3000, 3120)


def _physics(seed: int) -> dict:
    """An extended random instance with issue 19's keys at random (at least one)."""
    rng = random.Random(seed)
    d = make_instance(seed, extended=bool(seed % 2))
    d = copy.deepcopy(d)
    if rng.random() < 0.6:
        d["scale"] = {"batch_multiple": math.exp(rng.uniform(math.log(0.03), math.log(2.0))),
                      "sequence_tokens": rng.choice([1024, 2048, 4096, 8192])}
        if rng.random() < 0.4:
            d["scale"]["replica_bytes_per_param"] = rng.choice([2, 4, 16])
    for gpu in d["gpus"]:
        if rng.random() < 0.5:
            gpu["node_watts"] = gpu.get("gpus_per_node", 8) * gpu["watts"] * rng.uniform(1.1, 1.6)
        if rng.random() < 0.3:
            gpu["energy_watts"] = gpu["watts"] * rng.uniform(0.5, 1.5)
        if rng.random() < 0.4:   # a size curve bounded at a calibrated size inside the size range
            gpu["mfu_size_exponent"] = gpu.get("mfu_size_exponent", rng.uniform(0.05, 0.2))
            gpu["mfu_max_params"] = math.exp(rng.uniform(math.log(1e8), math.log(3e10)))
    for region in d["regions"]:
        if rng.random() < 0.7:
            offers = region.setdefault("offers", {g["name"]: {} for g in d["gpus"]})
            for name, terms in offers.items():
                if rng.random() < 0.6:
                    terms["min_term_days"] = math.exp(rng.uniform(math.log(1e-3), math.log(10)))
                if rng.random() < 0.4:
                    terms["contracted"] = True
    return d


PHYSICS = {seed: _physics(seed) for seed in PHYS_SEEDS}


@pytest.mark.parametrize("seed", PHYS_SEEDS)
def test_issue19_keys_agree_with_brute_force(seed):
    check_agreement(PHYSICS[seed])
    inst = instance_from_dict(PHYSICS[seed])
    result = solve_instance(inst, explain=False)
    if result.plan is not None:
        fig = price_plan(inst, result.plan)
        assert result.plan.gpu_count <= fig["max_useful_gpus"] * (1 + 1e-9)


def test_scale_is_active_in_several_random_instances():
    """Not vacuous: removing `scale:` moves the optimum in several of the random instances."""
    assert _moved(lambda d: {k: v for k, v in d.items() if k != "scale"} if "scale" in d else None) >= 8


def _moved(key_filter) -> int:
    """Random instances whose brute-force optimum moves when `key_filter` strips the new keys."""
    moved = 0
    for seed in PHYS_SEEDS:
        d = PHYSICS[seed]
        stripped = key_filter(copy.deepcopy(d))
        if stripped is None:
            continue
        a, b = brute_force(instance_from_dict(d)), brute_force(instance_from_dict(stripped))
        if a.status != b.status or (a.objective_value is not None and (
                abs(a.objective_value - b.objective_value) > 1e-9 * abs(b.objective_value)
                or abs(a.figures["cost"] - b.figures["cost"]) > 1e-9 * b.figures["cost"])):
            moved += 1   # the optimum, or the cost of the optimal plan, moves
    return moved


def _no_rental(d):
    found = False
    for region in d["regions"]:
        for terms in (region.get("offers") or {}).values():
            found |= terms.pop("min_term_days", None) is not None
            found |= terms.pop("contracted", False)
    return d if found else None


def test_rental_terms_are_active_in_several_random_instances():
    assert _moved(_no_rental) >= 8


def _no_power(d):
    found = False
    for gpu in d["gpus"]:
        found |= gpu.pop("node_watts", None) is not None
        found |= gpu.pop("energy_watts", None) is not None
    return d if found else None


def test_node_and_energy_watts_are_active_in_several_random_instances():
    assert _moved(_no_power) >= 8


# ---- 3. what a grid sees -------------------------------------------------------------------------

def test_grid_capacity_and_swing_from_the_node_rating():
    """DGX H100: 10.2 kW per 8 GPUs. A 2 MW site at PUE 1.15 holds 2e6 / (1275 x 1.15) = 1,364 GPUs,
    i.e. 170 nodes = 1,360 GPUs (board power alone would allow 2,480); 16,384 of them swing
    16,384 x 1.275 kW = 20.9 MW (Llama 3: tens of MW)."""
    gpu = dict(H100, node_watts=10200.0, available=16384)
    d = _base(gpus=[gpu], scale=None)
    d["regions"][0]["grid_capacity_mw"] = 2.0
    del d["scale"]
    inst = instance_from_dict(d)
    result = solve_instance(inst.updated(staff_usd_per_day=1e6), explain=False)
    assert result.plan.gpu_count == 1360
    assert result.metrics.peak_power_mw == pytest.approx(1360 * 1.275 * 1.15 / 1000, rel=1e-12)
    big = FixedPlan(model_params=13e9, tokens=6e11, gpu="H100x", gpu_count=16384, region="r")
    m = evaluate_plan(inst, big)
    assert m.swing_mw == pytest.approx(16384 * 1.275 / 1000, rel=1e-12)
    assert 15 < m.swing_mw < 30
    # energy keeps TDP x PUE by default; energy_watts prices a measured average instead
    hours = 6 * 13e9 * 6e11 / (989e12 * 0.4) / 3600
    assert m.energy_mwh == pytest.approx(hours * 0.7 * 1.15 / 1000, rel=1e-12)
    measured = instance_from_dict({**d, "gpus": [dict(gpu, energy_watts=1050.0)]})
    assert evaluate_plan(measured, big).energy_mwh == pytest.approx(hours * 1.05 * 1.15 / 1000, rel=1e-12)


# ---- 2. renting ----------------------------------------------------------------------------------

def _rented(**offer) -> dict:
    d = _base()
    d["regions"][0]["offers"] = {"H100x": {"available": 2048, **offer}}
    return d


def test_minimum_term_and_contract_by_hand():
    plan = FixedPlan(model_params=13e9, tokens=6e11, gpu="H100x", gpu_count=1024, region="r")
    hours = 6 * 13e9 * 6e11 / (989e12 * 0.4) / 3600          # 1024 GPUs, no failures
    days = hours / 1024 / 24
    on_demand = evaluate_plan(instance_from_dict(_rented()), plan)
    assert on_demand.cost_usd.compute == pytest.approx(2.0 * hours, rel=1e-12)
    # a 30-day term on a run of ~0.9 days: 1024 GPUs paid for 30 days
    term = evaluate_plan(instance_from_dict(_rented(min_term_days=30.0)), plan)
    assert days < 30
    assert term.cost_usd.compute == pytest.approx(2.0 * 1024 * 24 * 30, rel=1e-12)
    assert term.cost_usd.idle == pytest.approx(2.0 * 1024 * 24 * 30 - 2.0 * hours, rel=1e-12)
    # a contracted cluster of 2,048: all of them paid for the run's duration
    contract = evaluate_plan(instance_from_dict(_rented(contracted=True)), plan)
    assert contract.cost_usd.compute == pytest.approx(2.0 * 2048 * 24 * days, rel=1e-12)
    both = evaluate_plan(instance_from_dict(_rented(contracted=True, min_term_days=30.0)), plan)
    assert both.cost_usd.compute == pytest.approx(2.0 * 2048 * 24 * 30, rel=1e-12)


def test_idle_contracted_gpus_are_never_free():
    """On a contracted cluster without failures every count costs the same GPU-days of the whole
    cluster over a shorter run: the plan uses all of it (no idle GPU for free), and the reported
    cost is the whole cluster's rent."""
    d = _rented(contracted=True)
    d["limits"] = {"deadline_days": 60.0}
    inst = instance_from_dict(d)
    result = solve_instance(inst, explain=False)
    assert result.plan.gpu_count == 2048
    m = result.metrics
    assert m.cost_usd.compute == pytest.approx(2.0 * 2048 * 24 * m.duration_days, rel=1e-9)
    assert m.cost_usd.idle == pytest.approx(0.0, abs=1e-6 * m.cost_usd.compute)


# ---- 5. staff per year ---------------------------------------------------------------------------

def test_staff_per_year_is_per_day_over_365_25():
    per_year = instance_from_dict(_base(staff_usd_per_year=25e6))
    assert per_year.staff_usd_per_day == 25e6 / 365.25
    plan = FixedPlan(model_params=13e9, tokens=6e11, gpu="H100x", gpu_count=1024, region="r")
    m = evaluate_plan(per_year, plan)
    assert m.cost_usd.staff == pytest.approx(25e6 * m.duration_days / 365.25, rel=1e-12)
    # the validated instance round-trips (both keys dumped, consistent)
    assert per_year.updated(objective="co2").staff_usd_per_day == per_year.staff_usd_per_day
    from planner.errors import InputError
    with pytest.raises(InputError, match="staff_usd_per_year"):
        instance_from_dict(_base(staff_usd_per_year=25e6, staff_usd_per_day=1000.0))


def test_bundled_405b_staff_is_a_yearly_bill():
    from planner.input.loading import load_instance
    from pathlib import Path
    inst = load_instance(Path(__file__).resolve().parent.parent / "instances" / "llama3-405b-like.yaml")
    assert inst.staff_usd_per_year == 25e6
    # ~77 days of a $25M/year team: about $5.3M, not the $27M of $350k/day
    result = solve_instance(inst, explain=False)
    assert result.metrics.cost_usd.staff == pytest.approx(25e6 / 365.25 * result.metrics.duration_days, rel=1e-9)


# ---- 6. ties -------------------------------------------------------------------------------------

def _same_plan(a, b) -> bool:
    return (a.gpu, a.region, a.gpu_count, a.alignment) == (b.gpu, b.region, b.gpu_count, b.alignment) and \
        math.isclose(a.model_params, b.model_params, rel_tol=1e-9)


@pytest.mark.parametrize("seed", PHYS_SEEDS)
def test_the_plan_is_the_brute_forces_tie_winner_and_does_not_depend_on_list_order(seed):
    """The product's plan is the brute force's (which breaks ties by its own lexicographic scan:
    less CO2, cost, time, GPUs), and reversing the GPU and region lists changes nothing."""
    d = PHYSICS[seed]
    inst = instance_from_dict(d)
    expected = brute_force(inst)
    if expected.status != "optimal":
        return
    result = solve_instance(inst, explain=False)
    assert _same_plan(result.plan, expected.plan), (result.plan, expected.plan)
    flipped = copy.deepcopy(d)
    flipped["gpus"].reverse()
    flipped["regions"].reverse()
    again = solve_instance(instance_from_dict(flipped), explain=False)
    assert _same_plan(again.plan, result.plan), (again.plan, result.plan)


def _tie_instance(regions: list[str]) -> dict:
    """Two regions with the same price and PUE and different grids: every cost ties."""
    table = {"dirty": {"name": "dirty", "carbon_g_per_kwh": 400.0, "pue": 1.1},
             "clean": {"name": "clean", "carbon_g_per_kwh": 20.0, "pue": 1.1}}
    return _base(regions=[table[r] for r in regions])


def test_equal_cost_less_co2_wins_whatever_the_order():
    for order in (["dirty", "clean"], ["clean", "dirty"]):
        result = solve_instance(instance_from_dict(_tie_instance(order)), explain=False)
        assert result.plan.region == "clean"


def test_rank_marks_ties():
    from planner.analysis.rank import rank
    ranking = rank(instance_from_dict(_tie_instance(["dirty", "clean"])), by="region", explain=False)
    assert [r.value for r in ranking.rows] == ["clean", "dirty"]
    assert all(r.tie for r in ranking.rows)
    assert ranking.rows[0].result.objective_value == pytest.approx(ranking.rows[1].result.objective_value, rel=1e-12)


def test_tie_tolerance_is_the_presolves_keep_tolerance():
    from planner.optimize.presolve import KEEP_TOL
    from planner.optimize.ties import TIE_TOL
    assert TIE_TOL == KEEP_TOL


# ---- 4. no silent extrapolation ------------------------------------------------------------------

def test_mfu_is_bounded_at_mfu_max_params():
    from planner.formulas.throughput import mfu_at_size
    inst = instance_from_dict(_base(gpus=[dict(H100, mfu=0.3176, mfu_size_exponent=0.1452, mfu_max_params=4.05e11)]))
    gpu = inst.gpus[0]
    at_405 = 0.3176 * 4.05 ** 0.1452
    assert mfu_at_size(gpu, 4.05e11) == pytest.approx(at_405, rel=1e-12)
    assert mfu_at_size(gpu, 8e11) == pytest.approx(at_405, rel=1e-12)          # not 0.3176 x 8^0.1452
    assert mfu_at_size(gpu, 7e10) == pytest.approx(0.3176 * 0.7 ** 0.1452, rel=1e-12)


def test_warnings_name_every_extrapolation_in_table_json_and_csv(monkeypatch, capsys, tmp_path):
    import json

    from cli_run import run_main
    law = {"name": "narrow", "E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658,
           "fitted": {"params": [7e7, 1.6e10], "tokens": [5e9, 5e11], "flops": [6e18, 1e22]}}
    d = _base(scaling_law=law, model_sizes=[7e9, 13e9, 40e9],
              targets={"match": {"params": 13e9, "tokens": 1.5e12}},
              gpus=[dict(H100, mfu_size_exponent=0.1, mfu_max_params=2e10)])
    result = solve_instance(instance_from_dict(d), explain=False)
    text = " | ".join(result.warnings)
    n, tokens = result.plan.model_params, result.plan.tokens
    assert (tokens > 5e11) == any(w.startswith("tokens ") for w in result.warnings)
    assert (n > 1.6e10) == any(w.startswith("model size") and "fitted on" in w for w in result.warnings)
    assert result.warnings                                          # 40B or 1.5T tokens: past the fit
    assert (6 * n * tokens > 1e22) == ("pretraining compute" in text)
    assert (n == 40e9) == ("largest candidate size" in text)
    assert (not 0.5 <= n / 13e9 <= 2) == ("targets.match" in text)
    assert "serving demand changes the answer" in text or n not in (7e9, 40e9)
    # the same in JSON, CSV and the table
    import yaml
    path = tmp_path / "warn.yaml"
    path.write_text(yaml.safe_dump(d), encoding="utf-8")
    code, out, _ = run_main(monkeypatch, capsys, "solve", path, "--format", "json")
    assert json.loads(out)["warnings"] == result.warnings
    code, out, _ = run_main(monkeypatch, capsys, "solve", path, "--format", "csv")
    assert "warnings" in out.splitlines()[0] and result.warnings[0] in out
    code, out, _ = run_main(monkeypatch, capsys, "solve", path)
    assert out.count("warning:") == len(result.warnings)


def test_no_warning_inside_the_fitted_range():
    law = {"name": "wide", "E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658,
           "fitted": {"params": [1e6, 1e13], "tokens": [1e6, 1e15], "flops": [1e10, 1e30]}}
    d = _base(scaling_law=law, model_sizes=[7e9, 13e9, 40e9], targets={"match": {"params": 13e9, "tokens": 1.5e12}})
    result = solve_instance(instance_from_dict(d), explain=False)
    if result.plan.model_params == 13e9:
        assert result.warnings == []


def test_plan_fit_writes_the_fitted_range():
    from planner.analysis.fitting import fit_runs, runs_from_arrays
    params = [1e8, 3e8, 1e9, 3e9, 1e8, 3e8, 1e9, 3e9, 2e8, 2e9]
    tokens = [2e9, 6e9, 2e10, 6e10, 8e9, 2e10, 5e9, 1e10, 4e9, 4e10]
    loss = [1.8172 + 482.01 / n ** 0.3478 + 2085.43 / t ** 0.3658 for n, t in zip(params, tokens)]
    report = fit_runs(runs_from_arrays(params, tokens, loss), bootstrap=0)
    fitted = report.law().fitted
    assert fitted.params == [1e8, 3e9] and fitted.tokens == [2e9, 6e10]
    assert fitted.flops == [min(6 * n * t for n, t in zip(params, tokens)), max(6 * n * t for n, t in zip(params, tokens))]


# ---- 7. every lever in an infeasibility explanation ----------------------------------------------

def test_infeasible_deadline_names_the_gpus_it_would_need():
    """The explanation gives the least H100 count at which a plan exists (the others unchanged); a
    solve at that count is feasible and one node fewer is not (checked independently)."""
    from pathlib import Path

    from planner.input.loading import load_instance
    inst = load_instance(Path(__file__).resolve().parent.parent / "instances" / "infeasible-deadline.yaml")
    result = solve_instance(inst)
    assert result.status == "infeasible"
    need = result.needed["gpus[0].available"]
    assert any("H100 available" in line and f"{need:,.0f} GPUs" in line for line in result.explanation)
    more = inst.updated(gpus=[{**inst.gpus[0].model_dump(), "available": int(need)}])
    fewer = inst.updated(gpus=[{**inst.gpus[0].model_dump(), "available": int(need) - 8}])
    assert brute_force(more).status == "optimal"
    assert brute_force(fewer).status == "infeasible"


def test_offer_availability_lever_uses_the_offer_path():
    d = _rented()
    d["limits"] = {"deadline_days": 0.5}
    d["regions"][0]["offers"]["H100x"]["available"] = 64
    result = solve_instance(instance_from_dict(d))
    assert result.status == "infeasible"
    need = result.needed["regions[0].offers.H100x.available"]
    d["regions"][0]["offers"]["H100x"]["available"] = int(need)
    assert brute_force(instance_from_dict(d)).status == "optimal"
    d["regions"][0]["offers"]["H100x"]["available"] = int(need) - 8
    assert brute_force(instance_from_dict(d)).status == "infeasible"


# ---- every bundled instance, read as a training lead would ---------------------------------------

from pathlib import Path as _Path  # noqa: E402

_INSTANCES = sorted((_Path(__file__).resolve().parent.parent / "instances").glob("*.yaml"))


@pytest.mark.parametrize("path", _INSTANCES, ids=[p.stem for p in _INSTANCES])
def test_bundled_instance_reads_right_to_a_training_lead(path):
    """Global batch within the useful batch; grid power and swing from the vendor node rating;
    contracted GPUs paid in full; a warning wherever the plan leaves the law's fitted range."""
    import re

    from planner.formulas.offers import offer_terms
    from planner.input.loading import load_instance
    inst = load_instance(path)
    assert inst.scale is not None, "bundled instances carry the scale limit"
    text = path.read_text(encoding="utf-8")
    # every g/kWh a comment cites is a value the instance's regions carry (the tables they cite)
    region_values = {round(r.carbon_g_per_kwh, 1) for r in inst.regions}
    for cited in re.findall(r"([0-9][0-9.,]*) g/kWh", text):
        assert round(float(cited.replace(",", "")), 1) in region_values, (path.name, cited, region_values)
    result = solve_instance(inst, explain=False)
    if result.plan is None:
        return
    m, plan = result.metrics, result.plan
    gpu, region = inst.gpu(plan.gpu), inst.region(plan.region)
    sf = m.scale
    assert sf.global_batch_tokens == pytest.approx(plan.gpu_count / sf.model_parallel_gpus * inst.scale.sequence_tokens)
    assert sf.global_batch_tokens <= sf.batch_limit_tokens * (1 + 1e-9)
    assert sf.batch_limit_tokens == pytest.approx(
        inst.scale.batch_multiple * 0.292 * (inst.flops_per_param_token * plan.model_params * plan.tokens) ** 0.3271)
    assert gpu.node_watts is not None, "catalog GPUs carry the vendor node rating"
    per_gpu_kw = gpu.node_watts / gpu.gpus_per_node / 1000
    assert m.peak_power_mw == pytest.approx(plan.gpu_count * per_gpu_kw * region.pue / 1000, rel=1e-12)
    assert m.swing_mw == pytest.approx(plan.gpu_count * per_gpu_kw * region.swing_fraction / 1000, rel=1e-12)
    terms = offer_terms(gpu, region)
    if terms.contracted:
        paid = terms.usd_per_gpu_hour * terms.available * 24 * m.duration_days
        assert m.cost_usd.compute >= paid * (1 - 1e-9)
    fitted = inst.scaling_law.fitted
    if fitted is not None and plan.model_params > fitted.params[1]:
        assert any("model size" in w and "fitted on" in w for w in result.warnings)
    if fitted is not None and plan.tokens > fitted.tokens[1]:
        assert any(w.startswith("tokens ") for w in result.warnings)


def test_the_useful_batch_is_a_lever_too():
    """A deadline only more GPUs could meet, with the batch limit holding them back: the explanation
    gives the least batch_multiple that admits a plan (checked by the brute force either side)."""
    d = _base(scale={"batch_multiple": 0.1}, limits={"deadline_days": 1.0})
    result = solve_instance(instance_from_dict(d))
    assert result.status == "infeasible"
    need = result.needed["scale.batch_multiple"]
    assert any("scale.batch_multiple" in line for line in result.explanation)
    assert brute_force(instance_from_dict({**d, "scale": {"batch_multiple": need}})).status == "optimal"
    assert brute_force(instance_from_dict({**d, "scale": {"batch_multiple": need * 0.999}})).status == "infeasible"


@pytest.mark.parametrize("setting, message", [
    ("scale={batch_exponent: 1.5}", "scale.batch_exponent: must be in [0.01, 0.99]"),
    ("scale={sequence_tokens: 0}", "scale.sequence_tokens: must be in [1, 1e8]"),
    ("staff_usd_per_year=-5", "staff_usd_per_year: must be in [0, 1e11]"),
    ("staff_usd_per_year=1e6", "staff_usd_per_year: give either staff_usd_per_year or staff_usd_per_day"),
    ("regions=[{name: x, carbon_g_per_kwh: 1, offers: {H100: {min_term_days: -1, available: 8}}}]",
     "regions[0].offers.H100.min_term_days: must be in [0, 100000]"),
    ("gpus=[{name: H100, available: 8, node_watts: 0}]", "gpus[0].node_watts: must be"),
])
def test_new_keys_refuse_bad_values_in_one_line(monkeypatch, capsys, setting, message):
    from cli_run import run_main
    path = _Path(__file__).resolve().parent.parent / "instances" / "startup-7b.yaml"
    code, out, err = run_main(monkeypatch, capsys, "solve", path, "--set", setting)
    assert code == 2
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_plan_evaluate_carries_the_warnings(monkeypatch, capsys, tmp_path):
    import json

    from cli_run import run_main
    path = tmp_path / "ev.yaml"
    path.write_text("name: ev\nscaling_law: epoch2024\nmodel_sizes: [405e9]\ngpus: [{name: H100, available: 16384}]\n"
                    "regions: [meta-us]\nplan: {model_params: 405e9, tokens: 15.6e12, gpu: H100, gpu_count: 16384, "
                    "region: meta-us}\n", encoding="utf-8")
    code, out, _ = run_main(monkeypatch, capsys, "evaluate", path, "--format", "json")
    warnings = json.loads(out)["warnings"]
    # 405B > 16B, 15.6T > 500B tokens, 3.8e25 > 1e22 FLOP: the three ranges of epoch2024's fit
    assert [w.split(" ")[0] for w in warnings] == ["model", "tokens", "pretraining"]
