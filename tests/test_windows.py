"""Rules over windows: `within: {count: M, of: N}` and `keep_for: K`, in evaluation,
replay's shared results, the decision JSON and explain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from conftest import ROOT, call_cli, healthy
from phasegate.core.evaluate import Rollout
from phasegate.core.facts import facts_from_data
from phasegate.core.policy import load_policy_set
from phasegate.core.record import decision_object

HIGH, LOW = 0.05, 0.011

POLICY = """\
apiVersion: phasegate/v1
kind: Policy
name: windowed
phases: [1]
rules:
  - id: windowed.within
    when: facts.metrics.error_rate > facts.baseline.error_rate * 1.3
    within: {{count: 2, of: 3}}
    verdict: rollback
  - id: windowed.keep
    when: facts.metrics.error_rate > facts.baseline.error_rate * 1.3
    keep_for: 2
    verdict: pause
{extra}"""


def policies(tmp_path: Path, extra: str = "") -> Path:
    folder = tmp_path / "policies"
    folder.mkdir(exist_ok=True)
    (folder / "windowed.yaml").write_text(POLICY.format(extra=extra), encoding="utf-8")
    return folder


def snapshots(rates: list[float]) -> list[dict]:
    return [
        healthy(
            collected_at=f"2026-11-20T10:{minute:02d}:00Z",
            metrics={**healthy()["metrics"], "error_rate": rate},
        )
        for minute, rate in enumerate(rates)
    ]


RATES = [HIGH, LOW, HIGH, LOW, LOW, LOW, HIGH]
#: M of the last N: pending on a first match, fired at the second within 3, then the
#: window empties; keep_for: fired, then 2 more snapshots, then passed.
WITHIN = ["pending", "passed", "fired", "passed", "passed", "passed", "pending"]
KEEP = ["fired", "fired", "fired", "fired", "fired", "passed", "fired"]


@pytest.mark.parametrize("messages", [True, False])
def test_within_and_keep_for_over_a_rollout(tmp_path, messages):
    """Both ways of deciding (with messages; replay's shared results) agree."""
    policy_set = load_policy_set(policies(tmp_path))
    rollout = Rollout(policy_set, messages=messages)
    within, keep = [], []
    for number, data in enumerate(snapshots(RATES)):
        decision = rollout.decide(facts_from_data(data, f"s{number}"))
        results = {result.id: result for result in decision.results}
        within.append(results["windowed.within"].status.value)
        keep.append(results["windowed.keep"].status.value)
    assert within == WITHIN
    assert keep == KEEP


def test_the_window_state_is_in_the_decision_json(tmp_path):
    policy_set = load_policy_set(policies(tmp_path))
    rollout = Rollout(policy_set)
    for number, data in enumerate(snapshots(RATES[:4])):
        decision = rollout.decide(facts_from_data(data, f"s{number}"))
    document = decision_object(decision)
    schema = json.loads((ROOT / "schemas" / "decision.schema.json").read_text())
    assert list(Draft202012Validator(schema).iter_errors(document)) == []
    rules = {rule["id"]: rule for rule in document["rules"]}
    assert rules["windowed.within"]["within"] == {"count": 2, "of": 3, "matched": 1}
    assert rules["windowed.within"]["status"] == "passed"
    # fired at #2, then #3 is the first of the 2 kept snapshots: 1 left
    assert (rules["windowed.keep"]["keep_for"], rules["windowed.keep"]["kept"]) == (2, 1)
    assert rules["windowed.keep"]["status"] == "fired"
    assert decision.verdict.label == "pause"


def test_explain_and_replay_show_the_window(tmp_path):
    folder = policies(tmp_path)
    rows = snapshots(RATES[:3])
    history = tmp_path / "history.jsonl"
    history.write_text("".join(json.dumps(row) + "\n" for row in rows[:2]), encoding="utf-8")
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(rows[2]), encoding="utf-8")
    done = call_cli(
        "explain", str(facts), "--policies", str(folder), "--history", str(history),
        "--rule", "windowed.within",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "matched in 2 of the last 3 snapshots (within: 2 of 3), so the rule fires" in (
        done.stdout
    )
    replayed = call_cli("replay", str(history), "--policies", str(folder), "--format", "json")
    assert replayed.returncode == 0, replayed.stderr
    first = json.loads(replayed.stdout)["recordings"][0]["snapshots"][0]
    assert first["pending"] == ["windowed.within"] and first["fired"] == ["windowed.keep"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '  - id: windowed.never\n    when: "true"\n    within: {count: 4, of: 3}\n'
            "    verdict: pause\n",
            "within.count 4 is more than within.of 3",
        ),
        (
            '  - id: windowed.both\n    when: "true"\n    for: 2\n    within: {count: 1, of: 3}\n'
            "    verdict: pause\n",
            "use `for` or `within`, not both",
        ),
    ],
)
def test_impossible_windows_are_refused_at_load(tmp_path, extra, message):
    folder = policies(tmp_path, extra)
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(healthy()), encoding="utf-8")
    done = call_cli("evaluate", str(facts), "--policies", str(folder))
    assert done.returncode == 3, done.stdout
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_failing_policy_test_names_the_window_state(tmp_path):
    """A policy test over a history that expects the rule to fire too early says how far
    the window got."""
    folder = policies(tmp_path)
    rows = snapshots([HIGH, LOW, HIGH])
    (folder / "tests").mkdir()
    history = folder / "tests" / "history.jsonl"
    history.write_text(json.dumps(rows[1]) + "\n", encoding="utf-8")
    case = {
        "apiVersion": "phasegate/v1",
        "kind": "PolicyTest",
        "name": "windowed",
        "cases": [
            {
                "name": "one match is not enough",
                "facts": rows[2],
                "history": "history.jsonl",
                "expect": {"fired": ["windowed.within"]},
            }
        ],
    }
    (folder / "tests" / "windowed.yaml").write_text(json.dumps(case), encoding="utf-8")
    done = call_cli("test", "--policies", str(folder), str(folder / "tests"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "windowed.within did not fire (pending, matched 1 of the last 3 (within 2 of 3))"
        in done.stdout
    )
