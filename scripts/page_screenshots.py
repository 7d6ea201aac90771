"""The screenshots of docs/page.md: `plan page` in headless Debian Chromium at 1280x800.

    python scripts/page_screenshots.py [--out docs]

Writes page-single-run.png (co2-regions.yaml as opened), page-budget.png (the budget moved to $3M),
page-plan.png (the plan table and ranking, scrolled), page-point.png (a frontier point clicked),
page-band.png (the uncertainty band of an instance with an `uncertainty:` block),
page-infeasible.png (infeasible-deadline.yaml), page-upload-error.png (a bad upload) and
page-campaign.png (the campaign view on campaign-procurement.yaml); `--only campaign` writes that
one alone.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BAND = """\
# The start-up run of startup-7b.yaml on H100s only, with the H100 MFU uncertain around its catalog
# value (0.318 at 1e11 parameters): normal, sd 0.03.
name: startup-7b-uncertain-mfu
objective: cost
scaling_law: epoch2024
model_sizes: [1.0e9, 3.0e9, 7.0e9, 13.0e9]
targets: {match: {params: 7.0e9, tokens: 2.0e12}}
limits: {budget_usd: 2.0e6, deadline_days: 60}
staff_usd_per_day: 5000
gpus: [{name: H100, available: 4096}]
regions: [us-east]
uncertainty:
  gpus[H100].mfu: normal(0.318, 0.03)
"""


def main() -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from tests.page_browser import chromium, page_server, wait_until

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs"))
    parser.add_argument("--only", choices=["campaign"], default=None, help="write only this screenshot")
    args = parser.parse_args()
    out = Path(args.out)
    if args.only == "campaign":
        campaign_shot(out)
        return
    instances = ROOT / "instances"
    folder = Path(tempfile.mkdtemp(prefix="plan-page-shots-"))
    band = folder / "startup-7b-uncertain-mfu.yaml"
    band.write_text(BAND)
    bad = folder / "bad.yaml"
    bad.write_text((instances / "startup-7b.yaml").read_text().replace("staff_usd_per_day: 5000",
                                                                       "staff_usd_per_day: -5000"))

    def css(driver, selector):
        return driver.find_element(By.CSS_SELECTOR, selector)

    def ready(driver):
        wait_until(lambda: css(driver, ".plan-text").text, what="the plan")
        wait_until(lambda: css(driver, ".plan-frontier svg") or css(driver, ".plan-infeasible"), what="the frontier")
        time.sleep(1.5)  # the ranking after the frontier

    def shot(driver, name):
        path = out / f"page-{name}.png"
        driver.save_screenshot(str(path))
        print("wrote", path)

    with page_server(instances / "co2-regions.yaml", instances / "infeasible-deadline.yaml", band) as url, \
            chromium() as driver:
        driver.get(url)
        ready(driver)
        shot(driver, "single-run")
        slider = css(driver, ".lever-budget-usd .q-slider__track-container")
        driver.execute_script("arguments[0].focus()", slider)
        ActionChains(driver).send_keys(*([Keys.PAGE_DOWN] * 6)).perform()
        wait_until(lambda: css(driver, ".lever-budget-usd-value").text == "$3,000,000", what="the budget")
        ready(driver)
        shot(driver, "budget")
        driver.execute_script("arguments[0].scrollIntoView()", css(driver, ".plan-text"))
        driver.execute_script("window.scrollBy(0, -90)")
        time.sleep(0.5)
        shot(driver, "plan")
        driver.execute_script("window.scrollTo(0, 0)")
        _click_a_point(driver)
        wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, ".q-dialog .font-mono"), what="the dialog")
        time.sleep(0.5)
        shot(driver, "point")
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
        time.sleep(0.8)
        _pick(driver, "infeasible-deadline.yaml")
        wait_until(lambda: css(driver, ".plan-infeasible"), what="the infeasible answer")
        time.sleep(1.5)
        shot(driver, "infeasible")
        _pick(driver, band.name)
        ready(driver)
        css(driver, "button.plan-band-run").click()
        wait_until(lambda: css(driver, ".plan-band"), timeout=120, what="the band")
        driver.execute_script("arguments[0].scrollIntoView()", css(driver, ".plan-band"))
        driver.execute_script("window.scrollBy(0, -500)")
        time.sleep(0.5)
        shot(driver, "band")
        driver.execute_script("window.scrollTo(0, 0)")
        css(driver, "button.plan-open").click()
        wait_until(lambda: driver.find_element(By.CSS_SELECTOR, "input[type=file]"), what="the upload")
        driver.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(bad))
        wait_until(lambda: css(driver, ".upload-error").text, what="the message")
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
        time.sleep(0.8)
        shot(driver, "upload-error")
    campaign_shot(out)


def campaign_shot(out: Path) -> None:
    """page-campaign.png: the campaign view on campaign-procurement.yaml, scrolled to its figure."""
    from selenium.webdriver.common.by import By

    from tests.page_browser import chromium, page_server, wait_until

    with page_server(ROOT / "instances" / "campaigns" / "campaign-procurement.yaml") as url, chromium() as driver:
        driver.get(url)
        wait_until(lambda: driver.find_element(By.CSS_SELECTOR, ".campaign-text").text, what="the campaign")
        wait_until(lambda: driver.find_element(By.CSS_SELECTOR, ".campaign-figure img").get_attribute("naturalWidth")
                   not in (None, "0"), what="the figure")
        time.sleep(1.0)
        path = out / "page-campaign.png"
        driver.save_screenshot(str(path))
        print("wrote", path)


def _click_a_point(driver) -> None:
    """Click the frontier point with the most CO2 (the cheapest plan)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    svg = driver.find_element(By.CSS_SELECTOR, ".plan-frontier svg")
    points = [p for p in svg.find_elements(By.CSS_SELECTOR, "path") if p.get_attribute("fill") in ("#fff", "#ffffff")]
    points.sort(key=lambda p: p.location["x"])
    ActionChains(driver).move_to_element(points[-1]).click().perform()


def _pick(driver, label: str) -> None:
    """Choose `label` in the instance picker."""
    from selenium.webdriver.common.by import By

    from tests.page_browser import wait_until

    driver.find_element(By.CSS_SELECTOR, ".plan-instance").click()
    option = wait_until(lambda: [o for o in driver.find_elements(By.CSS_SELECTOR, ".q-item") if o.text == label],
                        what=f"the option {label}")[0]
    option.click()


if __name__ == "__main__":
    main()
