"""`plan` command line: a thin click layer over the planner package.

Exit codes (README "Commands"): 0 optimal / done; 2 invalid input; 3 infeasible; 4 stopped by a limit.
Each command lives in planner/cli/<name>.py and is imported only when it runs (so `plan solve` does
not pay for scipy, pandas or matplotlib).
"""

from __future__ import annotations

import gc
import sys

# No cyclic garbage collection while the command's modules load (numpy, pydantic, Pyomo and HiGHS
# create hundreds of thousands of objects and none of them is garbage). LazyGroup.get_command turns
# it back on once the command's module is imported; main() does if no command is.
gc.disable()

#: True in the `plan` console script (entry()): the process ends with the command, so what the
#: imports built is frozen (gc.freeze) and never traversed by a collection again.
_CONSOLE = False

import importlib  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402

import click  # noqa: E402

from planner.cli import end_startup_handlers  # noqa: E402
from planner.cli.support import EXIT_INPUT, Interrupted, fail_on_input_errors  # noqa: E402

#: command name -> one line for `plan --help` (so the help imports no command module)
SUMMARIES = {
    "solve": "The optimal plan of an instance.",
    "evaluate": "Price the plan fixed under `plan:` and list the limits it breaks.",
    "whatif": "Re-solve over a grid of inputs (--vary PATH=SPEC).",
    "frontier": "The exact Pareto frontier of two quantities (epsilon-constraint).",
    "compare": "Several scenarios' frontiers: which wins where.",
    "rank": "The best plan for each region, GPU, size or recipe.",
    "fit": "Fit a scaling law to your own runs.",
    "catalog": "The built-in catalog, every number with its source.",
    "uncertainty": "Monte Carlo over uncertain inputs: how sure is the plan.",
    "schema": "The JSON Schema of an instance file.",
    "campaign": "Plan several runs over months, sites and a GPU fleet in one MIP.",
    "page": "A local web page: move budget, deadline, carbon price; see the plan.",
}

#: command name -> "module:attribute" of its click command
COMMANDS = {
    "solve": "planner.cli.solve:solve",
    "evaluate": "planner.cli.evaluate:evaluate",
    "whatif": "planner.cli.whatif:whatif",
    "frontier": "planner.cli.frontier:frontier",
    "compare": "planner.cli.compare:compare",
    "rank": "planner.cli.rank:rank",
    "fit": "planner.cli.fit:fit",
    "catalog": "planner.cli.catalog:catalog_command",
    "uncertainty": "planner.cli.uncertainty:uncertainty",
    "schema": "planner.cli.schema:schema_command",
    "campaign": "planner.cli.campaign:campaign",
    "page": "planner.cli.page:page",
}


@contextmanager
def _past_click() -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt as exc:
        raise Interrupted() from exc


class LazyGroup(click.Group):
    """A click group that imports a command's module only when that command is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attribute = target.split(":")
        gc.disable()
        try:
            return getattr(importlib.import_module(module), attribute)
        finally:
            collect_after_imports()

    # Ctrl-C while the command line is parsed, a command's module loads or the command runs
    # leaves as support.Interrupted: click would print an empty line before its Abort
    # ("interrupted" is the one line).
    def make_context(self, *args, **kwargs) -> click.Context:  # noqa: ANN002,ANN003
        with _past_click():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        with _past_click():
            return super().invoke(ctx)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `plan --help` from SUMMARIES: no command module is imported."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, SUMMARIES.get(name, "")) for name in self.list_commands(ctx)])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="plan-llm")
def group() -> None:
    """Plan an LLM training run at the lowest cost or CO2: model size, tokens, GPUs, region, alignment."""


def collect_after_imports() -> None:
    """Garbage collection back on after the command's imports. In the console script the objects
    the imports made (some 300,000, none garbage) are first frozen: without it the collections the
    command triggers traverse all of them again (0.05-0.08 s of `plan solve`). Not in-process
    (tests call main() many times; freezing there would keep their garbage forever)."""
    if _CONSOLE:
        gc.freeze()
    gc.enable()


def main() -> None:
    """Console-script entry point: every InputError becomes one message and exit code 2; Ctrl-C
    exits 130 with one line; SIGTERM / SIGHUP end the workers and exit 128 + the signal; any other
    exception is one line and exit 1 (planner.cli.support.map_exception): never a traceback."""
    try:
        end_startup_handlers()  # installed by planner/cli/__init__.py; from here on, KeyboardInterrupt
        fail_on_input_errors(group)
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 -- Ctrl-C between the lines above, or the guard's own failure
        from planner.cli.support import map_exception, say

        message, code = map_exception(exc)
        say(message)
        sys.exit(code)
    finally:
        gc.enable()


def entry() -> None:
    """The `plan` console script: main(), then leave at once. Every command has written and closed
    its outputs (atomically) and ended its workers by then; what is left is the interpreter tearing
    down hundreds of modules (0.1-0.2 s for `plan solve`), which os._exit skips after flushing the
    standard streams."""
    import os

    global _CONSOLE
    _CONSOLE = True
    # BLAS on one thread unless the user says otherwise: every matrix here is small, and OpenBLAS's
    # idle threads spin on the other cores (0.12 s of CPU per `plan solve` on 2 cores; worse with
    # --workers, each worker inheriting this).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # The instance schema is this tool's own: no third-party pydantic plugin instruments it, and
    # pydantic skips scanning every installed package's entry points for plugins (2-4 ms).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    code = 0
    try:
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if exc.code is not None and not isinstance(exc.code, int):
                from planner.cli.support import say

                say(str(exc.code))
        try:
            sys.stdout.flush()
        except (OSError, ValueError) as exc:  # a closed pipe (plan solve | head), a full disk
            from planner.cli.support import map_exception, say

            if code == 0:
                message, code = map_exception(exc)
                if not isinstance(exc, BrokenPipeError):  # `| head` closing the pipe is no error to report
                    say(message)
                code = code or 1
        try:
            sys.stderr.flush()
        except (OSError, ValueError, AttributeError):  # AttributeError: no stderr at all (2>&-)
            pass
    except KeyboardInterrupt:  # Ctrl-C while the answer is flushed
        code = 130
    except BaseException:  # noqa: BLE001 -- never a traceback, whatever happens on the way out
        code = code or 1
    os._exit(code)


__all__ = ["main", "entry", "group", "EXIT_INPUT"]
