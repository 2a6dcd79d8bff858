"""Replay keys a rule's shared result by the values at the fact paths it reads: results
must be what evaluating every rule gives, whatever is absent, retyped or unchanged."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

from conftest import HEALTHY_PHASE1, ROOT
from phasegate.core.evaluate import Rollout, RuleStatus
from phasegate.core.policy import load_policy_set
from phasegate.core.recording import RecordingReader
from phasegate.replay.memo import MemoRollout, RuleMemo, memo_paths


def _document(rng: random.Random, index: int) -> dict[str, Any]:
    doc = copy.deepcopy(HEALTHY_PHASE1)
    doc["phase"] = rng.choice([1, 2])
    doc["collected_at"] = f"2026-11-20T{10 + index // 60:02d}:{index % 60:02d}:00Z"
    metrics = doc["metrics"]
    metrics["agents_failed"] = rng.choice([0, 3, 3.0, 4, True, -0.0])
    metrics["agents_total"] = rng.choice([8, 8.0, 12])
    for name in ("new_failures", "error_rate", "lock_contention_rate", "throughput"):
        if rng.random() < 0.15:
            del metrics[name]  # absent: a missing-fact error, shared by depth
    if rng.random() < 0.2:
        doc["extra"] = {"new_failure_categories": rng.choice([[], ["timeout"], ["odd"]])}
    if rng.random() < 0.1:
        doc["extra"] = {"new_failure_categories": "timeout"}  # not a list
    if rng.random() < 0.2:
        doc.pop("rollout", None)
    elif rng.random() < 0.2:
        doc["rollout"] = {"state": "rolling_out"}
    if rng.random() < 0.1:
        doc["freeze"] = {"active": rng.random() < 0.5}
    return doc


def test_path_keyed_results_are_what_evaluating_every_rule_gives(tmp_path: Path):
    rng = random.Random(11)
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(_document(rng, i)) + "\n" for i in range(400)))
    policy_set = load_policy_set(ROOT / "policies")
    shared = MemoRollout(policy_set)
    plain = Rollout(policy_set, messages=False)
    snapshots = list(RecordingReader(path).snapshots(strict=False))
    assert len(snapshots) > 250
    for facts in snapshots:
        assert shared.decide(facts) == plain.decide(facts)
    assert shared.memo is not None and len(shared.memo.results) < 21 * len(snapshots) // 2


def test_rules_over_drifting_metrics_are_evaluated_directly_and_decide_alike(
    tmp_path: Path, monkeypatch
):
    """A rule whose lookups seldom hit (a metric new in every snapshot) is evaluated without
    keys for a while, then tried again: decisions must not change at any of the switches."""
    monkeypatch.setattr(RuleMemo, "DIRECT_FOR", 40)
    rng = random.Random(5)
    lines = []
    for index in range(500):
        doc = _document(rng, index)
        if index < 250 or rng.random() < 0.3:  # drifting, then mostly steady
            doc["metrics"]["error_rate"] = rng.uniform(0.0, 0.05)
            doc["metrics"]["lock_contention_rate"] = rng.uniform(0.0, 0.02)
        lines.append(json.dumps(doc) + "\n")
    path = tmp_path / "r.jsonl"
    path.write_text("".join(lines))
    policy_set = load_policy_set(ROOT / "policies")
    shared = MemoRollout(policy_set)
    plain = Rollout(policy_set, messages=False)
    directly, tried_again = set(), set()
    for facts in RecordingReader(path).snapshots(strict=False):
        before = set(shared.memo.direct)
        assert shared.decide(facts) == plain.decide(facts)
        directly |= set(shared.memo.direct)
        tried_again |= before - set(shared.memo.direct)
    by_id = {id(rule): rule.id for rule in policy_set.rules}
    assert "health.error-rate-regression" in {by_id[key] for key in directly}
    assert tried_again  # a rule left direct evaluation and was looked up again
    assert "checklist.checks-passed" not in {by_id[key] for key in directly}


def test_a_rule_reading_now_history_or_a_computed_field_is_never_shared():
    policy_set = load_policy_set(ROOT / "policies")
    rules = {rule.id: rule for rule in policy_set.rules}
    assert memo_paths(rules["window.phase1-stable"].when) is None  # reads now
    assert memo_paths(rules["health.error-rate-regression"].when) == (
        ("baseline",),  # whether the cohort has one decides which baseline an operator meets
        ("baseline", "error_rate"),
        ("metrics", "error_rate"),
        ("operators",),  # each operator's own rate, in a merged cohort
    )
    # A computed index stops the path: the whole `checks` value is the key.
    assert ("checks",) in memo_paths(rules["checklist.checks-on-release-commit"].when)


def test_a_flat_numbers_field_still_meets_every_document_limit():
    """New metrics skip the generic limit walks only when they plainly meet them."""
    import pytest

    from phasegate.core.facts import FactsStream, facts_from_data
    from phasegate.errors import InputError

    for metrics in (
        {"error_rate": 2**63},
        {"error_rate": -(2**63) - 1},
        {"error_rate\x00": 0.1},
        {"error_rate\ud800": 0.1},
        {"x" * 70_000: 0.1},
        {"error_rate": True},
    ):
        doc = copy.deepcopy(HEALTHY_PHASE1)
        doc["metrics"] = {**doc["metrics"], **metrics}
        with pytest.raises(InputError):
            facts_from_data(copy.deepcopy(doc), "plain")
        with pytest.raises(InputError):
            FactsStream().facts(doc, "stream")
    doc = copy.deepcopy(HEALTHY_PHASE1)
    doc["metrics"]["throughput"] = 2**63 - 1
    assert FactsStream().facts(copy.deepcopy(doc), "s") == facts_from_data(doc, "s")


def _policy(folder: Path, name: str, params: str, when: str, extra: str = "") -> None:
    (folder / f"{name}.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Policy\n"
        f"name: {name}\n{params}rules:\n"
        f"  - id: {name}.rule\n    when: {when}\n    verdict: pause\n{extra}"
    )


def test_policies_share_a_params_map_only_when_no_rule_can_tell(tmp_path: Path):
    from phasegate.replay.memo import shared_params

    folder = tmp_path / "policies"
    folder.mkdir()
    rate = "facts.metrics.error_rate"
    _policy(folder, "a", "params:\n  limit: 0.01\n", f"{rate} > params.limit")
    _policy(folder, "b", "params:\n  limit: 0.02\n", f"{rate} > params.limit")  # disagrees
    _policy(folder, "c", "params:\n  limit: 0.01\n  x: 1\n", f"{rate} > params.limit")
    _policy(folder, "d", "params:\n  y: 1\n", "size(params) > 1")  # reads params whole
    # Streaks go through the shared results too (and a phase where the rule is skipped).
    _policy(folder, "f", "", "facts.metrics.agents_failed >= 3.0", "    for: 2\n    phases: [2]\n")
    policy_set = load_policy_set(folder)
    groups = shared_params(policy_set)
    found = {policy.name: groups[id(policy)] for policy in policy_set.policies}
    assert found["a"] is found["c"] == {"limit": 0.01, "x": 1.0}
    for name in ("b", "d"):
        assert found[name] is next(p for p in policy_set.policies if p.name == name).params_plain
    rng = random.Random(5)
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(_document(rng, i)) + "\n" for i in range(120)))
    shared = MemoRollout(policy_set)
    plain = Rollout(policy_set, messages=False)
    for facts in RecordingReader(path).snapshots(strict=False):
        assert shared.decide(facts) == plain.decide(facts)


def test_a_fact_compared_with_a_limit_is_decided_as_the_engine_decides(tmp_path: Path):
    """Shared results of comparisons over every kind of value (absent, a string, a bool, an
    int against a double, a limit that fails) are the engine's, with its error."""
    folder = tmp_path / "policies"
    folder.mkdir()
    params = "params:\n  k: 2\n  f: 2.0\n"
    _policy(folder, "a", params, "facts.extra.v > facts.extra.limit * params.k")
    _policy(folder, "b", params, "facts.extra.v >= facts.extra.limit * params.f")
    _policy(folder, "c", params, "facts.extra.v < 3")
    _policy(folder, "d", params, "facts.extra.v <= facts.extra.limit")
    # not one comparison, or the limit reads the fact: always the engine
    _policy(folder, "e", params, "facts.extra.v > 1 || facts.extra.v < 0")
    _policy(folder, "g", params, "facts.extra.v > facts.extra.v * 0.5")
    _policy(folder, "h", params, "facts.extra.v > size('<')")
    policy_set = load_policy_set(folder)
    rng = random.Random(3)
    values = [1, 1.0, 2, 2.5, -0.0, 3, "3", True, None, 2**53 + 1, 9.007199254740993e15, {}]
    lines = []
    for index in range(300):
        doc = copy.deepcopy(HEALTHY_PHASE1)
        doc["collected_at"] = f"2026-11-20T{10 + index // 60:02d}:{index % 60:02d}:00Z"
        extra: dict[str, Any] = {"new_failure_categories": []}
        for name in ("v", "limit"):
            if rng.random() < 0.9:
                extra[name] = rng.choice(values)
        doc["extra"] = extra
        lines.append(json.dumps(doc) + "\n")
    _decided_alike(tmp_path, policy_set, lines)


