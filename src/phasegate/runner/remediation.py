"""The remediation note written after a rollback: ready to open as a bead.

The guide's last rollback step is "open remediation bead with incident notes and
reproduction details"; the note carries the decision, why it was taken, what was done, and
the exact command that reproduces the decision offline from the saved facts.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from phasegate.core.evaluate import Decision, RuleStatus


def note_name(decision: Decision) -> str:
    """A stable file stem: the same decision always gets the same note."""
    stamp = decision.collected_at.replace(":", "").replace("-", "")
    commit = "".join(ch for ch in str(decision.change.get("commit", "unknown")) if ch.isalnum())
    return f"{stamp}-phase{decision.phase}-{commit[:12]}"


def render_note(
    decision: Decision,
    facts: Mapping[str, Any],
    steps: Sequence[tuple[str, bool, str]],
    manual: Sequence[str],
    reproduce: Sequence[str],
) -> str:
    change = decision.change
    lines = [
        f"# Rollback of {change.get('tag') or change.get('commit')} in phase {decision.phase}",
        "",
        f"- Change: {change.get('tag', '-')} ({change.get('commit')})",
        f"- Last known good: {change.get('last_known_good', 'unknown')}",
        f"- Decided at: {decision.collected_at} (facts {decision.facts_digest})",
        f"- Decision: {decision.verdict.label}, health {decision.health}",
        f"- Policies: {decision.policy_digest}",
        "",
        "## Why",
        "",
    ]
    for result in decision.with_status(RuleStatus.FIRED, RuleStatus.ERROR):
        what = result.message if result.status is RuleStatus.FIRED else f"error: {result.error}"
        lines.append(
            f"- `{result.id}` ({result.contribution.label}): {what} ({result.file}:{result.line})"
        )
    lines += ["", "## What was done", ""]
    lines += [f"- {'ok' if ok else 'FAILED'}: {name}: {detail}" for name, ok, detail in steps]
    if not steps:
        lines.append("- nothing automatic")
    if manual:
        lines += ["", "## Left to do by hand", ""]
        lines += [f"{index}. {step}" for index, step in enumerate(manual, 1)]
    lines += [
        "",
        "## Reproduce offline",
        "",
        "```",
        shlex.join(reproduce),
        "```",
        "",
        "## Facts",
        "",
        "```json",
        json.dumps(facts, indent=2, sort_keys=True),
        "```",
        "",
    ]
    return "\n".join(lines)
