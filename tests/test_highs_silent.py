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


# Issue 23: the banner reaches neither stream in any command, nor from a worker process (a pool
# forked before or spawned without the parent ever making a Highs object, the page's pool).

import os  # noqa: E402

import pytest  # noqa: E402

COMMANDS = {
    "solve": ["solve", "instances/startup-7b.yaml"],
    "whatif": ["whatif", "instances/startup-7b.yaml", "--vary", "staff_usd_per_day=0,1000", "--workers", "2", "-q"],
    "uncertainty": ["uncertainty", "instances/startup-7b.yaml", "-k", "4", "--workers", "2", "--reoptimize", "-q"],
    "compare": ["compare", "instances/startup-7b.yaml", "instances/us-vs-nordic.yaml", "--workers", "2"],
    "rank": ["rank", "instances/us-vs-nordic.yaml"],
    "frontier": ["frontier", "instances/startup-7b.yaml", "--points", "3", "-q"],
    "campaign": ["campaign", "instances/campaigns/campaign-carbon-shift.yaml"],
}


def _no_banner(proc: subprocess.CompletedProcess) -> None:
    for stream in (proc.stdout, proc.stderr):
        assert "Running HiGHS" not in stream and "Copyright" not in stream, stream[-800:]


#: every command under fork; under spawn too where it has pool workers
CASES = [(c, "fork") for c in sorted(COMMANDS)] + [(c, "spawn") for c in ("compare", "uncertainty", "whatif")]


@pytest.mark.parametrize("command, method", CASES)
def test_no_command_writes_the_banner_even_from_workers(command, method):
    proc = subprocess.run([sys.executable, "cli.py", *COMMANDS[command]], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PLAN_START_METHOD": method})
    assert proc.returncode == 0, proc.stderr[-800:]
    _no_banner(proc)


def test_the_page_pool_writes_nothing_of_highs():
    """`plan page` solves in its own forked pool, before its own process made any Highs object."""
    code = ("from planner.page.jobs import Jobs, solve_job\n"
            "from planner.input.loading import read_with_changes, resolve_catalog_names\n"
            "jobs = Jobs(2)\n"
            "data = resolve_catalog_names(read_with_changes('instances/startup-7b.yaml'))\n"
            "answers = [jobs.submit(solve_job, data) for _ in range(2)]\n"
            "print(*[a.result()[1].status for a in answers])\n"
            "jobs.close()\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.stdout == "optimal optimal\n" and proc.stderr == "", (proc.stdout, proc.stderr)
