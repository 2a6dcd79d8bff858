"""A rollout as a state machine the gate knows, read from the decision log alone.

The guide orders the phases (Phase 2 only "after stable Phase 1 window") and makes a
rollback final for the release it removed. Both used to live in an operator's head; a
typo in `--phase` skipped a phase, and re-running a rolled-back change deployed the last
known-good tag again and wrote a second remediation note. Everything here is pure over the
log's records, so `collect`, `run` and `resume` agree, and tests need no state dir.

Events read, in log order: `decision` lines (a `continue` in Phase N-1 opens Phase N),
`rolled_back` (written by `run` once a rollback's deploy and every verify check passed)
and `resume` (written by `phasegate resume --reason`). A rollback or resume restarts the
change: continues recorded before it no longer open a phase.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

ROLLED_BACK = "rolled_back"
ROLLING_OUT = "rolling_out"
#: Log events this module writes (beside `decision` and `action`).
ROLLED_BACK_EVENT = "rolled_back"
RESUME_EVENT = "resume"
#: The one rollout fact `--set` may give: everything else is derived from the log.
OVERRIDE = "progression_override"


def same_change(recorded: Any, commit: Any) -> bool:
    """Commits are often abbreviated (`9f2c4e1` against a full sha): a prefix either way."""
    if not isinstance(recorded, str) or not isinstance(commit, str):
        return False
    a, b = recorded.strip().lower(), commit.strip().lower()
    return bool(a and b) and (a.startswith(b) or b.startswith(a))


def derive(records: Iterable[Mapping[str, Any]], commit: str, phase: int) -> dict[str, Any]:
    """The `rollout` facts of `commit` collected in `phase`, from the log's records."""
    rolled_back_at: str | None = None
    resumed_at: str | None = None
    opened: tuple[str, Any] | None = None  # the latest continue in the previous phase
    for record in records:
        if not isinstance(record, Mapping):
            continue
        event = record.get("event", "decision")
        if event == ROLLED_BACK_EVENT and same_change(record.get("commit"), commit):
            rolled_back_at, opened = str(record.get("at")), None
        elif event == RESUME_EVENT and same_change(record.get("commit"), commit):
            if rolled_back_at is not None:
                rolled_back_at, resumed_at, opened = None, str(record.get("at")), None
        elif event == "decision":
            found = _continue_in(record, commit, phase - 1)
            if found is not None:
                opened = found
    facts: dict[str, Any] = {"state": ROLLED_BACK if rolled_back_at else ROLLING_OUT}
    if rolled_back_at:
        facts["rolled_back_at"] = rolled_back_at
    if resumed_at:
        facts["resumed_at"] = resumed_at
    if phase > 0 and opened is not None:
        facts["previous_phase_continue_at"] = opened[0]
        if isinstance(opened[1], str):
            facts["previous_phase_started_at"] = opened[1]
    return facts


def _continue_in(record: Mapping[str, Any], commit: str, phase: int) -> tuple[str, Any] | None:
    decision, facts = record.get("decision"), record.get("facts")
    if not isinstance(decision, Mapping) or not isinstance(facts, Mapping):
        return None
    change = facts.get("change")
    if (
        decision.get("verdict") != "continue"
        or facts.get("phase") != phase
        or not isinstance(change, Mapping)
        or not same_change(change.get("commit"), commit)
        or not isinstance(facts.get("collected_at"), str)
    ):
        return None
    return facts["collected_at"], facts.get("phase_started_at")


def rolled_back(facts: Mapping[str, Any]) -> bool:
    rollout = facts.get("rollout")
    return isinstance(rollout, Mapping) and rollout.get("state") == ROLLED_BACK


def last_rolled_back(records: Iterable[Mapping[str, Any]]) -> str | None:
    """The commit `phasegate resume` resumes when none is named: the latest rolled back
    change that was not resumed since."""
    records = list(records)
    for record in reversed(records):
        if isinstance(record, Mapping) and record.get("event") == ROLLED_BACK_EVENT:
            commit = record.get("commit")
            if isinstance(commit, str) and derive(records, commit, 0)["state"] == ROLLED_BACK:
                return commit
    return None


def rolled_back_record(decision_id: str, commit: str, at: str) -> dict[str, Any]:
    return {"event": ROLLED_BACK_EVENT, "decision_id": decision_id, "commit": commit, "at": at}


def resume_record(commit: str, reason: str, at: str) -> dict[str, Any]:
    return {"event": RESUME_EVENT, "commit": commit, "reason": reason, "at": at}
