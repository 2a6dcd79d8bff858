"""Durable writes: whole files replaced atomically, log lines appended under a lock.

A reader (replay, a second runner, a person) must never see half a file or half a line,
even when two runners write at once or the machine stops mid-write.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from phasegate.errors import InputError, Location


def _unwritable(path: Path, exc: OSError) -> InputError:
    reason = exc.strerror or type(exc).__name__
    return InputError(f"cannot write: {reason}", Location(str(path)))


def _sync_folder(folder: Path) -> None:
    """Make a rename or a new file in `folder` survive a crash, not only its bytes."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomic(path: Path, text: str, *, in_place: bool = False) -> None:
    """Write to a temporary file beside `path`, fsync, rename over it, fsync the folder.

    `in_place` edits a file the user owns (a policy that `fmt` rewrites): a symlink is
    followed and its target replaced, the link left alone, and the file's permission bits
    are kept; the temporary file is made beside the target, so the rename stays atomic.
    """
    with atomic_output(path, in_place=in_place) as stream:
        stream.write(text)


@contextlib.contextmanager
def atomic_output(path: Path, *, in_place: bool = False) -> Iterator[TextIO]:
    """A text stream whose content replaces `path` whole once the block ends without an
    error (see write_atomic), so a report can be written as it is made. A path that exists
    and is not a regular file (`/dev/null`, a pipe) is written straight: it cannot be
    replaced, and nobody reads half of it as a file."""
    path = Path(path)
    mode = 0o644  # mkstemp's 0600 would hide reports
    try:
        if path.exists() and not path.is_file():
            with open(path, "w", encoding="utf-8") as stream:
                yield stream
            return
        if in_place:
            path = Path(os.path.realpath(path))
            with contextlib.suppress(FileNotFoundError):
                mode = stat.S_IMODE(os.stat(path).st_mode)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            os.fchmod(stream.fileno(), mode)
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
        _sync_folder(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise _unwritable(path, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if needed) for a read-modify-write."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def append_line(path: Path, line: str) -> None:
    """Append one line with a single write under an exclusive lock, then fsync.

    A previous writer that died mid-line left no newline at the end: the new line starts
    on a line of its own, so only the torn line is lost, never the new one.
    """
    if "\n" in line:
        raise ValueError("a log line cannot contain a newline")
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        descriptor = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        size = os.fstat(descriptor).st_size
        torn = size > 0 and os.pread(descriptor, 1, size - 1) != b"\n"
        data = ("\n" if torn else "").encode() + (line + "\n").encode("utf-8")
        written = 0
        while written < len(data):
            written += os.write(descriptor, data[written:])
        os.fsync(descriptor)
        if created:
            _sync_folder(path.parent)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    finally:
        os.close(descriptor)  # closing releases the lock
