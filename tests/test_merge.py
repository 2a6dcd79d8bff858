"""`phasegate merge`: one cohort facts document from several operators' documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import call_cli, healthy, run_cli
from phasegate.collect.merge import _STRICTEST, SampleGuard, merge_facts, parse_duration, render
from phasegate.core.evaluate import evaluate
from phasegate.core.facts import Facts, facts_from_data
from phasegate.core.policy import builtin_policies_dir, load_policy_set
from phasegate.core.verdict import Verdict
from phasegate.errors import InputError, UsageProblem
from phasegate.state.rollout import TRACKED_FACTS

#: What `collect` lists in `rollout.tracked` (given whenever there is one).
TRACKED = ["phase_stable_since", "previous_phase_stable_since", "sample_gap_seconds"]
COUNTS = {
    "commands": 200,
    "errors": 2,
    "lock_busy": 1,
    "agents_done": 7,
    "agents_errored": 0,
    "agents_total": 11,
    "beads_closed": 10,
    "interval_seconds": 900.0,
}


def measured(counts: dict[str, Any]) -> dict[str, Any]:
    """The metrics an operator measures that its counts stand for (so they agree)."""
    metrics: dict[str, Any] = {"new_failures": 0}
    if counts["commands"]:
        metrics["error_rate"] = counts["errors"] / counts["commands"]
        metrics["lock_contention_rate"] = counts["lock_busy"] / counts["commands"]
    if counts["agents_done"] + counts["agents_errored"]:
        done = counts["agents_done"]
        metrics["agent_completion_rate"] = done / (done + counts["agents_errored"])
    metrics["throughput"] = counts["beads_closed"] / counts["interval_seconds"] * 3600
    metrics["agents_total"] = counts["agents_total"]
    metrics["agents_failed"] = counts["agents_errored"]
    return metrics


def operator(name: str, **changes: Any) -> dict[str, Any]:
    """A healthy Phase 1 operator document with its counts and the metrics they give."""
    counts = {**COUNTS, **changes.pop("counts", {})}
    changes.setdefault("metrics", measured(counts))
    return healthy(operator=name, counts=counts, **changes)


def as_facts(data: dict[str, Any], source: str | None = None) -> Facts:
    return facts_from_data(data, source or f"{data.get('operator', 'x')}.json")


def written(folder: Path, *documents: dict[str, Any]) -> list[str]:
    """Each operator's document as its own file, `<operator>.json`, for `phasegate merge`."""
    paths = []
    for document in documents:
        path = folder / f"{document['operator']}.json"
        path.write_text(json.dumps(document))
        paths.append(str(path))
    return paths


def merged(*documents: dict[str, Any], guard: SampleGuard | None = None) -> dict[str, Any]:
    return dict(merge_facts([as_facts(d) for d in documents], guard or SampleGuard()).data)


def decide(data: dict[str, Any]) -> Verdict:
    policies = load_policy_set(builtin_policies_dir(), display="phasegate:policies")
    return evaluate(facts_from_data(data, "cohort"), policies).verdict


def test_each_metric_is_the_worst_any_operator_showed_and_counts_are_summed():
    busy = operator("b", counts={"commands": 1800, "errors": 90})  # 5% of many commands
    quiet = operator("a", counts={"commands": 200, "errors": 0})
    cohort = merged(quiet, busy)
    assert cohort["counts"]["commands"] == 2000 and cohort["counts"]["errors"] == 90
    # b's 5%, not the summed counts' 4.5% nor the mean of ratios, 2.5%
    assert cohort["metrics"]["error_rate"] == 90 / 1800
    assert cohort["metrics"]["agent_completion_rate"] == 1.0
    assert cohort["metrics"]["throughput"] == 10 / 900 * 3600  # the slower operator's
    assert cohort["metrics"]["agents_total"] == 22
    assert sorted(cohort["operators"]) == ["a", "b"]
    assert cohort["operators"]["b"]["counts"]["errors"] == 90


