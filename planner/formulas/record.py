"""The record of a plan, serialised once: the `plan` object of every JSON, and its flat form
(dotted keys, `cost_usd.total`) that is every CSV's and DataFrame's columns.

    plan_record(metrics)  -> {"model_params": ..., "cost_usd": {"compute": ..., ..., "total": ...}, ...}
    flat(record)          -> {"model_params": ..., "cost_usd.compute": ..., ...}
    record_columns()      -> the flat names, in order, for rows with or without a plan

Every component of cost and CO2 is in the record, so the parts add up to the total wherever it
is written. A new figure of a plan (a P10, a share, a warning) is one key added in plan_record;
every table, JSON and CSV then carries it under the same name. Lists are joined with
LIST_SEPARATOR in flat form.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from planner.formulas.evaluate import Co2T, CostUsd, Flops, PlanMetrics
from planner.numbers import si

#: How a list (e.g. binding limits) is written in one CSV cell.
LIST_SEPARATOR = ";"


def plan_record(metrics: PlanMetrics, details: bool = True) -> dict[str, Any]:
    """The `plan` object of `plan solve --format json`. A recipe's fixed cost (e.g. building
    verifiers) is reported inside `annotation`, the recipe's one-off cost, so the parts add up to
    `total`. Without `details`, the plan's own analyses are left out (scale, post_training,
    throughput_spread: figures about the plan, not parts of its cost, CO2 or time): the record
    of each of many scenarios (`plan uncertainty`)."""
    cost = metrics.cost_usd
    core = {
        "model_params": metrics.model_params,
        "tokens": metrics.tokens,
        "tokens_per_param": metrics.tokens_per_param,
        "gpu": metrics.gpu,
        "gpu_count": metrics.gpu_count,
        "region": metrics.region,
        "alignment": metrics.alignment,
        "duration_days": metrics.duration_days,
        "gpu_hours": metrics.gpu_hours,
        "loss": metrics.loss,
        "energy_mwh": metrics.energy_mwh,
        "peak_power_mw": metrics.peak_power_mw,
        "flops": {"pretraining": metrics.flops.pretraining, "alignment": metrics.flops.alignment,
                  "total": metrics.flops.total},
        "cost_usd": {"compute": cost.compute, "staff": cost.staff, "data": cost.data,
                     "annotation": cost.annotation + cost.fixed, "development": cost.development,
                     "total": cost.total, **({"idle": cost.idle} if cost.idle else {})},
        "co2_t": {"operational": metrics.co2_t.operational, "embodied": metrics.co2_t.embodied,
                  "development": metrics.co2_t.development, "total": metrics.co2_t.total},
        "development_gpu_hours": metrics.development_gpu_hours,
        "failures": {"waste_fraction": metrics.failure_waste, "days": metrics.failure_days},
        **({"serving": asdict(metrics.serving), "lifetime": asdict(metrics.lifetime)}
           if metrics.serving is not None else {}),
        **({"target_probability": metrics.target_probability} if metrics.target_probability is not None else {}),
    }
    if not details:
        return core
    return {
        **core,
        **({"scale": asdict(metrics.scale)} if metrics.scale is not None else {}),
        **({"post_training": asdict(metrics.post_training)} if metrics.post_training is not None else {}),
        **({"throughput_spread": asdict(metrics.throughput_spread)} if metrics.throughput_spread is not None else {}),
    }


def plan_label(model_params: float, gpu: str, gpu_count: int, region: str, alignment: str | None) -> str:
    """`70B H100x4096 us-east DPO`: a plan's decisions in a few characters (every table and JSON
    that names a plan in one cell: frontier, compare, rank, what-if, uncertainty's winners)."""
    recipe = f" {alignment}" if alignment else ""
    return f"{si(model_params)} {gpu}x{gpu_count} {region}{recipe}"


def flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested keys joined by dots (`cost_usd.total`); lists joined by LIST_SEPARATOR."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flat(value, f"{name}."))
        elif isinstance(value, (list, tuple)):
            out[name] = LIST_SEPARATOR.join(map(str, value))
        else:
            out[name] = value
    return out


def flat_record(metrics: PlanMetrics | None, serving: bool = False, details: bool = True) -> dict[str, Any]:
    """flat(plan_record(metrics, details)); every column None without a plan."""
    if metrics is None:
        return dict.fromkeys(record_columns(serving))
    return flat(plan_record(metrics, details))


def record_columns(serving: bool = False) -> list[str]:
    """The flat names of a plan's record, in order (with `serving`, also serving.* and lifetime.*)."""
    names = list(flat(plan_record(_TEMPLATE)))
    if serving:
        names += [f"serving.{k}" for k in ("gpu", "region", "gpu_hours", "energy_mwh", "cost_usd", "co2_t")]
        names += ["lifetime.cost_usd", "lifetime.co2_t"]
    return names


def with_row_keys(columns: list[str], rows: list[dict[str, Any]], before: str) -> list[str]:
    """`columns`, with every key some row has and `columns` lacks (a plan's optional sections:
    post_training.*, scale.*, throughput_spread.*, cost_usd.idle) inserted before `before`, in
    the order they first appear: so every CSV carries the record's figures the plans have."""
    extra: list[str] = []
    known = set(columns)
    for row in rows:
        for key in row:
            if key not in known:
                known.add(key)
                extra.append(key)
    at = columns.index(before) if before in columns else len(columns)
    return columns[:at] + extra + columns[at:]


_TEMPLATE = PlanMetrics(0.0, 0.0, 0.0, "", 0, "", None, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, Flops(0.0, 0.0, 0.0),
                        CostUsd(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0), Co2T(0.0, 0.0, 0.0, 0.0))

__all__ = ["plan_record", "plan_label", "flat", "flat_record", "record_columns", "with_row_keys", "LIST_SEPARATOR"]
