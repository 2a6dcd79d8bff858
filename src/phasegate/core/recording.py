"""Recordings: sequences of facts documents that replay and `for:` rules read.

A recording is a JSONL file (a bare facts document per line, or a decision-log line that
carries one under `facts`) or a folder of facts files. A bad line never stops or corrupts
a replay: it is skipped, counted and reported with its line number.
"""

from __future__ import annotations

import gc
import json
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from phasegate.core.facts import Facts, FactsStream, load_facts
from phasegate.errors import InputError, Location, single_line, undecodable
from phasegate.files.loading import MAX_BYTES as MAX_LINE_BYTES
from phasegate.files.loading import (
    display_path,
    entry_problem,
    json_problem,
    load_document,
    loads_strict,
    opened,
    os_errors,
)
from phasegate.files.schemas import rfc3339_instant


@dataclass(frozen=True)
class Recording:
    source: str
    #: Ordered by collected_at; snapshots with equal times keep their recorded order.
    snapshots: tuple[Facts, ...]
    #: (where, why) of every line or file that was not a usable facts document.
    skipped: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Refused:
    """A snapshot refused at load (a facts document that fails its schema or contradicts
    itself, such as metrics healthier than its own counts): skipped, yet still a snapshot.
    Read with `refused=True`, it keeps its place, so the snapshots after it keep theirs
    (what `replay --expect` counts by index)."""

    where: str
    reason: str
    #: Its collected_at when that reads as a time (where it stands in time order).
    moment: datetime | None = None


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
    """A whole recording in memory, for the commands that need every snapshot at hand
    (`--history`, diff); replay streams with `RecordingReader` instead."""
    reader = RecordingReader(path)
    with batch():
        snapshots = sorted(reader.snapshots(strict=False), key=_time)
    return Recording(reader.source, tuple(snapshots), tuple(reader.skipped))


def read_history(path: str | Path) -> tuple[Facts, ...]:
    """`--history`'s snapshots, every line of them: one that does not load is refused, as in
    a policy test's history, never skipped as replay skips it. The lost line may be the
    sample a `for:`, `keep_for:` or `history` rule needed, and its verdict, decided
    without it, a continue."""
    recording = read_recording(path)
    if recording.skipped:
        where, why = recording.skipped[0]
        raise InputError(f"history: {why}", Location(where))
    return recording.snapshots


class Unordered(Exception):
    """A recording's snapshots are not in collected_at order as written; raised by a strict
    read so a streaming consumer can start again with `RecordingReader.snapshots(sort=True)`."""


class Skipped(list[tuple[str, str]]):
    """The (where, why) of skipped lines: every one counted, at most `keep` of them kept.

    A recording of junk lines must not cost memory per line: a report lists the first
    `keep` and says how many there were (`total`).
    """

    def __init__(self, keep: int | None = None) -> None:
        super().__init__()
        self.keep = keep
        self.total = 0

    def append(self, item: tuple[str, str]) -> None:
        self.total += 1
        if self.keep is None or len(self) < self.keep:
            super().append(item)


