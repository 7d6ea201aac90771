"""Test helper: a 2-worker Dask LocalCluster on the loopback interface, without Dask's own
start-up and shut-down warnings (not this project's to fix; pytest turns warnings into errors)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def local_cluster() -> Iterator[str]:
    """Yields the scheduler address of a LocalCluster (skips the test without distributed)."""
    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(distributed|dask|tornado)")
        warnings.filterwarnings("ignore", category=ResourceWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"distributed")
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                      dashboard_address=None) as cluster:
            yield cluster.scheduler_address
