"""Why the verdict came out as it did: per rule, the facts it read and its evaluation tree.

A reviewer asking "why did this pause?" needs more than the fired rule's message: the value
of every fact the condition read, which sub-expressions were true or false, and which of
them decided. The decision is the same `evaluate` result the gate acts on; the trees come
from `trace`, which evaluates with the same interpreter, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from phasegate import cel
from phasegate.core.evaluate import (
    DEFAULT_HISTORY_WINDOW,
    Decision,
    RuleResult,
    RuleStatus,
    Snapshot,
    evaluate,
    previous_snapshots,
)
from phasegate.core.facts import Facts, unknown_reason
from phasegate.core.policy import PolicySet, Rule
from phasegate.core.verdict import Verdict
from phasegate.review.trace import Node, Outcome, trace

#: What a read shows when the path is absent from the facts.
MISSING = "(missing)"


@dataclass(frozen=True)
class Read:
    """One value a condition read: `facts.metrics.error_rate = 0.05`."""

    path: str
    value: Any
    present: bool
    #: For an absent fact, why the collector or merge could not give it (when it said).
    reason: str | None = None


@dataclass(frozen=True)
class RuleExplanation:
    rule: Rule
    result: RuleResult
    #: Empty for a skipped rule, which was not evaluated.
    reads: tuple[Read, ...]
    tree: Node | None
    why: str


@dataclass(frozen=True)
class Explanation:
    decision: Decision
    rules: tuple[RuleExplanation, ...]
    why: str


def explain(
    facts: Facts,
    policy_set: PolicySet,
    history: Sequence[Facts] = (),
    window: int = DEFAULT_HISTORY_WINDOW,
    rule_ids: Sequence[str] = (),
) -> Explanation:
    """Decide `facts` and explain every rule (or only `rule_ids`)."""
    decision = evaluate(facts, policy_set, history, window)
    earlier = previous_snapshots(facts, history)[-window:] if policy_set.reads_history else []
    snapshot = Snapshot(facts, [past.data for past in earlier])
    results = {result.id: result for result in decision.results}
    explained = []
    for policy in policy_set.policies:
        for rule in policy.rules:
            if rule_ids and rule.id not in rule_ids:
                continue
            result = results[rule.id]
            if result.status is RuleStatus.SKIPPED:
                why = f"skipped: the rule applies to phases {sorted(rule.phases)}"
                explained.append(RuleExplanation(rule, result, (), None, why))
                continue
            bindings = snapshot.bindings(policy)
            reads = tuple(_reads(rule, bindings.data))
            why = _rule_why(result)
            try:
                tree: Node | None = trace(rule.when, bindings)
            except (RecursionError, cel.CelError):
                tree = None
            if tree is None or tree.outcome not in _OUTCOMES[result.status]:
                # The engine nests deeper than the syntax-tree parser: the decision stands,
                # the tree cannot show it.
                why += "; the condition is nested too deeply to show its evaluation"
                tree = None
            explained.append(RuleExplanation(rule, result, reads, tree, why))
    return Explanation(decision, tuple(explained), _decision_why(decision))


#: The root outcomes that agree with each status of an evaluated rule.
_OUTCOMES = {
    RuleStatus.FIRED: {Outcome.TRUE},
    RuleStatus.PENDING: {Outcome.TRUE},
    RuleStatus.PASSED: {Outcome.FALSE},
    RuleStatus.ERROR: {Outcome.ERROR, Outcome.VALUE},
}


def _reads(rule: Rule, plain: Mapping[str, Any]) -> list[Read]:
    """Each path the condition reads, once, in the order it is written. `history` is left
    out: a list of whole earlier snapshots says little in a list of values."""
    seen: dict[str, Read] = {}
    for read in rule.when.reads:
        if read.path[0] == "history" or read.dotted in seen:
            continue
        value = cel.lookup(plain, read.path)
        present = value is not cel.MISSING
        shown = cel.jsonable(value) if present else None
        reason = None
        if not present and read.path[0] == "facts":
            reason = unknown_reason(plain.get("facts", {}), read.dotted)
        seen[read.dotted] = Read(read.dotted, shown, present, reason)
    return list(seen.values())


def _rule_why(result: RuleResult) -> str:
    why = _status_why(result)
    if result.shadow:
        why += f" (shadow: it would {result.effect.label}, but never decides)"
    return why


def _status_why(result: RuleResult) -> str:
    """Why the rule has its status, with the state of its window or hysteresis."""
    effect = result.contribution.label
    if result.kept is not None and result.kept[0] < result.kept[1]:
        left, keep_for = result.kept
        return (
            f"the condition held within the last {keep_for} snapshots (keep_for), so the rule "
            f"still fires: {effect}; {left} more left"
        )
    if result.window is not None:
        matched, count, of = result.window
        state = f"matched in {matched} of the last {of} snapshots (within: {count} of {of})"
        if result.status is RuleStatus.FIRED:
            return f"{state}, so the rule fires: {effect}"
        if result.status is RuleStatus.PENDING:
            return f"the condition is true, {state}: {effect} until {count} of them match"
        if result.status is RuleStatus.PASSED:
            return f"the condition is false, {state}: the rule contributes nothing"
    if result.status is RuleStatus.FIRED:
        return f"the condition is true, so the rule fires: {effect}"
    if result.status is RuleStatus.PASSED:
        return "the condition is false: the rule contributes nothing"
    if result.status is RuleStatus.PENDING:
        return (
            f"the condition is true, held {result.streak} of {result.hold} snapshots: "
            f"{effect} until it has held {result.hold}"
        )
    return f"the condition cannot be evaluated ({result.error}): on_error {effect}"


def _decision_why(decision: Decision) -> str:
    deciding = [r.id for r in decision.results if r.contribution is decision.verdict]
    if decision.verdict is Verdict.CONTINUE:
        return "continue: no rule fired, was pending or failed"
    return f"{decision.verdict.label}: the most severe contribution, from {', '.join(deciding)}"