class RecordingReader:
    """Reads a recording one snapshot at a time, so memory does not grow with its length.

    Recordings and decision logs are appended in time order, so the snapshots are read as
    written. One that is not (logs concatenated out of order) is detected on the way: a
    strict read raises `Unordered` and the consumer reads again with `sort=True`, which
    orders the snapshots by an index of a time, an offset and a line number per snapshot
    (24 bytes each) and reads each again where it stands, validating it again.
    """

    def __init__(
        self, path: str | Path, keep_skipped: int | None = None, digests: bool = True
    ) -> None:
        self.path = Path(path)
        #: False: a JSONL line's facts get no digest (`FactsStream`), for replay's reports.
        self.digests = digests
        self.source = display_path(self.path)
        self.keep_skipped = keep_skipped
        #: (where, why) of the lines or files that were not a usable facts document (all of
        #: them, or the first `keep_skipped`), in the order they stand in the recording;
        #: complete once `snapshots` is exhausted.
        self.skipped = Skipped(keep_skipped)

    def check(self) -> None:
        """Raise the located error reading would, before anything is read."""
        with os_errors(self.source):
            if self.path.is_dir():
                _facts_files(self.path)
            else:
                with opened(self.path):
                    pass

    def snapshots(
        self, *, strict: bool = True, sort: bool = False, refused: bool = False
    ) -> Iterator[Facts]:
        """The usable snapshots: as written (strict: raising `Unordered` at the first one
        earlier than the one before), or ordered by collected_at, equal times as written.
        With `refused`, each snapshot refused at load comes too, as a `Refused` in its
        place (its collected_at's, or as written when it has none); either way it is one
        of the `skipped`."""
        self.skipped = Skipped(self.keep_skipped)
        if sort:
            yield from self._sorted(refused)
            return
        last = None
        for _, _, item in self._read(self._entries(), self.skipped):
            moment = _placed(item)
            if moment is not None:
                if strict and last is not None and moment < last:
                    raise Unordered(self.source)
                last = moment
            if isinstance(item, Refused):
                self.skipped.append((item.where, item.reason))
                if not refused:
                    continue
            yield item  # type: ignore[misc]  # a Refused only when asked for

    def _sorted(self, refused: bool) -> Iterator[Facts]:
        times, positions, numbers = array("q"), array("q"), array("q")
        last = None
        for position, number, item in self._read(self._entries(), self.skipped):
            last = _placed(item) or last
            if isinstance(item, Refused):
                self.skipped.append((item.where, item.reason))
            times.append(_EARLIEST if last is None else _microseconds(last))
            positions.append(position)
            numbers.append(number)
        order = sorted(range(len(times)), key=times.__getitem__)
        again: list[tuple[str, str]] = []
        count = 0
        entries = self._entries([(positions[i], numbers[i]) for i in order])
        for _, _, item in self._read(entries, again):
            moment = _placed(item)
            placed = times[order[count]]
            if again or (moment is not None and _microseconds(moment) != placed):
                break
            count += 1
            if refused or not isinstance(item, Refused):
                yield item  # type: ignore[misc]  # a Refused only when asked for
        if again or count != len(order):
            where = again[0][0] if again else self.source
            raise InputError("recording changed while being read", Location(where))

    def _entries(
        self, positions: list[tuple[int, int]] | None = None
    ) -> Iterator[tuple[int, int, str, Any]]:
        """(position, line number, where, raw entry) in the order asked (as (position, line
        number) pairs), by default as written. A folder's position is the file's index."""
        if self.path.is_dir():
            files = _facts_files(self.path, self.skipped if positions is None else None)
            for index, _ in positions or ((index, 0) for index in range(len(files))):
                yield index, 0, str(files[index]), files[index]
            return
        with opened(self.path) as handle, os_errors(self.source):
            if positions is None:
                offset = 0
                for number, raw in enumerate(handle, 1):
                    yield offset, number, f"{self.source}:{number}", raw
                    offset += len(raw)
                return
            for offset, number in positions:
                handle.seek(offset)
                yield offset, number, f"{self.source}:{number}", handle.readline()

    def _read(
        self, entries: Iterator[tuple[int, int, str, Any]], skipped: list[tuple[str, str]]
    ) -> Iterator[tuple[int, int, Facts | Refused]]:
        """Each usable entry as facts, each facts document refused at load as a `Refused`;
        every other one (not a facts document) recorded in `skipped`, never fatal.

        The garbage collector stays on while streaming: with it paused (see `batch`), the
        few reference cycles a snapshot leaves behind would pile up for the whole file.
        """
        stream = FactsStream(self.digests)
        for position, number, where, raw in entries:
            if isinstance(raw, Path):  # a folder's file is a snapshot, whatever it holds
                try:
                    yield position, number, load_facts(raw)
                except InputError as exc:
                    where = str(exc.location or Location(where))
                    yield position, number, Refused(where, exc.message, _file_moment(raw))
                continue
            facts = _line_facts(stream, raw, where, skipped)
            if facts is not None:
                yield position, number, facts


