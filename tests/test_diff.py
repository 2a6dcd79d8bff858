"""`phasegate diff`: the decisions a policy change flips, against a real git repository."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from conftest import FIXTURES, POLICIES, ROOT, call_cli, healthy, run_cli
from phasegate.core.evaluate import Decision, Rollout, RuleStatus, UnjudgedPhase, evaluate
from phasegate.core.facts import load_facts
from phasegate.core.policy import PolicySet, load_policy_set
from phasegate.core.recording import read_recording
from phasegate.core.verdict import Verdict
from phasegate.errors import InputError
from phasegate.report.diff import markdown
from phasegate.report.diff.json import diff_object
from phasegate.review.corpus import read_corpus
from phasegate.review.diff import (
    DocumentChange,
    Outcome,
    PolicyDiff,
    RuleChanges,
    compare_rules,
    diff,
    diff_exit_code,
)

RECORDING = ROOT / "fixtures" / "recordings" / "phase1-error-rate-degrades.jsonl"
SCHEMA = json.loads((ROOT / "schemas" / "diff.schema.json").read_text(encoding="utf-8"))
REGRESSION_DOC = "fixtures/facts/phase1-health.error-rate-regression.yaml"

#: Git isolated from the machine's configuration and from any repository around the tests.
GIT_ENV = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")} | {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        [
            "git",
            "-c",
            "user.name=phasegate tests",
            "-c",
            "user.email=tests@example.invalid",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=repo,
        env=GIT_ENV,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def copy_policies(target: Path) -> Path:
    """The shipped policy files (not their tests/ folder), as committed in the repository."""
    target.mkdir(parents=True)
    for path in sorted(POLICIES.glob("*.yaml")):
        shutil.copy(path, target / path.name)
    return target


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding a copy of the policies and a corpus, committed once."""
    root = tmp_path / "repo"
    copy_policies(root / "policies")
    shutil.copytree(FIXTURES, root / "fixtures" / "facts")
    (root / "fixtures" / "recordings").mkdir()
    shutil.copy(RECORDING, root / "fixtures" / "recordings" / RECORDING.name)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "policies")
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def set_regression_factor(repo: Path, value: str) -> None:
    path = repo / "policies" / "health.yaml"
    text, count = re.subn(
        r"regression_factor: \S+", f"regression_factor: {value}", path.read_text()
    )
    assert count == 1
    path.write_text(text, encoding="utf-8")


