"""Renderers of a LintReport: text for logs, json for tools, github annotations, SARIF."""

from __future__ import annotations

from collections.abc import Callable

from phasegate.lint import LintReport
from phasegate.report.lint import github, json, sarif, text

LINT_FORMATS: dict[str, Callable[[LintReport], str]] = {
    "text": text.render,
    "json": json.render,
    "github": github.render,
    "sarif": sarif.render,
}
