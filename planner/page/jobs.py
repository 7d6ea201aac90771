"""Solves off the page's UI thread, on a process pool started as planner.analysis.executor starts
its pools (fork on Linux: a worker starts with the planner already imported).

Each job is a plain function of plain data (the edited instance mapping), so it runs the same in a
worker as in this process, and answers ("ok", result) or ("input", the one-line message): an
InputError never crosses the process boundary as an exception. `Jobs.cancel()` ends the workers
(and whatever they run) at once; the next job starts fresh ones.
"""

from __future__ import annotations

import threading
import uuid
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

from planner.errors import InputError, one_line

Answer = tuple[str, Any]


def solve_job(data: dict[str, Any]) -> Answer:
    """The optimal plan of the instance mapping (infeasible: with the explanation)."""
    from planner.input.loading import instance_from_dict
    from planner.optimize.pipeline import solve_instance

    try:
        return "ok", solve_instance(instance_from_dict(data))
    except InputError as exc:
        return "input", one_line(str(exc))


def frontier_job(data: dict[str, Any], limit: str = "co2", points: int = 10) -> Answer:
    """The exact cost / `limit` frontier (planner.analysis.frontier, as `plan frontier`)."""
    from planner.analysis.frontier import run_frontier
    from planner.input.loading import instance_from_dict

    try:
        instance = instance_from_dict(data)
        return "ok", run_frontier(instance, "cost", limit, points)
    except InputError as exc:
        return "input", one_line(str(exc))


def rank_job(data: dict[str, Any], by: str = "region") -> Answer:
    """The best plan for each region (or GPU type), as `plan rank`."""
    from planner.analysis.rank import rank
    from planner.input.loading import instance_from_dict

    try:
        return "ok", rank(instance_from_dict(data), by)
    except InputError as exc:
        return "input", one_line(str(exc))


def warm_job() -> int:
    """Nothing: starts a worker (and imports what a solve needs) before the first slider moves."""
    import planner.analysis.frontier  # noqa: F401
    import planner.optimize.pipeline  # noqa: F401

    return 0


class Jobs:
    """The page's process pool: `workers` processes, started on first use, ended by cancel()."""

    def __init__(self, workers: int = 2) -> None:
        self.workers = workers
        self._pool: Any = None
        self._lock = threading.Lock()

    def _executor(self) -> Any:
        import multiprocessing
        import os
        from concurrent.futures import ProcessPoolExecutor

        from planner.analysis.executor import start_method, worker_signals

        with self._lock:
            if self._pool is None:  # workers die with the page (a closed terminal, kill -9), as the CLI's
                self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                                 mp_context=multiprocessing.get_context(start_method()),
                                                 initializer=worker_signals, initargs=(os.getpid(),))
            return self._pool

    def submit(self, fn: Callable, *args: Any) -> Future:
        """fn(*args) in a worker."""
        pool = self._executor()
        with warnings.catch_warnings():
            # 3.12+: fork while a thread runs warns; the workers run planner code only
            warnings.filterwarnings("ignore", message=r".*fork\(\) may lead to deadlocks", category=DeprecationWarning)
            return pool.submit(fn, *args)

    def warm(self) -> None:
        """Start every worker now."""
        for future in [self.submit(warm_job) for _ in range(self.workers)]:
            future.result()

    def cancel(self) -> None:
        """End the workers and everything they run (their futures fail: BrokenProcessPool)."""
        from planner.analysis.executor import terminate_pool

        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            terminate_pool(pool)

    def close(self) -> None:
        self.cancel()


class PoolRunner:
    """A planner.analysis.executor.Runner look-alike that sends its chunks to the page's pool
    (run_uncertainty takes a runner): items in order, progress per chunk, stopped by cancel()."""

    def __init__(self, jobs: Jobs, stop: Callable[[], bool] = lambda: False) -> None:
        self.jobs = jobs
        self.stop = stop  # True once the page cancelled this work: no more chunks, Cancelled raised
        self.memory: dict[int, int] = {}
        self.cpu: dict[int, float] = {}

    def describe(self) -> dict[str, Any]:
        return {"kind": "pool", "workers": self.jobs.workers, "scheduler": None}

    def map(self, prepare: Callable, state: Any, work: Callable, items: Sequence[Any],
            progress: Callable[[int, int], None] | None = None) -> list[Any]:
        from planner.analysis.executor import chunked, run_chunk

        token = uuid.uuid4().hex
        chunks = chunked(list(items), self.jobs.workers)
        futures = []
        for chunk in chunks:
            if self.stop():
                raise Cancelled()
            futures.append(self.jobs.submit(run_chunk, token, prepare, state, work, chunk))
        out: list[Any] = []
        done = 0
        for chunk, future in zip(chunks, futures):
            if self.stop():
                raise Cancelled()
            answers, pid, rss, cpu = future.result()
            self.memory[pid] = max(rss, self.memory.get(pid, 0))
            self.cpu[pid] = max(cpu, self.cpu.get(pid, 0.0))
            out += answers
            done += len(chunk)
            if progress is not None:
                progress(done, len(items))
        return out


class Cancelled(RuntimeError):
    """The work was cancelled from the page."""


def uncertainty_job(jobs: Jobs, data: dict[str, Any], folder: Any, samples: int,
                    progress: Callable[[int, int], None], stop: Callable[[], bool] = lambda: False) -> Answer:
    """P10/P50/P90 of the plan's figures over the instance's `uncertainty:` block (run in a
    thread of the page: the scenarios go to the pool in chunks, as `plan uncertainty --workers`)."""
    from planner.analysis.uncertainty import run_uncertainty
    from planner.input.loading import instance_from_dict

    try:
        instance = instance_from_dict(data)
        return "ok", run_uncertainty(instance, samples, runner=PoolRunner(jobs, stop), progress=progress,
                                     base_dir=folder)
    except InputError as exc:
        return "input", one_line(str(exc))


__all__ = ["Jobs", "PoolRunner", "Cancelled", "solve_job", "frontier_job", "rank_job", "uncertainty_job", "Answer"]
