"""`diff` output formats; each renders a PolicyDiff and nothing else."""

from __future__ import annotations

from collections.abc import Callable

from phasegate.diff import PolicyDiff
from phasegate.report.diff import json, markdown, text

#: Format name -> renderer(policy diff) -> text to print.
DIFF_FORMATS: dict[str, Callable[[PolicyDiff], str]] = {
    "text": text.render,
    "json": json.render,
    "markdown": markdown.render,
}
