"""Recordings: sequences of facts documents that replay and `for:` rules read.

A recording is a JSONL file (a bare facts document per line, or a decision-log line that
carries one under `facts`) or a folder of facts files. A bad line never stops or corrupts
a replay: it is skipped, counted and reported with its line number.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from phasegate.errors import InputError, Location
from phasegate.facts import Facts, FactsStream, load_facts
from phasegate.loading import MAX_BYTES as MAX_LINE_BYTES
from phasegate.loading import display_path, entry_problem, json_problem, loads_strict, os_errors
from phasegate.schemas import rfc3339_instant


@dataclass(frozen=True)
class Recording:
    source: str
    #: Ordered by collected_at; snapshots with equal times keep their recorded order.
    snapshots: tuple[Facts, ...]
    #: (where, why) of every line or file that was not a usable facts document.
    skipped: tuple[tuple[str, str], ...]


@contextmanager
def batch() -> Iterator[None]:
    """Pause the cyclic garbage collector while reading or replaying a recording.

    Both build many long-lived objects and no reference cycles; the collector's repeated
    passes over them cost as much as the work itself (measured: 40% of a 10,000-snapshot
    read). Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_recording(path: str | Path) -> Recording:
    path = Path(path)
    with batch():
        if path.is_dir():
            return _read_folder(path)
        return _read_lines(path)


def _read_lines(path: Path) -> Recording:
    name = display_path(path)
    snapshots: list[Facts] = []
    skipped: list[tuple[str, str]] = []
    stream = FactsStream()
    for number, raw in enumerate(_lines(path), 1):
        if not raw.strip():
            continue
        where = f"{name}:{number}"
        if len(raw) > MAX_LINE_BYTES:
            skipped.append((where, f"line longer than {MAX_LINE_BYTES // 1024 // 1024} MiB"))
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            skipped.append((where, f"not JSON: not UTF-8 text (byte {exc.start})"))
            continue
        try:
            data: Any = loads_strict(text)
        except json.JSONDecodeError as exc:
            skipped.append((f"{where}:{exc.colno}", f"not JSON: {exc.msg}"))
            continue
        except (ValueError, RecursionError) as exc:
            skipped.append(_line_problem(text, where, f"not JSON: {str(exc)[:120]}"))
            continue
        if isinstance(data, dict) and "facts" in data and data.get("kind") != "Facts":
            data = data["facts"]  # a decision-log line
        try:
            snapshots.append(stream.facts(data, where))
        except InputError as exc:
            skipped.append(_line_problem(text, where, exc.message))
    return Recording(name, _ordered(snapshots), tuple(skipped))


def _line_problem(text: str, where: str, fallback: str) -> tuple[str, str]:
    """(where, why) of a refused line, at the column of the token that broke a limit, if any.

    The parsed data has no positions, so the line is read again only when it failed.
    """
    found = json_problem(text)
    if found is None:
        return where, fallback
    offset, message = found
    return f"{where}:{offset + 1}", message


def _lines(path: Path) -> Iterator[bytes]:
    """The file's lines, streamed: a year of samples is far larger than one document."""
    with os_errors(display_path(path)), open(path, "rb") as handle:
        yield from handle


def _read_folder(path: Path) -> Recording:
    snapshots: list[Facts] = []
    skipped: list[tuple[str, str]] = []
    for file in sorted(path.iterdir(), key=lambda entry: entry.name):
        if file.name.startswith(".") or file.suffix.lower() not in (".yaml", ".yml", ".json"):
            continue
        why = entry_problem(file)
        if why is not None:
            skipped.append((display_path(file), f"not a regular file: {why}"))
            continue
        try:
            snapshots.append(load_facts(file))
        except InputError as exc:
            skipped.append((str(exc.location or Location(str(file))), exc.message))
    return Recording(display_path(path), _ordered(snapshots), tuple(skipped))


def _ordered(snapshots: list[Facts]) -> tuple[Facts, ...]:
    return tuple(sorted(snapshots, key=lambda facts: instant(facts.data["collected_at"])))


def instant(text: str) -> datetime:
    """An RFC 3339 time as an aware datetime, whichever case its `T` and `Z` are written in."""
    return rfc3339_instant(text)
