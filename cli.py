"""Run `plan` from a checkout without installing it: `python cli.py solve instances/startup-7b.yaml`.

The command line itself is planner/cli/main.py (the installed `plan` script runs
planner.cli.main:entry); this file only re-exports it, so `import cli` keeps working in the tests and
no top-level module named `cli` is installed.
"""

from planner.cli.main import COMMANDS, EXIT_INPUT, SUMMARIES, entry, group, main

__all__ = ["main", "entry", "group", "EXIT_INPUT", "COMMANDS", "SUMMARIES"]

if __name__ == "__main__":
    entry()
