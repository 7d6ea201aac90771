"""GB300 NVL72 and AWS Trainium2 (Trn2) from the catalog, priced by hand (docs/catalog.md).

Neither entry has a default price (no public on-demand list price was checked): an instance gives
one. Everything else comes from the catalog entry and is recomputed here from the vendor figures:
GB300 2.5 PFLOPS BF16 / 5 PFLOPS FP8 dense per GPU (NVIDIA's 360 / 720 sparse PFLOPS per 72 GPUs),
Trainium2 655 BF16 / 1,287 FP8 dense TFLOPS per chip (AWS Neuron documentation).
"""

import math

import pytest

from planner.formulas.evaluate import evaluate_plan
from planner.input import catalog
from planner.input.loading import instance_from_dict

HOURS_PER_YEAR = 8766


def _instance(gpu: str, count: int, usd: float, params: float, tokens: float, **extra) -> dict:
    return {
        "scaling_law": {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28},
        "model_sizes": [params],
        "targets": {"max_loss": 3.0},
        "limits": {"budget_usd": 1e9, "deadline_days": 365},
        "gpus": [{"name": gpu, "usd_per_gpu_hour": usd, "available": count}],
        "regions": [{"name": "r", "carbon_g_per_kwh": 100, "pue": 1.2}],
        "plan": {"model_params": params, "tokens": tokens, "gpu": gpu, "gpu_count": count, "region": "r"},
        **extra,
    }


def _waste(n: int) -> float:
    """Young/Daly at 50,600 GPU-hours per interruption, checkpoint 0.01 h, restart 0.1 h."""
    return math.sqrt(2 * 0.01 * n / 50600) + 0.1 * n / 50600


def test_new_entries_load_with_the_vendor_figures():
    gb300, trn2 = catalog.entry("gpus", "GB300"), catalog.entry("gpus", "Trn2")
    assert gb300["peak_tflops"] == 360e3 / 2 / 72          # 360 PFLOPS sparse per rack -> 2,500 dense
    assert gb300["peak_fp8_tflops"] == 720e3 / 2 / 72      # 720 PFLOPS sparse per rack -> 5,000 dense
    assert gb300["memory_gb"] == 288 and gb300["gpus_per_node"] == 72 and gb300["watts"] == 1400
    assert gb300["node_watts"] == 132000 + 72 * 200        # GB200's rack + 200 W more per GPU
    assert trn2["peak_tflops"] == 655 and trn2["peak_fp8_tflops"] == 1287
    assert trn2["memory_gb"] == round(96 * 2**30 / 1e9)    # 96 GiB = 103 GB
    assert trn2["gpus_per_node"] == 16
    for entry in (gb300, trn2):
        assert entry.get("usd_per_gpu_hour") is None        # no checked list price: the instance gives it
        assert "no price" in catalog.sources("gpus", entry["name"])["usd_per_gpu_hour"]


def test_gb300_priced_by_hand():
    """70B on 1.4T tokens, 144 GB300s (two NVL72 racks) at $6/GPU-hour, BF16."""
    inst = instance_from_dict(_instance("GB300", 144, 6.0, 7e10, 1.4e12))
    m = evaluate_plan(inst, inst.plan)
    mfu = 0.3176 * (7e10 / 1e11) ** 0.1452                  # below mfu_max_params, under mfu_max 0.5
    ideal_s = 6 * 7e10 * 1.4e12 / (2500e12 * mfu)           # 5.88e23 FLOPs at 2.5 PFLOPS x mfu
    gpu_hours = ideal_s * (1 + _waste(144)) / 3600
    assert m.gpu_hours == pytest.approx(gpu_hours, rel=1e-9)
    assert m.duration_days == pytest.approx(gpu_hours / 24 / 144, rel=1e-9)
    assert m.cost_usd.compute == pytest.approx(6.0 * gpu_hours, rel=1e-9)
    assert m.energy_mwh == pytest.approx(gpu_hours * 1.4 * 1.2 / 1000, rel=1e-9)   # board power x PUE
    assert m.co2_t.operational == pytest.approx(gpu_hours * 1.4 * 1.2 * 100 / 1e6, rel=1e-9)
    assert m.co2_t.embodied == pytest.approx(gpu_hours * 806 / (5 * HOURS_PER_YEAR) / 1000, rel=1e-9)
    assert m.peak_power_mw == pytest.approx(2 * 146.4 * 1.2 / 1000, rel=1e-9)  # two racks x 146.4 kW x PUE


def test_trn2_priced_by_hand_in_fp8():
    """8B on 0.5T tokens, 64 Trainium2 chips (four trn2.48xlarge) at $3/chip-hour, FP8: Trn2's mfu
    is constant in N (no size term: no Trainium run is calibrated)."""
    inst = instance_from_dict(_instance("Trn2", 64, 3.0, 8e9, 5e11, precision="fp8"))
    m = evaluate_plan(inst, inst.plan)
    ideal_s = 6 * 8e9 * 5e11 / (1287e12 * 0.2223)
    gpu_hours = ideal_s * (1 + _waste(64)) / 3600
    assert m.gpu_hours == pytest.approx(gpu_hours, rel=1e-9)
    assert m.cost_usd.compute == pytest.approx(3.0 * gpu_hours, rel=1e-9)
    assert m.energy_mwh == pytest.approx(gpu_hours * 0.5 * 1.2 / 1000, rel=1e-9)
    assert m.peak_power_mw == pytest.approx(4 * 10.2 * 1.2 / 1000, rel=1e-9)   # 4 nodes x 10.2 kW x PUE
