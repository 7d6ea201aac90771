"""Answers as JSON (the keys README "How the solve is exact" lists) and as readable rich tables."""

from __future__ import annotations

import json
import math
from typing import Any

from typing import TYPE_CHECKING
from planner.constants import PlanStatus, Objective

if TYPE_CHECKING:  # rich is imported where a table is drawn: `--format json` does not load it
    from rich.console import Console
    from rich.table import Table

from planner.numbers import quantity, si
from planner.formulas.evaluate import PlanMetrics, Violation
from planner.formulas.limits import LIMITS, LOSS_TARGET
from planner.formulas.record import LIST_SEPARATOR, flat, flat_record
from planner.formulas.record import plan_record as plan_dict  # the `plan` object, built in one place
from planner.optimize.pipeline import PlanResult


def evaluation_dict(metrics: PlanMetrics, violations: list[Violation], target: float | None,
                    warnings: list[str]) -> dict[str, Any]:
    """`plan evaluate --format json` (and planner.evaluate): the plan's record, the limits it
    breaks, the loss target and whether it is met, and the extrapolation warnings."""
    out: dict[str, Any] = {"plan": plan_dict(metrics), "violations": [violation_dict(v) for v in violations]}
    if target is not None:
        out["target"] = {"max_loss": target, "loss": metrics.loss,
                         "met": not any(v.limit == LOSS_TARGET.key for v in violations)}
    if warnings:
        out["warnings"] = warnings
    return out


def violation_dict(v: Violation) -> dict[str, Any]:
    return {"limit": v.limit, "value": v.value, "allowed": v.allowed, "excess": v.excess,
            "unit": v.unit, "message": violation_text(v)}


def result_dict(result: PlanResult) -> dict[str, Any]:
    """`plan solve --format json`."""
    out: dict[str, Any] = {
        "status": result.status,
        "objective": result.objective,
        "objective_value": result.objective_value,
        "plan": plan_dict(result.metrics) if result.metrics else None,
        "binding": result.binding,
        "solver": {"name": result.solver.name, "seconds": result.solver.seconds, "mip_gap": result.solver.mip_gap,
                   "candidates": result.solver.candidates, "kept": result.solver.kept},
    }
    if result.status != PlanStatus.OPTIMAL:
        out["explanation"] = result.explanation + [f"ruled out: {r}" for r in result.ruled_out]
    if result.needed:
        out["needed"] = result.needed
    if result.warnings:
        out["warnings"] = result.warnings
    return out


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(_finite(data), indent=2)


