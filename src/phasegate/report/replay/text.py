"""`replay` text: one line per snapshot, what changed, then each recording's summary."""

from __future__ import annotations

from typing import Any, TextIO

from phasegate.replay.replay import Replay, Step, changes
from phasegate.report.replay.spool import SpooledRecording
from phasegate.report.text import single_line


class TextReport:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def recording(self, replay: Replay) -> _TextRecording:
        return _TextRecording(self.out, replay)

    def close(self) -> None:
        pass


class _TextRecording(SpooledRecording):
    def head(self) -> str:
        return f"== {single_line(self.replay.source)}: {self.replay.count} snapshots\n"

    def line(self, step: Step) -> str:
        noted = changes(self.previous, step.decision)
        return (
            f"#{step.index:<5} {single_line(step.where)}  {step.decision.collected_at}  "
            f"{step.decision.verdict.label:<8}" + (f"  {'; '.join(noted)}" if noted else "") + "\n"
        )

    def tail(self) -> str:
        lines = [
            f"skipped {single_line(where)}: {single_line(reason)}"
            for where, reason in self.replay.skipped
        ]
        return "".join(line + "\n" for line in [*lines, summary_line(self.replay.summary())])


def summary_line(summary: dict[str, Any]) -> str:
    parts = [", ".join(f"{count} {verdict}" for verdict, count in summary["counts"].items())]
    for verdict in ("pause", "rollback"):
        index = summary[f"first_{verdict}"]
        if index is not None:
            rules = ", ".join(summary[f"first_{verdict}_rules"])
            where = single_line(summary[f"first_{verdict}_where"])
            at = summary[f"first_{verdict}_at"]
            parts.append(f"first {verdict} #{index} {where} at {at} ({rules})")
    if "breach_to_rollback_seconds" in summary:
        parts.append(f"rollback {summary['breach_to_rollback_seconds']}s after the first breach")
    for rule, count in summary.get("shadow_disagreements", {}).items():
        parts.append(f"shadow {single_line(rule)} would change {count} verdicts")
    parts.append(f"{summary['skipped_lines']} skipped")
    return "summary: " + "; ".join(parts)
