"""`plan page` on a campaign file, without a browser (NiceGUI's user simulation): the campaign view
opens on its own tab; every control (objective, budget, carbon price, each run's deadline) and the
infeasible path each come to show what `plan campaign FILE --format json` (and its table) gives for
the same change, with the change written into a copy of the file by hand (a text edit of the YAML,
not the page's code); the edited YAML downloaded solves with `plan campaign` to the same plan."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

pytest.importorskip("nicegui")

from tests.cli_run import run_main  # noqa: E402
from tests.page_support import INSTANCES, one, page_user, text_of, wait_for, without_timing  # noqa: E402



CAMPAIGNS = INSTANCES / "campaigns"
SHIFT = CAMPAIGNS / "campaign-carbon-shift.yaml"
PROCUREMENT = CAMPAIGNS / "campaign-procurement.yaml"


@pytest.fixture
def anyio_backend():
    return "asyncio"


def cli_campaign(monkeypatch, capsys, file, fmt: str = "json") -> tuple[int, str]:
    """`plan campaign FILE --format FMT` in this process (table at 100 columns): (exit code, stdout)."""
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = run_main(monkeypatch, capsys, "campaign", str(file), "--format", fmt)
    return code, out


def edited(tmp_path, source, name: str, *replacements: tuple[str, str]) -> object:
    """A copy of `source` with each (old, new) text replaced once (each old must be there)."""
    text = source.read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text)
    return path


def runs_of(answer: dict) -> list[tuple]:
    return [(r["run"], r["site"], r["gpu"], tuple(r["gpus_by_month"])) for r in answer.get("runs", [])]


def same_plan(page: dict, cli: dict) -> None:
    assert page["status"] == cli["status"]
    assert runs_of(page) == runs_of(cli)
    if cli["objective_value"] is None:
        assert page["objective_value"] is None
    else:
        assert page["objective_value"] == pytest.approx(cli["objective_value"], rel=1e-9)
    assert page.get("explanation") == cli.get("explanation")


async def download(user, label: str) -> bytes:
    user.find(content=label).click()
    response = await user.download.next(timeout=10)
    return response.content


async def shows_cli(user, monkeypatch, capsys, file) -> dict:
    """The page comes to show `plan campaign FILE` (its table, line by line) and its JSON download
    is `plan campaign FILE --format json`'s plan. Returns the CLI's answer."""
    _, table = cli_campaign(monkeypatch, capsys, file, "table")
    expected = without_timing(table.rstrip("\n"))
    try:
        await wait_for(lambda: without_timing(text_of(user, "campaign-plan") or "") == expected, timeout=30)
    except AssertionError:
        shown = text_of(user, "campaign-plan") or text_of(user, "campaign-error")
        raise AssertionError(f"the page shows\n{shown}\nnot `plan campaign {file.name}`:\n{expected}") from None
    code, out = cli_campaign(monkeypatch, capsys, file)
    cli = json.loads(out)
    same_plan(json.loads(await download(user, "campaign plan (JSON)")), cli)
    assert code == {"optimal": 0, "infeasible": 3}[cli["status"]]
    return cli


def slider_on_grid(user, marker: str, value: float) -> float:
    """The slider's own grid value nearest `value`."""
    slider = one(user, marker)
    low, step = slider.props["min"], slider.props["step"]
    return low + round((value - low) / step) * step


@pytest.mark.anyio
async def test_campaign_file_opens_its_view_as_plan_campaign_prints_it(monkeypatch, capsys):
    async with page_user(PROCUREMENT) as user:
        await shows_cli(user, monkeypatch, capsys, PROCUREMENT)
        await user.should_see(marker="campaign-figure")
        await user.should_see(marker="not-single-run")  # the single-run tab says where to look
        headline = text_of(user, "campaign-headline")
        _, out = cli_campaign(monkeypatch, capsys, PROCUREMENT)
        cli = json.loads(out)
        assert headline.startswith(f"2 runs: ${cli['cost_usd']['total']:,.0f}, {cli['co2_t']:,.1f} t CO2e")


