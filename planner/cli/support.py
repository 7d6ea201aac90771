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
EXIT_INTERNAL = 1  # an error of this tool (or of the machine: a full disk, a closed stdout)
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it
#: Where an internal error is to be reported (the one line of exit 1 says so).
REPORT_TO = "please report it to the plan maintainers with the command line that caused it"


class Terminated(BaseException):
    """SIGTERM or SIGHUP reached `plan` (`timeout`, a CI cancellation, a closed terminal): raised in
    the main thread like KeyboardInterrupt, so every `except BaseException` that ends workers runs
    (planner.analysis.executor) before the process exits with 128 + the signal's number."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class Interrupted(BaseException):
    """Ctrl-C (KeyboardInterrupt) on its way out of a command, past click (planner.cli.main): one
    line and exit 130, like KeyboardInterrupt itself."""


_MAIN_PID: int | None = None


def _raise_terminated(signum, frame):  # noqa: ANN001
    if os.getpid() != _MAIN_PID:  # a forked worker before its own handlers are set: die as asked
        import signal

        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    from planner.cli import may_raise

    if may_raise(signum, frame):
        raise Terminated(signum)


@contextmanager
def termination_raises() -> Iterator[None]:
    """While a command runs, SIGTERM and SIGHUP raise Terminated in this process (workers are
    ended on the way out, planner.analysis.executor); the previous handlers come back after.
    Signals someone chose to ignore (nohup) stay ignored."""
    import signal

    global _MAIN_PID
    _MAIN_PID = os.getpid()
    saved = {}
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        try:
            previous = signal.getsignal(signum)
            if previous is signal.SIG_IGN:
                continue
            signal.signal(signum, _raise_terminated)
            saved[signum] = previous
        except ValueError:  # not the main thread: leave the handlers alone
            pass
    try:
        yield
    finally:
        for signum, previous in saved.items():
            signal.signal(signum, previous if previous is not None else signal.SIG_DFL)


class ClosedStdout:
    """sys.stdout when `plan` was started with file descriptor 1 closed (`plan solve >&-`): any
    write is an OSError (mapped to one line, exit 1), so an answer is never lost in silence; a
    command whose answer goes to --output runs as usual."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, text: str) -> int:
        import errno

        raise OSError(errno.EBADF, "standard output is closed; nothing could be written")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError("standard output is closed")


def guard_standard_streams() -> None:
    """Before a command runs: a closed stdout becomes ClosedStdout (with /dev/null on descriptor 1,
    so no file the command opens takes its place and receives native output), and text that the
    stdout encoding cannot hold (an ASCII-only locale) is written as backslash escapes, never an
    exception in the middle of a table. A closed stderr (`2>&-`) becomes /dev/null, descriptor 2
    included: messages go nowhere, the exit code stays the command's, and no file the command
    opens takes descriptor 2 and receives native output."""
    if sys.stderr is None:
        _devnull_on(2)
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 -- the process's stderr
    if sys.stdout is None:
        _devnull_on(1)
        sys.stdout = ClosedStdout()  # type: ignore[assignment]
        return
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    if encoding not in ("utf8", "utf16", "utf32") and hasattr(sys.stdout, "reconfigure"):
        try:
            sys.stdout.reconfigure(errors="backslashreplace")
        except (ValueError, OSError, AttributeError):
            pass


def _devnull_on(fd: int) -> None:
    """/dev/null on descriptor `fd` when it is closed (left alone when it is open)."""
    try:
        os.fstat(fd)
        return
    except OSError:
        pass
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        if null != fd:
            os.dup2(null, fd)
            os.close(null)
    except OSError:
        pass


def say(message: str) -> None:
    """One line on stderr, whatever stderr is (closed, or ASCII-only): never an exception."""
    try:
        stream = sys.stderr
        encoding = getattr(stream, "encoding", None) or "ascii"
        line = message.encode(encoding, "backslashreplace").decode(encoding, "replace")
        stream.write(line + "\n")
        stream.flush()
    except Exception:  # noqa: BLE001 -- nowhere left to say it
        pass


def fail_on_input_errors(command: click.Command) -> None:
    """Run a click command; an InputError anywhere prints `error: <field>: <problem>` and exits 2.

    Click's own usage errors (unknown option, missing file argument) already exit 2. Everything
    else is mapped too (map_exception): no exception ever reaches the user as a traceback.
    """
    import warnings

    from planner.cli import RECEIVED

    RECEIVED.clear()  # a test runs many commands in one process
    _finite_float_options()
    guard_standard_streams()
    from planner.input.loading import forget_changes

    forget_changes()
    try:
        with termination_raises(), native_stdout_to_stderr(), warnings.catch_warnings():
            # numpy's overflow warnings are not for the user: an overflow that matters is an
            # exception mapped to one line below, one that does not is handled where it happens
            warnings.filterwarnings("ignore", category=RuntimeWarning,
                                    message=r"(overflow|underflow|divide by zero|invalid value) encountered")
            command.main(standalone_mode=False)
    except SystemExit:
        raise
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            say("interrupted")
            sys.exit(EXIT_INTERRUPTED)
        say("aborted")
        sys.exit(1)
    except click.ClickException as exc:
        if isinstance(exc, click.UsageError) and type(exc).__name__ != "NoArgsIsHelpError":
            hint = f" (see '{exc.ctx.command_path} -h')" if exc.ctx is not None else ""
            say(f"error: {one_line(exc.format_message())}{hint}")
        else:
            exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BaseException as exc:  # noqa: BLE001 -- the one top-level guard (README, "Exit codes")
        message, code = map_exception(exc)
        say(message)
        sys.exit(code)


