"""Output files written safely (issue 13): checked before any work, never an input, written atomically.

- check_output: before anything is computed or written, an output path must name a file (not a
  directory) in an existing directory where a file can actually be created (a probe file is made and
  removed, so `/proc/p.png` or a read-only directory fails up front, not after another output was
  written), and must not be one of the command's inputs: the same path, a symlink to it, or a hard
  link to it (os.path.samefile compares device and inode);
- check_outputs: every output of a command at once, also refusing two options naming the same file;
- write_text_atomic / write_atomic_with: a temporary file in the target's directory, then
  os.replace, so a reader never sees half a file and a failed write leaves the old file untouched.

Every refusal is an InputError naming the option (exit 2, nothing written).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from planner.errors import InputError, clip

PathLike = str | os.PathLike


def same_file(a: PathLike, b: PathLike) -> bool:
    """True when `a` and `b` name one file: equal resolved paths, or (both existing) one inode."""
    try:
        if Path(a).resolve() == Path(b).resolve():
            return True
    except (OSError, RuntimeError, ValueError):
        pass
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def check_output(path: PathLike, option: str, inputs: Iterable[PathLike] = ()) -> Path:
    """`path` as a Path if a file can be written there and it is none of `inputs` (else InputError)."""
    target = Path(path)
    shown = clip(str(path))
    if not str(path).strip():
        raise InputError(option, "empty file name")
    for given in inputs:
        if given is not None and same_file(target, given):
            raise InputError(option, f"{shown} is an input of this command ({clip(str(given))}); "
                                     "give another file name")
    if target.is_dir():
        raise InputError(option, f"{shown} is a directory; give a file name")
    if target.exists() and not target.is_file():
        raise InputError(option, f"{shown} is not a regular file; give a file name")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(option, f"directory {clip(str(parent))} does not exist")
    try:
        fd, probe = tempfile.mkstemp(prefix=".plan-probe-", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(option, f"cannot write in {clip(str(parent))} ({exc.strerror or exc})") from None
    return target


def check_outputs(outputs: Mapping[str, PathLike | None], inputs: Iterable[PathLike] = ()) -> None:
    """check_output for every given output, and no two outputs the same file."""
    inputs = [p for p in inputs if p is not None]
    given = [(option, path) for option, path in outputs.items() if path is not None]
    for option, path in given:
        check_output(path, option, inputs)
    for i, (option, path) in enumerate(given):
        for other, other_path in given[:i]:
            if same_file(path, other_path):
                raise InputError(option, f"is the same file as {other}")


def write_atomic_with(path: PathLike, write: Callable[[str], None], option: str = "--output") -> None:
    """Call write(temporary path) -- a file in the target's directory with the same suffix, so
    writers that pick a format from it (matplotlib) work -- then rename it over `path`."""
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem[:40]}.", suffix=f".tmp{target.suffix}", dir=parent)
        os.close(fd)
        write(tmp)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise InputError(option, f"cannot write {clip(str(path))} ({exc.strerror or exc})") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def write_text_atomic(path: PathLike, text: str, option: str = "--output") -> None:
    """Write `text` (UTF-8) to `path` atomically."""

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)

    write_atomic_with(path, write, option)


def plain_text_labels(fig) -> None:
    """Titles, axis labels, annotations and legend entries of a matplotlib figure drawn as plain
    text: user text (names, paths) may hold `$`, and `$\\foo$` would otherwise be parsed as
    mathtext and fail. Tick labels (log axes use mathtext for 10^k) are left alone."""
    texts = list(getattr(fig, "texts", []))
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None:
        texts.append(suptitle)
    for ax in fig.axes:
        texts += [ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None),
                  ax.xaxis.label, ax.yaxis.label, *ax.texts]
        for legend in (ax.get_legend(), *getattr(fig, "legends", [])):
            if legend is not None:
                texts += [*legend.get_texts(), legend.get_title()]
    for text in texts:
        if text is not None and hasattr(text, "set_parse_math"):
            text.set_parse_math(False)


def save_figure_atomic(fig, path: PathLike, option: str = "--plot", **savefig_options) -> None:
    """plain_text_labels, then fig.savefig to a temporary file renamed over `path` (InputError
    naming `option` if it cannot be written)."""
    import warnings

    plain_text_labels(fig)
    with warnings.catch_warnings():
        # a name in a script the font lacks is drawn as boxes: not worth a warning on stderr
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from font", category=UserWarning)
        write_atomic_with(path, lambda tmp: fig.savefig(tmp, **savefig_options), option)
