"""What a policy change does to real decisions: two policy sets judged over one corpus.

A reviewer reads a policy diff as text; what matters is which decisions it flips. Every
document of the corpus is decided with the base set and with the head set, and only the
documents whose verdict or fired rules differ are reported, with the fact values the rules
in question read, so "this now continues" comes with the numbers that explain it.

Pure: policy sets and a read corpus in, plain data out. Recordings are decided in order, as
replay decides them, so `for:` streaks and `history` mean what they mean in a live run.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from phasegate import cel
from phasegate.core.evaluate import (
    DEFAULT_HISTORY_WINDOW,
    Decision,
    RuleStatus,
    UnjudgedPhase,
    evaluate,
)
from phasegate.core.expressions import Template
from phasegate.core.facts import Facts
from phasegate.core.policy import Policy, PolicySet, Rule
from phasegate.core.recording import Recording
from phasegate.core.verdict import Verdict
from phasegate.errors import ExitCode, InputError, single_line
from phasegate.replay.memo import MemoRollout
from phasegate.review.corpus import Corpus, where_key


@dataclass(frozen=True)
class Outcome:
    """A document's decision under one policy set, reduced to what a diff compares."""

    verdict: Verdict
    fired: tuple[str, ...]
    errored: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()
    #: Each `mode: shadow` rule, and whether it would have changed the verdict, were it live.
    shadow: tuple[tuple[str, bool], ...] = ()
    #: For a pause, "hold" or "wait": a wait passes `--allow-pause`, so hold to wait relaxes.
    pause_kind: str | None = None

    @classmethod
    def of(cls, decision: Decision) -> Outcome:
        def ids(status: RuleStatus) -> tuple[str, ...]:
            # Shadow rules never decide: they are counted apart (`shadow`), not compared.
            found = decision.with_status(status)
            return tuple(sorted(result.id for result in found if not result.shadow))

        verdict = decision.verdict
        shadow = tuple(
            (result.id, max(verdict, result.effect) is not verdict)
            for result in decision.results
            if result.shadow
        )
        return cls(
            verdict,
            ids(RuleStatus.FIRED),
            ids(RuleStatus.ERROR),
            ids(RuleStatus.PENDING),
            shadow,
            decision.pause_kind,
        )

    @property
    def strictness(self) -> tuple[Verdict, bool]:
        """What a diff orders outcomes by: the verdict, then a hold above a wait (a pause
        that `--allow-pause` passes is less strict than one it never does)."""
        return self.verdict, self.pause_kind == "hold"


@dataclass(frozen=True)
class DocumentChange:
    """A document whose verdict or fired rules differ between base and head."""

    document: str
    base: Outcome
    head: Outcome
    #: The values (by dotted path) the rules whose status changed read from this document.
    facts: tuple[tuple[str, Any], ...] = ()
    #: Paths those rules read that the document does not have.
    missing: tuple[str, ...] = ()

    @property
    def started(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.head.fired) - set(self.base.fired)))

    @property
    def stopped(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.base.fired) - set(self.head.fired)))

    @property
    def direction(self) -> str:
        """`relaxed` when the head verdict is less strict, `tightened` when stricter.

        A pause that was a hold and is now a wait is relaxed: `--allow-pause` passes it."""
        if self.head.strictness < self.base.strictness:
            return "relaxed"
        if self.head.strictness > self.base.strictness:
            return "tightened"
        return "same"

    @property
    def verdict_labels(self) -> tuple[str, str]:
        """Base and head verdicts as shown: `pause (hold)` and `pause (wait)` when only the
        kind of pause differs, which is the change."""
        base, head = self.base.verdict.label, self.head.verdict.label
        if base == head and self.base.pause_kind != self.head.pause_kind:
            return f"{base} ({self.base.pause_kind})", f"{head} ({self.head.pause_kind})"
        return base, head


@dataclass(frozen=True)
class FieldChange:
    """One field of a changed rule, or a param it reads, before and after (None: absent)."""

    field: str
    base: Any
    head: Any