def map_exception(exc: BaseException) -> tuple[str, int]:
    """(one line for stderr, exit code) for any exception a command let through (README, "Exit
    codes"): bad input 2 naming what to change; Ctrl-C 130, SIGTERM/SIGHUP 128 + signal; a full
    disk, a closed or ASCII-only stdout, a refused solver model, a lost worker: 1 with what failed;
    anything else: 1 with where it failed and where to report it. Never a traceback."""
    import errno

    exc = _signal_behind(exc)
    if isinstance(exc, InputError):
        return f"error: {one_line(str(exc))}", EXIT_INPUT
    if isinstance(exc, (KeyboardInterrupt, Interrupted)):
        return "interrupted", EXIT_INTERRUPTED
    if isinstance(exc, Terminated):
        import signal

        name = signal.Signals(exc.signum).name if exc.signum in signal.Signals._value2member_map_ else exc.signum
        return f"terminated ({name})", 128 + int(exc.signum)
    if isinstance(exc, (OverflowError, ZeroDivisionError, FloatingPointError)):
        # Every key is range-checked (planner.input.schema), so this means a combination of extreme
        # but valid numbers still overflowed: one line, naming the most extreme value when known.
        from planner.cli.extremes import too_extreme

        return too_extreme(one_line(str(exc), 120)), EXIT_INPUT
    if isinstance(exc, RecursionError):
        return "error: input nested too deeply (lists or mappings inside each other)", EXIT_INPUT
    if isinstance(exc, MemoryError):
        return "error: out of memory; make the instance or the sweep smaller", EXIT_INPUT
    if type(exc).__name__ == "SolverError":  # HiGHS refused the model: in-range but extreme numbers
        from planner.cli.extremes import too_extreme

        return too_extreme(one_line(str(exc), 120)), EXIT_INPUT
    if isinstance(exc, UnicodeEncodeError):
        return ("error: the output holds characters the terminal's encoding "
                f"({getattr(sys.stdout, 'encoding', '?')}) cannot show; set PYTHONIOENCODING=utf-8 "
                "(or a UTF-8 locale) or use --format json"), EXIT_INTERNAL
    if isinstance(exc, BrokenPipeError) or (isinstance(exc, OSError) and exc.errno == errno.EPIPE):
        return "error: the output pipe was closed before everything was written", EXIT_INTERNAL
    if isinstance(exc, ValueError) and "I/O operation on closed file" in str(exc):
        return "error: standard output is closed; nothing could be written", EXIT_INTERNAL
    if type(exc).__name__ == "BrokenProcessPool":
        return ("error: a worker process died before answering (killed, e.g. out of memory); "
                "run with fewer --workers or a smaller sweep"), EXIT_INTERNAL
    if isinstance(exc, OSError):
        what = exc.strerror or str(exc) or type(exc).__name__
        name = f" {exc.filename}" if exc.filename else ""
        if exc.errno in (errno.ENOSPC, errno.EDQUOT if hasattr(errno, "EDQUOT") else errno.ENOSPC):
            return f"error: cannot write{name}: {what} (the disk is full)", EXIT_INTERNAL
        if exc.errno == errno.EBADF and not name:
            return f"error: {one_line(what, 200)}", EXIT_INTERNAL
        return f"error: cannot read or write{one_line(name, 100)}: {one_line(what, 200)}", EXIT_INTERNAL
    where = _where(exc)
    return (f"internal error: {type(exc).__name__}: {one_line(str(exc), 200)}{where}; {REPORT_TO}",
            EXIT_INTERNAL)


def _signal_behind(exc: BaseException) -> BaseException:
    """The signal behind `exc` when there is one: Ctrl-C or SIGTERM inside a compiled module's
    initialisation comes out as `ImportError: initialization failed` caused by it (pybind11), one
    inside pydantic's lazy schema build as a SchemaError holding only its text (then the signal
    plan's handler received, planner.cli.RECEIVED, is the cause)."""
    seen = exc
    for _ in range(8):
        if isinstance(seen, (KeyboardInterrupt, Interrupted, Terminated)):
            return seen
        if isinstance(seen, SystemExit) and isinstance(seen.code, int) and seen.code > 128:
            return KeyboardInterrupt() if seen.code == EXIT_INTERRUPTED else Terminated(seen.code - 128)
        seen = seen.__cause__ or seen.__context__
        if seen is None:
            break
    from planner.cli import RECEIVED

    if RECEIVED and not isinstance(exc, InputError):  # raised by a library around plan's signal handler
        import signal

        return KeyboardInterrupt() if RECEIVED[-1] == signal.SIGINT else Terminated(RECEIVED[-1])
    return exc


def _where(exc: BaseException) -> str:
    """` (at planner/x.py:123)`: the innermost frame of this project, for the report."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    mine = [f for f in frames if "planner" in f.filename or f.filename.endswith("cli.py")]
    if not mine:
        return ""
    frame = mine[-1]
    path = frame.filename
    cut = path.rfind("planner")
    shown = path[cut:] if cut >= 0 else os.path.basename(path)
    return f" (at {shown}:{frame.lineno})"


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