def test_one_operator_s_failure_is_not_diluted_by_the_others_health():
    """A hunt found 50 errors in 100 commands beside 0 in 10,000 merged to 0.5%: one
    operator's rollback became the cohort's continue."""
    failing = operator("a", counts={"commands": 100, "errors": 50})
    healthy_many = operator("b", counts={"commands": 10_000, "errors": 0, "lock_busy": 0})
    assert decide(failing) is Verdict.ROLLBACK and decide(healthy_many) is Verdict.CONTINUE
    cohort = merged(failing, healthy_many)
    assert cohort["metrics"]["error_rate"] == 0.5
    assert decide(cohort) is Verdict.ROLLBACK


def test_counts_that_say_worse_than_the_measured_rate_are_the_rate():
    """An operator's counts and its measured rate disagree (swarm rebuilds counts from a
    rounded rate): the worse of the two stands, so neither can talk the cohort down. Counts
    that say worse by more than their rounding are refused when the document loads."""
    measured_low = operator("a", counts={**COUNTS, "commands": 200, "errors": 3})  # 1.5%
    measured_low["metrics"]["error_rate"] = 0.0126  # within half a command of the counts
    assert merged(measured_low, operator("c"))["metrics"]["error_rate"] == 0.015
    measured_high = operator("b", metrics={**measured({**COUNTS}), "error_rate": 0.3})
    assert merged(measured_high, operator("c"))["metrics"]["error_rate"] == 0.3


def test_an_operator_whose_counts_say_worse_than_its_rates_is_refused(tmp_path: Path):
    """Alone, 60 errors in 200 commands beside `error_rate: 0.01` passed the error-rate
    rules on the rate; the cohort took the counts' 30%. Now neither decides from it."""
    hiding = operator("a", counts={**COUNTS, "commands": 200, "errors": 60})
    hiding["metrics"]["error_rate"] = 0.01
    paths = written(tmp_path, hiding, operator("b"))
    result = call_cli("merge", *map(str, paths))
    assert result.returncode == 3, result.stderr
    assert "a.json" in result.stderr
    assert "metrics.error_rate is 0.01 but the counts give 0.3" in result.stderr


def test_one_failing_operator_decides_for_the_cohort():
    good = [operator("a"), operator("b")]
    failing = operator("c", checks={"quick": {"exit_code": 0}, "ci": {"exit_code": 1}})
    cohort = merged(*good, failing)
    assert cohort["checks"]["ci"]["ok"] is False
    assert decide(cohort) is Verdict.ROLLBACK
    assert decide(merged(*good)) is Verdict.CONTINUE


def test_a_check_one_operator_did_not_run_is_unknown_not_passed():
    cohort = merged(operator("a"), operator("b", checks={"quick": {"exit_code": 0}}))
    assert "ci" not in cohort["checks"]
    assert cohort["extra"]["phasegate_unknown"]["checks.ci"] == "not reported by b"
    assert decide(cohort) is Verdict.PAUSE


def test_worst_state_contract_and_incidents_win():
    a = operator("a", incidents=[{"id": "INC-1", "severity": "P2", "status": "resolved"}])
    b = operator(
        "b",
        state={"corruption_indicators": 2, "db_integrity_ok": True},
        contract={"drift": ["zjj status --json"], "nondeterministic_exits": []},
        incidents=[{"id": "INC-1", "severity": "P1", "status": "open"}],
    )
    cohort = merged(a, b)
    assert cohort["state"] == {"corruption_indicators": 2, "db_integrity_ok": True}
    assert cohort["contract"]["drift"] == ["zjj status --json"]
    assert cohort["incidents"] == [  # every view, the graver first
        {"id": "INC-1", "severity": "P1", "status": "open"},
        {"id": "INC-1", "severity": "P2", "status": "resolved"},
    ]


def test_disagreeing_versions_fire_the_version_rule():
    cohort = merged(operator("a"), operator("b", deployed_version="0.4.2"))
    assert cohort["deployed_version"] == "0.4.2, 0.4.3"
    assert cohort["operators"]["b"]["deployed_version"] == "0.4.2"
    assert decide(cohort) is Verdict.ROLLBACK


