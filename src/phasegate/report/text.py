"""The default format: verdict first, then what decided it, readable in a CI log."""

from __future__ import annotations

from phasegate.core.evaluate import Decision, RuleResult, RuleStatus
from phasegate.core.verdict import Verdict
from phasegate.errors import Location, single_line

__all__ = ["render", "single_line"]

_COLORS = {Verdict.CONTINUE: "32", Verdict.PAUSE: "33", Verdict.ROLLBACK: "31"}


def _paint(text: str, verdict: Verdict, color: bool) -> str:
    return f"\x1b[1;{_COLORS[verdict]}m{text}\x1b[0m" if color else text


def render(decision: Decision, color: bool = False) -> str:
    change = single_line(decision.change.get("tag") or decision.change.get("commit", "?"))
    kind = f" ({decision.pause_kind})" if decision.pause_kind else ""
    head = _paint(decision.verdict.label.upper() + kind, decision.verdict, color)
    lines = [f"{head}  phase {decision.phase}  change {change}  health {decision.health}"]
    for result in decision.with_status(RuleStatus.FIRED, RuleStatus.PENDING, RuleStatus.ERROR):
        lines.append(_result_line(result, color))
    counts = decision.counts()
    lines.append(
        f"{len(decision.results)} rules: {counts['fired']} fired, {counts['error']} error, "
        f"{counts['pending']} pending, {counts['passed']} passed, {counts['skipped']} skipped"
    )
    return "\n".join(lines) + "\n"


def _result_line(result: RuleResult, color: bool) -> str:
    label = result.effect.label
    if result.pause_kind == "hold":  # a wait reads as a plain pause; a hold says so
        label = "hold"
    effect = _paint(f"{label:<8}", result.contribution, color)
    # A shadow rule's line says what it would have done, and that it did not decide.
    rule = single_line(result.id) + (" (shadow)" if result.shadow else "")
    where = result.error_location or Location(result.file, result.line)
    if result.status is RuleStatus.ERROR:
        return f"  {effect} {rule}: error: {single_line(result.error)} ({where})"
    if result.status is RuleStatus.PENDING:
        return (
            f"  {effect} {rule}: pending, held {result.streak} of {result.hold} snapshots ({where})"
        )
    return f"  {effect} {rule}: {single_line(result.message)} ({where})"
