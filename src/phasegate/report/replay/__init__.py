"""Replay output formats; each renders replayed recordings and nothing else."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from phasegate.policy import PolicySet
from phasegate.replay import ReplayedRecording
from phasegate.report.replay import html, json, markdown, text

#: Format name -> renderer(replayed recordings, policy set) -> text.
REPLAY_FORMATS: dict[str, Callable[[Sequence[ReplayedRecording], PolicySet], str]] = {
    "text": text.render,
    "json": json.render,
    "markdown": markdown.render,
    "html": html.render,
}
