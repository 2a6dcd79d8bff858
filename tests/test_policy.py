"""Policy files: the shipped set's contract, and every load error located in its file."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest

from conftest import FIXTURES, POLICIES, run_cli
from phasegate.core.policy import load_policy_set
from phasegate.core.verdict import Verdict
from phasegate.errors import InputError

# The contract of the shipped set (issue: "Rule ids and semantics are fixed").
SHIPPED = {
    "checklist.checks-passed": ({0, 1, 2}, Verdict.ROLLBACK),
    "checklist.version-matches": ({0, 1, 2}, Verdict.ROLLBACK),
    "checklist.owners-assigned": ({0, 1, 2}, Verdict.PAUSE),
    "trigger.contract-break": ({0, 1, 2}, Verdict.ROLLBACK),
    "trigger.data-corruption": ({0, 1, 2}, Verdict.ROLLBACK),
    "trigger.lock-contention-spike": ({1, 2}, Verdict.ROLLBACK),
    "trigger.agent-failure-cascade": ({1, 2}, Verdict.ROLLBACK),
    "health.error-rate-regression": ({1, 2}, Verdict.ROLLBACK),
    "health.error-rate-elevated": ({1, 2}, Verdict.PAUSE),
    "health.incident-open": ({1, 2}, Verdict.ROLLBACK),
    "health.new-failures": ({1, 2}, Verdict.PAUSE),
    "health.throughput-low": ({2}, Verdict.PAUSE),
    "health.completion-low": ({2}, Verdict.PAUSE),
    "window.phase1-stable": ({1}, Verdict.PAUSE),
    "window.phase2-monitoring": ({2}, Verdict.PAUSE),
    "freeze.active": ({0, 1, 2}, Verdict.PAUSE),
    "checklist.checks-on-release-commit": ({0, 1, 2}, Verdict.PAUSE),
    "rollout.phase-progression": ({1, 2}, Verdict.PAUSE),
    "rollout.rolled-back": ({0, 1, 2}, Verdict.PAUSE),
    "rollout.phase0-environments": ({1}, Verdict.PAUSE),
    "rollout.phase2-sampling": ({2}, Verdict.PAUSE),
    "rollout.closed": ({0, 1, 2}, Verdict.PAUSE),
    "rollout.rollback-unfinished": ({1, 2}, Verdict.ROLLBACK),
    "checklist.rollback-target": ({0, 1, 2}, Verdict.PAUSE),
    "checklist.rollback-target-known": ({1, 2}, Verdict.PAUSE),
    # shadow rules (policies/significance.yaml): recorded, never part of the verdict
    "health.error-rate-significant": ({1}, Verdict.ROLLBACK),
    "health.error-rate-undecided": ({1}, Verdict.PAUSE),
}


def test_shipped_set_matches_the_rule_table():
    policy_set = load_policy_set(POLICIES)
    rules = {rule.id: (set(rule.phases), rule.verdict) for rule in policy_set.rules}
    assert rules == SHIPPED
    assert all(rule.on_error is not Verdict.CONTINUE for rule in policy_set.rules)


def test_shipped_thresholds_are_named_params():
    policy_set = load_policy_set(POLICIES)
    params = {name for policy in policy_set.policies for name in policy.params}
    assert {
        "lock_spike_factor",
        "regression_factor",
        "elevated_factor",
        "throughput_floor",
        "completion_drop",
        "cascade_min_failed",
        "cascade_min_share",
    } <= params


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(POLICIES, target)
    return target


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text))
    return path


def load_errors(directory: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_policy_set(directory)
    return caught.value.lines()


ONE_RULE = """\
apiVersion: phasegate/v1
kind: Policy
name: custom
rules:
  - id: custom.rule
    when: |
      facts.metrics.error_rate > 0.5 &&
        facts.metrics.error_rate < (1.0 +
    verdict: pause
"""


def test_syntax_error_in_block_scalar_is_located(policy_dir: Path):
    path = write(policy_dir, "custom.yaml", ONE_RULE)
    [line] = load_errors(policy_dir)
    # The expression ends after `(1.0 +`; the engine reports the end of the expression, after
    # the `+` and its newline: line 2 column 37 of the expression, file line 8 column 43.
    expected = "error: rule custom.rule: syntax error: unexpected end of expression"
    assert line == f"{path}:8:43: {expected}"
    assert path.read_text().splitlines()[7][40] == "+"


def test_syntax_error_in_folded_message_placeholder_is_located(policy_dir: Path):
    path = write(
        policy_dir,
        "custom.yaml",
        """\
        apiVersion: phasegate/v1
        kind: Policy
        name: custom
        rules:
          - id: custom.rule
            when: "true"
            verdict: pause
            message: >-
              rate {{ facts.metrics.error_rate }} and
              {{ facts.metrics.error_rate +* 2.0 }}
        """,
    )
    [line] = load_errors(policy_dir)
    text = path.read_text().splitlines()[9]
    assert line.startswith(f"{path}:10:{text.index('*') + 1}: error: rule custom.rule:")
    assert "unexpected '*'" in line


def test_unknown_function_and_param_and_fact_are_load_errors(policy_dir: Path):
    path = write(
        policy_dir,
        "custom.yaml",
        """\
        apiVersion: phasegate/v1
        kind: Policy
        name: custom
        params: {limit: 3}
        rules:
          - id: custom.a
            when: facts.deployed_version.trm() == ''
            verdict: pause
          - id: custom.b
            when: facts.metrics.agents_failed > params.limt
            verdict: pause
          - id: custom.c
            when: facts.metric.error_rate > 0.1
            verdict: pause
        """,
    )
    lines = load_errors(policy_dir)
    assert lines == [
        f"{path}:7:34: error: rule custom.a: unknown function 'trm'",
        f"{path}:10:41: error: rule custom.b: unknown param 'params.limt' "
        "(params of this file: limit)",
        f"{path}:13:11: error: rule custom.c: unknown fact 'facts.metric.error_rate' "
        "(did you mean facts.metrics.error_rate?)",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("verdict: pause", "verdict: abort"),
            'rules[0].verdict: must be one of "continue", "pause", "rollback"; got "abort"',
        ),
        (("verdict: pause", "verdict: pause\n    on_error: continue"), "rules[0].on_error"),
        (("    when:", "    whn:"), "rules[0].whn: unknown field"),
        (("kind: Policy", "kind: Polcy"), 'kind: must be "Policy"'),
        (("- id: custom.rule", "- id: Custom Rule"), "rules[0].id"),
        (("name: custom", "name: custom\nphases: [1]\nrules_extra: 1"), "rules_extra"),
    ],
)
def test_schema_errors_are_located(policy_dir: Path, change, expected):
    path = write(policy_dir, "custom.yaml", ONE_RULE.replace(*change).replace("< (1.0 +", "< 1.0"))
    lines = load_errors(policy_dir)
    assert any(line.startswith(f"{path}:") and expected in line for line in lines), lines


def test_a_document_of_another_kind_is_one_error(policy_dir: Path):
    (policy_dir / "facts.yaml").write_text(
        (POLICIES.parent / "fixtures" / "facts" / "phase1-healthy.yaml").read_text()
    )
    [line] = load_errors(policy_dir)
    assert line.endswith('error: kind: must be "Policy"; got "Facts"')


def test_duplicate_rule_id_across_files_names_both(policy_dir: Path):
    path = write(
        policy_dir,
        "zz-custom.yaml",
        """\
        apiVersion: phasegate/v1
        kind: Policy
        name: custom
        rules:
          - id: freeze.active
            when: "false"
            verdict: pause
        """,
    )
    [line] = load_errors(policy_dir)
    assert line.startswith(f"{path}:5:")
    assert f"duplicate rule id 'freeze.active' (first at {policy_dir}/freeze.yaml:" in line


def test_rule_phases_must_be_within_the_policy_phases(policy_dir: Path):
    write(
        policy_dir,
        "custom.yaml",
        ONE_RULE.replace("name: custom", "name: custom\nphases: [1]")
        .replace("    verdict: pause", "    phases: [1, 2]\n    verdict: pause")
        .replace("< (1.0 +", "< 1.0"),
    )
    [line] = load_errors(policy_dir)
    assert "phases [2] are outside the policy's phases [1]" in line


def test_unclosed_placeholder_is_an_error(policy_dir: Path):
    write(
        policy_dir,
        "custom.yaml",
        ONE_RULE.replace("< (1.0 +", "< 1.0") + "    message: 'rate {{ facts.metrics.error_rate'\n",
    )
    [line] = load_errors(policy_dir)
    assert "'{{' without '}}'" in line


def test_every_problem_of_every_file_is_reported(policy_dir: Path):
    write(policy_dir, "a.yaml", ONE_RULE)
    write(policy_dir, "b.yaml", "apiVersion: phasegate/v1\nkind: Policy\nname: b\nrules: []\n")
    lines = load_errors(policy_dir)
    assert len(lines) == 2
    assert "a.yaml:" in lines[0] and "b.yaml:" in lines[1]


def test_empty_and_missing_folders(tmp_path: Path):
    assert "no policy files" in load_errors(tmp_path)[0]
    assert "policy folder not found" in load_errors(tmp_path / "nope")[0]


def test_subfolders_and_other_files_are_ignored(policy_dir: Path):
    (policy_dir / "notes").mkdir()
    write(policy_dir / "notes", "broken.yaml", "not: [a policy\n")
    write(policy_dir, "README.md", "notes")
    assert len(load_policy_set(policy_dir).rules) == len(SHIPPED)


def test_digest_follows_meaning_not_formatting(policy_dir: Path):
    before = load_policy_set(policy_dir).digest
    path = policy_dir / "triggers.yaml"
    path.write_text("# a new comment\n" + path.read_text())
    assert load_policy_set(policy_dir).digest == before
    path.write_text(path.read_text().replace("lock_spike_factor: 3.0", "lock_spike_factor: 2.5"))
    assert load_policy_set(policy_dir).digest != before


def test_a_dangling_policy_link_is_an_error_not_a_skip(policy_dir: Path):
    (policy_dir / "triggers.yaml").unlink()
    (policy_dir / "triggers.yaml").symlink_to(policy_dir / "gone.yaml")
    [line] = load_errors(policy_dir)
    assert line == f"{policy_dir}/triggers.yaml: error: named like a policy but a dangling link"


def test_a_policy_file_name_that_is_not_utf8_is_refused_by_name(policy_dir: Path):
    """A hunt found `internal error: UnicodeEncodeError` (exit 1): a file name is part of
    the set's digest. (Names with control characters load; every output escapes them:
    tests/hostile/test_hostile_output.py.)"""
    target = os.path.join(os.fsencode(policy_dir), b"w\xffindows.yaml")
    os.rename(policy_dir / "triggers.yaml", target)
    [line] = load_errors(policy_dir)
    assert line.endswith("error: a policy file's name must be UTF-8: rename it")
    result = run_cli(
        "evaluate", "--policies", str(policy_dir), str(FIXTURES / "phase1-healthy.yaml")
    )
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "must be UTF-8" in result.stderr


def test_hidden_entries_are_ignored_and_suffixes_are_case_blind(policy_dir: Path):
    (policy_dir / ".#checklist.yaml").symlink_to("/nonexistent")  # an editor's lock file
    (policy_dir / "freeze.yaml").rename(policy_dir / "freeze.YML")
    assert len(load_policy_set(policy_dir).rules) == len(SHIPPED)


COSTLY = """\
apiVersion: phasegate/v1
kind: Policy
name: custom
params:
  kinds: [a, b, c]
