"""Evaluation: statuses, the verdict algebra, fail-closed errors and rendered messages."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import POLICIES, healthy
from phasegate.core.evaluate import RuleStatus, evaluate
from phasegate.core.facts import facts_from_data
from phasegate.core.policy import load_policy_set
from phasegate.core.verdict import Verdict, combine, exit_code


def policy_set_of(tmp_path: Path, rules: str, params: str = "{}"):
    directory = tmp_path / "policies"
    directory.mkdir(exist_ok=True)
    (directory / "p.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Policy\nname: p\n"
        f"params: {params}\nrules:\n" + textwrap.indent(textwrap.dedent(rules), "  ")
    )
    return load_policy_set(directory)


def decide(policy_set, **changes):
    return evaluate(facts_from_data(healthy(**changes), "mem"), policy_set)


def by_id(decision):
    return {result.id: result for result in decision.results}


def test_missing_fact_errors_and_pauses(tmp_path: Path):
    policy_set = policy_set_of(
        tmp_path,
        """\
        - id: p.rate
          when: facts.metrics.error_rate > 0.5
          verdict: rollback
        """,
    )
    decision = decide(policy_set, metrics={"throughput": 1})
    result = by_id(decision)["p.rate"]
    assert result.status is RuleStatus.ERROR
    assert result.error == "missing fact: facts.metrics.error_rate"
    assert (result.error_location.line, result.error_location.col) == (7, 11)
    assert decision.verdict is Verdict.PAUSE


def test_on_error_rollback_is_honoured(tmp_path: Path):
    policy_set = policy_set_of(
        tmp_path,
        """\
        - id: p.rate
          when: facts.metrics.error_rate > 0.5
          verdict: pause
          on_error: rollback
        """,
    )
    assert decide(policy_set, metrics={}).verdict is Verdict.ROLLBACK


def test_non_bool_condition_is_an_error_not_truthiness(tmp_path: Path):
    policy_set = policy_set_of(
        tmp_path,
        """\
        - id: p.number
          when: facts.metrics.error_rate
          verdict: rollback
        """,
    )
    result = by_id(decide(policy_set))["p.number"]
    assert result.status is RuleStatus.ERROR
    assert result.error == "type mismatch: when must be a bool, got double"


def test_phase_scoping_and_params_and_now(tmp_path: Path):
    policy_set = policy_set_of(
        tmp_path,
        """\
        - id: p.phase2
          phases: [2]
          when: "true"
          verdict: rollback
        - id: p.params
          when: facts.metrics.agents_total >= params.agents && phase == 1
          verdict: pause
          message: "{{ facts.metrics.agents_total }} agents >= {{ params.agents }}"
        - id: p.now
          when: now == timestamp(facts.collected_at)
          verdict: continue
        """,
        params="{agents: 8}",
    )
    decision = decide(policy_set)
    results = by_id(decision)
    assert results["p.phase2"].status is RuleStatus.SKIPPED
    assert results["p.params"].status is RuleStatus.FIRED
    assert results["p.params"].message == "8 agents >= 8"
    assert results["p.now"].status is RuleStatus.FIRED
    assert decision.verdict is Verdict.PAUSE  # a fired `continue` rule changes nothing


def test_message_placeholder_that_fails_says_why(tmp_path: Path):
    policy_set = policy_set_of(
        tmp_path,
        """\
        - id: p.msg
          when: "true"
          verdict: pause
          message: "value {{ facts.extra.nope }} / {{ 0.1 + 0.2 }} / {{ [1, 'a'] }}"
        """,
    )
    assert by_id(decide(policy_set))["p.msg"].message == (
        'value <missing fact: facts.extra.nope> / 0.3 / [1,"a"]'
    )


def test_rate_written_as_integer_compares_with_doubles():
    policy_set = load_policy_set(POLICIES)
    decision = decide(
        policy_set,
        metrics={**healthy()["metrics"], "error_rate": 1},
        baseline={**healthy()["baseline"], "error_rate": 0},
    )
    fired = {r.id for r in decision.with_status(RuleStatus.FIRED)}
    assert fired == {"health.error-rate-regression", "health.error-rate-elevated"}


def test_owners_absent_fires_rather_than_errors():
    data = healthy()
    del data["owners"]
    decision = evaluate(facts_from_data(data, "mem"), load_policy_set(POLICIES))
    assert by_id(decision)["checklist.owners-assigned"].status is RuleStatus.FIRED
    assert decision.verdict is Verdict.PAUSE


def test_checks_failure_wins_over_a_missing_check():
    # `error || true` is true in CEL: one failed check is enough to roll back even when
    # another check was never recorded.
    decision = decide(
        load_policy_set(POLICIES), checks={"quick": {"exit_code": 0}, "ci": {"exit_code": 1}}
    )
    result = by_id(decision)["checklist.checks-passed"]
    assert result.status is RuleStatus.FIRED
    assert result.message == "checklist failed: ci"
    assert decision.verdict is Verdict.ROLLBACK


def test_a_missing_check_alone_pauses():
    decision = decide(load_policy_set(POLICIES), checks={"quick": {"exit_code": 0}})
    result = by_id(decision)["checklist.checks-passed"]
    assert result.status is RuleStatus.ERROR
    assert result.error == "missing fact: facts.checks.test.ok"
    assert decision.verdict is Verdict.PAUSE


def test_empty_swarm_does_not_divide_by_zero():
    metrics = {**healthy()["metrics"], "agents_total": 0, "agents_failed": 0}
    decision = decide(load_policy_set(POLICIES), metrics=metrics)
    assert by_id(decision)["trigger.agent-failure-cascade"].status is RuleStatus.PASSED


verdicts = st.sampled_from(list(Verdict))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["fired", "passed", "error", "skipped"]),
            verdicts,
            st.sampled_from([Verdict.PAUSE, Verdict.ROLLBACK]),
        ),
        max_size=8,
    )
)
def test_verdict_algebra(rows):
    """The decision is the most severe contribution; an error can never yield continue."""
    from phasegate.core.evaluate import RuleResult

    results = [
        RuleResult(
            id=f"r{i}",
            policy="p",
            file="f",
            line=1,
            status=RuleStatus(status),
            verdict=verdict,
            on_error=on_error,
        )
        for i, (status, verdict, on_error) in enumerate(rows)
    ]
    verdict = combine(result.contribution for result in results)
    expected = max(
        [v for s, v, _ in rows if s == "fired"] + [e for s, _, e in rows if s == "error"],
        default=Verdict.CONTINUE,
    )
    assert verdict is expected
    if any(s == "error" for s, _, _ in rows):
        assert verdict is not Verdict.CONTINUE


@pytest.mark.parametrize(
    ("verdict", "allow_pause", "kind", "code"),
    [
        (Verdict.CONTINUE, False, None, 0),
        (Verdict.PAUSE, False, "wait", 10),
        (Verdict.PAUSE, True, "wait", 0),
        (Verdict.PAUSE, True, "hold", 10),  # --allow-pause never lets a hold through
        (Verdict.PAUSE, True, None, 10),  # a pause of unknown kind is a hold
        (Verdict.ROLLBACK, False, None, 20),
        (Verdict.ROLLBACK, True, None, 20),
    ],
)
def test_exit_codes(verdict, allow_pause, kind, code):
    assert exit_code(verdict, allow_pause=allow_pause, pause_kind=kind) == code


def test_decision_is_deterministic():
    policy_set = load_policy_set(POLICIES)
    first = decide(policy_set, metrics={**healthy()["metrics"], "error_rate": 0.3})
    second = decide(load_policy_set(POLICIES), metrics={**healthy()["metrics"], "error_rate": 0.3})
    assert first == second
