"""What a bundled instance's comment says the planner finds must be true.

Every instances/*.yaml states its figures on structured comment lines, checked here against
`plan solve FILE --format json` (run in-process, exactly as the console script):

    # expect: status=optimal model_params=13e9 gpu=H100 cost_usd.total=1.086e6
    # expect with --set model_sizes=[405e9]: gpu_hours=30.5e6
    # expect with --objective co2: region=sweden

KEY is a key of the JSON answer: a plan key (`gpu`, `duration_days`, dotted for nested ones:
`cost_usd.total`, `co2_t.embodied`), else a top-level key (`status`, `needed.limits.deadline_days`),
or `exit` (the exit code). A number matches within a relative 2% (comments round to 3 digits); text
must be equal; `binding=a,b` compares the set. Everything after `with` and before the colon are
extra `plan solve` options.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from cli_run import run_main
from planner.formulas.record import flat as flatten

INSTANCES = sorted((Path(__file__).resolve().parent.parent / "instances").glob("*.yaml"))
EXPECT = re.compile(r"^#\s*expect(?:\s+with\s+(?P<options>.+?))?:\s+(?P<pairs>\S.*)$")
REL_TOL = 0.02


def expectations(path: Path) -> list[tuple[list[str], dict[str, str]]]:
    """(extra options, {key: expected text}) for every `# expect` line of an instance file."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = EXPECT.match(line.strip())
        if match is None:
            continue
        options = shlex.split(match.group("options") or "")
        pairs = dict(item.split("=", 1) for item in match.group("pairs").split())
        out.append((options, pairs))
    return out


CASES = [pytest.param(path, options, pairs, id=f"{path.stem}{'[' + ' '.join(options) + ']' if options else ''}")
         for path in INSTANCES for options, pairs in expectations(path)]


def test_every_bundled_instance_states_what_the_planner_finds():
    assert INSTANCES
    for path in INSTANCES:
        assert expectations(path), f"{path.name}: no `# expect:` line"


def test_expect_lines_parse():
    options, pairs = expectations(INSTANCES[0])[0] if INSTANCES else ([], {})
    assert isinstance(options, list) and pairs
    match = EXPECT.match("# expect with --set model_sizes=[405e9]: status=optimal gpu_hours=30.5e6")
    assert match and shlex.split(match.group("options")) == ["--set", "model_sizes=[405e9]"]


def _matches(expected: str, actual) -> bool:
    if isinstance(actual, list):
        return set(expected.split(",")) == set(map(str, actual))
    try:
        number = float(expected)
    except ValueError:
        return str(actual) == expected
    if isinstance(actual, bool) or not isinstance(actual, (int, float)):
        return False
    return abs(actual - number) <= REL_TOL * max(abs(number), 1e-12)


@pytest.mark.parametrize(("path", "options", "pairs"), CASES)
def test_comment_figures_are_what_plan_solve_finds(monkeypatch, capsys, path, options, pairs):
    code, out, err = run_main(monkeypatch, capsys, "solve", path, "--format", "json", *options)
    assert out, err
    answer = json.loads(out)
    plan = flatten(answer.get("plan") or {})
    top = flatten({k: v for k, v in answer.items() if k != "plan"})
    top["binding"] = answer.get("binding")
    wrong = []
    for key, expected in pairs.items():
        actual = code if key == "exit" else plan.get(key, top.get(key))
        if key == "exit":
            ok = str(actual) == expected
        else:
            ok = actual is not None and _matches(expected, actual)
        if not ok:
            wrong.append(f"{key}: comment says {expected}, plan solve gives {actual}")
    assert not wrong, f"{path.name} {' '.join(options)}: " + "; ".join(wrong)
