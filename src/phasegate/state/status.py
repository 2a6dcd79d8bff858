"""`phasegate status`: where a change stands and what comes next, from its `ChangeState`.

Like `kubectl argo rollouts status`, an operator in an incident asks one question: what
now? The answer is worked out here, pure over the state the log gives (no clock: the
window's end is a time, not "in 20 minutes"), so the same log always says the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from phasegate.files.schemas import is_rfc3339, rfc3339_instant
from phasegate.state.rollout import ChangeState, later

#: The phases with a stable window (`window.phase1-stable`, `window.phase2-monitoring`):
#: a wait there ends by itself at the window's end.
_WINDOWED = (1, 2)


def status(current: ChangeState, windows: Mapping[int, timedelta]) -> dict[str, Any]:
    """The status record of one change. `windows`: the stable window of each phase."""
    last = current.last or {}
    decision = last.get("decision") if isinstance(last.get("decision"), Mapping) else {}
    facts = last.get("facts") if isinstance(last.get("facts"), Mapping) else {}
    change = facts.get("change") if isinstance(facts.get("change"), Mapping) else {}
    record: dict[str, Any] = {
        "apiVersion": "phasegate/v1",
        "kind": "Status",
        "change": {"commit": current.commit, **dict(change)},
        "phase": current.phase,
        "state": current.state,
        "last_decision": _last(decision, facts, last) if current.last else None,
    }
    what, when = _next(current, decision, facts, windows)
    record["next"] = {"what": what, "when": when}
    record["by_hand"] = _by_hand(current, decision)
    for key in ("rolled_back_at", "resumed_at", "closed_at"):
        if getattr(current, key):
            record[key] = getattr(current, key)
    if current.freeze is not None:
        record["freeze"] = dict(current.freeze)
    return record


def _last(
    decision: Mapping[str, Any], facts: Mapping[str, Any], line: Mapping[str, Any]
) -> dict[str, Any]:
    rules = decision.get("rules") if isinstance(decision.get("rules"), list) else []
    deciding = [
        {
            "id": str(rule.get("id")),
            "status": str(rule.get("status")),
            "message": rule.get("error") if rule.get("status") == "error" else rule.get("message"),
        }
        for rule in rules
        if isinstance(rule, Mapping) and rule.get("status") in ("fired", "error", "pending")
    ]
    found = {
        "at": facts.get("collected_at"),
        "phase": facts.get("phase"),
        "verdict": decision.get("verdict"),
        "pause_kind": decision.get("pause_kind"),
        "rules": deciding,
    }
    if isinstance(line.get("id"), str):
        found["id"] = line["id"]
    return found


def _next(
    current: ChangeState,
    decision: Mapping[str, Any],
    facts: Mapping[str, Any],
    windows: Mapping[int, timedelta],
) -> tuple[str, str | None]:
    phase = current.phase if current.phase is not None else 0
    state = current.state
    if state == "closed":
        return "nothing: the rollout is closed", None
    if state == "rolled_back":
        return (
            "nothing runs for this change: roll out a new commit, or `phasegate resume "
            '--reason "..."` once it is fixed',
            None,
        )
    if state == "frozen":
        unfreeze = "document the root cause, then `phasegate unfreeze --rca PATH|URL`"
        if current.rollback_decided_at is not None and not current.ended:
            # A Phase 2 rollback freezes: the freeze must not hide that it is not done.
            return f"{_finish_rollback(current)}; {unfreeze}", None
        return unfreeze, None
    if state in ("rolling_out", "resumed"):
        return (
            "run Phase 0: `phasegate run --phase 0` (in CI and in one operator environment)",
            None,
        )
    if state == "rolling_back":
        return _finish_rollback(current), None
    if state == "phase_earned":
        if phase >= 2:
            return "close out: `phasegate closeout`", _window_end(
                facts, windows.get(2), current.unstable.get(2)
            )
        return f"start Phase {phase + 1}: `phasegate run --phase {phase + 1}`", None
    if state == "paused":
        # A wait ends, at the earliest, at the end of the paused phase's own stable window:
        # its window rule's, or the window an elevated metric restarted. Every rule is
        # recorded (a skipped `window.phase1-stable` in Phase 2 too): the phase decides.
        window = windows.get(phase) if phase in _WINDOWED else None
        when = _window_end(facts, window, current.unstable.get(phase))
        return f"wait, then sample again: `phasegate run --phase {phase}`", when
    return f"clear the hold (see the deciding rules), then `phasegate run --phase {phase}`", None


def _finish_rollback(current: ChangeState) -> str:
    """What finishes a rollback decided and not yet applied and verified."""
    if current.phase == 0 and current.rollback_decided_at is None:
        # the guide's Phase 0 rollback deploys nothing and owes nothing (resume refuses it)
        return (
            "stop promotion, fix on the current branch, then run Phase 0 again: "
            "`phasegate run --phase 0` (in CI and in one operator environment)"
        )
    # retry-rollback needs the runners left behind: a command without them fails as
    # written (exit 2); with no runner to name (no runners configured, a deploy that never
    # ran), what is left is done by hand.
    decision_id = current.last.get("id") if current.last else None
    left = sorted({runner for _, _, runner in current.failed if runner})
    if isinstance(decision_id, str) and left:
        retry = f"phasegate retry-rollback --decision {decision_id} --only-runners "
        return f"finish the rollback: `{retry}{','.join(left)}`"
    return (
        "finish the rollback by hand (see the remediation note), then roll out a new "
        f'commit, or `phasegate resume --change {current.commit} --reason "..."` once it '
        "is fixed"
    )


def _window_end(
    facts: Mapping[str, Any], window: timedelta | None, unstable: str | None = None
) -> str | None:
    """The window runs from the phase's start, or from its last unclean decision
    (`unstable`) when later: the stable window the rules measure."""
    started = facts.get("phase_started_at")
    if window is None or not (isinstance(started, str) and is_rfc3339(started)):
        return None
    if unstable is not None:
        started = later(started, unstable)
    try:
        end = rfc3339_instant(started) + window
    except OverflowError:  # a start near year 9999 (a hand-edited log): no end to show
        return None
    return end.isoformat().replace("+00:00", "Z")


def _by_hand(current: ChangeState, decision: Mapping[str, Any]) -> list[str]:
    steps = [
        f"{name}: {detail} (failed: redo it or finish by hand)"
        for name, detail, _ in current.failed
    ]
    if current.state in ("rolled_back", "rolling_back"):
        steps.append("Open a remediation bead from the remediation note")
    if current.freeze is not None:
        steps.append(
            "Document the root cause, then lift the freeze: `phasegate unfreeze --rca PATH|URL`"
        )
    if current.state == "held":
        for rule in decision.get("rules") or ():
            if isinstance(rule, dict) and rule.get("status") in ("fired", "error"):
                why = rule.get("error") if rule.get("status") == "error" else rule.get("message")
                steps.append(f"{rule.get('id')}: {why}")
    return steps
