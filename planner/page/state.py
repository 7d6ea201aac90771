"""One browser tab's state for the single-run view, without any UI: the source, the levers, the
latest answers, and which request is the newest (an answer to an older one is dropped).

The NiceGUI view (single_run.py) only draws what this holds and calls its methods; the tests
drive it the same way.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from planner.errors import InputError, one_line
from planner.page.jobs import frontier_job, rank_job, solve_job, uncertainty_job
from planner.page.levers import SLIDER_LIMITS, Levers, Scales, changes, levers_of, scales_for
from planner.page.source import edited_data
from planner.page.view_state import ViewState


@dataclass
class Work:
    """A long job's progress for the page: what runs, how far (done of total, 0 when unknown), since when."""

    what: str
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    total: int = 0
    cancelled: bool = False


@dataclass
class RunState(ViewState):
    """The single-run view's state for one source."""

    levers: Levers = None  # type: ignore[assignment]
    scales: Scales | None = None
    result: Any = None             # PlanResult of the latest levers
    frontier: Any = None
    frontier_limit: str = "co2"
    ranking: Any = None
    rank_by: str = "region"
    band: Any = None               # Uncertainty of the latest run
    band_samples: int = 200
    notes: dict[str, str] = field(default_factory=dict)  # kind -> why it has no answer: cancelled, failed
    works: dict[str, Work] = field(default_factory=dict)  # what runs now, by kind

    def __post_init__(self) -> None:
        if self.levers is None:
            self.levers = levers_of(self.source.instance)

    # -- what the levers make ---------------------------------------------------------------

    def changes(self) -> list[tuple[str, Any]]:
        return changes(self.source, self.levers)

    def data(self) -> dict[str, Any]:
        """The edited instance mapping (InputError: a lever's value is refused)."""
        return edited_data(self.source, self.changes())

    @property
    def has_band(self) -> bool:
        return bool(self.source.instance.uncertainty)

    # -- answers --------------------------------------------------------------------------

    async def solve(self) -> bool:
        """Solve the levers' instance; False when a newer request came meanwhile (answer dropped)."""
        self.request += 1
        mine = self.request
        self.band = None  # the band was of the previous plan
        start = time.perf_counter()
        try:
            data = self.data()
        except InputError as exc:
            self.result, self.error = None, one_line(str(exc))
            return True
        status, answer = await self.run_job(solve_job, data)
        if mine != self.request:
            return False
        self.seconds["solve"] = time.perf_counter() - start
        if status == "ok":
            self.result, self.error = answer, None
        else:
            self.result, self.error = None, answer
        if self.scales is None:
            self.scales = scales_for(self.levers, _figures(self.result))
        return True

    async def long(self, what: str, fn: Any, *args: Any) -> tuple[str, Any] | None:
        """A frontier or ranking off the UI thread, shown as running; None when dropped."""
        mine = self.request
        self.notes.pop(what, None)
        work = self.works[what] = Work(what)
        start = time.perf_counter()
        try:
            status, answer = await self.run_job(fn, *args)
        finally:
            if self.works.get(what) is work:
                del self.works[what]
        if mine != self.request:
            return None
        self.seconds[what] = time.perf_counter() - start
        if status != "ok":
            self.notes[what] = f"{what}: {'cancelled' if status == 'cancelled' else answer}"
            return None
        return status, answer

    async def run_frontier(self) -> None:
        await self._answer("frontier", "frontier", frontier_job, self.frontier_limit)

    async def run_rank(self) -> None:
        await self._answer("ranking", "rank", rank_job, self.rank_by)

    async def _answer(self, attr: str, what: str, fn: Any, choice: str) -> None:
        """Set `attr` to `fn(data, choice)`'s answer (None meanwhile, and when the levers are refused)."""
        setattr(self, attr, None)
        try:
            data = self.data()
        except InputError:
            return
        answer = await self.long(what, fn, data, choice)
        if answer is not None:
            setattr(self, attr, answer[1])

    async def run_band(self) -> None:
        """The uncertainty band (instances with an `uncertainty:` block), scenarios in chunks on the
        pool with progress; cancel() stops it."""
        self.band = None
        self.notes.pop("uncertainty", None)
        try:
            data = self.data()
        except InputError as exc:
            self.notes["uncertainty"] = f"uncertainty: {one_line(str(exc))}"
            return
        work = self.works["uncertainty"] = Work("uncertainty", total=self.band_samples)

        def progress(done: int, total: int) -> None:
            work.done, work.total = done, total

        start = time.perf_counter()
        try:
            status, answer = await asyncio.to_thread(uncertainty_job, self.jobs, data, self.source.folder,
                                                     self.band_samples, progress, lambda: work.cancelled)
        except Exception as exc:  # Cancelled, BrokenProcessPool, CancelledError: the pool was ended under it
            status, answer = "cancelled", one_line(str(exc))
        finally:
            if self.works.get("uncertainty") is work:
                del self.works["uncertainty"]
        if work.cancelled:
            status, answer = "cancelled", "cancelled"
        self.seconds["uncertainty"] = time.perf_counter() - start
        if status == "ok":
            self.band = answer
        else:
            self.notes["uncertainty"] = f"uncertainty: {'cancelled' if status == 'cancelled' else answer}"

    def cancel(self) -> None:
        """End the running long work (the pool's workers are ended and restarted on next use)."""
        self.request += 1
        for work in self.works.values():
            work.cancelled = True
        self.jobs.cancel()


def _figures(result: Any) -> dict[str, float] | None:
    m = result.metrics if result is not None else None
    if m is None:
        return None
    return {**{limit.figure: limit.read(m) for limit in SLIDER_LIMITS}, "peak_power_mw": m.peak_power_mw,
            "loss": m.loss}


__all__ = ["RunState", "Work"]
