"""`replay --format json`: the contract in schemas/replay.schema.json.

The document is what `json.dumps(..., indent=2, sort_keys=True)` makes of the whole, byte
for byte, written a snapshot at a time: each recording's `skipped` sorts before its
`snapshots`, so the snapshots are spooled until the recording is complete.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from phasegate.core.evaluate import RuleStatus
from phasegate.errors import json_text
from phasegate.replay.replay import Replay, Step, ids
from phasegate.replay.rollouts import rollout_of
from phasegate.report.replay.spool import SpooledRecording

#: Indentation of a recording object, and of one snapshot object, in the document.
RECORDING, SNAPSHOT = 4, 8


def _dumps(value: Any, indent: int) -> str:
    text = json_text(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False))
    return text.replace("\n", "\n" + " " * indent)


def snapshot_object(step: Step) -> dict[str, Any]:
    decision = step.decision
    return {
        "index": step.index,
        "change": rollout_of(decision)[0],
        "phase": decision.phase,
        "collected_at": decision.collected_at,
        "verdict": decision.verdict.label,
        "fired": ids(decision, RuleStatus.FIRED),
        "errored": ids(decision, RuleStatus.ERROR),
        "pending": ids(decision, RuleStatus.PENDING),
        "where": step.where,
    }


def skipped_object(where: str, reason: str, indexes: dict[str, int]) -> dict[str, Any]:
    """A skipped line; a snapshot refused at load with the index it keeps."""
    found: dict[str, Any] = {"where": where, "reason": reason}
    if where in indexes:
        found["index"] = indexes[where]
    return found


#: A string as json.dumps(..., ensure_ascii=False) writes it, by the C encoder.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def _string(value: str) -> str:
    return json_text(_encode(value))


def snapshot_text(step: Step, indent: int) -> str:
    """`_dumps(snapshot_object(step), indent)`, byte for byte, without the pure-Python
    indenting encoder: writing it cost as much as deciding the snapshot (a million-snapshot
    replay spends most of its output time here)."""
    decision = step.decision
    buckets: dict[RuleStatus, list[str]] = {
        RuleStatus.FIRED: [],
        RuleStatus.ERROR: [],
        RuleStatus.PENDING: [],
    }
    for result in decision.results:
        bucket = buckets.get(result.status)
        if bucket is not None:
            bucket.append(result.id)
    key = "\n" + " " * (indent + 2)
    item = key + "  "

    def listed(ids: list[str]) -> str:
        if not ids:
            return "[]"
        return "[" + item + ("," + item).join(_string(i) for i in sorted(ids)) + key + "]"

    return (
        f'{{{key}"change": {_string(rollout_of(decision)[0])},'
        f'{key}"collected_at": {_string(decision.collected_at)},'
        f'{key}"errored": {listed(buckets[RuleStatus.ERROR])},'
        f'{key}"fired": {listed(buckets[RuleStatus.FIRED])},'
        f'{key}"index": {int(step.index)!r},'
        f'{key}"pending": {listed(buckets[RuleStatus.PENDING])},'
        f'{key}"phase": {int(decision.phase)!r},'
        f'{key}"verdict": {_string(decision.verdict.label)},'
        f'{key}"where": {_string(step.where)}'
        f"\n{' ' * indent}}}"
    )


class JsonReport:
    def __init__(self, out: TextIO) -> None:
        self.out, self.started = out, False
        out.write('{\n  "recordings": [')

    def recording(self, replay: Replay) -> _JsonRecording:
        return _JsonRecording(self.out, replay, self)

    def separator(self) -> str:
        """What comes before a recording written now: nothing before the first."""
        separator, self.started = ("," if self.started else ""), True
        return separator

    def close(self) -> None:
        self.out.write("\n  ]\n}\n" if self.started else "]\n}\n")


class _JsonRecording(SpooledRecording):
    def __init__(self, out: TextIO, replay: Replay, report: JsonReport) -> None:
        super().__init__(out, replay)
        self.report = report
        self.written = False

    def line(self, step: Step) -> str:
        # not `step.index`: a first snapshot skipped leaves the first written at #1
        comma, self.written = ("," if self.written else ""), True
        return f"{comma}\n{' ' * SNAPSHOT}{snapshot_text(step, SNAPSHOT)}"

    def _skeleton(self) -> tuple[str, str]:
        """The recording object around its (empty) snapshot list: before and after it."""
        text = _dumps(
            {
                "source": self.replay.source,
                "snapshots": [],
                "summary": self.replay.summary(),
                "skipped": [
                    skipped_object(where, reason, self.replay.skipped_indexes)
                    for where, reason in self.replay.skipped
                ],
            },
            RECORDING,
        )
        # keys and string contents are escaped, so the key with its empty list is unique
        before, after = text.split('"snapshots": []', 1)
        return before + '"snapshots": [', "]" + after

    def head(self) -> str:
        before, self._after = self._skeleton()
        return f"{self.report.separator()}\n{' ' * RECORDING}{before}"

    def tail(self) -> str:
        closing = f"\n{' ' * (SNAPSHOT - 2)}" if self.replay.count else ""
        return closing + self._after
