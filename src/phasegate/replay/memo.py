"""Replay's memo: rule results shared between the snapshots of a recording.

Replay reports statuses, never messages, so a rule's result depends only on what the rule
can see; consecutive snapshots repeat most of it, and evaluating every rule of every
snapshot costs most of a replay. Kept out of the core: `evaluate` never uses it.
"""

from __future__ import annotations

import marshal
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from phasegate import cel
from phasegate.core.evaluate import (
    DEFAULT_HISTORY_WINDOW,
    Rollout,
    RuleResult,
    RuleStatus,
    Snapshot,
    _common,
    _evaluate_rule,
    _with_streak,
)
from phasegate.core.policy import Policy, PolicySet, Rule
from phasegate.core.verdict import Verdict


class MemoRollout(Rollout):
    """A `Rollout` for replay: no messages, results shared through a `RuleMemo`."""

    def __init__(self, policy_set: PolicySet, window: int = DEFAULT_HISTORY_WINDOW) -> None:
        super().__init__(policy_set, window, messages=False)
        self.memo = RuleMemo(policy_set)
        memo = self.memo
        self.shared_rules = lambda snapshot, streaks, results: _decide_memo(
            snapshot, streaks, memo, results
        )


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
        #: Per rule of the form `facts.<path> < <limit>`, how to decide it without the
        #: engine (see `Threshold`); the limits it computed, by their inputs.
        self.thresholds = {
            id(rule): found
            for policy in policy_set.policies
            for rule in policy.rules
            if (found := Threshold.of(rule, policy)) is not None
        }
        self.limits: dict[tuple[Any, ...], Any] = {}
        #: Per phase, the field numbers and results (before streaks) of its last snapshot:
        #: equal numbers are equal values, so a rule over unchanged fields decides alike.
        self.last: dict[int, tuple[Mapping[str, int], tuple[Any, ...]]] = {}
        #: (phase, the fields that changed) -> the rules to decide again (see `redo`).
        self.redos: dict[tuple[int, frozenset[str]], list[tuple[Any, ...]]] = {}
        #: Per rule of the form `now - timestamp(facts.<path>) < duration(params...)`, the
        #: times it was last seen true and false (see `Window`).
        self.windows = {
            id(rule): found for rule in policy_set.rules if (found := Window.of(rule)) is not None
        }

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

    def redo(self, phase: int, changed: frozenset[str]) -> list[tuple[Any, ...]]:
        """The applicable rules that may decide otherwise when `changed` fields differ from
        the last snapshot of the phase: those reading one of them, or not known to read
        named fields only (all of the facts, `now`, `history`)."""
        key = (phase, changed)
        found = self.redos.get(key)
        if found is None:
            if len(self.redos) >= self.MAX_ENTRIES:
                self.redos.clear()
            found = self.redos[key] = [
                plan
                for plan in self.phase(phase)[1]
                if plan[3] is None or not changed.isdisjoint(plan[3])
            ]
        return found

    def remember(self, key: tuple[Any, ...], entry: tuple[RuleResult, Verdict]) -> None:
        if len(self.results) >= self.MAX_ENTRIES:
            self.results.clear()
        self.results[key] = entry


#: `facts.<path> OP <limit>`, the limit free of anything that binds looser than a relation
#: (another relation, `in`, `&&`, `||`, `?:`) and of string literals, which could hide one.
_COMPARISON = re.compile(
    r"\s*facts((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*(<=|>=|<|>)\s*([^<>=!&|?\"'`]+?)\s*", re.DOTALL
)
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_UNSET = object()


