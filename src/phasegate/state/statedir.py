"""The state directory (default `.phasegate/`): what one run leaves for the next.

Samples let the collector diff counters between runs (new failures, closed beads), the
phase record gives `phase_started_at`, a freeze blocks deployments after a Phase 2
rollback, and `decisions.jsonl` is the recording that offline replay reads. Damaged state
fails closed: an unreadable freeze file still freezes. A state file that is not a regular
file (a symlink, FIFO, device or socket) is refused outright: reading it could hang and
writing it could land outside the state dir.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phasegate.core.facts import Facts, facts_from_data
from phasegate.core.recording import instant
from phasegate.core.verdict import DEFAULT_HISTORY_WINDOW
from phasegate.errors import InputError, Location
from phasegate.files.digest import canonical_json
from phasegate.files.durable import (
    TORN_SUFFIX,
    append_line,
    file_kind,
    locked,
    log_position,
    not_regular,
    read_regular,
    refuse_special,
    regular_descriptor,
    write_atomic,
)
from phasegate.files.loading import MAX_BYTES, loads_strict, parse_json
from phasegate.files.reading import LINK_LOOP
from phasegate.files.schemas import is_rfc3339

DECISIONS = "decisions.jsonl"
#: The other lines `run`, `retry-rollback` and `resume` append to the decision log (each
#: `{"event": KIND, ...}`): readers that want decisions pass over them without a warning.
LOG_EVENTS = frozenset({"action", "retry", "rolled_back", "resume", "unfreeze", "closed"})
#: The longest decision-log line read; a longer one is skipped with a warning.
MAX_LINE_BYTES = MAX_BYTES
#: Skipped-line warnings kept per read; the rest are counted, never kept.
MAX_WARNINGS = 5
SAMPLES = "samples.json"
CHECKS = "checks.json"
PHASE = "phase.json"
FREEZE = "freeze.json"
FREEZE_LOG = "freeze-log.jsonl"
REMEDIATION = "remediation"
LOCK = ".lock"
#: Every file phasegate keeps in the state dir: each must be a regular file or absent.
FILES = (
    DECISIONS,
    DECISIONS + TORN_SUFFIX,
    SAMPLES,
    CHECKS,
    PHASE,
    FREEZE,
    FREEZE_LOG,
    FREEZE_LOG + TORN_SUFFIX,
    LOCK,
)


class LogReport:
    """Lines a log read skipped: located warnings (`file:line: skipped: why`), at most
    MAX_WARNINGS of them, each once however often the log is read, and how many lines the
    last read skipped (counted, never kept)."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.count = 0

    def skip(self, where: str, why: str) -> None:
        self.count += 1
        self.warn(where, f"skipped: {why}")

    def warn(self, where: str, what: str) -> None:
        line = f"{where}: {what}"
        if line in self.warnings:
            return
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(line)
        elif len(self.warnings) == MAX_WARNINGS:
            self.warnings.append("... (more warnings)")


