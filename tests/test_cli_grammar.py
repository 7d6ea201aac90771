"""One grammar for every command that reads an instance: `--set PATH=VALUE` changes the input the
same way everywhere, `-o/--output FILE` writes what would be printed (and nothing on bad input)."""

import json
import pytest
from cli_run import run_main

STARTUP = "instances/startup-7b.yaml"
PLAN = {"model_params": 4.0e9, "tokens": 8.0e10, "gpu": "H100", "gpu_count": 64, "region": "us-east",
        "alignment": "DPO"}

COMMANDS = {
    "solve": [STARTUP],
    "whatif": [STARTUP, "--vary", "limits.budget_usd=2e6"],  # --set staff_usd_per_day below: another field
    "frontier": [STARTUP, "--points", "2"],
    "compare": [STARTUP, "instances/co2-regions.yaml", "--points", "2"],
    "rank": [STARTUP, "--by", "gpu"],
    "uncertainty": [STARTUP, "-k", "5", "--dist", "gpus[H100].mfu=normal(0.4,0.01)"],
}


@pytest.mark.parametrize("command", [*COMMANDS, "evaluate"])
def test_every_command_takes_set_and_output(monkeypatch, capsys, tmp_path, command, write_instance):
    args = COMMANDS.get(command) or [write_instance({"plan": PLAN})]
    target = tmp_path / "answer.txt"
    code, out, err = run_main(monkeypatch, capsys, command, *args, "--set", "staff_usd_per_day=5000",
                              "-o", target)
    assert code == 0, err
    assert out == "" and target.read_text().strip(), err


@pytest.mark.parametrize("command", [*COMMANDS, "evaluate"])
def test_set_with_an_unknown_path_is_refused_and_nothing_written(monkeypatch, capsys, tmp_path, command,
                                                                 write_instance):
    args = COMMANDS.get(command) or [write_instance({"plan": PLAN})]
    target = tmp_path / "answer.txt"
    code, out, err = run_main(monkeypatch, capsys, command, *args, "--set", "limits.budget=1", "-o", target)
    assert code == 2 and "limits.budget" in err and not target.exists(), err


def test_set_changes_the_answer_of_rank(monkeypatch, capsys):
    """A budget below every plan: rank has no plan for either GPU (exit 3), as solve has none."""
    code, out, _ = run_main(monkeypatch, capsys, "rank", STARTUP, "--by", "gpu", "--set", "limits.budget_usd=1000",
                            "--format", "json", "--no-explain")
    assert code == 3 and json.loads(out)["winner"] is None
    code, _, _ = run_main(monkeypatch, capsys, "solve", STARTUP, "--set", "limits.budget_usd=1000")
    assert code == 3

