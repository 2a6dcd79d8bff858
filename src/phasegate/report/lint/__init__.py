"""Renderers of a LintReport: text for logs, json for tools, github annotations, SARIF."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from phasegate.report.lint import github, json, sarif, text
from phasegate.review.lint import LintReport, Severity

LINT_FORMATS: dict[str, Callable[[LintReport], str]] = {
    "text": text.render,
    "json": json.render,
    "github": github.render,
    "sarif": sarif.render,
}

SEVERITIES = tuple(severity.label for severity in Severity)

#: Annotations land in a pull request's diff, where one `notice` per optional fact buries
#: the warnings; info findings stay in the log formats unless asked for.
#: What every format shows by default: info findings (`optional-fact` on every unguarded
#: read of the shipped rules) would bury the errors, so they need `--min-severity info`.
DEFAULT_MIN_SEVERITY = Severity.WARNING


def shown(report: LintReport, output_format: str, min_severity: str | None = None) -> LintReport:
    """The findings a report shows: at least `min_severity`, else at least a warning (the
    same for every format, `output_format` included).

    Errors are always shown (no floor is above them), so the exit code, decided from the
    whole report, never disagrees with what is printed.
    """
    floor = DEFAULT_MIN_SEVERITY if min_severity is None else Severity[min_severity.upper()]
    return replace(report, findings=tuple(f for f in report.findings if f.severity >= floor))
