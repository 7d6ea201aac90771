"""Campaign files: strict validation with one message naming the field, catalog names resolved,
per-month values read as documented, the key reference generated from the schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.input.campaign_loading import campaign_from_dict
from campaign_cases import tiny

ROOT = Path(__file__).resolve().parent.parent


def _set(path: str, value):
    def change(d):
        target = d
        parts = path.split(".")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        last = parts[-1]
        if value is KeyError:
            del target[last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return change


BAD = [
    ("runs.0.deadline", "2027-09", "runs[0].deadline", "outside the horizon"),
    ("runs.0.deadline", "2027-13", "runs[0].deadline", "YYYY-MM"),
    ("runs.1.earliest_start", "2027-04", None, None),  # fine on its own (deadline 2027-04)
    ("runs.0.after", ["r2"], "runs[1].after", "precedence cycle"),
    ("runs.1.after", ["nobody"], "runs[1].after[0]", "not a run"),
    ("fleet.0.site", "zz", "fleet[0].site", "not in sites"),
    ("fleet.1.gpu", "H999", "fleet[1].gpu", "not in gpus"),
    ("sites.1.grid_mw", [1.0, 2.0], "sites[1].grid_mw", "one value per horizon month (4), got 2"),
    ("sites.1.carbon_g_per_kwh", [1.0, 2.0, "x", 3.0], "sites[1].carbon_g_per_kwh[2]", "number"),
    ("sites.0.pue", 0.5, "sites[0].pue", ">= 1"),
    ("runs.0.max_gpus", 0, "runs[0].max_gpus", ">= 1"),
    ("runs.0.bogus", 1, "runs[0].bogus", "unknown key"),
    ("runs.0.scaling_law", "nope", "runs[0].scaling_law", "unknown catalog name"),
    ("runs.0.targets", KeyError, "runs[0].targets", "post-training only"),
    ("fleet.0.reserved.term_months", 0, "fleet[0].reserved.term_months", ">= 1"),
    ("fleet.0.owned.0.month", "2026-12", "fleet[0].owned[0].month", "outside the horizon"),
    ("months", "x", "months", "integer"),
    ("objective", "time", "objective", "cost"),
    ("sites.0.region", "atlantis", "sites[0].region", "unknown catalog region"),
    ("runs.1.name", "r1", "runs[1].name", "duplicate"),
]


@pytest.mark.parametrize("path,value,field,fragment", BAD, ids=[f"{b[0]}={b[1]}" for b in BAD])
def test_bad_campaign_names_the_field(path, value, field, fragment):
    data = tiny()
    _set(path, value)(data)
    if field is None:
        campaign_from_dict(data)
        return
    with pytest.raises(InputError) as info:
        campaign_from_dict(data)
    assert info.value.field == field, str(info.value)
    assert fragment in info.value.problem, str(info.value)
    assert "\n" not in str(info.value)


def test_catalog_region_fills_pue_and_carbon():
    data = tiny()
    data["sites"][0] = {"name": "a", "region": "sweden"}
    c = campaign_from_dict(data)
    from planner.input import catalog
    from planner.input.loading import resolve_catalog_names

    region = resolve_catalog_names({"regions": ["sweden"]})["regions"][0]
    assert c.sites[0].pue == region["pue"] and c.sites[0].carbon_g_per_kwh == region["carbon_g_per_kwh"]
    assert catalog.entry("regions", "sweden") is not None


def test_per_month_values():
    data = tiny()
    data["sites"][0] = {"name": "a", "pue": 1.1, "carbon_g_per_kwh_by_calendar_month": [float(m) for m in range(1, 13)]}
    data["start_month"] = "2027-11"
    data["fleet"][0]["owned"][0]["month"] = "2027-11"
    for run in data["runs"]:
        run["deadline"] = "2028-02"
    c = campaign_from_dict(data)
    assert c.carbon_by_month(c.sites[0]) == [11.0, 12.0, 1.0, 2.0]
    assert c.labels() == ["2027-11", "2027-12", "2028-01", "2028-02"]
    assert c.hours() == [30 * 24, 31 * 24, 31 * 24, 29 * 24]  # 2028 is a leap year
    assert c.grid_by_month(c.sites[1]) == [0.1] * 4
    data = tiny()
    data["fleet"][0]["owned"] = [{"month": "2027-01", "gpus": 8}, {"month": "2027-03", "gpus": 16}]
    c = campaign_from_dict(data)
    assert c.owned_by_month(c.fleet[0]) == [8, 8, 24, 24]
    # a block starting in 2027-04 with a 2-month term is paid through 2027-05 (past the horizon)
    assert c.block_usd(c.fleet[0], 3) == pytest.approx(16 * 1.5 * (30 + 31) * 24)


def test_key_reference_is_generated():
    done = subprocess.run([sys.executable, "scripts/generate_key_docs.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
