"""Evaluation: every rule's result for one facts document, and the decision they add up to.

Pure: facts and a policy set in, a Decision out. A rule that cannot be evaluated is a
result (`error`) that contributes its `on_error` verdict, never an exception and never
`continue`.
"""

from __future__ import annotations

import marshal
from collections import OrderedDict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from phasegate import __version__, cel
from phasegate.core.expressions import render
from phasegate.core.facts import Facts
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
    #: A `mode: shadow` rule's result: recorded, never part of the verdict.
    shadow: bool = False
    #: For rules with `within: {count: M, of: N}`: (matched in the last N, M, N).
    window: tuple[int, int, int] | None = None
    #: For rules with `keep_for: K`: the snapshots it still stays fired for, and K.
    kept: tuple[int, int] | None = None

    @property
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


#: Rollouts (change, phase) a Rollout remembers at once. A recording or decision log
#: interleaves the few rollouts in flight; the least recently seen one is forgotten first,
#: and its next snapshot starts afresh, so memory stays bounded however long the log is.
MAX_ROLLOUTS = 1024


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
        self.reads_history = policy_set.reads_history
        #: Without messages a rule's result depends only on its inputs, so results are
        #: shared between snapshots whose fields the rule reads are unchanged.
        self.memo: RuleMemo | None = None if messages else RuleMemo(policy_set)

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

    def decide(self, facts: Facts) -> Decision:
        state = self.state(facts)
        history = list(state.history) if self.reads_history else []
        decision = _decide(facts, self.policy_set, history, state.streaks, self.messages, self.memo)
        state.history.append(facts.data)
        return decision


class RuleMemo:
    """Rule results shared between snapshots, for replay (no messages).

    A rule that reads no `now` and no `history`, and reads `facts` only through literal
    paths (`facts.metrics.error_rate`, `facts.checks`), gives the same result for the same
    phase and the same values at those paths: the engine sees nothing else of the facts,
    and a missing fact's message is worked out from the same paths. So the key is the
    phase and, per path, its value (`repr`, which tells `1`, `1.0`, `true` and `-0.0`
    apart) or the depth at which it is absent; a whole top-level field is keyed by the
    number `FactsStream` gives each distinct value. Reading a recording's metrics one by
    one means a rule on `agents_failed` is evaluated again only when that metric changes,
    not whenever any metric drifts. A result is also filed under the numbers of the whole
    top-level fields the rule reads, so a rule over unchanged fields costs one lookup.
    Skipped results are built once per rule: results are immutable, so sharing is safe.
    """

    MAX_ENTRIES = 50_000

    def __init__(self, policy_set: PolicySet) -> None:
        #: Per policy, per rule: (rule, fields read, paths read (both None when not
        #: known), its skipped result and contribution).
        self.plans = {
            id(policy): [_plan(rule) for rule in policy.rules] for policy in policy_set.policies
        }
        self.policies = policy_set.policies
        #: Per phase: every result a snapshot of that phase starts with (skipped ones filled
        #: in, None for the others) and (place, rule, policy, fields, paths) of the others.
        self.phases: dict[int, tuple[list[Any], list[tuple[Any, ...]]]] = {}
        #: (place, rule) of the rules with `for:`, the only ones whose streaks are read.
        self.holds = [(place, rule) for place, rule in enumerate(policy_set.rules) if rule.stateful]
        #: Per rule, the top-level facts fields it can see, or None when it may see all.
        self.fields: dict[int, frozenset[str] | None] = {}
        for rule in policy_set.rules:
            paths = fact_paths(rule.when)
            self.fields[id(rule)] = None if paths is None else frozenset(p[0] for p in paths)
        #: Per policy, the params map its rules are evaluated with (see `shared_params`).
        self.params = shared_params(policy_set)
        #: A result and what it contributes, computed once.
        self.results: dict[tuple[Any, ...], tuple[RuleResult, Verdict]] = {}

    def phase(self, phase: int) -> tuple[list[Any], list[tuple[Any, ...]]]:
        found = self.phases.get(phase)
        if found is None:
            start: list[Any] = []
            applicable = []
            for policy in self.policies:
                for rule, fields, paths, skipped in self.plans[id(policy)]:
                    if phase in rule.phases:
                        applicable.append((len(start), rule, policy, fields, paths))
                        start.append(None)
                    else:
                        start.append(skipped)
            found = self.phases[phase] = (start, applicable)
        return found

    def remember(self, key: tuple[Any, ...], entry: tuple[RuleResult, Verdict]) -> None:
        if len(self.results) >= self.MAX_ENTRIES:
            self.results.clear()
        self.results[key] = entry


