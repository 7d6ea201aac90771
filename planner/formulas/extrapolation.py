"""Where a plan stands on numbers nobody measured: the warnings a plan carries (issue 19, item 4).

A plan is flagged, never changed, when

1. its size N, tokens D or pretraining compute k N D lie outside the range the scaling law was fitted
   on (`scaling_law.fitted`; the catalog's laws carry the range of their papers' runs, `plan fit`
   writes it): the loss there is an extrapolation of the law;
2. its size is the largest or the smallest of several candidate sizes: the optimum may lie beyond
   the grid (`model_sizes`);
3. its size is more than FAR_FROM_MATCH times larger or smaller than the `targets.match` reference:
   the same loss is reached by a very different model than the one the target was taken from;
4. its size is above the GPU's `mfu_max_params` (MFU held at the largest calibrated run's).

Warnings 2 and 3 say that lifetime serving demand (`serving:`) changes the answer when the instance
has none: a model trained once and served for years is smaller than the training-only optimum
(Sardana & Frankle 2024, arXiv:2401.00448).
"""

from __future__ import annotations

#: A size this many times the `targets.match` reference (or 1/this) is flagged.
FAR_FROM_MATCH = 2.0

SERVING_HINT = "; serving demand changes the answer (add `serving:` to price the model's lifetime)"


def _size(value: float) -> str:
    for factor, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if value >= factor:
            return f"{value / factor:.3g}{suffix}"
    return f"{value:.3g}"


def _times(ratio: float) -> str:
    """15.2x, 3,660x (never an exponent)."""
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.3g}x"


def _outside(what: str, value: float, pair, law: str, shown) -> str | None:
    low, high = pair
    if value > high:
        return f"{what} {shown(value)} is {_times(value / high)} the largest the law {law} was fitted on ({shown(high)}): extrapolated"
    if value < low:
        return f"{what} {shown(value)} is below the least the law {law} was fitted on ({shown(low)}): extrapolated"
    return None


def plan_warnings(instance, metrics) -> list[str]:
    """The warnings of one plan (module docstring), as sentences."""
    out: list[str] = []
    law = instance.scaling_law
    n, d = metrics.model_params, metrics.tokens
    if law.fitted is not None:
        for what, value, pair, shown in (
            ("model size", n, law.fitted.params, _size),
            ("tokens", d, law.fitted.tokens, lambda x: f"{x:.3g}"),
            ("pretraining compute", metrics.flops.pretraining, law.fitted.flops, lambda x: f"{x:.3g} FLOP"),
        ):
            if pair is not None:
                text = _outside(what, value, pair, law.name, shown)
                if text:
                    out.append(text)
    hint = SERVING_HINT if instance.serving is None else ""
    sizes = instance.sizes
    if len(sizes) > 1 and n >= sizes[-1]:
        out.append(f"the plan takes the largest candidate size ({_size(n)}): a larger model may be better; "
                   f"widen model_sizes{hint}")
    elif len(sizes) > 1 and n <= sizes[0]:
        out.append(f"the plan takes the smallest candidate size ({_size(n)}): a smaller model may be better; "
                   f"widen model_sizes{hint}")
    match = instance.targets.match
    if match is not None and not 1 / FAR_FROM_MATCH <= n / match.params <= FAR_FROM_MATCH:
        out.append(f"model size {_size(n)} is {_times(n / match.params)} the targets.match reference "
                   f"({_size(match.params)}){hint}")
    gpu = instance.gpu(metrics.gpu)
    if gpu.mfu_max_params is not None and n > gpu.mfu_max_params and gpu.mfu_size_exponent:
        out.append(f"{gpu.name} MFU held at its value at {_size(gpu.mfu_max_params)} (mfu_max_params, the largest "
                   f"calibrated run); {_size(n)} is beyond any measured run")
    return out
