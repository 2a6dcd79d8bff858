"""`diff` output formats; each renders a PolicyDiff and nothing else."""

from __future__ import annotations

from collections.abc import Callable

from phasegate.report.diff import json, markdown, text
from phasegate.review.diff import PolicyDiff

#: Format name -> renderer(policy diff) -> text to print.
DIFF_FORMATS: dict[str, Callable[[PolicyDiff], str]] = {
    "text": text.render,
    "json": json.render,
    "markdown": markdown.render,
}
