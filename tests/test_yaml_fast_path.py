"""The libyaml fast path of planner.input.yaml_safe.load_text reads exactly what the pure-Python
SafeLoader reads (the YAML 1.2 scalars, duplicate keys refused), and text that could hold an alias
or a tag never takes it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from planner.input import yaml_safe
from planner.input.yaml_safe import SafeLoader, YamlRefused, load_text

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted([*ROOT.glob("instances/*.yaml"), *ROOT.glob("planner/input/catalog/*.yaml"),
                *ROOT.glob("tests/data/**/*.yaml")])
SCALARS = "a: 1e13\nb: 012\nc: 0x1F\nd: yes\ne: ~\nf: .inf\ng: 2024-01-01\nh: 405_000_000\ni: -1.5e-3\nj: 'x'\nk: on\n"


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_fast_path_reads_what_the_safe_loader_reads(path):
    text = path.read_text(encoding="utf-8")
    assert load_text(text) == yaml.load(text, Loader=SafeLoader)  # noqa: S506


def test_yaml_12_scalars_on_the_fast_path():
    assert yaml_safe.FastLoader is not None
    fast = yaml.load(SCALARS, Loader=yaml_safe.FastLoader)  # noqa: S506
    assert fast == yaml.load(SCALARS, Loader=SafeLoader) == {  # noqa: S506
        "a": 1e13, "b": 12, "c": 31, "d": "yes", "e": None, "f": float("inf"), "g": "2024-01-01",
        "h": 405_000_000, "i": -1.5e-3, "j": "x", "k": "on"}


def test_duplicate_keys_are_refused_on_both_paths():
    with pytest.raises(YamlRefused, match="given twice"):
        load_text("a: 1\nb: 2\na: 3\n")


def test_aliases_and_tags_take_the_safe_path(monkeypatch):
    used = []
    monkeypatch.setattr(yaml_safe, "FastLoader", type("Spy", (), {"__init__": lambda *a: used.append(1)}))
    with pytest.raises(YamlRefused, match="aliases"):
        load_text("a: &x [1, 2]\nb: *x\n")
    with pytest.raises(YamlRefused, match="not allowed"):
        load_text("a: !!python/object/apply:os.system ['true']\n")
    assert used == []
