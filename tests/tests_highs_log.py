"""Test helper: the model `plan solve` would hand HiGHS, run with HiGHS's log written to a file."""

from __future__ import annotations

import tempfile
from pathlib import Path

import highspy
import pyomo.environ as pyo

from models import training_plan
from planner.optimize.pipeline import mip_inputs, presolve_instance
from planner.optimize.solve import compile_model


def built_model(instance):
    """The Pyomo model solve_instance builds for `instance` (None when the presolve keeps no row)."""
    pre = presolve_instance(instance)
    if len(pre.kept) == 0:
        return None
    return training_plan.build(mip_inputs(instance, pre))


def highs_log(instance) -> str:
    """HiGHS's own log of solving the model (empty when there is no model)."""
    model = built_model(instance)
    if model is None:
        return ""
    compiled = compile_model(model)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "highs.log"
        h = highspy.Highs()
        h.setOptionValue("log_to_console", False)
        h.setOptionValue("log_file", str(log))
        h.passModel(compiled.lp)
        h.run()
        h.setOptionValue("log_file", "")
        return log.read_text() if log.exists() else ""


def rows_held(instance) -> tuple[int, int]:
    """(rows HiGHS holds after passModel, active constraints of the Pyomo model)."""
    model = built_model(instance)
    compiled = compile_model(model)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(compiled.lp)
    active = sum(1 for _ in model.component_data_objects(pyo.Constraint, active=True))
    return h.getNumRow(), active
