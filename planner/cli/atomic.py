"""Output files of `plan solve --output` and `plan fit --samples-output`: checked before any work,
written atomically (a temporary file in the same directory, then os.replace)."""

from __future__ import annotations



def check_output_path(path: str | None, option: str = "--output", inputs: tuple = ()) -> None:
    """Refuse an --output FILE that cannot be written (probed) or that is one of the command's
    `inputs` (same path, symlink or hard link), before any work is done (planner.outputs)."""
    if path is None:
        return
    from planner.outputs import check_output

    check_output(path, option, inputs)


def write_atomic(path: str, text: str, option: str = "--output") -> None:
    """Write `text` to `path` all at once (planner.outputs.write_text_atomic: a temporary file in the
    same directory, then os.replace, with the mode a plain write would give; /dev/stdout is written
    to the stream): a reader never sees half a file, an existing file is kept if writing fails."""
    from planner.outputs import write_text_atomic

    write_text_atomic(path, text, option)
