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


#: Longest piece of echoed input (a name, a key, a value) shown in a message.
ECHO_LIMIT = 80
#: Longest message printed for an error (one line).
MESSAGE_LIMIT = 600


def escape_control(text: str) -> str:
    """`text` with newlines, tabs, ANSI escapes and other control or format characters written as
    Python escapes (`\\n`, `\\x1b`): echoed input can never move the cursor, colour the terminal or
    break a message over several lines."""
    import unicodedata

    out = []
    for char in text:
        if char == " " or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn"):
            out.append(char)
        else:
            out.append(repr(char)[1:-1] if char.isascii() else f"\\u{ord(char):04x}")
    return "".join(out)


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """Echoed input for a message: control characters escaped, at most `limit` characters (an
    ellipsis marks a cut)."""
    text = escape_control(str(text))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def one_line(message: str, limit: int = MESSAGE_LIMIT) -> str:
    """A message as printed: one line (control characters escaped), every run of more than
    ECHO_LIMIT non-blank characters clipped, at most `limit` characters in all."""
    import re

    text = escape_control(str(message))
    text = re.sub(r"\S{%d,}" % (ECHO_LIMIT + 1), lambda m: m.group()[: ECHO_LIMIT - 3] + "...", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."
