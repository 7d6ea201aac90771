"""`plan page` without a browser (NiceGUI's user simulation): every lever, the frontier, rank,
the uncertainty band, the downloads and every error path, each answer compared with what the
CLI gives for the same question (`plan solve --set ...`, `plan frontier`, `plan rank`)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("nicegui")

from tests.cli_run import run_main  # noqa: E402
from tests.page_support import (INSTANCES, cli_json, cli_table, decisions, one, page_user, text_of,  # noqa: E402
                                wait_for, without_timing)

pytestmark = pytest.mark.anyio

CO2 = INSTANCES / "co2-regions.yaml"
NORDIC = INSTANCES / "us-vs-nordic.yaml"


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def settle(user, before: str | None = None) -> str:
    """Wait until the plan (or an error) is shown, differs from `before`, and no work runs."""
    def answered():
        shown = text_of(user, "plan") or text_of(user, "error")
        return shown if shown and shown != before else None

    text = await wait_for(answered)
    await wait_for(lambda: not has(user, "cancel"))
    return text


def has(user, marker: str) -> bool:
    try:
        user.find(marker=marker)
        return True
    except AssertionError:
        return False


async def download(user, label: str) -> bytes:
    """Click a download button; the bytes the browser would save."""
    user.find(content=label).click()
    response = await user.download.next(timeout=10)
    return response.content


async def page_plan(user) -> dict:
    """The page's answer as its JSON download (`plan solve --format json`)."""
    return json.loads(await download(user, "plan (JSON)"))


async def test_opens_with_the_files_plan_as_plan_solve_prints_it(monkeypatch, capsys):
    async with page_user(CO2) as user:
        text = await settle(user)
        assert without_timing(text) == without_timing(cli_table(monkeypatch, capsys, CO2))
        await user.should_see("transatlantic round-trip flights")
        await user.should_see("ICAO Carbon Emissions Calculator")


def set_value(user, marker: str, value) -> None:
    one(user, marker).value = value


def slider_value(user, marker: str, fraction: float) -> float:
    """A value on the slider's own grid, `fraction` of the way along it."""
    slider = one(user, marker)
    low, high, step = slider.props["min"], slider.props["max"], slider.props["step"]
    k = round(fraction * (high - low) / step)
    from planner.page.levers import Scale, snap

    return snap(low + k * step, Scale(low, high, step))


async def check_against_cli(user, monkeypatch, capsys, file, args, before):
    """The page's plan (or error) equals `plan solve FILE ARGS`."""
    await settle(user, before)
    code, expected = cli_json(monkeypatch, capsys, file, *args)
    if code == 2:
        assert text_of(user, "error") == expected["error"]
        return
    shown = await page_plan(user)
    assert shown["status"] == expected["status"]
    if expected["plan"] is not None:
        assert decisions(shown["plan"]) == decisions(expected["plan"])
    else:
        assert shown["plan"] is None
    assert without_timing(text_of(user, "plan")) == without_timing(cli_table(monkeypatch, capsys, file, *args))


async def test_budget_slider_and_switch(monkeypatch, capsys):
    async with page_user(CO2) as user:
        before = await settle(user)
        value = slider_value(user, "budget_usd", 0.05)
        assert value < 4.6e6  # below the file's plan's cost: the plan must change
        set_value(user, "budget_usd", value)
        await check_against_cli(user, monkeypatch, capsys, CO2, ["--set", f"limits.budget_usd={value!r}"], before)
        assert one(user, "budget_usd-value").text == f"${value:,.0f}"
        before = text_of(user, "plan")
        set_value(user, "budget_usd-on", False)
        await check_against_cli(user, monkeypatch, capsys, CO2, ["--set", "limits.budget_usd=none"], before)
        assert one(user, "budget_usd-value").text == "off"


