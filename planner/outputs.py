"""Output files written safely (issue 13): checked before any work, never an input, written atomically.

- check_output: before anything is computed or written, an output path must name a file (not a
  directory) in an existing directory where a file can actually be created (a probe file is made and
  removed, so `/proc/p.png` or a read-only directory fails up front, not after another output was
  written), and must not be one of the command's inputs: the same path, a symlink to it, or a hard
  link to it (os.path.samefile compares device and inode);
- check_outputs: every output of a command at once, also refusing two options naming the same file;
- write_text_atomic / write_atomic_with: a temporary file in the target's directory, then
  os.replace, so a reader never sees half a file and a failed write leaves the old file untouched.
  The file gets the mode an ordinary write would give it: an existing file keeps its mode, a new
  one gets 0666 less the umask (a temporary file is created 0600);
- all_or_nothing: a command with several outputs (`plan fit -o --samples-output --plot`) writes
  each to its temporary file and renames them only when every one is written, so a full disk on
  the second output leaves neither (and no temporary file) behind;
- standard output by name (`-o /dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`) is written to the
  stream itself, never by renaming a file over the link; a symlink to a file is followed (the file
  is replaced, the link stays); any other name of the file stdout is redirected to is refused;
- a name longer than the file system allows (255 bytes per name on most) is refused before the
  work, like every other refusal.

Every refusal is an InputError naming the option (exit 2, nothing written).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from contextlib import contextmanager

from planner.errors import InputError, clip

PathLike = str | os.PathLike

#: Names of standard output written to the stream itself (not renamed over).
STDOUT_NAMES = ("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")
#: Longest file name (bytes) and path when the file system does not say (POSIX NAME_MAX, PATH_MAX).
NAME_MAX = 255
PATH_MAX = 4096


def names_stdout(path: PathLike) -> bool:
    """True when `path` is standard output by name (/dev/stdout and its aliases)."""
    return os.path.normpath(str(path)) in STDOUT_NAMES


def _stdout_file_id() -> tuple[int, int] | None:
    """(device, inode) of the regular file standard output goes to (None: a terminal, a pipe).
    sys.stdout's own descriptor first: while a command runs, descriptor 1 is pointed at stderr
    (planner.cli.support.native_stdout_to_stderr) and sys.stdout writes to a copy of the real one."""
    import sys

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        fd = 1
    try:
        st = os.fstat(fd)
    except OSError:
        return None
    import stat

    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def _is_stdout_file(path: PathLike) -> bool:
    """`path` is the regular file stdout is redirected to (`plan frontier x --plot o.png > o.png`)."""
    target = _stdout_file_id()
    if target is None:
        return False
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return False
    return (st.st_dev, st.st_ino) == target


def check_name_length(path: PathLike, option: str) -> None:
    """Every component of `path` within the file system's limit (NAME_MAX bytes; PATH_MAX in all)."""
    text = os.fsencode(str(path))
    if len(text) > PATH_MAX:
        raise InputError(option, f"the path is {len(text):,} bytes long; at most {PATH_MAX:,}")
    parent = os.path.dirname(text) or b"."
    try:
        limit = os.pathconf(parent, "PC_NAME_MAX") if os.path.isdir(parent) else NAME_MAX
    except (OSError, ValueError):
        limit = NAME_MAX
    for part in text.split(b"/"):
        if len(part) > limit:
            raise InputError(option, f"the file name {clip(os.fsdecode(part))} is {len(part):,} bytes long; "
                                     f"the file system allows at most {limit}")


def _follow(path: PathLike) -> Path:
    """A symlink's final target (writing replaces the file it points to, the link stays)."""
    target = Path(path)
    if target.is_symlink():
        return Path(os.path.realpath(target))
    return target


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
    if "\x00" in str(path):
        raise InputError(option, "a file name may not hold a NUL character")
    for given in inputs:
        if given is not None and same_file(target, given):
            raise InputError(option, f"{shown} is an input of this command ({clip(str(given))}); "
                                     "give another file name")
    if names_stdout(path):
        return target  # written to the stream (write_atomic_with)
    check_name_length(path, option)
    if _is_stdout_file(path):
        raise InputError(option, f"{shown} is the file standard output goes to; the answer printed there "
                                 "would be lost: give another file name (or -o /dev/stdout)")
    target = _follow(target)
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


#: The outputs of an all_or_nothing block: (temporary file, target, option), renamed at its end.
_STAGED: list[list[tuple[str, Path, str]]] = []


@contextmanager
def all_or_nothing():
    """Inside the block, write_atomic_with only writes temporary files; they are renamed into
    place when the block ends without an exception, and removed when it raises: every output of
    the command is written, or none."""
    staged: list[tuple[str, Path, str]] = []
    _STAGED.append(staged)
    try:
        yield
    except BaseException:
        _STAGED.pop()
        for tmp, _, _ in staged:
            _unlink(tmp)
        raise
    _STAGED.pop()
    for k, (tmp, target, option) in enumerate(staged):
        try:
            os.replace(tmp, target)
        except OSError as exc:
            for later, _, _ in staged[k:]:
                _unlink(later)
            raise InputError(option, f"cannot write {clip(str(target))} ({exc.strerror or exc})") from None


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _mode_for(target: Path) -> int:
    """The mode a plain open() would leave: an existing file's own, else 0666 less the umask."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic_with(path: PathLike, write: Callable[[str], None], option: str = "--output") -> None:
    """Call write(temporary path) -- a file in the target's directory with the same suffix, so
    writers that pick a format from it (matplotlib) work -- then rename it over `path` (module
    docstring: modes, symlinks, standard output, all_or_nothing)."""
    if names_stdout(path):
        _write_to_stdout(Path(path), write, option)
        return
    target = _follow(path)
    parent = target.parent if str(target.parent) else Path(".")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem[:40]}.", suffix=f".tmp{target.suffix[:20]}", dir=parent)
        os.close(fd)
        write(tmp)
        os.chmod(tmp, _mode_for(target))
        if _STAGED:
            _STAGED[-1].append((tmp, target, option))
        else:
            os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise InputError(option, f"cannot write {clip(str(path))} ({exc.strerror or exc})") from None
    finally:
        if tmp is not None:
            _unlink(tmp)


def _write_to_stdout(path: Path, write: Callable[[str], None], option: str) -> None:
    """`-o /dev/stdout`: written to a temporary file, then copied to the stream (so a failed
    writer prints nothing), whatever stdout is (a terminal, a pipe, a redirected file)."""
    import sys

    fd, tmp = tempfile.mkstemp(prefix=".plan-stdout-", suffix=f".tmp{path.suffix[:20]}")
    os.close(fd)
    try:
        try:
            write(tmp)
            with open(tmp, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise InputError(option, f"cannot write {clip(str(path))} ({exc.strerror or exc})") from None
    finally:
        _unlink(tmp)
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:  # a text-only stream (a test's capture)
        sys.stdout.write(data.decode("utf-8", "replace"))
        sys.stdout.flush()


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