def test_the_window_is_the_shortest_any_operator_saw():
    a = operator("a", collected_at="2026-11-20T10:05:00Z", phase_started_at="2026-11-20T08:30:00Z")
    cohort = merged(a, operator("b"))
    assert cohort["collected_at"] == "2026-11-20T10:00:00Z"  # the earliest sample
    assert cohort["phase_started_at"] == "2026-11-20T08:30:00Z"  # the latest start


def test_too_few_operators_leave_the_metrics_absent_and_pause():
    cohort = merged(operator("a"), operator("b"), guard=SampleGuard(min_operators=3))
    assert "metrics" not in cohort and "counts" not in cohort
    reason = cohort["extra"]["phasegate_unknown"]["metrics.error_rate"]
    assert "only 2 of at least 3 operators" in reason
    assert decide(cohort) is Verdict.PAUSE


def test_a_stale_sample_leaves_the_metrics_absent():
    old = operator("old", collected_at="2026-11-20T09:30:00Z")
    cohort = merged(old, operator("a"), guard=SampleGuard(max_age_seconds=15 * 60))
    assert "metrics" not in cohort
    assert "stale samples from old" in cohort["extra"]["phasegate_unknown"]["metrics.error_rate"]
    assert cohort["operators"]["old"]["stale"] is True
    fresh = merged(old, operator("a"), guard=SampleGuard(max_age_seconds=3600))
    assert "error_rate" in fresh["metrics"]


def test_an_operator_that_did_not_measure_a_rate_makes_it_unknown_never_zero():
    blind = operator("blind")
    del blind["metrics"]["error_rate"]
    cohort = merged(operator("a"), blind)
    assert "error_rate" not in cohort.get("metrics", {})
    assert cohort["extra"]["phasegate_unknown"]["metrics.error_rate"] == "not measured by blind"
    assert decide(cohort) is Verdict.PAUSE


def test_an_operator_without_counts_still_gives_its_measured_rates():
    bare = healthy(operator="bare", metrics={**measured(COUNTS), "error_rate": 0.4})
    assert "counts" not in bare
    cohort = merged(operator("a"), bare)
    assert cohort["metrics"]["error_rate"] == 0.4
    assert "counts.errors" in cohort["extra"]["phasegate_unknown"]  # not summed: not all gave
    assert decide(cohort) is Verdict.ROLLBACK


def test_zero_commands_keeps_the_measured_rate():
    """A hunt found an operator with no commands counted but a 90% error rate measured
    ignored: the cohort continued where that operator alone rolled back."""
    zero = operator("a", counts={"commands": 0, "errors": 0, "lock_busy": 0})
    zero["metrics"]["error_rate"] = 0.9
    assert decide(zero) is Verdict.ROLLBACK
    cohort = merged(zero, operator("b"))
    assert cohort["metrics"]["error_rate"] == 0.9
    assert decide(cohort) is Verdict.ROLLBACK


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"phase": 2}, "phase 2 differs from 1 in a.json"),
        ({"change": {"commit": "other"}}, "change"),
    ],
)
def test_a_different_change_or_phase_is_refused(changes, words):
    with pytest.raises(InputError) as caught:
        merge_facts([as_facts(operator("a")), as_facts(operator("b", **changes))])
    assert words in caught.value.message and str(caught.value.location) == "b.json"


def test_an_operator_twice_or_without_id_is_refused():
    with pytest.raises(InputError, match="also reported"):
        merge_facts([as_facts(operator("a"), "1.json"), as_facts(operator("a"), "2.json")])
    with pytest.raises(InputError, match="no operator id"):
        merge_facts([as_facts(healthy(), "anon.json")])


def test_durations():
    assert parse_duration("15m") == 900 and parse_duration("90") == 90
    assert parse_duration("1.5h") == 5400
    for bad in ("", "0s", "-1m", "15 minutes"):
        with pytest.raises(UsageProblem):
            parse_duration(bad)


