"""Evaluation: every rule's result for one facts document, and the decision they add up to.

Pure: facts and a policy set in, a Decision out. A rule that cannot be evaluated is a
result (`error`) that contributes its `on_error` verdict, never an exception and never
`continue`.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, NamedTuple

from phasegate import __version__, cel
from phasegate.core.expressions import render
from phasegate.core.facts import Facts, unknown_reason, unknown_reasons
from phasegate.core.policy import Policy, PolicySet, Rule
from phasegate.core.verdict import DEFAULT_HISTORY_WINDOW, Verdict, combine
from phasegate.errors import InputError, Location
from phasegate.files.schemas import rfc3339_instant as instant


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
    #: The rule's `pause:` (wait or hold), for `pause_kind`.
    pause: str = "hold"
    #: A `mode: shadow` rule's result: recorded, never part of the verdict.
    shadow: bool = False
    #: For rules with `within: {count: M, of: N}`: (matched in the last N, M, N).
    window: tuple[int, int, int] | None = None
    #: For rules with `keep_for: K`: the snapshots it still stays fired for, and K.
    kept: tuple[int, int] | None = None

    @cached_property  # read for every result of every snapshot a replay decides
    def contribution(self) -> Verdict:
        """What this result adds to the decision: a shadow rule's nothing (see `effect`)."""
        return Verdict.CONTINUE if self.shadow else self.effect

    @property
    def effect(self) -> Verdict:
        """What this result would add were the rule live; a pending rule holds, never
        continues."""
        if self.status is RuleStatus.FIRED:
            return self.verdict
        if self.status is RuleStatus.ERROR:
            return self.on_error
        if self.status is RuleStatus.PENDING:
            return Verdict.PAUSE
        return Verdict.CONTINUE

    @property
    def pause_kind(self) -> str | None:
        """When this result contributes a pause: "wait" (a window not over, a metric
        elevated: `--allow-pause` may pass it) or "hold" (never passed). An error is a
        hold: a fact that could not be read is no reason to go on."""
        if self.contribution is not Verdict.PAUSE:
            return None
        if self.status is RuleStatus.ERROR:
            return "hold"
        if self.status is RuleStatus.PENDING and self.verdict is Verdict.ROLLBACK:
            return "wait"
        return "hold" if self.pause != "wait" else "wait"


class Decision(NamedTuple):
    """The one result model every output format renders. A named tuple, not a frozen
    dataclass: every `evaluate` defines it at start-up, where a dataclass costs about ten
    times as much CPU."""

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

    @property
    def pause_kind(self) -> str | None:
        """For a pause: "hold" when any rule holds, else "wait"; None otherwise."""
        if self.verdict is not Verdict.PAUSE:
            return None
        kinds = {result.pause_kind for result in self.results}
        return "hold" if "hold" in kinds or "wait" not in kinds else "wait"


#: Rollouts (change, phase) a Rollout remembers at once. A recording or decision log
#: interleaves the few rollouts in flight; the least recently seen one is forgotten first,
#: and its next snapshot starts afresh, so memory stays bounded however long the log is.
MAX_ROLLOUTS = 1024


#: Decides a snapshot's rules into `results` (with streaks) and returns the verdict.
SharedRules = Callable[["Snapshot", dict[str, int], list[RuleResult]], Verdict]
#: A final rule's result for a snapshot (replay shares them; see `_decide_final`).
SharedFinal = Callable[["Rule", "Policy", "Snapshot"], RuleResult]


class _RolloutState:
    __slots__ = ("history", "streaks")

    def __init__(self, window: int) -> None:
        self.history: deque[Mapping[str, Any]] = deque(maxlen=window)
        self.streaks: dict[str, int] = {}


