"""What every `plan` command shares: exit codes and turning bad input into one clear message."""

from __future__ import annotations

import sys

import click

from planner.errors import InputError

EXIT_OK = 0
EXIT_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_LIMIT = 4


def fail_on_input_errors(command: click.Command) -> None:
    """Run a click command; an InputError anywhere prints `error: <field>: <problem>` and exits 2.

    Click's own usage errors (unknown option, missing file argument) already exit 2.
    """
    try:
        command.main(standalone_mode=False)
    except InputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
