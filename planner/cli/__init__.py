"""The `plan` command line (planner/cli/main.py; one module per command).

Importing this package is the first code of `plan` that runs (the console script imports
planner.cli.main; planner/__init__.py imports nothing), so it installs the start-up signal
handlers before anything heavy is imported: Ctrl-C, SIGTERM and SIGHUP while `plan` is still
loading its modules end it with 128 + the signal's number and no traceback (README, "Limits and
exit codes"). Only builtin modules are used (the `signal` module would import `enum` first).
main() hands the signals on (planner.cli.support) once the command line is parsed. A signal
someone chose to ignore (nohup) or handle stays so.

A Python signal handler runs between two bytecodes of whatever runs then; when that is a weakref
callback or a __del__ (importlib's module-lock callback, during every import), an exception it
raises is printed as "Exception ignored ... Traceback" and dropped. swallowed_here() spots those
frames; the handler then returns and the signal comes again 20 ms later (redeliver).
"""

from __future__ import annotations

import _signal

#: functions whose exceptions Python prints and drops (weakref callbacks, finalizers)
_SWALLOWING = frozenset({"cb", "__del__", "remove", "_remove", "_remove_dead_weakref", "callback"})


def swallowed_here(frame) -> bool:  # noqa: ANN001
    """True when an exception raised in `frame` would be dropped (see the module's docstring)."""
    return frame is not None and frame.f_code.co_name in _SWALLOWING


def _again(signum: int) -> None:
    import time

    time.sleep(0.02)
    _signal.raise_signal(signum)


def redeliver(signum: int) -> None:
    """The signal once more, 20 ms from now (from a thread: the handler is not re-entered here)."""
    import _thread

    _thread.start_new_thread(_again, (signum,))


#: Signals that reached plan's handlers in this command (the last counts): an exception raised
#: in a handler may come out of a library wrapped as another (pydantic-core turns it into a
#: SchemaError with its text only), so planner.cli.support.map_exception also looks here.
RECEIVED: list[int] = []


def may_raise(signum: int, frame) -> bool:  # noqa: ANN001
    """Every handler of plan's begins here: the signal is recorded (RECEIVED); False when an
    exception raised in `frame` would be dropped, and the signal then comes again 20 ms on
    (redeliver) for the handler to raise from a frame where it counts."""
    RECEIVED.append(signum)
    if swallowed_here(frame):
        redeliver(signum)
        return False
    return True


def _end_at_startup(signum, frame):  # noqa: ANN001
    """A signal while `plan` starts: exit 128 + signum at once (no worker exists yet)."""
    if may_raise(signum, frame):
        raise SystemExit(128 + signum)


def _install() -> None:
    for name, default in (("SIGINT", _signal.default_int_handler), ("SIGTERM", _signal.SIG_DFL),
                          ("SIGHUP", _signal.SIG_DFL)):
        signum = getattr(_signal, name, None)
        if signum is None:
            continue
        try:
            if _signal.getsignal(signum) is default:
                _signal.signal(signum, _end_at_startup)
        except ValueError:  # imported outside the main thread: leave the handlers alone
            return


_install()


def interrupt(signum, frame):  # noqa: ANN001
    """SIGINT once the command runs: KeyboardInterrupt, as Python's own handler, but never raised
    where it would be dropped (an import's lock callback)."""
    if may_raise(signum, frame):
        raise KeyboardInterrupt


def end_startup_handlers() -> None:
    """Start-up over: Ctrl-C raises KeyboardInterrupt (interrupt). SIGTERM and SIGHUP keep ending
    `plan` at once until planner.cli.support.termination_raises takes them for the command."""
    try:
        if _signal.getsignal(_signal.SIGINT) is _end_at_startup:
            _signal.signal(_signal.SIGINT, interrupt)
    except ValueError:
        pass
