"""The one table of limits and objectives (planner.formulas.limits): every limit of the schema
has a row, each row reads the plan figure it names, and the layers that name limits take them
from the table (no module outside it lists them again)."""

from pathlib import Path

import pytest

from planner.formulas.evaluate import evaluate_plan, find_violations
from planner.formulas.limits import ALIASES, BY_KEY, LIMITS, OBJECTIVES, SETTINGS
from planner.input.loading import load_instance
from planner.input.schema import Instance, Limits
from planner.optimize.pipeline import solve_instance

ROOT = Path(__file__).resolve().parent.parent
STARTUP = ROOT / "instances" / "startup-7b.yaml"


def test_every_limit_field_has_a_row():
    fields = set(Limits.model_fields) - set(ALIASES) - SETTINGS
    assert fields == set(BY_KEY), "add a row to planner/formulas/limits.py for " + ", ".join(fields - set(BY_KEY))


def test_every_objective_has_a_row():
    from typing import get_args

    assert set(get_args(Instance.model_fields["objective"].annotation)) == set(OBJECTIVES)


def test_rows_read_the_figures_they_name():
    instance = load_instance(STARTUP)
    m = solve_instance(instance, explain=False).metrics
    expected = {"budget_usd": m.cost_usd.total, "max_co2_t": m.co2_t.total, "deadline_days": m.duration_days,
                "max_training_flops": m.flops.total}
    assert {limit.key: limit.read(m) for limit in LIMITS} == expected
    assert OBJECTIVES["weighted"].read(m, 100.0) == pytest.approx(m.cost_usd.total + 100.0 * m.co2_t.total)


@pytest.mark.parametrize("limit", LIMITS, ids=lambda l: l.key)
def test_each_limit_is_checked_and_binding_through_its_row(limit):
    """Set each limit just under the plan's figure: evaluate reports it broken; at the figure the
    re-solved plan lists it (or another) as binding."""
    instance = load_instance(STARTUP)
    result = solve_instance(instance, explain=False)
    value = limit.read(result.metrics)
    tight = load_instance(STARTUP, changes=[(limit.path, value * (1 - 1e-3))])
    broken = find_violations(tight, result.plan, evaluate_plan(tight, result.plan))
    assert limit.key in [v.limit for v in broken]


def test_no_layer_lists_the_limits_again():
    """No tuple, list, set or dict outside the table names two of the limits (a fifth limit is one
    row, not fifteen edits); docstrings may mention them."""
    import ast

    keys = set(BY_KEY)
    found = []
    for path in (ROOT / "planner").rglob("*.py"):
        if path.name == "limits.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else \
                node.keys if isinstance(node, ast.Dict) else []
            named = {i.value for i in items if isinstance(i, ast.Constant) and i.value in keys}
            if len(named) >= 2:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {sorted(named)}")
    assert found == []


def test_the_model_has_an_input_for_every_limit():
    """The MIP's inputs are filled from the table (planner.optimize.pipeline.mip_inputs): each
    limit row needs its field in models.inputs.MipInputs."""
    import dataclasses

    from models.inputs import MipInputs

    assert set(BY_KEY) <= {f.name for f in dataclasses.fields(MipInputs)}


def test_every_campaign_limit_has_a_row_and_is_checked_through_it():
    """A campaign file's limits are the table's rows of the same keys (CAMPAIGN_LIMITS, read from
    the campaign's metrics): each field has one, and the evaluator reports a plan over a limit set
    at half the plan's own figure, by the row's noun, with the plan's figure and the limit."""
    import re

    from planner.formulas.campaign_evaluate import evaluate_campaign
    from planner.formulas.limits import CAMPAIGN_LIMITS
    from planner.input.campaign_loading import load_campaign
    from planner.input.campaign_schema import CampaignLimits
    from planner.optimize.campaign_solve import solve_campaign

    assert [row.key for row in CAMPAIGN_LIMITS] == list(CampaignLimits.model_fields)
    campaign = load_campaign(ROOT / "instances" / "campaigns" / "campaign-procurement.yaml")
    result = solve_campaign(campaign)
    figures = {"budget_usd": result.metrics.cost_usd, "max_co2_t": result.metrics.co2_t}
    for row in CAMPAIGN_LIMITS:
        assert row.read(result.metrics) == figures[row.key]
        tight = campaign.model_copy(update={"limits": CampaignLimits(**{row.key: figures[row.key] / 2})})
        broken = [v for v in evaluate_campaign(tight, result.plan).violations if v.startswith(f"{row.noun}:")]
        assert len(broken) == 1, broken
        numbers = [float(x.replace(",", "")) for x in re.findall(r"(?<![\w.])[0-9][0-9,]*(?:\.[0-9]+)?", broken[0])]
        assert numbers[0] == pytest.approx(figures[row.key], rel=1e-3)       # the plan's figure
        assert numbers[1] == pytest.approx(figures[row.key] / 2, rel=1e-3)   # the limit
