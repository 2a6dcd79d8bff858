"""merge is never weaker than its weakest member (issue 17, items 2-4 and the fast clock).

For every rule, the cohort's verdict is at least as strict as the strictest verdict any one
operator's document gets on its own, for the cohort-level facts that operator contributes
(checks and their commits, incidents, state, contract, versions, its phase window); rates
come from counts only where the counts reproduce the measured rates, and within a bound; a
rate one operator did not measure (the cohort's absent) hides no other operator's rollback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import HEALTHY_PHASE1, call_cli
from phasegate.cel import syntax
from phasegate.collect.merge import MAX_COUNT, SampleGuard, merge_facts
from phasegate.core.evaluate import evaluate
from phasegate.core.facts import facts_from_data
from phasegate.core.policy import builtin_policies_dir, load_policy_set
from phasegate.core.verdict import Verdict
from test_merge import COUNTS, measured, operator, written

POLICIES = load_policy_set(builtin_policies_dir(), display="phasegate:policies")
ROLLOUT = HEALTHY_PHASE1["rollout"]
#: Locating an error loads cel-python's parser, which raises the recursion limit once; do it
#: before hypothesis runs, so it does not warn that the limit changed under it.
syntax.parse_expression("1")
#: An operator's metrics, as its counts give them: merge trusts counts that agree.
METRICS = measured(COUNTS)


def rules(data: dict[str, Any]) -> dict[str, Verdict]:
    decision = evaluate(facts_from_data(data, "doc"), POLICIES)
    return {result.id: result.contribution for result in decision.results}


def verdict(data: dict[str, Any]) -> Verdict:
    return evaluate(facts_from_data(data, "doc"), POLICIES).verdict


def merge(*documents: dict[str, Any]) -> dict[str, Any]:
    return dict(merge_facts([facts_from_data(d, f"{d['operator']}.json") for d in documents]).data)


def test_an_open_incident_is_not_hidden_by_a_graver_resolved_view():
    a = operator("a", incidents=[{"id": "INC-7", "severity": "P0", "status": "resolved"}])
    b = operator("b", incidents=[{"id": "INC-7", "severity": "P1", "status": "open"}])
    assert verdict(b) is Verdict.ROLLBACK
    assert verdict(merge(a, b)) is Verdict.ROLLBACK


def test_a_pass_at_another_commit_makes_the_cohort_at_least_as_strict():
    elsewhere = {name: {"exit_code": 0, "commit": "0badc0de"} for name in ("quick", "test", "ci")}
    untold = {name: {"exit_code": 0} for name in ("quick", "test", "ci")}
    for checks in (elsewhere, untold):
        b = operator("b", checks=checks)
        assert verdict(b) is Verdict.PAUSE
        cohort = merge(operator("a"), b)
        assert "commit" not in cohort["checks"]["ci"]
        assert "different commits" in cohort["extra"]["phasegate_unknown"]["checks.ci.commit"]
        assert verdict(cohort) is Verdict.PAUSE


def test_counts_that_contradict_the_measured_rate_do_not_hide_it():
    alone = operator("a", metrics={**METRICS, "error_rate": 0.5})  # counts say 1%
    assert verdict(alone) is Verdict.ROLLBACK
    cohort = merge(alone)
    assert cohort["metrics"]["error_rate"] == 0.5
    assert verdict(cohort) is Verdict.ROLLBACK


def test_an_absurd_count_does_not_dilute_the_others():
    failing = [
        operator(name, counts={**COUNTS, "errors": 100}, metrics={**METRICS, "error_rate": 0.5})
        for name in ("a", "b")
    ]
    absurd = operator(
        "c",
        counts={**COUNTS, "commands": 10**9, "errors": 0, "lock_busy": 0},
        metrics={**METRICS, "error_rate": 0.0, "lock_contention_rate": 0.0},
    )
    cohort = merge(*failing, absurd)
    assert cohort["metrics"]["error_rate"] == 0.5
    assert (
        f"more than {MAX_COUNT} commands" in cohort["extra"]["phasegate_unknown"]["counts.commands"]
    )
    assert verdict(cohort) is Verdict.ROLLBACK


def test_what_one_operator_could_not_tell_hides_nothing_the_others_did():
    blind = operator("a")
    del blind["incidents"], blind["deployed_version"]
    seen = operator(
        "b",
        incidents=[{"id": "INC-9", "severity": "P0", "status": "open"}],
        deployed_version="0.4.2",
    )
    assert rules(seen)["health.incident-open"] is Verdict.ROLLBACK
    together = rules(merge(blind, seen))
    assert together["health.incident-open"] is Verdict.ROLLBACK
    assert together["checklist.version-matches"] is Verdict.ROLLBACK
    # and where the others saw nothing wrong, the blind operator's "unknown" stands
    calm = rules(merge(blind, operator("c")))
    assert calm["health.incident-open"] is calm["checklist.version-matches"] is Verdict.PAUSE


def test_a_fast_clock_does_not_pass_the_window_early():
    # a started Phase 1 30 minutes ago (the window is 60m); b's clock runs 2 hours fast.
    a = operator("a", phase_started_at="2026-11-20T09:30:00Z", collected_at="2026-11-20T10:00:00Z")
    b = operator("b", phase_started_at="2026-11-20T11:30:00Z", collected_at="2026-11-20T12:00:00Z")
    assert verdict(a) is Verdict.PAUSE and verdict(b) is Verdict.PAUSE
    assert verdict(merge(a, b)) is Verdict.PAUSE


# --- the property: over generated cohorts --------------------------------------------------

COMMITS = st.sampled_from(["9f2c4e1", "9F2C4E1", "0badc0de", None])
CHECK = st.builds(
    lambda code, commit: {"exit_code": code, **({"commit": commit} if commit else {})},
    st.sampled_from([0, 0, 0, 1]),
    COMMITS,
)
INCIDENT = st.builds(
    lambda i, sev, status: {"id": f"INC-{i}", "severity": sev, "status": status},
    st.integers(1, 3),
    st.sampled_from(["P0", "P1", "P2", "P3", "P4"]),
    st.sampled_from(["open", "mitigated", "resolved"]),
)
#: What a member may be unable to tell.
FIELDS = ["deployed_version", "state", "rollout", "incidents", "contract", "checks", "owners"]
CONTRACT = st.sampled_from([[], [], ["zjj status --json"], ["zjj list --json"]])


@st.composite
def members(draw: st.DrawFn, name: str) -> dict[str, Any]:
    start = draw(st.integers(0, 180))
    collected = start + draw(st.integers(0, 180))
    changes: dict[str, Any] = {
        "checks": {check: draw(CHECK) for check in ("quick", "test", "ci")},
        "incidents": draw(st.lists(INCIDENT, max_size=3)),
        "state": {
            "corruption_indicators": draw(st.sampled_from([0, 0, 0, 2])),
            "db_integrity_ok": draw(st.sampled_from([True, True, False])),
        },
        "contract": {"drift": draw(CONTRACT), "nondeterministic_exits": draw(CONTRACT)},
        "deployed_version": draw(st.sampled_from(["0.4.3", "0.4.3", "0.4.2"])),
        "phase_started_at": f"2026-11-20T{7 + start // 60:02d}:{start % 60:02d}:00Z",
        "collected_at": f"2026-11-20T{7 + collected // 60:02d}:{collected % 60:02d}:00Z",
    }
    changes["rollout"] = {
        "state": draw(st.sampled_from(["rolling_out", "rolling_out", "rolled_back"])),
        "previous_phase_continue_at": draw(st.sampled_from(["2026-11-20T08:00:00Z"] * 3 + [None])),
        "previous_phase_started_at": "2026-11-20T08:00:00Z",
        "progression_override": draw(st.sampled_from([None, None, "hotfix"])),
    }
    changes["rollout"] = {k: v for k, v in changes["rollout"].items() if v is not None}
    if draw(st.integers(0, 4)) == 0:
        changes["freeze"] = {"active": True, "reason": "incident"}
    changes["owners"] = {
        "release": draw(st.sampled_from(["alice", "alice", ""])),
        "rollback": "bob",
    }
    # Each operator's own rates and how many commands stand behind them: one operator's
    # regression beside many healthy commands must not be diluted away.
    commands = draw(st.sampled_from([100, 200, 10_000]))
    rates = {
        "error_rate": draw(st.sampled_from([0.01, 0.01, 0.015, 0.3])),
        "lock_contention_rate": draw(st.sampled_from([0.005, 0.005, 0.2])),
        "agent_completion_rate": draw(st.sampled_from([1.0, 1.0, 0.5])),
        "throughput": draw(st.sampled_from([40.0, 40.0, 5.0])),
    }
    agents, failed = draw(st.sampled_from([8, 100])), draw(st.sampled_from([0, 0, 3]))
    changes["counts"] = {
        **COUNTS,
        "commands": commands,
        "errors": round(rates["error_rate"] * commands),
        "lock_busy": round(rates["lock_contention_rate"] * commands),
        "agents_total": agents,
        "agents_errored": failed,
    }
    changes["metrics"] = {**measured(changes["counts"]), **rates}
    # Counts saying worse than the rate are refused on load; a rate saying worse is kept.
    changes["metrics"]["agent_completion_rate"] = min(
        rates["agent_completion_rate"], measured(changes["counts"])["agent_completion_rate"]
    )
    document = operator(name, **changes)
    if draw(st.booleans()):  # what this operator could not tell
        del document[draw(st.sampled_from(FIELDS))]
    if draw(st.integers(0, 3)) == 0:  # a rate it could not measure: the cohort's is absent
        rate = draw(st.sampled_from(["error_rate", "lock_contention_rate"]))
        del document["metrics"][rate]
        document["extra"] = {**document["extra"], "phasegate_unknown": {f"metrics.{rate}": "down"}}
    return document


@st.composite
def cohorts(draw: st.DrawFn) -> list[dict[str, Any]]:
    size = draw(st.integers(1, 4))
    return [draw(members(f"op-{index}")) for index in range(size)]


def contributed(data: dict[str, Any]) -> dict[str, Verdict]:
    """Per rule, the verdict a member's own document gets, where the member gave the facts
    the rule needs: a rule that errors on a missing fact is one the member says nothing to
    (the cohort then pauses or decides from the members that did say)."""
    decision = evaluate(facts_from_data(data, "doc"), POLICIES)
    return {
        result.id: result.contribution
        for result in decision.results
        if not (result.error or "").startswith("missing fact")
    }


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohort=cohorts())
def test_every_rule_is_at_least_as_strict_for_the_cohort_as_for_any_member(cohort):
    merged = merge(*cohort)
    together = rules(merged)
    held = {rule.id for rule in POLICIES.rules if rule.final} & {
        rule for rule, contribution in together.items() if contribution > Verdict.CONTINUE
    }
    if held:
        # A final rule (the change already rolled back) decides alone and skips the rest:
        # the cohort holds, and only because a member's own document holds by it too.
        assert verdict(merged) >= Verdict.PAUSE
        assert any(held & {r for r, c in rules(m).items() if c > Verdict.CONTINUE} for m in cohort)
        return
    for member in cohort:
        for rule, alone in contributed(member).items():
            assert together[rule] >= alone, (rule, member["operator"], alone, together[rule])


def test_a_reason_naming_many_operators_stays_short():
    # Operators with counts but no measured rates: naming a thousand of them would pass the
    # 64 KiB cap on a fact's value and make the merged document itself invalid.
    documents = [operator(f"op-{i:04d}", metrics={"new_failures": 0}) for i in range(300)]
    cohort = merge(*documents)
    reason = cohort["extra"]["phasegate_unknown"]["metrics.error_rate"]
    assert reason.endswith("and 290 more") and len(reason) < 2000


def test_a_change_one_operator_saw_rolled_back_is_rolled_back_for_the_cohort():
    rolled = {"state": "rolled_back", "rolled_back_at": "2026-11-20T09:00:00Z"}
    b = operator("b", rollout=rolled)
    assert verdict(b) is Verdict.PAUSE
    cohort = merge(operator("a"), b)
    assert cohort["rollout"]["state"] == "rolled_back"
    assert rules(cohort)["rollout.rolled-back"] is Verdict.PAUSE


def test_the_rollout_fields_read_only_when_present_take_the_strictest_value():
    """A hunt found them dropped when operators disagreed, and an absent one reads as "does
    not apply": one operator's pause became the cohort's continue."""
    ci_only = operator("a", rollout={**ROLLOUT, "previous_phase_environments": ["ci"]})
    both = operator("b", rollout={**ROLLOUT, "previous_phase_environments": ["ci", "operator"]})
    assert rules(ci_only)["rollout.phase0-environments"] is Verdict.PAUSE
    cohort = merge(ci_only, both)
    assert cohort["rollout"]["previous_phase_environments"] == ["ci"]
    assert rules(cohort)["rollout.phase0-environments"] is Verdict.PAUSE
    gaps = [
        operator(name, phase=2, rollout={**ROLLOUT, "sample_gap_seconds": gap})
        for name, gap in (("a", 3000), ("b", 300))
    ]
    assert rules(gaps[0])["rollout.phase2-sampling"] is Verdict.PAUSE
    cohort = merge(*gaps)
    assert cohort["rollout"]["sample_gap_seconds"] == 3000
    assert rules(cohort)["rollout.phase2-sampling"] is Verdict.PAUSE


