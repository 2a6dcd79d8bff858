"""Bounded waiting on real processes and files, for tests that kill and signal phasegate."""

from __future__ import annotations

import time
from pathlib import Path


def wait_for_file(path: Path, limit: float = 60) -> str:
    """The file's text once it has some; a hang guard, not a timing assertion."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if path.exists() and (text := path.read_text()).strip():
            return text.strip()
        time.sleep(0.02)
    raise AssertionError(f"{path} never appeared")


def running(pid: int) -> bool:
    """Whether `pid` still runs: absent and zombie (dead, not yet reaped) both count as not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def gone(pid: int, limit: float = 30) -> bool:
    """Poll until `pid` no longer runs (bounded): True when it went."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if not running(pid):
            return True
        time.sleep(0.02)
    return False
