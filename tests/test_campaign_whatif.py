"""`plan campaign FILE --vary PATH=SPEC`: each grid point the campaign with those values, solved
exactly; checked against the hand-solved values of tests/test_campaign_hand_solved.py."""

from __future__ import annotations

import csv
import io
import json

import pytest

from campaign_cases import WORK_GPU_HOURS, tiny
from cli_run import run_main

JAN, FEB, MAR, APR = 744.0, 672.0, 744.0, 720.0
OWNED_USD = 16 * (JAN + FEB + MAR + APR)


def test_sweep_on_demand_price_and_deadline(monkeypatch, capsys, tmp_path):
    data = tiny()
    data["runs"] = data["runs"][:1]
    path = tmp_path / "c.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "campaign", path, "--vary",
                              "fleet[0].on_demand.usd_per_gpu_hour=3.0,3.5", "--vary",
                              "runs[r1].deadline=2027-01,2027-02", "--format", "csv")
    assert code == 0, err
    rows = {(r["fleet[0].on_demand.usd_per_gpu_hour"], r["runs[r1].deadline"]): r
            for r in csv.DictReader(io.StringIO(out))}
    assert rows[("3.0", "2027-01")]["status"] == rows[("3.5", "2027-01")]["status"] == "infeasible"
    top_up = WORK_GPU_HOURS - 16 * (JAN + FEB)
    assert float(rows[("3.0", "2027-02")]["cost_usd"]) == pytest.approx(OWNED_USD + 3.0 * top_up, rel=1e-9)
    assert float(rows[("3.5", "2027-02")]["cost_usd"]) == pytest.approx(OWNED_USD + 16 * 1.5 * (JAN + FEB), rel=1e-9)
    assert rows[("3.5", "2027-02")]["blocks"] == "1" and rows[("3.0", "2027-02")]["blocks"] == "0"


def test_bad_point_names_the_point(monkeypatch, capsys, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(json.dumps(tiny()), encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "campaign", path, "--vary", "runs[r1].max_gpus=16,-8")
    assert code == 2 and "runs[0].max_gpus" in err and "--vary runs[r1].max_gpus=-8" in err
