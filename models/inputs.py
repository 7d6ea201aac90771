"""The numbers the training-plan MIP is built from (models/ reads no files and imports nothing
from planner: planner.optimize.pipeline.mip_inputs fills this from its derived candidates)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Objective = Literal["cost", "co2", "time", "loss", "weighted"]


@dataclass(frozen=True)
class MipInputs:
    """One entry per candidate t (a size, offer, GPU count and recipe) in every tuple.

    Units: tokens; GPU-seconds; USD; t CO2e; days; FLOP. `*_per_second` are per ideal GPU-second
    of the candidate's cluster (failures and development included where README "Second edition" says)."""

    objective: Objective
    carbon_price_usd_per_t: float
    min_tokens: tuple[float, ...]            # Dmin_t (loss target)
    max_tokens: tuple[float, ...]            # Dmax_t (= Dmin_t unless the objective is loss)
    seconds_per_token: tuple[float, ...]     # a_t
    align_seconds: tuple[float, ...]         # b_t
    usd_per_second: tuple[float, ...]        # budget measure per GPU-second (compute, development, staff)
    co2_t_per_second: tuple[float, ...]      # carbon-budget measure per GPU-second (incl. development)
    days_per_second: tuple[float, ...]       # duration per GPU-second
    usd_per_token: float                     # data cost per pretraining token
    fixed_usd: tuple[float, ...]             # annotation + recipe fixed cost
    flops_per_token: tuple[float, ...]       # k N_t
    align_flops: tuple[float, ...]
    serving: tuple[float, ...]               # objective measure of serving (0 unless cost/co2/weighted)
    base_loss: tuple[float, ...]             # E + A/N_t^alpha (objective loss)
    budget_usd: float | None = None
    max_co2_t: float | None = None
    deadline_days: float | None = None
    max_training_flops: float | None = None
    objective_unit: float = 1.0              # a typical objective value (rows and objective scaled by it)
    #: rental with a minimum term (empty: none): the rent of candidate t is max(rent_usd_per_second_t S_t,
    #: rent_floor_usd_t); usd_per_second then holds the rest (staff, development) only
    rent_usd_per_second: tuple[float, ...] = field(default_factory=tuple)
    rent_floor_usd: tuple[float, ...] = field(default_factory=tuple)
    #: objective loss: initial tangent cuts per candidate, (tokens d, phi(d), phi'(d)), phi(D) = B/Deff(D)^beta
    initial_cuts: tuple[tuple[tuple[float, float, float], ...], ...] = field(default_factory=tuple)
    #: CO2 not proportional to the cluster's GPU-seconds (a separate rollout fleet), per candidate; () = none
    fixed_co2_t: tuple[float, ...] = ()

    def __len__(self) -> int:
        return len(self.min_tokens)
