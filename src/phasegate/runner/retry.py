"""`retry-rollback`: finish a rollback on the runners it left behind.

The retry re-applies the recorded decision instead of deciding again: a second
evaluation, over facts the partial rollback has already changed (or during the freeze a
Phase 2 rollback sets), could decide not to roll back and strand those runners on the bad
version. It writes no second remediation note: the first one is the incident's. When the
runners it restores were the last ones left, the change stands rolled back: the retry
writes the `rolled_back` line `run` would have written, so later runs of the change deploy
nothing and write no note.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from phasegate.collect.collector import utc_now
from phasegate.collect.config import Config
from phasegate.core.evaluate import Decision
from phasegate.core.verdict import Verdict
from phasegate.errors import InputError, Location
from phasegate.files.schemas import is_rfc3339
from phasegate.runner import apply, runners
from phasegate.runner.journal import Journal, planned_actions, restoration
from phasegate.runner.plan import deploy_steps, refuse_undeployable
from phasegate.state import rollout
from phasegate.state.statedir import DECISIONS, LogReport, StateDir, numbered_log_objects


def recorded_decision(state: StateDir, decision_id: str) -> dict[str, Any]:
    """The logged decision `decision_id`, which must be a Phase 1 or 2 rollback whose line
    holds what applying it again reads (a line edited by hand or written by another
    version is refused at its file:line, never half-applied). Streamed, lines bounded."""
    log = state.path / DECISIONS
    if not os.path.lexists(log):
        raise InputError("no decision log: nothing to retry", Location(str(log)))
    found: tuple[int, dict[str, Any]] | None = None
    for _, number, record in numbered_log_objects(log, LogReport()):
        if record.get("event") == "decision" and record.get("id") == decision_id:
            found = (number, record)
    if found is None:
        raise InputError(f"no decision {decision_id!r} in the log", Location(str(log)))
    where = Location(str(log), found[0])
    record = found[1]
    problem = _unusable(record)
    if problem is not None:
        raise InputError(f"decision {decision_id!r} cannot be applied again: {problem}", where)
    decided = record["decision"]
    if decided["verdict"] != "rollback" or decided["phase"] not in (1, 2):
        raise InputError(
            f"decision {decision_id!r} is a phase {decided['phase']} {decided['verdict']}: "
            "only a Phase 1 or 2 rollback deploys to runners",
            where,
        )
    return record


def _unusable(record: Mapping[str, Any]) -> str | None:
    """What a decision line lacks for `_decision` and the deploy's placeholders."""
    decided, facts = record.get("decision"), record.get("facts")
    if not isinstance(decided, dict) or not isinstance(facts, dict):
        return "its decision and facts are not both objects"
    if decided.get("verdict") not in ("continue", "pause", "rollback"):
        return f"verdict {decided.get('verdict')!r:.40} is not continue, pause or rollback"
    phase = decided.get("phase")
    if type(phase) is not int or phase not in (0, 1, 2):  # `true == 1` in Python
        return f"phase {decided.get('phase')!r:.40} is not 0, 1 or 2"
    for name, data in (("decision", decided), ("facts", facts)):
        when = data.get("collected_at")
        if not (isinstance(when, str) and is_rfc3339(when)):
            return f"{name}.collected_at is not an RFC 3339 time: {when!r:.40}"
        if not isinstance(data.get("change"), dict):
            return f"{name}.change is not an object"
    if not isinstance(decided.get("owners", {}), dict):
        return "decision.owners is not an object"
    return None


def _decision(record: Mapping[str, Any]) -> Decision:
    """Enough of the logged decision to apply it again (its rules are not needed)."""
    data = record["decision"]
    return Decision(
        verdict=Verdict.parse(data["verdict"]),
        phase=data["phase"],
        change=data.get("change", {}),
        collected_at=data["collected_at"],
        phase_started_at=data.get("phase_started_at"),
        owners=data.get("owners", {}),
        results=(),
        facts_digest=data.get("facts_digest", ""),
        policy_digest=data.get("policy_digest", ""),
    )


def retry(
    config: Config, state: StateDir, decision_id: str, only: Sequence[str]
) -> apply.RunOutcome:
    """Deploy and verify the recorded rollback on `only`, logged ahead under its decision.

    The `retry` line (with each runner's planned command) is written before any deploy;
    the outcomes are ordinary action lines of the original decision, so the log reads as
    one rollback that took two attempts. A runner already restored by this rollback is not
    deployed again.
    """
    state.check_exists()
    state.check_writable()
    record = recorded_decision(state, decision_id)
    decision = _decision(record)
    facts = record["facts"]
    commit = str(decision.change.get("commit"))
    progress = restoration(state.records(), commit)
    before = progress.restored
    ended = rollout.state_of(state, commit).state == rollout.ROLLED_BACK
    if not ended and decision_id not in progress.decisions:
        raise InputError(
            f"decision {decision_id!r} no longer stands: change {commit} was resumed or "
            "continued since (its runners may carry it again): nothing is deployed",
            Location(str(state.path / DECISIONS)),
        )
    variables = {"facts": facts, "decision": record["decision"], "params": dict(config.params)}
    wanted = [name for name in only if name not in before]
    steps = [] if ended else deploy_steps(config, variables, wanted, restart=decision.phase == 1)
    steps = refuse_undeployable(steps, decision.change)  # as `run` refused it
    outcome = apply.RunOutcome(decision, facts)
    if ended:
        outcome.planned = [f"change {commit} already stands rolled back: nothing is deployed"]
    elif skipped := {name: by for name, by in before.items() if name in only}:
        outcome.planned = [apply.already_restored(skipped, [s.runner for s in steps if s.deploy])]
    journal = Journal(state)
    journal.id = decision_id
    line = {
        "event": "retry",
        "id": uuid.uuid4().hex,
        "decision_id": decision_id,
        "runners": list(only),
        "actions": planned_actions(steps),
    }
    if not ended:
        journal.decision_recorded = journal.attempt(
            "the retry", lambda: state.append_decision(line)
        )
    application = apply.apply(config, decision, facts, steps, journal.action)
    if not ended and config.runners is not None:
        apply.settle(config, decision, application, before, progress.planned)
    left = runners.account(config, decision, application.left, decision_id)
    if left is not None:
        application.steps.append(left)
    if (
        not ended
        and journal.decision_recorded
        and apply.rollback_ended(config, application, before)
    ):
        ended_at = rollout.rolled_back_record(decision_id, commit, utc_now())
        journal.attempt("the end of the rollback", lambda: state.append_decision(ended_at))
    if (missing := journal.unrecorded()) is not None:
        application.steps.append(missing)
    outcome.application = application
    return outcome
