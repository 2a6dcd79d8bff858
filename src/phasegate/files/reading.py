"""Reading input files safely: one clear line naming the file for every OS failure, a size
cap before anything is parsed, and folders' entries looked at before they are opened."""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from phasegate.errors import InputError, Location

#: Inputs are small hand-written or collected documents; anything bigger is a mistake or an
#: attack, and is refused before it is parsed.
MAX_BYTES = 16 * 1024 * 1024


def display_path(path: str | Path) -> str:
    """How a file is named in messages: as the user gave it, `-` being standard input."""
    return "<stdin>" if str(path) == "-" else str(path)


@contextmanager
def os_errors(name: str) -> Iterator[None]:
    """Turn every OS failure to read an input into one clear line naming the file."""
    try:
        yield
    except FileNotFoundError:
        raise InputError("file not found", Location(name)) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", Location(name)) from None
    except PermissionError:
        raise InputError("permission denied", Location(name)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", Location(name)) from None


def resolved(path: Path) -> Path:
    """`path.resolve()`, with a symbolic link loop refused as bad input, not a crash."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):  # RuntimeError up to Python 3.12, OSError (ELOOP) after
        raise InputError(LINK_LOOP, Location(display_path(path))) from None


LINK_LOOP = "a symbolic link loop (the link leads back to itself)"


def entry_problem(path: Path) -> str | None:
    """Why an entry found in a folder is not a regular file to read (None when it is one).

    Folders hold what people and tools leave there: a FIFO would block the reader forever,
    a device could stream without end, a dangling link has nothing behind it. They are
    looked at (through links) before anything opens them. A link loop is refused outright:
    it is a mistake in what the user pointed phasegate at, not a stray file.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(LINK_LOOP, Location(display_path(path))) from None
        if os.path.islink(path):
            return "a dangling link"
        return f"cannot read: {exc.strerror or exc}"
    return _kind_problem(mode)


def _kind_problem(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device or other special file"


#: A FIFO opens at once instead of blocking until a writer comes; a terminal is not adopted.
_INPUT_OPEN = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


@contextmanager
def opened(path: str | Path) -> Iterator[BinaryIO]:
    """An input file open for reading, refused unless it is a regular file.

    A FIFO given as facts or policies would hold `open()` (and the gate) until some writer
    came, and a device could stream without end: the path is looked at before it is
    opened (opening some devices has effects), opened without blocking, and looked at
    again on the descriptor, which closes the race with a swap in between.
    """
    name = display_path(path)
    with os_errors(name):
        descriptor = regular_descriptor(path)
    with os.fdopen(descriptor, "rb") as handle:
        yield handle


def regular_descriptor(path: str | Path, *, follow: bool = True) -> int:
    """A blocking descriptor of the regular file `path` (see `opened`); InputError naming
    what else it is, OSError from the open itself. `follow=False`: a symlink is not
    opened (OSError), for files only phasegate writes (the cache)."""
    name = display_path(path)
    _refuse_special(name, os.stat(path).st_mode)
    descriptor = os.open(path, _INPUT_OPEN if follow else _INPUT_OPEN | os.O_NOFOLLOW)
    try:
        _refuse_special(name, os.fstat(descriptor).st_mode)
        os.set_blocking(descriptor, True)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _refuse_special(name: str, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise InputError("is a directory, expected a file", Location(name))
    why = _kind_problem(mode)
    if why is not None:
        raise InputError(f"not a regular file: {why}", Location(name))


def read_text(path: str | Path) -> str:
    """Read a whole input file as UTF-8, turning every OS failure into one clear line."""
    name = display_path(path)
    if str(path) == "-":
        if sys.stdin is None:  # `<&-`: Python starts with no stdin object at all
            raise InputError("standard input is closed", Location(name))
        with os_errors(name):
            raw = sys.stdin.buffer.read(MAX_BYTES + 1)
    else:
        with opened(path) as handle, os_errors(name):
            raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise InputError(f"file larger than {MAX_BYTES // (1024 * 1024)} MiB", Location(name))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", Location(name)) from None
