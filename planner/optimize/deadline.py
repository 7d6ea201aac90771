"""A wall-clock deadline for the whole of one solve (derive, presolve and HiGHS), not HiGHS alone.

`--time-limit` used to reach HiGHS only: on a 500 x 500 GPU-by-region instance deriving the
250,000 candidate offers took 6 s before the solver started, so `--time-limit 1` ran 6 s. Now
solve_instance opens `within(seconds)` and the loops over offers call `check(what)` every
CHECK_EVERY iterations (never at the first, so an instance small enough to derive in
milliseconds still gets the presolve's best plan under any limit); past the deadline it raises
DeadlineReached and the answer is status time_limit (exit 4) with what was being done.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

#: Loop iterations between two looks at the clock.
CHECK_EVERY = 256

_DEADLINE: list[float | None] = [None]


class DeadlineReached(Exception):
    """The solve's time limit passed while `what` was being done."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


@contextmanager
def within(seconds: float | None) -> Iterator[None]:
    """Inside the block, check() raises once `seconds` have passed (None: no deadline). Nested
    blocks keep the earlier deadline."""
    saved = _DEADLINE[0]
    if seconds is not None:
        end = time.monotonic() + seconds
        _DEADLINE[0] = end if saved is None else min(saved, end)
    try:
        yield
    finally:
        _DEADLINE[0] = saved


def check(what: str) -> None:
    """DeadlineReached(what) when the deadline of the enclosing within() has passed."""
    end = _DEADLINE[0]
    if end is not None and time.monotonic() > end:
        raise DeadlineReached(what)