def _plan(rule: Rule) -> tuple[Any, ...]:
    paths = memo_paths(rule.when)
    fields = None if paths is None else tuple(sorted({path[0] for path in paths}))
    skipped = RuleResult(status=RuleStatus.SKIPPED, **_common(rule))
    return rule, fields, paths, (skipped, Verdict.CONTINUE)


def shared_params(policy_set: PolicySet) -> dict[int, Any]:
    """Per policy, one params map for every policy that can share it, else its own.

    The engine converts the facts into its own values once per activation, which costs
    more than evaluating a rule, and a snapshot needs one activation per distinct params
    map. A rule that reads params only as `params.<key>` with `<key>` among its policy's
    params sees nothing but those values, so policies whose rules all do, and whose params
    agree on every key they share (same type and bits), can be evaluated over the union
    of their params: one activation per snapshot instead of one per policy.
    """
    merged: dict[str, Any] = {}
    written: dict[str, bytes] = {}
    members, found = [], {}
    for policy in policy_set.policies:
        own = policy.params_plain
        try:
            texts = {key: marshal.dumps(value, 2) for key, value in own.items()}
        except (AttributeError, ValueError):
            texts = None
        if (
            texts is None
            or not all(_reads_own_params(rule.when, own) for rule in policy.rules)
            or any(written.get(key, text) != text for key, text in texts.items())
        ):
            found[id(policy)] = own
            continue
        merged.update(own)
        written.update(texts)
        members.append(policy)
    found.update((id(policy), merged) for policy in members)
    return found


def _reads_own_params(expression: cel.Expression, own: Mapping[str, Any]) -> bool:
    from phasegate.cel import lexer

    names = [token.text for token in lexer.tokens(expression.text) if token.kind == "ident"]
    reads = [read for read in expression.reads if read.path[0] == "params"]
    return len(reads) == names.count("params") and all(
        len(read.path) >= 2 and read.path[1] in own for read in reads
    )


def memo_paths(expression: cel.Expression) -> tuple[tuple[str, ...], ...] | None:
    """The facts paths (without `facts`) `expression` depends on, or None when not known
    or when it also depends on `now` or `history`."""
    from phasegate.cel import lexer

    names = [token.text for token in lexer.tokens(expression.text) if token.kind == "ident"]
    if "now" in names or "history" in names:
        return None
    return fact_paths(expression)


def fact_paths(expression: cel.Expression) -> tuple[tuple[str, ...], ...] | None:
    """The facts paths (without `facts`) `expression` reads, or None when it may read more.

    Conservative: any `facts` token that the scan did not record as a read of a named field
    (`facts[k]`, `.facts`, a shadowing loop variable) makes the answer None. A path stops
    before a method call or a computed index, so what the expression reaches from it lies
    inside the value at the path.
    """
    from phasegate.cel import lexer

    names = [token.text for token in lexer.tokens(expression.text) if token.kind == "ident"]
    reads = [read for read in expression.reads if read.path[0] == "facts"]
    if len(reads) != names.count("facts") or any(len(read.path) < 2 for read in reads):
        return None
    return tuple(sorted({read.path[1:] for read in reads}))


_UNKNOWN = object()


def _path_key(data: Mapping[str, Any], parts: Mapping[str, int], path: tuple[str, ...]) -> Any:
    """What the engine can see at `path`: a field's number, a value's `repr`, the depth
    where it is absent (an int tuple, never equal to a str), or `_UNKNOWN` when a value on
    the way is not a map (then the rule is simply evaluated)."""
    if len(path) == 1:
        return parts.get(path[0], -1)
    value: Any = data
    for depth, part in enumerate(path):
        if type(value) is not dict:
            return _UNKNOWN
        if part not in value:
            return (depth,)
        value = value[part]
    return repr(value)


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
    rollout = Rollout(policy_set, window)
    if policy_set.uses_history:
        for past in previous_snapshots(facts, history):
            rollout.decide(past)
    return rollout.decide(facts)


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


def _decide(
    facts: Facts,
    policy_set: PolicySet,
    history: list[Mapping[str, Any]],
    streaks: dict[str, int],
    messages: bool = True,
    memo: RuleMemo | None = None,
) -> Decision:
    data = facts.data
    snapshot = Snapshot(facts, history)
    results: list[RuleResult] = []
    if memo is None or facts.parts is None:
        for policy in policy_set.policies:
            bindings = snapshot.bindings(policy)
            for rule in policy.rules:
                result = _evaluate_rule(rule, snapshot, bindings, messages)
                results.append(_with_streak(result, rule, streaks))
        verdict = combine(result.contribution for result in results)
    else:
        verdict = _decide_memo(snapshot, policy_set, streaks, memo, results)
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