rules:
  - id: custom.bounded
    when: facts.incidents.exists(i, params.kinds.exists(k, i.id.contains(k)))
    verdict: pause
  - id: custom.unbounded
    when: |
      facts.incidents.exists(i,
        facts.change.commit.split('').exists(c, c == i.id))
    verdict: pause
  - id: custom.divides
    when: |
      facts.metrics.agents_total > 0 &&
        double(facts.metrics.agents_failed) / double(facts.metrics.agents_total) > 0.5
        || facts.metrics.error_rate / facts.baseline.error_rate > 2.0
    verdict: rollback
"""


def test_a_rule_over_the_cost_budget_or_dividing_unguarded_is_refused_at_load(policy_dir):
    path = write(policy_dir, "custom.yaml", COSTLY)
    lines = load_errors(policy_dir)
    # A params list has a known length (3 x 10,000 steps passes); splitting a fact into
    # characters at every step of a loop over a fact list may take 9,999 x 65,536 steps.
    # The guarded division passes; the other does not.
    assert lines == [
        f"{path}:12:7: error: rule custom.unbounded: too costly: one evaluation may take "
        "662,155,171 steps (at most 10,000,000), with up to 9,999 comprehension steps and "
        "input strings of up to 65,536 characters",
        f"{path}:19:39: error: rule custom.divides: division by facts.baseline.error_rate, "
        "which may be zero: guard it (facts.baseline.error_rate > 0.0 && ...) or divide by "
        "a non-zero param (x / 0.0 is inf or NaN, and NaN compares false)",
    ]