class Rollout:
    """Decides snapshots in order, carrying what `for:` and `history` need per rollout.

    "Held for N snapshots" and `history` are about one change in one phase, so each
    (change commit, phase) keeps its own streaks and window: snapshots of two changes that
    interleave in one log are decided exactly as `evaluate --history` decides each alone.
    """

    def __init__(
        self, policy_set: PolicySet, window: int = DEFAULT_HISTORY_WINDOW, messages: bool = True
    ) -> None:
        self.policy_set = policy_set
        self.window = window
        #: Replay reports statuses only; rendering messages would cost more than deciding.
        self.messages = messages
        self.states: OrderedDict[tuple[Any, int], _RolloutState] = OrderedDict()
        #: Phases some live rule of the set judges (checked once each: see `decide`).
        self.judged: set[int] = set()
        self.reads_history = policy_set.reads_history
        #: Replay's memo (`phasegate.replay.memo`) sets this to decide a snapshot's rules
        #: from results shared between snapshots; None evaluates every rule.
        self.shared_rules: SharedRules | None = None
        #: Replay's memo sets this too: a final rule's result shared between snapshots.
        self.shared_final: SharedFinal | None = None
        #: Rules with `final: true` and their policies, decided first.
        self.finals = tuple(
            (rule, policy)
            for policy in policy_set.policies
            for rule in policy.rules
            if rule.final and not rule.shadow
        )

    def state(self, facts: Facts) -> _RolloutState:
        """The streaks and history of the rollout `facts` belongs to (made when first seen)."""
        key = rollout_key(facts)
        found = self.states.get(key)
        if found is None:
            found = self.states[key] = _RolloutState(self.window)
            if len(self.states) > MAX_ROLLOUTS:
                self.states.popitem(last=False)
        else:
            self.states.move_to_end(key)
        return found

    def check_judged(self, phase: int) -> None:
        """UnjudgedPhase unless some live rule of the set judges `phase` (looked up once per
        phase): `diff` asks both of its rollouts before either decides a snapshot."""
        if phase not in self.judged:
            require_rules_for(self.policy_set, phase)
            self.judged.add(phase)

    def decide(self, facts: Facts) -> Decision:
        """UnjudgedPhase for a phase no live rule judges: `evaluate`, `replay`, `test`, `diff`
        and `backtest` all decide here, so none of them says continue where nothing looked."""
        self.check_judged(facts.phase)
        state = self.state(facts)
        history = list(state.history) if self.reads_history else []
        decision = _decide_final(
            facts, self.policy_set, self.finals, self.messages, self.shared_final
        )
        if decision is None:
            decision = _decide(
                facts, self.policy_set, history, state.streaks, self.messages, self.shared_rules
            )
        state.history.append(facts.data)
        return decision


def rollout_key(facts: Facts) -> tuple[Any, int]:
    """Which rollout a snapshot belongs to: its change's commit and its phase."""
    return (facts.data["change"].get("commit"), facts.phase)


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
    earlier = previous_snapshots(facts, history) if policy_set.uses_history else []
    return decide_after(facts, policy_set, earlier, window)


def decide_after(
    facts: Facts,
    policy_set: PolicySet,
    earlier: Sequence[Facts],
    window: int = DEFAULT_HISTORY_WINDOW,
) -> Decision:
    """`evaluate` over the snapshots `previous_snapshots` found, for a caller that keeps
    them too (`test` traces coverage with the same history)."""
    rollout = Rollout(policy_set, window)
    for past in earlier:
        rollout.decide(past)
    return rollout.decide(facts)


class UnjudgedPhase(InputError):
    """A phase no live rule of the set judges: an InputError (same line, exit 3) of its own
    kind, so that `diff` can skip the document and `test` name the case by type, not by
    where the error points."""


def require_rules_for(policy_set: PolicySet, phase: int) -> None:
    """Refuse to decide a phase no live rule of the set applies to: nothing fired there
    because nothing looked, and a gate's `continue` must mean that something did."""
    if not any(phase in rule.phases and not rule.shadow for rule in policy_set.rules):
        raise UnjudgedPhase(
            f"no rule of this policy set applies to phase {phase} (shadow rules do not "
            "decide): nothing would judge it, so there is no verdict",
            Location(policy_set.source),
        )


def previous_snapshots(facts: Facts, history: Sequence[Facts]) -> list[Facts]:
    """The snapshots of the same change and phase collected before `facts`, oldest first."""
    key = rollout_key(facts)
    now = instant(facts.data["collected_at"])
    earlier = [
        past
        for past in history
        if rollout_key(past) == key and instant(past.data["collected_at"]) < now
    ]
    return sorted(earlier, key=lambda past: instant(past.data["collected_at"]))


class Snapshot:
    """The variables of one snapshot: one set of bindings per policy (params differ), each
    handed to the engine once and shared by the policy's rules."""

    def __init__(self, facts: Facts, history: list[Mapping[str, Any]]) -> None:
        self.facts = facts
        self.history = history
        self.now = _timestamp(facts.data["collected_at"], facts.source)

    def bindings(
        self, policy: Policy, params: Any = None, facts: Mapping[str, Any] | None = None
    ) -> cel.Bindings:
        return cel.Bindings(
            {
                "facts": self.facts.data if facts is None else facts,
                "params": policy.params_plain if params is None else params,
                "phase": self.facts.phase,
                "now": self.now,
                "history": self.history,
            }
        )


