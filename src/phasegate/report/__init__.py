"""Output formats. Each renders a Decision and nothing else; a new format is a new module."""

from __future__ import annotations

from collections.abc import Callable

from phasegate.evaluate import Decision
from phasegate.report import comms, github, json, junit, markdown, text

#: Format name -> renderer(decision, color) -> text to print.
FORMATS: dict[str, Callable[[Decision, bool], str]] = {
    "text": text.render,
    "json": json.render,
    "comms": comms.render,
    "github": github.render,
    "junit": junit.render,
    "markdown": markdown.render,
}