@pytest.mark.anyio
async def test_budget_control_and_its_switch(monkeypatch, capsys, tmp_path):
    async with page_user(SHIFT) as user:
        base = await shows_cli(user, monkeypatch, capsys, SHIFT)
        assert one(user, "campaign-budget-value").text == "off"
        budget = slider_on_grid(user, "campaign-budget", 0.8 * base["cost_usd"]["total"])
        one(user, "campaign-budget-on").value = True
        one(user, "campaign-budget").value = budget
        file = edited(tmp_path, SHIFT, "budget.yaml", ("objective: co2\n", f"objective: co2\nlimits: {{budget_usd: {budget!r}}}\n"))
        cli = await shows_cli(user, monkeypatch, capsys, file)
        assert runs_of(cli) != runs_of(base)  # the budget binds: the lever moved the plan
        assert one(user, "campaign-budget-value").text == f"${budget:,.0f}"
        one(user, "campaign-budget-on").value = False
        await shows_cli(user, monkeypatch, capsys, SHIFT)


@pytest.mark.anyio
async def test_objective_and_carbon_price(monkeypatch, capsys, tmp_path):
    async with page_user(SHIFT) as user:
        base = await shows_cli(user, monkeypatch, capsys, SHIFT)
        one(user, "campaign-objective").value = "weighted"
        cheapest = await shows_cli(user, monkeypatch, capsys,
                                   edited(tmp_path, SHIFT, "w0.yaml", ("objective: co2", "objective: weighted")))
        assert runs_of(cheapest) != runs_of(base)  # co2 -> weighted (price 0) moved the plan
        price = slider_on_grid(user, "campaign-carbon-price", 500.0)
        assert 0 < price <= one(user, "campaign-carbon-price").props["max"]
        one(user, "campaign-carbon-price").value = price
        file = edited(tmp_path, SHIFT, "w.yaml",
                      ("objective: co2", f"objective: weighted\ncarbon_price_usd_per_t: {price!r}"))
        priced = await shows_cli(user, monkeypatch, capsys, file)
        assert priced["objective_value"] > cheapest["objective_value"]  # the price counts in the objective
        assert one(user, "campaign-carbon-price-value").text == f"${price:,.0f} per t CO2e"


@pytest.mark.anyio
async def test_deadline_of_a_run_and_reset(monkeypatch, capsys, tmp_path):
    async with page_user(PROCUREMENT) as user:
        base = await shows_cli(user, monkeypatch, capsys, PROCUREMENT)
        one(user, "deadline:r70b").value = "2027-05"
        file = edited(tmp_path, PROCUREMENT, "d.yaml", ("deadline: 2027-07", "deadline: 2027-05"))
        cli = await shows_cli(user, monkeypatch, capsys, file)
        assert runs_of(cli) != runs_of(base)
        user.find(marker="campaign-reset").click()
        await shows_cli(user, monkeypatch, capsys, PROCUREMENT)
        assert one(user, "deadline:r70b").value == "2027-07"


@pytest.mark.anyio
async def test_infeasible_campaign_shows_its_explanation_never_a_traceback(monkeypatch, capsys, tmp_path):
    async with page_user(PROCUREMENT) as user:
        await shows_cli(user, monkeypatch, capsys, PROCUREMENT)
        one(user, "deadline:r70b").value = "2027-03"
        file = edited(tmp_path, PROCUREMENT, "late.yaml", ("deadline: 2027-07", "deadline: 2027-03"))
        cli = await shows_cli(user, monkeypatch, capsys, file)
        assert cli["status"] == "infeasible" and cli["explanation"]
        await user.should_see(marker="campaign-infeasible")
        shown = text_of(user, "campaign-plan")
        assert all(line in shown.replace("\n", " ") or line[:60] in shown for line in cli["explanation"][:1])
        assert "Traceback" not in shown
        user.find(content="campaign plot (PNG)").click()
        await user.should_see("no plot to download: the campaign has no plan")
        # a budget far below any plan: infeasible too, with the budget named
        one(user, "deadline:r70b").value = "2027-07"
        budget = one(user, "campaign-budget").props["min"]
        one(user, "campaign-budget-on").value = True
        one(user, "campaign-budget").value = budget
        cheap = edited(tmp_path, PROCUREMENT, "cheap.yaml", ("objective: cost\n",
                                                              f"objective: cost\nlimits: {{budget_usd: {budget!r}}}\n"))
        cli = await shows_cli(user, monkeypatch, capsys, cheap)
        assert cli["status"] == "infeasible"
        assert re.search(r"budget", " ".join(cli["explanation"]))


