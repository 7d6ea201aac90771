"""Shared builders of the test suite.

Paths: ROOT (the checkout), DATA (tests/data), TINY (tests/data/sweep_tiny.yaml: 4 sizes, 2 GPUs,
4 regions, 2 recipes, solved in milliseconds), INSTANCES (the bundled instances/*.yaml).

Builders of instance files in code: tests/builders.py (weighted_grid: a many-row `weighted` instance).

Fixtures:
    write_instance(changes, drop=(), base=TINY) -> Path   a copy of an instance file with top-level
                                                          keys replaced or dropped, in tmp_path
    tiny_data() -> dict                                    TINY as read from YAML (a fresh copy)

Markers: `slow` (seconds each: fits, pools, fresh processes); `pytest -m "not slow"` is the quick
loop, the whole suite runs them. Unknown markers are errors and an xfail that passes fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
TINY = DATA / "sweep_tiny.yaml"
INSTANCES = sorted((ROOT / "instances").glob("*.yaml"))


@pytest.fixture
def tiny_data():
    """TINY as a mapping (planner.input.loading.read_yaml), a fresh copy per test."""
    from planner.input.loading import read_yaml

    return read_yaml(TINY)


@pytest.fixture
def write_instance(tmp_path):
    """write_instance(changes, drop=(), base=TINY) -> the path of the changed copy (module docstring)."""
    from planner.input.loading import parse_yaml

    def write(changes: dict, drop: tuple[str, ...] = (), base: Path = TINY, name: str = "instance.yaml") -> Path:
        data = parse_yaml(Path(base).read_text())
        for key in drop:
            data.pop(key, None)
        data.update(changes)
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    return write
