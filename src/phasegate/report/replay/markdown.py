"""`replay --format markdown`: a summary table and the snapshots where the verdict moved."""

from __future__ import annotations

from collections.abc import Sequence

from phasegate.policy import PolicySet
from phasegate.replay import ReplayedRecording, changes
from phasegate.report.replay.text import summary_line


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(replayed: Sequence[ReplayedRecording], policy_set: PolicySet) -> str:
    del policy_set
    lines = ["# Replay", ""]
    for recording in replayed:
        lines += [
            f"## `{_cell(recording.source)}`",
            "",
            summary_line(recording),
            "",
            "| # | collected at | verdict | changes |",
            "|---|---|---|---|",
        ]
        previous = None
        for index, decision in enumerate(recording.decisions):
            noted = changes(previous, decision)
            if previous is None or noted:
                lines.append(
                    f"| {index} | {decision.collected_at} | {decision.verdict.label} "
                    f"| {_cell('; '.join(noted))} |"
                )
            previous = decision
        lines.append("")
    return "\n".join(lines)
