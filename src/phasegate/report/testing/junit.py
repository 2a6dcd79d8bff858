"""`phasegate test --format junit`: a `<testsuite>` per test file and a `<testcase>` per
case, so CI test reporters (Jenkins, GitLab, GitHub) show policy tests next to code tests.

A failing case is a `<failure>` whose message is the first unmet expectation and whose text
holds every one, with the expected and actual results. Coverage, when measured, is a set of
`<properties>` on the root. No timestamps or durations (`time="0"`): same run, same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from phasegate.report.testing.text import actual_line, expected_line
from phasegate.report.text import single_line
from phasegate.review.coverage import percent
from phasegate.review.testing import CaseResult, PolicyTestReport


def _counts(cases: tuple[CaseResult, ...]) -> dict[str, str]:
    return {
        "tests": str(len(cases)),
        "failures": str(sum(not case.passed for case in cases)),
        "errors": "0",
        "skipped": "0",
        "time": "0",
    }


def render(report: PolicyTestReport, color: bool = False) -> str:
    del color
    root = ET.Element("testsuites", {"name": "phasegate test", **_counts(report.cases)})
    if report.coverage is not None:
        properties = ET.SubElement(root, "properties")
        for coverage in report.coverage:
            rules, covered = len(coverage.rules), coverage.rules_covered
            values = {"rules": f"{covered}/{rules} ({percent(covered, rules)}%)"}
            if coverage.traced:
                branches, decided = len(coverage.branches), coverage.branches_covered
                values["branches"] = f"{decided}/{branches} ({percent(decided, branches)}%)"
            for key, value in values.items():
                name = f"coverage.{single_line(coverage.policies)}.{key}"
                ET.SubElement(properties, "property", {"name": name, "value": value})
    for suite in report.suites:
        element = ET.SubElement(
            root,
            "testsuite",
            {
                "name": single_line(suite.name),
                "file": single_line(suite.source),
                **_counts(suite.cases),
            },
        )
        for case in suite.cases:
            testcase = ET.SubElement(
                element,
                "testcase",
                {
                    "name": single_line(case.name),
                    "classname": single_line(suite.source),
                    "file": single_line(suite.source),
                    "line": str(case.location.line or 0),
                    "time": "0",
                },
            )
            if case.passed:
                continue
            failure = ET.SubElement(
                testcase,
                "failure",
                {"message": single_line(case.failures[0]), "type": "PolicyTestFailure"},
            )
            failure.text = "\n".join(
                [
                    *(single_line(line) for line in case.failures),
                    f"expected: {expected_line(case.expect)}",
                    f"actual: {actual_line(case)}",
                    f"at: {case.location}",
                ]
            )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
