"""The documentation: every instance key documented in the repository, generated from the schema
(docs/instance-keys.md, `plan schema`); no link leaves the repository; no citation a reader cannot
open; the README's test command ends with pytest's summary line and is what .ci/run runs."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from cli_run import run_main
from planner.input import schema
from planner.input.key_docs import markdown

ROOT = Path(__file__).resolve().parent.parent
KEY_DOCS = ROOT / "docs" / "instance-keys.md"
MARKDOWN = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks" / "README.md"]


def test_key_docs_are_the_generated_file():
    assert KEY_DOCS.read_text(encoding="utf-8") == markdown(), \
        "docs/instance-keys.md is out of date: run python scripts/generate_key_docs.py"


def _paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    from planner.input.key_docs import _submodels

    out = []
    for name, info in model.model_fields.items():
        out.append(prefix + name)
        for sub, suffix in _submodels(info.annotation):
            if sub is not model:
                out += _paths(sub, f"{prefix}{name}{suffix}.")
    return out


def test_every_key_is_documented_with_meaning_default_and_range():
    text = KEY_DOCS.read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        match = re.match(r"^\| `([^`]+)` \| (.*) \|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split(" | ")]
    paths = _paths(schema.Instance)
    assert len(paths) > 80
    for path in paths:
        assert path in rows, f"{path} missing from docs/instance-keys.md"
        kind, default, allowed, meaning = rows[path][:4]
        assert kind and default and allowed, path
        assert meaning, f"{path}: no description in planner/input/schema.py"
    assert rows["gpus[].mfu"][2] == "(0, 1]"
    assert rows["limits.deadline_days"][1] == "absent"
    assert rows["gpus[].gpus_per_node"][1] == "`8`"


def test_plan_schema_prints_the_json_schema(monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "schema")
    assert code == 0
    document = json.loads(out)
    assert document["$schema"].startswith("https://json-schema.org/")
    assert set(document["properties"]) == set(schema.Instance.model_fields)
    gpu = document["$defs"]["Gpu"]["anyOf"][1]["properties"]["mfu"]  # a catalog name, or the entry
    assert gpu["exclusiveMinimum"] == 0 and gpu["maximum"] == 1 and "utilisation" in gpu["description"]


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: p.name)
def test_no_link_leaves_the_repository(path):
    text = path.read_text(encoding="utf-8")
    assert "../shared" not in text
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        assert not re.match(r"^[a-z]+:", target), f"{path.name}: external link {target}"
        if target.startswith("#"):
            continue
        resolved = (path.parent / target.split("#")[0]).resolve()
        assert resolved.is_relative_to(ROOT), f"{path.name}: {target} leaves the repository"
        assert resolved.exists(), f"{path.name}: {target} does not exist"


def _cited_files() -> list[Path]:
    files = [*MARKDOWN, ROOT / "pyproject.toml"]
    files += sorted((ROOT / "planner" / "input" / "catalog").glob("*.yaml"))
    files += sorted((ROOT / "instances").glob("*.yaml"))
    files += sorted((ROOT / "planner").rglob("*.py"))
    return files


@pytest.mark.parametrize("path", _cited_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_citation_a_reader_cannot_open(path):
    text = path.read_text(encoding="utf-8").lower()
    for phrase in ("seed 00", "seeds 00", "domain notes", "domain-notes", "../shared"):
        assert phrase not in text, f"{path.relative_to(ROOT)} cites {phrase!r}: cite the public source"


def _readme_test_command() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return next(line.split("&&", 1)[1].strip() for line in text.splitlines() if "pytest" in line and "&&" in line)


def test_readme_test_command_prints_the_summary_line():
    addopts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"].get("addopts", "")
    words = (addopts if isinstance(addopts, str) else " ".join(addopts)).split() + _readme_test_command().split()
    quiet = sum(w.count("q") for w in words if re.fullmatch(r"-q+", w)) + words.count("--quiet")
    assert quiet <= 1, f"{quiet} x -q: pytest prints no 'N passed' line at -qq"


def test_ci_runs_exactly_the_readme_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    readme = next(line.strip() for line in (ROOT / "README.md").read_text().splitlines() if "pytest" in line and "&&" in line)
    assert ci == readme
