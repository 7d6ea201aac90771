"""Run many independent tasks (scenarios) serially, on a local process pool, or on a Dask cluster.

    runner = Runner(workers=2)                       # or Runner(scheduler="tcp://host:8786")
    rows = runner.map(prepare, state, work, items, progress=bar)

`prepare(state)` turns the shared state (plain picklable data: the base instance as a mapping,
the paths set, the fixed plan...) into a context once per worker process, cached there under a
token; `work(context, item)` answers one item. Results come back in the order of `items`, and
each item is answered by the same pure function wherever it runs, so serial, pool and Dask give
identical results (randomness is drawn in the parent beforehand, never in a worker).

- serial (workers=1, no scheduler): in this process, item by item.
- pool (workers=N > 1): concurrent.futures.ProcessPoolExecutor (start method `fork` on Linux, so
  a worker inherits the loaded modules; `spawn` elsewhere; env PLAN_START_METHOD overrides); the
  state is sent once per worker (initializer), items in chunks. Workers ignore SIGINT: Ctrl-C
  reaches the parent, which terminates them and re-raises KeyboardInterrupt (nothing is written).
- Dask (scheduler=ADDRESS, or the environment variable PLAN_DASK_SCHEDULER through the CLI): a
  `distributed.Client` to an existing cluster; the state is scattered to every worker once
  (broadcast), chunks are submitted as tasks. The workers need this package installed
  (`pip install 'plan-llm[distributed]'`). Ctrl-C cancels the submitted tasks.

`Runner.memory` holds the peak resident memory (bytes) of every process that ran a chunk, by
process id, and `Runner.cpu` its CPU seconds: what `benchmarks/bench_uncertainty.py` reports per
worker.
"""

from __future__ import annotations

import math
import os
import sys
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from planner.errors import InputError

Progress = Callable[[int, int], None]

#: Chunks per worker (more: smoother progress and balance; fewer: less messaging).
CHUNKS_PER_WORKER = 20
MAX_CHUNK = 25

# Per worker process: token -> prepared context (the state is prepared once per process).
_CONTEXTS: dict[str, Any] = {}
_POOL_STATE: tuple[str, Callable, Any] | None = None


def _peak_rss_bytes() -> int:
    try:
        import resource
    except ImportError:  # pragma: no cover -- Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # Linux reports KiB


def _context(token: str, prepare: Callable, state: Any) -> Any:
    context = _CONTEXTS.get(token)
    if context is None:
        _CONTEXTS.clear()  # one run at a time per process: drop an earlier run's context
        context = _CONTEXTS[token] = prepare(state)
    return context


def run_chunk(token: str, prepare: Callable, state: Any, work: Callable,
              chunk: Sequence[Any]) -> tuple[list, int, int, float]:
    """Answer one chunk of items in this process: (answers, process id, peak RSS bytes, CPU
    seconds this process has used so far)."""
    import time

    context = _context(token, prepare, state)
    answers = [work(context, item) for item in chunk]
    return answers, os.getpid(), _peak_rss_bytes(), time.process_time()


def start_method() -> str:
    """`fork` where the platform has it (Linux: a worker starts with this process's imports, no
    seconds of re-importing Pyomo and HiGHS), else `spawn`; PLAN_START_METHOD overrides."""
    import multiprocessing

    chosen = os.environ.get("PLAN_START_METHOD", "").strip()
    if chosen:
        if chosen not in multiprocessing.get_all_start_methods():
            raise InputError("PLAN_START_METHOD", f"must be one of {', '.join(multiprocessing.get_all_start_methods())}")
        return chosen
    return "fork" if sys.platform == "linux" else "spawn"


def _die_with_parent(parent: int) -> None:
    """This worker ends when its parent does, however the parent ends (even SIGKILL): Linux's
    parent-death signal (prctl PR_SET_PDEATHSIG, SIGTERM), then a check that the parent did not
    die before it was set. Elsewhere the parent's own handlers end the workers (Runner._pool)."""
    if not sys.platform.startswith("linux"):
        return
    import signal

    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover -- no libc prctl
        return
    if os.getppid() != parent:
        os._exit(1)


def worker_signals(parent: int | None = None) -> None:
    """A worker process's signals (a pool's initializer, here and in the page's pool): Ctrl-C is
    the parent's to handle (it terminates the workers); SIGTERM and SIGHUP end the worker at once
    (the default action, not the parent's Python handler a fork inherits); the worker dies with
    its parent (`parent`: its pid)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    if parent is not None:
        _die_with_parent(parent)


def _pool_init(token: str, prepare: Callable, state: Any, parent: int | None = None) -> None:
    """A pool worker: its signals (worker_signals), and a HiGHS thread scheduler inherited through
    a fork is replaced (planner.optimize.solve.reset_after_fork)."""
    worker_signals(parent)
    import sys

    if "highspy" in sys.modules:   # forked from a process that has solved: HiGHS's threads are gone
        from planner.optimize.solve import reset_after_fork

        reset_after_fork()
    global _POOL_STATE
    _POOL_STATE = (token, prepare, state)
    _context(token, prepare, state)


def _pool_chunk(work: Callable, chunk: Sequence[Any]) -> tuple[list, int, int, float]:
    assert _POOL_STATE is not None
    token, prepare, state = _POOL_STATE
    return run_chunk(token, prepare, state, work, chunk)


def chunked(items: Sequence[Any], workers: int) -> list[list[Any]]:
    """Contiguous chunks, about CHUNKS_PER_WORKER per worker, at most MAX_CHUNK items each."""
    if not items:
        return []
    size = max(1, min(MAX_CHUNK, math.ceil(len(items) / (workers * CHUNKS_PER_WORKER))))
    return [list(items[k:k + size]) for k in range(0, len(items), size)]


#: Most local worker processes a run may start: each is a Python with numpy and HiGHS loaded, and a
#: 10,000-point sweep with `--workers 100000` would otherwise fork 10,000 of them.
MAX_WORKERS = max(64, 4 * (os.cpu_count() or 1))


@dataclass
class Runner:
    """Where tasks run: `workers` local processes (1 = this process), or a Dask scheduler."""

    workers: int = 1
    scheduler: str | None = None
    memory: dict[int, int] = field(default_factory=dict)  # pid -> peak RSS bytes
    cpu: dict[int, float] = field(default_factory=dict)   # pid -> CPU seconds (worker lifetime; serial: this run)

    def __post_init__(self) -> None:
        if not isinstance(self.workers, int) or self.workers < 1:
            raise InputError("--workers", f"must be a whole number >= 1, got {self.workers!r}")
        if self.workers > MAX_WORKERS:
            raise InputError("--workers", f"at most {MAX_WORKERS} (4 per CPU core, and never fewer than 64), "
                                          f"got {self.workers:,}")
        if self.scheduler is not None and not str(self.scheduler).strip():
            self.scheduler = None

    @property
    def kind(self) -> str:
        return "dask" if self.scheduler else ("pool" if self.workers > 1 else "serial")

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "workers": self.workers if not self.scheduler else None,
                "scheduler": self.scheduler}

    def map(self, prepare: Callable, state: Any, work: Callable, items: Sequence[Any],
            progress: Progress | None = None) -> list[Any]:
        """work(prepare(state), item) for every item, in order (module docstring)."""
        import time

        items = list(items)
        token = uuid.uuid4().hex
        self.memory, self.cpu = {}, {}
        if self.scheduler:
            return self._dask(token, prepare, state, work, items, progress)
        if self.workers > 1 and len(items) > 1:
            return self._pool(token, prepare, state, work, items, progress)
        out = []
        cpu_start = time.process_time()
        for done, item in enumerate(items, start=1):
            out.append(work(_context(token, prepare, state), item))
            if progress is not None:
                progress(done, len(items))
        self.memory[os.getpid()] = _peak_rss_bytes()
        self.cpu[os.getpid()] = time.process_time() - cpu_start
        return out

    def _collect(self, answers: list, pid: int, rss: int, cpu: float) -> list:
        self.memory[pid] = max(rss, self.memory.get(pid, 0))
        self.cpu[pid] = max(cpu, self.cpu.get(pid, 0.0))
        return answers

    def _pool(self, token: str, prepare: Callable, state: Any, work: Callable, items: list,
              progress: Progress | None) -> list:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        chunks = chunked(items, self.workers)
        results: list[list | None] = [None] * len(chunks)
        method = start_method()
        pool = ProcessPoolExecutor(max_workers=min(self.workers, len(chunks)),
                                   mp_context=multiprocessing.get_context(method),
                                   initializer=_pool_init, initargs=(token, prepare, state, os.getpid()))
        try:
            with warnings.catch_warnings():
                # 3.12+: fork while a thread runs (a progress bar's refresher) warns; the workers
                # only run planner code, never the thread's (rich's) locks
                warnings.filterwarnings("ignore", message=r".*fork\(\) may lead to deadlocks", category=DeprecationWarning)
                pending = {pool.submit(_pool_chunk, work, chunk): k for k, chunk in enumerate(chunks)}
            done_items = 0
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    k = pending.pop(future)
                    results[k] = self._collect(*future.result())
                    done_items += len(chunks[k])
                    if progress is not None:
                        progress(done_items, len(items))
        except BaseException:
            _terminate(pool)
            raise
        pool.shutdown(wait=True)
        return [answer for chunk in results for answer in chunk or []]

    def _dask(self, token: str, prepare: Callable, state: Any, work: Callable, items: list,
              progress: Progress | None) -> list:
        client = connect(self.scheduler)
        try:
            workers = wait_for_workers(client, self.scheduler)
        except BaseException:
            _close(client)
            raise
        futures = []
        try:
            from distributed import as_completed

            [shared] = client.scatter([state], broadcast=True, hash=False)
            chunks = chunked(items, workers)
            futures = [client.submit(run_chunk, token, prepare, shared, work, chunk, pure=False,
                                     key=f"plan-chunk-{token}-{k}") for k, chunk in enumerate(chunks)]
            index = {f.key: k for k, f in enumerate(futures)}
            results: list[list | None] = [None] * len(chunks)
            done_items = 0
            for future in as_completed(futures, loop=client.loop):
                k = index[future.key]
                results[k] = self._collect(*future.result())
                done_items += len(chunks[k])
                if progress is not None:
                    progress(done_items, len(items))
            return [answer for chunk in results for answer in chunk or []]
        except BaseException:
            if futures:
                try:
                    client.cancel(futures)
                except Exception:  # noqa: BLE001 -- the connection may be gone
                    pass
            raise
        finally:
            _close(client)


#: Seconds to wait for a Dask scheduler to answer, and then for it to have a worker.
DASK_CONNECT_S = 10.0
DASK_WORKERS_S = 10.0


def connect(address: str):
    """A distributed.Client to `address` (InputError when dask is missing, the address cannot be
    used, or nothing answers within DASK_CONNECT_S)."""
    from planner.errors import clip

    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler", "needs Dask: pip install 'plan-llm[distributed]' "
                         "(dask[distributed])") from None
    scheme = address.partition("://")[0].lower() if "://" in address else "tcp"
    if scheme in ("tls", "wss") and not _dask_tls_configured():
        raise InputError("--scheduler", f"{clip(address)}: a {scheme}:// scheduler needs TLS certificates in "
                         "Dask's configuration (distributed.comm.tls.client.cert / .key / ca-file); "
                         "set them, or give a tcp:// address")
    try:
        return Client(address, timeout=f"{DASK_CONNECT_S:g}s", set_as_default=False)
    except Exception as exc:  # noqa: BLE001 -- distributed raises many kinds for a bad address
        raise InputError("--scheduler", f"cannot connect to {clip(address)} "
                         f"({type(exc).__name__}: {clip(str(exc), 160)})") from None


def _dask_tls_configured() -> bool:
    try:
        import dask

        return bool(dask.config.get("distributed.comm.tls.client.cert", None)
                    or dask.config.get("distributed.comm.tls.ca-file", None))
    except Exception:  # noqa: BLE001
        return False


def wait_for_workers(client: Any, address: str) -> int:
    """How many workers the scheduler has, waiting up to DASK_WORKERS_S for the first: a
    scheduler with none would hold every task forever (InputError)."""
    from planner.errors import clip

    def count() -> int:
        try:
            info = client.scheduler_info(n_workers=-1)
        except TypeError:  # older distributed: no n_workers argument
            info = client.scheduler_info()
        return len(info.get("workers", {}))

    if count():
        return count()
    try:
        client.wait_for_workers(1, timeout=DASK_WORKERS_S)
    except Exception:  # noqa: BLE001 -- TimeoutError (its kind differs between versions)
        raise InputError("--scheduler", f"the Dask scheduler at {clip(address)} has no workers "
                         f"(none joined within {DASK_WORKERS_S:g} s); start some with dask-worker "
                         f"{clip(address)}") from None
    return max(1, count())


def _close(client: Any) -> None:
    try:
        client.close(timeout=5)
    except Exception:  # noqa: BLE001 -- closing a half-broken connection: nothing more to do
        pass


def _terminate(pool: Any) -> None:
    """End a process pool now: cancel what has not started, terminate the workers, and wait until
    each has exited. shutdown() forgets the process table, so it is read first; a worker that is
    not in it (one the pool was still starting) is found among this process's children by the
    pool's call queue, which every worker of this pool was started with."""
    import multiprocessing

    queue = getattr(pool, "_call_queue", None)
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public way to kill workers
    pool.shutdown(wait=False, cancel_futures=True)
    processes += [child for child in multiprocessing.active_children()
                  if child not in processes and queue is not None and getattr(child, "_args", (None,))[:1] == (queue,)]
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)
    # The pool's manager thread may reap a worker at the same moment (then this thread's waitpid
    # finds no child and the exit code is recorded by the other thread a little later): wait for it.
    import time

    deadline = time.monotonic() + 5.0
    while any(process.exitcode is None for process in processes) and time.monotonic() < deadline:
        time.sleep(0.01)


def terminate_pool(pool: Any) -> None:
    """End a ProcessPoolExecutor now, its running tasks too (`plan page`'s cancel button)."""
    _terminate(pool)


__all__ = ["Runner", "run_chunk", "chunked", "connect", "start_method", "terminate_pool"]