@dataclass(frozen=True)
class RuleChanges:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    #: Per changed rule (same order): what changed in it, so "changed" says what.
    fields: tuple[tuple[str, tuple[FieldChange, ...]], ...] = ()
    #: (id, why) of each live rule the head set weakens whatever the facts say.
    relaxed: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PolicyDiff:
    base_source: str
    head_source: str
    #: How many documents were decided with both sets.
    documents: int
    changes: tuple[DocumentChange, ...]
    rules: RuleChanges
    #: (where, why) of corpus entries that were not compared.
    skipped: tuple[tuple[str, str], ...] = ()
    #: What was compared: each corpus path and its document count, and whether it was the
    #: default corpus (which includes the local decision log when there is one).
    corpus: tuple[tuple[str, int], ...] = ()
    default_corpus: bool = False
    #: Per shadow rule the change touches (added, removed, changed, or its count moved):
    #: (id, documents whose verdict it would have changed with base, with head); None on a
    #: side that does not have it.
    shadow: tuple[tuple[str, int | None, int | None], ...] = ()
    #: `--labels`: the corpus's recordings backtested with both sets
    #: (`phasegate.review.backtest.compare`), else None.
    backtest: dict[str, Any] | None = None

    @property
    def relaxed(self) -> tuple[DocumentChange, ...]:
        return tuple(change for change in self.changes if change.direction == "relaxed")

    @property
    def tightened(self) -> tuple[DocumentChange, ...]:
        return tuple(change for change in self.changes if change.direction == "tightened")


def diff(
    base: PolicySet,
    head: PolicySet,
    corpus: Corpus,
    window: int = DEFAULT_HISTORY_WINDOW,
) -> PolicyDiff:
    """Decide every corpus document with both sets; keep those whose outcome differs."""
    base_rules, head_rules = _rules_by_id(base), _rules_by_id(head)
    changes: list[tuple[tuple[str, int], DocumentChange]] = []
    skipped = list(corpus.skipped)
    documents = 0
    shadow: dict[str, list[int | None]] = {}
    for file in corpus.files:
        try:
            pairs = list(
                _decide_both(file.path, file.facts, file.recording, base, head, window, skipped)
            )
        except InputError as error:  # a document no set can decide, e.g. an odd timestamp
            where, why = error.location, error.message
            if isinstance(error, UnjudgedPhase):
                # a phase the set does not judge: the document is what was skipped
                where, why = None, f"{where}: {why}"
            skipped.append((str(where or file.path), why))
            continue
        documents += len(pairs)
        for key, facts, before, after in pairs:
            for side, outcome in enumerate((before, after)):
                for rule_id, changed in outcome.shadow:
                    counts = shadow.setdefault(rule_id, [None, None])
                    counts[side] = (counts[side] or 0) + changed
            if (before.strictness, before.fired) == (after.strictness, after.fired):
                continue
            values, missing = _values_read(facts, before, after, base_rules, head_rules)
            changes.append((key, DocumentChange(facts.source, before, after, values, missing)))
    if not documents:
        raise InputError(_nothing_compared(corpus.looked_at, skipped), None)
    changes.sort(key=lambda item: item[0])
    rules = compare_rules(base, head)
    touched = {*rules.added, *rules.removed, *rules.changed}
    return PolicyDiff(
        base_source=base.source,
        head_source=head.source,
        documents=documents,
        changes=tuple(change for _, change in changes),
        rules=rules,
        skipped=tuple(skipped),
        corpus=corpus.sources,
        default_corpus=corpus.default,
        shadow=tuple(
            (rule_id, before, after)
            for rule_id, (before, after) in sorted(shadow.items())
            if before != after or rule_id in touched
        ),
    )


