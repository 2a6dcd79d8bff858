"""`replay --format markdown`: a summary table and the snapshots where the verdict moved."""

from __future__ import annotations

from typing import TextIO

from phasegate.replay.replay import Replay, Step, changes
from phasegate.report.replay.spool import SpooledRecording
from phasegate.report.replay.text import summary_line


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


class MarkdownReport:
    def __init__(self, out: TextIO) -> None:
        self.out, self.started = out, False
        out.write("# Replay\n\n")

    def recording(self, replay: Replay) -> _MarkdownRecording:
        return _MarkdownRecording(self.out, replay, self)

    def separator(self) -> str:
        """What comes before a recording written now: nothing before the first."""
        separator, self.started = ("\n" if self.started else ""), True
        return separator

    def close(self) -> None:
        pass


class _MarkdownRecording(SpooledRecording):
    def __init__(self, out: TextIO, replay: Replay, report: MarkdownReport) -> None:
        super().__init__(out, replay)
        self.report = report

    def head(self) -> str:
        return (
            f"{self.report.separator()}## `{_cell(self.replay.source)}`\n\n"
            f"{summary_line(self.replay.summary())}\n\n"
            "| # | where | collected at | verdict | changes |\n|---|---|---|---|---|\n"
        )

    def line(self, step: Step) -> str:
        noted = changes(self.previous, step.decision)
        if self.previous is not None and not noted:
            return ""
        decision = step.decision
        return (
            f"| {step.index} | `{_cell(step.where)}` | {decision.collected_at} "
            f"| {decision.verdict.label} "
            f"| {_cell('; '.join(noted))} |\n"
        )
