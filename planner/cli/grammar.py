"""The options every command that reads an instance shares, written once:

    --set PATH=VALUE   change one input before anything runs (the --vary paths; `none` is YAML
                       null; an unknown path is an error); repeatable
    -o, --output FILE  write what would be printed to FILE instead, atomically, only when the
                       command answers (exit 0, 3 or 4); nothing is written on bad input

`plan solve`, `evaluate`, `whatif`, `frontier`, `compare`, `rank` and `uncertainty` take both.
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections.abc import Callable
from typing import Any

import click

from planner.cli.atomic import check_output_path, write_atomic

SET_HELP = ("Change one input, e.g. limits.budget_usd=5e6 or regions[sweden].pue=1.1 (the --vary paths of "
            "`plan whatif`; VALUE as in YAML, `none` is null: the value switched off). Repeatable.")


def set_option(command: Callable) -> Callable:
    """`--set PATH=VALUE` (repeatable), given to the command as `settings`."""
    return click.option("--set", "settings", multiple=True, metavar="PATH=VALUE", help=SET_HELP)(command)


def changes_of(settings: tuple[str, ...] | list[str]) -> list[tuple[str, Any]]:
    """`--set` texts -> (path, value) pairs for planner.input.loading (InputError on a bad one)."""
    if not settings:
        return []
    from planner.input.sweep_paths import parse_set  # only --set needs the path grammar

    return [parse_set(text) for text in settings]


#: exit codes after which the answer is written (an answer, an infeasible one, a stopped one)
_ANSWERED = (0, 3, 4)


def output_option(inputs: Callable[[dict[str, Any]], tuple] = lambda kwargs: ()) -> Callable:
    """`-o/--output FILE`: what the command prints goes to FILE instead (atomically, once the
    command has answered); `inputs(kwargs)` names the command's input files, which FILE may not be."""
    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapper(*args: Any, output: str | None = None, **kwargs: Any) -> Any:
            if output is None:
                return command(*args, **kwargs)
            from planner.input.loading import named_files

            given = tuple(inputs(kwargs))
            # every file an instance names (a law-samples file) is an input too, never overwritten
            check_output_path(output, inputs=given + tuple(f for path in given for f in named_files(path)),
                              others={"--plot": kwargs.get("plot")})
            buffer = io.StringIO()
            code: int | None = 0
            try:
                with contextlib.redirect_stdout(buffer):
                    command(*args, **kwargs)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                if code not in _ANSWERED:
                    raise
            write_atomic(output, buffer.getvalue())
            click.echo(f"wrote {output}", err=True)
            raise SystemExit(code)
        return click.option("--output", "-o", "output", type=click.Path(dir_okay=False), default=None,
                            help="Write the answer to FILE (atomically) instead of printing it.")(wrapper)
    return decorate


__all__ = ["set_option", "output_option", "changes_of", "SET_HELP"]
