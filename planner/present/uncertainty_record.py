"""`plan uncertainty --format json / csv`: the run as one document, and one row per scenario.

A scenario's row is the drawn values, its status, the studied plan's record in that scenario under
the names of every CSV (planner.formulas.record: `cost_usd.total`, `duration_days`, ... as `plan
solve --format csv` writes them), the loss target, `meets_<limit>` for each limit of the limits
table the scenario checks (planner.formulas.limits) and `meets_all`; with --reoptimize the
scenario's optimum as `optimum.status`, `optimum.objective_value` and `optimum.<record name>`;
last `reason` (why a scenario is invalid). A new figure of the record or a new limit is a new
column here with no edit.
"""

from __future__ import annotations

from typing import Any

from planner.formulas.record import record_columns, with_row_keys

#: The prefix of the optimum's columns (--reoptimize).
OPTIMUM = "optimum."


def uncertainty_json(result: Any, scenarios: bool = True) -> dict[str, Any]:
    """`plan uncertainty --format json`: the summaries, and every scenario's row."""
    plan = result.plan.model_dump() if result.plan is not None else None
    out: dict[str, Any] = {
        "instance": result.name,
        "samples": result.samples,
        "seed": result.seed,
        "distributions": [distribution_json(u) for u in result.uncertain],
        "plan": {"source": result.plan_source, "choices": plan, "note": result.plan_note},
        "fixed_plan": result.fixed_summary(),
        "reoptimized": result.reoptimized_summary(),
        "runner": {**result.runner, "seconds": result.seconds},
    }
    if scenarios:
        out["scenarios"] = scenario_rows(result)
    return out


def distribution_json(u: Any) -> dict[str, Any]:
    """One declared distribution (planner.analysis.uncertainty.Uncertain)."""
    return {"path": u.path, "distribution": u.dist.text, "relative": u.dist.relative,
            "paths": list(u.labels), **({"samples": len(u.table)} if u.table else {})}


def uncertainty_frame(result: Any):
    """`plan uncertainty --format csv`: one row per scenario (module docstring)."""
    import pandas as pd

    return pd.DataFrame(scenario_rows(result), columns=scenario_columns(result))


def scenario_columns(result: Any) -> list[str]:
    """The columns of a scenario's row, in order (module docstring)."""
    cols = ["scenario", *result.labels, "status"]
    if result.plan is not None:
        cols += _record_names([r.plan for r in result.rows])
        cols += ["target_loss", *(f"meets_{n}" for n in result.checked_limits()), "meets_all"]
    if result.reoptimize:
        head = ["status", "objective_value"]
        optima = [{k: v for k, v in r.optimum.items() if k not in head} for r in result.rows if r.optimum]
        cols += [f"{OPTIMUM}{name}" for name in [*head, *_record_names(optima)]]
    return [*cols, "reason"]


def scenario_rows(result: Any) -> list[dict[str, Any]]:
    """One flat dict per scenario (module docstring); a figure a scenario has not is None."""
    columns = scenario_columns(result)
    return [{**dict.fromkeys(columns), **_row(result, r)} for r in result.rows]


def _row(result: Any, r: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"scenario": r.index, **dict(zip(result.labels, result.draws[r.index])), "status": r.status}
    if result.plan is not None:
        ok = r.status == "ok" and r.plan is not None
        row.update(r.plan or {}, target_loss=r.target_loss)
        for n in result.checked_limits():
            row[f"meets_{n}"] = (n not in r.violations) if ok and n in r.checked else None
        row["meets_all"] = (not r.violations) if ok else None
    if result.reoptimize:
        row.update({f"{OPTIMUM}{k}": v for k, v in (r.optimum or {}).items()})
    row["reason"] = r.reason
    return row


def _record_names(records: list[dict[str, Any] | None]) -> list[str]:
    """The record's flat names (planner.formulas.record), and any optional section a record has."""
    return with_row_keys(record_columns(), [r for r in records if r], "")


__all__ = ["uncertainty_json", "uncertainty_frame", "scenario_columns", "scenario_rows", "distribution_json"]
