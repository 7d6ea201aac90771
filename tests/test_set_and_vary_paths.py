"""The path grammar of --set / --vary (planner.input.sweep_paths): `none` is YAML null, an unknown
path is an error, one field named two ways is one field, integer keys take log ranges."""

import pytest
from cli_run import run_main

from planner.analysis.whatif import parse_varies
from planner.errors import InputError
from planner.input.loading import load_instance
from planner.input.sweep_paths import parse_vary

INFEASIBLE = "instances/infeasible-deadline.yaml"
STARTUP = "instances/startup-7b.yaml"


def test_none_on_one_deadline_key_keeps_the_other(monkeypatch, capsys):
    """`limits.deadline=none` used to drop deadline_days too: a 2,042-day 'optimal' plan, exit 0."""
    code, out, err = run_main(monkeypatch, capsys, "solve", INFEASIBLE,
                              "--set", "limits.deadline_days=10", "--set", "limits.deadline=none")
    assert code == 3, out + err
    instance = load_instance(INFEASIBLE, changes=[("limits.deadline_days", 10), ("limits.deadline", None)])
    assert instance.limits.deadline_days == 10


def test_unknown_path_set_to_none_is_an_error(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "solve", STARTUP, "--set", "limits.deadlin=none")
    assert code == 2
    assert "limits.deadlin" in err and "Traceback" not in err


def test_none_switches_off_a_catalog_value():
    """The catalog H100 has an MTBF (failures on); `=none` is YAML null, as in the file."""
    assert load_instance(STARTUP).gpus[0].mtbf_hours is not None
    instance = load_instance(STARTUP, changes=[("gpus[H100].mtbf_hours", None)])
    assert instance.gpus[0].name == "H100" and instance.gpus[0].mtbf_hours is None


def test_integer_key_takes_a_log_range_rounded():
    vary = parse_vary("gpus[H100].available=512:16384:6log")
    assert vary.values == (512, 1024, 2048, 4096, 8192, 16384)
    assert all(type(v) is int for v in vary.values)
    assert parse_vary("gpus[H100].available=1:3:5lin").values == (1, 2, 3)  # 1.5 and 2.5 round away


def test_float_key_keeps_its_range():
    assert parse_vary("limits.budget_usd=1e6:4e6:3log").values == pytest.approx((1e6, 2e6, 4e6))


def test_integer_log_range_solves(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "whatif", STARTUP, "--vary",
                              "gpus[H100].available=512:16384:6log", "--format", "csv")
    assert code == 0, err
    rows = out.splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["512", "1024", "2048", "4096", "8192", "16384"]


@pytest.mark.parametrize("first, second", [
    ("gpus[0].mfu", "gpus[H100].mfu"),
    ("regions[sweden].offers.H100.available", "regions[1].offers[H100].available"),
])
def test_one_field_named_two_ways_is_refused_for_vary(first, second):
    data = {"gpus": [{"name": "H100"}], "regions": ["us-east", {"name": "sweden", "offers": {"H100": {}}}]}
    with pytest.raises(InputError, match="given twice"):
        parse_varies([f"{first}=0.3,0.4", f"{second}=0.5"], data)


def test_one_field_named_two_ways_is_refused_for_set(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "solve", STARTUP,
                              "--set", "gpus[0].mfu=0.3", "--set", "gpus[H100].mfu=0.5")
    assert code == 2 and "given twice" in err, err
