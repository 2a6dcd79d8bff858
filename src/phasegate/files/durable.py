"""Durable writes: whole files replaced atomically, log lines appended under a lock.

A reader (replay, a second runner, a person) must never see half a file or half a line,
even when two runners write at once or the machine stops mid-write. The state dir is
shared with other people and tools, so nothing here follows a final symlink or waits on a
FIFO: a state file that is not a regular file is refused, never written through.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import itertools
import json
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

from phasegate.errors import InputError, Location
from phasegate.files.reading import MAX_BYTES

#: Added to every open of a state file: a symlink fails (ELOOP) instead of leading
#: elsewhere, and a FIFO opens at once instead of blocking until a writer comes.
_SAFE_OPEN = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_KINDS = (
    (stat.S_ISREG, "regular file"),
    (stat.S_ISLNK, "symlink"),
    (stat.S_ISFIFO, "fifo"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISDIR, "directory"),
)
#: Where a torn tail cut off a log is kept: `decisions.jsonl` -> `decisions.jsonl.torn`.
TORN_SUFFIX = ".torn"


def _unwritable(path: Path, exc: OSError) -> InputError:
    reason = exc.strerror or type(exc).__name__
    return InputError(f"cannot write: {reason}", Location(str(path)))


def file_kind(mode: int) -> str:
    """What a file is, in the words of the errors that refuse it: "fifo", "directory"..."""
    return next((name for test, name in _KINDS if test(mode)), "special file")


def not_regular(path: Path, mode: int) -> InputError:
    return InputError(f"not a regular file ({file_kind(mode)})", Location(str(path)))


def refuse_special(path: Path) -> None:
    """Raise when `path` exists and is anything but a regular file (a symlink included).

    Checked before opening, so a device is never even opened (opening some has effects);
    `open_regular` checks again on the descriptor, which closes the race.
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _unwritable(path, exc) from None
    if not stat.S_ISREG(mode):
        raise not_regular(path, mode)


def open_regular(path: Path, flags: int, mode: int = 0o644) -> int:
    """A descriptor of the regular file `path`; InputError for anything else.

    OSError from the open itself (absent, permission) is left to the caller, who knows
    whether that means "no state yet" or "cannot write".
    """
    refuse_special(path)
    try:
        descriptor = os.open(path, flags | _SAFE_OPEN, mode)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENXIO):  # swapped in after the check
            refuse_special(path)
        raise
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        raise not_regular(path, info.st_mode)
    return descriptor


