"""The state directory (default `.phasegate/`): what one run leaves for the next.

Samples let the collector diff counters between runs (new failures, closed beads), the
phase record gives `phase_started_at`, a freeze blocks deployments after a Phase 2
rollback, and `decisions.jsonl` is the recording that offline replay reads. Damaged state
fails closed: an unreadable freeze file still freezes.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phasegate.digest import canonical_json
from phasegate.durable import append_line, locked, write_atomic
from phasegate.errors import InputError, Location
from phasegate.facts import Facts
from phasegate.loading import load_document
from phasegate.recording import instant, read_recording

DECISIONS = "decisions.jsonl"
SAMPLES = "samples.json"
PHASE = "phase.json"
FREEZE = "freeze.json"
FREEZE_LOG = "freeze-log.jsonl"
REMEDIATION = "remediation"
LOCK = ".lock"


@dataclass(frozen=True)
class StateDir:
    path: Path

    def _read(self, name: str) -> Any:
        """The file's data, or None when absent or unreadable (callers decide what that means)."""
        file = self.path / name
        if not file.exists():
            return None
        try:
            return load_document(file).data
        except InputError:
            return None

    def _write(self, name: str, value: Any) -> None:
        write_atomic(self.path / name, json.dumps(value, indent=2, sort_keys=True) + "\n")

    def check_writable(self) -> None:
        """Fail before running anything when results could not be kept."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.path, prefix=".write-test-"):
                pass
            (self.path / REMEDIATION).mkdir(exist_ok=True)
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
        if not file.exists():
            return None
        value = self._read(FREEZE)
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
        """The facts of every logged decision: what `for:` and `history` look back on."""
        log = self.path / DECISIONS
        return read_recording(log).snapshots if log.exists() else ()

    def append_decision(self, record: dict[str, Any]) -> None:
        append_line(self.path / DECISIONS, canonical_json(record))

    def write_remediation(self, name: str, text: str) -> Path:
        target = self.path / REMEDIATION / name
        write_atomic(target, text)
        return target


def _later_or_equal(new: Any, old: Any) -> bool:
    try:
        return old is None or instant(str(new)) >= instant(str(old))
    except ValueError:
        return True
