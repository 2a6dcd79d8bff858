"""Bad policy edits, as a reviewer's pull request writes them: each loads clean before its
fix and leaves a rule that can never fire, so the gate says continue where it should not.

Each test failed before its fix. The contract is the README's "Policy files": everything
that can be known wrong before any facts exist is refused at load, at its file:line:col.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import call_cli, healthy, write_yaml
from test_diff import FIXTURES, copy_policies, diff_in_process, edit, git


def write_policy(folder: Path, when: str, params: str = "{limits: {error_rate: 0.001}}") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "health.yaml").write_text(
        "apiVersion: phasegate/v1\n"
        "kind: Policy\n"
        "name: health\n"
        f"params: {params}\n"
        "rules:\n"
        "  - id: health.error-rate\n"
        f"    when: {when}\n"
        "    verdict: rollback\n",
        encoding="utf-8",
    )
    return folder


@pytest.mark.parametrize(
    ("when", "col"),
    [
        # A typo below a param map: under has() or `.?` it was quietly false for ever.
        ("has(params.limits.eror_rate) && facts.metrics.error_rate > params.limits.eror_rate", 15),
        ("facts.metrics.error_rate > params.?limits.?eror_rate.orValue(1.0)", 38),
        # Unguarded, it errored (a pause) in every evaluation instead of being refused.
        ("facts.metrics.error_rate > params.limits.eror_rate", 38),
    ],
)
def test_a_misspelt_nested_param_is_refused_at_load(tmp_path: Path, when: str, col: int) -> None:
    policies = write_policy(tmp_path / "policies", when)
    facts = breached(tmp_path)
    expected = (
        f"{policies}/health.yaml:7:{col}: error: rule health.error-rate: unknown param "
        "'params.limits.eror_rate' (keys of params.limits: error_rate)"
    )
    evaluated = call_cli("evaluate", str(facts), "--policies", str(policies), "--no-cache")
    assert evaluated.returncode == 3, evaluated.stdout + evaluated.stderr
    assert evaluated.stderr.startswith(expected), evaluated.stderr
    linted = call_cli("lint", str(policies))
    assert linted.returncode == 1, linted.stdout + linted.stderr
    assert linted.stdout.startswith(expected), linted.stdout


def test_a_nested_param_that_exists_still_loads(tmp_path: Path) -> None:
    policies = write_policy(
        tmp_path / "policies",
        "facts.metrics.error_rate > params.limits.error_rate && params.names.exists(n, n == 'x')",
        "{limits: {error_rate: 0.001}, names: [x]}",
    )
    result = call_cli("evaluate", str(breached(tmp_path)), "--policies", str(policies))
    assert result.returncode == 20, result.stdout + result.stderr


def breached(tmp_path: Path) -> Path:
    """A Phase 1 document whose error rate is far past any limit the policies set."""
    facts = healthy()
    facts["metrics"]["error_rate"] = 0.5
    return write_yaml(tmp_path / "facts.yaml", facts)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding the shipped policies and the fixtures, committed once."""
    root = tmp_path / "repo"
    copy_policies(root / "policies")
    shutil.copytree(FIXTURES, root / "fixtures" / "facts")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "policies")
    return root


def test_diff_fails_on_a_freeze_made_a_wait(repo: Path) -> None:
    """`pause: wait` on `freeze.active` keeps the verdict pause, but `--allow-pause` (the
    runner's flag for windows) then passes a frozen deployment: exit 0. `diff --fail-on
    relax` listed neither the document nor the rule as changed, and exited 0."""
    edit(
        repo / "policies" / "freeze.yaml",
        "    verdict: pause\n",
        "    verdict: pause\n    pause: wait\n",
    )
    frozen = repo / "fixtures" / "facts" / "phase0-freeze.active.yaml"
    allowed = call_cli("evaluate", str(frozen), "--policies", "policies", "--allow-pause", cwd=repo)
    assert allowed.returncode == 0, allowed.stdout  # what the edit does to a run
    result = diff_in_process(repo, "--base", "HEAD", "--fail-on", "relax")
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "fixtures/facts/phase0-freeze.active.yaml: pause (hold) -> pause (wait) (less strict)"
        in result.stdout
    )
    assert '  freeze.active: pause "hold" -> "wait"' in result.stdout


