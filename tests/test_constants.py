"""planner.constants: statuses and objectives are enums that read, hash and print as their text;
an unknown text becomes `unknown`; every answer's status is the enum."""

import json

from planner.constants import HIGHS_STATUS, Objective, PlanStatus
from planner.input.loading import load_instance
from planner.optimize.pipeline import solve_instance


def test_enums_are_their_text():
    assert PlanStatus.OPTIMAL == "optimal" and str(PlanStatus.INFEASIBLE) == "infeasible"
    assert {"optimal": 1}[PlanStatus.OPTIMAL] == 1 and {"loss": 2}[Objective.LOSS] == 2
    assert json.dumps([PlanStatus.TIME_LIMIT, Objective.CO2]) == '["time_limit", "co2"]'


def test_unknown_status_text_is_unknown():
    assert PlanStatus.process("kNotset") is PlanStatus.UNKNOWN
    assert PlanStatus.process("within_gap") is PlanStatus.WITHIN_GAP


def test_highs_map_gives_planner_statuses():
    assert set(HIGHS_STATUS.values()) <= {s.value for s in PlanStatus}


def test_answers_carry_the_enum():
    result = solve_instance(load_instance("instances/infeasible-deadline.yaml"), explain=False)
    assert result.status is PlanStatus.INFEASIBLE
