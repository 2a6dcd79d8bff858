"""`--format markdown`: the decision for `$GITHUB_STEP_SUMMARY` or a merge request comment.

The verdict heads the page; only the rules that asked for something are in the table, the
rest fold away. Text from facts is escaped: a tag or a message must not close the table,
open a code span, inject HTML or forge a line of the summary.
"""

from __future__ import annotations

from phasegate.core.evaluate import Decision, RuleResult, RuleStatus
from phasegate.report.text import single_line

#: Markdown punctuation that could start emphasis, links, code or strike-through, or end a
#: table cell; CommonMark lets any ASCII punctuation be escaped with a backslash.
_BACKSLASHED = set("\\`*_[]|~#!")
#: HTML as entities: a backslash does not stop GitHub from reading `<details>` or `<img>`.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: object) -> str:
    """Untrusted text as literal, one-line Markdown, safe in a heading and in a table cell."""
    return "".join(
        _ENTITIES.get(ch) or (f"\\{ch}" if ch in _BACKSLASHED else ch) for ch in single_line(text)
    )


def render(decision: Decision, color: bool = False) -> str:
    del color
    change = escape(decision.change.get("tag") or decision.change.get("commit", "?"))
    lines = [
        f"## phasegate: {decision.verdict.label.upper()}"
        + (f" ({decision.pause_kind})" if decision.pause_kind else "")
        + f" · phase {decision.phase}"
        f" · change {change} · health {decision.health}",
        "",
        f"Facts collected at {escape(decision.collected_at)}.",
        "",
    ]
    asked = decision.with_status(RuleStatus.FIRED, RuleStatus.PENDING, RuleStatus.ERROR)
    if asked:
        lines += ["| effect | rule | why | where |", "|---|---|---|---|"]
        lines += [_row(result) for result in asked]
    else:
        lines.append("No rule fired, errored or is pending.")
    counts = decision.counts()
    lines += [
        "",
        f"{len(decision.results)} rules: {counts['fired']} fired, {counts['error']} error, "
        f"{counts['pending']} pending, {counts['passed']} passed, {counts['skipped']} skipped",
    ]
    rest = decision.with_status(RuleStatus.PASSED, RuleStatus.SKIPPED)
    if rest:
        lines += [
            "",
            "<details>",
            f"<summary>Passed and skipped rules ({len(rest)})</summary>",
            "",
            *(f"- {result.status.value}: {_rule(result)}" for result in rest),
            "",
            "</details>",
        ]
    return "\n".join(lines) + "\n"


def _rule(result: RuleResult) -> str:
    return f"{escape(result.id)} ({escape(f'{result.file}:{result.line}')})"


def _row(result: RuleResult) -> str:
    where = f"{result.file}:{result.line}"
    if result.status is RuleStatus.ERROR:
        why = f"error: {result.error}"
        if result.error_location is not None and result.error_location.line is not None:
            where = str(result.error_location)
    elif result.status is RuleStatus.PENDING:
        why = f"pending: held {result.streak} of {result.hold} snapshots"
    else:
        why = result.message if result.message is not None else result.id
    return (
        f"| **{'shadow ' + result.effect.label if result.shadow else result.contribution.label}**"
        + (f" ({result.pause_kind})" if result.pause_kind else "")
        + f" | {escape(result.id)} | {escape(why)} "
        f"| {escape(where)} |"
    )
