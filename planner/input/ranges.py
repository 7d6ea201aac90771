"""Physically meaningful ranges of every numeric instance key (issue 13).

Every number an instance may hold is bounded here, so that the arithmetic downstream (powers of the
scaling law, GPU counts from power caps, FLOPs, memory) stays far from float overflow and from the
solver's numerical tolerances: a value outside its range is refused at load time with exit 2 and a
message naming the key (`gpus[0].available: must be in [0, 1e+07], got 1.79e+308`), exactly like a
negative price. The same validation runs on every `--vary` / `--set` value (each grid point becomes a
full instance), so sweeps are bounded too.

The ranges are generous: every real training run and GPU lies well inside them. They are appended
to each key's description (`Range: ...`), which is what docs/instance-keys.md and `plan schema` show.

| quantity                              | range                | why                                    |
|---------------------------------------|----------------------|----------------------------------------|
| model sizes, reference/min params     | [1e3, 1e15] params   | a thousand parameters .. a quadrillion |
| tokens (D, U, reference, stages)      | (0, 1e18] tokens     | 1e18 is ~50,000x the largest corpora   |
| serving tokens                        | [0, 1e20]            | a lifetime of traffic                  |
| scaling-law alpha, beta               | [0.01, 3]            | published fits are 0.05 .. 0.8         |
| scaling-law A, B                      | (0, 1e8]             | published fits are 10 .. 1e4           |
| scaling-law E, max_loss               | [0, 100] nats/token  | a uniform 1M-token vocabulary is ~14   |
| GPUs available (per GPU or offer)     | [0, 1e7] GPUs        | ten million accelerators               |
| grid_capacity_mw, max_swing_mw        | (0, 1e6] MW          | a terawatt                             |
| budget_usd                            | [1e-2, 1e15] USD     | a cent .. a quadrillion dollars        |
| deadline_days                         | [1e-3, 1e5] days     | ~1.5 minutes .. ~270 years             |
| max_training_flops                    | [1e6, 1e35] FLOP     |                                        |
| max_co2_t                             | [1e-6, 1e12] t       |                                        |

The table RANGES is the source; `install` adds the bounds to the pydantic models of
planner.input.schema (called once, at the end of that module).
"""

from __future__ import annotations

from planner.numbers import plain
import math
from typing import Any

import annotated_types as at

INF = math.inf

#: Largest number of candidate model sizes (a list or a {min, max, count} grid); each size is a
#: column block of the MIP, so 10,000 is already a very large model.
MAX_MODEL_SIZES = 10_000

PARAMS = (1e3, 1e15)
TOKENS = (0.0, 1e18)  # lower bound exclusive (the schema's own gt=0 stays)

_LAW = {"E": (0.0, 100.0), "A": (0.0, 1e8), "B": (0.0, 1e8), "alpha": (0.01, 3.0), "beta": (0.01, 3.0)}

#: model name -> field -> (low, high). Lower bounds of 0 keep the schema's own gt/ge 0.
RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "ScalingLaw": _LAW,
    "SampleLaw": _LAW,
    "Gpu": {
        "peak_tflops": (0.0, 1e6), "mfu": (0.0, 1.0), "peak_fp8_tflops": (0.0, 1e6), "mfu_fp8": (0.0, 1.0),
        "watts": (1e-3, 1e6), "memory_gb": (1e-3, 1e6), "gpus_per_node": (1, 1e4), "embodied_kg": (0.0, 1e6),
        "lifetime_years": (1e-2, 100.0), "usd_per_gpu_hour": (0.0, 1e6), "available": (0, 1e7),
        "mfu_ref_params": PARAMS, "mtbf_hours": (1e-2, 1e9),
    },
    "Offer": {"usd_per_gpu_hour": (0.0, 1e6), "available": (0, 1e7)},
    "Region": {"carbon_g_per_kwh": (0.0, 1e4), "pue": (1.0, 10.0), "grid_capacity_mw": (1e-6, 1e6),
               "max_swing_mw": (1e-6, 1e6)},
    "Stage": {"tokens": TOKENS, "flops_per_param_token": (1e-3, 1e4), "mfu_factor": (1e-3, 10.0),
              "samples": (0.0, 1e12), "usd_per_sample": (0.0, 1e6)},
    "Recipe": {"quality": (0.0, 1e6), "min_model_params": (0.0, 1e15), "fixed_usd": (0.0, 1e12)},
    "Alignment": {"min_quality": (0.0, 1e6)},
    "SizeGrid": {"min": PARAMS, "max": PARAMS, "count": (1, MAX_MODEL_SIZES)},
    "Data": {"unique_tokens": TOKENS, "max_epochs": (1e-3, 1e4), "repetition_rstar": (1e-2, 1e4),
             "usd_per_token": (0.0, 1.0)},
    "Match": {"params": PARAMS, "tokens": TOKENS},
    "Targets": {"max_loss": (0.0, 100.0)},
    "Limits": {"budget_usd": (1e-2, 1e15), "deadline_days": (1e-3, 1e5), "max_training_flops": (1e6, 1e35),
               "max_co2_t": (1e-6, 1e12)},
    "FixedPlan": {"model_params": PARAMS, "tokens": TOKENS, "gpu_count": (1, 1e7)},
    "Moe": {"total_params_per_active": (1.0, 1e4)},
    "Reliability": {"checkpoint_hours": (0.0, 1e4), "restart_hours": (0.0, 1e4)},
    "Serving": {"tokens": (0.0, 1e20), "flops_per_param_token": (1e-3, 1e4)},
    "Instance": {"carbon_price_usd_per_t": (0.0, 1e6), "flops_per_param_token": (1e-3, 1e4),
                 "staff_usd_per_day": (0.0, 1e9), "bytes_per_param": (1e-2, 1e4),
                 "development_factor": (1.0, 1e3)},
}