async def test_deadline_and_carbon_budget(monkeypatch, capsys):
    async with page_user(CO2) as user:
        before = await settle(user)
        days = slider_value(user, "deadline_days", 0.02)
        set_value(user, "deadline_days", days)
        await check_against_cli(user, monkeypatch, capsys, CO2, ["--set", f"limits.deadline_days={days!r}"], before)
        before = text_of(user, "plan")
        set_value(user, "objective", "cost")
        set_value(user, "max_co2_t-on", True)
        tonnes = slider_value(user, "max_co2_t", 0.0)
        set_value(user, "max_co2_t", tonnes)
        await check_against_cli(user, monkeypatch, capsys, CO2,
                                ["--objective", "cost", "--set", f"limits.deadline_days={days!r}",
                                 "--set", f"limits.max_co2_t={tonnes!r}"], before)


async def test_grid_limit_caps_every_region_but_keeps_a_smaller_own(monkeypatch, capsys):
    async with page_user(CO2) as user:
        before = await settle(user)
        set_value(user, "grid_mw-on", True)
        cap = slider_value(user, "grid_mw", 0.3)
        set_value(user, "grid_mw", cap)
        own = 1.0  # sweden's grid_capacity_mw in the file
        args = [a for r in ("us-east", "germany", "france") for a in ("--set", f"regions[{r}].grid_capacity_mw={cap!r}")]
        if cap < own:
            args += ["--set", f"regions[sweden].grid_capacity_mw={cap!r}"]
        await check_against_cli(user, monkeypatch, capsys, CO2, args, before)


async def test_weighted_objective_with_a_carbon_price(monkeypatch, capsys):
    async with page_user(NORDIC) as user:
        before = await settle(user)
        set_value(user, "objective", "weighted")
        set_value(user, "carbon_price", 2500.0)
        await check_against_cli(user, monkeypatch, capsys, NORDIC,
                                ["--objective", "weighted", "--set", "carbon_price_usd_per_t=2500.0"], before)


async def test_loss_target_max_loss_and_match(monkeypatch, capsys):
    async with page_user(NORDIC) as user:
        before = await settle(user)
        set_value(user, "target-kind", "max_loss")
        set_value(user, "max_loss", 2.0)
        await check_against_cli(user, monkeypatch, capsys, NORDIC, ["--set", "targets.max_loss=2.0"], before)
        before = text_of(user, "plan")
        set_value(user, "target-kind", "match")
        set_value(user, "match_params", 34)
        set_value(user, "match_tokens", 15)
        await check_against_cli(user, monkeypatch, capsys, NORDIC,
                                ["--set", "targets.match={params: 34.0e9, tokens: 15.0e12}"], before)


async def test_regions_and_gpu_types_on_and_off(monkeypatch, capsys, tmp_path):
    startup = INSTANCES / "startup-7b.yaml"
    async with page_user(startup) as user:
        before = await settle(user)
        set_value(user, "gpus:A100", False)
        set_value(user, "regions:us-east", False)
        # the same file edited by hand: the A100 entry and the us-east region removed
        text = startup.read_text().replace("  - {name: A100, available: 1024}\n", "").replace("  - us-east\n", "")
        edited = tmp_path / "startup-edited.yaml"
        edited.write_text(text)
        await check_against_cli(user, monkeypatch, capsys, edited, [], before)


async def test_no_region_left_is_one_line_naming_the_field(monkeypatch, capsys):
    async with page_user(NORDIC) as user:
        before = await settle(user)
        for name in ("gcp-us-central1", "us-east", "gcp-us-west1", "sweden", "norway"):
            set_value(user, f"regions:{name}", False)
        await wait_for(lambda: text_of(user, "error"))
        code, expected = cli_json(monkeypatch, capsys, NORDIC, "--set", "regions=[]")
        assert code == 2 and text_of(user, "error") == expected["error"]
        assert "Traceback" not in text_of(user, "error") and not has(user, "plan")
        assert before


async def test_infeasible_shows_the_explanation_as_plan_solve(monkeypatch, capsys):
    file = INSTANCES / "infeasible-deadline.yaml"
    async with page_user(file) as user:
        await settle(user)
        await user.should_see(marker="infeasible")
        code, expected = cli_json(monkeypatch, capsys, file)
        assert code == 3 and expected["plan"] is None
        assert without_timing(text_of(user, "plan")) == without_timing(cli_table(monkeypatch, capsys, file))
        assert "Traceback" not in text_of(user, "plan")
