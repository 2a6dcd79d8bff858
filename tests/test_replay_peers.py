"""The peer benchmark's peers (benchmarks/peers/) decide as phasegate does: same verdict and
same fired rules on every fixture and every snapshot the benchmark writes, or the figures
compare different work. And the benchmark's recording is what a real rollout writes: no
rule errors, mostly continue, some pause and some rollback."""

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

sys.path[:0] = [str(ROOT / "benchmarks" / "peers"), str(ROOT / "benchmarks")]
import cel_peer  # noqa: E402
import run as peers_command  # noqa: E402
from yaml12 import load  # noqa: E402

from replay_bench import generate  # noqa: E402

POLICY_SET = load_policy_set(POLICIES)
ENV, RULES = cel_peer.load_rules(POLICIES)
REGO = opa_eval.OpaEval(
    str(ROOT / "benchmarks" / "peers" / "phasegate.rego"), query="data.phasegate.decision"
)


def _peers(text: str, data: dict) -> tuple[tuple[str, list[str]], tuple[str, list[str]]]:
    by_rego = REGO.evaluate_parsed(text)
    return cel_peer.decide(ENV, RULES, data), (by_rego["verdict"], by_rego["fired"])


def _fired(decision) -> list[str]:
    return sorted(r.id for r in decision.results if r.status is RuleStatus.FIRED)


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.yaml")), ids=lambda p: p.name)
def test_both_peers_decide_every_fixture_as_phasegate_does(path: Path):
    decision = evaluate(load_facts(path), POLICY_SET)
    expected = (decision.verdict.label, _fired(decision))
    data = load(path.read_text())
    by_cel, by_rego = _peers(json.dumps(data), data)
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
