"""Errors the planner raises on purpose; the CLI maps each to an exit code.

| error          | exit | meaning                                                  |
|----------------|------|----------------------------------------------------------|
| InputError     | 2    | the instance (or CSV, or option) is invalid; one message |
| InfeasibleError| 3    | no plan satisfies the limits (raised by callers that want it) |
"""

from __future__ import annotations


class InputError(ValueError):
    """Invalid input: `field` is the dotted path (``gpus[0].mfu``), `problem` what is wrong."""

    def __init__(self, field: str, problem: str):
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}" if field else problem)


class InfeasibleError(RuntimeError):
    """No plan exists; `explanation` says which limits conflict."""

    def __init__(self, explanation: str):
        self.explanation = explanation
        super().__init__(explanation)
