"""Backtesting: what a policy set would have cost and caught over labelled recordings.

Labels say when each change was actually bad (an incident's change, start and end). Every
snapshot of the recordings is decided as replay decides it (`replay_recordings`, so `for:`
streaks and `history` are the live ones), and then judged against the labels, for the set
as a whole and for each rule alone (a rule "acts" when what it adds is pause or rollback):

- an incident is **caught** when a snapshot of its change paused or rolled back at or
  before the incident's end; its **lead time** is how long before the incident's start the
  first such snapshot came (negative: that long after it started);
- a pause or rollback of any other snapshot (another change, or after the incident ended)
  is **false**. Consecutive false snapshots of one rollout (change and phase) with the same
  verdict are one false pause or rollback, **held** from its first snapshot to the next
  snapshot of that rollout that is not part of it (or to its last, when the recording ends).

Everything is computed here as plain data; renderers only format it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from phasegate.core.evaluate import Decision
from phasegate.core.policy import PolicySet
from phasegate.core.recording import Recording, instant
from phasegate.core.verdict import Verdict
from phasegate.errors import InputError
from phasegate.files.loading import load_document
from phasegate.files.schemas import validate
from phasegate.replay.replay import Replay, Step, replay, replay_recordings

#: What the whole set is called in results, next to the rule ids.
SET_ID = "(policy set)"


@dataclass(frozen=True)
class Incident:
    """One labelled incident: the change that caused it and when it was going on."""

    id: str
    change: str
    start: datetime
    end: datetime

    def matches(self, commit: Any) -> bool:
        """A snapshot's commit is this change when either is a prefix of the other, as
        commits are often abbreviated (the checklist's rule reads them the same way)."""
        if not isinstance(commit, str) or not commit.strip():
            return False
        ours, theirs = self.change.lower(), commit.strip().lower()
        return ours.startswith(theirs) or theirs.startswith(ours)


def load_labels(path: str | Path) -> list[Incident]:
    """The incidents of a labels file (`phasegate schema labels`), or every problem found."""
    document = load_document(path)
    validate(document, "labels")
    incidents: list[Incident] = []
    seen: dict[str, str] = {}
    problems = []
    for index, raw in enumerate(document.data["incidents"]):
        where = document.location(("incidents", index))
        start, end = instant(raw["start"]), instant(raw["end"])
        if end < start:
            problems.append(InputError(f"incident {raw['id']}: end is before start", where))
        if raw["id"] in seen:
            problems.append(
                InputError(
                    f"duplicate incident id {raw['id']!r} (first at {seen[raw['id']]})", where
                )
            )
        seen.setdefault(raw["id"], str(where))
        incidents.append(Incident(raw["id"], raw["change"], start, end))
    if problems:
        from phasegate.errors import raise_all

        raise_all(problems)
    return incidents


@dataclass
class _Held:
    """A false pause or rollback still going on in one rollout."""

    verdict: Verdict
    since: datetime
    last: datetime


@dataclass
class Score:
    """What one actor (the set, or one rule) caught and cost; filled in as steps go by."""

    id: str
    #: Incident id -> the first time this actor paused or rolled back its change.
    first_action: dict[str, datetime] = field(default_factory=dict)
    false: dict[Verdict, int] = field(
        default_factory=lambda: {Verdict.PAUSE: 0, Verdict.ROLLBACK: 0}
    )
    false_seconds: dict[Verdict, float] = field(
        default_factory=lambda: {Verdict.PAUSE: 0.0, Verdict.ROLLBACK: 0.0}
    )
    #: Rollout -> the false pause or rollback it is in.
    held: dict[Any, _Held] = field(default_factory=dict)
    shadow: bool = False
    #: Shadow rules: snapshots whose verdict this rule would have changed, live.
    disagreements: int = 0

    def add(self, key: Any, at: datetime, verdict: Verdict, windows: Sequence[Incident]) -> None:
        acting = verdict is not Verdict.CONTINUE
        if acting:
            for incident in windows:
                first = self.first_action.get(incident.id)
                if first is None or at < first:
                    self.first_action[incident.id] = at
        held = self.held.get(key)
        if held is not None and (windows or held.verdict is not verdict):
            self._release(key, at)
            held = None
        if acting and not windows:
            if held is None:
                self.held[key] = _Held(verdict, at, at)
                self.false[verdict] += 1
            else:
                held.last = at

    def _release(self, key: Any, at: datetime) -> None:
        held = self.held.pop(key)
        self.false_seconds[held.verdict] += (at - held.since).total_seconds()

    def finish(self) -> None:
        """The recording ended: what is still held counts up to its rollout's last snapshot."""
        for key in list(self.held):
            self._release(key, self.held[key].last)

    def merge(self, other: Score) -> None:
        for incident, at in other.first_action.items():
            if incident not in self.first_action or at < self.first_action[incident]:
                self.first_action[incident] = at
        for verdict in self.false:
            self.false[verdict] += other.false[verdict]
            self.false_seconds[verdict] += other.false_seconds[verdict]
        self.disagreements += other.disagreements


class _Tally:
    """The set's and every rule's scores over some snapshots, and what was read."""

    def __init__(self, policy_set: PolicySet, incidents: Sequence[Incident]) -> None:
        self.incidents = incidents
        self.set = Score(SET_ID)
        self.rules = {rule.id: Score(rule.id, shadow=rule.shadow) for rule in policy_set.rules}
        self.snapshots = 0
        self.rollouts: set[Any] = set()
        self.seen: set[str] = set()

    def add(self, decision: Decision) -> None:
        at = instant(decision.collected_at)
        commit = decision.change.get("commit")
        key = rollout_key_of(decision)
        self.snapshots += 1
        self.rollouts.add(commit)
        windows = []
        for incident in self.incidents:
            if incident.matches(commit):
                self.seen.add(incident.id)
                if at <= incident.end:
                    windows.append(incident)
        live = decision.verdict
        self.set.add(key, at, live, windows)
        for result in decision.results:
            score = self.rules.get(result.id)
            if score is None:
                continue
            effect = result.effect
            score.add(key, at, effect, windows)
            if score.shadow and max(live, effect) is not live:
                score.disagreements += 1

    def finish(self) -> None:
        self.set.finish()
        for score in self.rules.values():
            score.finish()

    def merge(self, other: _Tally) -> None:
        self.set.merge(other.set)
        for rule_id, score in other.rules.items():
            self.rules[rule_id].merge(score)
        self.snapshots += other.snapshots
        self.rollouts |= other.rollouts
        self.seen |= other.seen


def rollout_key_of(decision: Decision) -> tuple[Any, int]:
    """The rollout a decision belongs to, as `rollout_key` names a snapshot's."""
    return (decision.change.get("commit"), decision.phase)


class _RecordingTally:
    """One recording's part (a `RecordingOutput`), added to the whole once it is complete:
    a recording read again in order starts from nothing."""

    def __init__(self, whole: _Tally, policy_set: PolicySet) -> None:
        self.whole = whole
        self.policy_set = policy_set
        self.tally = _Tally(policy_set, whole.incidents)

    def add(self, step: Step) -> None:
        self.tally.add(step.decision)

    def finish(self) -> None:
        self.tally.finish()
        self.whole.merge(self.tally)

    def discard(self) -> None:
        self.tally = _Tally(self.policy_set, self.whole.incidents)


def backtest(
    paths: Iterable[Path], policy_set: PolicySet, incidents: Sequence[Incident], window: int
) -> tuple[dict[str, Any], list[Replay]]:
    """Replay `paths` with `policy_set` and judge every decision against `incidents`.

    Returns the result (as `result()` describes it) and the replays (for skipped lines).
    """
    whole = _Tally(policy_set, incidents)
    replayed = replay_recordings(
        paths, policy_set, window, lambda _: _RecordingTally(whole, policy_set)
    )
    return result(whole), replayed


def _lead(incident: Incident, first: datetime | None) -> int | None:
    if first is None:
        return None
    return int((incident.start - first).total_seconds())


def _median_low(values: list[int]) -> int | None:
    """The median lead time (the lower middle one of an even count): one early catch of
    a rare incident must not make a rule look better than its usual lead."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def _score(score: Score, incidents: Sequence[Incident], seen: set[str]) -> dict[str, Any]:
    rows = []
    for incident in incidents:
        if incident.id not in seen:
            continue
        first = score.first_action.get(incident.id)
        rows.append(
            {
                "id": incident.id,
                "caught": first is not None,
                "lead_time_s": _lead(incident, first),
            }
        )
    leads = [row["lead_time_s"] for row in rows if row["caught"]]
    found: dict[str, Any] = {
        "id": score.id,
        "caught": len(leads),
        "missed": len(rows) - len(leads),
        "lead_time_s": _median_low(leads),
        "false_pauses": score.false[Verdict.PAUSE],
        "false_pause_minutes": _minutes(score.false_seconds[Verdict.PAUSE]),
        "false_rollbacks": score.false[Verdict.ROLLBACK],
        "false_rollback_minutes": _minutes(score.false_seconds[Verdict.ROLLBACK]),
        "incidents": rows,
    }
    if score.shadow:
        found["mode"] = "shadow"
        found["disagreements"] = score.disagreements
    return found


def _minutes(seconds: float) -> float:
    """Minutes to a tenth: finer than the samples are apart, and exact in JSON."""
    return round(seconds / 60, 1)


def result(state: _Tally) -> dict[str, Any]:
    """The backtest as plain data: `set` and `rules` (each: `id`, `caught`, `missed`,
    `lead_time_s` (median over caught incidents), `false_pauses`, `false_rollbacks`, minutes
    held, and per incident `caught` and `lead_time_s`), and what was read."""
    return {
        "snapshots": state.snapshots,
        "rollouts": len(state.rollouts),
        "incidents": len(state.incidents),
        "unrecorded": [i.id for i in state.incidents if i.id not in state.seen],
        "set": _score(state.set, state.incidents, state.seen),
        "rules": [_score(score, state.incidents, state.seen) for score in state.rules.values()],
    }


def backtest_recordings(
    recordings: Iterable[Recording],
    policy_set: PolicySet,
    incidents: Sequence[Incident],
    window: int,
) -> dict[str, Any]:
    """`backtest` over recordings already read whole (diff's corpus)."""
    whole = _Tally(policy_set, incidents)
    for recording in recordings:
        tally = _Tally(policy_set, incidents)
        for decision in replay(recording, policy_set, window).decisions:
            tally.add(decision)
        tally.finish()
        whole.merge(tally)
    return result(whole)


#: What a comparison shows of each score: the figures that can move.
_FIGURES = (
    "caught",
    "missed",
    "lead_time_s",
    "false_pauses",
    "false_pause_minutes",
    "false_rollbacks",
    "false_rollback_minutes",
)


def compare(base: dict[str, Any], head: dict[str, Any]) -> dict[str, Any]:
    """Two backtests of the same recordings and labels (base and head policies): the set's
    figures side by side, each incident's lead time under both, and the rules whose
    figures differ (a rule only one side has is `null` on the other)."""

    def figures(score: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if score is None else {name: score[name] for name in _FIGURES}

    def leads(score: dict[str, Any]) -> dict[str, int | None]:
        return {row["id"]: row["lead_time_s"] for row in score["incidents"]}

    before, after = leads(base["set"]), leads(head["set"])
    old = {score["id"]: score for score in base["rules"]}
    new = {score["id"]: score for score in head["rules"]}
    rules = []
    for rule_id in sorted(old.keys() | new.keys()):
        left, right = figures(old.get(rule_id)), figures(new.get(rule_id))
        if left != right:
            rules.append({"id": rule_id, "base": left, "head": right})
    return {
        "snapshots": head["snapshots"],
        "rollouts": head["rollouts"],
        "base": figures(base["set"]),
        "head": figures(head["set"]),
        "incidents": [
            {"id": incident, "base_lead_time_s": before[incident], "head_lead_time_s": lead}
            for incident, lead in after.items()
        ],
        "rules": rules,
    }
