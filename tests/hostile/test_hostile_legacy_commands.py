"""GitHub's runner reads a workflow command in two syntaxes: `::name::data` at the start
of a line (leading spaces trimmed), and the legacy `##[name]data` ANYWHERE in a line
(actions/runner `ActionCommand.TryParse` looks for `##[` with IndexOf). Text from facts
holding `##[error]...` printed in any report, or a policy file named `::error::x.yaml`
whose name starts a compiler-style line, must not become an annotation, a mask or a
`stop-commands` that silences the real annotations after it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_hostile_output import POLICY

from conftest import FIXTURES, call_cli, healthy
from phasegate.core.evaluate import evaluate
from phasegate.core.facts import load_facts
from phasegate.core.policy import load_policy_set
from phasegate.report import FORMATS

#: What the runner would act on: a V2 command at a line's start, a V1 one anywhere.
V2 = re.compile(r"^\s*::[A-Za-z-]+[ :]")
V1 = "##["
LEGACY = "##[error]forged ##[add-mask]x ##[stop-commands]tok"


def commands(text: str, *, own: bool = False) -> list[str]:
    """Lines the runner would run as commands; `own`: phasegate's github lines are allowed
    to be V2 commands, but only whole (V2 is tried first, so `##[` inside one is data)."""
    return [
        line
        for line in text.splitlines()
        if (V2.match(line) and not own) or (V1 in line and not V2.match(line))
    ]


@pytest.mark.parametrize("output_format", sorted(FORMATS))
def test_legacy_commands_from_facts_do_not_reach_any_decision_format(tmp_path, output_format):
    data = healthy(phase=2)
    data["contract"] = {"drift": [LEGACY], "nondeterministic_exits": []}
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(data))
    decision = evaluate(load_facts(facts), load_policy_set(FIXTURES.parent.parent / "policies"))
    assert decision.verdict.label == "rollback"
    text = FORMATS[output_format](decision, False)
    assert commands(text, own=output_format == "github") == []
    if output_format == "json":  # the value is the same, only its spelling changed
        messages = [rule.get("message") or "" for rule in json.loads(text)["rules"]]
        assert any(LEGACY in message for message in messages)


def test_a_file_name_that_starts_a_line_cannot_be_a_command(tmp_path: Path):
    folder = tmp_path / "pol"
    folder.mkdir()
    (folder / "::error title=forged::x.yaml").write_text(POLICY)
    (folder / "::stop-commands::tok.yaml").write_text(POLICY.replace("evil", "broken") + "  - x\n")
    lint = call_cli("lint", ".", cwd=folder)
    assert lint.returncode == 1, lint.stderr  # a schema error in the second file
    assert commands(lint.stdout + lint.stderr) == []
    facts = FIXTURES / "phase2-healthy.yaml"
    done = call_cli("evaluate", str(facts), "--policies", ".", cwd=folder)
    assert done.returncode == 3, done.stderr
    (folder / "::stop-commands::tok.yaml").unlink()
    lint = call_cli("lint", ".", cwd=folder)
    assert lint.returncode == 0, lint.stderr
    assert "./::error title=forged::x.yaml:10:11: warning:" in lint.stdout
    for shown in (lint, done):
        assert commands(shown.stdout + shown.stderr) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["explain", "{facts}", "--format", "json"],
        ["replay", "{recording}", "--format", "json"],
        ["eval", "facts.contract.drift", "--facts", "{facts}", "--format", "json"],
    ],
    ids=["explain", "replay", "eval"],
)
def test_json_reports_spell_legacy_commands_as_escapes(tmp_path: Path, argv):
    data = healthy(phase=2)
    data["contract"] = {"drift": [LEGACY], "nondeterministic_exits": []}
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(data))
    recording = tmp_path / "##[error]forged.jsonl"  # replay's JSON names the recording
    recording.write_text(json.dumps(data) + "\n")
    args = [arg.format(facts=facts, recording=recording) for arg in argv]
    done = call_cli(*args)
    assert done.returncode == 0, done.stderr
    assert commands(done.stdout + done.stderr) == []
    assert "##[error]forged" in json.dumps(json.loads(done.stdout), ensure_ascii=False)
