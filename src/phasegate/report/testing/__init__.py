"""`phasegate test` output formats; each renders a PolicyTestReport and nothing else."""

from __future__ import annotations

from collections.abc import Callable

from phasegate.report.testing import json, junit, text
from phasegate.review.testing import PolicyTestReport

#: Format name -> renderer(report, color) -> text to print.
TEST_FORMATS: dict[str, Callable[[PolicyTestReport, bool], str]] = {
    "text": text.render,
    "json": json.render,
    "junit": junit.render,
}
