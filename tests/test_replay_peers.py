"""The peer benchmark's peers (benchmarks/peers/) decide as phasegate does: same verdict and
same fired rules on every fixture, every case of the shipped policy tests and every snapshot
the benchmark writes, or the figures compare different work. What decides is compared: the
live rules (a `mode: shadow` rule never changes a verdict, so the peers leave it out). And
the benchmark's recording is what a real rollout writes: no rule errors, mostly continue,
some pause and some rollback."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import opa_eval
import pytest

from conftest import FIXTURES, POLICIES, ROOT
from phasegate.core.evaluate import RuleStatus, evaluate
from phasegate.core.facts import facts_from_data, load_facts
from phasegate.core.policy import load_policy_set
from phasegate.replay.memo import MemoRollout
from phasegate.review.testing import deep_merge, load_test_files

sys.path[:0] = [str(ROOT / "benchmarks" / "peers"), str(ROOT / "benchmarks")]
import cel_peer  # noqa: E402
import run as peers_command  # noqa: E402
from yaml12 import load  # noqa: E402

from replay_bench import generate  # noqa: E402

POLICY_SET = load_policy_set(POLICIES)
ENV, RULES = cel_peer.load_rules(POLICIES)
REGO_FILE = str(ROOT / "benchmarks" / "peers" / "phasegate.rego")
REGO = opa_eval.OpaEval(REGO_FILE, query="data.phasegate.decision")
LIVE = [rule for rule in POLICY_SET.rules if not rule.shadow]


def _peers(text: str, data: dict) -> tuple[tuple[str, list[str]], tuple[str, list[str]]]:
    by_rego = REGO.evaluate_parsed(text)
    return cel_peer.decide(ENV, RULES, data), (by_rego["verdict"], by_rego["fired"])


def _fired(decision) -> list[str]:
    """The live rules that fired: a shadow rule's result is recorded, never decides."""
    return sorted(r.id for r in decision.results if r.status is RuleStatus.FIRED and not r.shadow)


def test_both_peers_hold_the_live_rules_of_the_shipped_set():
    """A rule added to policies/ and not to the peers fails here, whatever the facts."""
    assert any(rule.shadow for rule in POLICY_SET.rules) and any(rule.final for rule in LIVE)
    live = {rule.id: (sorted(rule.phases), rule.verdict.label, rule.final) for rule in LIVE}
    by_cel = {rule[0]: (sorted(rule[1]), rule[2], rule[6]) for rule in RULES}
    tables = {
        name: opa_eval.OpaEval(REGO_FILE, query=f"data.phasegate.{name}").evaluate_parsed("{}")
        for name in ("phases", "verdicts", "finals")
    }
    by_rego = {
        rule_id: (sorted(phases), tables["verdicts"][rule_id], rule_id in tables["finals"])
        for rule_id, phases in tables["phases"].items()
    }
    assert by_cel == live and by_rego == live


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.yaml")), ids=lambda p: p.name)
def test_both_peers_decide_every_fixture_as_phasegate_does(path: Path):
    decision = evaluate(load_facts(path), POLICY_SET)
    expected = (decision.verdict.label, _fired(decision))
    data = load(path.read_text())
    by_cel, by_rego = _peers(json.dumps(data), data)
    assert by_cel == expected and by_rego == expected


def test_both_peers_decide_every_policy_test_case_as_phasegate_does():
    """The shipped policy tests' patched facts reach what the fixtures do not: a final rule
    firing beside others, overrides, missing facts that make a rule error."""
    cases = [
        case
        for file in load_test_files([POLICIES / "tests"], lambda: POLICY_SET)
        for case in file.cases
    ]
    assert len(cases) > 80
    for case in cases:
        decision = evaluate(case.facts, POLICY_SET, case.history)
        expected = (decision.verdict.label, _fired(decision))
        text = json.dumps(case.facts.data)
        by_cel, by_rego = _peers(text, json.loads(text))
        assert by_cel == expected and by_rego == expected, case.name


#: One operator's summary in a merged cohort (`operators`), without metrics of its own.
OPERATOR = {"source": "a.json", "collected_at": "2026-11-20T10:00:00Z"}

EDGES = {
    "a sample gap just under the interval's next second": {
        "rollout": {"sample_gap_seconds": 600.9}
    },
    "a sample gap CEL's duration holds": {"rollout": {"sample_gap_seconds": 315576000000}},
    "a sample gap beyond CEL's duration": {"rollout": {"sample_gap_seconds": 315576000001}},
    "a sample gap beyond int64": {"rollout": {"sample_gap_seconds": 1e19}},
    "a window restarted within the hour, at an offset": {
        "rollout": {"phase_stable_since": "2026-11-21T11:00:00+01:00"}
    },
    "a window restarted an hour ago, in lower case": {
        "rollout": {"phase_stable_since": "2026-11-21t09:30:00z"}
    },
    "a previous phase unclean after its continue": {
        "rollout": {"previous_phase_stable_since": "2026-11-21T07:10:00+00:00"}
    },
    "a rolled-back change whose triggers roll back": {
        "rollout": {"state": "rolled_back"},
        "state": {"corruption_indicators": 3},
    },
    "a closed change whose triggers roll back": {
        "rollout": {"state": "closed"},
        "state": {"corruption_indicators": 3},
    },
    # A merged cohort where one operator did not measure a rate (the cohort's is absent: an
    # error) and another's own rate is past the limit, or is not.
    "a cohort without a lock contention rate, one operator spiking": {
        "metrics": {"lock_contention_rate": None},
        "operators": {"a": OPERATOR, "b": {**OPERATOR, "metrics": {"lock_contention_rate": 0.2}}},
    },
    "a cohort without an error rate, one operator regressed": {
        "metrics": {"error_rate": None},
        "operators": {"a": OPERATOR, "b": {**OPERATOR, "metrics": {"error_rate": 0.3}}},
    },
    "a cohort without either rate, the operators calm": {
        "metrics": {"error_rate": None, "lock_contention_rate": None},
        "operators": {
            "a": OPERATOR,
            "b": {**OPERATOR, "metrics": {"error_rate": 0.01, "lock_contention_rate": 0.01}},
        },
    },
}


@pytest.mark.parametrize("patch", EDGES.values(), ids=EDGES.keys())
def test_both_peers_decide_the_edges_as_phasegate_does(patch: dict):
    data = deep_merge(load((FIXTURES / "phase2-healthy.yaml").read_text()), patch)
    decision = evaluate(facts_from_data(json.loads(json.dumps(data)), "edge"), POLICY_SET)
    expected = (decision.verdict.label, _fired(decision))
    text = json.dumps(data)
    by_cel, by_rego = _peers(text, json.loads(text))
    assert by_cel == expected and by_rego == expected


def test_both_peers_decide_every_benchmark_snapshot_as_phasegate_does():
    """The peers command's own recording (its default length and seed), each snapshot."""
    rollout = MemoRollout(POLICY_SET)
    verdicts: Counter[str] = Counter()
    for number, data in enumerate(generate(peers_command.SNAPSHOTS, 7)):
        text = json.dumps(data)
        decision = rollout.decide(facts_from_data(json.loads(text), f"#{number}"))
        assert not decision.with_status(RuleStatus.ERROR), number
        expected = (decision.verdict.label, _fired(decision))
        by_cel, by_rego = _peers(text, json.loads(text))
        assert by_cel == expected and by_rego == expected, number
        verdicts[expected[0]] += 1
    assert verdicts["continue"] > 0.85 * peers_command.SNAPSHOTS
    assert verdicts["pause"] > 50 and verdicts["rollback"] > 50