def _decide_memo(
    snapshot: Snapshot,
    policy_set: PolicySet,
    streaks: dict[str, int],
    memo: RuleMemo,
    results: list[RuleResult],
) -> Verdict:
    """`_decide`'s loop for replay: shared results first, then the rules left evaluated
    over one set of bindings per params map, the verdict gathered as `combine` would.

    The engine converts the whole facts map into its own values before a first rule runs,
    which costs more than the rules of a snapshot whose checklist facts repeat. The rules
    left read a few named fields (metrics, baseline), so they are given a facts map of just
    the fields they read: a rule that reads `facts` only as `facts.<field>...` sees the
    same values, the same absences and the same missing-fact messages in it.
    """
    facts = snapshot.facts
    data, parts, phase = facts.data, facts.parts, facts.phase
    assert parts is not None
    get = memo.results.get
    keys: dict[tuple[str, ...], Any] = {}
    start, applicable = memo.phase(phase)
    entries = list(start)
    pending: list[tuple[int, Rule, Policy, tuple[tuple[Any, ...] | None, ...]]] = []
    for place, rule, policy, fields, paths in applicable:
        coarse: tuple[Any, ...] | None = None
        key: tuple[Any, ...] | None = None
        entry: tuple[RuleResult, Verdict] | None = None
        if fields is not None:
            # Unchanged fields: one lookup (None for an absent one). A changed field
            # (metrics): the values at the paths read.
            coarse = (id(rule), phase, *map(parts.get, fields))
            entry = get(coarse)
            if entry is None:
                found = []
                for path in paths:  # rules share paths (metrics.error_rate)
                    seen = keys.get(path)
                    if seen is None:
                        seen = keys[path] = _path_key(data, parts, path)
                    found.append(seen)
                if _UNKNOWN not in found:
                    key = (id(rule), phase, "paths", *found)  # never equal to a coarse key
                    entry = get(key)
                    if entry is not None:
                        memo.remember(coarse, entry)
        if entry is None:
            pending.append((place, rule, policy, (coarse, key)))
        else:
            entries[place] = entry
    if pending:
        visible = _visible_facts(data, [memo.fields[id(rule)] for _, rule, _, _ in pending])
        shared: dict[int, cel.Bindings] = {}
        for index, rule, policy, key in pending:
            params = memo.params[id(policy)]
            bindings = shared.get(id(params))
            if bindings is None:
                bindings = shared[id(params)] = snapshot.bindings(policy, params, visible)
            result = _evaluate_rule(rule, snapshot, bindings, False)
            entry = entries[index] = (result, result.contribution)
            for memo_key in key:
                if memo_key is not None:
                    memo.remember(memo_key, entry)
    for place, rule in memo.holds:  # streaks are read only by rules with `for:`, `within:`...
        result = _with_streak(entries[place][0], rule, streaks)
        entries[place] = (result, result.contribution)
    results.extend([entry[0] for entry in entries])
    return max([entry[1] for entry in entries], default=Verdict.CONTINUE)


def _visible_facts(
    data: Mapping[str, Any], fields: list[frozenset[str] | None]
) -> Mapping[str, Any]:
    """The facts map restricted to `fields` (in the document's order), or all of it."""
    if any(wanted is None for wanted in fields):
        return data
    union = frozenset().union(*fields)  # type: ignore[arg-type]
    return {key: value for key, value in data.items() if key in union}


def _with_streak(result: RuleResult, rule: Rule, streaks: dict[str, int]) -> RuleResult:
    """Count consecutive snapshots where the condition held; fire only after `for` of them."""
    held = result.status is RuleStatus.FIRED
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
    bits = streaks[key] = ((streaks.get(key, 0) << 1) | matched) & ((1 << of) - 1)
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
    common = _common(rule)
    if snapshot.facts.phase not in rule.phases:
        return RuleResult(status=RuleStatus.SKIPPED, **common)
    value = cel.run(rule.when, bindings)
    if isinstance(value, cel.EvalFailure):
        if messages and value.line is None:  # only reports show where; replay counts
            from phasegate.cel.locate import locate

            value = locate(rule.when, bindings, value)
        where = rule.locate_when(value.line, value.col) if value.line else None
        return RuleResult(
            status=RuleStatus.ERROR, error=value.message, error_location=where, **common
        )
    if value is not True and value is not False:
        return RuleResult(
            status=RuleStatus.ERROR,
            error=f"type mismatch: when must be a bool, got {cel.type_name(value)}",
            error_location=rule.locate_when(1, 1),
            **common,
        )
    if not value:
        return RuleResult(status=RuleStatus.PASSED, **common)
    message = None
    if messages:
        message = rule.title or rule.id if rule.message is None else render(rule.message, bindings)
    return RuleResult(status=RuleStatus.FIRED, message=message, **common)


def _common(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "policy": rule.policy,
        "file": rule.file,
        "line": rule.line,
        "verdict": rule.verdict,
        "on_error": rule.on_error,
        "shadow": rule.shadow,
    }