def log_objects(
    log: Path, report: LogReport, start: int = 0
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(file:line, object) of each JSON object line of a log, one line in memory at a time.
    No log: nothing; an unreadable one: InputError; any other line: skipped in `report`.
    From `start` (a line's first byte), lines are numbered from there."""
    for where, _, value in numbered_log_objects(log, report, start):
        yield where, value


def numbered_log_objects(
    log: Path, report: LogReport, start: int = 0
) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """`log_objects` with each line's number beside its `file:line`, for a caller that
    locates an error at the line: a path may hold colons and digits of its own."""
    report.count = 0
    try:
        with (
            regular_descriptor(log) as descriptor,
            os.fdopen(os.dup(descriptor), "rb") as handle,
        ):
            handle.seek(start)
            number = 0
            while True:
                raw = handle.readline(MAX_LINE_BYTES + 1)
                if not raw:
                    break
                number += 1
                where = f"{log}:{number}"
                if len(raw) > MAX_LINE_BYTES:
                    while raw and not raw.endswith(b"\n"):  # drain it, bounded by EOF
                        raw = handle.readline(MAX_LINE_BYTES)
                    report.skip(where, "line too long")
                    continue
                if not raw.strip():
                    continue
                if not raw.endswith(b"\n"):  # what the next append cuts off: never read
                    report.skip(where, "torn last line (no newline): a writer stopped mid-line")
                    break
                try:
                    value = loads_strict(raw.decode("utf-8"))
                except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
                    report.skip(where, "not a JSON line")
                    continue
                if not isinstance(value, dict):
                    report.skip(where, "not a JSON object")
                    continue
                yield where, number, value
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", Location(str(log))) from None


@dataclass(frozen=True)
class StateDir:
    path: Path
    #: What reading the log skipped: the commands print its warnings, nothing blocks.
    report: LogReport = field(default_factory=lambda: LogReport(), compare=False, repr=False)
    #: Whether `lock` is held by this object: an append inside it must not lock twice.
    _holding: list[bool] = field(default_factory=list, compare=False, repr=False)

    @property
    def warnings(self) -> list[str]:
        return self.report.warnings

    def _load(self, name: str) -> tuple[bool, Any]:
        """(whether the file exists, its data or None when unreadable): callers decide what
        damage means. Not a regular file: InputError, whatever the caller."""
        file = self.path / name
        try:
            raw = read_regular(file, MAX_BYTES)
        except (FileNotFoundError, NotADirectoryError):
            return False, None
        except OSError:
            return True, None
        if raw is None:
            return False, None
        try:
            return True, parse_json(raw.decode("utf-8-sig"), str(file)).data
        except (InputError, ValueError):  # UnicodeDecodeError is a ValueError
            return True, None

    def _read(self, name: str) -> Any:
        return self._load(name)[1]

    def _write(self, name: str, value: Any) -> None:
        text = json.dumps(value, indent=2, sort_keys=True) + "\n"
        write_atomic(self.path / name, text, state=True)

    def _remediation_folder(self) -> Path:
        """The notes folder, refused when it is a symlink: notes must stay in the state dir."""
        folder = self.path / REMEDIATION
        try:
            mode = os.lstat(folder).st_mode
        except FileNotFoundError:
            return folder
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror}", Location(str(folder))) from None
        if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):  # a plain file: mkdir says so
            raise not_regular(folder, mode)
        return folder

    def check_exists(self) -> None:
        """Refuse a state dir that is not there, for the commands that read or extend what
        `collect` and `run` left (`status`, `closeout`, `unfreeze`, `resume`,
        `retry-rollback`): a typo in `--state-dir` must not read as "nothing recorded"."""
        if not self._is_folder("readable"):
            raise InputError(
                "state dir does not exist (`collect` and `run` create it)",
                Location(str(self.path)),
            )

    def _is_folder(self, able: str) -> bool:
        """Whether the state dir exists (a symlink to a folder is one); InputError, saying
        what is there, when it is not a folder or cannot be looked at."""
        try:
            mode = os.stat(self.path).st_mode
        except FileNotFoundError:
            if os.path.islink(self.path):  # mkdir would say "File exists"
                raise InputError("state dir is a dangling link", Location(str(self.path))) from None
            return False
        except OSError as exc:
            why = LINK_LOOP if exc.errno == errno.ELOOP else exc.strerror or exc
            raise InputError(f"state dir is not {able}: {why}", Location(str(self.path))) from None
        if not stat.S_ISDIR(mode):
            raise InputError(
                f"state dir is not a directory ({file_kind(mode)})", Location(str(self.path))
            )
        return True

    def check_writable(self) -> None:
        """Fail before running anything when results could not be kept, or would be kept
        somewhere else than the state dir."""
        self._is_folder("writable")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.path, prefix=".write-test-"):
                pass
            for name in FILES:
                refuse_special(self.path / name)
            self._remediation_folder().mkdir(exist_ok=True)
            for name in (DECISIONS, REMEDIATION):
                target = self.path / name
                usable = target.is_dir() if name == REMEDIATION else not target.is_dir()
                if not usable or (target.exists() and not os.access(target, os.W_OK)):
                    raise IsADirectoryError(f"{name} is not usable")
        except OSError as exc:
            raise InputError(
                f"state dir is not writable: {exc.strerror or exc}", Location(str(self.path))
            ) from None

    def samples(self) -> dict[str, dict[str, Any]]:
        """The kept state of each source from the previous collection (damaged: none)."""
        value = self._read(SAMPLES)
        if not isinstance(value, dict):
            return {}
        return {name: kept for name, kept in value.items() if isinstance(kept, dict)}

    def save_samples(self, samples: dict[str, dict[str, Any]]) -> None:
        """Merge new source states in: a source that failed this time keeps its last state,
        and a concurrent runner's newer sample is not overwritten by an older one."""
        with locked(self.path / LOCK):
            merged = self.samples()
            for name, kept in samples.items():
                current = merged.get(name, {})
                if _later_or_equal(kept.get("at"), current.get("at")):
                    merged[name] = kept
            self._write(SAMPLES, merged)

    def check_results(self) -> dict[str, dict[str, Any]]:
        """The last passing result of each check (damaged: none, so checks run again)."""
        value = self._read(CHECKS)
        if not isinstance(value, dict):
            return {}
        return {name: kept for name, kept in value.items() if isinstance(kept, dict)}

    def save_check_results(self, results: dict[str, dict[str, Any] | None]) -> None:
        """Keep these passing check results (each replaces that check's last one); None
        drops the check's kept result."""
        if not results:
            return
        with locked(self.path / LOCK):
            merged: dict[str, Any] = {**self.check_results(), **results}
            self._write(CHECKS, {name: kept for name, kept in merged.items() if kept is not None})

    def phase_started_at(self, commit: str, phase: int, now: str, *, record: bool) -> str:
        """When this change's current phase started: recorded the first time it is seen."""
        current = self._read(PHASE)
        if (
            isinstance(current, dict)
            and current.get("commit") == commit
            and current.get("phase") == phase
            and isinstance(current.get("started_at"), str)
        ):
            return current["started_at"]
        if record:
            self._write(PHASE, {"commit": commit, "phase": phase, "started_at": now})
        return now

    def freeze(self) -> dict[str, Any] | None:
        """The active freeze; a freeze file that cannot be read still freezes."""
        file = self.path / FREEZE
        exists, value = self._load(FREEZE)
        if not exists:
            return None
        if isinstance(value, dict) and value.get("active") is True:
            return {
                key: value[key]
                for key in ("active", "reason", "since")
                if isinstance(value.get(key), str | bool)
            }
        if isinstance(value, dict) and value.get("active") is False:
            return None
        return {
            "active": True,
            "reason": f"{file} is damaged; treated as frozen until `phasegate unfreeze`",
        }

    def set_freeze(self, reason: str, since: str) -> None:
        """Freeze, under the state dir's lock: an `unfreeze` in flight either finished
        before (this freeze stands) or sees this one and leaves it."""
        record = {"active": True, "reason": reason, "since": since}
        with locked(self.path / LOCK):
            self._write(FREEZE, record)
            append_line(self.path / FREEZE_LOG, canonical_json({"event": "freeze", **record}))

    def clear_freeze(
        self, reason: str, at: str, *, rca: str | None = None, expected: Any = None
    ) -> bool:
        """Lift a freeze (damaged or not), recording why; False when there was none.

        Read again and lifted under the state dir's lock, so a freeze a rollback writes
        meanwhile is never deleted unseen. With `expected` (the freeze the caller read and
        showed), a different freeze found under the lock is left standing: InputError.

        The decision log is written first: it is the record `closeout` and the rollout
        state read, and a freeze is lifted only once it holds the line. The freeze log, an
        audit copy nothing reads back, comes last: written first, a decision log that then
        could not be written left it saying "unfreeze" beside a freeze that stood. Its own
        failure is an InputError that says the freeze was lifted and where it is recorded.
        """
        with locked(self.path / LOCK):
            current = self.freeze()
            if current is None:
                return False
            if expected is not None and current != expected:
                raise InputError(
                    f"a new freeze was set while unfreezing ({current.get('reason', '?')}); "
                    "it stands: read it and run `phasegate unfreeze` again",
                    Location(str(self.path / FREEZE)),
                )
            record = {"event": "unfreeze", "reason": reason, "at": at, "was": current}
            if rca is not None:
                record["rca"] = rca
            line = canonical_json(record)
            append_line(self.path / DECISIONS, line)
            try:
                (self.path / FREEZE).unlink()
            except OSError as exc:
                raise InputError(
                    f"the unfreeze was recorded in {DECISIONS}, but the freeze could not be "
                    f"lifted: {exc.strerror or exc}; it stands",
                    Location(str(self.path / FREEZE)),
                ) from None
            try:
                append_line(self.path / FREEZE_LOG, line)
            except InputError as exc:
                raise InputError(
                    f"the freeze was lifted and recorded in {DECISIONS}, but not in "
                    f"{FREEZE_LOG}: {exc.message}",
                    exc.location,
                ) from None
        return True

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """The state dir's lock, which a freeze, an unfreeze, a guarded decision and every
        decision log line take: a line that stops a change cannot land between `run`'s
        recheck and its continue. Taken once per object (flock would wait on itself)."""
        if self._holding:
            yield
            return
        with locked(self.path / LOCK):
            self._holding.append(True)
            try:
                yield
            finally:
                self._holding.clear()

    def mark(self) -> tuple[Any, tuple[int, int] | None]:
        """Where the freeze and the decision log stand now, for `changed_since`."""
        return self.freeze(), log_position(self.path / DECISIONS)

    def changed_since(self, mark: tuple[Any, Any], matters: Callable[[dict], bool]) -> bool:
        """Whether the freeze changed since `mark`, or a line that `matters` was appended
        to the log (or the log was replaced or cut). Reads only what was appended."""
        freeze, position = mark
        if self.freeze() != freeze:
            return True
        now = log_position(self.path / DECISIONS)
        if position is not None and (now is None or now[0] != position[0] or now[1] < position[1]):
            return True
        start = 0 if position is None else position[1]
        lines = log_objects(self.path / DECISIONS, LogReport(), start)
        return any(matters(record) for _, record in lines)

    def history(
        self, of: Facts | None = None, window: int = DEFAULT_HISTORY_WINDOW
    ) -> tuple[Facts, ...]:
        """The facts of logged decisions: what `for:` and `history` look back on.

        With `of`, only the `window` latest snapshots of its rollout (change and phase)
        are kept, so memory does not grow with the log; without, every snapshot. Lines
        that are not usable snapshots are skipped with a located warning.
        """
        key = None if of is None else (of.data["change"].get("commit"), of.phase)
        kept: deque[Facts] = deque(maxlen=window if of is not None else None)
        for where, record in self._log_lines():
            if record.get("event", "decision") != "decision" or "facts" not in record:
                continue
            data = record["facts"]
            if key is not None and (
                not isinstance(data, dict)
                or not isinstance(data.get("change"), dict)
                or (data["change"].get("commit"), data.get("phase")) != key
            ):
                continue
            try:
                kept.append(facts_from_data(data, where))
            except InputError as exc:
                self._skipped(where, exc.message)
        return tuple(sorted(kept, key=lambda facts: instant(facts.data["collected_at"])))

    def records(self) -> Iterator[dict[str, Any]]:
        """Every usable JSON object of the decision log, streamed, for the rollout state
        machine (which also reads the event lines that carry no facts). Nothing when there
        is no log; an unreadable log raises InputError. A line that is not a JSON object,
        or a decision whose time is not RFC 3339, is skipped with a warning; a rollback
        decision or an event line with such a time is kept, with a warning, its time
        unknown."""
        for where, record in self._log_lines():
            event = record.get("event", "decision")
            facts = record.get("facts")
            if event == "decision":
                when = facts.get("collected_at") if isinstance(facts, dict) else None
                if isinstance(facts, dict) and not (isinstance(when, str) and is_rfc3339(when)):
                    why = f"collected_at is not an RFC 3339 time: {when!r:.60}"
                    decision = record.get("decision")
                    if not (isinstance(decision, dict) and decision.get("verdict") == "rollback"):
                        self._skipped(where, why)
                        continue
                    # as a rolled_back line is: a typo in its time must not forget it
                    self.report.warn(where, f"{why} (kept: a rollback is owed whatever its time)")
            elif event in ("rolled_back", "resume", "closed"):
                when = record.get("at")
                if not (isinstance(when, str) and is_rfc3339(when)):
                    self.report.warn(where, f"at is not an RFC 3339 time: {when!r:.60} (kept)")
            yield record

    def _log_lines(self) -> Iterator[tuple[str, dict[str, Any]]]:
        return log_objects(self.path / DECISIONS, self.report)

    def _skipped(self, where: str, why: str) -> None:
        self.report.skip(where, why)

    def append_decision(self, record: dict[str, Any]) -> None:
        with self.lock():
            append_line(self.path / DECISIONS, canonical_json(record))

    def write_remediation(self, name: str, text: str) -> Path:
        target = self._remediation_folder() / name
        write_atomic(target, text, state=True)
        return target


def _later_or_equal(new: Any, old: Any) -> bool:
    try:
        return old is None or instant(str(new)) >= instant(str(old))
    except ValueError:
        return True
