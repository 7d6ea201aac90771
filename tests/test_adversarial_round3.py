"""Issue 23 (reliability, third round): one test (at least) per class of the issue, each failing
before the fix. The contract: bad input exits 2 with one line naming the field and writes
nothing; an internal error exits 1 with one line; no traceback ever; no process of a run
survives a signal; no hang past the documented caps (README, "Limits and exit codes").

Classes: 1 tracebacks, 2 orphan workers, 3 hangs and unbounded work, 4 silent wrong answers,
5 outputs that overwrite or lose data, 6 messages that name no field, 7 names as terminal
control, 8 one JSON document.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from cli_run import run_main

HERE = Path(__file__).parent
ROOT = HERE.parent
BASE = (HERE / "adversarial" / "base.yaml").read_text(encoding="utf-8")
FIT_RUNS = HERE / "data" / "fit_runs.csv"
MESSAGE_LIMIT = 600


def assert_bad_input(code: int, out: str, err: str, fragment: str | None = None) -> None:
    assert code == 2, (code, out[-500:], err[-2000:])
    assert out == "", "nothing may be written on stdout for bad input"
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert len(err) <= MESSAGE_LIMIT + 10 and "Traceback" not in err
    if fragment is not None:
        assert fragment in err, err


def assert_internal(code: int, err: str, fragment: str | None = None) -> None:
    assert code == 1, (code, err[-2000:])
    lines = [line for line in err.splitlines() if not _highs_banner(line)]
    assert len(lines) == 1 and "Traceback" not in err, err
    if fragment is not None:
        assert fragment in err, err


def _highs_banner(line: str) -> bool:
    """HiGHS prints its banner on descriptor 1 when it starts; plan sends it to stderr."""
    return line.startswith("Running HiGHS") or line.startswith("Includes third-party")


def plan_process(*args, **kwargs) -> subprocess.Popen:
    """A real `plan` process (python cli.py, as the console script), in its own session."""
    return subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True, **kwargs)


def run_plan(*args, timeout: float = 120, **kwargs) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)], capture_output=True,
                          timeout=timeout, **kwargs)
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


def base_file(tmp_path: Path, text: str = BASE, name: str = "base.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- class 2: workers end with their parent ----------------------------------------------------------


def _session(sid: int) -> list[int]:
    """Live (not zombie) processes of session `sid` (the run and every process it started)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] != "Z":
                found.append(int(entry))
    return found


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _long_run(command: str, tmp_path: Path) -> list:
    path = base_file(tmp_path)
    if command == "uncertainty":
        return ["uncertainty", path, "-k", "200000", "--dist", "gpus[0].mfu=normal(0.4,0.01)", "--reoptimize",
                "--workers", "2", "-q", "--format", "json"]
    if command == "whatif":
        return ["whatif", path, "--vary", "staff_usd_per_day=0:1000:9000", "--workers", "2", "-q", "--format", "json"]
    others = []
    for k in range(4):
        other = base_file(tmp_path, BASE.replace("name: tiny", f"name: s{k}").replace(
            "[1.0e9, 7.0e9]", f"{{min: 1.0e8, max: {2 + k}.0e10, count: 400}}"), f"s{k}.yaml")
        others.append(other)
    return ["compare", *others, "--points", "all", "--minimize", "cost", "--limit", "co2", "--workers", "2", "-q",
            "--format", "json"]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP", "SIGINT"])
@pytest.mark.parametrize("command", ["uncertainty", "whatif", "compare"])
def test_no_worker_outlives_a_signal(tmp_path, command, signame):
    """Class 2: the signal reaches only the parent (`kill PID`, `timeout`, a closed terminal); the
    parent must end its workers, exit 128 + the signal with one line, and leave no process of
    the run behind (before the fix, SIGTERM and SIGHUP left both workers running forever, holding
    the stdout pipe open)."""
    proc = plan_process(*_long_run(command, tmp_path), cwd=tmp_path)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(_children(proc.pid)) < 2 and proc.poll() is None:
            time.sleep(0.05)
        assert len(_children(proc.pid)) >= 2, "the run never started its workers"
        time.sleep(0.5)
        proc.send_signal(getattr(signal, signame))
        out, err = proc.communicate(timeout=60)  # an orphan holding stdout would hang here
    finally:
        survivors = _session(proc.pid)
        for pid in survivors:
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    time.sleep(0.2)
    number = getattr(signal, signame)
    assert proc.returncode == 128 + number, (proc.returncode, err[-2000:])
    assert b"Traceback" not in err
    assert err.decode().strip().splitlines()[-1] in ("interrupted", f"terminated ({signame})")
    assert survivors == [] and _session(proc.pid) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux's")
def test_workers_die_with_a_killed_parent(tmp_path):
    """Class 2: even SIGKILL (no handler runs: the OOM killer) leaves no worker behind."""
    proc = plan_process(*_long_run("whatif", tmp_path), cwd=tmp_path)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(_children(proc.pid)) < 2 and proc.poll() is None:
            time.sleep(0.05)
        assert len(_children(proc.pid)) >= 2
        time.sleep(0.5)
        proc.kill()
        proc.communicate(timeout=60)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _session(proc.pid):
            time.sleep(0.1)
    finally:
        survivors = _session(proc.pid)
        for pid in survivors:
            os.kill(pid, signal.SIGKILL)
    assert survivors == []