def diff_cli(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("diff", *args, cwd=repo, env=GIT_ENV)


def diff_in_process(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`diff_cli` in this process, where the diff is the subject and not the process."""
    return call_cli("diff", *args, cwd=repo, env=GIT_ENV)


def diff_json(repo: Path, *args: str) -> dict:
    result = diff_in_process(repo, "--base", "HEAD", "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert list(Draft202012Validator(SCHEMA).iter_errors(document)) == []
    return document


def outcome(decision: Decision) -> tuple[str, list[str]]:
    fired = sorted(r.id for r in decision.results if r.status is RuleStatus.FIRED)
    return decision.verdict.label, fired


def expected_changes(base: PolicySet, head: PolicySet, repo: Path) -> dict[str, tuple]:
    """Computed without `diff`: each facts file evaluated with both sets, and the recording
    decided snapshot by snapshot in a Rollout per set, as a live run would."""
    expected = {}
    for path in sorted((repo / "fixtures" / "facts").glob("*.yaml")):
        facts = load_facts(path)
        before, after = outcome(evaluate(facts, base)), outcome(evaluate(facts, head))
        if before != after:
            expected[path.relative_to(repo).as_posix()] = (before, after)
    recording = read_recording(repo / "fixtures" / "recordings" / RECORDING.name)
    rollouts = Rollout(base), Rollout(head)
    for snapshot in recording.snapshots:
        before, after = (outcome(rollout.decide(snapshot)) for rollout in rollouts)
        if before != after:
            line = snapshot.source.rsplit(":", 1)[1]
            expected[f"fixtures/recordings/{RECORDING.name}:{line}"] = (before, after)
    return expected


def actual_changes(document: dict) -> dict[str, tuple]:
    return {
        change["document"]: (
            (change["base"]["verdict"], change["base"]["fired"]),
            (change["head"]["verdict"], change["head"]["fired"]),
        )
        for change in document["changes"]
    }


def test_one_changed_threshold_lists_exactly_the_documents_whose_decision_changes(repo, tmp_path):
    set_regression_factor(repo, "3.0")
    document = diff_json(repo)

    base = load_policy_set(copy_policies(tmp_path / "committed"))
    head = load_policy_set(repo / "policies")
    expected = expected_changes(base, head, repo)
    assert actual_changes(document) == expected
    verdict_flips = {doc for doc, (before, after) in expected.items() if before[0] != after[0]}
    assert {
        c["document"] for c in document["changes"] if c["base"]["verdict"] != c["head"]["verdict"]
    } == verdict_flips
    # 0.04 > 0.011 * 1.5 + 0.01 rolled back; 0.04 < 0.011 * 3.0 + 0.01 only pauses now.
    # The recording's snapshot on line 7 (0.03) flips too; line 8 (0.05) still rolls back.
    assert set(verdict_flips) == {REGRESSION_DOC, f"fixtures/recordings/{RECORDING.name}:7"}
    [flipped] = [c for c in document["changes"] if c["document"] == REGRESSION_DOC]
    assert (flipped["base"]["verdict"], flipped["head"]["verdict"]) == ("rollback", "pause")
    assert flipped["stopped"] == ["health.error-rate-regression"]
    assert flipped["started"] == []
    assert flipped["direction"] == "relaxed"
    assert flipped["facts"] == {
        "facts.baseline.error_rate": 0.011,
        "facts.metrics.error_rate": 0.04,
    }
    # Deterministic order: by document path, then line number.
    keys = [re.match(r"(.*?)(?::(\d+))?$", c["document"]).groups() for c in document["changes"]]
    assert keys == sorted(keys, key=lambda key: (key[0], int(key[1] or 0)))

    readers = sorted(
        rule.id
        for rule in head.rules
        if any(read.path == ("params", "regression_factor") for read in rule.when.reads)
    )
    assert readers == ["health.error-rate-regression"]
    assert document["rules"] == {"added": [], "removed": [], "changed": readers}


def test_json_is_byte_identical_across_runs(repo):
    set_regression_factor(repo, "3.0")
    first = diff_cli(repo, "--base", "HEAD", "--format", "json")
    second = diff_in_process(repo, "--base", "HEAD", "--format", "json")
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout
    assert first.stdout.endswith("}\n")
    assert first.stdout == json.dumps(json.loads(first.stdout), indent=2, sort_keys=True) + "\n"


def test_no_change_and_formatting_only_change_report_nothing(repo):
    empty = {"changes": [], "rules": {"added": [], "removed": [], "changed": []}}
    assert diff_json(repo) == empty
    # Re-indenting a condition, re-wrapping it and adding comments is not a change.
    edit(
        repo / "policies" / "triggers.yaml",
        "rules:\n",
        "# a reviewer's comment\nrules:\n",
    )
    edit(
        repo / "policies" / "health.yaml",
        "      facts.metrics.error_rate >\n"
        "        facts.baseline.error_rate * params.regression_factor + params.regression_margin",
        "      facts.metrics.error_rate > facts.baseline.error_rate\n"
        "          *   params.regression_factor +  params.regression_margin  // why",
    )
    edit(repo / "policies" / "health.yaml", "regression_factor: 1.5", "regression_factor: 1.50")
    assert diff_json(repo) == empty
    result = diff_in_process(repo, "--base", "HEAD", "--fail-on", "relax")
    assert result.returncode == 0, result.stderr


def test_a_rule_calling_a_function_phasegate_runs_is_unchanged_when_the_head_is_cached(
    repo, tmp_path
):
    """`replace` and `lists.range` run as phasegate's own functions, renamed in the program:
    a head revived from the cache compared unequal to the base read afresh (a hunt found
    `changed` for an untouched rule on every warm run)."""
    edit(
        repo / "policies" / "health.yaml",
        "rules:\n",
        "rules:\n  - id: health.renamed-probe\n    title: R\n"
        "    when: lists.range(3).size() == 7 || facts.change.tag.replace('.', '') == 'x'\n"
        "    verdict: pause\n",
    )
    git(repo, "commit", "-qam", "a rule calling replace and lists.range")
    env = {**GIT_ENV, "PHASEGATE_CACHE_DIR": str(tmp_path / "cache")}
    empty = {"changes": [], "rules": {"added": [], "removed": [], "changed": []}}
    for _ in ("cold", "warm"):
        result = run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo, env=env)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == empty
    assert list((tmp_path / "cache").glob("policies-*.json"))  # the head came from it


def test_fail_on_relax_exits_1_on_a_relaxing_change_only(repo):
    set_regression_factor(repo, "3.0")
    relaxed = diff_cli(repo, "--base", "HEAD", "--fail-on", "relax", "--format", "json")
    assert relaxed.returncode == 1, relaxed.stderr
    assert "relaxed" in {c["direction"] for c in json.loads(relaxed.stdout)["changes"]}
    assert diff_in_process(repo, "--base", "HEAD").returncode == 0  # without --fail-on: exit 0

    set_regression_factor(repo, "0.5")  # from 3.0 in the working tree: compare with 1.5
    tightened = diff_in_process(repo, "--base", "HEAD", "--fail-on", "relax", "--format", "json")
    assert tightened.returncode == 0, tightened.stderr
    changes = json.loads(tightened.stdout)["changes"]
    assert changes, "the tightening must change something for the exit code to mean anything"
    assert {c["direction"] for c in changes} == {"tightened"}


def test_added_and_removed_rules(repo):
    windows = repo / "policies" / "windows.yaml"
    text = windows.read_text(encoding="utf-8")
    start = text.index("\n  - id: window.phase2-monitoring")
    windows.write_text(text[:start] + text[text.index("\n\n", start) :])
    with (repo / "policies" / "freeze.yaml").open("a", encoding="utf-8") as handle:
        handle.write(
            "  - id: freeze.scheduled\n"
            "    when: has(facts.labels) && has(facts.labels.freeze_window)\n"
            "    verdict: pause\n"
        )
    document = diff_json(repo)
    assert document["rules"] == {
        "added": ["freeze.scheduled"],
        "removed": ["window.phase2-monitoring"],
        "changed": [],
    }
    [change] = [
        c for c in document["changes"] if c["document"].endswith("window.phase2-monitoring.yaml")
    ]
    assert (change["base"]["verdict"], change["head"]["verdict"]) == ("pause", "continue")
    assert change["stopped"] == ["window.phase2-monitoring"]
    assert set(change["facts"]) == {"now", "facts.phase_started_at"}


def test_folder_as_base_gives_the_same_result_as_the_revision(repo, tmp_path):
    committed = copy_policies(tmp_path / "committed")
    set_regression_factor(repo, "3.0")
    by_revision = diff_in_process(repo, "--base", "HEAD", "--format", "json")
    by_folder = diff_in_process(repo, "--base", str(committed), "--format", "json")
    assert by_folder.returncode == 0, by_folder.stderr
    assert by_folder.stdout == by_revision.stdout
    assert json.loads(by_folder.stdout)["changes"]
    text = diff_in_process(repo, "--base", str(committed))
    assert text.stdout.splitlines()[1] == f"base {committed}  head policies"


def test_policies_at_an_older_revision(repo):
    set_regression_factor(repo, "3.0")
    git(repo, "commit", "-q", "-am", "relax")
    assert diff_json(repo)["changes"] == []
    document = json.loads(diff_in_process(repo, "--base", "HEAD~1", "--format", "json").stdout)
    assert document["rules"]["changed"] == ["health.error-rate-regression"]
    assert REGRESSION_DOC in {c["document"] for c in document["changes"]}


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


def test_unknown_revision_is_one_usage_error(repo):
    result = diff_cli(repo, "--base", "no-such-branch")
    assert result.returncode == 2
    assert "no-such-branch: unknown git revision" in one_error_line(result)
    result = diff_in_process(repo, "--base", "--upload-pack=touch x")
    assert result.returncode == 2
    one_error_line(result)
    assert not (repo / "x").exists()
    result = diff_in_process(repo, "--base", "")
    assert result.returncode == 2
    assert one_error_line(result) == "phasegate: error: --base: give a git revision or a folder"


def test_not_a_git_repository_is_one_usage_error(repo, tmp_path):
    plain = tmp_path / "plain"
    shutil.copytree(repo / "policies", plain / "policies")
    env = GIT_ENV | {"GIT_CEILING_DIRECTORIES": str(tmp_path)}
    result = call_cli("diff", "--base", "HEAD", "--corpus", str(FIXTURES), cwd=plain, env=env)
    assert result.returncode == 2
    assert "not in a git repository" in one_error_line(result)


def test_policies_absent_at_the_revision(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "README.md").write_text("no policies yet\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    copy_policies(root / "policies")
    result = diff_cli(root, "--base", "HEAD", "--corpus", str(FIXTURES))
    assert result.returncode == 3
    assert one_error_line(result) == (
        "HEAD:policies: error: the policies folder does not exist at this revision"
    )


def test_invalid_base_policy_is_located_at_the_revision(repo):
    health = repo / "policies" / "health.yaml"
    good = health.read_text(encoding="utf-8")
    edit(health, "when: facts.metrics.throughput <", "when: facts.metrics.throughput <<")
    git(repo, "commit", "-q", "-am", "typo")
    health.write_text(good, encoding="utf-8")
    result = diff_in_process(repo, "--base", "HEAD")
    assert result.returncode == 3
    line = one_error_line(result)
    assert re.match(r"HEAD:policies/health\.yaml:\d+:\d+: error: ", line), line


def test_corpus_skips_what_is_not_facts_with_one_warning_each(repo, tmp_path):
    set_regression_factor(repo, "3.0")
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    shutil.copy(repo / REGRESSION_DOC, corpus / "sub" / "regression.yaml")
    (corpus / "README.md").write_text("not facts\n")
    (corpus / "broken.yaml").write_text("apiVersion: phasegate/v1\nkind: Facts\nphase: 7\n")
    (corpus / ".hidden.yaml").write_text("ignored: true\n")
    good = json.dumps(json.loads(RECORDING.read_text().splitlines()[6]))
    (corpus / "log.jsonl").write_text('{"not": "facts"}\n' + good + "\nnot json\n")
    result = diff_in_process(repo, "--base", "HEAD", "--corpus", str(corpus), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = result.stderr.splitlines()
    assert len(warnings) == 3, result.stderr  # README.md is not named like facts: ignored
    assert all(": warning: skipped: " in line for line in warnings)
    assert [line.split(": warning")[0].split(":")[0] for line in warnings] == [
        f"{corpus}/broken.yaml",
        f"{corpus}/log.jsonl",
        f"{corpus}/log.jsonl",
    ]
    assert f"{corpus}/log.jsonl:1: warning" in result.stderr
    assert f"{corpus}/log.jsonl:3:1: warning" in result.stderr
    documents = [c["document"] for c in json.loads(result.stdout)["changes"]]
    assert documents == [f"{corpus}/log.jsonl:2", f"{corpus}/sub/regression.yaml"]
    text = diff_in_process(repo, "--base", "HEAD", "--corpus", str(corpus))
    assert "2 of 2 documents change: 2 less strict, 0 stricter" in text.stdout
    assert "3 corpus entries skipped" in text.stdout
    readme, regression = str(corpus / "README.md"), str(corpus / "sub" / "regression.yaml")
    named = diff_in_process(repo, "--base", "HEAD", "--corpus", readme, "--corpus", regression)
    assert named.returncode == 0, named.stderr
    assert named.stderr == f"{readme}: warning: skipped: not a facts document" + (
        " (*.yaml, *.yml, *.json or *.jsonl)\n"
    )


@pytest.mark.parametrize(
    "flags",
    [(), ("--fail-on", "relax"), ("--format", "json"), ("--format", "markdown", "-o", "d.md")],
)
def test_a_corpus_without_documents_fails_closed_whatever_the_flags(repo, tmp_path, flags):
    """A relaxing change judged over nothing must not pass a `--fail-on relax` gate."""
    set_regression_factor(repo, "3.0")
    assert diff_in_process(repo, "--base", "HEAD", "--fail-on", "relax").returncode == 1
    empty = tmp_path / "empty"
    (empty / "bin").mkdir(parents=True)
    (empty / "bin" / "collect.sh").write_text("#!/bin/sh\n")  # not named like facts: ignored
    result = diff_in_process(repo, "--base", "HEAD", "--corpus", str(empty), *flags)
    assert result.returncode == 3
    assert one_error_line(result) == (
        "phasegate: error: the corpus holds no facts documents, nothing was compared "
        f"(looked at: {empty})"
    )
    assert not (repo / "d.md").exists()
    # Run from the wrong folder: the default corpus is named by the absolute paths tried.
    elsewhere = repo / "policies"
    result = call_cli(
        "diff", "--base", "HEAD", "--policies", ".", *flags, cwd=elsewhere, env=GIT_ENV
    )
    assert result.returncode == 3
    assert one_error_line(result) == (
        "phasegate: error: the corpus holds no facts documents, nothing was compared "
        f"(looked at: {elsewhere}/fixtures, {elsewhere}/.phasegate/decisions.jsonl)"
    )


def test_a_corpus_of_only_unreadable_files_fails_closed_and_says_why(repo, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: phasegate/v1\nkind: Facts\nphase: 7\n")
    notes = tmp_path / "notes.txt"
    notes.write_text("not facts\n")
    result = diff_in_process(
        repo, "--base", "HEAD", "--corpus", str(broken), "--corpus", str(notes)
    )
    assert result.returncode == 3
    line = one_error_line(result)
    assert line.startswith(
        "phasegate: error: the corpus holds no facts documents, nothing was compared "
        f"(looked at: {broken}, {notes}); 2 entries skipped, the first {broken}:"
    ), line
    unit = read_corpus([broken])
    assert unit.files == () and unit.looked_at == (broken.as_posix(),)
    base = head = load_policy_set(POLICIES)
    with pytest.raises(InputError, match="1 entry skipped, the first"):
        diff(base, head, unit)


def link_health_policy(repo: Path, target: str) -> Path:
    """Commit policies/health.yaml as a symbolic link to `target`; the working tree keeps
    the link (for the caller to replace when the link is meant to be broken)."""
    health = repo / "policies" / "health.yaml"
    health.unlink()
    health.symlink_to(target)
    git(repo, "add", "-A", "policies")
    git(repo, "commit", "-q", "-m", "link")
    assert git(repo, "ls-tree", "HEAD", "policies/health.yaml").startswith("120000 ")
    return health


def test_a_symlinked_base_policy_is_read_through_its_link_inside_the_revision(repo, tmp_path):
    shared = repo / "shared" / "gates"
    shared.mkdir(parents=True)
    (shared / "health.yaml").write_text((repo / "policies" / "health.yaml").read_text())
    (repo / "shared" / "current").symlink_to("gates")  # a link to a folder on the way
    link_health_policy(repo, "../shared/current/health.yaml")
    git(repo, "add", "shared")
    git(repo, "commit", "-q", "-m", "shared")
    assert diff_json(repo) == {"changes": [], "rules": {"added": [], "removed": [], "changed": []}}
    plain = tmp_path / "plain"
    shutil.copytree(repo, plain, symlinks=True)
    (plain / "policies" / "health.yaml").unlink()
    shutil.copy(shared / "health.yaml", plain / "policies" / "health.yaml")
    # Editing the working-tree file (through the link) is compared with the linked blob at HEAD,
    # exactly as when the policy is a plain file.
    set_regression_factor(repo, "3.0")
    git(plain, "commit", "-q", "-am", "plain")
    set_regression_factor(plain, "3.0")
    linked, expected = diff_json(repo), diff_json(plain)
    assert linked["rules"]["changed"] == ["health.error-rate-regression"]
    assert linked == expected
    assert REGRESSION_DOC in [c["document"] for c in linked["changes"]]


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("../../outside.yaml", "leaves the repository (to ../outside.yaml)"),
        ("/etc/hostname", "leaves the repository (to /etc/hostname)"),
        ("health.yaml", "is a loop of links"),
        ("../shared/gone.yaml", "leads to nothing at this revision"),
        ("../fixtures", "leads to a git tree, not a file"),
    ],
)
def test_a_base_policy_link_that_leaves_the_revision_is_refused(repo, target, reason):
    (repo.parent / "outside.yaml").write_text((repo / "policies" / "health.yaml").read_text())
    good = (repo / "policies" / "health.yaml").read_text()
    health = link_health_policy(repo, target)
    health.unlink()
    health.write_text(good)  # the working tree is fine; only the base is refused
    result = diff_in_process(repo, "--base", "HEAD")
    assert result.returncode == 3
    assert one_error_line(result) == (
        f"HEAD:policies/health.yaml: error: named like a policy but a symbolic link that {reason}"
    )


def test_missing_corpus_path_is_an_input_error(repo):
    result = diff_in_process(repo, "--base", "HEAD", "--corpus", "nowhere")
    assert result.returncode == 3
    assert one_error_line(result) == "nowhere: error: corpus path not found"


def test_default_corpus_is_fixtures_and_the_decision_log(repo):
    set_regression_factor(repo, "3.0")
    log = repo / ".phasegate" / "decisions.jsonl"
    log.parent.mkdir()
    facts = json.loads(RECORDING.read_text().splitlines()[6])
    log.write_text(json.dumps({"decision": {"verdict": "rollback"}, "facts": facts}) + "\n")
    documents = [c["document"] for c in diff_json(repo)["changes"]]
    assert documents[0] == ".phasegate/decisions.jsonl:1"
    assert REGRESSION_DOC in documents


def test_text_output(repo):
    set_regression_factor(repo, "3.0")
    result = diff_in_process(repo, "--base", "HEAD")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # What was compared comes first; the default corpus says it is the default.
    documents = len(list((repo / "fixtures").rglob("*.yaml")))
    assert re.fullmatch(r"corpus \(default\): fixtures \((\d+) documents\)", lines[0])
    assert int(lines[0].split("(")[2].split()[0]) >= documents
    assert lines[1] == "base HEAD:policies  head policies"
    index = lines.index(f"{REGRESSION_DOC}: rollback -> pause (less strict)")
    assert lines[index + 1 : index + 4] == [
        "  stopped firing: health.error-rate-regression",
        "  facts.baseline.error_rate = 0.011",
        "  facts.metrics.error_rate = 0.04",
    ]
    assert lines[-3] == "rules: added none; removed none; changed health.error-rate-regression"
    assert lines[-2] == "  health.error-rate-regression: params.regression_factor 1.5 -> 3.0"
    assert re.match(r"2 of \d+ documents change: 2 less strict, 0 stricter", lines[-1])


def test_markdown_output_is_a_pr_comment_with_untrusted_text_escaped(repo, tmp_path):
    set_regression_factor(repo, "3.0")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(repo / REGRESSION_DOC, corpus / "we|ird `name` <b>.yaml")
    result = diff_in_process(
        repo, "--base", "HEAD", "--corpus", str(corpus), "--format", "markdown"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "### phasegate diff"
    assert lines[2] == f"`corpus: {corpus} (1 documents)`"
    assert "1 of 1 documents change: 1 less strict" in lines[4]
    header = lines.index(
        "| document | base | head | change | started firing | stopped firing | facts |"
    )
    row = lines[header + 2]
    assert unescaped_pipes(row) == 8
    assert "``" in row and "we\\|ird" in row  # in a code span that holds backticks
    assert "| rollback | **pause** | less strict |" in row
    assert "- changed: `health.error-rate-regression`" in lines


def unescaped_pipes(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row))


def test_markdown_keeps_hostile_fact_values_in_one_cell():
    hostile = "0.4.3 | injected |\n### heading `x` [link](http://evil) @team"
    change = DocumentChange(
        "doc.yaml",
        Outcome(Verdict.ROLLBACK, ("checklist.version-matches",)),
        Outcome(Verdict.CONTINUE, ()),
        facts=(("facts.deployed_version", hostile),),
    )
    text = markdown.render(PolicyDiff("HEAD:policies", "policies", 1, (change,), RuleChanges()))
    [row] = [line for line in text.splitlines() if line.startswith("| `doc.yaml`")]
    assert unescaped_pipes(row) == 8
    assert "\n### heading" not in text
    assert markdown.code("a`b") == "``a`b``"
    assert markdown.code("`x") == "`` `x ``"
    assert markdown.code("a|b") == "`a\\|b`"


def write_policy(folder: Path, rule: str, params: str = "{}") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "p.yaml").write_text(
        f"apiVersion: phasegate/v1\nkind: Policy\nname: p\nparams: {params}\nrules:\n{rule}",
        encoding="utf-8",
    )
    return folder


RULE = (
    "  - id: r\n    title: T\n    when: facts.metrics.error_rate > params.limit\n"
    "    verdict: rollback\n    message: 'rate above {{ params.shown }}'\n"
)


@pytest.mark.parametrize(
    ("rule", "params", "changed"),
    [
        (RULE, "{limit: 1, shown: 2}", False),  # 1 == 1.0: params are doubles
        (RULE, "{limit: 1.0, shown: 2.0, unused: 5}", False),
        (RULE, "{limit: 0.5, shown: 2}", True),
        (RULE, "{limit: 1, shown: 3}", True),  # read by the message only
        (RULE.replace("title: T", "title: U"), "{limit: 1, shown: 2}", True),
        (RULE.replace("rollback", "pause"), "{limit: 1, shown: 2}", True),
        (RULE + "    on_error: rollback\n", "{limit: 1, shown: 2}", True),
        (RULE + "    for: 2\n", "{limit: 1, shown: 2}", True),
        (RULE + "    phases: [1]\n", "{limit: 1, shown: 2}", True),
        (RULE.replace("> params.limit", ">= params.limit"), "{limit: 1, shown: 2}", True),
        (RULE.replace("> params.limit", ">  params.limit"), "{limit: 1, shown: 2}", False),
    ],
)
def test_rule_changes(tmp_path, rule, params, changed):
    base = load_policy_set(write_policy(tmp_path / "base", RULE, "{limit: 1.0, shown: 2}"))
    head = load_policy_set(write_policy(tmp_path / "head", rule, params))
    found = compare_rules(base, head)
    assert (found.added, found.removed, found.changed) == ((), (), ("r",) if changed else ())
    # every changed rule says what changed in it, and an unchanged one says nothing
    assert [rule_id for rule_id, fields in found.fields if fields] == list(found.changed)


def test_an_erroring_rule_counts_through_its_on_error_verdict(tmp_path):
    base = load_policy_set(write_policy(tmp_path / "base", RULE, "{limit: 1.0, shown: 2}"))
    head_rule = RULE.replace("facts.metrics.error_rate", "facts.metrics.eror_rate_v2")
    head = load_policy_set(write_policy(tmp_path / "head", head_rule, "{limit: 1.0, shown: 2}"))
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "healthy.json").write_text(json.dumps(healthy()))
    result = diff(base, head, read_corpus([corpus_dir]))
    [change] = result.changes
    assert (change.base.verdict, change.head.verdict) == (Verdict.CONTINUE, Verdict.PAUSE)
    assert change.head.errored == ("r",) and change.head.fired == ()
    assert change.direction == "tightened"
    assert change.missing == ("facts.metrics.eror_rate_v2",)
    assert change.facts == (("facts.metrics.error_rate", 0.012),)


def test_recordings_keep_for_streaks_like_replay(tmp_path):
    rule = "  - id: r\n    when: facts.metrics.error_rate > params.limit\n    verdict: rollback\n"
    base = load_policy_set(write_policy(tmp_path / "base", rule, "{limit: 0.025}"))
    head = load_policy_set(write_policy(tmp_path / "head", rule + "    for: 2\n", "{limit: 0.025}"))
    result = diff(base, head, read_corpus([RECORDING]))
    # Line 7 (0.03) is the first snapshot over the limit: pending (pause) with `for: 2`.
    # Line 8 (0.05) is the second in a row: it fires in both, so it is no change. Decided
    # alone, without the recording's earlier snapshots, it would be pending too.
    assert [c.document for c in result.changes] == [f"{RECORDING}:7"]
    [change] = result.changes
    assert change.head.pending == ("r",)
    assert (change.base.verdict, change.head.verdict) == (Verdict.ROLLBACK, Verdict.PAUSE)
    assert result.documents == 8


def test_contract_fields_of_the_json_object(repo):
    set_regression_factor(repo, "3.0")
    document = diff_json(repo)
    # `fields` (issue 20): what changed in each changed rule, before and after
    assert set(document) == {"changes", "rules", "fields"}
    assert document["fields"] == {
        "health.error-rate-regression": [
            {"field": "params.regression_factor", "base": 1.5, "head": 3.0}
        ]
    }
    for change in document["changes"]:
        assert {"document", "base", "head"} <= set(change)
        for side in ("base", "head"):
            assert {"verdict", "fired"} <= set(change[side])
    empty = diff_object(PolicyDiff("a", "b", 0, (), RuleChanges()))
    assert empty == {"changes": [], "rules": {"added": [], "removed": [], "changed": []}}


def test_schema_command_prints_the_diff_schema():
    result = call_cli("schema", "diff")
    assert result.returncode == 0
    assert json.loads(result.stdout) == SCHEMA


def test_the_diff_core_imports_no_renderer():
    """Core modules hand plain data to the renderers, never the other way round."""
    import ast

    import phasegate.review.diff
    import phasegate.review.policysource

    for module in (phasegate.review.diff, phasegate.review.policysource):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        imported = [
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        ] + [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        ]
        assert not [name for name in imported if name.startswith("phasegate.report")], module


def test_a_recording_in_a_phase_the_base_does_not_judge_is_skipped_by_name(tmp_path):
    """The refusal is known by its kind, not by pointing at a policy folder: the snapshots
    of that phase are what `diff` skips, listed once from the first of them, and the reason
    names the set that judges nothing there."""
    only2 = "  - id: r\n    when: facts.metrics.error_rate > 0.025\n    verdict: rollback\n"
    base = load_policy_set(write_policy(tmp_path / "base", only2 + "    phases: [2]\n"))
    head = load_policy_set(write_policy(tmp_path / "head", only2))
    phase2 = FIXTURES / "phase2-healthy.yaml"
    result = diff(base, head, read_corpus([RECORDING, phase2]))
    assert result.documents == 1
    assert result.skipped == (
        (
            f"{RECORDING}:1",
            f"{base.source}: no rule of this policy set applies to phase 1 (shadow rules do "
            "not decide): nothing would judge it, so there is no verdict (8 snapshots of "
            "this phase skipped)",
        ),
    )
    with pytest.raises(UnjudgedPhase) as refused:
        evaluate(load_facts(FIXTURES / "phase1-health.error-rate-elevated.yaml"), base)
    assert isinstance(refused.value, InputError) and refused.value.exit_code == 3


def test_a_phase_the_head_stops_judging_does_not_hide_a_relaxed_phase_of_the_recording(
    tmp_path,
):
    """A recording of Phases 1 and 2, and a change that stops judging Phase 1 while it
    loosens Phase 2: the Phase 1 snapshots are skipped, the Phase 2 ones are still compared
    and their relaxing shows (it used to skip the whole recording, so a corpus with one
    unchanged document reported no relaxed decision)."""
    lines = RECORDING.read_text(encoding="utf-8").splitlines()
    later = []
    for line in lines:
        snapshot = json.loads(line)
        snapshot["phase"] = 2
        snapshot["collected_at"] = snapshot["collected_at"].replace("2026-11-20", "2026-11-21")
        later.append(json.dumps(snapshot))
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join(lines + later) + "\n", encoding="utf-8")
    rule = "  - id: {id}\n    when: facts.metrics.error_rate > {limit}\n    verdict: rollback\n"
    base = load_policy_set(
        write_policy(
            tmp_path / "base",
            rule.format(id="p1", limit=0.025)
            + "    phases: [1]\n"
            + rule.format(id="p2", limit=0.025)
            + "    phases: [2]\n",
        )
    )
    head = load_policy_set(
        write_policy(tmp_path / "head", rule.format(id="p2", limit=0.5) + "    phases: [2]\n")
    )
    result = diff(base, head, read_corpus([mixed, FIXTURES / "phase2-healthy.yaml"]))
    assert result.documents == 1 + len(later)
    relaxed = [change.document for change in result.relaxed]
    rollbacks = [
        f"{mixed}:{len(lines) + number}"
        for number, line in enumerate(later, 1)
        if json.loads(line)["metrics"]["error_rate"] > 0.025
    ]
    assert rollbacks and relaxed == rollbacks
    assert [(where, why.split(": ", 1)[0]) for where, why in result.skipped] == [
        (f"{mixed}:1", str(head.source))
    ]
    assert result.skipped[0][1].endswith(f"({len(lines)} snapshots of this phase skipped)")
    assert diff_exit_code(result, "relax") == 1
