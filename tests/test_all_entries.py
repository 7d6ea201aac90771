"""`gpus: all` with `regions: all`: catalog GPUs carry no count, catalog regions no offers, so the
pair could never validate; `gpus: {all: {available: N}}` gives every catalog GPU a count."""

import pytest

from planner.errors import InputError
from planner.input import catalog
from planner.input.loading import instance_from_dict

BASE = {"model_sizes": [7e9], "targets": {"max_loss": 2.3}, "regions": "all"}


def test_all_gpus_with_a_count_validate_with_all_regions():
    instance = instance_from_dict({**BASE, "gpus": {"all": {"available": 1024}}})
    assert [g.name for g in instance.gpus] == catalog.names("gpus")
    assert all(g.available == 1024 for g in instance.gpus)
    assert [r.name for r in instance.regions] == catalog.names("regions")
    h100 = next(g for g in instance.gpus if g.name == "H100")
    assert h100.peak_tflops == catalog.entry("gpus", "H100")["peak_tflops"]  # the rest from the catalog


def test_all_gpus_without_a_count_say_how_to_give_one():
    with pytest.raises(InputError, match=r"gpus: \{all: \{available: 1024\}\}"):
        instance_from_dict({**BASE, "gpus": "all"})
