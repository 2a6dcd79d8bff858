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

from conftest import healthy, run_cli, write_yaml
from test_diff import FIXTURES, copy_policies, diff_cli, edit, git


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
    evaluated = run_cli("evaluate", str(facts), "--policies", str(policies), "--no-cache")
    assert evaluated.returncode == 3, evaluated.stdout + evaluated.stderr
    assert evaluated.stderr.startswith(expected), evaluated.stderr
    linted = run_cli("lint", str(policies))
    assert linted.returncode == 1, linted.stdout + linted.stderr
    assert linted.stdout.startswith(expected), linted.stdout


def test_a_nested_param_that_exists_still_loads(tmp_path: Path) -> None:
    policies = write_policy(
        tmp_path / "policies",
        "facts.metrics.error_rate > params.limits.error_rate && params.names.exists(n, n == 'x')",
        "{limits: {error_rate: 0.001}, names: [x]}",
    )
    result = run_cli("evaluate", str(breached(tmp_path)), "--policies", str(policies))
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
    allowed = run_cli("evaluate", str(frozen), "--policies", "policies", "--allow-pause", cwd=repo)
    assert allowed.returncode == 0, allowed.stdout  # what the edit does to a run
    result = diff_cli(repo, "--base", "HEAD", "--fail-on", "relax")
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
    result = diff_cli(repo, "--base", "HEAD", "--format", "json")
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
    linted = run_cli("lint", str(policies))
    assert linted.returncode == 1, linted.stdout + linted.stderr
    assert f"{policies}/health.yaml:{message}" in linted.stdout.splitlines()


def test_lint_takes_a_string_the_facts_schema_allows(tmp_path: Path) -> None:
    when = (
        "facts.incidents.exists(i, i.severity in params.severe && i.status != 'resolved')"
        " || has(facts.rollout) && facts.rollout.state == 'rolled_back'"
    )
    linted = run_cli("lint", str(write_policy(tmp_path / "policies", when, "{severe: [P0]}")))
    assert linted.returncode == 0, linted.stdout + linted.stderr
