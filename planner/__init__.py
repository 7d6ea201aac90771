"""plan: choose an LLM training run (size, tokens, GPUs, region, alignment) as one exact MIP.

`planner.whatif(...)` and `planner.frontier(...)` return pandas DataFrames; they are imported on
first use so that `plan solve` does not load pandas.
"""

from __future__ import annotations

import sys
import types
from typing import Any

__all__ = ["whatif", "frontier"]


class _Package(types.ModuleType):
    """The functions `whatif` and `frontier` share their names with the modules that define them,
    and importing a submodule (`from planner.whatif import run_whatif`) sets the package attribute
    of that name to the module. A module-level __getattr__ would then never run and
    `planner.whatif(...)` would call a module; these properties keep the functions there (lazily
    imported) and ignore that assignment (the modules stay in sys.modules)."""

    @property
    def whatif(self) -> Any:
        from planner.whatif import whatif

        return whatif

    @whatif.setter
    def whatif(self, value: Any) -> None:
        pass

    @property
    def frontier(self) -> Any:
        from planner.frontier import frontier

        return frontier

    @frontier.setter
    def frontier(self, value: Any) -> None:
        pass


sys.modules[__name__].__class__ = _Package
