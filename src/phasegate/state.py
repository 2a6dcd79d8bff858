"""The state directory (default `.phasegate/`): what one run leaves for the next.

Samples let the collector diff counters between runs (new failures, closed beads), the
phase record gives `phase_started_at`, a freeze blocks deployments after a Phase 2
rollback, and `decisions.jsonl` is the recording that offline replay reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phasegate.digest import canonical_json
from phasegate.durable import append_line, write_atomic
from phasegate.errors import InputError, Location
from phasegate.facts import Facts
from phasegate.loading import load_document
from phasegate.recording import read_recording

DECISIONS = "decisions.jsonl"
SAMPLES = "samples.json"
PHASE = "phase.json"
FREEZE = "freeze.json"
FREEZE_LOG = "freeze-log.jsonl"
REMEDIATION = "remediation"


@dataclass(frozen=True)
class StateDir:
    path: Path

    def _read(self, name: str) -> Any:
        file = self.path / name
        if not file.exists():
            return None
        return load_document(file).data

    def _write(self, name: str, value: Any) -> None:
        write_atomic(self.path / name, json.dumps(value, indent=2, sort_keys=True) + "\n")

    def check_writable(self) -> None:
        """Fail before running anything when results could not be kept."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            probe = self.path / ".write-test"
            probe.write_text("")
            probe.unlink()
        except OSError as exc:
            raise InputError(
                f"state dir is not writable: {exc.strerror or exc}", Location(str(self.path))
            ) from None

    def samples(self) -> dict[str, Any]:
        """The kept state of each source from the previous collection."""
        value = self._read(SAMPLES)
        return value if isinstance(value, dict) else {}

    def save_samples(self, samples: dict[str, Any]) -> None:
        self._write(SAMPLES, samples)

    def phase_started_at(self, phase: int, now: str) -> str:
        """When the current phase started: recorded the first time it is seen."""
        record = self._read(PHASE)
        if isinstance(record, dict) and record.get("phase") == phase and record.get("started_at"):
            return str(record["started_at"])
        self._write(PHASE, {"phase": phase, "started_at": now})
        return now

    def freeze(self) -> dict[str, Any] | None:
        value = self._read(FREEZE)
        return value if isinstance(value, dict) else None

    def set_freeze(self, reason: str, since: str) -> None:
        record = {"active": True, "reason": reason, "since": since}
        self._write(FREEZE, record)
        append_line(self.path / FREEZE_LOG, canonical_json({"event": "freeze", **record}))

    def clear_freeze(self, reason: str, at: str) -> bool:
        """Lift a freeze, recording why; False when there was none."""
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
