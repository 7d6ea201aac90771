"""What every `plan` command shares: exit codes and turning bad input into one clear message."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from planner.errors import InputError, one_line

EXIT_OK = 0
EXIT_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_LIMIT = 4
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it


def fail_on_input_errors(command: click.Command) -> None:
    """Run a click command; an InputError anywhere prints `error: <field>: <problem>` and exits 2.

    Click's own usage errors (unknown option, missing file argument) already exit 2.
    """
    _finite_float_options()
    try:
        with native_stdout_to_stderr():
            command.main(standalone_mode=False)
    except InputError as exc:
        click.echo(f"error: {one_line(str(exc))}", err=True)
        sys.exit(EXIT_INPUT)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            click.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        if isinstance(exc, click.UsageError) and type(exc).__name__ != "NoArgsIsHelpError":
            hint = f" (see '{exc.ctx.command_path} -h')" if exc.ctx is not None else ""
            click.echo(f"error: {one_line(exc.format_message())}{hint}", err=True)
        else:
            exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except (OverflowError, ZeroDivisionError, FloatingPointError) as exc:
        # Last resort (issue 13): every key is range-checked (planner.input.schema), so this means a
        # combination of extreme but valid numbers still overflowed: one line, not a traceback.
        click.echo(f"error: the inputs are too extreme to compute with ({one_line(str(exc), 200)}); "
                   "bring the numbers closer to real training runs", err=True)
        sys.exit(EXIT_INPUT)
    except MemoryError:
        click.echo("error: out of memory; make the instance or the sweep smaller", err=True)
        sys.exit(EXIT_INPUT)


def _finite_float_options() -> None:
    """Every float option of every command refuses NaN and infinities (`--time-limit nan` would
    otherwise pass click.FloatRange, whose comparisons are all false for NaN): exit 2."""
    base = click.types.FloatParamType
    if getattr(base, "_plan_finite", False):
        return
    original = base.convert

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        result = original(self, value, param, ctx)
        if isinstance(result, float) and not math.isfinite(result):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return result

    base.convert = convert  # type: ignore[method-assign]
    base._plan_finite = True  # type: ignore[attr-defined]


@contextmanager
def native_stdout_to_stderr() -> Iterator[None]:
    """While a command runs, anything written to file descriptor 1 by native code (a solver's C++
    logging) goes to stderr; Python's sys.stdout keeps writing to the real stdout, so `--format json`
    prints exactly one JSON document. Does nothing when sys.stdout is not fd 1 (tests capture it)."""
    try:
        sys.stdout.flush()
        is_fd1 = sys.stdout.fileno() == 1
    except (AttributeError, OSError, ValueError):
        is_fd1 = False
    if not is_fd1:
        yield
        return
    saved = os.dup(1)
    old_stdout = sys.stdout
    try:
        new_stdout = os.fdopen(os.dup(saved), "w", encoding=old_stdout.encoding, errors=old_stdout.errors,
                               newline=None, closefd=True)
        new_stdout.reconfigure(line_buffering=old_stdout.line_buffering)
        os.dup2(2, 1)
        sys.stdout = new_stdout
        try:
            yield
        finally:
            try:
                new_stdout.flush()
            except (OSError, ValueError):
                pass
            sys.stdout = old_stdout
            os.dup2(saved, 1)
            new_stdout.close()
    finally:
        os.close(saved)
