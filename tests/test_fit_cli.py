"""`plan fit`: output formats, the law file, the plot, and exit code 2 with one message on bad input.

Exit codes are checked through `cli.main()`, the console-script entry point that turns InputError
into `error: ...` and exit 2: in-process (sys.argv patched) for speed, and once in a subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from planner.input import loading
from planner.input.schema import ScalingLaw
from cli_run import run_main

DATA = Path(__file__).parent / "data"
RUNS = DATA / "fit_runs.csv"



def test_json_output_has_the_documented_keys():
    result = CliRunner().invoke(cli.group, ["fit", str(RUNS), "--format", "json", "--bootstrap", "8"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    for key in ("E", "A", "B", "alpha", "beta", "ci", "n_runs"):
        assert key in doc
    assert doc["n_runs"] == 36 and doc["bootstrap"] == 8 and doc["at_flops"] == 1e24
    assert set(doc["ci"]) == {"E", "A", "B", "alpha", "beta", "tokens_per_param"}
    for low, high in doc["ci"].values():
        assert low <= high
    assert doc["ci"]["alpha"][0] <= doc["alpha"] <= doc["ci"]["alpha"][1]
    assert 0.30 < doc["alpha"] < 0.40 and 0.30 < doc["beta"] < 0.42  # drawn from 0.3478, 0.3658
    assert doc["name"] == "fit-fit_runs" and doc["dropped"] == []


def test_no_bootstrap_means_no_intervals_and_options_are_passed_through():
    result = CliRunner().invoke(cli.group, ["fit", str(RUNS), "--format", "json", "--bootstrap", "0",
                                            "--drop-worst", "2", "--at-flops", "1e22"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["ci"] == {} and doc["bootstrap"] == 0
    assert doc["n_runs"] == 34 and [d["reason"] for d in doc["dropped"]] == ["drop-worst"] * 2
    assert doc["at_flops"] == 1e22


def test_table_output_names_every_parameter():
    result = CliRunner().invoke(cli.group, ["fit", str(RUNS), "--bootstrap", "4", "--max-loss", "4.0"])
    assert result.exit_code == 0, result.output
    for word in ("alpha", "beta", "D*/N* at 1e+24 FLOPs", "95% CI low", "left out"):
        assert word in result.output


def test_output_is_a_scaling_law_block_an_instance_accepts(tmp_path):
    law_file = tmp_path / "law.yaml"
    result = CliRunner().invoke(cli.group, ["fit", str(RUNS), "--bootstrap", "4", "--output", str(law_file),
                                            "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    data = loading.read_yaml(law_file)  # the planner's own safe loader
    assert list(data) == ["scaling_law"]
    block = data["scaling_law"]
    assert set(block) == set(ScalingLaw.model_fields)
    law = ScalingLaw.model_validate(block)
    assert law.name == "fit-fit_runs"
    assert law.source.startswith(f"plan fit {RUNS}, 36 runs, Huber delta 1e-3")
    for key in ("E", "A", "B", "alpha", "beta"):
        assert getattr(law, key) == doc[key]  # written at full precision
    instance = loading.instance_from_dict({
        "objective": "loss", "scaling_law": block, "model_sizes": [1e9],
        "gpus": [{"name": "H100", "available": 8}], "regions": ["us-east"],
    })
    assert instance.scaling_law == law


def test_plot_is_written(tmp_path):
    plot = tmp_path / "fit.png"
    result = CliRunner().invoke(cli.group, ["fit", str(RUNS), "--bootstrap", "0", "--plot", str(plot),
                                            "--drop-worst", "1"])
    assert result.exit_code == 0, result.output
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 10_000


BAD_CSVS = [
    ("fit_missing_loss.csv", "column 'loss': missing; the CSV needs columns params, tokens, loss"),
    ("fit_negative_params.csv", "line 5: params: must be > 0, got -3"),
    ("fit_zero_loss.csv", "line 7: loss: must be > 0, got 0"),
    ("fit_not_a_number.csv", "line 4: tokens: not a number: '8 billion'"),
    ("fit_nan.csv", "line 3: loss: must be a finite number, got nan"),
    ("fit_inf.csv", "line 3: tokens: must be a finite number, got inf"),
    ("fit_missing_value.csv", "line 6: tokens: missing value"),
    ("fit_too_few.csv", "4 runs; at least 6 are needed"),
    ("fit_one_size.csv", "column 'params': every run has params = 1e+09; at least 2 distinct model sizes"),
    ("fit_one_token_count.csv", "column 'tokens': every run has tokens = 2e+10; at least 2 distinct token counts"),
    ("fit_semicolon.csv", "separated by ';'"),
    ("fit_empty.csv", "file is empty"),
    ("fit_header_only.csv", "0 runs; at least 6"),
]


@pytest.mark.parametrize(("name", "message"), BAD_CSVS)
def test_bad_csv_exits_2_with_one_message_and_writes_nothing(monkeypatch, capsys, tmp_path, name, message):
    law_file, plot = tmp_path / "law.yaml", tmp_path / "fit.png"
    code, out, err = run_main(monkeypatch, capsys, "fit", DATA / name, "--output", law_file, "--plot", plot)
    assert code == 2
    assert err.startswith(f"error: {DATA / name}") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err and out == ""
    assert not law_file.exists() and not plot.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", "binary content"),
     ("params,tokens,loss\n1e8,2e9,3.1\n".encode("utf-16"), "UTF-16 text; save the CSV as UTF-8"),
     (b"params,tokens,loss\n1e8,2e9,3.1\xe9\n", "not UTF-8")],
)
def test_binary_and_non_utf8_files_exit_2(monkeypatch, capsys, tmp_path, content, message):
    path = tmp_path / "runs.csv"
    path.write_bytes(content)
    code, _, err = run_main(monkeypatch, capsys, "fit", path)
    assert code == 2 and err.startswith(f"error: {path}") and message in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plot", "{tmp}/fit.txt"], "error: --plot: must end in .png, .pdf, .svg"),
        (["--output", "{tmp}/no/such/dir/law.yaml"], "error: --output: directory"),
        (["--output", "{tmp}"], "error: --output:"),
        (["--max-loss", "2.0"], "error: --max-loss: leaves 0 runs"),
        (["--drop-worst", "31"], "error: --drop-worst: 31 of 36 runs would leave 5"),
        (["--drop-worst", "-1"], "error: --drop-worst: must be >= 0"),
        (["--bootstrap", "-1"], "error: --bootstrap: must be >= 0"),
        (["--at-flops", "-1e24"], "error: --at-flops: must be a finite number > 0"),
        (["--ci", "95"], "error: --ci: must be between 0 and 1"),
        (["--format", "xml"], "Invalid value for '--format'"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(monkeypatch, capsys, tmp_path, args, message):
    law_file = tmp_path / "law.yaml"
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    extra = [] if "--output" in args else ["--output", law_file]
    code, _, err = run_main(monkeypatch, capsys, "fit", RUNS, "--bootstrap", "0", *extra, *args)
    assert code == 2, err
    assert message in err and "Traceback" not in err
    assert not law_file.exists()


def test_missing_file_exits_2(monkeypatch, capsys, tmp_path):
    code, _, err = run_main(monkeypatch, capsys, "fit", tmp_path / "absent.csv")
    assert code == 2 and "file not found" in err


def test_console_entry_point_in_a_fresh_process_without_matplotlib(tmp_path):
    """The real entry point: exit 2 on a bad CSV, exit 0 on a good one, and matplotlib is not
    imported unless --plot is given."""
    script = (
        "import sys, cli\n"
        "try:\n"
        "    cli.main()\n"
        "finally:\n"
        "    sys.stderr.write('matplotlib imported: %s\\n' % ('matplotlib' in sys.modules))\n"
    )
    bad = subprocess.run([sys.executable, "-c", script, "fit", str(DATA / "fit_too_few.csv")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.startswith(f"error: {DATA / 'fit_too_few.csv'}: 4 runs") and "Traceback" not in bad.stderr
    good = subprocess.run([sys.executable, "-c", script, "fit", str(RUNS), "--bootstrap", "2", "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["n_runs"] == 36
    assert "matplotlib imported: False" in good.stderr
