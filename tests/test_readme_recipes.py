"""The README's recipes that no other test ran, run as written: the README is a promise.

Each command (and the output the README shows for it) is read from README.md, so a recipe
that drifts from what phasegate does fails here before a user follows it. What a command
prints is checked in process (`call_cli`); a recipe whose point is processes and their exit
code (operators collecting with the stand-ins, then the gate) runs in bash. Recipes other
tests already run from the README text: the quick start and the test command
(test_ci_docs.py), the cohort's Prometheus steps (test_cohort_recipe.py), backtest and
`diff --labels` (test_backtest.py), the extension table (test_cel_extensions.py).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

from conftest import ROOT, call_cli, healthy, write_yaml
from test_backtest import GIT_ENV, policy_repo
from test_cohort_recipe import recipe_blocks

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text under a `## ` heading, up to the next one."""
    return README.split(f"\n{title}\n", 1)[1].split("\n## ", 1)[0]


def fenced(text: str) -> list[str]:
    """Every fenced block of `text`, dedented (blocks inside a list item are indented)."""
    blocks = re.findall(r"^ *```\w*\n(.*?)^ *```$", text, flags=re.S | re.M)
    return [textwrap.dedent(block) for block in blocks]


def block_with(text: str, needle: str) -> str:
    return next(block for block in fenced(text) if needle in block)


def test_the_comms_recipe_prints_the_guides_communications_template():
    line = block_with(section("## Quick start"), "--format comms").strip()
    done = call_cli(*shlex.split(line)[1:])
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "- `Change`: v0.4.3 (9f2c4e1)\n"
        "- `Phase`: 2\n"
        "- `Start`: 2026-11-21T08:00:00Z\n"
        "- `Health`: green\n"
        "- `Decision`: continue\n"
        "- `Owner`: alice\n"
    )


def test_the_step_summary_recipe_writes_markdown_and_fails_the_step_on_rollback(tmp_path):
    line = block_with(section("### Output formats"), "GITHUB_STEP_SUMMARY").strip()
    command, redirect = line.split(" >> ")
    assert redirect == '"$GITHUB_STEP_SUMMARY"'
    facts = healthy(metrics={**healthy()["metrics"], "error_rate": 0.2})
    (tmp_path / "facts.json").write_text(json.dumps(facts))
    done = call_cli(*shlex.split(command)[1:], cwd=tmp_path)
    assert done.returncode == 20, done.stderr  # the step fails, as README's first lines say
    assert done.stdout.startswith("## phasegate: ROLLBACK · phase 1 · change v0.4.3")
    assert "| **rollback** | health.error-rate-regression |" in done.stdout


def test_the_eval_recipes_print_what_the_readme_says(tmp_path):
    text = section("## Command line")
    found = re.search(
        r"`(?P<cmd>phasegate eval [^`]*--facts f\.yaml)`\s+prints `(?P<text>[^`]*)`.*?"
        r"`--format json` prints\s+`(?P<json>[^`]*)`",
        text,
        flags=re.S,
    )
    write_yaml(tmp_path / "f.yaml", healthy())  # Phase 1 started two hours before collection
    args = shlex.split(found["cmd"])[1:]
    assert call_cli(*args, cwd=tmp_path).stdout == found["text"] + "\n"
    assert call_cli(*args, "--format", "json", cwd=tmp_path).stdout == found["json"] + "\n"

    fragment = re.search(r"`(--set [^`]+)` binds\s+a JSON value", text)[1]
    bound = call_cli("eval", "params.factor", *shlex.split(fragment), "--format", "json")
    assert (bound.returncode, bound.stdout) == (0, '{"type":"double","value":1.5}\n'), bound.stderr

    line = block_with(section("## Policy files"), "phasegate eval").strip()
    done = call_cli(*shlex.split(line)[1:])
    assert (done.returncode, done.stdout) == (0, "true (bool)\n"), done.stderr


