"""What one ideal GPU-second costs on a cluster of n GPUs of one offer: the rates every figure of a
plan is built from (the evaluator multiplies them by a plan's GPU-seconds S, derive and the MIP by
a candidate's).

With waste w = waste(n) (failures, 6.2), development factor f (6.3), price p (USD per GPU-hour),
staff s (USD per day), operational and embodied CO2 per GPU-hour c_op, c_emb (t), energy per
GPU-hour e (MWh, board power x PUE), per ideal GPU-second:

    gpu_hours             = (1 + w) / 3600                       final run, failures included
    development_gpu_hours = (f - 1)(1 + w) / 3600                ablations, failed runs (6.3)
    days                  = (1 + w) / (86400 n)                  duration (development excluded)
    compute_usd           = p gpu_hours        development_usd = p development_gpu_hours
    staff_usd             = s days
    co2_oper_t            = c_op gpu_hours     co2_emb_t = c_emb gpu_hours
    development_co2_t     = (c_op + c_emb) development_gpu_hours
    energy_mwh            = e gpu_hours        (final run; development energy is not reported)
    failure_days          = w / (86400 n)                        the part of `days` failures cost

Every argument may be a numpy array (one entry per candidate), or a float.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.formulas.failures import waste_fraction
from planner.formulas.units import SECONDS_PER_DAY, SECONDS_PER_HOUR


@dataclass(frozen=True)
class ClusterRates:
    """Per ideal GPU-second (module docstring); `usd` and `co2_t` are what budget and carbon
    budget see (development included), `days` what the deadline sees."""

    waste: object
    gpu_hours: object
    development_gpu_hours: object
    days: object
    failure_days: object
    compute_usd: object
    development_usd: object
    staff_usd: object
    co2_oper_t: object
    co2_emb_t: object
    development_co2_t: object
    energy_mwh: object

    @property
    def usd(self):
        return self.compute_usd + self.development_usd + self.staff_usd

    @property
    def co2_t(self):
        return self.co2_oper_t + self.co2_emb_t + self.development_co2_t


@dataclass(frozen=True)
class Operations:
    """Instance-wide numbers the rates need."""

    staff_usd_per_day: float
    development_factor: float
    checkpoint_hours: float
    restart_hours: float


def cluster_rates(gpu_count, usd_per_gpu_hour, co2_oper_t_per_gpu_hour, co2_emb_t_per_gpu_hour,
                  mwh_per_gpu_hour, mtbf_hours, ops: Operations) -> ClusterRates:
    """The rates of the module docstring; mtbf_hours None/inf = the GPU never fails."""
    waste = waste_fraction(gpu_count, mtbf_hours, ops.checkpoint_hours, ops.restart_hours)
    hours = (1.0 + waste) / SECONDS_PER_HOUR
    dev_hours = (ops.development_factor - 1.0) * hours
    days = (1.0 + waste) / (SECONDS_PER_DAY * gpu_count)
    return ClusterRates(
        waste=waste,
        gpu_hours=hours,
        development_gpu_hours=dev_hours,
        days=days,
        failure_days=waste / (SECONDS_PER_DAY * gpu_count),
        compute_usd=usd_per_gpu_hour * hours,
        development_usd=usd_per_gpu_hour * dev_hours,
        staff_usd=ops.staff_usd_per_day * days,
        co2_oper_t=co2_oper_t_per_gpu_hour * hours,
        co2_emb_t=co2_emb_t_per_gpu_hour * hours,
        development_co2_t=(co2_oper_t_per_gpu_hour + co2_emb_t_per_gpu_hour) * dev_hours,
        energy_mwh=mwh_per_gpu_hour * hours,
    )


def operations(instance) -> Operations:
    """The instance's staff cost, development factor and checkpoint/restart figures."""
    return Operations(instance.staff_usd_per_day, instance.development_factor,
                      instance.reliability.checkpoint_hours, instance.reliability.restart_hours)
