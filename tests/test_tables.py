"""Tables fit an 80-column terminal without breaking a number or cutting a name across
lines; words wrap, columns are abbreviated or left out first."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from rich.console import Console

from cli_run import run_main
from planner.present.tables import Col, fit_table

TINY = Path(__file__).parent / "data" / "sweep_tiny.yaml"


def render(table, width: int = 80) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None).print(table)
    return buffer.getvalue()


def cells_on_lines(text: str) -> list[str]:
    """Every table cell's text, line by line (split at the box characters)."""
    return [c.strip() for line in text.splitlines() for c in re.split(r"[│┃]", line)]


def test_numbers_stay_whole_and_text_wraps_at_words():
    columns = [Col("name", keep=True), *(Col(f"quantity number {k}", numeric=True, short=f"q{k}") for k in range(4)),
               Col("notes"), Col("optional extra column", drop=1)]
    rows = [[f"entry-{k}", *(f"{12345.678 * (k + 1) * (j + 1):,.2f}" for j in range(4)),
             "a fairly long note that has to wrap over several lines", "x" * 10] for k in range(3)]
    text = render(fit_table(columns, rows, 80, title="test"))
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    cells = cells_on_lines(text)
    for row in rows:
        for number in row[1:5]:
            assert number in cells, number
        assert row[0] in cells
    assert "left out at 80 columns: optional extra column" in " ".join(lines)
    assert all(word in text for word in "a fairly long note that has to wrap over several lines".split())
    # wide enough: nothing abbreviated or left out
    wide = render(fit_table(columns, rows, 300), 300)
    assert "quantity number 3" in wide and "optional extra column" in wide and "left out" not in wide


def test_catalog_at_80_columns_keeps_every_number_and_name(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run_main(monkeypatch, capsys, "catalog", "gpus", "--format", "json")
    gpus = json.loads(out)["gpus"]
    for kind in ("gpus", "laws", "recipes", "regions"):
        code, out, err = run_main(monkeypatch, capsys, "catalog", kind)
        assert code == 0, err
        table = out.split("Sources (")[0]
        assert max(len(line) for line in table.splitlines()) <= 80, kind
        if kind == "gpus":
            cells = cells_on_lines(table)
            for gpu in gpus:
                assert gpu["name"] in cells  # not MI30 / 0X
                assert f"{gpu['peak_tflops']:,.4g}" in cells  # not 2,25 / 0
                if gpu.get("peak_fp8_tflops"):
                    assert f"{gpu['peak_fp8_tflops']:,.4g}" in cells


def whatif_at_80(monkeypatch, capsys, *varies: str) -> tuple[list[dict], str, list[str]]:
    """`plan whatif TINY --vary ...`: the JSON rows, and the table at 80 columns (checked to fit)
    with its cells."""
    monkeypatch.setenv("COLUMNS", "80")
    args = ["whatif", TINY, *(part for v in varies for part in ("--vary", v)), "-q"]
    code, out, err = run_main(monkeypatch, capsys, *args, "--format", "json")
    rows = json.loads(out)["rows"]
    code, out, err = run_main(monkeypatch, capsys, *args)
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80
    return rows, out, cells_on_lines(out)


def test_whatif_at_80_columns(monkeypatch, capsys):
    rows, out, cells = whatif_at_80(monkeypatch, capsys, "limits.max_co2_t=none,0.1,0.001", "gpus[H100].mfu=0.3,0.4")
    for row in rows:
        if row["plan"] is not None:
            assert f"{row['plan']['cost_usd']['total']:,.0f}" in cells
            assert f"{row['plan']['loss']:.4f}" in cells
    assert sum("infeasible" in c for c in cells) >= 1


def test_whatif_over_objectives_at_80_columns_keeps_every_number_whole(monkeypatch, capsys):
    """Varying `objective` adds a column: the duplicate "objective value" and then status and loss
    are left out (and said so) before any cost, CO2e or day figure breaks across lines."""
    rows, out, cells = whatif_at_80(monkeypatch, capsys, "objective=cost,co2,time", "limits.max_co2_t=none,0.1,0.001")
    planned = [row for row in rows if row["plan"] is not None]
    assert len(planned) >= 3
    for row in planned:
        plan = row["plan"]
        assert f"{plan['cost_usd']['total']:,.0f}" in cells
        assert f"{plan['co2_t']['total']:,.2f}" in cells
        assert f"{plan['duration_days']:,.2f}" in cells
    left_out = " ".join(out.split()).split("left out at 80 columns: ")[1].split(" (widen")[0].split(", ")
    assert left_out[:2] == ["status", "objective value"]
    if "loss" not in left_out:
        assert all(f"{row['plan']['loss']:.4f}" in cells for row in planned)


def test_whatif_at_80_columns_never_leaves_out_the_minimised_loss(monkeypatch, capsys):
    """When a point minimises loss, the loss column is its objective: it stays, every value whole."""
    for objectives in ("loss", "loss,cost"):
        rows, out, cells = whatif_at_80(monkeypatch, capsys, f"objective={objectives}",
                                        "limits.budget_usd=1e5:1e7:3log")
        planned = [row for row in rows if row["plan"] is not None]
        assert planned
        assert all(f"{row['plan']['loss']:.4f}" in cells for row in planned), out
        assert "loss" not in " ".join(out.split()).partition("left out at 80 columns:")[2].partition("(widen")[0]


def test_compare_at_80_columns_keeps_scenario_names(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("COLUMNS", "80")
    other = tmp_path / "b.yaml"
    long_name = "cheap-b200-in-sweden-scenario"
    other.write_text(TINY.read_text().replace("name: tiny", f"name: {long_name}")
                     .replace("B200: {usd_per_gpu_hour: 8.0", "B200: {usd_per_gpu_hour: 5.0"))
    code, out, err = run_main(monkeypatch, capsys, "compare", TINY, other, "--points", "4", "-q", "--details")
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80
    cells = cells_on_lines(out)
    assert long_name in cells and "tiny" in cells
    for number in re.findall(r"\d[\d,]*\.?\d*", out):
        assert not number.endswith(",")  # no number broken after a thousands separator


def test_catalog_sources_wrap_at_80_columns_and_stay_whole(monkeypatch, capsys):
    """The sources under `plan catalog gpus` wrap at words on an 80-column terminal (a word longer
    than the line is never cut) and every source text is still there, word for word."""
    from planner.input import catalog

    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run_main(monkeypatch, capsys, "catalog", "gpus")
    assert code == 0, err
    for line in out.splitlines():
        assert len(line) <= 80 or " " not in line.strip(), line
    flat = " ".join(out.split())
    for name in catalog.names("gpus"):
        for field, text in catalog.sources("gpus", name).items():
            assert f"{name}.{field}: {' '.join(text.split())}" in flat
