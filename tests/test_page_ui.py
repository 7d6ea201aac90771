"""`plan page` without a browser (NiceGUI's user simulation): every lever, the frontier, rank,
the uncertainty band, the downloads and every error path, each answer compared with what the
CLI gives for the same question (`plan solve --set ...`, `plan frontier`, `plan rank`)."""

from __future__ import annotations

import asyncio
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


async def check_against_cli(user, monkeypatch, capsys, file, args, before=None, base=None):
    """The page comes to show `plan solve FILE ARGS`: the same table line by line (or the same
    one-line error), then the same plan in its JSON download. (`before`, the text shown before the
    change, is not needed: the page is waited for until it shows the CLI's answer.)"""
    code, expected = cli_json(monkeypatch, capsys, file, *args)
    if base is not None:  # the change must move the answer, or the test would pass with the lever ignored
        _, own = cli_json(monkeypatch, capsys, base)
        assert (own.get("plan") and decisions(own["plan"])) != (expected.get("plan") and decisions(expected["plan"]))
    if code == 2:
        await wait_for(lambda: text_of(user, "error") == expected["error"], timeout=30)
        return
    table = without_timing(cli_table(monkeypatch, capsys, file, *args))
    await wait_for(lambda: without_timing(text_of(user, "plan") or "") == table, timeout=30)
    await wait_for(lambda: not has(user, "cancel"), timeout=30)
    shown = await page_plan(user)
    assert shown["status"] == expected["status"]
    if expected["plan"] is not None:
        assert decisions(shown["plan"]) == decisions(expected["plan"])
    else:
        assert shown["plan"] is None


async def test_budget_slider_and_switch(monkeypatch, capsys):
    async with page_user(CO2) as user:
        before = await settle(user)
        value = slider_value(user, "budget_usd", 0.05)
        assert value < 4.6e6  # below the file's plan's cost: the plan must change
        set_value(user, "budget_usd", value)
        await check_against_cli(user, monkeypatch, capsys, CO2, ["--set", f"limits.budget_usd={value!r}"], before,
                                base=CO2)
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
        await check_against_cli(user, monkeypatch, capsys, CO2, ["--set", f"limits.deadline_days={days!r}"], before,
                                base=CO2)
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
        await check_against_cli(user, monkeypatch, capsys, CO2, args, before, base=CO2)


async def test_weighted_objective_with_a_carbon_price(monkeypatch, capsys):
    """Without the carbon budget the cheapest run goes to Iowa; at $2,500/t the weighted optimum
    pays for Sweden (the instance's comment: about $2,000 per tonne avoided)."""
    async with page_user(NORDIC) as user:
        before = await settle(user)
        set_value(user, "max_co2_t-on", False)
        set_value(user, "objective", "weighted")
        set_value(user, "carbon_price", 2500.0)
        args = ["--objective", "weighted", "--set", "carbon_price_usd_per_t=2500.0", "--set", "limits.max_co2_t=none"]
        await check_against_cli(user, monkeypatch, capsys, NORDIC, args, before)
        _, priced = cli_json(monkeypatch, capsys, NORDIC, *args)
        _, unpriced = cli_json(monkeypatch, capsys, NORDIC, "--objective", "weighted", "--set", "limits.max_co2_t=none")
        assert decisions(priced["plan"]) != decisions(unpriced["plan"])  # the price moves the plan
        set_value(user, "carbon_price", 0.0)
        await check_against_cli(user, monkeypatch, capsys, NORDIC,
                                ["--objective", "weighted", "--set", "limits.max_co2_t=none"], before)


async def test_loss_target_max_loss_and_match(monkeypatch, capsys):
    async with page_user(NORDIC) as user:
        before = await settle(user)
        set_value(user, "target-kind", "max_loss")
        set_value(user, "max_loss", 2.0)
        await check_against_cli(user, monkeypatch, capsys, NORDIC, ["--set", "targets.max_loss=2.0"], before,
                                base=NORDIC)
        before = text_of(user, "plan")
        set_value(user, "target-kind", "match")
        set_value(user, "match_params", 34)
        set_value(user, "match_tokens", 15)
        await check_against_cli(user, monkeypatch, capsys, NORDIC,
                                ["--set", "targets.match={params: 34.0e9, tokens: 15.0e12}"], before,
                                base=NORDIC)


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
        await check_against_cli(user, monkeypatch, capsys, edited, [], before, base=startup)


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


def ui_label():
    from nicegui import ui

    return ui.label


