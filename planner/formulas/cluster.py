"""What one ideal GPU-second costs on a cluster of n GPUs of one offer: the rates every figure of a
plan is built from (the evaluator multiplies them by a plan's GPU-seconds S, derive and the MIP by
a candidate's).

With waste w = waste(n) (failures, 6.2), parallel overhead o = o(n) (below), development factor f
(6.3), price p (USD per GPU-hour), staff s (USD per day), operational and embodied CO2 per GPU-hour
c_op, c_emb (t), energy per GPU-hour e (MWh, board power x PUE), per ideal GPU-second:

    gpu_hours             = (1 + w + o) / 3600                   final run, failures included
    development_gpu_hours = (f - 1)(1 + w + o) / 3600            ablations, failed runs (6.3)
    days                  = (1 + w + o) / (86400 n)              duration (development excluded)
    compute_usd           = p gpu_hours        development_usd = p development_gpu_hours
    staff_usd             = s days
    co2_oper_t            = c_op gpu_hours     co2_emb_t = c_emb gpu_hours
    development_co2_t     = (c_op + c_emb) development_gpu_hours
    energy_mwh            = e gpu_hours        (final run; development energy is not reported)
    failure_days          = w / (86400 n)                        the part of `days` failures cost

Parallel overhead (GPU keys `parallel_ref_gpus` n_ref, `parallel_overhead` v; absent / 0 = none):
above n_ref GPUs a run takes

    o(n) = v (sqrt(n / n_ref) - 1)  for n > n_ref,  0 otherwise

more time per useful second (v is the extra time at 4 n_ref). Source of the number: Llama 3 405B
reached 430 TFLOP/s per H100 on 8,192 GPUs and 400 on 16,384 at the same 16M-token batch (Dubey et
al. 2024, arXiv:2407.21783, Table 4): 430/400 = 1 + v (sqrt 2 - 1), v = 0.181. The square-root
shape is an assumption, the failure waste's own: with v <= 1 the cost stays convex in sqrt(n) and
the duration falling in n, which the presolve's exact search relies on (planner.optimize.presolve).

Renting (offer keys `contracted`, `min_term_days`, planner.formulas.offers): the GPUs paid for are
m = the offer's `available` for a contracted cluster (paid whether used or not), else n; the
rental is paid for at least the minimum term t_min days. For a run of S ideal GPU-seconds:

    rent_usd   = p x m x 24 x max(T, t_min),   T = S days
               = max(S compute_usd, rent_floor_usd)   with compute_usd = p (m/n) gpu_hours per
                 GPU-second and rent_floor_usd = p m 24 t_min (0 without a term)

On-demand (no term, m = n) this is p x GPU-hours, the first edition. Development GPU-hours are
priced at p per GPU-hour used, as before.

Every argument may be a numpy array (one entry per candidate), or a float.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from planner.formulas.failures import waste_fraction
from planner.formulas.units import SECONDS_PER_DAY, SECONDS_PER_HOUR


@dataclass(frozen=True)
class Operations:
    """Instance-wide numbers the rates need."""

    staff_usd_per_day: float
    development_factor: float
    checkpoint_hours: float
    restart_hours: float


class ClusterRates:
    """Per ideal GPU-second (module docstring); `usd` and `co2_t` are what budget and carbon
    budget see (development included), `days` what the deadline sees. Each figure is computed
    when first read (the presolve reads only the few it needs, over 1e5 candidates at a time)."""

    def __init__(self, gpu_count, usd_per_gpu_hour, co2_oper_t_per_gpu_hour, co2_emb_t_per_gpu_hour,
                 mwh_per_gpu_hour, mtbf_hours, ops: Operations, paid_gpus=None, min_term_days=None,
                 parallel=None):
        self._n, self._price, self._ops, self._parallel = gpu_count, usd_per_gpu_hour, ops, parallel
        self._paid, self._term = paid_gpus, min_term_days
        self._c_op, self._c_emb, self._mwh, self._mtbf = (co2_oper_t_per_gpu_hour, co2_emb_t_per_gpu_hour,
                                                          mwh_per_gpu_hour, mtbf_hours)

    @cached_property
    def waste(self):
        return waste_fraction(self._n, self._mtbf, self._ops.checkpoint_hours, self._ops.restart_hours)

    @cached_property
    def overhead(self):
        """o(n) (module docstring); 0 without `parallel` = (n_ref, v)."""
        if self._parallel is None:
            return 0.0
        return parallel_overhead(self._n, *self._parallel)

    @cached_property
    def slowdown(self):
        """1 + w + o: GPU-seconds per useful GPU-second."""
        return 1.0 + self.waste + self.overhead if self._parallel is not None else 1.0 + self.waste

    @cached_property
    def gpu_hours(self):
        return self.slowdown / SECONDS_PER_HOUR

    @cached_property
    def development_gpu_hours(self):
        return (self._ops.development_factor - 1.0) * self.gpu_hours

    @cached_property
    def days(self):
        return self.slowdown / (SECONDS_PER_DAY * self._n)

    @cached_property
    def failure_days(self):
        return self.waste / (SECONDS_PER_DAY * self._n)

    @cached_property
    def compute_usd(self):
        """p x (m/n) x gpu_hours: rent per GPU-second, idle contracted GPUs included."""
        if self._paid is None:
            return self._price * self.gpu_hours
        idle = np.where(np.asarray(self._paid) > 0, np.asarray(self._paid, dtype=float) / self._n, 1.0)
        out = self._price * self.gpu_hours * idle
        return out if np.ndim(out) else float(out)

    @cached_property
    def rent_floor_usd(self):
        """p m 24 t_min: the rent of the minimum term (0 without one)."""
        if self._term is None:
            return 0.0
        paid = self._n if self._paid is None else np.where(np.asarray(self._paid) > 0, self._paid, self._n)
        out = self._price * paid * 24.0 * np.asarray(self._term, dtype=float)
        return out if np.ndim(out) else float(out)

    def total_usd(self, seconds):
        """What budget and cost see for S = `seconds`: S usd, the rent raised to its term floor."""
        return seconds * self.usd + np.maximum(0.0, self.rent_floor_usd - seconds * self.compute_usd)

    @cached_property
    def development_usd(self):
        return self._price * self.development_gpu_hours

    @cached_property
    def staff_usd(self):
        return self._ops.staff_usd_per_day * self.days

    @cached_property
    def co2_oper_t(self):
        return self._c_op * self.gpu_hours

    @cached_property
    def co2_emb_t(self):
        return self._c_emb * self.gpu_hours

    @cached_property
    def development_co2_t(self):
        return (self._c_op + self._c_emb) * self.development_gpu_hours

    @cached_property
    def energy_mwh(self):
        return self._mwh * self.gpu_hours

    @cached_property
    def usd(self):
        return self.compute_usd + self.development_usd + self.staff_usd

    @cached_property
    def co2_t(self):
        return self.co2_oper_t + self.co2_emb_t + self.development_co2_t


def parallel_overhead(gpu_count, ref_gpus, overhead):
    """o(n) = overhead (sqrt(n / ref_gpus) - 1) above ref_gpus, else 0 (module docstring); numpy
    arrays or floats; ref_gpus inf = none."""
    n = np.asarray(gpu_count, dtype=float)
    out = np.asarray(overhead, dtype=float) * np.maximum(0.0, np.sqrt(n / np.asarray(ref_gpus, dtype=float)) - 1.0)
    return out if np.ndim(out) else float(out)


def parallel_terms(gpu):
    """(parallel_ref_gpus, parallel_overhead) of a GPU with an overhead, else None (no overhead)."""
    if gpu.parallel_ref_gpus is None or gpu.parallel_overhead == 0:
        return None
    return gpu.parallel_ref_gpus, gpu.parallel_overhead


def cluster_rates(gpu_count, usd_per_gpu_hour, co2_oper_t_per_gpu_hour, co2_emb_t_per_gpu_hour,
                  mwh_per_gpu_hour, mtbf_hours, ops: Operations, paid_gpus=None, min_term_days=None,
                  parallel=None) -> ClusterRates:
    """The rates of the module docstring; mtbf_hours None/inf = the GPU never fails; paid_gpus
    None or 0 = the n GPUs used (no contract); min_term_days None = no term; parallel None = no
    parallel overhead, else (parallel_ref_gpus, parallel_overhead), inf / 0 where a GPU has none."""
    return ClusterRates(gpu_count, usd_per_gpu_hour, co2_oper_t_per_gpu_hour, co2_emb_t_per_gpu_hour,
                        mwh_per_gpu_hour, mtbf_hours, ops, paid_gpus, min_term_days, parallel)


def operations(instance) -> Operations:
    """The instance's staff cost, development factor and checkpoint/restart figures."""
    return Operations(instance.staff_usd_per_day, instance.development_factor,
                      instance.reliability.checkpoint_hours, instance.reliability.restart_hours)
