"""`lint --format json`: every finding with its position and check id. Byte-stable."""

from __future__ import annotations

from phasegate.report import report_json
from phasegate.review.lint import LintReport, Severity


def render(report: LintReport) -> str:
    document = {
        "apiVersion": "phasegate/v1",
        "kind": "LintReport",
        "files": list(report.files),
        "summary": {severity.label: report.count(severity) for severity in Severity},
        "findings": [
            {
                "file": finding.location.file,
                "line": finding.location.line,
                "col": finding.location.col,
                "severity": finding.severity.label,
                "code": finding.code,
                "rule": finding.rule,
                "message": finding.message,
            }
            for finding in report.findings
        ],
    }
    return report_json(document)