def read_regular(path: Path, limit: int) -> bytes | None:
    """Up to `limit` + 1 bytes of a state file, None when it does not exist."""
    try:
        descriptor = open_regular(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        return handle.read(limit + 1)


@contextlib.contextmanager
def regular_descriptor(path: Path) -> Iterator[int]:
    """Hold a state file open (checked regular) while a reader that wants a path uses it."""
    descriptor = open_regular(path, os.O_RDONLY)
    try:
        yield descriptor
    finally:
        os.close(descriptor)


def _sync_folder(folder: Path) -> None:
    """Make a rename or a new file in `folder` survive a crash, not only its bytes."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomic(path: Path, text: str, *, in_place: bool = False, state: bool = False) -> None:
    """Write to a temporary file beside `path`, fsync, rename over it, fsync the folder.

    `in_place` edits a file the user owns (a policy that `fmt` rewrites): a symlink is
    followed and its target replaced, the link left alone, and the file's permission bits
    are kept; the temporary file is made beside the target, so the rename stays atomic.
    `state` is the opposite: a state file that is a symlink, FIFO or device is refused
    rather than silently replaced, and so is a folder on the way that is a symlink.
    """
    with atomic_output(path, in_place=in_place, state=state) as stream:
        stream.write(text)


def write_atomic_together(texts: Mapping[Path, str]) -> None:
    """Write files that make one record (a closeout's Markdown and JSON) all or none: each
    text goes to its temporary file first, they are renamed only once every one is written,
    and a rename that fails removes the files renamed before it. Without this, a second
    write that failed left the first file alone, a record without its other half. A file
    renamed over an earlier one (a rerun) gets that one back, not nothing: the earlier
    record stays whole."""
    renamed: list[Path] = []
    earlier: dict[Path, Path] = {}
    try:
        for path in texts:
            kept = _keep_earlier(Path(path))
            if kept is not None:
                earlier[Path(path)] = kept
        with contextlib.ExitStack() as stack:
            for path, text in texts.items():
                stack.enter_context(atomic_output(path, renamed=renamed)).write(text)
    except BaseException:
        for path in renamed:
            with contextlib.suppress(OSError):
                if path in earlier:
                    os.replace(earlier.pop(path), path)
                else:
                    os.unlink(path)
                _sync_folder(path.parent)
        raise
    finally:
        for kept in earlier.values():
            with contextlib.suppress(OSError):
                os.unlink(kept)


def _keep_earlier(path: Path) -> Path | None:
    """A second name (a hard link, beside it) for the file or symlink at `path`, so that
    a rename over it can be taken back; None when there is none to keep or it cannot be
    linked (the pair is still written all or none, the earlier file not put back)."""
    for _ in range(8):  # a name taken is a coincidence of 48 random bits: bounded retries
        kept = path.parent / f".{path.name}.{os.urandom(6).hex()}.earlier"
        try:
            os.link(path, kept, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError:  # nothing there, a folder, or links not allowed
            return None
        return kept
    return None


@contextlib.contextmanager
def atomic_output(
    path: Path, *, in_place: bool = False, state: bool = False, renamed: list[Path] | None = None
) -> Iterator[TextIO]:
    """A text stream whose content replaces `path` whole once the block ends without an
    error (see write_atomic), so a report can be written as it is made. A report path that
    exists and is not a regular file (`/dev/null`, a pipe) is written straight: it cannot be
    replaced, and nobody reads half of it as a file; a state path like that is refused.
    `path` is added to `renamed` once it is replaced."""
    path = Path(path)
    mode = 0o644  # mkstemp's 0600 would hide reports
    if state:
        refuse_special(path)
    try:
        if path.exists() and not path.is_file():
            with _special_output(path) as stream:
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
        if renamed is not None:
            renamed.append(path)
        _sync_folder(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise _unwritable(path, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _special_output(path: Path) -> TextIO:
    """A report path that is a pipe or device, opened for writing without waiting: a FIFO
    nobody reads (yet) is refused at once (ENXIO) instead of hanging the gate until a
    reader comes, which may be never; `-o >(cmd)` has its reader, and is written as before."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ENXIO and _is_fifo(path):  # a socket says ENXIO too
            raise InputError("cannot write: a FIFO nobody reads", Location(str(path))) from None
        raise
    os.set_blocking(descriptor, True)  # a slow reader is waited for, as a pipe's writer does
    return os.fdopen(descriptor, "w", encoding="utf-8")


def _is_fifo(path: Path) -> bool:
    with contextlib.suppress(OSError):
        return stat.S_ISFIFO(os.stat(path).st_mode)
    return False


def _open_for_writing(path: Path, flags: int) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open_regular(path, flags | os.O_CREAT)
    except OSError as exc:
        raise _unwritable(path, exc) from None


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if needed) for a read-modify-write."""
    descriptor = _open_for_writing(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def append_line(path: Path, line: str) -> None:
    """Append one whole line under an exclusive lock: a single write, then fsync.

    A writer that died mid-line left a torn tail; it is cut off first (and kept in
    `<log>.torn`), so the new line never glues onto it and every line stays valid JSON.
    A write that fails half-way is cut back, so this writer never leaves a torn tail.
    """
    if "\n" in line:
        raise ValueError("a log line cannot contain a newline")
    path = Path(path)
    data = (line + "\n").encode("utf-8")
    created = not os.path.lexists(path)
    descriptor = _open_for_writing(path, os.O_RDWR | os.O_APPEND)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        size = _repair_tail(path, descriptor)
        try:
            written = os.write(descriptor, data)
            if written != len(data):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            os.fsync(descriptor)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(descriptor, size)
            raise
        if created:
            _sync_folder(path.parent)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    finally:
        os.close(descriptor)  # closing releases the lock


def _repair_tail(path: Path, descriptor: int) -> int:
    """Cut a torn tail off the locked log, keeping it aside; return the new size.

    Torn: bytes after the last newline, or a last line that is not JSON. Only the end is
    looked at (the log may be large); earlier damage is for readers to skip.
    """
    size = os.fstat(descriptor).st_size
    start = _kept(descriptor, size)
    if start == size:
        return size
    # no final newline: torn, however long; kept aside a chunk at a time (without the
    # newline of a whole line, which keep-aside adds back)
    end = size - 1 if os.pread(descriptor, 1, size - 1) == b"\n" else size
    if any(chunk.strip() for chunk in _chunks(descriptor, start, end)):
        _keep_range_aside(path.with_name(path.name + TORN_SUFFIX), descriptor, start, end)
    os.ftruncate(descriptor, start)
    os.fsync(descriptor)
    return start


def _kept(descriptor: int, size: int) -> int:
    """How much of a log `_repair_tail` keeps: up to its last newline, less a last whole
    line that is not JSON (blank, edited by hand) or longer than any reader reads. Nothing
    before it is ever cut."""
    if size == 0:
        return 0
    if os.pread(descriptor, 1, size - 1) != b"\n":
        return _line_start(descriptor, size)
    start = _line_start(descriptor, size - 1)
    if size - 1 - start > MAX_BYTES:  # every reader skips it: never read whole to check it
        return start
    return size if _is_json(_read_range(descriptor, start, size - 1)) else start


def log_position(path: Path) -> tuple[int, int] | None:
    """A log's inode and the length of it the next append keeps (its whole lines, less a
    last one that is not JSON), or None when it is absent: lines appended later start
    there, even after the next append cut a torn tail or a bad last line."""
    try:
        descriptor = open_regular(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        info = os.fstat(descriptor)
        return info.st_ino, _kept(descriptor, info.st_size)
    finally:
        os.close(descriptor)


def _line_start(descriptor: int, end: int) -> int:
    """Offset just after the last newline before `end` (0 if none): bounded by the file."""
    position = end
    while position > 0:
        step = min(65536, position)
        chunk = os.pread(descriptor, step, position - step)
        found = chunk.rfind(b"\n")
        if found >= 0:
            return position - step + found + 1
        position -= step
    return 0


def _chunks(descriptor: int, start: int, end: int) -> Iterator[bytes]:
    position = start
    while position < end:
        chunk = os.pread(descriptor, min(1 << 20, end - position), position)
        if not chunk:
            break
        yield chunk
        position += len(chunk)


def _read_range(descriptor: int, start: int, end: int) -> bytes:
    return b"".join(_chunks(descriptor, start, end))


def _keep_range_aside(path: Path, source: int, start: int, end: int) -> None:
    """keep_aside for a fragment of the locked log that may be larger than memory."""
    descriptor = open_regular(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        for data in itertools.chain(_chunks(source, start, end), [b"\n"]):
            if os.write(descriptor, data) != len(data):  # the range holds no newline
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _is_json(raw: bytes) -> bool:
    try:
        json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return False
    return True


def keep_aside(path: Path, fragment: bytes) -> None:
    """Append a cut-off fragment as a line of its own: it is evidence, never thrown away."""
    descriptor = open_regular(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        data = fragment.replace(b"\n", b" ") + b"\n"
        if os.write(descriptor, data) != len(data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
