"""End to end in a real browser: `plan page` served by its CLI, headless Debian Chromium driven by
Selenium. Move the budget control and the page shows exactly the plan `plan solve --set
limits.budget_usd=...` prints; a bad upload is one line; the console stays free of errors; a
screenshot is saved."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

pytest.importorskip("nicegui")

from tests.page_browser import ROOT, browser_missing, chromium, console_errors, page_server, wait_until  # noqa: E402

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=browser_missing() or "")

CO2 = ROOT / "instances" / "co2-regions.yaml"


def cli_table(file, *args: str) -> str:
    """`python cli.py solve FILE ARGS` at 100 columns, as a user runs it."""
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "solve", str(file), *args], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "100"}, timeout=60)
    return done.stdout


def normal(text: str) -> str:
    """Lines without trailing blanks and without the solver's time."""
    text = re.sub(r"\(HiGHS [0-9.]+ s", "(HiGHS s", text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def by_css(driver, css: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css)


def test_budget_control_moves_the_plan_to_plan_solve_set(tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    with page_server(CO2) as url, chromium() as driver:
        driver.get(url)
        first = wait_until(lambda: by_css(driver, ".plan-text").text, what="the first plan")
        assert normal(first) == normal(cli_table(CO2))
        wait_until(lambda: by_css(driver, ".plan-frontier svg"), what="the frontier")
        slider = by_css(driver, ".lever-budget-usd .q-slider__track-container")  # the focusable part
        driver.execute_script("arguments[0].focus()", slider)  # as a Tab would: the keys go to the slider
        keys = ActionChains(driver)
        for key in [Keys.PAGE_DOWN] * 5 + [Keys.ARROW_LEFT] * 3:  # $15M - 5 x $2M - 3 x $0.2M
            keys.send_keys(key).pause(0.05)
        keys.perform()
        label = wait_until(lambda: (lambda t: t if t != "$15,000,000" else None)(
            by_css(driver, ".lever-budget-usd-value").text), what="the budget's new value")
        budget = float(label.replace("$", "").replace(",", ""))
        assert budget < 4.65e6  # below the file's plan's cost: the plan has to change
        expected = normal(cli_table(CO2, "--set", f"limits.budget_usd={budget!r}"))
        wait_until(lambda: normal(by_css(driver, ".plan-text").text) == expected, what="the plan of the new budget")
        assert normal(first) != expected
        driver.save_screenshot(str(tmp_path / "budget.png"))
        assert (tmp_path / "budget.png").stat().st_size > 10_000
        assert console_errors(driver) == []


def test_bad_upload_is_one_line_and_the_plan_stays(tmp_path):
    from selenium.webdriver.common.by import By

    bad = tmp_path / "bad.yaml"
    bad.write_text(CO2.read_text().replace("staff_usd_per_day: 20000", "staff_usd_per_day: -1"))
    expected = subprocess.run([sys.executable, str(ROOT / "cli.py"), "solve", str(bad)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60).stderr.strip().removeprefix("error: ")
    with page_server(CO2) as url, chromium() as driver:
        driver.get(url)
        before = wait_until(lambda: by_css(driver, ".plan-text").text, what="the first plan")
        by_css(driver, "button.plan-open").click()
        field = wait_until(lambda: driver.find_element(By.CSS_SELECTOR, "input[type=file]"), what="the upload")
        field.send_keys(str(bad))
        message = wait_until(lambda: by_css(driver, ".upload-error").text, what="the message")
        assert message.replace("upload bad.yaml", str(bad)) == expected
        assert by_css(driver, ".plan-text").text == before
        assert console_errors(driver) == []


def test_frontier_point_hover_names_its_plan():
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    with page_server(CO2) as url, chromium() as driver:
        driver.get(url)
        wait_until(lambda: by_css(driver, ".plan-text").text, what="the first plan")
        svg = wait_until(lambda: by_css(driver, ".plan-frontier svg"), what="the frontier")
        texts = [t.text for t in svg.find_elements(By.TAG_NAME, "text")]
        assert "CO2e (t)" in texts and "cost (million USD)" in texts
        points = wait_until(lambda: [p for p in svg.find_elements(By.CSS_SELECTOR, "path")
                                     if p.get_attribute("fill") in ("#fff", "#ffffff", "white")], what="the points")

        def tooltip() -> list[str]:
            return [d.text for d in driver.find_elements(By.CSS_SELECTOR, ".plan-frontier div")
                    if "$" in d.text and "t CO2e" in d.text]

        for point in points:  # the legend's marker is drawn like a point: hover each until a tooltip shows
            ActionChains(driver).move_to_element(point).perform()
            try:
                tip = wait_until(tooltip, timeout=2, what="the tooltip")
                break
            except AssertionError:
                continue
        else:
            raise AssertionError("no point shows a tooltip")
        assert re.search(r"\d+B (H100|B200)x\d+ \S+", tip[0])
        assert console_errors(driver) == []


SHIFT = ROOT / "instances" / "campaigns" / "campaign-carbon-shift.yaml"


def cli_campaign(file) -> str:
    """`python -c "import cli; cli.main()" campaign FILE` at 100 columns, as a user runs it."""
    done = subprocess.run([sys.executable, "-c", "import cli; cli.main()", "campaign", str(file)], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "100"}, timeout=60)
    return done.stdout


def test_campaign_budget_control_moves_the_plan_to_plan_campaign(tmp_path):
    """A campaign file opens on the campaign view with its figure; the budget switched on and
    moved by keys (to its low end, then two big steps up) shows the plan `plan campaign` gives with that budget written in the file."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    with page_server(SHIFT) as url, chromium() as driver:
        driver.get(url)
        first = wait_until(lambda: by_css(driver, ".campaign-text").text, what="the campaign's first plan")
        assert normal(first) == normal(cli_campaign(SHIFT))
        wait_until(lambda: by_css(driver, ".campaign-figure img").get_attribute("src"), what="the figure")
        by_css(driver, ".campaign-budget-on").click()
        wait_until(lambda: "disabled" not in (by_css(driver, ".campaign-budget").get_attribute("class") or ""),
                   what="the budget slider on")
        from selenium.common.exceptions import StaleElementReferenceException

        def shown() -> str | None:
            text = by_css(driver, ".campaign-budget-value").text
            return text if text.startswith("$") else None

        switched_on = wait_until(shown, what="the budget on")  # the slider's middle, before the keys
        for _ in range(20):  # the slider is drawn again once enabled: take the element after that
            try:
                slider = by_css(driver, ".campaign-budget .q-slider__track-container")
                driver.execute_script("arguments[0].focus()", slider)
                keys = ActionChains(driver)
                for key in [Keys.HOME] + [Keys.PAGE_UP] * 2:  # from the low end, two big steps up (idempotent)
                    keys.send_keys(key).pause(0.05)
                keys.perform()
                break
            except StaleElementReferenceException:
                time.sleep(0.25)

        budget = float(wait_until(lambda: (lambda t: t if t != switched_on else None)(shown()),
                                  what="the budget's value after the keys").replace("$", "").replace(",", ""))
        file = tmp_path / "budget.yaml"
        file.write_text(SHIFT.read_text().replace("objective: co2\n", f"objective: co2\nlimits: {{budget_usd: {budget!r}}}\n"))
        expected = normal(cli_campaign(file))
        wait_until(lambda: normal(by_css(driver, ".campaign-text").text) == expected,
                   what="the plan of the new budget")
        assert expected != normal(first)
        driver.save_screenshot(str(tmp_path / "campaign.png"))
        assert console_errors(driver) == []
