"""`plan page`: how long a budget change takes to show its plan and its frontier in the browser,
against one in-process solve timed in the same run.

    python benchmarks/bench_page.py [INSTANCE.yaml] [--repeat 15]

`plan page` is started as a user starts it (its own process, a pool of 2 solver processes) and
driven by headless Debian Chromium: each repeat presses Page Down six times on the focused budget
slider ($15M -> $3M on co2-regions.yaml; Page Up back on the next repeat), six changes as fast as
the browser sends them, and times until the page shows the new plan text (goal 0.5 s) and until
the new frontier is drawn (goal 2 s). The websocket, the solves on the pool and the browser's
drawing are inside the timing; the baseline is `solve_instance` of the same edited instance in
this process. Prints every run, the medians and the ratios to the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def baseline(file: Path, budgets: list[float]) -> list[float]:
    """In-process solves of the edited instance, one per budget."""
    from planner.input.loading import load_instance
    from planner.optimize.pipeline import solve_instance

    out = []
    for budget in budgets:
        start = time.perf_counter()
        solve_instance(load_instance(file, changes=[("limits.budget_usd", budget)]))
        out.append(time.perf_counter() - start)
    return out


def browser_times(file: Path, repeat: int) -> tuple[list[float], list[float]]:
    """(keys -> new plan text, keys -> new frontier drawn) per change, in Chromium."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from tests.page_browser import chromium, page_server, wait_until

    plans, fronts = [], []
    with page_server(file) as url, chromium() as driver:

        def redrawn(old) -> bool:
            try:
                old.tag_name  # noqa: B018 -- raises once the old chart is gone
                return False
            except StaleElementReferenceException:
                return bool(driver.find_elements(By.CSS_SELECTOR, ".plan-frontier svg"))

        driver.get(url)
        wait_until(lambda: driver.find_element(By.CSS_SELECTOR, ".plan-frontier svg"), what="the page")
        time.sleep(1.0)
        for k in range(repeat):
            slider = driver.find_element(By.CSS_SELECTOR, ".lever-budget-usd .q-slider__track-container")
            driver.execute_script("arguments[0].focus()", slider)
            budget = driver.find_element(By.CSS_SELECTOR, ".lever-budget-usd-value").text
            before = driver.find_element(By.CSS_SELECTOR, ".plan-text").text
            chart = driver.find_element(By.CSS_SELECTOR, ".plan-frontier svg")
            keys = [Keys.PAGE_DOWN] * 6 if k % 2 == 0 else [Keys.PAGE_UP] * 6
            start = time.perf_counter()
            ActionChains(driver).send_keys(*keys).perform()
            wait_until(lambda: driver.find_element(By.CSS_SELECTOR, ".plan-text").text != before,
                       what=f"the plan of repeat {k + 1} (budget {budget} -> "
                            f"{driver.find_element(By.CSS_SELECTOR, '.lever-budget-usd-value').text})")
            plans.append(time.perf_counter() - start)
            wait_until(lambda: redrawn(chart), what="the frontier")
            fronts.append(time.perf_counter() - start)
            time.sleep(0.5)  # the ranking of this change
    return plans, fronts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", nargs="?", default=str(ROOT / "instances" / "co2-regions.yaml"))
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    file = Path(args.instance)
    budgets = [3.0e6 if k % 2 == 0 else 15.0e6 for k in range(args.repeat)]
    base = baseline(file, budgets)
    plans, fronts = browser_times(file, args.repeat)
    rows = [("in-process solve (baseline)", base, None), ("page: budget keys -> new plan", plans, 0.5),
            ("page: budget keys -> new frontier", fronts, 2.0)]
    print(f"{file.name}, {args.repeat} changes of the budget ($15M -> $3M -> $15M ...)")
    for name, times, _ in rows:
        print(f"  {name:34s} " + " ".join(f"{t:.3f}" for t in times))
    reference = statistics.median(base)
    for name, times, goal in rows:
        median = statistics.median(times)
        verdict = "" if goal is None else f"  goal {goal} s: {'met' if median <= goal else 'NOT met'}"
        print(f"median {name:34s} {median:.3f} s  ({median / reference:.1f}x the baseline){verdict}")


if __name__ == "__main__":
    main()