def _decide_final(
    facts: Facts,
    policy_set: PolicySet,
    finals: tuple[tuple[Rule, Policy], ...],
    messages: bool,
    shared_final: SharedFinal | None = None,
) -> Decision | None:
    """The decision of the `final` rules that fire, alone (every other rule skipped), or
    None when none fires. Decided first: a change whose rollout ended is held, and the
    old version its runners report must fire nothing."""
    phase = facts.phase
    snapshot: Snapshot | None = None  # made once, only when a rule is evaluated
    fired: dict[int, RuleResult] = {}
    for rule, policy in finals:
        if phase in rule.phases:
            snapshot = snapshot or Snapshot(facts, [])
            if shared_final is not None and facts.parts is not None:
                result = shared_final(rule, policy, snapshot)
            else:
                result = _evaluate_rule(rule, snapshot, snapshot.bindings(policy), messages)
            if result.status is RuleStatus.FIRED:
                fired[id(rule)] = result
    if not fired:
        return None
    results = [
        fired.get(id(rule)) or plain_result(rule, RuleStatus.SKIPPED) for rule in policy_set.rules
    ]
    return _decision(facts, policy_set, combine(r.contribution for r in results), results)


def _decide(
    facts: Facts,
    policy_set: PolicySet,
    history: list[Mapping[str, Any]],
    streaks: dict[str, int],
    messages: bool = True,
    shared_rules: SharedRules | None = None,
) -> Decision:
    snapshot = Snapshot(facts, history)
    results: list[RuleResult] = []
    if shared_rules is None or facts.parts is None:
        for policy in policy_set.policies:
            bindings = snapshot.bindings(policy)
            for rule in policy.rules:
                result = _evaluate_rule(rule, snapshot, bindings, messages)
                results.append(_with_streak(result, rule, streaks))
        verdict = combine(result.contribution for result in results)
    else:
        verdict = shared_rules(snapshot, streaks, results)
    return _decision(facts, policy_set, verdict, results)


def _decision(
    facts: Facts, policy_set: PolicySet, verdict: Verdict, results: list[RuleResult]
) -> Decision:
    data = facts.data
    if unknown_reasons(data):
        results = [_with_unknown_reason(result, data) for result in results]
    return Decision(
        verdict=verdict,
        phase=facts.phase,
        change=dict(data["change"]),
        collected_at=data["collected_at"],
        phase_started_at=data.get("phase_started_at"),
        owners=dict(data.get("owners", {})),
        results=tuple(results),
        facts_digest=facts.digest,
        policy_digest=policy_set.digest,
    )


_MISSING = "missing fact: "


def _with_unknown_reason(result: RuleResult, data: Mapping[str, Any]) -> RuleResult:
    """A missing fact's error with the reason the collector or merge stored for it, so every
    report says why the fact is unknown ("no usable contract baseline ...") next to it.
    Added after the rule ran, never memoised: the reason is not among the paths it read."""
    error = result.error
    if result.status is not RuleStatus.ERROR or not error or not error.startswith(_MISSING):
        return result
    reason = unknown_reason(data, error.removeprefix(_MISSING))
    return result if reason is None else replace(result, error=f"{error}; unknown: {reason}")


def _with_streak(result: RuleResult, rule: Rule, streaks: dict[str, int]) -> RuleResult:
    """Count consecutive snapshots where the condition held; fire only after `for` of them.

    An error leaves the counts as they were (Prometheus keeps an alert's state over a failed
    evaluation): the condition is unknown there, not false, and a fact missing every other
    snapshot must not hold a trigger at pending for ever. The error itself holds."""
    held = result.status is RuleStatus.FIRED
    if result.status is RuleStatus.ERROR:
        streak = streaks.get(rule.id, 0)
    else:
        streak = streaks[rule.id] = streaks.get(rule.id, 0) + 1 if held else 0
    if rule.within is not None:
        result = _within(result, rule, held, streaks)
    elif rule.hold > 1:
        if held and streak < rule.hold:
            result = replace(
                result, status=RuleStatus.PENDING, message=None, hold=rule.hold, streak=streak
            )
        else:
            result = replace(result, hold=rule.hold, streak=streak)
    if rule.keep_for > 0:
        result = _keep(result, rule, streaks)
    return result