class Threshold:
    """A rule whose whole condition is one fact compared with a limit, decided without the
    engine when the fact and the limit are numbers of one type.

    A snapshot's metrics are new every time, so the path memo never hits for the rules
    that compare them; yet their limits (`facts.baseline.error_rate * params.f + params.m`)
    read only fields that hardly change. The limit is evaluated by the engine once per
    distinct value of the whole fields it reads (their numbers) and the comparison is
    Python's, which orders two floats or two ints exactly as CEL does. Anything else (the
    fact absent, a string, an int against a double, a limit that fails or is NaN) goes to
    the engine, so errors and their messages are the engine's.
    """

    __slots__ = ("compare", "entries", "limit", "limit_fields", "path", "policy", "rule")

    def __init__(
        self, rule: Rule, policy: Policy, path: tuple[str, ...], compare: Any, limit: Any
    ) -> None:
        self.rule, self.policy, self.path, self.compare, self.limit = (
            rule,
            policy,
            path,
            compare,
            limit,
        )
        self.limit_fields = tuple(sorted({read[0] for read in memo_paths(limit) or ()}))
        common = _common(rule)
        passed = RuleResult(status=RuleStatus.PASSED, **common)
        fired = RuleResult(status=RuleStatus.FIRED, **common)
        self.entries = {
            False: (passed, passed.contribution),
            True: (fired, fired.contribution),
        }

    @classmethod
    def of(cls, rule: Rule, policy: Policy) -> Threshold | None:
        found = _COMPARISON.fullmatch(rule.when.text)
        if found is None or re.search(r"\bin\b", found.group(3)):
            return None
        path = tuple(found.group(1).split(".")[1:])
        try:
            limit = cel.compile_expression(found.group(3))
        except cel.CelError:
            return None
        paths = memo_paths(limit)
        if paths is None or any(read[: len(path)] == path for read in paths):
            return None
        return cls(rule, policy, path, _OPERATORS[found.group(2)], limit)

    def decide(self, memo: RuleMemo, snapshot: Snapshot) -> tuple[RuleResult, Verdict] | None:
        """The rule's result, or None when the engine must decide it."""
        data, parts = snapshot.facts.data, snapshot.facts.parts
        value: Any = data
        for part in self.path:
            if type(value) is not dict:
                return None
            value = value.get(part, _UNSET)
        kind = type(value)
        if kind is not float and kind is not int:  # bool is neither
            return None
        # The limit is keyed by the numbers of the whole fields it reads (the baseline),
        # which change far less often than the values compared with it.
        key = (id(self.rule), snapshot.facts.phase, *map(parts.get, self.limit_fields))  # type: ignore[union-attr]
        limit = memo.limits.get(key, _UNSET)
        if limit is _UNSET:
            limit = cel.run(self.limit, snapshot.bindings(self.policy))
            if type(limit) not in (float, int) or limit != limit:  # NaN
                limit = None
            if len(memo.limits) >= memo.MAX_ENTRIES:
                memo.limits.clear()
            memo.limits[key] = limit
        if limit is None or type(limit) is not kind:
            return None
        return self.entries[self.compare(value, limit)]


#: `now - timestamp(facts.<path>) < duration(params.<path>)`: true until a time, then false.
_WINDOW = re.compile(
    r"\s*now\s*-\s*timestamp\(\s*facts((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*\)\s*(<=|<)\s*"
    r"duration\(\s*params(?:\.[A-Za-z_][A-Za-z0-9_]*)+\s*\)\s*",
    re.DOTALL,
)


