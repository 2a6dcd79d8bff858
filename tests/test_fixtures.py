"""The shipped policies against the fixtures and an independently written corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import FIXTURES, POLICIES, ROOT, call_cli, run_cli
from phasegate.core.evaluate import RuleStatus, evaluate
from phasegate.core.facts import load_facts
from phasegate.core.policy import load_policy_set

# One fixture per row of the rule table, plus a healthy document per phase.
FIXTURE_EXPECTATIONS = {
    "phase0-healthy": ("continue", []),
    "phase1-healthy": ("continue", []),
    "phase2-healthy": ("continue", []),
    "phase0-checklist.checks-passed": ("rollback", ["checklist.checks-passed"]),
    "phase1-checklist.version-matches": ("rollback", ["checklist.version-matches"]),
    "phase0-checklist.owners-assigned": ("pause", ["checklist.owners-assigned"]),
    "phase0-checklist.rollback-target": ("pause", ["checklist.rollback-target"]),
    "phase1-checklist.rollback-target-known": ("pause", ["checklist.rollback-target-known"]),
    "phase2-trigger.contract-break": ("rollback", ["trigger.contract-break"]),
    "phase1-trigger.data-corruption": ("rollback", ["trigger.data-corruption"]),
    "phase1-trigger.lock-contention-spike": ("rollback", ["trigger.lock-contention-spike"]),
    "phase2-trigger.agent-failure-cascade": ("rollback", ["trigger.agent-failure-cascade"]),
    "phase1-health.error-rate-regression": (
        "rollback",
        ["health.error-rate-elevated", "health.error-rate-regression"],
    ),
    "phase1-health.error-rate-elevated": ("pause", ["health.error-rate-elevated"]),
    "phase1-health.new-failures": ("pause", ["health.new-failures"]),
    "phase2-health.incident-open": ("rollback", ["health.incident-open"]),
    "phase2-health.throughput-low": ("pause", ["health.throughput-low"]),
    "phase2-health.completion-low": ("pause", ["health.completion-low"]),
    "phase1-window.phase1-stable": ("pause", ["window.phase1-stable"]),
    "phase2-window.phase2-monitoring": ("pause", ["window.phase2-monitoring"]),
    "phase0-freeze.active": ("pause", ["freeze.active"]),
    "phase0-checklist.checks-on-release-commit": (
        "pause",
        ["checklist.checks-on-release-commit"],
    ),
    "phase1-rollout.phase-progression": ("pause", ["rollout.phase-progression"]),
    "phase1-rollout.rolled-back": ("pause", ["rollout.rolled-back"]),
    "phase1-rollout.rollback-unfinished": ("rollback", ["rollout.rollback-unfinished"]),
    "phase1-rollout.phase0-environments": ("pause", ["rollout.phase0-environments"]),
    "phase2-rollout.phase2-sampling": ("pause", ["rollout.phase2-sampling"]),
    "phase2-rollout.closed": ("pause", ["rollout.closed"]),
    # Shadow rules: they fire, and the verdict is the live rules' alone.
    "phase1-health.error-rate-significant": ("continue", ["health.error-rate-significant"]),
    "phase1-health.error-rate-undecided": (
        "pause",
        ["health.error-rate-elevated", "health.error-rate-undecided"],
    ),
}


def test_every_fixture_has_an_expectation_and_every_rule_a_fixture():
    assert {path.stem for path in FIXTURES.glob("*.yaml")} == set(FIXTURE_EXPECTATIONS)
    fired = {rule for _, rules in FIXTURE_EXPECTATIONS.values() for rule in rules}
    assert fired == {rule.id for rule in load_policy_set(POLICIES).rules}


@pytest.mark.parametrize("name", sorted(FIXTURE_EXPECTATIONS))
def test_fixture_verdicts(name):
    verdict, fired = FIXTURE_EXPECTATIONS[name]
    decision = evaluate(load_facts(FIXTURES / f"{name}.yaml"), load_policy_set(POLICIES))
    assert decision.verdict.label == verdict
    assert sorted(r.id for r in decision.with_status(RuleStatus.FIRED)) == fired
    assert decision.with_status(RuleStatus.ERROR) == ()


ACCEPTANCE = ROOT / "tests" / "acceptance"
EXPECTED = YAML(typ="safe").load(ACCEPTANCE / "expected.yaml")
#: The first document of each exit code goes through a real process; the rest in process.
THROUGH_A_PROCESS = {
    next(name for name in sorted(EXPECTED) if EXPECTED[name]["exit_code"] == code)
    for code in {expected["exit_code"] for expected in EXPECTED.values()}
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_independent_corpus_end_to_end(name):
    """Documents written from the contract alone, run through the CLI (one of each exit code
    in a real process)."""
    expected = EXPECTED[name]
    run = run_cli if name in THROUGH_A_PROCESS else call_cli
    result = run(
        "evaluate",
        str(ACCEPTANCE / "facts" / name),
        "--format",
        "json",
        "--policies",
        str(POLICIES),
    )
    assert result.returncode == expected["exit_code"], result.stderr
    decision = json.loads(result.stdout)
    assert decision["verdict"] == expected["verdict"]
    statuses = {rule["id"]: rule["status"] for rule in decision["rules"]}
    assert sorted(i for i, s in statuses.items() if s == "fired") == sorted(expected["fired"])
    assert sorted(i for i, s in statuses.items() if s == "error") == sorted(
        expected.get("errored", [])
    )


def test_corpus_is_not_empty():
    assert len(EXPECTED) >= 25
    assert all(Path(ACCEPTANCE / "facts" / name).is_file() for name in EXPECTED)