def _line_facts(
    stream: FactsStream, raw: bytes, where: str, skipped: list[tuple[str, str]]
) -> Facts | Refused | None:
    if not raw.strip():
        return None
    if len(raw) > MAX_LINE_BYTES:
        skipped.append((where, f"line longer than {MAX_LINE_BYTES // 1024 // 1024} MiB"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        skipped.append((where, f"not JSON: not UTF-8 text (byte {exc.start})"))
        return None
    try:
        data: Any = loads_strict(text)
    except json.JSONDecodeError as exc:
        skipped.append((f"{where}:{exc.colno}", f"not JSON: {exc.msg}"))
        return None
    except (ValueError, RecursionError) as exc:
        skipped.append(_line_problem(text, where, f"not JSON: {str(exc)[:120]}"))
        return None
    if (
        isinstance(data, dict)
        and data.get("kind") != "Facts"
        and data.get("event", "decision") != "decision"
    ):
        return None  # an action's outcome in a decision log: no snapshot of its own
    if isinstance(data, dict) and "facts" in data and data.get("kind") != "Facts":
        data = data["facts"]  # a decision-log line
    try:
        return stream.facts(data, where)
    except InputError as exc:
        problem = _line_problem(text, where, exc.message)
        if not isinstance(data, dict):
            skipped.append(problem)
            return None
        return Refused(*problem, _moment(data.get("collected_at")))


def _line_problem(text: str, where: str, fallback: str) -> tuple[str, str]:
    """(where, why) of a refused line, at the column of the token that broke a limit, if any.

    The parsed data has no positions, so the line is read again only when it failed.
    """
    found = json_problem(text)
    if found is None:
        return where, fallback
    offset, message = found
    return f"{where}:{offset + 1}", message


def _facts_files(path: Path, skipped: list[tuple[str, str]] | None = None) -> list[Path]:
    """The facts files of a folder, by name; an entry that is not a regular file (a pipe,
    a device, a dangling link) is skipped with a warning, never opened."""
    with os_errors(display_path(path)):
        entries = sorted(path.iterdir(), key=lambda entry: entry.name)
    files = []
    for file in entries:
        if file.name.startswith("."):
            continue
        if file.suffix.lower() == ".jsonl":  # the files of a folder are one snapshot each
            if skipped is not None:
                why = "a recording in a folder of facts files: name it on the command line"
                skipped.append((display_path(file), why))
            continue
        if file.suffix.lower() not in (".yaml", ".yml", ".json"):
            continue
        why = entry_problem(file)
        if why is not None:
            if skipped is not None:
                skipped.append((display_path(file), f"not a regular file: {why}"))
            continue
        if undecodable(file.name):  # a report can name it only escaped, and read no snapshot
            if skipped is not None:
                where = single_line(display_path(file))
                skipped.append((where, "a name that is not UTF-8: rename it"))
            continue
        files.append(file)
    return files


def _time(facts: Facts) -> datetime:
    return instant(facts.data["collected_at"])


def _moment(value: Any) -> datetime | None:
    """A refused document's collected_at as an instant, if it is one (a date, or a time
    without an offset, is none: Python cannot compare it with the others)."""
    if not isinstance(value, str):
        return None
    try:
        moment = instant(value)
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else None


def _file_moment(path: Path) -> datetime | None:
    """A refused facts file's collected_at, when it reads as a mapping that has one: where
    it stands in time and which time range covers it, as for a refused line of a JSONL
    recording (read again only on this path, when loading it failed)."""
    try:
        data = load_document(path).data
    except (InputError, OSError):  # changed or gone since: no time to place it by
        return None
    return _moment(data.get("collected_at")) if isinstance(data, dict) else None


def _placed(item: Facts | Refused) -> datetime | None:
    """Where a snapshot stands in time: its collected_at; None for a refused one without a
    readable time, which stands where it was written (after the one before it)."""
    if isinstance(item, Refused):
        return item.moment
    return _time(item)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The place of a refused snapshot with no time before any snapshot with one.
_EARLIEST = -(2**63)


def _microseconds(moment: datetime) -> int:
    """Exact microseconds since 1970: a float `timestamp()` cannot tell two times a
    microsecond apart past the year 2242, and the sort must order exactly as `<` does."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def instant(text: str) -> datetime:
    """An RFC 3339 time as an aware datetime, whichever case its `T` and `Z` are written in."""
    return rfc3339_instant(text)
