"""The Decision as the plain data of its contract (schemas/decision.schema.json).

One form for two uses: the decision log records it before anything acts on a verdict, and
`--format json` prints it. It lives in the core, not among the renderers, because the runner
writes it and core modules never import a renderer.
"""

from __future__ import annotations

from typing import Any

from phasegate.core.evaluate import Decision, RuleResult


def decision_object(decision: Decision) -> dict[str, Any]:
    """The Decision as plain data matching the decision schema."""
    return {
        "apiVersion": "phasegate/v1",
        "kind": "Decision",
        "verdict": decision.verdict.label,
        "health": decision.health,
        "phase": decision.phase,
        "change": dict(decision.change),
        "collected_at": decision.collected_at,
        "phase_started_at": decision.phase_started_at,
        "owners": dict(decision.owners),
        "pause_kind": decision.pause_kind,
        "summary": decision.counts(),
        "rules": [rule_object(result) for result in decision.results],
        "facts_digest": decision.facts_digest,
        "policy_digest": decision.policy_digest,
        "phasegate_version": decision.phasegate_version,
    }


def rule_object(result: RuleResult) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": result.id,
        "policy": result.policy,
        "file": result.file,
        "line": result.line,
        "status": result.status.value,
        "verdict": result.verdict.label,
        "on_error": result.on_error.label,
        "message": result.message,
    }
    if result.pause_kind is not None:
        item["pause_kind"] = result.pause_kind
    if result.shadow:
        item["mode"] = "shadow"
    if result.kept is not None:
        item["keep_for"], item["kept"] = result.kept[1], result.kept[0]
    if result.window is not None:
        matched, count, of = result.window
        item["within"] = {"count": count, "of": of, "matched": matched}
    elif result.hold > 1:
        item["for"] = result.hold
        item["streak"] = result.streak
    if result.error is not None:
        item["error"] = result.error
        if result.error_location is not None and result.error_location.line is not None:
            item["error_line"] = result.error_location.line
            if result.error_location.col is not None:
                item["error_col"] = result.error_location.col
    return item
