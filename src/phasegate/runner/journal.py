"""The write-ahead journal of a rollback, and what it says was already done.

The decision, with every command it is about to run, is on disk before the first command
starts, and each command's outcome is appended after it ran: whatever kills phasegate in
between, the log says what may have been done. A runner counts as restored only once its
deploy and every check on it passed, and that is written as its own action line
(`"restored": true`); a later `run` or `retry-rollback` of the same change reads those
lines back, so a restored runner is never deployed again and a change is marked rolled back
only when every runner was verified.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from phasegate.core.evaluate import Decision
from phasegate.core.record import decision_object
from phasegate.errors import InputError
from phasegate.runner.plan import Outcome, Step
from phasegate.state import rollout
from phasegate.state.statedir import StateDir


class Journal:
    """The write-ahead log of one run: the decision, then each step's outcome.

    A record that cannot be written (disk full, permissions) does not stop the run: it is
    noted, and `unrecorded` becomes the one line that tells the operator what is missing.
    """

    def __init__(self, state: StateDir) -> None:
        self.state = state
        self.id = uuid.uuid4().hex
        self.decision_recorded = False
        self.missing: list[str] = []
        self.first_problem: str | None = None

    def attempt(self, what: str, write: Callable[[], object]) -> bool:
        try:
            write()
        except InputError as exc:
            self.missing.append(what)
            if self.first_problem is None:
                where = f"{exc.location}: " if exc.location else ""
                self.first_problem = where + exc.message
            return False
        return True

    def decision(
        self,
        decision: Decision,
        facts: Mapping[str, Any],
        steps: list[Step],
        set_by_hand: Sequence[str] = (),
    ) -> None:
        """`set_by_hand`: the fact paths `--set` gave. Their values look measured in the
        facts (a `collected_at` moved past a window, say); an auditor reads which were not."""
        planned = planned_actions(steps)
        record = {
            "event": "decision",
            "id": self.id,
            "decision": decision_object(decision),
            "facts": dict(facts),
            "actions": planned,
        }
        override = facts.get("rollout", {}).get(rollout.OVERRIDE)
        if override is not None:  # said once, where an auditor reads the decision
            record["override"] = {"progression": override}
        if set_by_hand:
            record["set"] = sorted(set(set_by_hand))
        self.decision_recorded = self.attempt(
            "the decision", lambda: self.state.append_decision(record)
        )

    def action(self, outcome: Outcome, runner: str | None = None, restored: bool = False) -> None:
        """Log one step's outcome, under the decision's id; without the decision line there
        is nothing for it to refer to, and the missing decision is already reported."""
        if not self.decision_recorded:
            return
        name, ok, detail = outcome
        record: dict[str, Any] = {
            "event": "action",
            "decision_id": self.id,
            "name": name,
            "ok": ok,
            "detail": detail,
        }
        if runner is not None:
            record["runner"] = runner
        if restored:
            record["restored"] = True
        self.attempt(f"the outcome of {name}", lambda: self.state.append_decision(record))

    def unrecorded(self) -> Outcome | None:
        if not self.missing:
            return None
        return (
            f"record in {self.state.path}",
            False,
            f"not recorded: {', '.join(self.missing)} ({self.first_problem})",
        )


def planned_actions(steps: Sequence[Step]) -> list[dict[str, Any]]:
    """What the log says is about to run: each step's argv, or why it cannot."""
    planned = []
    for step in steps:
        item: dict[str, Any] = {"name": step.name}
        if step.runner is not None:
            item["runner"] = step.runner
        if step.argv is not None:
            item["argv"] = list(step.argv)
        else:
            item["problem"] = step.problem
        planned.append(item)
    return planned


@dataclass
class Restoration:
    """The rollback of one change so far, across its attempts (`run`s and retries)."""

    #: Runners deployed and verified, in the order they were, and by which decision.
    restored: dict[str, str] = field(default_factory=dict)
    #: The latest rollback decision of the change that deployed to runners.
    decision_id: str | None = None
    #: Every rollback decision of the change since then: those a retry may still apply.
    decisions: set[str] = field(default_factory=set)
    #: Every runner those decisions planned to deploy, in order: each stays owed until
    #: restored, even once dropped from the config (the unreachable one, say).
    planned: dict[str, None] = field(default_factory=dict)


def restoration(records: Iterable[Mapping[str, Any]] | None, commit: str) -> Restoration:
    """What the rollbacks of `commit` restored since it was last rolled back or resumed.

    A `rolled_back` or `resume` line starts afresh, and so does a `continue` of the change:
    after either the runners may carry the change again, so a new rollback must deploy
    them all.
    """
    found = Restoration()
    mine: set[str] = set()
    for record in records or ():
        event = record.get("event", "decision")
        if event in (rollout.ROLLED_BACK_EVENT, rollout.RESUME_EVENT):
            if rollout.same_change(record.get("commit"), commit):
                found, mine = Restoration(), set()
        elif event == "decision" and _of_change(record, commit, "continue"):
            found, mine = Restoration(), set()
        elif event == "decision" and _of_change(record, commit, "rollback"):
            mine.add(str(record.get("id")))
            found.decision_id = str(record.get("id"))
            found.decisions.add(found.decision_id)
            for item in record.get("actions") or ():
                if isinstance(item, Mapping) and isinstance(item.get("runner"), str):
                    found.planned.setdefault(item["runner"])
        elif (
            event == "action"
            and record.get("decision_id") in mine
            and record.get("restored") is True
            and record.get("ok") is True
            and isinstance(record.get("runner"), str)
        ):
            found.restored.setdefault(record["runner"], str(record["decision_id"]))
    return found


def _of_change(record: Mapping[str, Any], commit: str, verdict: str) -> bool:
    """A decision line of `commit` with `verdict`, in a phase that deploys to runners."""
    decision, facts = record.get("decision"), record.get("facts")
    if not isinstance(decision, Mapping) or not isinstance(facts, Mapping):
        return False
    change = facts.get("change")
    return (
        decision.get("verdict") == verdict
        and decision.get("phase") in (1, 2)
        and isinstance(change, Mapping)
        and rollout.same_change(change.get("commit"), commit)
    )
