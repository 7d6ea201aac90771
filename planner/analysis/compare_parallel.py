"""`plan compare --workers N` / `--scheduler ADDRESS`: each scenario's frontier on its own worker.

The frontiers of a comparison are independent (each run_frontier builds its own SweepSession), so
they run as tasks of planner.analysis.executor.Runner and give the same frontiers and win ranges
as planner.analysis.frontier.run_compare in one process (the tests compare them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from planner.input.schema import Instance


def _prepare(state: tuple) -> tuple:
    return state  # (minimize, limit, points, options): nothing to build per worker


def _frontier(context: tuple, item: tuple[Instance, str]) -> Any:
    from planner.analysis.frontier import run_frontier

    minimize, limit, points, options = context
    instance, name = item
    return run_frontier(instance, minimize, limit, points, options=options, name=name)


def run_compare_on(runner: Any, instances: Sequence[Instance], minimize: str, limit: str, points: int | str,
                   names: Sequence[str], options: Any = None,
                   progress: Callable[[int, int], None] | None = None) -> tuple[list, list]:
    """(frontiers, win ranges) of `instances`, each frontier a task of `runner`."""
    from planner.analysis.frontier import check_request, win_ranges

    check_request(minimize, limit, points)
    fronts = runner.map(_prepare, (minimize, limit, points, options), _frontier, list(zip(instances, names)),
                        progress=progress)
    return fronts, win_ranges(fronts)
