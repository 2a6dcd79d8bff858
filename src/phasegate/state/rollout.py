"""A rollout as a state machine the gate knows, read from the decision log alone.

The guide orders the phases (Phase 2 only "after stable Phase 1 window") and makes a
rollback final for the release it removed. Both used to live in an operator's head, then
in three readers of the log (collect, closeout, the runner) that could disagree. Here is
the one reading: `fold` takes the log's records in order and gives a `ChangeState`; the
`rollout` facts (`derive`), `status`, `closeout` and the runner all start from it. The fold
is pure over records, so tests need no state dir; `state_of` streams a state dir's log
into it, so memory does not grow with the log.

Events read, in log order: `decision` lines (a `continue` in Phase N-1 opens Phase N),
`rolled_back` (written by `run` or `retry-rollback` once a rollback's deploy and every
verify check passed), `resume` (written by `phasegate resume --reason`), `unfreeze` (by
`phasegate unfreeze --rca`) and `closed` (by `phasegate closeout`). A rollback or resume
restarts the change: continues recorded before it no longer open a phase.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from phasegate.state.statedir import StateDir

ROLLED_BACK = "rolled_back"
ROLLING_OUT = "rolling_out"
#: Log events this module writes (beside `decision` and `action`).
ROLLED_BACK_EVENT = "rolled_back"
RESUME_EVENT = "resume"
CLOSED_EVENT = "closed"
#: The one rollout fact `--set` may give: everything else is derived from the log.
OVERRIDE = "progression_override"
#: What `status` calls where a change stands (`ChangeState.state`).
STATES = (
    "rolling_out",  # no decision recorded since the start (or the last restart)
    "phase_earned",  # the last decision was a continue: the next phase (or closeout) is open
    "paused",  # the last decision was a wait: a window not over, a metric elevated
    "held",  # the last decision was a hold: freeze, phase not earned, owners, an error
    "rolling_back",  # a rollback was decided but not yet applied and verified
    "rolled_back",  # a rollback was applied and verified: nothing runs until resumed
    "resumed",  # resumed after a rollback, no decision since
    "frozen",  # a deployment freeze is active (state dir's freeze.json)
    "closed",  # `phasegate closeout` closed it
)


@dataclass(frozen=True)
class Opened:
    """The latest continue of the change in one phase: it opens the next phase."""

    at: str
    phase_started_at: str | None


@dataclass(frozen=True)
class ChangeState:
    """Where one change stands, as the log tells it."""

    commit: str
    #: One of STATES.
    state: str = "rolling_out"
    #: The phase of the last decision, if any.
    phase: int | None = None
    #: The last decision line of the change (its `decision` object and facts), as logged.
    last: Mapping[str, Any] | None = None
    #: Per phase, the latest continue since the last restart.
    opened: Mapping[int, Opened] = field(default_factory=dict)
    rolled_back_at: str | None = None
    resumed_at: str | None = None
    resume_reason: str | None = None
    closed_at: str | None = None
    freeze: Mapping[str, Any] | None = None
    #: (name, detail) of each step of the last decision that failed (its `action` lines).
    failed: tuple[tuple[str, str], ...] = ()
    #: The root-cause documents `unfreeze --rca` recorded, in log order.
    rca: tuple[Mapping[str, Any], ...] = ()

    @property
    def ended(self) -> bool:
        """A verified rollback ended the rollout: no deploy, no note, no action."""
        return self.rolled_back_at is not None


def same_change(recorded: Any, commit: Any) -> bool:
    """Commits are often abbreviated (`9f2c4e1` against a full sha): a prefix either way."""
    if not isinstance(recorded, str) or not isinstance(commit, str):
        return False
    a, b = recorded.strip().lower(), commit.strip().lower()
    return bool(a and b) and (a.startswith(b) or b.startswith(a))


def fold(
    records: Iterable[Any], commit: str, freeze: Mapping[str, Any] | None = None
) -> ChangeState:
    """The state of `commit` after the log's records, in order (anything not a JSON object
    is passed over). `freeze` is the state dir's active freeze, if any."""
    current = ChangeState(commit)
    for record in records:
        if isinstance(record, Mapping):
            current = step(current, record)
    if freeze is not None:
        current = replace(current, freeze=dict(freeze))
        if current.state not in (ROLLED_BACK, "closed"):
            current = replace(current, state="frozen")
    return current


def step(current: ChangeState, record: Mapping[str, Any]) -> ChangeState:
    """One transition: `current` after `record`."""
    event = record.get("event", "decision")
    if event == "decision":
        return _decided(current, record)
    if event == "action":
        mine = current.last is not None and record.get("decision_id") == current.last.get("id")
        if mine and record.get("ok") is False:
            failed = (str(record.get("name")), str(record.get("detail", "")))
            return replace(current, failed=(*current.failed, failed))
        return current
    if event == "unfreeze":
        found = {key: record[key] for key in ("at", "rca", "reason") if key in record}
        return replace(current, rca=(*current.rca, found))
    if not same_change(record.get("commit"), current.commit):
        return current
    at = str(record.get("at"))
    if event == ROLLED_BACK_EVENT:
        return replace(current, state=ROLLED_BACK, rolled_back_at=at, opened={})
    if event == RESUME_EVENT and current.ended:
        reason = record.get("reason")
        return replace(
            current,
            state="resumed",
            rolled_back_at=None,
            resumed_at=at,
            resume_reason=reason if isinstance(reason, str) else None,
            opened={},
            closed_at=None,
        )
    if event == CLOSED_EVENT:
        return replace(current, state="closed", closed_at=at)
    return current