def test_diff_lists_a_rule_made_final_as_changed(repo: Path) -> None:
    edit(
        repo / "policies" / "freeze.yaml",
        "    verdict: pause\n",
        "    verdict: pause\n    final: true\n",
    )
    result = diff_in_process(repo, "--base", "HEAD", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["rules"]["changed"] == ["freeze.active"]
    final = {"field": "final", "base": False, "head": True}
    assert document["fields"] == {"freeze.active": [final]}


@pytest.mark.parametrize(
    ("when", "params", "message"),
    [
        # `rollout.rolled-back` with the state spelt as in its id: it never fired again.
        (
            "has(facts.rollout) && facts.rollout.state == 'rolled-back'",
            "{}",
            "7:33: error: rule health.error-rate: 'rolled-back' is not a value "
            "facts.rollout.state can have (one of: rolling_out, rolled_back, closed): "
            "the comparison never holds [unknown-value]",
        ),
        # A P1 incident never rolled back once the param said `p1`.
        (
            "facts.incidents.exists(i, i.severity in params.severe && i.status != 'resolved')",
            "{severe: [P0, p1]}",
            "7:37: error: rule health.error-rate: 'p1' is not a value i.severity can have "
            "(one of: P0, P1, P2, P3, P4): it never matches [unknown-value]",
        ),
        # Every incident counted as unresolved: the comparison always holds.
        (
            "facts.incidents.exists(i, i.severity in ['P0', 'P1'] && 'resolvd' != i.status)",
            "{}",
            "7:67: error: rule health.error-rate: 'resolvd' is not a value i.status can have "
            "(one of: open, mitigated, resolved): the comparison always holds [unknown-value]",
        ),
    ],
)
def test_lint_refuses_a_string_the_facts_schema_never_allows(
    tmp_path: Path, when: str, params: str, message: str
) -> None:
    policies = write_policy(tmp_path / "policies", when, params)
    linted = call_cli("lint", str(policies))
    assert linted.returncode == 1, linted.stdout + linted.stderr
    assert f"{policies}/health.yaml:{message}" in linted.stdout.splitlines()


def test_lint_takes_a_string_the_facts_schema_allows(tmp_path: Path) -> None:
    when = (
        "facts.incidents.exists(i, i.severity in params.severe && i.status != 'resolved')"
        " || has(facts.rollout) && facts.rollout.state == 'rolled_back'"
    )
    linted = call_cli("lint", str(write_policy(tmp_path / "policies", when, "{severe: [P0]}")))
    assert linted.returncode == 0, linted.stdout + linted.stderr


CORRUPTION = """  - id: trigger.data-corruption
    title: No workspace or session state corruption
    when: facts.state.corruption_indicators > 0 || !facts.state.db_integrity_ok
    verdict: rollback
    message: >-
      state corruption: {{ facts.state.corruption_indicators }} indicator(s),
      database integrity ok = {{ facts.state.db_integrity_ok }}
"""


@pytest.mark.parametrize(
    ("head", "why"),
    [
        ("", "removed"),
        (CORRUPTION + "    mode: shadow\n", "made shadow: it no longer decides"),
        (CORRUPTION.replace("verdict: rollback", "verdict: pause"), "verdict rollback -> pause"),
        (CORRUPTION + "    phases: [0, 2]\n", "phases [1] dropped"),
        (CORRUPTION + "    for: 3\n", "fires after 3 of 3 snapshots, was 1 of 1"),
    ],
)
def test_diff_fails_on_a_weakened_rule_whose_fixture_went_with_it(
    repo: Path, head: str, why: str
) -> None:
    """The corpus only shows what a change does to the documents it holds: a pull request
    that weakens a trigger and deletes the trigger's fixture changed no document, and
    `--fail-on relax` passed it (exit 0)."""
    edit(repo / "policies" / "triggers.yaml", CORRUPTION, head)
    (repo / "fixtures" / "facts" / "phase1-trigger.data-corruption.yaml").unlink()
    result = diff_in_process(repo, "--base", "HEAD", "--fail-on", "relax")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"relaxed trigger.data-corruption: {why}" in result.stdout.splitlines()
    document = json.loads(diff_in_process(repo, "--base", "HEAD", "--format", "json").stdout)
    assert document["relaxed_rules"] == [{"id": "trigger.data-corruption", "why": why}]


def test_diff_does_not_call_a_stricter_rule_relaxed(repo: Path) -> None:
    edit(
        repo / "policies" / "triggers.yaml",
        CORRUPTION,
        CORRUPTION + "    within: {count: 1, of: 3}\n    keep_for: 2\n",
    )
    result = diff_in_process(repo, "--base", "HEAD", "--fail-on", "relax", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "relaxed_rules" not in json.loads(result.stdout)


def test_lint_reads_a_key_looked_for_with_in_as_the_fact_it_names(tmp_path: Path) -> None:
    """`'key' in facts.map` is a has() by another name: a misspelt key is false for ever,
    and lint, which names `has(facts.state.db_integrity)`, said nothing of it."""
    when = "phase > 0 && 'db_integrity' in facts.state"
    policies = write_policy(tmp_path / "policies", when, "{}")
    linted = call_cli("lint", str(policies))
    assert linted.returncode == 1, linted.stdout + linted.stderr
    assert linted.stdout.splitlines()[0] == (
        f"{policies}/health.yaml:7:24: error: rule health.error-rate: unknown fact "
        "'facts.state.db_integrity' (did you mean facts.state.db_integrity_ok?) [unknown-fact]"
    )
