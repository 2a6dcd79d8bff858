"""Compiler-style lines (`file:line:col: error: message [code]`), which editors and CI logs
link to the file, then one summary line."""

from __future__ import annotations

from phasegate.errors import single_line
from phasegate.review.lint import LintReport, Severity


def render(report: LintReport) -> str:
    lines = [
        f"{finding.location}: {finding.severity.label}: {single_line(finding.message)} "
        f"[{finding.code}]"
        for finding in report.findings
    ]
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def summary(report: LintReport) -> str:
    files = len(report.files)
    counts = ", ".join(_count(report.count(severity), severity) for severity in reversed(Severity))
    return f"{files} file{'s' if files != 1 else ''} linted: {counts}"


def _count(number: int, severity: Severity) -> str:
    plural = number != 1 and severity is not Severity.INFO
    return f"{number} {severity.label}{'s' if plural else ''}"
