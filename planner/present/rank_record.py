"""`plan rank` as JSON and CSV, from the Ranking planner.analysis.rank returns: each row's plan is
the one plan record (planner.formulas.record), under the names of every CSV."""

from __future__ import annotations

from typing import Any

from planner.formulas.record import LIST_SEPARATOR, flat_record, plan_record


def rank_rows(ranking: Any) -> list[dict[str, Any]]:
    """One flat dict per row (CSV): the decision (`by`) and its `value`, status, rank, objective,
    gap, the plan's record in the columns of every CSV (planner.formulas.record), binding, reason."""
    serving = any(r.result is not None and r.result.metrics is not None and r.result.metrics.serving is not None
                  for r in ranking.rows)
    out = []
    for row in ranking.rows:
        m = row.result.metrics if row.result is not None else None
        out.append({**_head(ranking, row), **flat_record(m, serving=serving),
                    "binding": LIST_SEPARATOR.join(row.result.binding) if row.result is not None else "",
                    "tie": row.tie, "reason": row.reason})
    return out


def _head(ranking: Any, row: Any) -> dict[str, Any]:
    return {"by": ranking.by, "value": row.value, "status": row.status, "rank": row.rank,
            "objective": ranking.objective,
            "objective_value": row.result.objective_value if row.result is not None else None, "gap": row.gap}


def rank_json(ranking: Any) -> dict[str, Any]:
    """`plan rank --format json`: the rows, each with the `plan solve` plan object."""
    rows = [{**_head(ranking, row),
             "plan": plan_record(row.result.metrics) if row.has_plan else None,
             "binding": list(row.result.binding) if row.result is not None else [], "reason": row.reason}
            for row in ranking.rows]
    winner = ranking.winner
    return {"name": ranking.name, "by": ranking.by, "objective": ranking.objective,
            "winner": winner.value if winner else None, "rows": rows, "omitted": ranking.omitted,
            "omitted_without_plan": ranking.omitted_without_plan,
            "seconds": ranking.seconds}


def rank_frame(ranking: Any):
    """`plan rank --format csv`: one row per value (rank_rows)."""
    import pandas as pd

    return pd.DataFrame(rank_rows(ranking))


__all__ = ["rank_rows", "rank_json", "rank_frame"]
