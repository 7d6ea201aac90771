"""Run `plan` in-process exactly as the console script does (cli.main, with its exit-code mapping)."""

from __future__ import annotations

import sys

import cli


def run_main(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    """cli.main() as the `plan` script runs it: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["plan", *map(str, args)])
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err
