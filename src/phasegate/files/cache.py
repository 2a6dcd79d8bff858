"""A content-addressed store in the user's cache folder, for work worth keeping between
processes (the compiled policy set: `phasegate.core.policycache`).

An entry is one file named by its key, written atomically: a header line (the format,
the key, the sha256 of the rest) and a JSON body. An entry is used only when all three
match; anything else (truncated, corrupt, another version's, a file that is not ours) is
treated as absent and rebuilt. Nothing is ever unpickled: the body is plain JSON. A cache
that cannot be read or written is no error either: the work is simply done again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

FORMAT = "phasegate-cache/1"
#: An entry larger than this is not one phasegate wrote for a policy set.
MAX_ENTRY_BYTES = 64 * 1024 * 1024
#: Entries kept per kind: each edit of a policy set makes a new one, so writing prunes the
#: least recently written beyond this many (a pruned entry is only rebuilt when needed).
MAX_ENTRIES = 100


def cache_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """`$PHASEGATE_CACHE_DIR`, else `$XDG_CACHE_HOME/phasegate`, else `~/.cache/phasegate`
    (None when there is no home to put it in)."""
    environ = os.environ if environ is None else environ
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
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_path(folder: Path, kind: str, key: str) -> Path:
    return folder / f"{kind}-{key}.json"


def read_entry(folder: Path, kind: str, key: str) -> Any | None:
    """The body stored under `key`, or None when there is no entry to trust."""
    try:
        descriptor = os.open(entry_path(folder, kind, key), os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        with os.fdopen(descriptor, "rb") as handle:
            raw = handle.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    header, newline, body = raw.partition(b"\n")
    if not newline or len(raw) > MAX_ENTRY_BYTES:
        return None
    expected = f"{FORMAT} {key} {hashlib.sha256(body).hexdigest()}".encode()
    if header != expected:
        return None
    try:
        return json.loads(body)
    except ValueError:  # cannot happen for bytes that match their digest, but never trusted
        return None


def write_entry(folder: Path, kind: str, key: str, body: Any) -> bool:
    """Store `body` (plain JSON data) under `key`, atomically; False when it could not be.

    Two processes writing the same key each write a whole entry to a temporary file of
    their own and rename it over the entry: a reader sees one whole entry or none.
    """
    from phasegate.errors import PhasegateError
    from phasegate.files.durable import write_atomic

    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(entry_path(folder, kind, key), f"{FORMAT} {key} {digest}\n{text}")
    except (OSError, PhasegateError):
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