def _within(result: RuleResult, rule: Rule, matched: bool, streaks: dict[str, int]) -> RuleResult:
    """M of the last N (Argo's failure limit): the last N matches are kept as the low bits
    of an int, newest lowest. Matching but short of M is pending, which holds, as `for:`."""
    count, of = rule.within  # type: ignore[misc]
    key = rule.id + "\0within"
    bits = streaks.get(key, 0)
    if result.status is not RuleStatus.ERROR:  # an error is no snapshot of the window's
        bits = streaks[key] = ((bits << 1) | matched) & ((1 << of) - 1)
    seen = bits.bit_count()
    window = (seen, count, of)
    if seen >= count and result.status is not RuleStatus.ERROR:
        message = result.message
        if result.status is not RuleStatus.FIRED and message is None:
            message = f"{rule.title or rule.id}: matched {seen} of the last {of} snapshots"
        return replace(result, status=RuleStatus.FIRED, message=message, window=window)
    if matched:
        return replace(
            result, status=RuleStatus.PENDING, message=None, hold=count, streak=seen, window=window
        )
    return replace(result, window=window)


def _keep(result: RuleResult, rule: Rule, streaks: dict[str, int]) -> RuleResult:
    """Hysteresis (Prometheus's keep_firing_for): fired stays fired for `keep_for` more
    snapshots after the condition last held, so a flapping metric does not flap the gate.
    An error is reported as such (it counts as on_error) and does not use up the time."""
    key = rule.id + "\0keep"
    left = streaks.get(key, 0)
    if result.status is RuleStatus.FIRED:
        streaks[key] = rule.keep_for
        return replace(result, kept=(rule.keep_for, rule.keep_for))
    if result.status is RuleStatus.ERROR or left <= 0:
        return result
    streaks[key] = left - 1
    message = f"{rule.title or rule.id}: kept firing, {left - 1} of {rule.keep_for} snapshots left"
    return replace(result, status=RuleStatus.FIRED, message=message, kept=(left - 1, rule.keep_for))


def _timestamp(text: str, source: str) -> datetime:
    try:
        return instant(text)
    except (ValueError, TypeError):
        raise InputError(
            f"collected_at: cannot read {text!r} as a timestamp", Location(source)
        ) from None


def _evaluate_rule(
    rule: Rule, snapshot: Snapshot, bindings: cel.Bindings, messages: bool
) -> RuleResult:
    if snapshot.facts.phase not in rule.phases:
        return plain_result(rule, RuleStatus.SKIPPED)
    value = cel.run(rule.when, bindings)
    if isinstance(value, cel.EvalFailure):
        if messages and value.line is None:  # only reports show where; replay counts
            from phasegate.cel.locate import locate

            value = locate(rule.when, bindings, value)
        where = rule.locate_when(value.line, value.col) if value.line else None
        return RuleResult(
            status=RuleStatus.ERROR, error=value.message, error_location=where, **_common(rule)
        )
    if value is not True and value is not False:
        return RuleResult(
            status=RuleStatus.ERROR,
            error=f"type mismatch: when must be a bool, got {cel.type_name(value)}",
            error_location=rule.locate_when(1, 1),
            **_common(rule),
        )
    if not value:
        return plain_result(rule, RuleStatus.PASSED)
    if not messages:
        return plain_result(rule, RuleStatus.FIRED)
    message = rule.title or rule.id if rule.message is None else render(rule.message, bindings)
    return RuleResult(status=RuleStatus.FIRED, message=message, **_common(rule))


#: (id of a rule, status) -> (the rule, its plain result): see `plain_result`. The rule is
#: kept beside its result, so its id cannot be another rule's while the entry lasts.
_PLAIN: dict[tuple[int, RuleStatus], tuple[Rule, RuleResult]] = {}
#: Entries `_PLAIN` holds at most (a replay of the shipped set fills 72); then it starts over.
MAX_PLAIN = 1000


def plain_result(rule: Rule, status: RuleStatus) -> RuleResult:
    """The rule's result with `status` and nothing else (no message, error or streak), made
    once per rule: results are immutable, so the thousands of snapshots of a replay share
    one object per rule and status, and comparing two decisions' results is mostly
    comparing an object with itself."""
    key = (id(rule), status)
    found = _PLAIN.get(key)
    if found is None:
        if len(_PLAIN) >= MAX_PLAIN:
            _PLAIN.clear()
        found = _PLAIN[key] = (rule, RuleResult(status=status, **_common(rule)))
    return found[1]


def _common(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "policy": rule.policy,
        "file": rule.file,
        "line": rule.line,
        "verdict": rule.verdict,
        "on_error": rule.on_error,
        "shadow": rule.shadow,
        "pause": rule.pause,
    }
