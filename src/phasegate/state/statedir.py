"""The state directory (default `.phasegate/`): what one run leaves for the next.

Samples let the collector diff counters between runs (new failures, closed beads), the
phase record gives `phase_started_at`, a freeze blocks deployments after a Phase 2
rollback, and `decisions.jsonl` is the recording that offline replay reads. Damaged state
fails closed: an unreadable freeze file still freezes. A state file that is not a regular
file (a symlink, FIFO, device or socket) is refused outright: reading it could hang and
writing it could land outside the state dir.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phasegate.core.facts import Facts
from phasegate.core.recording import instant, read_recording
from phasegate.errors import InputError, Location
from phasegate.files.digest import canonical_json
from phasegate.files.durable import (
    TORN_SUFFIX,
    append_line,
    locked,
    not_regular,
    read_regular,
    refuse_special,
    regular_descriptor,
    write_atomic,
)
from phasegate.files.loading import MAX_BYTES, parse_json

DECISIONS = "decisions.jsonl"
#: The other lines `run`, `retry-rollback` and `resume` append to the decision log (each
#: `{"event": KIND, ...}`): readers that want decisions pass over them without a warning.
LOG_EVENTS = frozenset({"action", "retry", "rolled_back", "resume"})
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


@dataclass(frozen=True)
class StateDir:
    path: Path

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

    def check_writable(self) -> None:
        """Fail before running anything when results could not be kept, or would be kept
        somewhere else than the state dir."""
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
        record = {"active": True, "reason": reason, "since": since}
        self._write(FREEZE, record)
        append_line(self.path / FREEZE_LOG, canonical_json({"event": "freeze", **record}))

    def clear_freeze(self, reason: str, at: str) -> bool:
        """Lift a freeze (damaged or not), recording why; False when there was none."""
        current = self.freeze()
        if current is None:
            return False
        append_line(
            self.path / FREEZE_LOG,
            canonical_json({"event": "unfreeze", "reason": reason, "at": at, "was": current}),
        )
        (self.path / FREEZE).unlink()
        return True

    def history(self) -> tuple[Facts, ...]:
        """The facts of every logged decision: what `for:` and `history` look back on.

        Action lines and decisions whose actions never finished are kept as they are: the
        recording reader takes the facts of decision lines and skips every other line.
        """
        log = self.path / DECISIONS
        try:
            with regular_descriptor(log) as descriptor:
                # The checked descriptor, reopened by name: the file cannot be swapped.
                by_descriptor = Path(f"/proc/self/fd/{descriptor}")
                return read_recording(by_descriptor if by_descriptor.exists() else log).snapshots
        except (FileNotFoundError, NotADirectoryError):
            return ()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", Location(str(log))) from None

    def log_records(self) -> list[dict[str, Any]] | None:
        """Every JSON object of the decision log (None: there is no log), for the rollout
        state machine, which also reads the event lines that carry no facts. Lines that
        are not JSON objects are skipped, as replay skips them; an unreadable log raises."""
        log = self.path / DECISIONS
        try:
            with (
                regular_descriptor(log) as descriptor,
                os.fdopen(os.dup(descriptor), "rb") as handle,
            ):
                lines = handle.read().splitlines()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", Location(str(log))) from None
        records = []
        for line in lines:
            try:
                value = json.loads(line)
            except ValueError:  # UnicodeDecodeError is a ValueError
                continue
            if isinstance(value, dict):
                records.append(value)
        return records

    def append_decision(self, record: dict[str, Any]) -> None:
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
