"""`lint --format sarif`: SARIF 2.1.0, for code-scanning dashboards (GitHub code scanning,
GitLab, IDEs). One run; every check kind is a reporting descriptor, every finding a result."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from phasegate import __version__
from phasegate.errors import Location
from phasegate.report import report_json
from phasegate.review.lint import CHECKS, LintReport, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(report: LintReport) -> str:
    codes = list(CHECKS)
    rules = [
        {
            "id": check.code,
            "shortDescription": {"text": check.summary},
            "defaultConfiguration": {"level": _LEVELS[check.severity]},
        }
        for check in CHECKS.values()
    ]
    results = [
        {
            "ruleId": finding.code,
            "ruleIndex": codes.index(finding.code),
            "level": _LEVELS[finding.severity],
            "message": {"text": finding.message},
            "locations": [_location(finding.location)],
        }
        for finding in report.findings
    ]
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "phasegate",
                        "version": __version__,
                        "informationUri": "https://phasegate.dev",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return report_json(document)


def _location(where: Location) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(where.file)}}
    if where.line is not None:
        region: dict[str, Any] = {"startLine": where.line}
        if where.col is not None:
            region["startColumn"] = where.col
        physical["region"] = region
    return {"physicalLocation": physical}


def _uri(file: str) -> str:
    """SARIF wants URI references: forward slashes, relative to the checkout when relative,
    percent-encoding for spaces and the like."""
    path = PurePosixPath(file.replace("\\", "/"))
    text = quote(str(path), safe="/:")
    return f"file://{text}" if path.is_absolute() else text
