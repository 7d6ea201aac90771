"""`plan frontier` and `plan compare` as JSON and CSV, from the points planner.analysis.frontier
returns: each point's plan is the one plan record (planner.formulas.record), so the CSV columns
are `plan solve --format csv`'s (`cost_usd.total`, ...) and the JSON's `plan` is its `plan`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from planner.formulas.record import LIST_SEPARATOR, flat_record, plan_record, record_columns, with_row_keys

if TYPE_CHECKING:
    import pandas as pd

    from planner.analysis.frontier import Frontier


def frontier_frame(front: Frontier) -> pd.DataFrame:
    """`plan frontier --format csv`: one row per point: the scenario, f, g, epsilon, the plan's
    label, its record (flat names), binding."""
    import pandas as pd

    from planner.analysis.frontier import decision_label

    rows = []
    for p in front.points:
        row = {"scenario": front.name, front.minimize: p.f, front.limit: p.g, "epsilon": p.epsilon,
               "label": decision_label(p.result), **flat_record(p.result.metrics),
               "binding": LIST_SEPARATOR.join(p.binding)}
        rows.append(row)
    serving = any(p.result.metrics is not None and p.result.metrics.serving is not None for p in front.points)
    cols = ["scenario", front.minimize, front.limit, "epsilon", "label", *record_columns(serving), "binding"]
    return pd.DataFrame(rows, columns=with_row_keys(cols, rows, "binding"))


def frontier_json(front: Frontier) -> dict[str, Any]:
    """`plan frontier --format json`: name, what is minimised and limited, and the points (each with
    its cost, CO2, loss and duration up front and the whole plan record)."""
    from planner.analysis.frontier import limit_key

    points = []
    for p in front.points:
        plan = plan_record(p.result.metrics)
        points.append({"cost_usd": plan["cost_usd"], "co2_t": plan["co2_t"], "loss": plan["loss"],
                       "duration_days": plan["duration_days"], "epsilon": p.epsilon,
                       "binding": list(p.binding), "plan": plan})
    out: dict[str, Any] = {"name": front.name, "minimize": front.minimize, "limit": front.limit,
                           "limit_key": limit_key(front.limit), "points": points}
    if not front.points:
        out["explanation"] = front.explanation
    return out


def compare_json(fronts: Sequence[Frontier], wins: Sequence[Any], minimize: str, limit: str,
                 files: Sequence[Any]) -> dict[str, Any]:
    """`plan compare --format json`: each scenario's frontier (with its file) and the ranges of the
    limit over which each scenario wins (planner.analysis.frontier.win_ranges)."""
    return {
        "minimize": minimize, "limit": limit,
        "scenarios": [{**frontier_json(f), "file": path} for f, path in zip(fronts, files)],
        "wins": [{"limit_from": w.low, "limit_to": None if math.isinf(w.high) else w.high, "winner": w.winner,
                  f"{minimize}_at_from": w.value, f"{minimize}_below_to": w.value_high,
                  "runner_up": w.runner_up, f"runner_up_{minimize}_at_from": w.runner_up_value,
                  f"runner_up_{minimize}_below_to": w.runner_up_value_high}
                 for w in wins],
    }


def compare_frame(fronts: Sequence[Frontier]) -> pd.DataFrame:
    """`plan compare --format csv`: all frontiers' points in one DataFrame (column `scenario`)."""
    import pandas as pd

    frames = [frontier_frame(front) for front in fronts if front.points]
    if not frames:
        return frontier_frame(fronts[0]) if fronts else pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


__all__ = ["frontier_frame", "frontier_json", "compare_json", "compare_frame"]
