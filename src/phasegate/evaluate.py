"""Evaluation: every rule's result for one facts document, and the decision they add up to.

Pure: facts and a policy set in, a Decision out. A rule that cannot be evaluated is a
result (`error`) that contributes its `on_error` verdict, never an exception and never
`continue`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from celpy import celtypes

from phasegate import __version__, cel
from phasegate.errors import InputError, Location
from phasegate.expressions import render
from phasegate.facts import Facts
from phasegate.policy import PolicySet, Rule
from phasegate.recording import instant
from phasegate.verdict import Verdict, combine


class RuleStatus(StrEnum):
    SKIPPED = "skipped"
    PASSED = "passed"
    #: The condition holds, but not yet in `for` consecutive snapshots.
    PENDING = "pending"
    FIRED = "fired"
    ERROR = "error"


@dataclass(frozen=True)
class RuleResult:
    """One rule's outcome; plain fields only, so every report format can read it."""

    id: str
    policy: str
    file: str
    line: int
    status: RuleStatus
    verdict: Verdict
    on_error: Verdict
    message: str | None = None
    error: str | None = None
    error_location: Location | None = None
    #: For rules with `for: N` (N > 1): N, and how many consecutive snapshots held so far.
    hold: int = 1
    streak: int = 0

    @property
    def contribution(self) -> Verdict:
        """What this result adds to the decision; a pending rule holds, never continues."""
        if self.status is RuleStatus.FIRED:
            return self.verdict
        if self.status is RuleStatus.ERROR:
            return self.on_error
        if self.status is RuleStatus.PENDING:
            return Verdict.PAUSE
        return Verdict.CONTINUE


@dataclass(frozen=True)
class Decision:
    """The one result model every output format renders."""

    verdict: Verdict
    phase: int
    change: Mapping[str, Any]
    collected_at: str
    phase_started_at: str | None
    owners: Mapping[str, str]
    results: tuple[RuleResult, ...]
    facts_digest: str
    policy_digest: str
    phasegate_version: str = __version__

    @property
    def health(self) -> str:
        return self.verdict.health

    def with_status(self, *statuses: RuleStatus) -> tuple[RuleResult, ...]:
        return tuple(result for result in self.results if result.status in statuses)

    def counts(self) -> dict[str, int]:
        return {status.value: len(self.with_status(status)) for status in RuleStatus}


#: Previous snapshots `history` holds by default (oldest dropped first).
DEFAULT_HISTORY_WINDOW = 50


class Rollout:
    """Decides the snapshots of one rollout in order, carrying what `for:` and `history` need.

    A snapshot of another change or phase starts afresh: "held for N snapshots" and
    `history` are about this rollout and this phase only.
    """

    def __init__(self, policy_set: PolicySet, window: int = DEFAULT_HISTORY_WINDOW) -> None:
        self.policy_set = policy_set
        self.window = window
        self.key: tuple[Any, int] | None = None
        self.history: deque[Mapping[str, Any]] = deque(maxlen=window)
        self.streaks: dict[str, int] = {}

    def decide(self, facts: Facts) -> Decision:
        key = (facts.data["change"].get("commit"), facts.phase)
        if key != self.key:
            self.key, self.streaks = key, {}
            self.history.clear()
        history = list(self.history) if self.policy_set.reads_history else []
        decision = _decide(facts, self.policy_set, history, self.streaks)
        self.history.append(facts.data)
        return decision


def evaluate(
    facts: Facts,
    policy_set: PolicySet,
    history: Sequence[Facts] = (),
    window: int = DEFAULT_HISTORY_WINDOW,
) -> Decision:
    """Decide for one facts document: the most severe contribution of all applicable rules.

    `history` (earlier snapshots, any order, any rollout) matters only to rules with `for:`
    or that read `history`; the ones of this rollout and phase before `facts` are used.
    """
    rollout = Rollout(policy_set, window)
    if policy_set.uses_history:
        for past in previous_snapshots(facts, history):
            rollout.decide(past)
    return rollout.decide(facts)


def previous_snapshots(facts: Facts, history: Sequence[Facts]) -> list[Facts]:
    """The snapshots of the same change and phase collected before `facts`, oldest first."""
    key = (facts.data["change"].get("commit"), facts.phase)
    now = instant(facts.data["collected_at"])
    earlier = [
        past
        for past in history
        if (past.data["change"].get("commit"), past.phase) == key
        and instant(past.data["collected_at"]) < now
    ]
    return sorted(earlier, key=lambda past: instant(past.data["collected_at"]))


def _decide(
    facts: Facts,
    policy_set: PolicySet,
    history: list[Mapping[str, Any]],
    streaks: dict[str, int],
) -> Decision:
    data = facts.data
    facts_cel = cel.to_cel(data)
    history_cel = cel.to_cel(history)
    now = _timestamp(data["collected_at"], facts.source)
    results: list[RuleResult] = []
    for policy in policy_set.policies:
        variables = cel.activation(facts_cel, policy.params_cel, facts.phase, now)
        variables["history"] = history_cel
        for rule in policy.rules:
            result = _evaluate_rule(rule, facts.phase, variables, data)
            results.append(_with_streak(result, rule, streaks))
    return Decision(
        verdict=combine(result.contribution for result in results),
        phase=facts.phase,
        change=dict(data["change"]),
        collected_at=data["collected_at"],
        phase_started_at=data.get("phase_started_at"),
        owners=dict(data.get("owners", {})),
        results=tuple(results),
        facts_digest=facts.digest,
        policy_digest=policy_set.digest,
    )


def _with_streak(result: RuleResult, rule: Rule, streaks: dict[str, int]) -> RuleResult:
    """Count consecutive snapshots where the condition held; fire only after `for` of them."""
    held = result.status is RuleStatus.FIRED
    streak = streaks[rule.id] = streaks.get(rule.id, 0) + 1 if held else 0
    if rule.hold <= 1:
        return result
    if held and streak < rule.hold:
        return replace(
            result, status=RuleStatus.PENDING, message=None, hold=rule.hold, streak=streak
        )
    return replace(result, hold=rule.hold, streak=streak)


def _timestamp(text: str, source: str) -> Any:
    try:
        return celtypes.TimestampType(text)
    except Exception:
        raise InputError(
            f"collected_at: cannot read {text!r} as a timestamp", Location(source)
        ) from None


def _evaluate_rule(
    rule: Rule, phase: int, variables: Mapping[str, Any], data: Mapping[str, Any]
) -> RuleResult:
    common = {
        "id": rule.id,
        "policy": rule.policy,
        "file": rule.file,
        "line": rule.line,
        "verdict": rule.verdict,
        "on_error": rule.on_error,
    }
    if phase not in rule.phases:
        return RuleResult(status=RuleStatus.SKIPPED, **common)
    value = cel.run(rule.when, variables, {"facts": data})
    if isinstance(value, cel.EvalFailure):
        where = rule.locate_when(value.line, value.col) if value.line else None
        return RuleResult(
            status=RuleStatus.ERROR, error=value.message, error_location=where, **common
        )
    if not isinstance(value, celtypes.BoolType):
        return RuleResult(
            status=RuleStatus.ERROR,
            error=f"type mismatch: when must be a bool, got {cel.type_name(value)}",
            error_location=rule.locate_when(1, 1),
            **common,
        )
    if not value:
        return RuleResult(status=RuleStatus.PASSED, **common)
    message = render(rule.message, variables, {"facts": data}) if rule.message else rule.title
    return RuleResult(status=RuleStatus.FIRED, message=message or rule.id, **common)
