"""Durable writes: whole files replaced atomically, log lines appended under a lock.

A reader (replay, a second runner, a person) must never see half a file or half a line,
even when two runners write at once or the machine stops mid-write.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path

from phasegate.errors import InputError, Location


def _unwritable(path: Path, exc: OSError) -> InputError:
    reason = exc.strerror or type(exc).__name__
    return InputError(f"cannot write: {reason}", Location(str(path)))


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, fsync, then rename over it."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    try:
        os.fchmod(handle, 0o644)  # mkstemp's 0600 would hide reports from the team
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise _unwritable(path, exc) from None


def append_line(path: Path, line: str) -> None:
    """Append one line with a single write under an exclusive lock, then fsync."""
    if "\n" in line:
        raise ValueError("a log line cannot contain a newline")
    data = (line + "\n").encode("utf-8")
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        written = 0
        while written < len(data):
            written += os.write(descriptor, data[written:])
        os.fsync(descriptor)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    finally:
        os.close(descriptor)  # closing releases the lock