def test_an_extra_that_is_not_a_map_is_merged_not_an_internal_error():
    odd = operator("a", extra="hello")
    cohort = merge(odd, operator("b"))
    assert "extra.new_failure_categories" in cohort["extra"]["phasegate_unknown"]


def test_versions_spelled_with_and_without_v_are_one_and_many_stay_a_valid_document():
    cohort = merge(operator("a", deployed_version="v0.4.3"), operator("b"))
    assert cohort["deployed_version"] in ("0.4.3", "v0.4.3")
    assert rules(cohort)["checklist.version-matches"] is Verdict.CONTINUE
    # trimmed once, as the rule trims it: `vv0.4.3` is not the release, alone or merged
    doubled = operator("a", deployed_version="vv0.4.3")
    assert rules(doubled)["checklist.version-matches"] is Verdict.ROLLBACK
    blind = operator("b")
    del blind["deployed_version"]
    for cohort in (merge(doubled), merge(doubled, operator("b")), merge(doubled, blind)):
        assert rules(cohort)["checklist.version-matches"] is Verdict.ROLLBACK
    many = merge(*[operator(f"op-{i:04d}", deployed_version=f"0.4.{i}") for i in range(1000)])
    assert many["deployed_version"].endswith("and 990 more")
    assert rules(many)["checklist.version-matches"] is Verdict.ROLLBACK


