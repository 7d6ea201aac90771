"""Issue 23, classes 4 and 6 for values given on the command line: an extreme value given through
`--set`, `--vary` or `--dist` is named as written there (not as the base instance's most extreme
number, nor as a generic "inputs are too extreme" line), and one field given twice under two
spellings (`gpus[0].mfu`, `gpus[H100].mfu`) is refused with both spellings, never silently
replaced. Each test failed before the change."""

from __future__ import annotations

import json
from pathlib import Path

from cli_run import run_main

HERE = Path(__file__).parent
BASE = HERE / "adversarial" / "base.yaml"  # one GPU (H100, gpus[0]), one region, a fixed plan


def bad_input(code: int, out: str, err: str, fragment: str) -> None:
    assert code == 2, (code, err[-1500:])
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("error: ") and fragment in err, err


# -- class 6: the extreme value named with the option and path that gave it ------------------------


def test_an_extreme_vary_value_is_named_as_written(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "whatif", BASE, "--vary", "gpus[H100].mfu=1e-308,0.4", "-q")
    bad_input(code, out, err, "error: --vary gpus[H100].mfu: 1e-308 is too extreme to compute with")


def test_an_extreme_vary_value_is_named_with_workers(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "whatif", BASE, "--vary", "gpus[0].mfu=0.4,5e-324",
                              "--workers", "2", "-q")
    bad_input(code, out, err, "error: --vary gpus[0].mfu: 4.94066e-324 is too extreme")


def test_an_extreme_set_value_is_named_as_written(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "solve", BASE, "--set", "gpus[H100].mfu=1e-308")
    bad_input(code, out, err, "error: --set gpus[H100].mfu: 1e-308 is too extreme")


def test_an_extreme_swing_fraction_set_or_varied_is_named(monkeypatch, capsys):
    swing = ("--set", "regions[us-east].max_swing_mw=50")
    code, out, err = run_main(monkeypatch, capsys, "solve", BASE, *swing,
                              "--set", "regions[us-east].swing_fraction=5e-324")
    bad_input(code, out, err, "error: --set regions[us-east].swing_fraction: 4.94066e-324 is too extreme")
    code, out, err = run_main(monkeypatch, capsys, "whatif", BASE, *swing,
                              "--vary", "regions[0].swing_fraction=5e-324,0.5", "-q")
    bad_input(code, out, err, "error: --vary regions[0].swing_fraction: 4.94066e-324 is too extreme")


def test_the_command_line_value_wins_only_when_it_is_the_more_extreme(tmp_path):
    """The walk's own choice, set by hand: a noted --vary value against the instance's numbers."""
    from planner.cli import extremes
    from planner.input import loading

    loading.forget_changes()
    loading._LAST_LOADED[0] = {"gpus": [{"name": "H100", "mfu": 1e-40}], "x": 1e-100}
    assert extremes.culprit() == ("x", 1e-100)  # nothing noted: the instance's most extreme
    loading.note_changes("--vary", lambda: [("gpus[H100].mfu", 0.4), ("gpus[H100].mfu", 1e-200)])
    assert extremes.culprit() == ("--vary gpus[H100].mfu", 1e-200)
    loading.note_changes("--dist", lambda: [("--dist gpus[*].mfu (gpus[H100].mfu)", 1e-300)])
    assert extremes.culprit() == ("--dist gpus[*].mfu (gpus[H100].mfu)", 1e-300)
    loading._LAST_LOADED[0] = {"y": 1e305}  # 305 decades from 1 beats 300
    assert extremes.culprit() == ("y", 1e305)
    loading.forget_changes()
    assert extremes.culprit() is None


def test_an_extreme_draw_is_an_invalid_scenario_naming_it(monkeypatch, capsys):
    """The fixed plan priced at mfu ~ 1e-308 cost NaN, counted as a valid scenario meeting the
    budget 100% of the time: now each such scenario is left out with the drawn value named. Here
    every draw is that extreme, so every scenario is invalid: bad input (exit 2, issue 23), the
    line naming the first scenario's drawn value."""
    import re

    code, out, err = run_main(monkeypatch, capsys, "uncertainty", BASE, "-k", "3", "--format", "json",
                              "--dist", "gpus[*].mfu=uniform(1e-308,2e-308)")
    assert code == 2 and out == "", err
    assert "all 3 scenarios are invalid" in err
    found = re.search(r"the drawn gpus\[H100\]\.mfu = (\S+) is too extreme", err)
    assert found is not None, err
    assert 1e-308 <= float(found.group(1)) <= 2e-308


# -- class 4: one field, two spellings -------------------------------------------------------------


def test_dist_by_index_and_by_name_is_refused(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "uncertainty", BASE, "-k", "3",
                              "--dist", "gpus[0].mfu=uniform(0.3,0.4)", "--dist", "gpus[H100].mfu=uniform(0.3,0.4)")
    bad_input(code, out, err, "--dist gpus[H100].mfu: gpus[H100].mfu is also drawn by --dist gpus[0].mfu")


def test_dist_by_star_and_by_name_is_refused(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "uncertainty", BASE, "-k", "3",
                              "--dist", "gpus[*].mfu=uniform(0.3,0.4)", "--dist", "gpus[0].mfu=uniform(0.3,0.4)")
    bad_input(code, out, err, "is also drawn by --dist gpus[*].mfu")


def test_the_same_dist_twice_is_refused(monkeypatch, capsys):
    """The second silently replaced the first."""
    code, out, err = run_main(monkeypatch, capsys, "uncertainty", BASE, "-k", "3",
                              "--dist", "gpus[0].mfu=uniform(0.3,0.4)", "--dist", "gpus[0].mfu=uniform(0.1,0.2)")
    bad_input(code, out, err, "--dist gpus[0].mfu: given twice")


def test_dist_replaces_the_blocks_entry_for_the_same_field_however_written(monkeypatch, capsys, tmp_path):
    """An `uncertainty:` entry `gpus[0].mfu` and `--dist gpus[H100].mfu`: the option replaces the
    entry (as it does when both are written alike), so the draws are the option's."""
    path = tmp_path / "block.yaml"
    path.write_text(BASE.read_text(encoding="utf-8") + "uncertainty:\n  gpus[0].mfu: uniform(0.1, 0.2)\n",
                    encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "uncertainty", path, "-k", "4", "--format", "json",
                              "--dist", "gpus[H100].mfu=uniform(0.3,0.4)")
    assert code == 0, err
    doc = json.loads(out)
    assert [d["path"] for d in doc["distributions"]] == ["gpus[H100].mfu"]
    assert all(0.3 <= row["gpus[H100].mfu"] <= 0.4 for row in doc["scenarios"])


def test_set_and_vary_of_one_field_are_refused(monkeypatch, capsys):
    """`--set gpus[H100].mfu=0.4` was replaced at every point by `--vary gpus[0].mfu`, silently."""
    code, out, err = run_main(monkeypatch, capsys, "whatif", BASE, "--vary", "gpus[0].mfu=0.3,0.35",
                              "--set", "gpus[H100].mfu=0.4", "-q")
    bad_input(code, out, err, "--set/--vary gpus[0].mfu: given twice (as 'gpus[H100].mfu')")


def test_set_and_vary_of_different_fields_still_run(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "whatif", BASE, "--vary", "gpus[0].mfu=0.3",
                              "--set", "staff_usd_per_day=4000", "--format", "json", "-q")
    assert code == 0, err
    assert json.loads(out)["rows"][0]["inputs"] == {"gpus[0].mfu": 0.3}
