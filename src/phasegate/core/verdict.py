"""The verdict algebra: continue < pause < rollback, and what each means for a pipeline."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from phasegate.errors import ExitCode

#: Previous snapshots `history` holds by default (oldest dropped first). Here, with the
#: verdict algebra, rather than in `evaluate`, so the command line can show the default
#: without loading the CEL engine.
DEFAULT_HISTORY_WINDOW = 50


class Verdict(IntEnum):
    """Ordered by severity, so the decision is simply the maximum of what rules contribute."""

    CONTINUE = 0
    PAUSE = 1
    ROLLBACK = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def health(self) -> str:
        """The guide's communications template colour."""
        return ("green", "yellow", "red")[self]

    @classmethod
    def parse(cls, text: str) -> Verdict:
        return cls[text.upper()]


def combine(verdicts: Iterable[Verdict]) -> Verdict:
    """The most severe verdict; continue only when nothing contributed anything else."""
    return max(verdicts, default=Verdict.CONTINUE)


def exit_code(
    verdict: Verdict, *, allow_pause: bool = False, pause_kind: str | None = "hold"
) -> int:
    """The process exit code for a verdict; it never depends on the output format.

    `--allow-pause` lets a wait through (a window not over, a metric elevated), never a
    hold (a freeze, a rolled-back change, a phase not earned): a pause of unknown kind
    is a hold."""
    if verdict is Verdict.ROLLBACK:
        return int(ExitCode.ROLLBACK)
    if verdict is Verdict.PAUSE and not (allow_pause and pause_kind == "wait"):
        return int(ExitCode.PAUSE)
    return int(ExitCode.CONTINUE)
