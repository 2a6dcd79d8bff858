"""`lint --format github`: one workflow annotation per finding, on the exact line and column
of the policy file in the pull request's diff."""

from __future__ import annotations

from phasegate.core.policy import is_packaged
from phasegate.report.github import PACKAGED_NOTE, command
from phasegate.report.lint.text import summary
from phasegate.review.lint import LintReport, Severity

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(report: LintReport) -> str:
    lines = [
        command(
            _COMMANDS[finding.severity],
            finding.message,
            file=finding.location.file,
            line=finding.location.line,
            col=finding.location.col,
            title=f"phasegate lint: {finding.code}",
        )
        for finding in report.findings
    ]
    if any(is_packaged(file) for file in report.files):
        lines.append(command("notice", PACKAGED_NOTE, title="phasegate lint"))
    lines.append(summary(report))
    return "\n".join(lines) + "\n"