def test_one_operator_s_agent_cascade_rolls_the_cohort_back():
    """A cascade is one swarm's: 3 of 8 agents failed beside 0 of 100 summed to 3 of 108,
    and the guide's immediate rollback trigger became the cohort's continue."""
    cascading = operator(
        "a",
        counts={**COUNTS, "agents_errored": 3, "agents_total": 8, "agents_done": 5},
        metrics={**METRICS, "agents_failed": 3, "agents_total": 8, "agent_completion_rate": 5 / 8},
    )
    calm = operator(
        "b", counts={**COUNTS, "agents_total": 100}, metrics={**METRICS, "agents_total": 100}
    )
    assert rules(cascading)["trigger.agent-failure-cascade"] is Verdict.ROLLBACK
    cohort = merge(cascading, calm)
    assert (cohort["metrics"]["agents_failed"], cohort["metrics"]["agents_total"]) == (3, 108)
    assert rules(cohort)["trigger.agent-failure-cascade"] is Verdict.ROLLBACK


@pytest.mark.parametrize(
    ("rate", "count", "rule"),
    [
        ("lock_contention_rate", "lock_busy", "trigger.lock-contention-spike"),
        ("error_rate", "errors", "health.error-rate-regression"),
    ],
)
def test_a_rate_one_operator_did_not_measure_does_not_hide_another_s_rollback(
    tmp_path: Path, rate: str, count: str, rule: str
):
    """One operator's source failed, so the cohort's rate was absent and the rule paused on
    a missing fact, though the other operator's own rate (60 of 200 commands) rolls back."""
    blind = operator("a")
    del blind["metrics"][rate]
    blind["extra"]["phasegate_unknown"] = {f"metrics.{rate}": "source zjj failed: exit 1"}
    past = operator("b", counts={**COUNTS, count: 60})
    assert rules(past)[rule] is Verdict.ROLLBACK
    cohort = tmp_path / "cohort.json"
    merged = call_cli("merge", *written(tmp_path, blind, past), "-o", str(cohort))
    assert merged.returncode == 0, merged.stderr
    data = json.loads(cohort.read_text())
    assert rate not in data["metrics"]
    assert data["operators"]["a"]["unknown"] == {f"metrics.{rate}": "source zjj failed: exit 1"}
    decided = call_cli("evaluate", str(cohort))
    assert decided.returncode == 20, decided.stdout + decided.stderr
    line = next(line for line in decided.stdout.splitlines() if f" {rule}: " in line)
    assert line.lstrip().startswith("rollback") and "past it on their own: [b]" in line
    # Without an operator past the limit, the rate nobody could give for the cohort still
    # holds the phase: an unknown is never a healthy one.
    calm = rules(merge(blind, operator("b")))
    assert calm[rule] is Verdict.PAUSE


