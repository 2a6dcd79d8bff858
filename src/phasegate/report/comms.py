"""`--format comms`: the guide's communications template, filled in for the team update."""

from __future__ import annotations

from phasegate.core.evaluate import Decision
from phasegate.core.verdict import Verdict
from phasegate.report.text import single_line


def render(decision: Decision, color: bool = False) -> str:
    del color
    commit = single_line(decision.change.get("commit", "?"))
    tag = decision.change.get("tag")
    change = f"{single_line(tag)} ({commit})" if tag else commit
    # On rollback the rollback owner acts; otherwise the release owner owns the next step.
    role = "rollback" if decision.verdict is Verdict.ROLLBACK else "release"
    owner = single_line((decision.owners.get(role) or "").strip() or "unassigned")
    return (
        "\n".join(
            [
                f"- `Change`: {change}",
                f"- `Phase`: {decision.phase}",
                f"- `Start`: {single_line(decision.phase_started_at or 'unknown')}",
                f"- `Health`: {decision.health}",
                f"- `Decision`: {decision.verdict.label}",
                f"- `Owner`: {owner}",
            ]
        )
        + "\n"
    )
