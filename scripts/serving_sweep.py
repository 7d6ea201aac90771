"""Sweep the lifetime serving demand of an instance: the optimal model size falls and the tokens per
parameter rise as the model will serve more tokens (docs/serving.md).

    python scripts/serving_sweep.py [--instance instances/serving-demand.yaml]
                                    [--tokens 0,1e11:1e16:11log] [--plot docs/serving-sweep.png]

Runs the what-if sweep `serving.tokens=SPEC` through planner.analysis.whatif.run_whatif (exactly
what `plan whatif FILE --vary serving.tokens=SPEC` solves), prints a Markdown table (demand,
N, D, tokens/param, training, serving and lifetime cost) and draws two panels against the demand
on a log axis: the optimal N and the tokens per parameter. Demand 0 (no serving) cannot sit on a
log axis; it is drawn as a dashed horizontal line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.analysis.whatif import run_whatif  # noqa: E402
from planner.input.sweep_paths import parse_spec  # noqa: E402


def sweep(instance: Path, spec: str) -> list[dict]:
    """One row per demand value: the plan's N, D, tokens/param and the cost split."""
    values: list[float] = []
    for part in spec.split(","):  # a comma list whose items may be ranges
        values += parse_spec(part, where="--tokens")[0]
    result = run_whatif(instance, {"serving.tokens": values})
    rows = []
    for point in result.points:
        m = point.result.metrics if point.result is not None else None
        if m is None:
            rows.append({"tokens": point.inputs["serving.tokens"], "status": point.status})
            continue
        serving = m.serving.cost_usd if m.serving is not None else 0.0
        rows.append({"tokens": float(point.inputs["serving.tokens"]), "status": point.status,
                     "N": m.model_params, "D": m.tokens, "tpp": m.tokens_per_param,
                     "training": m.cost_usd.total, "serving": serving, "lifetime": m.cost_usd.total + serving,
                     "where": f"{m.serving.gpu} in {m.serving.region}" if m.serving is not None else ""})
    return rows


def _tokens(value: float) -> str:
    """0 -> 0, 1e14 -> 1e14, 3.16e13 -> 3.2e13."""
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def table(rows: list[dict]) -> str:
    lines = ["| serving tokens | N | D | tokens/param | training | serving | lifetime |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r["status"] != "optimal":
            lines.append(f"| {_tokens(r['tokens'])} | {r['status']} | | | | | |")
            continue
        lines.append(f"| {_tokens(r['tokens'])} | {r['N'] / 1e9:.1f}B | {r['D'] / 1e12:.2f}T | {r['tpp']:,.0f} | "
                     f"${r['training'] / 1e6:,.2f}M | ${r['serving'] / 1e6:,.2f}M | ${r['lifetime'] / 1e6:,.2f}M |")
    return "\n".join(lines)


def plot(rows: list[dict], path: Path, title: str, mark: float | None = None) -> None:
    """Two panels against the demand (log): N and D / N; `mark` draws a dotted line at one demand."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ok = [r for r in rows if r["status"] == "optimal"]
    served = [r for r in ok if r["tokens"] > 0]
    none = next((r for r in ok if r["tokens"] == 0), None)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.5, 6.5), sharex=True, constrained_layout=True)
    xs = [r["tokens"] for r in served]
    panels = ((top, "N", 1e9, "optimal model size N\n(billion parameters, log scale)", "C0", "{:.1f}B",
               [10, 15, 20, 30, 50, 70, 100]),
              (bottom, "tpp", 1.0, "pretraining tokens per\nparameter D / N (log scale)", "C1", "{:,.0f}",
               [10, 30, 100, 300, 1000, 3000, 10000]))
    for ax, key, scale, label, color, fmt, ticks in panels:
        ys = [r[key] / scale for r in served]
        ax.plot(xs, ys, "o-", color=color, linewidth=1.2, label="optimum at each demand (solved)")
        if none is not None:
            ax.axhline(none[key] / scale, color="grey", linestyle="--",
                       label=f"no serving (demand 0): {fmt.format(none[key] / scale)}")
        if mark is not None:
            ax.axvline(mark, color="black", linestyle=":", linewidth=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        low, high = min(ys + [none[key] / scale] if none else ys), max(ys + [none[key] / scale] if none else ys)
        ax.set_ylim(low / 1.35, high * 1.35)
        ax.set_yticks([v for v in ticks if low / 1.35 <= v <= high * 1.35])
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_ylabel(label)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(loc="lower left" if key == "N" else "upper left", fontsize=9)
    if mark is not None:
        top.annotate(f"this instance: {_tokens(mark)} tokens", (mark, 1.0), xycoords=("data", "axes fraction"),
                     xytext=(4, -14), textcoords="offset points", fontsize=8)
    bottom.set_xlabel("serving demand over the model's life (tokens, log scale)")
    top.set_title(title, fontsize=10)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", type=Path, default=ROOT / "instances" / "serving-demand.yaml")
    parser.add_argument("--tokens", default="0,1e11:1e16:11log",
                        help="serving.tokens values: a comma list whose items may be START:STOP:COUNTlog ranges")
    parser.add_argument("--plot", type=Path, default=None, help="write the figure here (PNG, PDF or SVG)")
    args = parser.parse_args()
    rows = sweep(args.instance, args.tokens)
    print(table(rows))
    if args.plot is not None:
        from planner.input.loading import load_instance

        serving = load_instance(args.instance).serving
        plot(rows, args.plot, f"{args.instance.name}: lowest lifetime cost (training + serving) at the "
                              "same loss target", mark=serving.tokens if serving is not None else None)
        print(f"wrote {args.plot}", file=sys.stderr)


if __name__ == "__main__":
    main()