def _finite(value: Any) -> Any:
    """JSON has no infinities: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _usd(value: float) -> str:
    return f"${value:,.0f}"


def plan_tables(metrics: PlanMetrics) -> list[Table | str]:
    from rich.table import Table

    decisions = Table(title="Plan", show_header=False, title_justify="left")
    for label, value in (
        ("model size N", f"{si(metrics.model_params)} params"),
        ("pretraining tokens D", f"{si(metrics.tokens)} ({metrics.tokens_per_param:,.1f} tokens/param)"),
        ("GPUs", f"{metrics.gpu_count:,} x {metrics.gpu}"),
        ("region", metrics.region),
        ("alignment", metrics.alignment or "none (pretraining only)"),
        ("duration", f"{metrics.duration_days:,.2f} days"),
        ("GPU-hours", f"{metrics.gpu_hours:,.0f}" + (
            f" (+ {metrics.development_gpu_hours:,.0f} development)" if metrics.development_gpu_hours else "")),
        ("failures", f"{metrics.failure_waste:.1%} of useful time lost, {metrics.failure_days:,.2f} days"
         if metrics.failure_waste else "none modelled (GPU without mtbf_hours)"),
        ("loss", f"{metrics.loss:.4f} nats/token"),
        ("training compute", f"{metrics.flops.total:.3e} FLOP (pretraining {metrics.flops.pretraining:.3e}, "
                             f"alignment {metrics.flops.alignment:.3e})"),
        ("energy", f"{metrics.energy_mwh:,.1f} MWh (GPU-hours x board power x PUE)"),
        ("peak facility power", f"{metrics.peak_power_mw:,.2f} MW"),
    ):
        decisions.add_row(label, value)
    _optional_rows(decisions, metrics)
    cost = Table(title="Cost (USD)", title_justify="left")
    cost.add_column("compute")
    cost.add_column("staff")
    cost.add_column("data")
    cost.add_column("annotation + fixed")
    c = metrics.cost_usd
    row = [_usd(c.compute), _usd(c.staff), _usd(c.data), _usd(c.annotation + c.fixed)]
    if c.development:
        cost.add_column("development")
        row.append(_usd(c.development))
    cost.add_column("total", style="bold")
    cost.add_row(*row, _usd(c.total))
    co2 = Table(title="CO2e (t, location-based)", title_justify="left")
    co2.add_column("operational")
    co2.add_column("embodied")
    row = [f"{metrics.co2_t.operational:,.2f}", f"{metrics.co2_t.embodied:,.2f}"]
    if metrics.co2_t.development:
        co2.add_column("development")
        row.append(f"{metrics.co2_t.development:,.2f}")
    co2.add_column("total", style="bold")
    co2.add_row(*row, f"{metrics.co2_t.total:,.2f}")
    return ([decisions, cost, co2, equivalents_text(metrics.co2_t.total)]
            + ([spread_table(metrics.throughput_spread)] if metrics.throughput_spread else []))


def _optional_rows(decisions: Table, metrics: PlanMetrics) -> None:
    """The plan table's rows that only some plans have (idle rent, batch, post-training, target
    probability, serving)."""
    if metrics.cost_usd.idle:
        decisions.add_row("rent", f"compute includes {_usd(metrics.cost_usd.idle)} for GPUs paid but idle "
                                  "(contracted cluster or minimum term)")
    if metrics.scale is not None:
        sf = metrics.scale
        decisions.add_row("global batch", f"{si(sf.global_batch_tokens)} tokens at least ({sf.tokens_per_gpu:,.0f} "
                                          f"tokens/GPU, {sf.model_parallel_gpus:,.0f}-GPU replicas); useful up to "
                                          f"{si(sf.batch_limit_tokens)}: {sf.max_useful_gpus:,.0f} GPUs")
    if metrics.post_training is not None:
        post = metrics.post_training
        decisions.add_row("post-training", f"{post.gpu_hours:,.0f} GPU-hours ({post.gpu_hours_share:.1%}), "
                                           f"{_usd(post.cost_usd)} ({post.cost_share:.1%}), {post.co2_t:,.1f} t "
                                           f"CO2e ({post.co2_share:.1%}); {post.flops_share:.2%} of the FLOPs"
                                           + (f"; rollouts on a separate fleet of ~{post.fleet_gpus:,.0f} GPUs "
                                              f"({post.fleet_gpu_hours:,.0f} GPU-hours)" if post.fleet_gpu_hours else ""))
    if metrics.target_probability is not None:
        decisions.add_row("target probability", f"{metrics.target_probability:.1%} of the sampled laws meet the target")
    if metrics.serving is not None:
        srv, life = metrics.serving, metrics.lifetime
        decisions.add_row("serving", f"{srv.gpu} in {srv.region}: {srv.gpu_hours:,.0f} GPU-hours, "
                                     f"{_usd(srv.cost_usd)}, {srv.co2_t:,.1f} t CO2e")
        decisions.add_row("lifetime", f"{_usd(life.cost_usd)} (training {_usd(metrics.cost_usd.total)} + serving "
                                      f"{_usd(srv.cost_usd)}); {life.co2_t:,.1f} t CO2e")


def equivalents_text(co2_t: float) -> str:
    """`CO2e ~ 209 transatlantic return flights (1 passenger), 2.4 car lifetimes`
    (planner.formulas.co2_equivalents: each factor and its source)."""
    from planner.formulas.co2_equivalents import cars, flights

    return (f"CO2e ~ {flights(co2_t):,.0f} transatlantic return flights (1 passenger), "
            f"{cars(co2_t):,.1f} car lifetimes")


def spread_table(spread) -> Table:
    """P10/P50/P90 under the measured throughput spread, and the chance of meeting each limit."""
    from rich.table import Table

    names = {**{limit.key: limit.noun for limit in LIMITS}, "all": "all limits"}
    chances = "; ".join(f"{names.get(k, k)} {v:.0%}" for k, v in spread.probability.items())
    caption = f"P(met): {chances}" if chances else None
    title = f"Throughput spread of published runs (log sd {spread.log_sd:.2f})"
    # wide enough that the title and the P(met) line are not wrapped to the narrow numbers' width
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left",
                  min_width=max(len(title), len(caption or "")))
    for name in ("figure", "P10", "P50", "P90"):
        table.add_column(name, justify="left" if name == "figure" else "right")
    for label, band, text in (("GPU-hours", spread.gpu_hours, lambda v: f"{v:,.0f}"),
                              ("days", spread.duration_days, lambda v: f"{v:,.2f}"),
                              ("cost", spread.cost_usd, _usd),
                              ("CO2e t", spread.co2_t, lambda v: f"{v:,.1f}")):
        table.add_row(label, text(band.p10), text(band.p50), text(band.p90))
    return table


def objective_text(objective: str, value: float) -> str:
    """An objective's value as the tables write it: $1,069,577; 12.51 t CO2e; 3.20 days; 2.0647."""
    if objective in (Objective.COST, Objective.WEIGHTED):
        return _usd(value)
    return {"co2": f"{value:,.2f} t CO2e", "time": f"{value:,.2f} days"}.get(objective, f"{value:.4f}")


