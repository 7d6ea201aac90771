"""Instance files the tests build in code (tests/conftest.py lists the other shared builders).

    weighted_grid(tmp_path)                                -> big.yaml: 6 GPU types x 10 regions x 50 sizes
    weighted_grid(tmp_path, gpus, regions, sizes, name)    -> the same shape with other GPUs and regions

Minimising `weighted` (carbon price 80 USD/t) with the loss target 2.5: many rows, so solves,
frontiers and what-ifs take long enough to stop by a time limit or a signal.
"""

from __future__ import annotations

from pathlib import Path

import yaml


def grid_gpus(count: int = 6) -> list[dict]:
    return [{"name": f"G{g}", "peak_tflops": 300 + 97 * g, "mfu": 0.3 + 0.02 * g, "watts": 300 + 50 * g,
             "memory_gb": 80, "usd_per_gpu_hour": 1.0 + 0.3 * g, "available": 512} for g in range(count)]


def grid_regions(count: int = 10) -> list[dict]:
    return [{"name": f"r{r}", "carbon_g_per_kwh": 20 + 37 * r, "pue": 1.05 + 0.01 * r} for r in range(count)]


def weighted_grid(tmp_path: Path, gpus: list[dict] | None = None, regions: list[dict] | None = None,
                  sizes: int = 50, name: str = "big") -> Path:
    """The instance file (module docstring), written to tmp_path/NAME.yaml."""
    data = {"name": name, "objective": "weighted", "carbon_price_usd_per_t": 80.0,
            "model_sizes": {"min": 1.0e9, "max": 4.0e9, "count": sizes}, "targets": {"max_loss": 2.5},
            "gpus": grid_gpus() if gpus is None else gpus, "regions": grid_regions() if regions is None else regions}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path