def test_cli_merges_files_and_refuses_a_mismatch_with_exit_3(tmp_path: Path):
    paths = []
    for name, phase in (("a", 1), ("b", 1), ("c", 2)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(operator(name, phase=phase)))
        paths.append(str(path))
    out = tmp_path / "cohort.json"
    done = run_cli("merge", *paths[:2], "--min-operators", "2", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["counts"]["commands"] == 400
    refused = call_cli("merge", *paths)
    assert refused.returncode == 3 and refused.stdout == ""
    assert refused.stderr.startswith(f"{paths[2]}: error: phase 2 differs")
    assert len(refused.stderr.strip().splitlines()) == 1


count = st.integers(min_value=0, max_value=10**6)


@st.composite
def operator_documents(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = draw(
        st.lists(
            st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True),
            min_size=1,
            max_size=6,
            unique=True,
        )
    )
    documents = []
    for name in names:
        commands = draw(count)
        done, errored = draw(count), draw(count)
        counts = {
            "commands": commands,
            "errors": draw(st.integers(0, commands)),
            "lock_busy": draw(st.integers(0, commands)),
            "agents_done": done,
            "agents_errored": errored,
            "agents_total": done + errored + draw(count),
            "beads_closed": draw(count),
            "interval_seconds": draw(st.floats(0.5, 86400, allow_nan=False)),
        }
        minute = draw(st.integers(0, 59))
        documents.append(
            operator(
                name,
                counts=counts,
                collected_at=f"2026-11-20T10:{minute:02d}:00Z",
                deployed_version=draw(st.sampled_from(["0.4.3", "0.4.2"])),
            )
        )
    return documents


@settings(max_examples=60, deadline=None)
@given(documents=operator_documents(), seed=st.randoms(use_true_random=False))
def test_merging_is_order_independent_and_each_rate_is_the_worst(documents, seed):
    shuffled = list(documents)
    seed.shuffle(shuffled)
    first = render(merge_facts([as_facts(d) for d in documents]))
    again = render(merge_facts([as_facts(d) for d in shuffled]))
    assert first == again
    cohort = json.loads(first)
    measured_rates = [d["metrics"]["error_rate"] for d in documents if "error_rate" in d["metrics"]]
    if len(measured_rates) == len(documents):
        assert cohort["metrics"]["error_rate"] == max(measured_rates)
    else:
        assert "error_rate" not in cohort["metrics"]
    assert cohort["counts"]["errors"] == sum(d["counts"]["errors"] for d in documents)
    assert set(cohort["operators"]) == {d["operator"] for d in documents}


def test_new_failure_categories_are_the_union_and_unknown_unless_every_operator_says():
    def with_categories(name: str, categories: list[str] | None) -> dict[str, Any]:
        document = operator(name)
        extra = dict(document.get("extra", {}))
        extra.pop("new_failure_categories", None)
        if categories is not None:
            extra["new_failure_categories"] = categories
        return {**document, "extra": extra}

    cohort = merged(with_categories("a", ["timeout"]), with_categories("b", ["oom", "timeout"]))
    assert cohort["extra"]["new_failure_categories"] == ["oom", "timeout"]
    partial = merged(with_categories("a", ["timeout"]), with_categories("b", None))
    assert "new_failure_categories" not in partial["extra"]
    assert partial["extra"]["phasegate_unknown"]["extra.new_failure_categories"] == (
        "not given by b"
    )
    assert decide(partial) is Verdict.PAUSE


def test_a_rollback_one_operator_still_owes_is_owed_by_the_cohort():
    """Audit: `rollout` fields operators disagree on became unknown, and the rule that
    reads `rollback_decided_at` only when present then passed: one operator's unfinished
    rollback was dropped from the cohort, which continued."""
    base = healthy()["rollout"]
    owing = operator("a", rollout={**base, "rollback_decided_at": "2026-11-20T09:40:00Z"})
    earlier = operator("b", rollout={**base, "rollback_decided_at": "2026-11-20T09:30:00Z"})
    clean = operator("c")
    assert decide(merged(clean, operator("d"))) is Verdict.CONTINUE
    cohort = merged(owing, clean)
    assert cohort["rollout"]["rollback_decided_at"] == "2026-11-20T09:40:00Z"
    assert "rollout.rollback_decided_at" not in cohort.get("extra", {}).get("phasegate_unknown", {})
    assert decide(cohort) is Verdict.ROLLBACK
    both = merged(owing, earlier, clean)
    assert both["rollout"]["rollback_decided_at"] == "2026-11-20T09:30:00Z"


def test_a_window_restarted_on_any_operator_is_restarted_for_the_cohort():
    """The latest unclean decision any operator's log holds restarts the cohort's window:
    disagreeing, the fields used to become unknown, and the rules (`has()`) then measured
    the window from the phase's start."""
    base = {**healthy()["rollout"], "tracked": TRACKED}  # as `collect` writes it
    late = operator("a", rollout={**base, "phase_stable_since": "2026-11-20T09:30:00Z"})
    early = operator("b", rollout={**base, "phase_stable_since": "2026-11-20T09:00:00Z"})
    clean = operator("c", rollout=base)  # no unclean decision: no field, and it says so
    cohort = merged(early, late, clean)
    assert cohort["rollout"]["phase_stable_since"] == "2026-11-20T09:30:00Z"
    assert cohort["rollout"]["tracked"] == sorted(TRACKED)
    unknown = cohort.get("extra", {}).get("phasegate_unknown", {})
    assert "rollout.phase_stable_since" not in unknown
    assert "rollout.previous_phase_stable_since" not in unknown
    assert decide(cohort) is Verdict.PAUSE  # 30 minutes since: not a stable hour
    assert decide(merged(early, clean)) is Verdict.CONTINUE  # an hour since
    after = operator("d", rollout={**base, "previous_phase_stable_since": "2026-11-20T08:10:00Z"})
    cohort = merged(clean, after)
    assert cohort["rollout"]["previous_phase_stable_since"] == "2026-11-20T08:10:00Z"
    assert decide(cohort) is Verdict.PAUSE  # Phase 0 unclean after its continue


def rule_results(cohort: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    policies = load_policy_set(builtin_policies_dir(), display="phasegate:policies")
    decision = evaluate(facts_from_data(cohort, "cohort"), policies)
    return {r.id: (r.status.value, r.error) for r in decision.results}


def test_a_window_restart_an_operator_cannot_give_is_unknown_for_the_cohort():
    """Audit: an operator whose document lacks `phase_stable_since` and cannot say it had
    none (an older phasegate, a hand-written document) contributed nothing, so a restart
    only it saw was invisible and the cohort's window passed early (the guide: Phase 1
    stable for its window before Phase 2). Its restart is unknown for the cohort now."""
    base = healthy()["rollout"]
    # 90 minutes since its restart: passed, alone
    given = operator("op-1", rollout={**base, "phase_stable_since": "2026-11-20T08:30:00Z"})
    older = operator("op-2")  # neither the field nor `tracked`
    assert decide(given) is Verdict.CONTINUE and decide(older) is Verdict.CONTINUE
    cohort = merged(older, given)
    assert "phase_stable_since" not in cohort["rollout"]
    unknown = cohort["extra"]["phasegate_unknown"]
    assert unknown["rollout.phase_stable_since"].startswith(
        "not given by op-2: a phasegate older than rollout.tracked, or a hand-written document"
    )
    assert decide(cohort) is Verdict.PAUSE
    status, error = rule_results(cohort)["window.phase1-stable"]
    assert status == "error" and error.startswith(
        "missing fact: facts.rollout.phase_stable_since; unknown: not given by op-2"
    )
    # Phase 2: the previous phase's restart is unknown the same way, and holds its opening
    previous = operator(
        "op-1",
        rollout={**given["rollout"], "previous_phase_stable_since": "2026-11-20T07:00:00Z"},
    )
    cohort = merged(older, previous)
    assert (
        "not given by op-2"
        in cohort["extra"]["phasegate_unknown"]["rollout.previous_phase_stable_since"]
    )
    status, error = rule_results(cohort)["rollout.phase-progression"]
    assert status == "error" and "facts.rollout.previous_phase_stable_since" in error


def test_a_collected_document_without_a_restart_is_no_unknown():
    """`collect` lists what it writes whenever there is one in `tracked`: an operator with
    no unclean decision gives no field, which beside one with a restart is "none", not
    "unknown" (that would hold a healthy cohort for good)."""
    base = {**healthy()["rollout"], "tracked": TRACKED}
    restarted = operator("op-1", rollout={**base, "phase_stable_since": "2026-11-20T09:30:00Z"})
    cohort = merged(restarted, operator("op-2", rollout=base))
    assert cohort["rollout"]["phase_stable_since"] == "2026-11-20T09:30:00Z"
    assert "phasegate_unknown" not in cohort["extra"]
    # a tracked "none" beside one that cannot say is still unknown: it may hide a restart
    cohort = merged(operator("op-1", rollout=base), operator("op-2"))
    unknown = cohort["extra"]["phasegate_unknown"]
    assert "not given by op-2" in unknown["rollout.phase_stable_since"]
    assert "rollout.tracked" not in unknown
    assert "tracked" not in cohort["rollout"]  # a merge of it cannot say either
    assert decide(cohort) is Verdict.PAUSE


def test_the_latest_restart_wins_when_every_operator_gives_one_and_none_is_absent():
    base = healthy()["rollout"]
    hand = [
        operator(name, rollout={**base, "phase_stable_since": at})
        for name, at in (("a", "2026-11-20T08:20:00Z"), ("b", "2026-11-20T08:40:00+00:00"))
    ]
    cohort = merged(*hand)  # hand-written, each giving the field: known
    assert cohort["rollout"]["phase_stable_since"] == "2026-11-20T08:40:00+00:00"
    assert "phasegate_unknown" not in cohort["extra"]
    # none gives it (nor can say it had none): measured from the phase's start, as each alone
    cohort = merged(operator("a"), operator("b"))
    assert "phase_stable_since" not in cohort["rollout"]
    assert "previous_phase_stable_since" not in cohort["rollout"]
    assert "phasegate_unknown" not in cohort["extra"]
    assert decide(cohort) is Verdict.CONTINUE


def test_a_merged_document_lacking_an_operator_s_restart_pauses_end_to_end(tmp_path: Path):
    base = healthy()["rollout"]
    given = operator("op-1", rollout={**base, "phase_stable_since": "2026-11-20T08:30:00Z"})
    out = tmp_path / "cohort.json"
    done = call_cli("merge", *written(tmp_path, given, operator("op-2")), "-o", str(out))
    assert done.returncode == 0, done.stderr
    judged = call_cli("evaluate", str(out))
    assert judged.returncode == 10, judged.stdout + judged.stderr  # pause
    assert "missing fact: facts.rollout.phase_stable_since" in judged.stdout
    assert "not given by op-2: a phasegate older than rollout.tracked" in judged.stdout


def test_a_gap_between_samples_an_operator_cannot_give_is_unknown_for_the_cohort():
    """The same for Phase 2's sampling: the longest gap any operator gives is the cohort's,
    and one that cannot say (`tracked`) may have gone longer unsampled than all of them."""
    base = {**healthy()["rollout"], "tracked": TRACKED}
    gaps = {"a": 300, "b": 540}
    sampled = [
        operator(name, phase=2, rollout={**base, "sample_gap_seconds": gap})
        for name, gap in gaps.items()
    ]
    first = operator("c", phase=2, rollout=base)  # its first sample: no gap yet, none
    cohort = merged(*sampled, first)
    assert cohort["rollout"]["sample_gap_seconds"] == 540
    assert "phasegate_unknown" not in cohort["extra"]
    hand = operator("d", phase=2)
    cohort = merged(*sampled, hand)
    assert "sample_gap_seconds" not in cohort["rollout"]
    reason = cohort["extra"]["phasegate_unknown"]["rollout.sample_gap_seconds"]
    assert reason.startswith("not given by d: ") and "give rollout.sample_gap_seconds" in reason
    status, error = rule_results(cohort)["rollout.phase2-sampling"]
    assert status == "error" and error.startswith(
        "missing fact: facts.rollout.sample_gap_seconds; unknown: not given by d"
    )
    # none gives it or can say: absent, as for each of them alone
    assert "sample_gap_seconds" not in merged(hand, operator("e", phase=2))["rollout"]


def test_merge_has_a_strictest_value_for_every_fact_collect_tracks():
    """A fact added to `collect`'s `tracked` without one here would be dropped by merge."""
    assert list(_STRICTEST) == list(TRACKED_FACTS) == TRACKED
