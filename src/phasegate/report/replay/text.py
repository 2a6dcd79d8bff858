"""`replay` text: one line per snapshot, what changed, then each recording's summary."""

from __future__ import annotations

from typing import Any, TextIO

from phasegate.replay.replay import Replay, Step, changes
from phasegate.replay.rollouts import rollout_name
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
        decision = step.decision
        return (
            f"#{step.index:<5} {single_line(step.where)}  {decision.collected_at}  "
            f"{single_line(rollout_name(decision))}  {decision.verdict.label:<8}"
            + (f"  {'; '.join(noted)}" if noted else "")
            + "\n"
        )

    def tail(self) -> str:
        indexes = self.replay.skipped_indexes
        lines = [
            f"skipped {skipped_index(where, indexes)}{single_line(where)}: {single_line(reason)}"
            for where, reason in self.replay.skipped
        ]
        unlisted = self.replay.skipped_count - len(self.replay.skipped)
        if unlisted:
            lines.append(f"skipped {unlisted} more lines")
        return "".join(line + "\n" for line in [*lines, summary_line(self.replay.summary())])


def skipped_index(where: str, indexes: dict[str, int]) -> str:
    """`#INDEX ` of a skipped snapshot (it keeps its index), nothing for another line."""
    return f"#{indexes[where]} " if where in indexes else ""


def summary_line(summary: dict[str, Any]) -> str:
    """The summary in one line; a recording of several changes gets each change's firsts
    and breach-to-rollback time apart, never one change's breach with another's rollback."""
    counts = ", ".join(f"{count} {verdict}" for verdict, count in summary["counts"].items())
    changes = summary.get("changes", [])
    if len(changes) <= 1:
        parts = [counts, *_firsts(summary, "the first breach")]
    else:
        parts = [f"{counts} over {len(changes)} changes"]
        for change in changes:
            tag = f" ({change['tag']})" if change["tag"] else ""
            phases = ", ".join(str(phase) for phase in change["phases"])
            verdicts = ", ".join(f"{n} {verdict}" for verdict, n in change["counts"].items())
            parts.append(
                f"change {change['commit']}{tag}, phase {phases}: "
                + ", ".join([verdicts, *_firsts(change, "its first breach")])
            )
        if "snapshots_of_unlisted_changes" in summary:
            parts.append(f"{summary['snapshots_of_unlisted_changes']} snapshots of more changes")
    parts.append(f"{summary['skipped_lines']} skipped")
    return "summary: " + "; ".join(single_line(part) for part in parts)


def _firsts(summary: dict[str, Any], breach: str) -> list[str]:
    parts = []
    for verdict in ("pause", "rollback"):
        index = summary[f"first_{verdict}"]
        if index is not None:
            rules = ", ".join(summary[f"first_{verdict}_rules"])
            where = single_line(summary[f"first_{verdict}_where"])
            at = summary[f"first_{verdict}_at"]
            parts.append(f"first {verdict} #{index} {where} at {at} ({rules})")
    if "breach_to_rollback_seconds" in summary:
        parts.append(f"rollback {summary['breach_to_rollback_seconds']}s after {breach}")
    for rule, count in summary.get("shadow_disagreements", {}).items():
        parts.append(f"shadow {single_line(rule)} would change {count} verdicts")
    return parts
