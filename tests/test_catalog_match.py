"""`plan catalog --match virginia` and `regions: [virginia]`: a place finds the entries located
there, no empty tables are printed, and no unrelated name ('india') is suggested."""

from cli_run import run_main

from planner.errors import InputError
from planner.input.loading import instance_from_dict


def test_match_prints_only_kinds_with_a_match(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "catalog", "--match", "virginia")
    assert code == 0, err
    assert "Regions" in out and "us-east" in out and "gcp-us-east4" in out
    assert "GPUs" not in out and "Scaling laws" not in out  # no empty tables


def test_match_without_any_entry_says_so(monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "catalog", "--match", "atlantis")
    assert code == 0 and "no catalog entry matches 'atlantis'" in out


def test_a_place_as_a_region_name_suggests_the_regions_there():
    data = {"model_sizes": [7e9], "targets": {"max_loss": 2.1}, "gpus": ["H100"], "regions": ["virginia"]}
    try:
        instance_from_dict(data)
    except InputError as exc:
        message = str(exc)
    else:
        raise AssertionError("virginia is not a catalog name")
    assert "did you mean 'india'" not in message
    assert "us-east" in message and "aws-us-east-1" in message
