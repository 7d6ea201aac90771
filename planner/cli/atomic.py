"""Output files of `plan solve --output` and `plan fit --samples-output`: checked before any work,
written atomically (a temporary file in the same directory, then os.replace)."""

from __future__ import annotations



def check_output_path(path: str | None, option: str = "--output", inputs: tuple = (),
                      others: dict[str, str | None] | None = None) -> None:
    """Refuse an --output FILE that cannot be written (probed) or that is one of the command's
    `inputs` (same path, symlink or hard link), before any work is done (planner.outputs); and
    each of the command's `others` outputs (`{"--plot": path}`) that is the same file as it (one
    would silently replace the other)."""
    if path is None:
        return
    from planner.errors import InputError
    from planner.outputs import check_output, same_file

    check_output(path, option, inputs)
    for other, other_path in (others or {}).items():
        if other_path is not None and same_file(other_path, path):
            raise InputError(other, f"is the same file as {option}")


def write_atomic(path: str, text: str, option: str = "--output") -> None:
    """Write `text` to `path` all at once (planner.outputs.write_text_atomic: a temporary file in the
    same directory, then os.replace, with the mode a plain write would give; /dev/stdout is written
    to the stream): a reader never sees half a file, an existing file is kept if writing fails."""
    from planner.outputs import write_text_atomic

    write_text_atomic(path, text, option)
