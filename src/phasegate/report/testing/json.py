"""`phasegate test --format json`: the whole run as one object for tools; keys sorted, so
the same run gives the same bytes."""

from __future__ import annotations

from typing import Any

from phasegate.report import report_json
from phasegate.review.coverage import Coverage, percent
from phasegate.review.testing import CaseResult, PolicyTestReport


def _location(case: CaseResult) -> dict[str, Any]:
    return {"file": case.location.file, "line": case.location.line, "col": case.location.col}


def _case(case: CaseResult) -> dict[str, Any]:
    expect = case.expect
    return {
        "name": case.name,
        **_location(case),
        "passed": case.passed,
        "failures": list(case.failures),
        "expected": {
            "verdict": expect.verdict.label if expect.verdict is not None else None,
            "fired": list(expect.fired),
            "not_fired": list(expect.not_fired),
            "errored": list(expect.errored),
            "pending": list(expect.pending),
        },
        "actual": {
            "verdict": case.verdict.label,
            "fired": list(case.fired),
            "errored": [{"id": rule_id, "error": error} for rule_id, error in case.errored],
            "pending": list(case.pending),
        },
    }


def coverage_object(coverage: Coverage) -> dict[str, Any]:
    rules = coverage.rules
    branches = coverage.branches
    return {
        "policies": coverage.policies,
        "rules": [
            {
                "id": rule.id,
                "policy": rule.policy,
                "file": rule.file,
                "line": rule.line,
                "fired": rule.fired,
                "passed": rule.passed,
                "errored": rule.errored,
                "skipped": rule.skipped,
                "pending": rule.pending,
                "covered": rule.covered,
                "branches": [
                    {
                        "text": branch.text,
                        "file": branch.location.file,
                        "line": branch.location.line,
                        "col": branch.location.col,
                        "true": branch.true,
                        "false": branch.false,
                        "error": branch.error,
                        "covered": branch.covered,
                    }
                    for branch in rule.branches
                ],
            }
            for rule in rules
        ],
        "rules_total": len(rules),
        "rules_covered": coverage.rules_covered,
        "rules_percent": percent(coverage.rules_covered, len(rules)),
        "branches_traced": coverage.traced,
        "branches_total": len(branches),
        "branches_covered": coverage.branches_covered,
        "branches_percent": percent(coverage.branches_covered, len(branches)),
    }


def render(report: PolicyTestReport, color: bool = False) -> str:
    del color
    failed = len(report.failed)
    document = {
        "apiVersion": "phasegate/v1",
        "kind": "PolicyTestReport",
        "summary": {
            "cases": len(report.cases),
            "passed": len(report.cases) - failed,
            "failed": failed,
        },
        "files": [
            {
                "file": suite.source,
                "name": suite.name,
                "policies": suite.policy_set.source,
                "cases": [_case(case) for case in suite.cases],
            }
            for suite in report.suites
        ],
        "coverage": (
            None
            if report.coverage is None
            else [coverage_object(coverage) for coverage in report.coverage]
        ),
        "coverage_shortfalls": report.shortfalls(),
        "exit_code": report.exit_code,
    }
    return report_json(document)