def _decided(current: ChangeState, record: Mapping[str, Any]) -> ChangeState:
    decision, facts = record.get("decision"), record.get("facts")
    if not isinstance(decision, Mapping) or not isinstance(facts, Mapping):
        return current
    change = facts.get("change")
    phase = facts.get("phase")
    if (
        not isinstance(change, Mapping)
        or not same_change(change.get("commit"), current.commit)
        or phase not in (0, 1, 2)
    ):
        return current
    if current.ended or current.state == "closed":
        # Holds recorded after the end change nothing: the change stays where it is.
        return replace(current, last=record, phase=phase, failed=())
    verdict = decision.get("verdict")
    opened = dict(current.opened)
    if verdict == "continue" and isinstance(facts.get("collected_at"), str):
        started = facts.get("phase_started_at")
        opened[phase] = Opened(facts["collected_at"], started if isinstance(started, str) else None)
        state = "phase_earned"
    elif verdict == "rollback":
        state = "rolling_back"
    elif verdict == "pause":
        state = "paused" if decision.get("pause_kind") == "wait" else "held"
    else:
        return current
    return replace(current, state=state, phase=phase, last=record, opened=opened, failed=())


def state_of(state: StateDir, commit: str) -> ChangeState:
    """Where `commit` stands in the state dir: its log streamed through `fold`, and its
    freeze. An unreadable log raises InputError (the caller fails closed); a bad line is
    skipped with a located warning (`state.warnings`)."""
    return fold(state.records(), commit, state.freeze())


def derive(records: Iterable[Any], commit: str, phase: int) -> dict[str, Any]:
    """The `rollout` facts of `commit` collected in `phase`, from the log's records."""
    return facts_of(fold(records, commit), phase)


def facts_of(current: ChangeState, phase: int) -> dict[str, Any]:
    """The `rollout` facts a change's state gives a snapshot of `phase`."""
    facts: dict[str, Any] = {"state": ROLLED_BACK if current.ended else ROLLING_OUT}
    if current.rolled_back_at:
        facts["rolled_back_at"] = current.rolled_back_at
    if current.resumed_at:
        facts["resumed_at"] = current.resumed_at
    opened = current.opened.get(phase - 1) if phase > 0 else None
    if opened is not None:
        facts["previous_phase_continue_at"] = opened.at
        if opened.phase_started_at is not None:
            facts["previous_phase_started_at"] = opened.phase_started_at
    return facts


def phase_open(rollout: Any, phase: int) -> bool:
    """Whether `rollout` facts let a snapshot of `phase` start it: Phase 0 always; a later
    phase once a continue in the one before opened it, or with an override reason."""
    if phase == 0:
        return True
    return isinstance(rollout, Mapping) and (
        "previous_phase_continue_at" in rollout or OVERRIDE in rollout
    )


def rolled_back(facts: Mapping[str, Any]) -> bool:
    """Whether a facts document's change was rolled back (its `rollout` facts say so)."""
    rollout = facts.get("rollout")
    return isinstance(rollout, Mapping) and rollout.get("state") == ROLLED_BACK


def last_rolled_back(records: Iterable[Any]) -> str | None:
    """The commit `phasegate resume` resumes when none is named: the latest rolled back
    change that was not resumed since. One pass: per commit, the last of its two events."""
    latest: dict[str, str] = {}
    order: list[str] = []
    for record in records:
        if not isinstance(record, Mapping):
            continue
        commit, event = record.get("commit"), record.get("event")
        if isinstance(commit, str) and event in (ROLLED_BACK_EVENT, RESUME_EVENT):
            key = next((known for known in latest if same_change(known, commit)), commit)
            if event == RESUME_EVENT and latest.get(key) != ROLLED_BACK_EVENT:
                continue
            latest[key] = event
            if key in order:
                order.remove(key)
            order.append(key)
    for commit in reversed(order):
        if latest[commit] == ROLLED_BACK_EVENT:
            return commit
    return None


def last_change(records: Iterable[Any]) -> str | None:
    """The change `status` shows when none is named: that of the log's last decision (or
    rollback, resume or closeout)."""
    found = None
    for record in records:
        if not isinstance(record, Mapping):
            continue
        if record.get("event", "decision") == "decision":
            facts = record.get("facts")
            change = facts.get("change") if isinstance(facts, Mapping) else None
            commit = change.get("commit") if isinstance(change, Mapping) else None
        elif record.get("event") in (ROLLED_BACK_EVENT, RESUME_EVENT, CLOSED_EVENT):
            commit = record.get("commit")
        else:
            continue
        if isinstance(commit, str) and commit.strip():
            found = commit
    return found


def rolled_back_record(decision_id: str, commit: str, at: str) -> dict[str, Any]:
    return {"event": ROLLED_BACK_EVENT, "decision_id": decision_id, "commit": commit, "at": at}


def resume_record(commit: str, reason: str, at: str) -> dict[str, Any]:
    return {"event": RESUME_EVENT, "commit": commit, "reason": reason, "at": at}


def closed_record(commit: str, at: str) -> dict[str, Any]:
    return {"event": CLOSED_EVENT, "commit": commit, "at": at}
