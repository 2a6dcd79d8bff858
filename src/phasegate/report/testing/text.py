"""`phasegate test` for people: one line per case, what went wrong under each failure, and
the coverage table when asked for."""

from __future__ import annotations

from phasegate.errors import Location
from phasegate.report.text import single_line
from phasegate.review.coverage import BranchCoverage, Coverage, percent
from phasegate.review.testing import CaseExpectation, CaseResult, PolicyTestReport

_GREEN, _RED, _YELLOW = "32", "31", "33"


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[1;{code}m{text}\x1b[0m" if color else text


def _ids(ids: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(ids) + "]"


def expected_line(expect: CaseExpectation) -> str:
    parts = []
    if expect.verdict is not None:
        parts.append(f"verdict {expect.verdict.label}")
    for key in ("fired", "not_fired", "errored", "pending"):
        ids = getattr(expect, key)
        if ids:
            parts.append(f"{key} {_ids(ids)}")
    return "; ".join(parts)


def actual_line(case: CaseResult) -> str:
    errored = ", ".join(f"{rule_id} ({single_line(error)})" for rule_id, error in case.errored)
    pending = f"; pending {_ids(case.pending)}" if case.pending else ""
    return f"verdict {case.verdict.label}; fired {_ids(case.fired)}; errored [{errored}]{pending}"


def render(report: PolicyTestReport, color: bool = False) -> str:
    lines: list[str] = []
    for suite in report.suites:
        failed = len(suite.failed)
        mark = _paint("FAIL", _RED, color) if failed else _paint("ok", _GREEN, color)
        lines.append(
            f"{mark} {single_line(suite.source)}: {single_line(suite.name)} "
            f"({_cases(len(suite.cases))}, {failed} failed; "
            f"policy set {single_line(suite.policy_set.source)})"
        )
        for case in suite.cases:
            if case.passed:
                lines.append(f"  {_paint('ok  ', _GREEN, color)} {single_line(case.name)}")
                continue
            lines.append(
                f"  {_paint('FAIL', _RED, color)} {single_line(case.name)} ({case.location})"
            )
            lines.extend(f"         {single_line(failure)}" for failure in case.failures)
            lines.append(f"         expected: {expected_line(case.expect)}")
            lines.append(f"         actual:   {actual_line(case)}")
    total, failed = len(report.cases), len(report.failed)
    summary = f"{_cases(total)}: {total - failed} passed, {failed} failed"
    lines.append(_paint(summary, _RED if failed else _GREEN, color))
    for coverage in report.coverage or ():
        lines.extend(_coverage_lines(coverage, color))
    for shortfall in report.shortfalls():
        lines.append(_paint(f"FAIL {shortfall}", _RED, color))
    return "\n".join(lines) + "\n"


def _coverage_lines(coverage: Coverage, color: bool) -> list[str]:
    rules = coverage.rules
    width = max(len(rule.id) for rule in rules)
    # The column shows only when some case left a rule pending, so `for:`-free sets read
    #: as before.
    pending = any(rule.pending for rule in rules)
    lines = [
        "",
        f"coverage of {coverage.policies} ({len(rules)} rules)",
        f"  {'rule':<{width}}  fired  passed  error  skipped"
        + ("  pending" if pending else "")
        + ("  branches" if coverage.traced else ""),
    ]
    for rule in rules:
        mark = "  " if rule.covered else _paint("! ", _YELLOW, color)
        row = (
            f"{mark}{rule.id:<{width}}  {rule.fired:>5}  {rule.passed:>6}  {rule.errored:>5}"
            f"  {rule.skipped:>7}"
        )
        if pending:
            row += f"  {rule.pending:>7}"
        if coverage.traced:
            decided = sum(branch.covered for branch in rule.branches)
            row += f"  {decided}/{len(rule.branches)}" if rule.branches else "  -"
        lines.append(row)
    covered = coverage.rules_covered
    lines.append(
        f"rules covered both ways (fired and passed): {covered}/{len(rules)} "
        f"({percent(covered, len(rules))}%)"
    )
    uncovered = [rule for rule in rules if not rule.covered]
    for rule in uncovered:
        missing = ", ".join(
            f"never {word}"
            for word, count in (("fired", rule.fired), ("passed", rule.passed))
            if not count
        )
        if rule.pending and not rule.fired:
            missing += f" (pending in {rule.pending}: give a case enough history)"
        lines.append(f"  {Location(rule.file, rule.line)}: {single_line(rule.id)}: {missing}")
    if coverage.traced:
        branches = coverage.branches
        decided = coverage.branches_covered
        lines.append(
            f"branches of && and || decided both ways: {decided}/{len(branches)} "
            f"({percent(decided, len(branches))}%)"
        )
        for rule in rules:
            for branch in rule.branches:
                if not branch.covered:
                    lines.append(f"  {branch.location}: {rule.id}: {_branch_gap(branch)}")
    return lines


def _branch_gap(branch: BranchCoverage) -> str:
    seen = [word for word in ("true", "false", "error") if getattr(branch, word)]
    what = "only " + " and ".join(seen) if seen else "never evaluated"
    return f"`{single_line(branch.text)}` {what}"


def _cases(count: int) -> str:
    return f"{count} case{'' if count == 1 else 's'}"