def test_the_sample_guard_leaves_the_cohort_s_rates_absent_but_hides_no_operator_s_rollback():
    """Too few operators or a stale sample: the cohort's metrics are absent (no decision
    from too little), and one operator's own spike still rolls back, as it does alone."""
    past = operator("b", counts={**COUNTS, "lock_busy": 60}, collected_at="2026-11-20T09:30:00Z")
    documents = [facts_from_data(d, f"{d['operator']}.json") for d in (operator("a"), past)]
    for guard in (SampleGuard(min_operators=3), SampleGuard(max_age_seconds=900)):
        cohort = dict(merge_facts(documents, guard).data)
        assert "metrics" not in cohort
        assert rules(cohort)["trigger.lock-contention-spike"] is Verdict.ROLLBACK
    calm = operator("b", collected_at="2026-11-20T09:30:00Z")
    documents[1] = facts_from_data(calm, "b.json")
    cohort = dict(merge_facts(documents, SampleGuard(max_age_seconds=900)).data)
    assert rules(cohort)["trigger.lock-contention-spike"] is Verdict.PAUSE


@pytest.mark.parametrize(
    ("rate", "limit", "rule"),
    [
        ("error_rate", 0.02, "health.error-rate-regression"),
        ("lock_contention_rate", 0.02, "trigger.lock-contention-spike"),
    ],
)
@pytest.mark.parametrize("others", ["disagree", "give none"])
def test_an_operator_past_its_own_baseline_rolls_back_a_cohort_without_one(
    rate: str, limit: float, rule: str, others: str
):
    """Operators whose baselines disagree (or one that gave none) leave the cohort without a
    baseline: every rule reading it errored and paused, though one operator's own document
    rolled back against its own baseline (guide audit)."""
    strict = operator("a", baseline={**HEALTHY_PHASE1["baseline"], rate: 0.0})
    strict["metrics"][rate] = limit  # past 0.0 x factor + margin, within the usual baseline's
    del strict["counts"]  # its counts would give the lower rate
    other = operator("b")
    if others == "give none":
        del other["baseline"]
    assert rules(strict)[rule] is Verdict.ROLLBACK
    cohort = merge(strict, other)
    assert "baseline" not in cohort
    assert cohort["operators"]["a"]["baseline"][rate] == 0.0
    assert rules(cohort)[rule] is Verdict.ROLLBACK
    assert "baseline" not in merge(operator("a"), operator("b"))["operators"]["a"]


