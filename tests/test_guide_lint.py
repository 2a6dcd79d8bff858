"""`lint --min-severity`: which findings a report shows, per format."""

from __future__ import annotations

import pytest

from conftest import POLICIES, call_cli
from phasegate.cli import main
from phasegate.report.lint import LINT_FORMATS, shown
from phasegate.review.lint import Severity, lint_paths


@pytest.fixture(scope="module")
def report():
    found = lint_paths([POLICIES])
    assert found.count(Severity.INFO) > 0  # the shipped set reads optional facts
    return found


def test_every_format_hides_info_by_default_and_shows_it_when_asked(report):
    assert report.count(Severity.INFO) > 0
    assert "::notice" not in LINT_FORMATS["github"](shown(report, "github"))
    for output_format in ("github", "text", "json", "sarif"):
        assert shown(report, output_format).count(Severity.INFO) == 0
        assert shown(report, output_format, "info").findings == report.findings


def test_default_lint_of_the_shipped_set_prints_no_info_lines():
    done = call_cli("lint", str(POLICIES))
    assert done.returncode == 0, done.stdout
    assert ": info: " not in done.stdout
    asked = call_cli("lint", str(POLICIES), "--min-severity", "info")
    assert ": info: " in asked.stdout


@pytest.mark.parametrize(
    ("floor", "kept"),
    [
        ("info", {Severity.INFO, Severity.WARNING, Severity.ERROR}),
        ("warning", {Severity.WARNING, Severity.ERROR}),
        ("error", {Severity.ERROR}),
    ],
)
def test_min_severity_keeps_what_is_at_least_that_severe(report, floor, kept, tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "apiVersion: phasegate/v1\nkind: Policy\nname: p\nparams: {unused: 1}\nrules:\n"
        "  - {id: p.a, when: facts.metrics.eror_rate > 0.1, verdict: pause}\n"
        "  - {id: p.b, when: facts.metrics.error_rate > 0.1, verdict: continue}\n"
    )
    mixed = lint_paths([policy])
    assert {f.severity for f in mixed.findings} == set(Severity)
    assert {f.severity for f in shown(mixed, "github", floor).findings} == kept
    assert {f.severity for f in shown(mixed, "text", floor).findings} == kept


def test_the_cli_option_and_an_unknown_severity(capsys, tmp_path):
    with pytest.raises(SystemExit) as done:
        main(["lint", str(POLICIES), "--format", "github", "--min-severity", "info"])
    assert done.value.code == 0
    assert "::notice" in capsys.readouterr().out
    with pytest.raises(SystemExit) as done:
        main(["lint", str(POLICIES), "--min-severity", "loud"])
    assert done.value.code == 2
