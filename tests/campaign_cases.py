"""Small campaign dicts for the campaign tests (inline GPUs and laws: no catalog dependence where the
test computes numbers by hand)."""

from __future__ import annotations

import copy

#: A GPU with round numbers: 1 PFLOP/s peak at MFU 0.5 (5e14 FLOP/s), 1,000 W, 80 GB, 8 per node,
#: never fails, no embodied carbon.
GPU = {"name": "G", "peak_tflops": 1000.0, "mfu": 0.5, "watts": 1000.0, "memory_gb": 80.0, "gpus_per_node": 8}

#: L(N, D) = 1/N^0.5 + 1/D^0.5 (nats/token): at N = 1e10 (1e-5) the target 1.1e-5 needs D = 1e12,
#: 6 N D = 6e22 FLOP = 1.2e8 GPU-seconds = 33,333.3 GPU-hours at 5e14 FLOP/s.
LAW = {"name": "round", "E": 0.0, "A": 1.0, "B": 1.0, "alpha": 0.5, "beta": 0.5}
RUN = {"scaling_law": LAW, "model_sizes": [1.0e10], "targets": {"max_loss": 1.1e-5}}
WORK_GPU_HOURS = 6 * 1e10 * 1e12 / 5e14 / 3600


def tiny(**changes) -> dict:
    """Two runs, 4 months (2027-01..04, 31+28+31+30 days), two sites, one GPU type."""
    base = {
        "name": "tiny",
        "start_month": "2027-01",
        "months": 4,
        "gpus": [GPU],
        "sites": [{"name": "a", "pue": 1.0, "carbon_g_per_kwh": 100.0},
                  {"name": "b", "pue": 1.5, "carbon_g_per_kwh": [400.0, 300.0, 200.0, 100.0], "grid_mw": 0.1}],
        "fleet": [{"site": "a", "gpu": "G", "owned": [{"month": "2027-01", "gpus": 16}],
                   "owned_usd_per_gpu_hour": 1.0,
                   "reserved": {"block_gpus": 16, "term_months": 2, "usd_per_gpu_hour": 1.5, "max_blocks": 1},
                   "on_demand": {"usd_per_gpu_hour": 3.0, "gpus": 32}},
                  {"site": "b", "gpu": "G", "on_demand": {"usd_per_gpu_hour": 2.0, "gpus": 64}}],
        "runs": [{"name": "r1", **RUN, "max_gpus": 32, "deadline": "2027-02"},
                 {"name": "r2", **RUN, "max_gpus": 32, "deadline": "2027-04", "after": ["r1"]}],
    }
    out = copy.deepcopy(base)
    out.update(changes)
    return out
