"""What a new user reads first: the README's set-up and exit codes, and `--help` defaults that
are the defaults."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from planner.constants import DEFAULT_MIP_GAP

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_makes_a_virtual_environment_first():
    block = README.split("```bash", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(block) == 2   # two commands: install and solve, install and test
    for line in block:
        assert line.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install -e ")
    assert "plan solve instances/" in block[0] and block[1].endswith("python -m pytest -q")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert block[1] in ci.splitlines()   # .ci/run runs exactly the README's test command


def test_readme_lists_every_exit_code():
    from planner.cli.support import EXIT_INFEASIBLE, EXIT_INPUT, EXIT_LIMIT, EXIT_OK

    line = README.split("Exit codes:", 1)[1].split("\n\n", 1)[0]
    for code in (EXIT_OK, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_LIMIT, 130):
        assert re.search(rf"\b{code} ", line), code


def test_mip_gap_default_in_help_is_the_default():
    for command in ("solve", "uncertainty", "rank", "whatif"):
        out = CliRunner().invoke(cli.group, [command, "--help"], terminal_width=200).output
        text = " ".join(out.split())
        gap = text.split("--mip-gap", 1)[1].split("--", 1)[0]
        shown = re.search(r"default: ([0-9.e+-]+)", gap)
        assert shown and float(shown.group(1)) == DEFAULT_MIP_GAP, (command, gap)


def test_no_top_level_cli_module_is_installed():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "py-modules" not in project.get("tool", {}).get("setuptools", {})
    assert project["project"]["scripts"]["plan"].startswith("planner.")


def test_no_file_cites_a_spec_that_is_not_in_the_repository():
    """Comments and docs cite the repository's own docs (README sections, docs/*.md)."""
    pattern = re.compile(r"spec section|spec \d|the spec'?s?\b|planning-model\.md|instance-format\.md", re.I)
    found = []
    for path in [*ROOT.glob("*.md"), *ROOT.glob("*.py"), *(ROOT / "docs").glob("*.md"),
                 *(p for d in ("planner", "models", "tests", "scripts", "benchmarks") for p in (ROOT / d).rglob("*.py"))]:
        if path.name == "test_readme_and_help.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []
