"""Replay output formats; each formats replayed recordings, as they are decided, and
nothing else: what they show is computed by `phasegate.replay.replay`.

A format is a class made with the output stream; `recording(replay)` gives the object that
takes the recording's steps (`phasegate.replay.replay.RecordingOutput`), and `close()` ends the
document. Each writes as it goes; what a format prints before a recording's snapshots but
only knows after them (counts, summary, skipped lines) is handled by spooling the
snapshots to a temporary file, so memory stays bounded whatever the recording's length.
"""

from __future__ import annotations

from phasegate.report.replay import html, json, markdown, text

#: Format name -> format class (made with the output stream).
REPLAY_FORMATS = {
    "text": text.TextReport,
    "json": json.JsonReport,
    "markdown": markdown.MarkdownReport,
    "html": html.HtmlReport,
}
