"""`replay` text: one line per snapshot, what changed, then each recording's summary."""

from __future__ import annotations

from collections.abc import Sequence

from phasegate.policy import PolicySet
from phasegate.replay import ReplayedRecording, changes
from phasegate.report.text import single_line


def render(replayed: Sequence[ReplayedRecording], policy_set: PolicySet) -> str:
    del policy_set
    lines = []
    for recording in replayed:
        lines.append(f"== {single_line(recording.source)}: {len(recording.decisions)} snapshots")
        previous = None
        for index, decision in enumerate(recording.decisions):
            noted = changes(previous, decision)
            lines.append(
                f"#{index:<5} {decision.collected_at}  {decision.verdict.label:<8}"
                + (f"  {'; '.join(noted)}" if noted else "")
            )
            previous = decision
        for where, reason in recording.skipped:
            lines.append(f"skipped {single_line(where)}: {single_line(reason)}")
        lines.append(summary_line(recording))
    return "\n".join(lines) + "\n"


def summary_line(recording: ReplayedRecording) -> str:
    summary = recording.summary()
    parts = [", ".join(f"{count} {verdict}" for verdict, count in summary["counts"].items())]
    for verdict in ("pause", "rollback"):
        index = summary[f"first_{verdict}"]
        if index is not None:
            rules = ", ".join(summary[f"first_{verdict}_rules"])
            parts.append(f"first {verdict} #{index} at {summary[f'first_{verdict}_at']} ({rules})")
    if "breach_to_rollback_seconds" in summary:
        parts.append(f"rollback {summary['breach_to_rollback_seconds']}s after the first breach")
    parts.append(f"{summary['skipped_lines']} skipped")
    return "summary: " + "; ".join(parts)
