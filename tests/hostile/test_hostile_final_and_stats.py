"""Found by an independent review after the merge: a final rule that is not a hold, or a
statistics test past its range, let a rollback trigger's facts continue."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, POLICIES, call_cli, healthy, write_yaml
from phasegate.core.evaluate import evaluate
from phasegate.core.facts import facts_from_data
from phasegate.core.policy import load_policy_set
from phasegate.core.verdict import Verdict
from phasegate.errors import InputError

CORRUPTION = FIXTURES / "phase1-trigger.data-corruption.yaml"


def _with_rule(tmp_path: Path, rule: str) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(POLICIES, folder, ignore=shutil.ignore_patterns("tests"))
    (folder / "zz.yaml").write_text(
        f"apiVersion: phasegate/v1\nkind: Policy\nname: zz\nrules:\n  - {rule}\n"
    )
    return folder


@pytest.mark.parametrize(
    ("rule", "why"),
    [
        ("{id: zz.f, when: 'true', verdict: pause, final: true, mode: shadow}", "shadow"),
        ("{id: zz.f, when: 'true', verdict: continue, final: true}", "a hold"),
        ("{id: zz.f, when: 'true', verdict: rollback, final: true}", "a hold"),
        ("{id: zz.f, when: 'true', verdict: pause, pause: wait, final: true}", "a hold"),
    ],
)
def test_a_final_rule_that_is_not_a_hold_is_refused_at_load(tmp_path: Path, rule: str, why):
    folder = _with_rule(tmp_path, rule)
    with pytest.raises(InputError) as refused:
        load_policy_set(folder)
    assert why in str(refused.value) and "zz.yaml" in str(refused.value)
    done = call_cli("evaluate", str(CORRUPTION), "--policies", str(folder), "--no-cache")
    assert done.returncode == 3 and "zz.yaml:5" in done.stderr, done.stderr


@pytest.mark.parametrize(
    "counts",
    [
        {"commands": 2**62, "errors": 2**62 - 5},  # scipy's p-value overflowed to NaN
        {"commands": 2**62, "errors": 2**62},  # scipy's exact test ran for minutes
    ],
)
def test_a_statistics_test_past_its_range_errors_and_pauses(tmp_path: Path, counts):
    folder = tmp_path / "policies"
    folder.mkdir()
    write_yaml(
        folder / "p.yaml",
        {
            "apiVersion": "phasegate/v1",
            "kind": "Policy",
            "name": "p",
            "params": {"significance": 0.01},
            "rules": [
                {
                    "id": "p.rate-above",
                    "when": "has(facts.counts) && stats.errorRateAbove(facts.counts.errors,"
                    " facts.counts.commands, 1, facts.counts.commands) < params.significance",
                    "verdict": "rollback",
                }
            ],
        },
    )
    data = healthy(counts=counts)
    data["metrics"]["error_rate"] = counts["errors"] / counts["commands"]  # as counted
    decision = evaluate(facts_from_data(data, "f.yaml"), load_policy_set(folder))
    [result] = decision.results
    assert decision.verdict is Verdict.PAUSE and result.status.value == "error"
    assert "too large to test" in (result.error or "")
