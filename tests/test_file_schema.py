"""`plan schema` describes the file users write: every bundled instance validates against it with
jsonschema (catalog names, `regions: all`, catalog entries with overrides), and what the loader
refuses the schema refuses too."""

import json
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")

from planner.input.loading import read_yaml  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = sorted((ROOT / "instances").glob("*.yaml"))


@pytest.fixture(scope="module")
def validator():
    from click.testing import CliRunner

    import cli

    result = CliRunner().invoke(cli.group, ["schema"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(document)


@pytest.mark.parametrize("path", INSTANCES, ids=[p.stem for p in INSTANCES])
def test_every_bundled_instance_validates(validator, path):
    errors = [f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(read_yaml(path))]
    assert errors == []


BASE = {"model_sizes": [7e9], "targets": {"max_loss": 2.1}, "gpus": ["H100"], "regions": ["us-east"]}


@pytest.mark.parametrize("change", [
    {"gpus": "al"},                                         # not `all`
    {"gpus": [{"name": "my-gpu", "mfu": 0.4}]},             # not a catalog name: must be complete
    {"gpus": ["H1OO"]},                                     # not a catalog name
    {"regions": [{"name": "my-dc"}]},                        # neither carbon_g_per_kwh nor grid
    {"limits": {"budget": 1e6}},                             # unknown key
    {"scaling_law": {"name": "epoch2024", "alpha": -1}},    # a bound on the field
])
def test_what_the_loader_refuses_the_schema_refuses(validator, change):
    assert list(validator.iter_errors({**BASE, **change}))


@pytest.mark.parametrize("change", [
    {"gpus": "all", "regions": "all"},
    {"gpus": {"all": {"available": 1024}}, "regions": "all"},
    {"gpus": [{"name": "H100", "mfu": 0.38}]},
    {"regions": [{"name": "my-dc", "grid": "SWE"}]},
    {"scaling_law_samples": {"file": "laws.csv"}},
])
def test_what_the_loader_takes_the_schema_takes(validator, change):
    assert [e.message for e in validator.iter_errors({**BASE, **change})] == []
