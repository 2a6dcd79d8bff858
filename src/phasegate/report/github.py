"""`--format github`: GitHub Actions workflow commands, so the runner annotates the rule lines.

One command per fired, pending or errored rule, at the rule's line (an error at the place in
the expression that failed), and a last `::notice` with the verdict. The runner reads a
command only at the start of a line, so untrusted text is escaped to stay on its line: a
fact holding "\\n::error::forged" cannot add an annotation or hide the real one.
"""

from __future__ import annotations

from phasegate.core.evaluate import Decision, RuleResult, RuleStatus
from phasegate.core.policy import PACKAGED, is_packaged
from phasegate.core.verdict import Verdict
from phasegate.errors import InputError
from phasegate.report.text import single_line

#: The annotation level for what a rule contributes; a fired `continue` rule is a note.
_COMMANDS = {Verdict.ROLLBACK: "error", Verdict.PAUSE: "warning", Verdict.CONTINUE: "notice"}

#: GitHub's escaping (toolkit `escapeData` / `escapeProperty`), the runner's unescaping.
_DATA = {"%": "%25", "\r": "%0D", "\n": "%0A"}
_PROPERTY = {**_DATA, ":": "%3A", ",": "%2C"}


def _escape(text: object, table: dict[str, str]) -> str:
    """GitHub's escapes, plus other control characters (escape codes, NUL, line and paragraph
    separators) written out visibly: they could repaint or split the log line."""
    return "".join(
        table.get(ch) or (ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii"))
        for ch in str(text)
    )


#: Said once, in the last notice, when annotations have no file because the set is packaged.
PACKAGED_NOTE = f"the packaged policy set ({PACKAGED}) was used: annotations are on the run"


def command(name: str, message: object, **properties: object) -> str:
    """One workflow command line; properties with value None are left out.

    A `file` in the packaged policy set takes its `line` and `col` with it: GitHub would
    show the annotation on a file no repository has, so nobody would see it.
    """
    if is_packaged(properties.get("file")):
        properties = {**properties, "file": None, "line": None, "col": None}
    props = ",".join(
        f"{key}={_escape(value, _PROPERTY)}"
        for key, value in properties.items()
        if value is not None
    )
    return f"::{name}{' ' + props if props else ''}::{_escape(message, _DATA)}"


def invalid_input(error: InputError) -> str:
    """`::error` annotations for input that could not be read: one per problem, on its file
    and line, so a pull request shows why no verdict was made where the problem is."""
    lines = [
        command(
            "error",
            problem.message,
            file=problem.location.file if problem.location else None,
            line=problem.location.line if problem.location else None,
            col=problem.location.col if problem.location else None,
            title="phasegate: invalid input",
        )
        for problem in getattr(error, "errors", [error])
    ]
    return "\n".join(lines) + "\n"


def render(decision: Decision, color: bool = False) -> str:
    del color
    lines = [
        _annotation(result)
        for result in decision.with_status(RuleStatus.FIRED, RuleStatus.PENDING, RuleStatus.ERROR)
    ]
    counts = decision.counts()
    change = decision.change.get("tag") or decision.change.get("commit", "?")
    kind = f" ({decision.pause_kind})" if decision.pause_kind else ""
    summary = (
        f"{decision.verdict.label.upper()}{kind}  phase {decision.phase}"
        f"  change {single_line(change)}"
        f"  health {decision.health}; {len(decision.results)} rules: {counts['fired']} fired, "
        f"{counts['error']} error, {counts['pending']} pending, {counts['passed']} passed, "
        f"{counts['skipped']} skipped"
    )
    if any(is_packaged(result.file) for result in decision.results):
        summary += f"; {PACKAGED_NOTE}"
    lines.append(command("notice", summary, title=f"phasegate: {decision.verdict.label}{kind}"))
    return "\n".join(lines) + "\n"


def _effect(result: RuleResult) -> str:
    return f"shadow {result.effect.label}" if result.shadow else result.contribution.label


def _annotation(result: RuleResult) -> str:
    # A shadow rule never decides: a notice, whatever it would have done.
    name = "notice" if result.shadow else _COMMANDS[result.contribution]
    title = f"phasegate {_effect(result)}: {result.id}"
    if result.status is RuleStatus.ERROR:
        where = result.error_location
        if where is None or where.line is None:
            return command(
                name, f"error: {result.error}", file=result.file, line=result.line, title=title
            )
        return command(
            name,
            f"error: {result.error}",
            file=where.file,
            line=where.line,
            col=where.col,
            title=title,
        )
    if result.status is RuleStatus.PENDING:
        message = f"pending: held {result.streak} of {result.hold} snapshots"
    else:
        message = result.message if result.message is not None else result.id
    return command(name, message, file=result.file, line=result.line, title=title)