def test_a_window_rule_is_decided_as_the_engine_decides_at_any_time(tmp_path: Path):
    """Rules over `now` are never shared: times out of order, starts with nanoseconds,
    absent or not strings are decided by the engine at each snapshot."""
    folder = tmp_path / "policies"
    folder.mkdir()
    params = "params:\n  w: 30m\n  n: 90m0.5s\n"
    _policy(folder, "a", params, "now - timestamp(facts.extra.start) < duration(params.w)")
    _policy(folder, "b", params, "now - timestamp(facts.extra.start) <= duration(params.n)")
    _policy(folder, "c", params, "now - timestamp(facts.phase_started_at) < duration(params.w)")
    policy_set = load_policy_set(folder)
    rng = random.Random(8)
    starts = [
        "2026-11-20T10:00:00Z",
        "2026-11-20T10:00:00.000000001Z",
        "2026-11-20T10:29:59.999999999Z",
        "2026-11-20T11:00:00+01:00",
        "2026-11-20t10:00:00z",
        5,
    ]
    lines = []
    for _ in range(400):
        doc = copy.deepcopy(HEALTHY_PHASE1)
        minute, second = rng.randint(0, 150), rng.choice([0, 0, 59])
        fraction = rng.choice(["", ".5", ".000001", ".999999"])
        doc["collected_at"] = (
            f"2026-11-20T{10 + minute // 60:02d}:{minute % 60:02d}:{second:02d}{fraction}Z"
        )
        doc["phase_started_at"] = rng.choice(starts[:4])
        extra: dict[str, Any] = {"new_failure_categories": []}
        if rng.random() < 0.9:
            extra["start"] = rng.choice(starts)
        doc["extra"] = extra
        lines.append(json.dumps(doc) + "\n")
    _decided_alike(tmp_path, policy_set, lines)  # as written: out of order


def _decided_alike(tmp_path: Path, policy_set: Any, lines: list[str]) -> MemoRollout:
    """Each line decided with the memo and without it, alike, as written; some rule fired,
    passed and errored on the way."""
    path = tmp_path / "r.jsonl"
    path.write_text("".join(lines))
    shared = MemoRollout(policy_set)
    plain = Rollout(policy_set, messages=False)
    statuses = set()
    for facts in RecordingReader(path).snapshots(strict=False):
        decision = shared.decide(facts)
        assert decision == plain.decide(facts)
        statuses.update(r.status for r in decision.results)
    assert {RuleStatus.FIRED, RuleStatus.PASSED, RuleStatus.ERROR} <= statuses
    return shared
