"""Evaluation: every rule's result for one facts document, and the decision they add up to.

Pure: facts and a policy set in, a Decision out. A rule that cannot be evaluated is a
result (`error`) that contributes its `on_error` verdict, never an exception and never
`continue`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from celpy import celtypes

from phasegate import __version__, cel
from phasegate.errors import InputError, Location
from phasegate.expressions import render
from phasegate.facts import Facts
from phasegate.policy import PolicySet, Rule
from phasegate.verdict import Verdict, combine


class RuleStatus(StrEnum):
    SKIPPED = "skipped"
    PASSED = "passed"
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

    @property
    def contribution(self) -> Verdict:
        """What this result adds to the decision."""
        if self.status is RuleStatus.FIRED:
            return self.verdict
        if self.status is RuleStatus.ERROR:
            return self.on_error
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


def evaluate(facts: Facts, policy_set: PolicySet) -> Decision:
    """Decide for one facts document: the most severe contribution of all applicable rules."""
    data = facts.data
    facts_cel = cel.to_cel(data)
    now = _timestamp(data["collected_at"], facts.source)
    results: list[RuleResult] = []
    for policy in policy_set.policies:
        variables = cel.activation(facts_cel, policy.params_cel, facts.phase, now)
        for rule in policy.rules:
            results.append(_evaluate_rule(rule, facts.phase, variables, data))
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