#: Longest lists: every GPU type x region x size is a block of the MIP, so these bound the model.
LIST_CAPS: dict[str, dict[str, int]] = {
    "Instance": {"gpus": 1000, "regions": 1000},
    "Alignment": {"recipes": 1000},
    "Recipe": {"stages": 100},
}

#: Text fields that are names (printed in tables, plots, messages): no control characters.
NAME_FIELDS: dict[str, tuple[str, ...]] = {"FixedPlan": ("gpu", "region", "alignment")}


def _printable_name(value: Any) -> Any:
    """A name holds no control characters (newline, tab, ESC...) and no lone surrogates (`"\\ud800"`,
    which cannot be written as UTF-8): it is printed in tables, plots and messages, where they would
    break lines, drive the terminal or fail to encode."""
    import unicodedata

    if isinstance(value, str):
        for char in value:
            if unicodedata.category(char) in ("Cc", "Cs"):  # control characters, lone surrogates
                raise ValueError(f"a name may not hold control characters (found {char!r}); "
                                 "use letters, digits, spaces and punctuation")
    return value


#: Rebuild order: a model after the models it contains.
_ORDER = ("ScalingLaw", "SampleLaw", "Gpu", "Offer", "Region", "Stage", "Recipe", "Alignment", "SizeGrid", "Data",
          "Match", "Targets", "Limits", "FixedPlan", "Moe", "Reliability", "Serving")


def _describe(old: str | None, text: str) -> str:
    if not old:
        return text
    old = old.rstrip()
    return f"{old} {text}" if old.endswith(".") else f"{old}. {text}"


def _range_text(low: float, high: float, strict_low: bool) -> str:
    return f"Range: {'(' if strict_low else '['}{plain(low)}, {plain(high)}]."


def _has_strict_zero(info: Any) -> bool:
    """The field's own type says gt 0 (Positive)."""
    from pydantic.fields import FieldInfo
    from typing import get_args

    stack: list[Any] = [info.annotation, *info.metadata]
    while stack:
        item = stack.pop()
        if getattr(item, "gt", None) == 0:
            return True
        if isinstance(item, FieldInfo):
            stack += item.metadata
        else:
            stack += list(getattr(item, "__metadata__", ())) + list(get_args(item))
    return False


def install(namespace: dict[str, Any]) -> None:
    """Add the RANGES bounds (and their text) to the models of planner.input.schema, then rebuild."""
    from typing import Annotated

    from pydantic import Field

    for model_name, fields in RANGES.items():
        model = namespace.get(model_name)
        if model is None:
            continue
        for field_name, (low, high) in fields.items():
            info = model.model_fields.get(field_name)
            if info is None:
                continue
            strict_low = low == 0 and _has_strict_zero(info)
            if not strict_low:
                info.metadata.append(at.Ge(low))
            info.metadata.append(at.Le(high))
            text = _range_text(low, high, strict_low)
            info.description = _describe(info.description, text)
    for model_name, fields in LIST_CAPS.items():
        model = namespace.get(model_name)
        for field_name, cap in fields.items():
            info = model.model_fields.get(field_name) if model is not None else None
            if info is None:
                continue
            info.metadata.append(at.MaxLen(cap))
            info.description = _describe(info.description, f"At most {cap:,} entries.")
    from pydantic import AfterValidator

    for model_name in (*_ORDER, "Instance"):
        model = namespace.get(model_name)
        for field_name in NAME_FIELDS.get(model_name, ("name",)):
            info = model.model_fields.get(field_name) if model is not None else None
            if info is not None:
                info.metadata.append(AfterValidator(_printable_name))
    instance = namespace.get("Instance")
    if instance is not None and "model_sizes" in instance.model_fields:
        info = instance.model_fields["model_sizes"]
        size = Annotated[float, Field(strict=True, ge=PARAMS[0], le=PARAMS[1])]
        info.annotation = Annotated[list[size], Field(min_length=1, max_length=MAX_MODEL_SIZES)] | namespace["SizeGrid"]
        text = (f"Range: each size in [{plain(PARAMS[0])}, {plain(PARAMS[1])}] parameters, at most "
                f"{MAX_MODEL_SIZES:,} sizes.")
        info.description = _describe(info.description, text)
    for name in (*_ORDER, *(n for n in RANGES if n not in _ORDER and n != "Instance"), "Instance"):
        model = namespace.get(name)
        if model is not None and model.__pydantic_complete__:  # built already: build it again
            model.model_rebuild(force=True)