@pytest.mark.anyio
async def test_downloads_yaml_solves_to_the_same_plan_and_csv(monkeypatch, capsys, tmp_path):
    async with page_user(PROCUREMENT) as user:
        await shows_cli(user, monkeypatch, capsys, PROCUREMENT)
        one(user, "deadline:r70b").value = "2027-05"
        one(user, "campaign-objective").value = "weighted"
        one(user, "campaign-carbon-price").value = 200.0
        file = edited(tmp_path, PROCUREMENT, "by-hand.yaml", ("deadline: 2027-07", "deadline: 2027-05"),
                      ("objective: cost", "objective: weighted\ncarbon_price_usd_per_t: 200.0"))
        cli = await shows_cli(user, monkeypatch, capsys, file)
        own = tmp_path / "downloaded.yaml"
        own.write_bytes(await download(user, "campaign (YAML)"))
        code, out = cli_campaign(monkeypatch, capsys, own)
        assert code == 0
        same_plan(json.loads(out), cli)
        page_csv = (await download(user, "campaign plan (CSV)")).decode()
        _, cli_csv = cli_campaign(monkeypatch, capsys, file, "csv")
        assert page_csv == cli_csv
        png = await download(user, "campaign plot (PNG)")
        assert png.startswith(b"\x89PNG")


@pytest.mark.anyio
async def test_uploaded_campaign_opens_its_view_and_a_bad_one_is_the_loaders_line(monkeypatch, capsys, tmp_path):
    from tests.test_page_ui import upload

    async with page_user(INSTANCES / "us-vs-nordic.yaml") as user:
        await upload(user, "mine.yaml", PROCUREMENT.read_bytes())
        await wait_for(lambda: one(user, "instance").value == 1)
        await shows_cli(user, monkeypatch, capsys, PROCUREMENT)
        bad = edited(tmp_path, PROCUREMENT, "bad.yaml", ("deadline: 2027-07", "deadline: 2027-13"))
        code, err = run_main(monkeypatch, capsys, "campaign", str(bad))[0::2]
        assert code == 2
        await upload(user, "bad.yaml", bad.read_bytes())
        message = await wait_for(lambda: text_of(user, "upload-error"))
        assert message == err.strip().removeprefix("error: ")


def slow_campaign_job(data):
    """A solve that takes a minute (a worker busy with a long campaign), for the cancel test."""
    import time

    time.sleep(60)
    return "input", "not reached"


@pytest.mark.anyio
async def test_cancel_ends_a_running_solve_and_the_next_one_runs(monkeypatch, capsys, tmp_path):
    from planner.page.campaign_state import CampaignState
    from planner.page.jobs import Jobs
    from planner.page.source import read_file

    jobs = Jobs(1)
    try:
        state = CampaignState(read_file(PROCUREMENT), jobs, job=slow_campaign_job)
        task = asyncio.create_task(state.solve())
        await wait_for(lambda: state.running is not None)
        await asyncio.sleep(0.3)
        state.cancel()
        await asyncio.wait_for(task, timeout=10)  # the worker was ended: the solve answers at once
        assert state.answer is None and state.error == "solve cancelled: move a control to solve again"
        state.job = None
        state.levers = state.levers.with_deadline("r70b", "2027-05")
        assert await state.solve()  # on fresh workers
    finally:
        jobs.close()
    file = edited(tmp_path, PROCUREMENT, "d.yaml", ("deadline: 2027-07", "deadline: 2027-05"))
    _, out = cli_campaign(monkeypatch, capsys, file)
    same_plan(json.loads(state.answer.json), json.loads(out))


def test_a_bad_campaign_file_on_the_command_line_is_plan_campaigns_line(monkeypatch, capsys, tmp_path):
    bad = edited(tmp_path, PROCUREMENT, "bad.yaml", ("deadline: 2027-07", "deadline: 2027-13"))
    code, out, err = run_main(monkeypatch, capsys, "page", str(bad), "--port", "1")
    expected = run_main(monkeypatch, capsys, "campaign", str(bad))
    assert (code, out) == (2, "") and expected[0] == 2
    assert err == expected[2] and len(err.strip().splitlines()) == 1 and "runs[1].deadline" in err