def _nothing_compared(looked_at: tuple[str, ...], skipped: list[tuple[str, str]]) -> str:
    """Why an empty corpus is an error, and where it looked.

    "0 of 0 documents change" with exit 0 would let `--fail-on relax` pass a relaxing change
    unseen when diff runs in the wrong folder or a corpus path has a typo, so it fails closed.
    """
    where = ", ".join(single_line(path) for path in looked_at) or "no paths"
    message = f"the corpus holds no facts documents, nothing was compared (looked at: {where})"
    if skipped:
        first_where, first_why = sorted(skipped, key=where_key)[0]
        count = f"{len(skipped)} entr{'y' if len(skipped) == 1 else 'ies'} skipped"
        message += f"; {count}, the first {single_line(first_where)}: {single_line(first_why)}"
    return message


def _decide_both(
    path: str,
    facts: Facts | None,
    recording: Recording | None,
    base: PolicySet,
    head: PolicySet,
    window: int,
    skipped: list[tuple[str, str]],
) -> Iterator[tuple[tuple[str, int], Facts, Outcome, Outcome]]:
    """(sort key, facts, base outcome, head outcome) for each document of one corpus file.

    A recording's snapshots in a phase one of the sets does not judge are skipped (listed
    once per phase and set in `skipped`, from the first of them), not the whole recording:
    its other phases are other rollouts (`rollout_key`), with streaks and history of their
    own, so they are decided as they would be without them, and a relaxing change to them
    must not go unseen because the recording also holds a phase the change stops judging."""
    if facts is not None:
        yield (path, 0), facts, Outcome.of(evaluate(facts, base)), Outcome.of(evaluate(facts, head))
        return
    assert recording is not None
    sides = (MemoRollout(base, window), MemoRollout(head, window))
    unjudged: dict[str, list[Any]] = {}  # why -> [where first, how many]
    for snapshot in recording.snapshots:
        try:  # both sides judge the phase before either decides: they stay in step
            for side in sides:
                side.check_judged(snapshot.phase)
        except UnjudgedPhase as error:
            found = unjudged.setdefault(f"{error.location}: {error.message}", [snapshot.source, 0])
            found[1] += 1
            continue
        old, new = (side.decide(snapshot) for side in sides)
        line = snapshot.source[len(path) + 1 :]
        yield (path, int(line) if line.isdigit() else 0), snapshot, Outcome.of(old), Outcome.of(new)
    for why, (where, count) in unjudged.items():
        more = f" ({count} snapshots of this phase skipped)" if count > 1 else ""
        skipped.append((where, why + more))


def _rules_by_id(policy_set: PolicySet) -> dict[str, tuple[Rule, Policy]]:
    return {rule.id: (rule, policy) for policy in policy_set.policies for rule in policy.rules}


def _values_read(
    facts: Facts,
    before: Outcome,
    after: Outcome,
    base_rules: dict[str, tuple[Rule, Policy]],
    head_rules: dict[str, tuple[Rule, Policy]],
) -> tuple[tuple[tuple[str, Any], ...], tuple[str, ...]]:
    """The fact values read by every rule that contributes on one side and not the other."""
    moved = set()
    for status in ("fired", "errored", "pending"):
        moved |= set(getattr(before, status)) ^ set(getattr(after, status))
    paths: set[tuple[str, ...]] = set()
    for rule_id in moved:
        for rules in (base_rules, head_rules):
            if rule_id in rules:
                paths.update(_fact_paths(rules[rule_id][0]))
    # `has(facts.owners) && facts.owners.release` reads both; the longer path says more.
    leaves = [p for p in paths if not any(o[: len(p)] == p and o != p for o in paths)]
    values: list[tuple[str, Any]] = []
    missing: list[str] = []
    for path in sorted(leaves):
        dotted = ".".join(path)
        if path == ("now",):
            values.append((dotted, facts.data["collected_at"]))
            continue
        value = cel.lookup(facts.data, path[1:])
        if value is cel.MISSING:
            missing.append(dotted)
        else:
            values.append((dotted, copy.deepcopy(value)))
    return tuple(values), tuple(missing)


def _fact_paths(rule: Rule) -> set[tuple[str, ...]]:
    return {
        read.path
        for read in rule.when.reads
        if (read.path[0] == "facts" and len(read.path) > 1) or read.path == ("now",)
    }


