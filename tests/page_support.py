"""Helpers of the `plan page` tests: the page in NiceGUI's browser-free user simulation, and the
CLI's own answers to compare it with (each expected plan comes from `plan solve --set` run in
this process, never from the page's code)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from tests.cli_run import run_main

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ROOT / "instances"


@contextlib.asynccontextmanager
async def page_user(*files: Path | str) -> AsyncIterator[Any]:
    """A simulated user on the page over `files` (the bundled instances when none), pool closed after."""
    from nicegui.testing import user_simulation

    from planner.page.app import PageApp
    from planner.page.source import bundled_files, read_file

    app = PageApp([read_file(f) for f in (files or bundled_files())])
    try:
        async with user_simulation(app.root) as user:
            await user.open("/")
            yield user
    finally:
        app.close()


async def wait_for(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Poll `check()` until it is truthy (the page solves on a process pool)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except (AssertionError, LookupError, AttributeError):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {getattr(check, '__name__', check)}")
        await asyncio.sleep(0.05)


def one(user: Any, marker: str) -> Any:
    """The single element marked `marker`."""
    elements = list(user.find(marker=marker).elements)
    assert len(elements) == 1, f"{len(elements)} elements marked {marker}"
    return elements[0]


def text_of(user: Any, marker: str) -> str | None:
    """The text of the element marked `marker`, None when there is none."""
    try:
        return one(user, marker).text
    except AssertionError:
        return None


def cli_json(monkeypatch: Any, capsys: Any, file: Path | str, *args: str) -> tuple[int, dict]:
    """`plan solve FILE --format json ARGS` in this process: (exit code, the answer)."""
    code, out, err = run_main(monkeypatch, capsys, "solve", str(file), "--format", "json", *args)
    return code, json.loads(out) if out.strip() else {"error": err.strip().removeprefix("error: ")}


def cli_table(monkeypatch: Any, capsys: Any, file: Path | str, *args: str, width: int = 100) -> str:
    """`plan solve FILE ARGS` as printed at `width` columns (the page's plan text)."""
    monkeypatch.setenv("COLUMNS", str(width))
    _, out, _ = run_main(monkeypatch, capsys, "solve", str(file), *args)
    return out.rstrip("\n")


def without_timing(text: str) -> str:
    """A plan text without the solver's time (`(HiGHS 0.01 s, gap ...)` differs run to run)."""
    import re

    return re.sub(r"\(HiGHS [0-9.]+ s", "(HiGHS s", text)


def decisions(plan: dict) -> tuple:
    """A plan object's choices and totals, rounded where a solver's last digits may differ."""
    return (plan["model_params"], round(plan["tokens"], -3), plan["gpu"], plan["gpu_count"], plan["region"],
            plan["alignment"], round(plan["cost_usd"]["total"], 2), round(plan["co2_t"]["total"], 6))
