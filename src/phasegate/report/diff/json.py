"""`diff --format json`: the contract of schemas/diff.schema.json, byte-stable.

`changes[].document/base/head` and `rules.added/removed/changed` are the contract; the other
fields of a change (started, stopped, direction, facts, missing, errored, pending) add detail
and may grow, never shrink.
"""

from __future__ import annotations

from typing import Any

from phasegate.report import report_json
from phasegate.review.diff import DocumentChange, Outcome, PolicyDiff


def diff_object(policy_diff: PolicyDiff) -> dict[str, Any]:
    """The diff as plain data matching the diff schema."""
    rules = policy_diff.rules
    found: dict[str, Any] = {
        "changes": [_change_object(change) for change in policy_diff.changes],
        "rules": {
            "added": list(rules.added),
            "removed": list(rules.removed),
            "changed": list(rules.changed),
        },
    }
    if rules.fields:  # each changed rule's fields, before and after
        found["fields"] = {
            rule_id: [
                {"field": change.field, "base": change.base, "head": change.head}
                for change in changes
            ]
            for rule_id, changes in rules.fields
        }
    if rules.relaxed:  # weakened whatever the facts: `--fail-on relax` fails on them too
        found["relaxed_rules"] = [{"id": rule_id, "why": why} for rule_id, why in rules.relaxed]
    if policy_diff.shadow:
        found["shadow"] = [
            {"id": rule_id, "base_disagreements": base, "head_disagreements": head}
            for rule_id, base, head in policy_diff.shadow
        ]
    if policy_diff.backtest is not None:
        found["backtest"] = policy_diff.backtest
    return found


def _outcome_object(outcome: Outcome) -> dict[str, Any]:
    return {
        "verdict": outcome.verdict.label,
        "fired": list(outcome.fired),
        "errored": list(outcome.errored),
        "pending": list(outcome.pending),
    }


def _change_object(change: DocumentChange) -> dict[str, Any]:
    return {
        "document": change.document,
        "base": _outcome_object(change.base),
        "head": _outcome_object(change.head),
        "direction": change.direction,
        "started": list(change.started),
        "stopped": list(change.stopped),
        "facts": dict(change.facts),
        "missing": list(change.missing),
    }


def render(policy_diff: PolicyDiff) -> str:
    return report_json(diff_object(policy_diff))
