"""`plan fit`'s outputs: the `scaling_law:` block (--output), the bootstrap samples CSV
(--samples-output), the JSON document and the table (planner.cli.fit runs the fit)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from planner.analysis.fitting import HUBER_DELTA, PARAMETERS, SAMPLE_COLUMNS, FitReport, short_exponent


def samples_csv(report: FitReport) -> str:
    """The bootstrap replicates as CSV: header E,A,B,alpha,beta, one law per row (full precision)."""
    assert report.samples is not None
    lines = [",".join(SAMPLE_COLUMNS)]
    lines += [",".join(repr(float(x)) for x in row) for row in report.samples]
    return "\n".join(lines) + "\n"


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def law_yaml(report: FitReport, name: str | None = None) -> str:
    """The `scaling_law:` block (exactly the keys of schema.ScalingLaw), with comments (the CSV
    path escaped: a control character would make the YAML unreadable)."""
    from planner.errors import escape_control

    law = report.law(name)
    block = {"scaling_law": law.model_dump()}
    lines = [
        f"# Fitted by `plan fit {escape_control(report.runs.source)}`: {report.fit.n_runs} runs, "
        f"Huber objective {report.fit.objective:.6g}.",
        f"# Compute-optimal tokens per parameter at {report.at_flops:.3g} FLOPs: "
        f"{report.tokens_per_param:.4g}.",
    ]
    if report.ci:
        pct = f"{100 * report.ci_level:g}%"
        lines.append(f"# {pct} bootstrap intervals ({report.bootstrap} replicates, seed-dependent):")
        for key, (low, high) in report.ci.items():
            lines.append(f"#   {key}: [{low:.6g}, {high:.6g}]")
    return "\n".join(lines) + "\n" + yaml.safe_dump(block, sort_keys=False, allow_unicode=True, width=1000)


def report_json(report: FitReport, name: str | None = None) -> dict[str, Any]:
    """The JSON document of `plan fit --format json` (non-finite numbers become null)."""
    fit = report.fit
    return {
        "E": fit.E,
        "A": fit.A,
        "B": fit.B,
        "alpha": fit.alpha,
        "beta": fit.beta,
        "ci": {key: [_finite(low), _finite(high)] for key, (low, high) in report.ci.items()},
        "ci_level": report.ci_level,
        "bootstrap": report.bootstrap,
        "degenerate_replicates": report.degenerate_replicates,
        "n_runs": fit.n_runs,
        "tokens_per_param": _finite(report.tokens_per_param),
        "at_flops": report.at_flops,
        "objective": fit.objective,
        "huber_delta": HUBER_DELTA,
        "converged": fit.converged,
        "starts_polished": fit.starts_polished,
        "dropped": [
            {"line": d.line, "params": d.params, "tokens": d.tokens, "loss": d.loss, "reason": d.reason,
             "log_residual": d.log_residual}
            for d in report.dropped
        ],
        "name": report.law(name).name,
        "fitted": report.law(name).fitted.model_dump(),
        "source": report.runs.source,
        "warnings": report.warnings,
    }


def print_table(report: FitReport, output: Path | None, plot: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    fit = report.fit
    from rich.text import Text

    from planner.errors import escape_control

    console = Console(markup=False, emoji=False)  # the CSV path in the title is user text (`[/]a.csv`)
    # the path is printed as text: an escape sequence or a bidi control in a file name is shown escaped
    table = Table(title=Text(f"Scaling law fitted to {fit.n_runs} runs of {escape_control(report.runs.source)}"))
    table.add_column("parameter")
    table.add_column("estimate", justify="right")
    if report.ci:
        pct = f"{100 * report.ci_level:g}%"
        table.add_column(f"{pct} CI low", justify="right")
        table.add_column(f"{pct} CI high", justify="right")
    labels = {**{p: p for p in PARAMETERS},
              "tokens_per_param": f"D*/N* at {report.at_flops:.3g} FLOPs"}
    for key, value in report.estimates.items():
        row = [labels[key], f"{value:.5g}"]
        if report.ci:
            low, high = report.ci[key]
            row += [f"{low:.5g}", f"{high:.5g}"]
        table.add_row(*row)
    console.print(table)
    notes = [f"L = E + A/N^alpha + B/D^beta; Huber objective {fit.objective:.4g} "
             f"(delta {short_exponent(HUBER_DELTA)}, {fit.starts_polished} starts polished)"]
    if report.bootstrap:
        notes.append(f"{report.bootstrap} bootstrap replicates")
    if report.degenerate_replicates:
        notes.append(f"warning: {report.degenerate_replicates} replicates fitted alpha or beta = 0; "
                     "the intervals are wide for a reason")
    if not fit.converged:
        notes.append("warning: L-BFGS-B stopped before its tolerances at the best start")
    over = [d for d in report.dropped if d.reason == "max-loss"]
    if over:
        shown = ", ".join(str(d.line) for d in over[:12]) + (", ..." if len(over) > 12 else "")
        notes.append(f"left out {len(over)} runs with loss above --max-loss (lines {shown})")
    for d in report.dropped:
        if d.reason == "drop-worst":
            notes.append(f"left out line {d.line} (--drop-worst): N {d.params:.4g}, D {d.tokens:.4g}, "
                         f"L {d.loss:.4g}, log residual {d.log_residual:+.3g}")
    if output is not None:
        notes.append(f"wrote {output}")
    if plot is not None:
        notes.append(f"wrote {plot}")
    for note in notes:
        console.print(note, highlight=False, markup=False, soft_wrap=True)


__all__ = ["samples_csv", "law_yaml", "report_json", "print_table"]