def compare_rules(base: PolicySet, head: PolicySet) -> RuleChanges:
    """Rules added and removed (by id), and rules whose decision could differ.

    A rule changed when its definition does (condition, verdict, on_error, phases, `for`,
    `within`, `keep_for`, message, title, mode, `pause`, `final`) or a param value it reads
    does. Conditions are compared as parsed CEL,
    so re-indenting a block scalar or re-wrapping a line is not a change.
    """
    old, new = _rules_by_id(base), _rules_by_id(head)
    changed = [
        rule_id
        for rule_id in sorted(old.keys() & new.keys())
        if _definition(old[rule_id][0]) != _definition(new[rule_id][0])
        or _params_differ(old[rule_id], new[rule_id])
    ]
    return RuleChanges(
        added=tuple(sorted(new.keys() - old.keys())),
        removed=tuple(sorted(old.keys() - new.keys())),
        changed=tuple(changed),
        fields=tuple((rule_id, changed_fields(old[rule_id], new[rule_id])) for rule_id in changed),
        relaxed=relaxed_rules(old, new),
    )


def relaxed_rules(
    old: dict[str, tuple[Rule, Policy]], new: dict[str, tuple[Rule, Policy]]
) -> tuple[tuple[str, str], ...]:
    """Live rules the head set weakens whatever the facts say, with why.

    The corpus shows what a change does to the documents it holds; a rule removed (with
    its fixture) or made shadow, a verdict lowered, a phase dropped, a pause made a wait
    that `--allow-pause` passes, or a slower `for:` loosens the gate for documents the
    corpus may not hold, so `--fail-on relax` counts them too.
    """
    found: list[tuple[str, str]] = []
    for rule_id, (rule, _) in sorted(old.items()):
        if rule.shadow or max(rule.verdict, rule.on_error) is Verdict.CONTINUE:
            continue
        if rule_id not in new:
            found.append((rule_id, "removed"))
            continue
        found += [(rule_id, why) for why in _weakened(rule, new[rule_id][0])]
    for rule_id, (rule, _) in sorted(new.items()):
        before = old.get(rule_id)
        if rule.final and not rule.shadow and not (before and before[0].final):
            found.append((rule_id, "made final: when it fires, every other rule is skipped"))
    return tuple(found)


def _weakened(old: Rule, new: Rule) -> list[str]:
    if new.shadow:
        return ["made shadow: it no longer decides"]
    found = []
    for name, before, after in (
        ("verdict", old.verdict, new.verdict),
        ("on_error", old.on_error, new.on_error),
    ):
        if after < before:
            found.append(f"{name} {before.label} -> {after.label}")
    if old.pause == "hold" and new.pause == "wait" and new.verdict is Verdict.PAUSE:
        found.append("pause hold -> wait: --allow-pause passes it")
    if old.phases - new.phases:
        found.append(f"phases {sorted(old.phases - new.phases)} dropped")
    (count, of), (new_count, new_of) = _window(old), _window(new)
    if new_count > count or new_of < of:
        found.append(f"fires after {new_count} of {new_of} snapshots, was {count} of {of}")
    if new.keep_for < old.keep_for:
        found.append(f"keep_for {old.keep_for} -> {new.keep_for}")
    return found


def _window(rule: Rule) -> tuple[int, int]:
    """How many of the last snapshots must match: `for: N` is N of N."""
    return rule.within if rule.within is not None else (rule.hold, rule.hold)


