"""A recording's rendered snapshots, held on disk until what comes before them is known."""

from __future__ import annotations

import shutil
import tempfile
from typing import TextIO

from phasegate.core.evaluate import Decision
from phasegate.replay.replay import Replay, Step
from phasegate.replay.rollouts import LastDecisions


class Spool:
    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115

    def write(self, text: str) -> None:
        self.file.write(text)

    def copy_to(self, out: TextIO) -> None:
        """Write everything spooled to `out`, then free the disk space."""
        self.file.seek(0)
        shutil.copyfileobj(self.file, out, 1 << 20)
        self.close()

    def close(self) -> None:
        self.file.close()


class SpooledRecording:
    """A recording whose lines are spooled as decided and written once it is complete,
    after the head (which may say how it ended) and before the tail."""

    def __init__(self, out: TextIO, replay: Replay) -> None:
        self.out, self.replay, self.spool = out, replay, Spool()
        #: The previous decision of the step's own rollout (change, phase), None for its
        #: first: snapshots of two changes interleave in a decision log.
        self.previous: Decision | None = None
        self.last = LastDecisions()

    def add(self, step: Step) -> None:
        self.previous = self.last.swap(step.decision)
        self.spool.write(self.line(step))

    def line(self, step: Step) -> str:
        raise NotImplementedError

    def head(self) -> str:
        return ""

    def tail(self) -> str:
        return ""

    def finish(self) -> None:
        self.out.write(self.head())
        self.spool.copy_to(self.out)
        self.out.write(self.tail())

    def discard(self) -> None:
        self.spool.close()
