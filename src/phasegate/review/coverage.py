"""Which rules the policy tests exercise, and how: `phasegate test --coverage`.

A rule that no case makes fire could be dead or wrongly written; one that no case makes pass
could fire on every release. So a rule counts as covered when some case made it fire and
some case made it pass. Branch coverage goes one level down: each operand of `&&` and `||`
should be true in some case and false in another, or the tests cannot tell whether that
operand matters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from phasegate.core.evaluate import RuleStatus
from phasegate.core.facts import Facts
from phasegate.core.policy import Policy, PolicySet, Rule
from phasegate.errors import Location

if TYPE_CHECKING:  # testing builds reports that carry coverage; only its type is needed
    from phasegate.review.testing import SuiteResult
    from phasegate.review.trace import Node

#: (line, col, text) of an operand within its rule's condition: stable across cases.
BranchKey = tuple[int, int, str]


@dataclass(frozen=True)
class BranchCoverage:
    """One operand of a `&&` or `||`, and in how many cases it was true, false or an error."""

    key: BranchKey
    location: Location
    true: int = 0
    false: int = 0
    error: int = 0

    @property
    def text(self) -> str:
        return self.key[2]

    @property
    def covered(self) -> bool:
        """Decided both ways: true in some case and false in some case."""
        return self.true > 0 and self.false > 0


@dataclass(frozen=True)
class RuleCoverage:
    """In how many cases a rule fired, passed, errored or did not apply."""

    id: str
    policy: str
    file: str
    line: int
    #: Fired does not count `pending` (a rule with `for:` whose condition held, but not long
    #: enough): a case that never made such a rule fire has not tested that it fires, so a
    #: `for:` rule is covered only by a case with enough `history`.
    fired: int
    passed: int
    errored: int
    skipped: int
    branches: tuple[BranchCoverage, ...] = ()
    pending: int = 0

    @property
    def covered(self) -> bool:
        return self.fired > 0 and self.passed > 0


@dataclass(frozen=True)
class Coverage:
    """The coverage of one policy set by every test file run against it."""

    policies: str
    rules: tuple[RuleCoverage, ...]
    #: Whether branches were traced (a tracer was given); if not, `branches` is empty.
    traced: bool = False

    @property
    def rules_covered(self) -> int:
        return sum(rule.covered for rule in self.rules)

    @property
    def branches(self) -> tuple[BranchCoverage, ...]:
        return tuple(branch for rule in self.rules for branch in rule.branches)

    @property
    def branches_covered(self) -> int:
        return sum(branch.covered for branch in self.branches)


#: Traces one rule's condition on one facts document, with the history its rules saw
#: (`phasegate.review.trace.trace_rule`).
Tracer = Callable[[Rule, Policy, Facts, Sequence[Mapping[str, Any]]], "Node"]


def percent(covered: int, total: int) -> float:
    """Covered share in percent, rounded down to 0.1 so 99.96% never shows as 100.0%.

    Nothing to cover is full coverage.
    """
    if total == 0:
        return 100.0
    return (covered * 1000 // total) / 10


def meets(covered: int, total: int, minimum: float) -> bool:
    """Whether covered/total reaches `minimum` percent, compared exactly (no rounding): the
    minimum as the decimal written (`64.4`, not the double nearest it, which 161/250
    would miss)."""
    return total == 0 or covered * 100 >= Fraction(str(minimum)) * total


def compute_coverage(
    suites: Sequence[SuiteResult], trace: Tracer | None = None
) -> tuple[Coverage, ...]:
    """Coverage per policy set (most runs have one), rules in set order.

    With `trace`, every case in which a rule applied is traced and the
    outcome of each `&&`/`||` operand counted.
    """
    by_set: dict[str, tuple[PolicySet, list[SuiteResult]]] = {}
    for suite in suites:
        by_set.setdefault(suite.policy_set.source, (suite.policy_set, []))[1].append(suite)
    result = []
    for source in sorted(by_set):
        policy_set, runs = by_set[source]
        rules = []
        for policy in policy_set.policies:
            for rule in policy.rules:
                rules.append(_rule_coverage(rule, policy, runs, trace))
        result.append(Coverage(source, tuple(rules), trace is not None))
    return tuple(result)


def _rule_coverage(
    rule: Rule,
    policy: Policy,
    runs: Sequence[SuiteResult],
    trace: Tracer | None,
) -> RuleCoverage:
    counts = dict.fromkeys(RuleStatus, 0)
    branches: dict[BranchKey, dict[str, int]] = {}
    traced_once = False
    for suite in runs:
        for case in suite.cases:
            status = next(r.status for r in case.decision.results if r.id == rule.id)
            counts[status] += 1
            if trace is None:
                continue
            if status is RuleStatus.SKIPPED and traced_once:
                continue  # the rule's operands are known already; outcomes do not count
            traced_once = True
            from phasegate.review.trace import branch_points  # the tree parser: only to trace

            for point in branch_points(trace(rule, policy, case.facts, case.history)):
                key = (point.line, point.col, point.text)
                tally = branches.setdefault(key, {"true": 0, "false": 0, "error": 0})
                if status is not RuleStatus.SKIPPED and point.outcome.value in tally:
                    tally[point.outcome.value] += 1
    return RuleCoverage(
        id=rule.id,
        policy=rule.policy,
        file=rule.file,
        line=rule.line,
        fired=counts[RuleStatus.FIRED],
        pending=counts[RuleStatus.PENDING],
        passed=counts[RuleStatus.PASSED],
        errored=counts[RuleStatus.ERROR],
        skipped=counts[RuleStatus.SKIPPED],
        branches=tuple(
            BranchCoverage(key, rule.locate_when(key[0], key[1]), **tally)
            for key, tally in sorted(branches.items())
        ),
    )
