"""`diff` default format: each changed document with its verdicts, rules and facts."""

from __future__ import annotations

import json
from typing import Any

from phasegate.errors import line_start, readable
from phasegate.report.text import single_line
from phasegate.review.diff import DocumentChange, PolicyDiff

#: Longest value shown for one fact; the JSON format always has the whole value.
MAX_VALUE = 80


def value_text(value: Any) -> str:
    """A fact value as JSON on one line, cut short when long (a whole check output)."""
    shown = single_line(json.dumps(readable(value), sort_keys=True, ensure_ascii=False))
    return shown if len(shown) <= MAX_VALUE else shown[: MAX_VALUE - 3] + "..."


def summary_line(policy_diff: PolicyDiff) -> str:
    """ "2 of 26 documents change: 1 less strict, 1 stricter, 0 same verdict; 4 skipped"."""
    changes = policy_diff.changes
    relaxed, tightened = len(policy_diff.relaxed), len(policy_diff.tightened)
    text = (
        f"{len(changes)} of {policy_diff.documents} documents change: {relaxed} less strict, "
        f"{tightened} stricter, {len(changes) - relaxed - tightened} same verdict"
    )
    if policy_diff.skipped:
        text += f"; {len(policy_diff.skipped)} corpus entries skipped"
    return text


def corpus_line(policy_diff: PolicyDiff) -> str:
    """ "corpus (default): fixtures (27 documents), .phasegate/decisions.jsonl (3 documents)":
    what was compared, first, so a reader knows what the counts below are out of."""
    label = "corpus (default)" if policy_diff.default_corpus else "corpus"
    parts = [f"{single_line(path)} ({count} documents)" for path, count in policy_diff.corpus]
    return f"{label}: {', '.join(parts) or 'nothing'}"


def rules_line(policy_diff: PolicyDiff) -> str:
    rules = policy_diff.rules
    parts = [
        f"{label} {', '.join(ids) if ids else 'none'}"
        for label, ids in (
            ("added", rules.added),
            ("removed", rules.removed),
            ("changed", rules.changed),
        )
    ]
    return "rules: " + "; ".join(parts)


def field_lines(policy_diff: PolicyDiff) -> list[str]:
    """Each changed rule's fields, before -> after: `regression_factor 1.5 -> 3.0`, not
    only "changed"."""
    return [
        f"  {single_line(rule_id)}: {single_line(change.field)} {value_text(change.base)} -> "
        f"{value_text(change.head)}"
        for rule_id, changes in policy_diff.rules.fields
        for change in changes
    ]


def relaxed_lines(policy_diff: PolicyDiff) -> list[str]:
    """Rules the change weakens whatever the facts: `--fail-on relax` fails on them too."""
    return [
        f"relaxed {single_line(rule_id)}: {single_line(why)}"
        for rule_id, why in policy_diff.rules.relaxed
    ]


def shadow_lines(policy_diff: PolicyDiff) -> list[str]:
    """How often each shadow rule the change touches disagreed with its live set."""

    def count(found: int | None) -> str:
        return "absent" if found is None else str(found)

    return [
        f"shadow {single_line(rule_id)}: would change {count(base)} -> {count(head)} of "
        f"{policy_diff.documents} verdicts"
        for rule_id, base, head in policy_diff.shadow
    ]


def _verdicts(change: DocumentChange) -> str:
    base, head = change.verdict_labels
    if change.direction == "same":
        return f"{base} (same verdict, other rules)"
    words = "less strict" if change.direction == "relaxed" else "stricter"
    return f"{base} -> {head} ({words})"


def render(policy_diff: PolicyDiff) -> str:
    lines = [
        corpus_line(policy_diff),
        f"base {single_line(policy_diff.base_source)}  head {single_line(policy_diff.head_source)}",
    ]
    for change in policy_diff.changes:
        lines.append(f"{line_start(change.document)}: {_verdicts(change)}")
        if change.started:
            lines.append(f"  started firing: {', '.join(change.started)}")
        if change.stopped:
            lines.append(f"  stopped firing: {', '.join(change.stopped)}")
        for side, outcome in (("base", change.base), ("head", change.head)):
            if outcome.errored:
                lines.append(f"  errors in {side}: {', '.join(outcome.errored)}")
        for path, value in change.facts:
            lines.append(f"  {single_line(path)} = {value_text(value)}")
        for path in change.missing:
            lines.append(f"  {single_line(path)} absent")
    lines.append(rules_line(policy_diff))
    lines += field_lines(policy_diff)
    lines += relaxed_lines(policy_diff)
    lines += shadow_lines(policy_diff)
    if policy_diff.backtest is not None:
        from phasegate.report.backtest.text import comparison_lines

        lines += comparison_lines(policy_diff.backtest)
    lines.append(summary_line(policy_diff))
    return "\n".join(lines) + "\n"