def cli_out(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    return run_main(monkeypatch, capsys, *map(str, args))


def chart_points(user) -> list[tuple[str, float, float]]:
    """(plan label, x, y) of the frontier chart's points, as drawn."""
    options = one(user, "frontier").options
    return [(p["name"].split(":")[0], *p["value"]) for p in options["series"][0]["data"]]


async def test_frontier_is_plan_frontier_with_units_and_the_current_plan(monkeypatch, capsys):
    from planner.analysis.frontier import decision_label  # noqa: F401 -- labels as plan frontier writes them

    async with page_user(CO2) as user:
        await settle(user)
        await wait_for(lambda: has(user, "frontier") and not has(user, "cancel"))
        code, out, _ = cli_out(monkeypatch, capsys, "frontier", CO2, "--minimize", "cost", "--limit", "co2",
                               "--format", "json")
        assert code == 0
        expected = sorted(json.loads(out)["points"], key=lambda p: p["co2_t"]["total"])
        drawn = chart_points(user)
        assert len(drawn) == len(expected)
        for (label, x, y), point in zip(drawn, expected):
            assert x == pytest.approx(point["co2_t"]["total"], rel=1e-9)          # t
            assert y == pytest.approx(point["cost_usd"]["total"] / 1e6, rel=1e-9)  # million USD
            assert label.startswith(f"{point['plan']['model_params'] / 1e9:.3g}B {point['plan']['gpu']}")
        options = one(user, "frontier").options
        assert options["xAxis"]["name"] == "CO2e (t)" and options["yAxis"]["name"] == "cost (million USD)"
        _, plan = cli_json(monkeypatch, capsys, CO2)
        current = options["series"][1]["data"][0]["value"]
        assert current == pytest.approx([plan["plan"]["co2_t"]["total"], plan["plan"]["cost_usd"]["total"] / 1e6])


async def test_frontier_point_click_shows_its_plan_and_cost_time_frontier(monkeypatch, capsys):
    async with page_user(CO2) as user:
        await settle(user)
        await wait_for(lambda: has(user, "frontier") and not has(user, "cancel"))
        label, x, y = chart_points(user)[-1]
        index = len(chart_points(user)) - 1
        user.find(marker="frontier").trigger("componentClick", {  # what the browser sends on a click
            "componentType": "series", "name": label, "seriesType": "line", "seriesIndex": 0,
            "seriesName": "frontier", "dataIndex": index, "data": {"value": [x, y]}, "dataType": None,
            "value": [x, y]})
        await wait_for(lambda: has(user, "point-plan"))
        # the point with the most CO2 is the cheapest plan: the instance minimising cost, budget kept
        _, cheapest = cli_json(monkeypatch, capsys, CO2, "--objective", "cost")
        assert f"{cheapest['plan']['gpu_count']:,} x {cheapest['plan']['gpu']}" in text_of(user, "point-plan")
        set_value(user, "frontier-limit", "time")
        await wait_for(lambda: has(user, "frontier") and one(user, "frontier").options["xAxis"]["name"] == "duration (days)")
        await wait_for(lambda: not has(user, "cancel"))
        code, out, _ = cli_out(monkeypatch, capsys, "frontier", CO2, "--minimize", "cost", "--limit", "time",
                               "--format", "json")
        expected = sorted(json.loads(out)["points"], key=lambda p: p["duration_days"])
        assert [x for _, x, _ in chart_points(user)] == pytest.approx([p["duration_days"] for p in expected])


async def test_rank_by_region_and_gpu_is_plan_rank(monkeypatch, capsys):
    async with page_user(CO2) as user:
        await settle(user)
        await wait_for(lambda: has(user, "rank") and not has(user, "cancel"))
        for by in ("region", "gpu"):
            if by == "gpu":
                set_value(user, "rank-by", "gpu")
                await wait_for(lambda: one(user, "rank").rows[0]["value"] in ("H100", "B200"))
            code, out, _ = cli_out(monkeypatch, capsys, "rank", CO2, "--by", by, "--format", "json")
            expected = json.loads(out)["rows"]
            rows = one(user, "rank").rows
            assert [r["value"] for r in rows] == [str(e["value"]) for e in expected]
            assert [r["cost"] for r in rows] == [f"${e['plan']['cost_usd']['total']:,.0f}" if e.get("plan") else "-"
                                                 for e in expected]


BAND_INSTANCE = """\
name: band
objective: cost
scaling_law: epoch2024
model_sizes: [7.0e9, 13.0e9]
targets: {match: {params: 7.0e9, tokens: 2.0e12}}
limits: {budget_usd: 2.5e6, deadline_days: 60}
gpus: [{name: H100, available: 1024}]
regions: [us-east]
uncertainty:
  gpus[H100].mfu: normal(0.4, 0.05)
"""


async def test_uncertainty_band_is_plan_uncertainty(monkeypatch, capsys, tmp_path):
    file = tmp_path / "band.yaml"
    file.write_text(BAND_INSTANCE)
    async with page_user(file) as user:
        await settle(user)
        await wait_for(lambda: has(user, "band-run") and not has(user, "cancel"))
        user.find(marker="band-run").click()
        await wait_for(lambda: has(user, "band"), timeout=60)
        code, out, _ = cli_out(monkeypatch, capsys, "uncertainty", file, "--samples", 200, "--format", "json")
        summary = json.loads(out)["fixed_plan"]["percentiles"]
        rows = {r["figure"]: r for r in one(user, "band").rows}
        for key, label in (("cost_usd.total", "cost (USD)"), ("co2_t.total", "CO2e (t)")):
            for q in ("p10", "p50", "p90"):
                expected = summary[key][q]
                shown = f"{expected:,.0f}" if key == "cost_usd.total" else f"{expected:,.1f}"
                assert rows[label][q] == shown
        png = await download(user, "uncertainty (PNG)")
        assert png.startswith(b"\x89PNG")
        # the band on the frontier: P10-P90 of CO2e across and of cost (thousand USD) up, crossing at the P50s
        await wait_for(lambda: len(one(user, "frontier").options["series"]) == 4)
        across, up = (s["data"] for s in one(user, "frontier").options["series"][2:])
        cost, co2 = summary["cost_usd.total"], summary["co2_t.total"]
        flat = [v for point in across + up for v in point]
        assert flat == pytest.approx([co2["p10"], cost["p50"] / 1e3, co2["p90"], cost["p50"] / 1e3,
                                      co2["p50"], cost["p10"] / 1e3, co2["p50"], cost["p90"] / 1e3])
        set_value(user, "deadline_days", slider_value(user, "deadline_days", 0.9))  # another plan: no band
        await wait_for(lambda: not has(user, "band") and len(one(user, "frontier").options["series"]) == 2)


async def test_cancel_stops_long_work_and_the_page_goes_on(monkeypatch, capsys, tmp_path):
    file = tmp_path / "band.yaml"
    file.write_text(BAND_INSTANCE)
    async with page_user(file) as user:
        await settle(user)
        await wait_for(lambda: has(user, "band-run") and not has(user, "cancel"))
        set_value(user, "band-samples", 50_000)
        user.find(marker="band-run").click()
        await wait_for(lambda: has(user, "cancel"))
        await wait_for(lambda: " of 50000" in " ".join(e.text for e in user.find(kind=ui_label()).elements))
        user.find(marker="cancel").click()
        await wait_for(lambda: not has(user, "cancel"))
        await wait_for(lambda: any(e.text == "uncertainty: cancelled" for e in user.find(kind=ui_label()).elements),
                       timeout=30)
        assert not has(user, "band")
        before = text_of(user, "plan")
        set_value(user, "deadline_days", slider_value(user, "deadline_days", 0.5))
        await settle(user, before)  # a new solve after the cancel: fresh workers
        assert text_of(user, "plan")


async def upload(user, name: str, data: bytes) -> None:
    """What the browser's upload does: the file reaches the page's upload handler."""
    from nicegui import ui
    from nicegui.elements.upload_files import SmallFileUpload

    [element] = user.find(kind=ui.upload).elements
    await element.handle_uploads([SmallFileUpload(name=name, content_type="application/yaml", _data=data)])


BAD_UPLOADS = {
    "nul.yaml": b"name: x\x00\n",
    "utf16.yaml": "name: x\n".encode("utf-16"),
    "broken.yaml": b"name: [unclosed\n",
    "unknown-key.yaml": (INSTANCES / "startup-7b.yaml").read_bytes() + b"colour: blue\n",
    "bad-value.yaml": (INSTANCES / "startup-7b.yaml").read_bytes().replace(b"staff_usd_per_day: 5000",
                                                                           b"staff_usd_per_day: -5"),
    "huge.yaml": b"#" * 5_000_001,
}


@pytest.mark.parametrize("name", sorted(BAD_UPLOADS))
async def test_bad_upload_is_the_clis_one_line_and_nothing_changes(name, monkeypatch, capsys, tmp_path):
    data = BAD_UPLOADS[name]
    file = tmp_path / name
    file.write_bytes(data)
    code, expected = cli_json(monkeypatch, capsys, file)
    assert code == 2
    async with page_user(NORDIC) as user:
        before = await settle(user)
        await upload(user, name, data)
        message = await wait_for(lambda: text_of(user, "upload-error"))
        assert message.replace(f"upload {name}", str(file)) == expected["error"]
        assert "\n" not in message and "Traceback" not in message
        assert text_of(user, "plan") == before  # the page still shows the instance it had
        assert list(tmp_path.iterdir()) == [file]  # nothing written


async def test_upload_naming_another_file_is_refused(monkeypatch, capsys):
    data = (INSTANCES / "startup-7b.yaml").read_bytes() + b"scaling_law_samples: {file: /etc/passwd}\n"
    async with page_user(NORDIC) as user:
        await settle(user)
        await upload(user, "samples.yaml", data)
        message = await wait_for(lambda: text_of(user, "upload-error"))
        assert message.startswith("scaling_law_samples: an uploaded instance cannot read other files")


async def test_good_upload_is_solved_as_plan_solve_solves_the_file(monkeypatch, capsys, tmp_path):
    data = (INSTANCES / "startup-7b.yaml").read_bytes()
    async with page_user(NORDIC) as user:
        before = await settle(user)
        await upload(user, "mine.yaml", data)
        await settle(user, before)
        assert one(user, "instance").value == 1
        file = tmp_path / "mine.yaml"
        file.write_bytes(data)
        assert without_timing(text_of(user, "plan")) == without_timing(cli_table(monkeypatch, capsys, file))


async def test_instance_picker_and_reset(monkeypatch, capsys):
    async with page_user(CO2, NORDIC) as user:
        before = await settle(user)
        set_value(user, "instance", 1)
        await settle(user, before)
        assert without_timing(text_of(user, "plan")) == without_timing(cli_table(monkeypatch, capsys, NORDIC))
        before = text_of(user, "plan")
        set_value(user, "objective", "co2")
        await settle(user, before)
        user.find(marker="reset").click()
        await settle(user, text_of(user, "plan"))
        await wait_for(lambda: without_timing(text_of(user, "plan")) == without_timing(
            cli_table(monkeypatch, capsys, NORDIC)))
        assert one(user, "objective").value == "cost"


async def test_downloads_yaml_solves_to_the_same_plan_json_csv_png(monkeypatch, capsys, tmp_path):
    async with page_user(CO2) as user:
        await settle(user)
        budget = slider_value(user, "budget_usd", (3.0e6 - 1.0e6) / (37.6e6 - 1.0e6))
        set_value(user, "budget_usd", budget)
        set_value(user, "regions:germany", False)
        germany = "  - {name: germany, offers: {H100: {usd_per_gpu_hour: 3.0, available: 2048}}}\n"
        by_hand = tmp_path / "by-hand.yaml"  # the same edits written by hand
        by_hand.write_text(CO2.read_text().replace(germany, "").replace(
            "  budget_usd: 1.5e7\n", f"  budget_usd: {budget!r}\n"))
        await check_against_cli(user, monkeypatch, capsys, by_hand, [], base=CO2)
        await wait_for(lambda: has(user, "frontier") and not has(user, "cancel"))
        shown = await page_plan(user)
        edited = tmp_path / "edited.yaml"
        edited.write_bytes(await download(user, "instance (YAML)"))
        code, again = cli_json(monkeypatch, capsys, edited)
        assert code == 0 and decisions(again["plan"]) == decisions(shown["plan"])
        csv_text = (await download(user, "plan (CSV)")).decode()
        _, cli_csv, _ = cli_out(monkeypatch, capsys, "solve", edited, "--format", "csv")
        import csv
        import io

        page_row, cli_row = (next(csv.DictReader(io.StringIO(t))) for t in (csv_text, cli_csv))
        assert list(page_row) == list(cli_row)
        assert {k: v for k, v in page_row.items() if not k.startswith("solver.")} == {
            k: v for k, v in cli_row.items() if not k.startswith("solver.")}
        png = await download(user, "frontier (PNG)")
        import matplotlib.image

        image = matplotlib.image.imread(io.BytesIO(png), format="png")
        assert image.shape[0] > 300 and image.shape[1] > 500


async def test_upload_refused_by_the_browser_for_its_size_and_downloads_without_a_plan(monkeypatch, capsys):
    from nicegui import ui

    async with page_user(NORDIC) as user:
        await settle(user)
        user.find(kind=ui.upload).trigger("rejected")  # the browser refuses a file over max-file-size
        message = await wait_for(lambda: text_of(user, "upload-error"))
        assert message == "upload: file is larger than 5,000,000 bytes; an instance is at most that"
        for name in ("gcp-us-central1", "us-east", "gcp-us-west1", "sweden", "norway"):
            set_value(user, f"regions:{name}", False)
        error = await wait_for(lambda: text_of(user, "error"))
        user.find(content="plan (JSON)").click()
        await user.should_see(f"no plan to download: {error}")
        user.find(content="instance (YAML)").click()
        await user.should_see(f"no instance to download: {error}")
        await asyncio.sleep(0.3)
        assert not user.download.http_responses  # nothing was downloaded
