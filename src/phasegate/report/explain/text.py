"""`explain` for people: each applicable rule with its reads and a TRUE/FALSE tree trimmed to
the sub-expressions that decided, like Sentinel's trace."""

from __future__ import annotations

import json
import re
from typing import Any

from phasegate.core.evaluate import RuleStatus
from phasegate.errors import Location, readable
from phasegate.report.text import single_line
from phasegate.review.explain import Explanation, RuleExplanation
from phasegate.review.trace import Kind, Node, Outcome

#: Values longer than this are cut: a whole list of incidents would drown the tree.
_WIDTH = 80


def render(explanation: Explanation) -> str:
    decision = explanation.decision
    change = single_line(decision.change.get("tag") or decision.change.get("commit", "?"))
    lines = [
        f"{decision.verdict.label.upper()}  phase {decision.phase}  change {change}",
        f"why: {explanation.why}",
    ]
    skipped = []
    for item in explanation.rules:
        if item.result.status is RuleStatus.SKIPPED:
            skipped.append(item.rule.id)
            continue
        lines.append("")
        lines.extend(_rule(item))
    if skipped:
        lines.append("")
        lines.append(f"skipped in phase {decision.phase}: {', '.join(skipped)}")
    return "\n".join(lines) + "\n"


def _rule(item: RuleExplanation) -> list[str]:
    result = item.result
    head = f"{result.id}  {result.status.value}"
    if result.contribution.label != "continue":
        head += f" -> {result.contribution.label}"
    lines = [f"{head}  ({Location(result.file, result.line)})", *_when(item.rule.when.text)]
    if item.reads:
        lines.append("  reads:")
        for read in item.reads:
            shown = value_text(read.value) if read.present else "(missing)"
            if read.reason is not None:
                shown = f"(missing: {single_line(read.reason)})"
            lines.append(f"    {read.path} = {shown}")
    if item.tree is not None:
        lines.append("  trace:")
        lines.extend(_tree(item.tree, 2))
    if result.message:
        lines.append(f"  message: {single_line(result.message)}")
    lines.append(f"  why: {single_line(item.why)}")
    return lines


def _tree(node: Node, depth: int) -> list[str]:
    pad = "  " * depth
    lines = [f"{pad}{_label(node)}"]
    deciding = node.deciding()
    for child in deciding:
        lines.extend(_tree(child, depth + 1))
    others = len(node.children) - len(deciding)
    if others:
        word = "operand" if node.kind in (Kind.AND, Kind.OR) else "branch"
        lines.append(f"{pad}  ({others} other {word}{'s' if others > 1 else ''} did not decide)")
    return lines


def _label(node: Node) -> str:
    text = expression(node.text)
    if node.outcome in (Outcome.TRUE, Outcome.FALSE):
        return f"{node.outcome.value.upper():<6} {text}"
    if node.outcome is Outcome.ERROR:
        return f"{'ERROR':<6} {text}  ({single_line(node.error)})"
    if node.outcome is Outcome.UNEVALUATED:
        return f"{'-':<6} {text}"
    if node.kind is Kind.LITERAL:
        return f"{'':<6} {text}"
    return f"{'':<6} {text} = {value_text(node.value)}"


def _when(text: str) -> list[str]:
    """The condition on one line, unless it holds `//` comments: joining lines would make a
    comment swallow the rest of the condition."""
    if "//" not in text:
        return [f"  when: {expression(text)}"]
    lines = [single_line(line.rstrip()) for line in text.strip().split("\n")]
    return ["  when:", *(f"    {line}" for line in lines)]


def expression(text: str) -> str:
    """A condition on one line: the line breaks an author wrapped it with become spaces."""
    return single_line(re.sub(r"\s*\n\s*", " ", text.strip()))


def value_text(value: Any) -> str:
    shown = json.dumps(readable(value), ensure_ascii=False, sort_keys=True)
    shown = single_line(shown)
    return shown if len(shown) <= _WIDTH else shown[: _WIDTH - 1] + "…"