def print_result(result: PlanResult, console: Console | None = None) -> None:
    """`plan solve` default output (no console markup: names are user text, `[/x]` included)."""
    from rich.console import Console

    console = console or Console(markup=False, emoji=False)
    if result.metrics is not None:
        for table in plan_tables(result.metrics):
            console.print(table, markup=False)
        console.print(f"binding limits: {', '.join(result.binding) or 'none'}")
        for line in result.warnings:
            console.print(f"warning: {line}", highlight=False)
    value = "" if result.objective_value is None else f" = {objective_text(result.objective, result.objective_value)}"
    gap = "" if result.solver.mip_gap is None else f", gap {result.solver.mip_gap:.2e}"
    console.print(f"status: {result.status}; objective {result.objective}{value} "
                  f"(HiGHS {result.solver.seconds:.2f} s{gap})")
    if result.status == PlanStatus.WITHIN_GAP:
        console.print("  (a plan within the requested --mip-gap, not proven optimal to 1e-6)")
    if result.status != PlanStatus.OPTIMAL:
        for line in result.explanation:
            console.print(f"  - {line}")
        if result.ruled_out:
            console.print("ruled out before solving:")
            for line in result.ruled_out:
                console.print(f"  - {line}")


def print_evaluation(metrics: PlanMetrics, violations: list[Violation], console: Console | None = None,
                     target: float | None = None) -> None:
    """`plan evaluate` default output (no console markup: names are user text)."""
    from rich.console import Console

    console = console or Console(markup=False, emoji=False)
    for table in plan_tables(metrics):
        console.print(table, markup=False)
    if target is not None:
        met = not any(v.limit == "max_loss" for v in violations)
        console.print(f"loss target {target:.4f} nats/token: {'met' if met else 'NOT met'} "
                      f"(loss {metrics.loss:.4f})", highlight=False)
    if violations:
        console.print("violations:")
        for v in violations:
            console.print(f"  - {v.limit}: {violation_text(v)}", highlight=False, markup=False)
    else:
        console.print("violations: none")


def result_csv(result: PlanResult) -> str:
    """`plan solve --format csv`: a header and one row: status, objective, objective_value, the
    plan's record (planner.formulas.record, the same columns as whatif/frontier/rank), binding,
    warnings (extrapolations, planner.formulas.extrapolation), solver.*, and the explanation of a plan-less answer (lists joined by LIST_SEPARATOR)."""
    import csv
    import io

    data = result_dict(result)
    row = {"status": data["status"], "objective": data["objective"], "objective_value": data["objective_value"],
           **flat_record(result.metrics, serving=False),
           "binding": LIST_SEPARATOR.join(result.binding), "warnings": LIST_SEPARATOR.join(result.warnings),
           **flat({"solver": data["solver"]})}
    row.update(flat({k: v for k, v in data.items() if k in ("explanation", "needed")}))
    row = _finite(row)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row), lineterminator="\n")
    writer.writeheader()
    writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


#: limit -> (what is limited, how its figures are written)
_VIOLATION_LABELS = {
    "max_loss": "loss", **{limit.key: limit.label for limit in LIMITS},
    "grid_capacity_mw": "facility power", "max_swing_mw": "power swing",
    "max_epochs": "tokens", "available": "GPUs", "memory": "GPUs", "gpus_per_node": "GPUs", "scale": "GPUs",
}
#: violations written as "<what> <value> exceeds the limit <allowed> (by ...)"
_QUANTITY_LIMITS = ("max_loss", *(limit.key for limit in LIMITS), "grid_capacity_mw", "max_swing_mw", "max_epochs")


def violation_text(v: Violation) -> str:
    """One violation in table units: `cost $66.5M exceeds the limit $15M (by $51.5M)`."""
    if v.limit in _QUANTITY_LIMITS:
        what = _VIOLATION_LABELS[v.limit]
        word = "the target" if v.limit == "max_loss" else "the limit"
        verb = "is above" if v.limit == "max_loss" else "exceeds"
        return (f"{what} {quantity(v.value, v.unit)} {verb} {word} {quantity(v.allowed, v.unit)} "
                f"(by {quantity(v.value - v.allowed, v.unit)})")
    if v.limit == "min_model_params":
        return f"{v.message.split(' needs ')[0]} needs at least {si(v.allowed)} parameters"
    return v.message