def test_the_status_example_is_what_status_prints_for_the_decision_it_shows(tmp_path):
    """A Phase 1 decision held by its window alone, 25 minutes in, decided by the shipped
    policies and logged as `run` logs it; then `phasegate status`, as the README shows."""
    example = re.search(r"^ *```\n( *\$ phasegate status\n.*?)^ *```$", README, re.S | re.M)[1]
    command, *shown = textwrap.dedent(example).splitlines(keepends=True)
    facts = healthy(phase_started_at="2026-11-20T09:35:00Z")
    decided = call_cli("evaluate", str(write_yaml(tmp_path / "f.yaml", facts)), "--format", "json")
    assert decided.returncode == 10, decided.stderr
    record = {"event": "decision", "id": "d1", "decision": json.loads(decided.stdout)}
    (tmp_path / ".phasegate").mkdir()
    (tmp_path / ".phasegate" / "decisions.jsonl").write_text(
        json.dumps({**record, "facts": facts, "actions": []}) + "\n"
    )
    done = call_cli(*shlex.split(command.removeprefix("$ "))[1:], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "".join(shown)


def test_the_explain_example_prints_what_the_readme_shows():
    command, shown = fenced(section("## Why this verdict: `phasegate explain`"))[:2]
    done = call_cli(*shlex.split(command)[1:])
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown


def test_the_diff_examples_print_and_exit_as_the_readme_says(tmp_path):
    """`diff --base HEAD` after the README's edit prints its block; the pull request recipe
    against `origin/main` writes the comment and fails on the relaxed rule."""
    text = section("## Reviewing a policy change: `phasegate diff`")
    edit = re.search(
        r"With `(?P<key>\w+): (?P<new>[\d.]+)` instead of `(?P<old>[\d.]+)` in `(?P<file>[^`]+)`,"
        r"\s+`(?P<cmd>phasegate diff [^`]+)` prints \(and nothing on stderr\):",
        text,
    )
    repo = policy_repo(tmp_path)
    policy = repo / edit["file"]
    before = policy.read_text(encoding="utf-8")
    assert before.count(f"{edit['key']}: {edit['old']}\n") == 1
    policy.write_text(
        before.replace(f"{edit['key']}: {edit['old']}\n", f"{edit['key']}: {edit['new']}\n")
    )
    shown = fenced(text[edit.end() :])[0]
    done = call_cli(*shlex.split(edit["cmd"])[1:], cwd=repo, env=GIT_ENV)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == shown

    subprocess.run(
        ["git", "update-ref", "refs/remotes/origin/main", "HEAD"], cwd=repo, check=True, timeout=60
    )  # as a clone that fetched main has it
    recipe = block_with(text, "--base origin/main").strip()
    done = call_cli(*shlex.split(recipe)[1:], cwd=repo, env=GIT_ENV)
    assert (done.returncode, done.stdout) == (1, ""), done.stderr  # relaxed: the gate fails
    comment = (repo / "diff.md").read_text(encoding="utf-8")
    assert comment.startswith("### phasegate diff\n")
    assert "**2 decision(s) become less strict.**" in comment


def test_what_the_readme_says_ci_runs_is_what_ci_runs():
    """The policy checks the README says `.ci/run` runs are its lines, word for word."""
    ci = [
        line.removeprefix("python -m ")
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.startswith("python -m phasegate ")
    ]
    tests = section("## Tests")
    listed = tests.split("checks the shipped policies as a policy repository would", 1)[1]
    listed = listed.split(")", 1)[0]
    assert re.findall(r"`(phasegate [^`]+)`", listed) == ci
    claims = re.findall(r"`\.ci/run`\s+runs\s+`(phasegate [^`]+)`", README)
    assert claims and set(claims) <= set(ci), claims


def test_the_merge_files_recipe_rolls_back_a_cohort_with_one_failing_operator(tmp_path):
    """The "Merge files" block as written: three operators collect with the stand-ins (one
    at an 80% success rate), hand their files to the gate, which merges and evaluates. The
    section's promise: the same rollback as the Prometheus route."""
    blocks = recipe_blocks()
    collect, gate = blocks["files"].split("\n", 1)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").write_text('#!/bin/sh\necho "$SHA"\n')  # the checks ran at the change
    (bin_dir / "git").chmod(0o755)
    path = os.pathsep.join(
        [
            str(ROOT / "fixtures" / "bin"),
            str(bin_dir),
            os.path.dirname(sys.executable),
            "/usr/bin",
            "/bin",
        ]
    )
    sha = uuid.uuid4().hex

    def bash(where: Path, script: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-e", "-c", blocks["names"] + script],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=120,
            env={"PATH": path, "HOME": str(tmp_path), "NO_COLOR": "1", "SHA": sha, **env},
        )

    (tmp_path / "gate").mkdir()
    for name in ("op-a", "op-b", "op-c"):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy2(ROOT / "phasegate.yaml", folder)
        (folder / "baseline.json").write_text(json.dumps(healthy()))
        rate = "0.80" if name == "op-c" else "0.99"
        done = bash(
            folder, collect, HOSTNAME=name, STANDIN_STATE_DIR=str(folder),
            STANDIN_SWARM_SUCCESS_RATE=rate,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        shutil.copy2(folder / f"facts-{name}.json", tmp_path / "gate")
    done = bash(tmp_path / "gate", gate)
    assert done.returncode == 20, done.stdout + done.stderr
    assert "rollback health.error-rate-regression: " in done.stdout
    assert "operators past it on their own: [op-c]" in done.stdout


def test_the_replay_page_recipe_writes_the_page(tmp_path):
    line = block_with(section("## Offline replay and rules over time"), "--format html").strip()
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")  # the recipe names them relatively
    done = call_cli(*shlex.split(line)[1:], cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    page = (tmp_path / "replay.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_the_lint_recipes_pass_on_the_shipped_policies():
    lines = block_with(section("## Checking policies: `phasegate lint`"), "phasegate lint")
    for line in lines.splitlines():
        done = call_cli(*shlex.split(line, comments=True)[1:])
        assert done.returncode == 0, done.stdout + done.stderr
        assert re.search(r"linted: 0 errors, 0 warnings, \d+ info\n$", done.stdout), line


def test_a_repository_from_init_is_evaluated_with_its_own_policies(tmp_path):
    """`phasegate init DIR`, then evaluate with `--policies DIR/policies` or from inside it
    (check.sh itself runs in test_init.py)."""
    text = section("### A policy repository of your own: `phasegate init`")
    folder = re.search(r"^phasegate init (\S+) ", block_with(text, "phasegate init"), re.M)[1]
    assert call_cli("init", folder, cwd=tmp_path).returncode == 0
    option = re.search(r"Evaluate with `(--policies \S+)`", text)[1]
    facts = "fixtures/facts/phase1-trigger.lock-contention-spike.yaml"
    done = call_cli("evaluate", f"{folder}/{facts}", *option.split(), cwd=tmp_path)
    assert done.returncode == 20, done.stderr
    assert f"({folder}/policies/triggers.yaml:40)" in done.stdout
    inside = call_cli("evaluate", facts, cwd=tmp_path / folder)
    assert inside.returncode == 20 and "(policies/triggers.yaml:40)" in inside.stdout
