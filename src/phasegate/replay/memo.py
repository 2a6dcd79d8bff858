"""Replay's memo: rule results shared between the snapshots of a recording.

Replay reports statuses, never messages, so a rule's result depends only on what the rule
can see; consecutive snapshots repeat most of it, and evaluating every rule of every
snapshot costs most of a replay. Kept out of the core: `evaluate` never uses it.
"""

from __future__ import annotations

import marshal
from collections.abc import Mapping
from operator import itemgetter
from typing import Any

from phasegate import cel
from phasegate.core.evaluate import (
    DEFAULT_HISTORY_WINDOW,
    Rollout,
    RuleResult,
    RuleStatus,
    Snapshot,
    _evaluate_rule,
    _with_streak,
    plain_result,
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
        self.shared_final = memo.final_result


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
        #: in, None for the others) and the `_Plan` of each of the others.
        self.phases: dict[int, tuple[list[Any], list[_Plan]]] = {}
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
        #: Per phase, the field numbers and results (before streaks) of its last snapshot:
        #: equal numbers are equal values, so a rule over unchanged fields decides alike.
        self.last: dict[int, tuple[Mapping[str, int], tuple[Any, ...]]] = {}
        #: (phase, the fields that changed) -> the rules to decide again (see `redo`).
        self.redos: dict[tuple[int, tuple[str, ...]], list[_Plan]] = {}
        #: Per final rule, the fields its shared result is keyed by (None: not shared).
        self.final_fields = {
            id(rule): None if memo_paths(rule.when) is None else _sorted(self.fields[id(rule)])
            for rule in policy_set.rules
            if rule.final
        }
        #: Per rule looked up here: [lookups, hits] since it was last judged (`judge`).
        self.tally: dict[int, list[int]] = {}
        #: Rules whose results seldom repeat (a metric that drifts in every snapshot),
        #: evaluated without keys: rule -> evaluations left before lookups are tried again.
        self.direct: dict[int, int] = {}
        #: The rules left to evaluate in a snapshot (their ids) -> what they are given to
        #: see (see `views`).
        self.view: dict[tuple[int, ...], tuple[tuple[str, ...] | None, list[Any]]] = {}

    def phase(self, phase: int) -> tuple[list[Any], list[_Plan]]:
        found = self.phases.get(phase)
        if found is None:
            start: list[Any] = []
            applicable = []
            for policy in self.policies:
                for rule, fields, paths, skipped in self.plans[id(policy)]:
                    if phase in rule.phases:
                        plan = _Plan(len(start), rule, policy, fields, paths)
                        plan.sees = self.fields[id(rule)]
                        plan.params = self.params[id(policy)]
                        if _reads_own_params(rule.when, plan.params):
                            plan.param_keys = frozenset(
                                read.path[1] for read in rule.when.params_read()
                            )
                        applicable.append(plan)
                        start.append(None)
                    else:
                        start.append(skipped)
            found = self.phases[phase] = (start, applicable)
        return found

    def views(self, plans: list[_Plan]) -> tuple[tuple[str, ...] | None, list[Any]]:
        """What the rules of `plans`, evaluated together, are given to see: the top-level
        facts fields they read (None: all of them), and per plan its params map restricted
        to the keys read by the rules sharing that map.

        The engine converts a variable's whole value when a rule first reads it, and the
        shared params map has about twenty entries while a snapshot's rules read a few: a
        rule that reads params only as `params.<key>` sees the same values in a map of the
        keys read (as `_decide_memo` says of facts fields)."""
        key = tuple(plan.key for plan in plans)
        found = self.view.get(key)
        if found is None:
            sees = [plan.sees for plan in plans]
            union = None if None in sees else tuple(sorted(frozenset().union(*sees)))  # type: ignore[arg-type]
            wanted: dict[int, list[frozenset[str] | None]] = {}
            for plan in plans:
                wanted.setdefault(id(plan.params), []).append(plan.param_keys)
            maps = {}
            for plan in plans:
                keys = wanted[id(plan.params)]
                if id(plan.params) not in maps:
                    maps[id(plan.params)] = (
                        plan.params
                        if None in keys
                        else {k: v for k, v in plan.params.items() if any(k in ks for ks in keys)}
                    )
            if len(self.view) >= self.MAX_ENTRIES:
                self.view.clear()
            found = self.view[key] = (union, [maps[id(plan.params)] for plan in plans])
        return found

    def redo(self, phase: int, changed: tuple[str, ...]) -> list[_Plan]:
        """The applicable rules that may decide otherwise when `changed` fields differ from
        the last snapshot of the phase: those reading one of them, or not known to read
        named fields only (all of the facts, `now`, `history`). `changed` is a tuple (in
        the documents' order, cheaper to hash than a set made per snapshot)."""
        key = (phase, changed)
        found = self.redos.get(key)
        if found is None:
            if len(self.redos) >= self.MAX_ENTRIES:
                self.redos.clear()
            fields = set(changed)
            found = self.redos[key] = [
                plan
                for plan in self.phase(phase)[1]
                if plan.fields is None or not fields.isdisjoint(plan.fields)
            ]
        return found

    def final_result(self, rule: Rule, policy: Policy, snapshot: Snapshot) -> RuleResult:
        """A final rule's result (decided before the others, every snapshot), shared as
        `_decide_memo` shares results: keyed by the numbers of the whole fields it reads,
        and evaluated over those fields alone, since converting the whole facts map costs
        the engine more than the rule."""
        fields = self.final_fields[id(rule)]
        if fields is None:
            return _evaluate_rule(rule, snapshot, snapshot.bindings(policy), False)
        parts = snapshot.facts.parts or {}
        key = ("final", id(rule), snapshot.facts.phase, *(parts.get(f) for f in fields))
        found = self.results.get(key)
        if found is not None:
            return found[0]
        visible = _visible_facts(snapshot.facts.data, fields)
        result = _evaluate_rule(rule, snapshot, snapshot.bindings(policy, None, visible), False)
        self.remember(key, (result, result.contribution))
        return result

    #: Lookups after which a rule is judged, the hits (per lookup) below which it is
    #: evaluated directly, and for how many evaluations before it is tried again.
    JUDGED_AFTER, WORTH, DIRECT_FOR = 64, 0.5, 4096

    def judge(self, key: int, hit: bool) -> None:
        """Count a lookup of a rule (its id); once enough are counted, evaluate it directly for a
        while if they seldom hit. Building a key costs about what evaluating the rule
        does, so a rule over a drifting metric is cheaper without. Only the cost depends
        on this: a result is the same from the memo as from the engine."""
        tally = self.tally.get(key)
        if tally is None:
            tally = self.tally[key] = [0, 0]
        tally[0] += 1
        tally[1] += hit
        if tally[0] >= self.JUDGED_AFTER:
            if tally[1] < tally[0] * self.WORTH:
                self.direct[key] = self.DIRECT_FOR
            del self.tally[key]

    def remember(self, key: tuple[Any, ...], entry: tuple[RuleResult, Verdict]) -> None:
        if len(self.results) >= self.MAX_ENTRIES:
            self.results.clear()
        self.results[key] = entry


def _plan(rule: Rule) -> tuple[Any, ...]:
    paths = memo_paths(rule.when)
    fields = None if paths is None else tuple(sorted({path[0] for path in paths}))
    return rule, fields, paths, (plain_result(rule, RuleStatus.SKIPPED), Verdict.CONTINUE)


class _Plan:
    """One rule applicable in a phase, with what `_decide_memo` reads of it at hand."""

    __slots__ = (
        "fields",
        "key",
        "param_keys",
        "params",
        "paths",
        "place",
        "policy",
        "rule",
        "sees",
    )

    def __init__(
        self,
        place: int,
        rule: Rule,
        policy: Policy,
        fields: tuple[str, ...] | None,
        paths: tuple[tuple[str, ...], ...] | None,
    ) -> None:
        #: Where its result goes in the decision's results.
        self.place, self.rule, self.policy, self.key = place, rule, policy, id(rule)
        #: The top-level fields and the paths its memo key reads (None: not keyed).
        self.fields, self.paths = fields, paths
        #: The top-level fields it can see (None: all), its params map, and the keys it
        #: reads of that map (None: it may read all of it).
        self.sees: frozenset[str] | None = None
        self.params: Any = None
        self.param_keys: frozenset[str] | None = None


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
    keys: dict[tuple[str, ...], Any] = {}
    start, applicable = memo.phase(phase)
    last = memo.last.get(phase)
    if last is None:
        entries = list(start)
    else:  # the rules over unchanged fields: the last snapshot's results, no lookup
        before, entries = last[0], list(last[1])
        # Fields are numbered from 0: -1 tells a field new in this snapshot.
        changed = [key for key, number in parts.items() if before.get(key, -1) != number]
        if parts.keys() != before.keys():  # a field may be gone
            changed += sorted(before.keys() - parts.keys())
        applicable = memo.redo(phase, tuple(changed))
    pending: list[_Plan] = []
    keyed: list[tuple[tuple[Any, ...] | None, tuple[Any, ...] | None]] = []
    direct = memo.direct
    for plan in applicable:
        rule_id, fields = plan.key, plan.fields
        coarse: tuple[Any, ...] | None = None
        key: tuple[Any, ...] | None = None
        entry: tuple[RuleResult, Verdict] | None = None
        left = direct.get(rule_id) if direct else None
        if left is not None:
            if left > 1:
                direct[rule_id] = left - 1
            else:
                del direct[rule_id]
        elif fields is not None:
            # Unchanged fields: one lookup (None for an absent one). A changed field
            # (metrics): the values at the paths read.
            coarse = (rule_id, phase, *map(parts.get, fields))
            entry = get(coarse)
            if entry is None:
                found = []
                for path in plan.paths:  # rules share paths (metrics.error_rate)
                    seen = keys.get(path)
                    if seen is None:
                        seen = keys[path] = _path_key(data, parts, path)
                    found.append(seen)
                if _UNKNOWN not in found:
                    key = (rule_id, phase, "paths", *found)  # never equal to a coarse key
                    entry = get(key)
                    if entry is not None:
                        memo.remember(coarse, entry)
            memo.judge(rule_id, entry is not None)
        if entry is None:
            pending.append(plan)
            keyed.append((coarse, key))
        else:
            entries[plan.place] = entry
    if pending:
        sees, params_maps = memo.views(pending)
        visible = _visible_facts(data, sees)
        shared: dict[int, cel.Bindings] = {}
        for plan, params, memo_keys in zip(pending, params_maps, keyed, strict=True):
            bindings = shared.get(id(params))
            if bindings is None:
                bindings = shared[id(params)] = snapshot.bindings(plan.policy, params, visible)
            result = _evaluate_rule(plan.rule, snapshot, bindings, False)
            entry = entries[plan.place] = (result, result.contribution)
            for memo_key in memo_keys:
                if memo_key is not None:
                    memo.remember(memo_key, entry)
    memo.last[phase] = (parts, tuple(entries))
    for place, rule in memo.holds:  # streaks are read only by `for:`, `within:`, `keep_for:`
        result = _with_streak(entries[place][0], rule, streaks)
        entries[place] = (result, result.contribution)
    results.extend(map(itemgetter(0), entries))
    return max(map(itemgetter(1), entries), default=Verdict.CONTINUE)


def _visible_facts(data: Mapping[str, Any], fields: tuple[str, ...] | None) -> Mapping[str, Any]:
    """The facts map restricted to `fields` (sorted: no hash seed decides its order), or
    all of it."""
    if fields is None:
        return data
    return {key: data[key] for key in fields if key in data}


def _sorted(fields: frozenset[str] | None) -> tuple[str, ...] | None:
    return None if fields is None else tuple(sorted(fields))
