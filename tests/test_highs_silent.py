"""HiGHS prints its copyright banner on stdout when the first Highs object of a process is made
(highspy 1.16, output_flag or not): `plan solve --format json | jq` would read it. A fresh process
(the banner is printed once per process) must write only the answer."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_solve_writes_nothing_of_highs():
    proc = subprocess.run([sys.executable, "cli.py", "solve", "instances/startup-7b.yaml", "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "HiGHS" not in proc.stdout and "HiGHS" not in proc.stderr
    assert json.loads(proc.stdout)["status"] == "optimal"  # stdout is the JSON and nothing else


def test_library_solve_writes_nothing_of_highs():
    code = ("from planner.input.loading import load_instance\n"
            "from planner.optimize.pipeline import solve_instance\n"
            "r = solve_instance(load_instance('instances/startup-7b.yaml'))\n"
            "print(r.status)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.stdout == "optimal\n" and proc.stderr == "", (proc.stdout, proc.stderr)
