"""A content-addressed store in the user's cache folder, for work worth keeping between
processes (the compiled policy set: `phasegate.core.policycache`).

An entry is one file named by its key, written atomically: a header line (the format,
the key, the sha256 of the rest) and a JSON body. An entry is used only when all three
match; anything else (truncated, corrupt, another version's, a file that is not ours) is
treated as absent and rebuilt. Nothing is ever unpickled: the body is plain JSON. A cache
that cannot be read or written is no error either: the work is simply done again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

from phasegate.errors import InputError
from phasegate.files.digest import sha256
from phasegate.files.reading import regular_descriptor

FORMAT = "phasegate-cache/1"
#: An entry larger than this is not one phasegate wrote for a policy set.
MAX_ENTRY_BYTES = 64 * 1024 * 1024
#: Entries kept per kind: each edit of a policy set makes a new one, so writing prunes the
#: least recently written beyond this many (a pruned entry is only rebuilt when needed).
MAX_ENTRIES = 100


_disabled = False


def disable(disabled: bool = True) -> None:
    """No cache until `disable(False)` (`--no-cache`, for one command): `cache_dir` says
    None."""
    global _disabled
    _disabled = disabled


def cache_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """`$PHASEGATE_CACHE_DIR`, else `$XDG_CACHE_HOME/phasegate`, else `~/.cache/phasegate`
    (None when there is no home to put it in, or the cache is disabled: `--no-cache` or
    `$PHASEGATE_NO_CACHE`)."""
    environ = os.environ if environ is None else environ
    if _disabled or environ.get("PHASEGATE_NO_CACHE"):
        return None
    chosen = environ.get("PHASEGATE_CACHE_DIR")
    if chosen:
        return Path(chosen)
    xdg = environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative path is to be ignored
        return Path(xdg) / "phasegate"
    home = environ.get("HOME")
    return Path(home) / ".cache" / "phasegate" if home else None


def key_of(parts: Any) -> str:
    """The key for `parts` (plain JSON data): the sha256 of its canonical text."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return sha256(text.encode("utf-8")).hexdigest()


def code_fingerprint(packages: tuple[str, ...]) -> list[Any]:
    """Each source file of these folders of the phasegate package (name, size, modification
    time): a checkout edited without a new version number still gets new keys."""
    import phasegate

    root = Path(phasegate.__file__).parent
    found: list[Any] = [phasegate.__version__]
    for package in packages:
        try:
            with os.scandir(root / package) as entries:
                for entry in entries:
                    if entry.name.endswith(".py"):
                        status = entry.stat()
                        found.append([package, entry.name, status.st_size, status.st_mtime_ns])
        except OSError:
            found.append([package, "unreadable"])
    return sorted(found, key=str)


def installed(module_file: str | None, distribution: str) -> list[Any]:
    """What identifies an installed library: its dist-info folders' names (the version)
    beside the package whose file is `module_file`, and that file's size and time."""
    if not module_file:
        return ["unknown"]
    library = Path(module_file)
    for site in library.parents:
        if site.name in ("site-packages", "dist-packages"):
            break
    else:
        site = library.parent.parent

    def normal(name: str) -> str:
        return name.lower().replace("-", "_").replace(".", "_")

    prefix = normal(distribution) + "_"
    try:
        names = sorted(
            name
            for name in os.listdir(site)
            if normal(name).startswith(prefix)
            and normal(name)[len(prefix) : len(prefix) + 1].isdigit()
            and name.endswith((".dist-info", ".egg-info"))
        )
        status = library.stat()
    except OSError:
        return ["unknown"]
    return [names, library.name, status.st_size, status.st_mtime_ns]


def entry_path(folder: Path, kind: str, key: str) -> Path:
    return folder / f"{kind}-{key}.json"


def read_entry(folder: Path, kind: str, key: str) -> Any | None:
    """The body stored under `key`, or None when there is no entry to trust.

    Only a regular file, not a symlink, is read, and it is opened without blocking: a FIFO
    (or a device) put where an entry should be would otherwise hold the open, and the
    gate, until someone writes to it."""
    try:
        descriptor = regular_descriptor(entry_path(folder, kind, key), follow=False)
    except (OSError, InputError):
        return None
    try:
        with os.fdopen(descriptor, "rb") as handle:
            if not _ours(os.fstat(handle.fileno())) or not _ours(os.stat(folder)):
                return None
            raw = handle.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    header, newline, body = raw.partition(b"\n")
    if not newline or len(raw) > MAX_ENTRY_BYTES:
        return None
    expected = f"{FORMAT} {key} {sha256(body).hexdigest()}".encode()
    if header != expected:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # bytes that match their digest, yet never trusted
        return None


def _ours(status: os.stat_result) -> bool:
    """Whether only this user can have written it: owned by us, writable by no one else.
    An entry is trusted as the compiled form of the policy text it is keyed by, so one
    that another user could have written (a shared or world-writable cache folder) is
    never read, as ssh refuses a key file others can write."""
    return status.st_uid == os.getuid() and not status.st_mode & 0o022


def write_entry(folder: Path, kind: str, key: str, body: Any) -> bool:
    """Store `body` (plain JSON data) under `key`, atomically; False when it could not be.

    Two processes writing the same key each write a whole entry to a temporary file of
    their own and rename it over the entry: a reader sees one whole entry or none. Nothing
    is fsynced: an entry a crash left torn fails its digest and is written again, so a
    cache write costs no wait for the disk.
    """
    # Key order is kept: a revived document's maps iterate as the file wrote them.
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    data = text.encode("utf-8")
    header = f"{FORMAT} {key} {sha256(data).hexdigest()}\n".encode()
    path = entry_path(folder, kind, key)
    temporary = folder / f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}.tmp"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        descriptor = os.open(temporary, flags, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(header + data)
            os.replace(temporary, path)
        except BaseException:
            with suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError:
        return False
    _prune(folder, kind)
    return True


def _prune(folder: Path, kind: str) -> None:
    """Remove the oldest entries of `kind` beyond MAX_ENTRIES (best effort: a file another
    process removed first, or cannot be removed, is left to the next write)."""
    found = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(f"{kind}-") and entry.name.endswith(".json"):
                    found.append((entry.stat(follow_symlinks=False).st_mtime_ns, entry.path))
    except OSError:
        return
    found.sort(reverse=True)
    for _, path in found[MAX_ENTRIES:]:
        with suppress(OSError):
            os.unlink(path)