class Window:
    """A rule that holds while `now` is within a window from a time in the facts, decided
    from what the engine said at other times of the same start.

    For one value of the start (and the params, fixed for a replay), the condition holds
    for every `now` up to some instant and for none after: it is true at any time no later
    than a time it was true at, and false at any time no earlier than a time it was false
    at. Only the engine's own answers are compared, as times (the same `now` values it was
    given), so no time is parsed or rounded here. A recording in time order asks the engine
    until the window is over, then never again for that start; an error is never shared.
    """

    __slots__ = ("entries", "path", "seen")

    MAX_STARTS = 1024

    def __init__(self, rule: Rule, path: tuple[str, ...]) -> None:
        self.path = path
        common = _common(rule)
        passed = RuleResult(status=RuleStatus.PASSED, **common)
        fired = RuleResult(status=RuleStatus.FIRED, **common)
        self.entries = {False: (passed, passed.contribution), True: (fired, fired.contribution)}
        #: (phase, the start's key) -> [latest `now` seen true, earliest `now` seen false].
        self.seen: dict[tuple[Any, ...], list[Any]] = {}

    @classmethod
    def of(cls, rule: Rule) -> Window | None:
        found = _WINDOW.fullmatch(rule.when.text)
        if found is None:
            return None
        return cls(rule, tuple(found.group(1).split(".")[1:]))

    def _key(self, snapshot: Snapshot) -> tuple[Any, ...] | None:
        start = _path_key(snapshot.facts.data, snapshot.facts.parts or {}, self.path)
        # A value's repr, or a top-level field's number; absent (-1, a depth): the engine's
        if not (type(start) is str or (type(start) is int and start >= 0)):
            return None
        return (snapshot.facts.phase, start)

    def decide(self, snapshot: Snapshot) -> tuple[RuleResult, Verdict] | None:
        key = self._key(snapshot)
        found = self.seen.get(key) if key is not None else None
        if found is None:
            return None
        now = snapshot.now
        if found[0] is not None and now <= found[0]:
            return self.entries[True]
        if found[1] is not None and now >= found[1]:
            return self.entries[False]
        return None

    def learn(self, snapshot: Snapshot, result: RuleResult) -> None:
        """Remember the engine's answer at this `now` (a pass or a firing, not an error)."""
        if result.status is not RuleStatus.PASSED and result.status is not RuleStatus.FIRED:
            return
        key = self._key(snapshot)
        if key is None:
            return
        found = self.seen.get(key)
        if found is None:
            if len(self.seen) >= self.MAX_STARTS:
                self.seen.clear()
            found = self.seen[key] = [None, None]
        now = snapshot.now
        if result.status is RuleStatus.FIRED:
            found[0] = now if found[0] is None else max(found[0], now)
        else:
            found[1] = now if found[1] is None else min(found[1], now)


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
    names = expression.model.names
    reads = [read for read in expression.reads if read.path[0] == "params"]
    return len(reads) == names.count("params") and all(
        len(read.path) >= 2 and read.path[1] in own for read in reads
    )


def memo_paths(expression: cel.Expression) -> tuple[tuple[str, ...], ...] | None:
    """The facts paths (without `facts`) `expression` depends on, or None when not known
    or when it also depends on `now` or `history`."""
    names = expression.model.names
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
    names = expression.model.names
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


def _decide_memo(
    snapshot: Snapshot,
    streaks: dict[str, int],
    memo: RuleMemo,
    results: list[RuleResult],
) -> Verdict:
    """The core's `_decide` loop for replay: shared results first, then the rules left evaluated
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
    thresholds = memo.thresholds
    windows = memo.windows
    keys: dict[tuple[str, ...], Any] = {}
    start, applicable = memo.phase(phase)
    last = memo.last.get(phase)
    if last is None:
        entries = list(start)
    else:  # the rules over unchanged fields: the last snapshot's results, no lookup
        before, entries = last[0], list(last[1])
        changed = [key for key, number in parts.items() if before.get(key) != number]
        changed += [key for key in before if key not in parts]
        applicable = memo.redo(phase, frozenset(changed))
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
            if entry is None and (threshold := thresholds.get(id(rule))) is not None:
                entry = threshold.decide(memo, snapshot)
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
        if entry is None and (window := windows.get(id(rule))) is not None:
            entry = window.decide(snapshot)
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
            if (window := windows.get(id(rule))) is not None:
                window.learn(snapshot, result)
            for memo_key in key:
                if memo_key is not None:
                    memo.remember(memo_key, entry)
    memo.last[phase] = (parts, tuple(entries))
    for place, rule in memo.holds:  # streaks are read only by `for:`, `within:`, `keep_for:`
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
