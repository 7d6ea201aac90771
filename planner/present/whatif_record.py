"""`plan whatif` as JSON and CSV (and the DataFrame of planner.api.whatif), from the sweep
planner.analysis.whatif returns: each point's plan is the one plan record
(planner.formulas.record), under the names of every CSV."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from planner.formulas.record import LIST_SEPARATOR, flat_record, plan_record, record_columns, with_row_keys

if TYPE_CHECKING:
    import pandas as pd

    from planner.analysis.whatif import WhatIf, WhatIfPoint

# Columns of a row, after the varied inputs.
_LEAD = ["status", "objective", "objective_value"]
_TAIL = ["binding", "reason"]


def whatif_frame(sweep: WhatIf) -> pd.DataFrame:
    """One row per point: the varied inputs, status, objective value, decisions, every metric
    (nested keys of the `plan solve` JSON joined by dots: `cost_usd.total`), binding, reason."""
    import pandas as pd

    serving = any(p.instance.serving is not None for p in sweep.points)
    rows = [point_row(p) for p in sweep.points]
    frame = pd.DataFrame(rows, columns=with_row_keys(columns([v.path for v in sweep.varies], serving=serving),
                                                     rows, "binding"))
    if "gpu_count" in frame and "gpu_count" not in (v.path for v in sweep.varies):
        frame["gpu_count"] = frame["gpu_count"].astype("Int64")  # whole GPUs, empty without a plan
    return frame


def columns(paths: list[str], serving: bool = False) -> list[str]:
    """The varied paths, then the answer's columns (varying `objective` fills both at once); with
    `serving`, also the serving offer and the lifetime totals (docs/serving.md)."""
    return [*paths, *(c for c in [*_LEAD, *record_columns(serving), *_TAIL] if c not in paths)]


def point_row(point: WhatIfPoint) -> dict[str, Any]:
    """One CSV row: the inputs, the answer, the plan's flat record (None values without a plan)."""
    result = point.result
    row: dict[str, Any] = dict(point.inputs)
    row["status"] = point.status
    row["objective"] = result.objective if result is not None else point.instance.objective
    row["objective_value"] = result.objective_value if result is not None else None
    row.update(flat_record(result.metrics if result is not None else None))
    row["binding"] = LIST_SEPARATOR.join(result.binding) if result is not None else ""
    row["reason"] = point.reason
    return row


def point_json(point: WhatIfPoint) -> dict[str, Any]:
    """One row of `plan whatif --format json`: the inputs, and the `plan solve` answer's keys."""
    result = point.result
    return {
        "inputs": point.inputs,
        "status": point.status,
        "objective": result.objective if result is not None else point.instance.objective,
        "objective_value": result.objective_value if result is not None else None,
        "plan": plan_record(result.metrics) if result is not None and result.metrics is not None else None,
        "binding": list(result.binding) if result is not None else [],
        "reason": point.reason,
    }


def whatif_json(sweep: Any) -> dict[str, Any]:
    """`plan whatif --format json`: the sweep's paths and values, one `plan solve` record per point."""
    return {
        "objective": sweep.objective,
        "vary": [{"path": v.path, "values": list(v.values)} for v in sweep.varies],
        "rows": [point_json(p) for p in sweep.points],
        "solver": {"name": "highs", "seconds": sweep.seconds, **sweep.stats},
    }


__all__ = ["whatif_frame", "whatif_json", "columns", "point_row", "point_json"]
