"""The numbers the campaign MIP (models.campaign_plan) is built from: planner.optimize.campaign_derive
fills them from a validated campaign; models/ reads no files and imports nothing from planner.

Indices: runs j, variants k of a run (each on one GPU type), islands i (one site and GPU type with
some channel), months t of the horizon. Units: GPUs, nodes, GPU-hours, USD, t CO2e, MW, hours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CampaignObjective = Literal["cost", "co2", "weighted", "lateness"]


@dataclass(frozen=True)
class VariantNumbers:
    """One way to do run j: a size, tokens and recipe on one GPU type."""

    gpu: int                  # GPU type index g
    work_gpu_hours: float     # W_jk: GPU-hours the run holds busy (failures, development included)
    floor_nodes: int          # least nodes whose memory holds the training state
    fixed_usd: float          # data, labels and recipe fixed cost


@dataclass(frozen=True)
class RunNumbers:
    first: int                # earliest month index it may be active
    deadline: int             # last month index it may be active (hard unless objective lateness)
    max_gpus: int             # scale limit
    late_usd_per_month: float
    staff_usd_per_month: float
    after: tuple[int, ...]    # runs that must end before it starts
    variants: tuple[VariantNumbers, ...]


@dataclass(frozen=True)
class IslandNumbers:
    """One site and GPU type: its channels by month."""

    site: int
    gpu: int
    node: int                             # GPUs per node
    owned: tuple[int, ...]                # GPUs in service per month (cumulative deliveries)
    on_demand: tuple[int, ...]            # GPUs that can be rented per month
    on_demand_usd_per_gpu_hour: float
    block_gpus: int                       # 0: no reservations
    term_months: int
    max_blocks: int
    first_block_month: int
    block_usd: tuple[float, ...]          # price of one block bought in month t0 (its whole term)
    mw_per_gpu: float                     # facility MW per GPU held (board power x PUE)
    co2_t_per_gpu_hour: tuple[float, ...]  # operational (that month's grid) + embodied, per GPU-hour used


@dataclass(frozen=True)
class CampaignInputs:
    objective: CampaignObjective
    carbon_price_usd_per_t: float
    hours: tuple[float, ...]              # h_t
    runs: tuple[RunNumbers, ...]
    islands: tuple[IslandNumbers, ...]
    grid_mw: tuple[tuple[float | None, ...], ...]   # per site, per month (None: unlimited)
    owned_usd: float                      # owned GPUs' cost over the horizon (a constant)
    budget_usd: float | None = None
    max_co2_t: float | None = None
    objective_unit: float = 1.0           # a typical objective value: the objective row is divided by it
    cost_unit: float = 1.0                # a typical cost (objective co2's second stage is divided by it)