def test_one_operator_under_two_spellings_is_refused(tmp_path: Path):
    """`op-1` and `OP-1 ` (host names are case-blind) counted as two operators, so one
    operator's two samples passed `--min-operators 2` (guide audit)."""
    paths = []
    for index, name in enumerate(["op-1", "OP-1 "]):
        path = tmp_path / f"{index}.json"
        path.write_text(json.dumps(operator(name)))
        paths.append(str(path))
    result = call_cli("merge", *paths, "--min-operators", "2")
    assert result.returncode == 3, result.stdout
    assert result.stdout == ""
    assert f"operator 'OP-1 ' also reported in {paths[0]} (as 'op-1')" in result.stderr


def test_one_operator_s_categorised_burst_is_not_lost_in_the_set_of_categories():
    """25 categorised failure events beside `new_failures: 0` pause one operator
    (`health.new-failures`), but the cohort keeps the categories as a set (one `timeout`)
    and summed the counts to 0: it continued (guide audit)."""
    burst = operator("a")
    burst["extra"] = {**burst["extra"], "new_failure_categories": ["timeout"] * 25}
    assert rules(burst)["health.new-failures"] is Verdict.PAUSE
    cohort = merge(burst, operator("b"))
    assert cohort["metrics"]["new_failures"] == 25
    assert rules(cohort)["health.new-failures"] is Verdict.PAUSE
