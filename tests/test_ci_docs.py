"""docs/ci.md and .pre-commit-hooks.yaml: valid YAML that runs only commands phasegate has.

A CI snippet that names a subcommand or flag phasegate does not have fails only when a team
copies it; these tests fail first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from ruamel.yaml import YAML

from conftest import ROOT, call_cli, run_cli

DOC = ROOT / "docs" / "ci.md"
HOOKS = ROOT / ".pre-commit-hooks.yaml"

#: The reviewer tools the docs must show running on pull requests.
REVIEWER_TOOLS = {"lint", "fmt", "test", "diff"}
#: Keys whose values are shell commands in GitHub Actions, GitLab CI and pre-commit files.
COMMAND_KEYS = {"run", "script", "before_script", "after_script", "entry"}
#: `phasegate SUBCOMMAND` in command position: at the start or after a shell separator.
INVOCATION = re.compile(r"(?:^|[\s;&|(])phasegate\s+(?P<sub>[a-z][a-z-]*)(?P<rest>[^;&|>\n]*)")


def _load(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def yaml_blocks() -> list[Any]:
    blocks = re.findall(r"^```yaml\n(.*?)^```$", DOC.read_text(), flags=re.S | re.M)
    return [_load(block) for block in blocks]


def _commands(node: Any, key: object = None) -> Iterator[str]:
    if isinstance(node, dict):
        for child_key, value in node.items():
            yield from _commands(value, child_key)
    elif isinstance(node, list):
        for item in node:
            yield from _commands(item, key)
    elif isinstance(node, str) and key in COMMAND_KEYS:
        yield node


def invocations() -> list[tuple[str, list[str]]]:
    """Every `phasegate SUB --flag ...` the docs and the hooks run: (sub, flags)."""
    found = []
    for document in [*yaml_blocks(), _load(HOOKS.read_text())]:
        for command in _commands(document):
            for match in INVOCATION.finditer(command):
                flags = re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", match["rest"])
                found.append((match["sub"], flags))
    return found


@cache
def listed_subcommands() -> frozenset[str]:
    """The subcommands `phasegate --help` lists, read from the real command's output."""
    result = call_cli("--help")
    assert result.returncode == 0, result.stderr
    section = result.stdout.split("Commands:", 1)[1]
    return frozenset(re.findall(r"^  ([a-z][a-z-]*)\s", section, flags=re.M))


@cache
def subcommand_help(sub: str) -> str:
    result = call_cli(sub, "--help")
    assert result.returncode == 0, result.stderr
    return result.stdout


def _flag_documented(flag: str, help_text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", help_text) is not None


def test_doc_yaml_blocks_are_a_workflow_a_gitlab_job_and_a_pre_commit_config():
    workflow, gitlab, precommit = yaml_blocks()
    assert workflow["on"]["pull_request"]["paths"] == ["policies/**"]
    steps = workflow["jobs"]["phasegate"]["steps"]
    checkout = next(step for step in steps if step.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    assert any(step.get("uses", "").startswith("actions/setup-python") for step in steps)
    runs = [step.get("run", "") for step in steps]
    assert "pip install ." in runs
    for expected in (
        "phasegate lint --format github",
        "phasegate fmt --check",
        "phasegate test --coverage --min-coverage 100",
        'phasegate diff --base "origin/$BASE_REF" --format markdown > diff.md',
        'cat diff.md >> "$GITHUB_STEP_SUMMARY"',
        "--format github",
    ):
        assert any(expected in run for run in runs), expected
    diff_step = next(step for step in steps if "phasegate diff" in step.get("run", ""))
    assert diff_step["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert any("phasegate evaluate" in run and "--format github" in run for run in runs)

    job = gitlab["phasegate"]
    assert job["rules"][0]["changes"] == ["policies/**/*"]
    assert "phasegate test --format junit > report.xml" in job["script"]
    assert job["artifacts"]["reports"]["junit"] == "report.xml"
    assert any(
        'diff --base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"' in line
        for line in job["script"]
    )

    hook_ids = {hook["id"] for hook in _load(HOOKS.read_text())}
    [repo] = precommit["repos"]
    assert {hook["id"] for hook in repo["hooks"]} == hook_ids == {"phasegate-lint", "phasegate-fmt"}


def test_pre_commit_hooks_run_phasegate_on_top_level_policy_files():
    hooks = {hook["id"]: hook for hook in _load(HOOKS.read_text())}
    assert hooks["phasegate-lint"]["entry"] == "phasegate lint"
    assert hooks["phasegate-fmt"]["entry"] == "phasegate fmt"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is True
        assert {"id", "name", "entry", "language", "files"} <= hook.keys()
        files = re.compile(hook["files"])
        assert files.search("policies/health.yaml") and files.search("policies/custom.yml")
        assert not files.search("policies/tests/health.yaml")
        assert not files.search("README.md") and not files.search("fixtures/facts/x.yaml")


def test_readme_links_the_ci_docs():
    assert "docs/ci.md" in (ROOT / "README.md").read_text()


def test_doc_commands_exist_in_phasegate_help():
    found = invocations()
    assert {sub for sub, _ in found} >= REVIEWER_TOOLS | {"evaluate"}
    for sub, flags in found:
        assert sub in listed_subcommands(), f"phasegate --help does not list {sub!r}"
        for flag in flags:
            assert _flag_documented(flag, subcommand_help(sub)), f"phasegate {sub} {flag}"


def test_the_quick_start_prints_what_the_readme_shows():
    """The README is the first thing a new user runs: its quick start output is the real one."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Quick start")
    command, shown = re.findall(r"```(?:bash)?\n(.*?)```", readme[start:], re.DOTALL)[:2]
    line = next(item for item in command.splitlines() if item.startswith("phasegate evaluate"))
    facts = line.split()[2].rstrip(";")
    done = run_cli("evaluate", facts)
    assert done.stdout + f"exit {done.returncode}\n" == shown


def test_ci_runs_the_readme_test_command_last():
    """The README's test command is what CI runs: a newcomer's run and CI's cannot drift."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Tests\n", 1)[1].split("\n## ", 1)[0]
    command = re.search(r"```bash\n(?P<cmd>[^\n]+)\n```", section)["cmd"]
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip()]
    assert ci[-1].split()[-1] == command == "tests/run"


def test_the_test_command_installs_the_servers_and_browser_the_suite_uses():
    script = (ROOT / "tests" / "run").read_text(encoding="utf-8")
    for package in ("prometheus", "prometheus-pushgateway", "chromium"):
        assert f"missing+=({package})" in script
    assert "apt-get install" in script
    assert 'exec "$python" -m pytest -n 3 "$@"' in script


def test_the_test_command_runs_pytest_with_the_arguments_given():
    """Run for real, collecting one small file: it must reach pytest and pass arguments on."""
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [str(ROOT / "tests" / "run"), "-n", "0", "--collect-only", "-q", "tests/test_layers.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert result.returncode == 0, result.stderr
    assert "tests collected" in result.stdout
