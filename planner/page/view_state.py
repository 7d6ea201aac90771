"""What the single-run and campaign views' states share: the source, the tab's worker pool, the
newest request (an answer to an older one is dropped), the latest error line, timings, and how a
job's answer comes back from the pool."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from planner.errors import one_line
from planner.page.jobs import Jobs
from planner.page.source import Source


@dataclass
class ViewState:
    """The base of RunState (state.py) and CampaignState (campaign_state.py)."""

    source: Source
    jobs: Jobs
    error: str | None = None       # one line: a lever's value refused, a failed or cancelled job
    request: int = 0               # bumped by every change: answers to older requests are dropped
    seconds: dict[str, float] = field(default_factory=dict)

    async def run_job(self, fn: Any, *args: Any) -> tuple[str, Any]:
        """(status, answer) of `fn(*args)` on the pool; ("cancelled", why) when cancel() ended the
        pool before or while it ran (BrokenProcessPool) or a worker died."""
        future = self.jobs.submit(fn, *args)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            if future.cancelled():  # cancel() ended the pool before this job started
                return "cancelled", "cancelled"
            raise
        except Exception as exc:
            return "cancelled", "cancelled" if future.cancelled() else one_line(f"{type(exc).__name__}: {exc}")


__all__ = ["ViewState"]
