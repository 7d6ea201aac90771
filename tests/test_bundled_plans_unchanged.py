"""Every bundled instance keeps the plan and objective recorded before the vocabulary refactor
(tests/data/bundled_plans.json, written by `python scripts/bundled_plans.py --record` on the code
before it): a refactor moves no answer by more than a relative 1e-9."""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("bundled_plans", ROOT / "scripts" / "bundled_plans.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bundled_plans_and_objectives_unchanged():
    script = _script()
    before = json.loads(script.RECORD.read_text())
    assert script.differences(before, script.current()) == []


def test_the_check_sees_a_moved_objective():
    script = _script()
    before = {"x": {"status": "optimal", "objective_value": 1.0, "plan": {"gpu": "H100"}}}
    moved = {"x": {"status": "optimal", "objective_value": 1.0 + 1e-8, "plan": {"gpu": "H100"}}}
    assert script.differences(before, moved) == ["x: objective_value 1.0 -> 1.00000001"]
    assert script.differences(before, before) == []
