"""`plan` command line: a thin click layer over the planner package.

Exit codes (spec section 5): 0 optimal / done; 2 invalid input; 3 infeasible; 4 stopped by a limit.
Each command lives in planner/cli_<name>.py and is registered here.
"""

from __future__ import annotations

import click

from planner.cli_support import EXIT_INPUT, fail_on_input_errors


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="plan-llm")
def group() -> None:
    """Plan an LLM training run at the lowest cost or CO2: model size, tokens, GPUs, region, alignment."""


def _register() -> None:
    from planner.cli_catalog import catalog_command
    from planner.cli_evaluate import evaluate
    from planner.cli_fit import fit
    from planner.cli_solve import solve
    from planner.cli_compare import compare  # noqa: I001 -- what-if / frontier commands (issue 4)
    from planner.cli_frontier import frontier
    from planner.cli_whatif import whatif

    for command in (solve, evaluate, fit, catalog_command, whatif, frontier, compare):
        group.add_command(command)


_register()


def main() -> None:
    """Console-script entry point: every InputError becomes one message and exit code 2."""
    fail_on_input_errors(group)


__all__ = ["main", "group", "EXIT_INPUT"]
