"""Every bad input answered clearly: exit code 2, one `error: <field>: <problem>` line on stderr, no
traceback, nothing on stdout.

The corpus is tests/bad_inputs/: one file per case (YAML, or bytes that are not YAML text) and
expectations.tsv, a table `file <TAB> command <TAB> message fragment`; `command` is solve,
evaluate or both. The CLI is run in-process through `cli.main()` (the console-script entry point
that maps InputError to exit 2), and once per command in a real subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import cli
from planner.errors import InputError
from planner.input.loading import load_instance, parse_yaml, read_yaml
from cli_run import run_main

CORPUS = Path(__file__).parent / "bad_inputs"
TABLE = CORPUS / "expectations.tsv"
SENTINEL = Path("/tmp/plan-bad-inputs-pwned")  # named by the python-tag cases of the corpus


def _table() -> list[tuple[str, str, str]]:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, command, fragment = line.split("\t")
            rows.append((name, command, fragment))
    return rows


CASES = [
    pytest.param(name, command, fragment, id=f"{command}-{name}")
    for name, which, fragment in _table()
    for command in ("solve", "evaluate")
    if which in (command, "both")
]



def test_the_table_lists_every_corpus_file_once():
    listed = [name for name, _, _ in _table()]
    assert len(listed) == len(set(listed))
    on_disk = {p.name for p in CORPUS.iterdir() if p.name != TABLE.name}
    assert on_disk == set(listed)
    assert len(listed) >= 80


@pytest.mark.parametrize(("name", "command", "fragment"), CASES)
def test_bad_input_gives_one_message_and_exit_2(monkeypatch, capsys, name, command, fragment):
    SENTINEL.unlink(missing_ok=True)
    code, out, err = run_main(monkeypatch, capsys, command, CORPUS / name, "--format", "json")
    assert code == 2, (out, err)
    assert out == "", "nothing may be written on bad input"
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert fragment in err, err
    assert "Traceback" not in err
    assert not SENTINEL.exists(), "a python tag was executed"


#: Other commands that read an instance file, with the options each needs to get that far.
OTHER_COMMANDS = {
    "whatif": ["--vary", "carbon_price_usd_per_t=0,10"],
    "frontier": [],
    "compare": [],
}


@pytest.mark.parametrize("command", sorted(OTHER_COMMANDS))
@pytest.mark.parametrize(("name", "fragment"), [pytest.param(n, f, id=n) for n, w, f in _table() if w == "both"])
def test_every_command_reading_an_instance_answers_the_same(monkeypatch, capsys, command, name, fragment):
    if command not in getattr(cli, "COMMANDS", cli.group.commands):
        pytest.skip(f"no `plan {command}` in this build")
    SENTINEL.unlink(missing_ok=True)
    code, out, err = run_main(monkeypatch, capsys, command, CORPUS / name, *OTHER_COMMANDS[command])
    assert code == 2, (out[-300:], err)
    assert out == "" and err.startswith("error: ") and err.count("\n") == 1, err
    assert fragment in err
    assert not SENTINEL.exists()


@pytest.mark.parametrize("command", ["solve", "evaluate"])
def test_bad_input_in_a_real_process(command):
    proc = subprocess.run([sys.executable, "-c", "import cli; cli.main()", command,
                           str(CORPUS / "mfu_above_one.yaml")],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == "error: gpus[0].mfu: must be in (0, 1], got 1.7\n"


def test_table_format_writes_nothing_either(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "solve", CORPUS / "budget_nan.yaml")
    assert code == 2 and out == "" and "limits.budget_usd" in err


def test_input_error_names_field_and_problem_separately():
    with pytest.raises(InputError) as info:
        load_instance(CORPUS / "mfu_above_one.yaml")
    assert info.value.field == "gpus[0].mfu"
    assert info.value.problem == "must be in (0, 1], got 1.7"
    with pytest.raises(InputError) as info:
        load_instance(CORPUS / "offer_unknown_gpu.yaml")
    assert info.value.field == "regions[0].offers.B300"


def test_missing_file_and_directory(monkeypatch, capsys, tmp_path):
    code, out, err = run_main(monkeypatch, capsys, "solve", tmp_path / "nope.yaml")
    assert code == 2 and out == "" and "file not found" in err
    with pytest.raises(InputError, match="is a directory"):
        read_yaml(tmp_path)


def test_python_tags_never_execute(tmp_path):
    target = tmp_path / "pwned"
    for text in (
        f"!!python/object/apply:os.system ['touch {target}']\n",
        f"name: !!python/object/apply:subprocess.call [[touch, {target}]]\n",
        f"name: !!python/object/new:os.system ['touch {target}']\n",
        f"gpus:\n  - !!python/object/apply:os.system ['touch {target}']\n",
    ):
        path = tmp_path / "evil.yaml"
        path.write_text(text)
        with pytest.raises(InputError, match="is not allowed"):
            load_instance(path)
    assert not target.exists()


def test_alias_bombs_are_refused_quickly():
    levels = ["a: &a [" + ", ".join(["lol"] * 10) + "]"]
    for k in range(1, 30):  # 10^30 strings if expanded
        levels.append(f"x{k}: &x{k} [" + ", ".join([f"*{'a' if k == 1 else f'x{k - 1}'}"] * 10) + "]")
    text = "\n".join(levels) + "\n"
    start = time.perf_counter()
    with pytest.raises(InputError, match="aliases"):
        parse_yaml(text)
    assert time.perf_counter() - start < 0.5


def test_yaml_1_2_scalars_are_read_as_a_planner_expects():
    data = parse_yaml("a: 1e13\nb: 2024-01-01\nc: no\nd: 012\ne: 405_000_000_000\nf: 0x10\ng: 1:30\nh: .5\n"
                      "i: ~\nj: True\nk: -.inf\n")
    assert data == {"a": 1e13, "b": "2024-01-01", "c": "no", "d": 12, "e": 405_000_000_000, "f": 16,
                    "g": "1:30", "h": 0.5, "i": None, "j": True, "k": -float("inf")}
    assert isinstance(data["a"], float) and isinstance(data["d"], int)
