"""Issue 18 item 4: statuses and objectives are compared through planner.constants' enums
(PlanStatus, Objective), never as bare strings, so a renamed or added status has one home. The
test reads planner/ as text and fails on any comparison with a bare status or objective word."""

from __future__ import annotations

import re
from pathlib import Path

PLANNER = Path(__file__).resolve().parent.parent / "planner"
STATUSES = ("optimal", "within_gap", "infeasible", "time_limit", "error", "unknown")
OBJECTIVES = ("cost", "co2", "time", "loss", "weighted")
WORD = "|".join(STATUSES + OBJECTIVES)
COMPARED = re.compile(rf"""(==|!=)\s*["']({WORD})["']|["']({WORD})["']\s*(==|!=)""")
IN_TUPLE = re.compile(rf"""\bin\s*[(\[{{][^()\[\]{{}}]*["']({WORD})["'][^()\[\]{{}}]*[)\]}}]""")
#: Comparisons with the same words that are not a status or an objective: a limit's unit.
NOT_STATUS = re.compile(r"\bunit\s*==")


def bare_comparisons(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if (COMPARED.search(line) or IN_TUPLE.search(line)) and not NOT_STATUS.search(line)]


def test_the_pattern_finds_what_it_must():
    """The checker's own cases, written by hand (a grep that finds nothing proves nothing)."""
    assert bare_comparisons('if result.status == "optimal":')
    assert bare_comparisons("if 'loss' != objective:")
    assert bare_comparisons('x = 1 if status in ("optimal", "time_limit") else 2')
    assert bare_comparisons('if objective not in {"cost", "co2"}:')
    assert not bare_comparisons("if result.status == PlanStatus.OPTIMAL:")
    assert not bare_comparisons('if objective in (Objective.TIME, "flops", "tokens"):')
    assert not bare_comparisons('if lim.unit == "loss":')
    assert not bare_comparisons('_EXIT = {"optimal": 0}')


def test_no_module_compares_a_status_or_objective_as_a_bare_string():
    found = []
    for path in sorted(PLANNER.rglob("*.py")):
        if path.name == "constants.py":  # the enums' own home
            continue
        found += [f"{path.relative_to(PLANNER.parent)}: {line}" for line in bare_comparisons(path.read_text(encoding="utf-8"))]
    assert not found, "compare through planner.constants (PlanStatus, Objective):\n" + "\n".join(found)
