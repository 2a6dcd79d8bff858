"""Shadow rules (`mode: shadow`): evaluated and recorded, counted in replay, backtest and
diff, and never part of the verdict or the exit code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from conftest import POLICIES, ROOT, call_cli, healthy, write_yaml
from phasegate.core.evaluate import RuleStatus, evaluate
from phasegate.core.facts import facts_from_data
from phasegate.core.policy import load_policy_set
from phasegate.core.record import decision_object
from phasegate.core.recording import read_recording
from phasegate.core.verdict import Verdict
from phasegate.replay.replay import replay
from phasegate.review.backtest import backtest, load_labels

DEGRADES = ROOT / "fixtures" / "recordings" / "phase1-error-rate-degrades.jsonl"

TIGHT = """\
apiVersion: phasegate/v1
kind: Policy
name: tight
phases: [1, 2]
rules:
  - id: shadow.error-rate-tight
    when: facts.metrics.error_rate > facts.baseline.error_rate
    verdict: rollback
    mode: shadow
    message: "error rate {{ facts.metrics.error_rate }} above baseline"
"""


def policies_with(tmp_path: Path, text: str = TIGHT) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir()
    for path in POLICIES.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    (folder / "tight.yaml").write_text(text, encoding="utf-8")
    return folder


def test_a_firing_shadow_rule_is_recorded_but_never_decides(tmp_path):
    policies = policies_with(tmp_path)
    facts = write_yaml(tmp_path / "facts.yaml", healthy())  # error_rate 0.012 > 0.011
    done = call_cli("evaluate", str(facts), "--policies", str(policies), "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    schema = json.loads((ROOT / "schemas" / "decision.schema.json").read_text())
    assert list(Draft202012Validator(schema).iter_errors(document)) == []
    assert document["verdict"] == "continue"
    [rule] = [r for r in document["rules"] if r["id"] == "shadow.error-rate-tight"]
    assert (rule["status"], rule["mode"], rule["verdict"]) == ("fired", "shadow", "rollback")
    shadows = {r["id"] for r in document["rules"] if "mode" in r}
    assert shadows == {rule["id"], *(r.id for r in load_policy_set(POLICIES).rules if r.shadow)}

    text = call_cli("evaluate", str(facts), "--policies", str(policies))
    assert text.returncode == 0
    assert "  rollback shadow.error-rate-tight (shadow): error rate 0.012" in text.stdout
    github = call_cli("evaluate", str(facts), "--policies", str(policies), "--format", "github")
    commands = [line.split(" ", 1)[0] for line in github.stdout.splitlines()]
    assert commands == ["::notice", "::notice"], github.stdout
    junit = call_cli("evaluate", str(facts), "--policies", str(policies), "--format", "junit")
    assert junit.returncode == 0 and "<failure" not in junit.stdout


def test_promoting_a_shadow_rule_is_deleting_one_line(tmp_path):
    policies = policies_with(tmp_path, TIGHT.replace("    mode: shadow\n", ""))
    facts = write_yaml(tmp_path / "facts.yaml", healthy())
    done = call_cli("evaluate", str(facts), "--policies", str(policies))
    assert done.returncode == 20, done.stdout


@pytest.mark.parametrize("memo", [False, True])
def test_replay_counts_the_snapshots_a_shadow_rule_would_have_changed(tmp_path, memo):
    """error_rate 0.011 0.012 0.011 0.012 0.016 0.02 0.03 0.05; live continue x4, pause x2,
    rollback x2: the shadow rollback would change #1, #3 (continue) and #4, #5 (pause)."""
    policy_set = load_policy_set(policies_with(tmp_path))
    if memo:  # replay's streaming path shares results between snapshots
        done = call_cli("replay", str(DEGRADES), "--policies", str(tmp_path / "policies"),
                       "--format", "json")  # fmt: skip
        assert done.returncode == 0, done.stderr
        [recording] = json.loads(done.stdout)["recordings"]
        summary = recording["summary"]
        assert summary["counts"] == {"continue": 4, "pause": 2, "rollback": 2}
    else:
        summary = replay(read_recording(DEGRADES), policy_set).summary()
    assert summary["shadow_disagreements"]["shadow.error-rate-tight"] == 4


def test_backtest_scores_a_shadow_rule_as_if_live_and_counts_its_disagreements(tmp_path):
    policy_set = load_policy_set(policies_with(tmp_path))
    result, _ = backtest([DEGRADES], policy_set, load_labels(ROOT / "fixtures" / "labels.yaml"), 50)
    [score] = [s for s in result["rules"] if s["id"] == "shadow.error-rate-tight"]
    assert (score["mode"], score["disagreements"]) == ("shadow", 4)
    assert score["lead_time_s"] == 1200  # 10:05 vs INC-12 at 10:25
    assert result["set"]["lead_time_s"] == 300  # the set is the live rules' only


def test_diff_counts_a_shadow_rule_against_each_side(tmp_path):
    base = tmp_path / "base"
    shutil.copytree(POLICIES, base, ignore=shutil.ignore_patterns("tests"))
    head = policies_with(tmp_path)
    args = ["diff", "--base", str(base), "--policies", str(head), "--corpus", str(DEGRADES)]
    done = call_cli(*args)
    assert done.returncode == 0, done.stderr
    assert "shadow shadow.error-rate-tight: would change absent -> 4 of 8 verdicts" in done.stdout
    document = json.loads(call_cli(*args, "--format", "json").stdout)
    assert document["shadow"] == [
        {"id": "shadow.error-rate-tight", "base_disagreements": None, "head_disagreements": 4}
    ]
    assert document["changes"] == []  # a shadow rule firing changes no verdict


def test_the_decision_log_form_records_the_mode(tmp_path):
    policy_set = load_policy_set(policies_with(tmp_path))
    decision = evaluate(facts_from_data(healthy(), "f.yaml"), policy_set)
    assert decision.verdict is Verdict.CONTINUE
    [result] = [r for r in decision.results if r.id == "shadow.error-rate-tight"]
    assert result.status is RuleStatus.FIRED and result.effect is Verdict.ROLLBACK
    logged = {r["id"]: r for r in decision_object(decision)["rules"]}
    assert logged["shadow.error-rate-tight"]["mode"] == "shadow"
    assert "mode" not in logged["health.error-rate-regression"]