#: A rule's fields as a diff shows them: (name, the value compared, the value shown).
_SHOWN_FIELDS: tuple[tuple[str, Any, Any], ...] = (
    ("when", lambda rule: _parsed(rule.when), lambda rule: rule.when.text.strip()),
    ("verdict", lambda rule: rule.verdict, lambda rule: rule.verdict.label),
    ("on_error", lambda rule: rule.on_error, lambda rule: rule.on_error.label),
    ("phases", lambda rule: sorted(rule.phases), lambda rule: sorted(rule.phases)),
    ("for", lambda rule: rule.hold, lambda rule: rule.hold),
    ("within", lambda rule: rule.within, lambda rule: _within(rule)),
    ("keep_for", lambda rule: rule.keep_for, lambda rule: rule.keep_for),
    ("message", lambda rule: _template(rule.message), lambda rule: _template_text(rule)),
    ("title", lambda rule: rule.title, lambda rule: rule.title),
    ("mode", lambda rule: rule.mode, lambda rule: rule.mode),
    ("pause", lambda rule: rule.pause, lambda rule: rule.pause),
    ("final", lambda rule: rule.final, lambda rule: rule.final),
)


def _within(rule: Rule) -> dict[str, int] | None:
    return None if rule.within is None else {"count": rule.within[0], "of": rule.within[1]}


def _template_text(rule: Rule) -> str | None:
    if rule.message is None:
        return None
    return "".join(
        part if isinstance(part, str) else "{{ " + part.text.strip() + " }}"
        for part in rule.message.parts
    )


def changed_fields(old: tuple[Rule, Policy], new: tuple[Rule, Policy]) -> tuple[FieldChange, ...]:
    """What differs in one rule: its own fields, then each param it reads (`params.x`),
    each shown before -> after, as `_definition` and `_params_differ` compare them."""
    (old_rule, old_policy), (new_rule, new_policy) = old, new
    found = [
        FieldChange(name, show(old_rule), show(new_rule))
        for name, compared, show in _SHOWN_FIELDS
        if compared(old_rule) != compared(new_rule)
    ]
    for path in sorted(_param_paths(old_rule) | _param_paths(new_rule)):
        before = cel.lookup(old_policy.params_plain, path)
        after = cel.lookup(new_policy.params_plain, path)
        missing = before is cel.MISSING or after is cel.MISSING
        if (before is not after and missing) or (not missing and not _same(before, after)):
            found.append(
                FieldChange(
                    "params." + ".".join(path),
                    None if before is cel.MISSING else copy.deepcopy(before),
                    None if after is cel.MISSING else copy.deepcopy(after),
                )
            )
    return tuple(found)


def _definition(rule: Rule) -> tuple[Any, ...]:
    """Every field a diff shows, so a field it compares is never one it cannot show."""
    return tuple(compared(rule) for _, compared, _ in _SHOWN_FIELDS)


def _parsed(expression: cel.Expression) -> Any:
    return expression.structure


def _template(template: Template | None) -> Any:
    if template is None:
        return None
    return tuple(part if isinstance(part, str) else _parsed(part) for part in template.parts)


def _param_paths(rule: Rule) -> set[tuple[str, ...]]:
    expressions = [rule.when]
    if rule.message is not None:
        expressions += [part for part in rule.message.parts if isinstance(part, cel.Expression)]
    return {read.path[1:] for expression in expressions for read in expression.params_read()}


def _params_differ(old: tuple[Rule, Policy], new: tuple[Rule, Policy]) -> bool:
    """Whether a param the rule reads (in either version) has another value; `3` == `3.0`."""
    (old_rule, old_policy), (new_rule, new_policy) = old, new
    for path in sorted(_param_paths(old_rule) | _param_paths(new_rule)):
        before = cel.lookup(old_policy.params_plain, path)
        after = cel.lookup(new_policy.params_plain, path)
        if before is not after and (before is cel.MISSING or after is cel.MISSING):
            return True
        if before is not cel.MISSING and not _same(before, after):
            return True
    return False


def _same(left: Any, right: Any) -> bool:
    """Equal with types: `true` is not `1.0` here, though Python says True == 1.0."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same, left, right))
    return bool(left == right)


def diff_exit_code(policy_diff: PolicyDiff, fail_on: str | None) -> int:
    """0 whether or not decisions change, unless the caller asked to fail on relaxing."""
    if fail_on == "relax" and (policy_diff.relaxed or policy_diff.rules.relaxed):
        return int(ExitCode.CHECK_FAILED)
    return int(ExitCode.CONTINUE)
