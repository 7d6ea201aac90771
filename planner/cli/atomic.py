"""Output files of `plan solve --output` and `plan fit --samples-output`: checked before any work,
written atomically (a temporary file in the same directory, then os.replace)."""

from __future__ import annotations

from planner.errors import InputError


def check_output_path(path: str | None, option: str = "--output", inputs: tuple = ()) -> None:
    """Refuse an --output FILE that cannot be written (probed) or that is one of the command's
    `inputs` (same path, symlink or hard link), before any work is done (planner.outputs)."""
    if path is None:
        return
    from planner.outputs import check_output

    check_output(path, option, inputs)


def write_atomic(path: str, text: str, option: str = "--output") -> None:
    """Write `text` to `path` all at once: a temporary file in the same directory, then os.replace
    (a reader never sees half a file; an existing file is kept if writing fails)."""
    import os
    import tempfile
    from pathlib import Path

    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InputError(option, f"cannot write {path} ({exc.strerror or exc})") from None
