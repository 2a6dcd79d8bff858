"""`replay --format markdown`: a summary table and the snapshots where the verdict moved.

File names and everything else from a recording are escaped as evaluate's markdown escapes
them (entities and backslashes, no code spans): a name with a backtick, `<!--` or `<img>`
must not open HTML or break the page.
"""

from __future__ import annotations

from typing import TextIO

from phasegate.replay.replay import Replay, Step, changes
from phasegate.replay.rollouts import rollout_name
from phasegate.report.markdown import escape
from phasegate.report.replay.spool import SpooledRecording
from phasegate.report.replay.text import summary_line


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
            f"{self.report.separator()}## {escape(self.replay.source)}\n\n"
            f"{escape(summary_line(self.replay.summary()))}\n\n"
            "| # | where | change | collected at | verdict | changes |\n"
            "|---|---|---|---|---|---|\n"
        )

    def line(self, step: Step) -> str:
        noted = changes(self.previous, step.decision)
        if self.previous is not None and not noted:
            return ""
        decision = step.decision
        return (
            f"| {step.index} | {escape(step.where)} | {escape(rollout_name(decision))} "
            f"| {escape(decision.collected_at)} "
            f"| {decision.verdict.label} "
            f"| {escape('; '.join(noted))} |\n"
        )
