"""The evaluator against arithmetic written out by hand (README "Derived quantities")."""

import pytest

from planner.formulas.evaluate import evaluate_plan, find_violations
from planner.input.loading import instance_from_dict

BASE = {
    "scaling_law": {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28},
    "model_sizes": [1e10],
    "targets": {"max_loss": 2.1},
    "staff_usd_per_day": 10000,
    "data": {"usd_per_token": 1e-9},
    "limits": {"budget_usd": 1e6, "deadline_days": 5},
    "gpus": [{"name": "X", "peak_tflops": 1000, "mfu": 0.5, "watts": 500, "memory_gb": 80,
              "embodied_kg": 100, "lifetime_years": 4, "usd_per_gpu_hour": 2.0, "available": 64}],
    "regions": [{"name": "r", "carbon_g_per_kwh": 300, "pue": 1.2, "grid_capacity_mw": 0.03}],
    "alignment": {"recipes": [{"name": "S", "fixed_usd": 1000, "stages": [
        {"name": "sft", "tokens": 1e9, "flops_per_param_token": 6, "mfu_factor": 0.5,
         "samples": 100, "usd_per_sample": 5}]}]},
    "plan": {"model_params": 1e10, "tokens": 2e11, "gpu": "X", "gpu_count": 64, "region": "r", "alignment": "S"},
}


def test_every_figure_by_hand():
    inst = instance_from_dict(BASE)
    m = evaluate_plan(inst, inst.plan)
    # F_pre = 6 * 1e10 * 2e11 = 1.2e22; F_align = 6 * 1e10 * 1e9 = 6e19
    assert m.flops.pretraining == pytest.approx(1.2e22)
    assert m.flops.alignment == pytest.approx(6e19)
    # S = 1.2e22/(1e15*0.5) + 6e19/(1e15*0.5*0.5) = 2.4e7 + 2.4e5 = 2.424e7 GPU-s
    gpu_hours = 2.424e7 / 3600  # 6733.33 h
    assert m.gpu_hours == pytest.approx(gpu_hours)
    assert m.duration_days == pytest.approx(2.424e7 / (86400 * 64))  # 4.3837 days
    energy_kwh = gpu_hours * 0.5 * 1.2  # 4040 kWh
    assert m.energy_mwh == pytest.approx(energy_kwh / 1000)
    assert m.co2_t.operational == pytest.approx(energy_kwh * 300 / 1e6)  # 1.212 t
    assert m.co2_t.embodied == pytest.approx(gpu_hours * 100 / (4 * 8766) / 1000)
    assert m.peak_power_mw == pytest.approx(64 * 0.5 * 1.2 / 1000)  # 0.0384 MW
    assert m.cost_usd.compute == pytest.approx(gpu_hours * 2.0)  # $13,466.67
    assert m.cost_usd.staff == pytest.approx(10000 * 2.424e7 / (86400 * 64))
    assert m.cost_usd.data == pytest.approx(200.0)
    assert m.cost_usd.annotation == pytest.approx(500.0)
    assert m.cost_usd.fixed == pytest.approx(1000.0)
    assert m.loss == pytest.approx(1.69 + 406.4 / 1e10**0.34 + 410.7 / 2e11**0.28)


def test_violations_by_hand():
    inst = instance_from_dict(BASE)
    m = evaluate_plan(inst, inst.plan)
    found = {v.limit: v for v in find_violations(inst, inst.plan, m)}
    # P = 64*0.5*1.2/1000 = 0.0384 MW > 0.03 MW grid; loss 1.69 + 0.1618 + 0.2813 = 2.1331 > 2.1;
    # cost 13,467 + 12,627 + 200 + 500 + 1,000 < 1e6 and 4.38 days < 5: those hold
    assert set(found) == {"grid_capacity_mw", "max_loss"}
    assert found["grid_capacity_mw"].excess == pytest.approx(0.0084)
