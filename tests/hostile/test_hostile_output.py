"""Output safety: a file name, rule id or fact cannot start a line of its own in any format.

A CI runner acts on lines such as `::error::...`; a policy file named with a newline in it
must show that newline escaped wherever the name is printed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import FIXTURES, call_cli, write_yaml
from phasegate.core.evaluate import evaluate
from phasegate.core.facts import load_facts
from phasegate.core.policy import load_policy_set
from phasegate.errors import InputError, Location
from phasegate.files.schemas import SCHEMA_NAMES, load_schema
from phasegate.report import FORMATS
from phasegate.report.lint import LINT_FORMATS
from phasegate.review.lint import lint_paths

EVIL = "p\n::error::x.yaml"
FORGED = "::error::"

POLICY = """\
apiVersion: phasegate/v1
kind: Policy
name: evil
rules:
  - id: evil.fires
    when:   facts.phase >= 0
    verdict: pause
    message: fired
  - id: evil.errors
    when: facts.metrics.nope > 1.0
    verdict: pause
    message: x
"""


def forged_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(FORGED)]


@pytest.fixture
def evil_policies(tmp_path: Path) -> Path:
    folder = tmp_path / "pol"
    folder.mkdir()
    (folder / EVIL).write_text(POLICY)
    return folder


@pytest.mark.parametrize("output_format", sorted(FORMATS))
def test_a_policy_file_name_cannot_forge_a_line_in_any_decision_format(
    evil_policies: Path, output_format
):
    facts = load_facts(FIXTURES / "phase2-healthy.yaml")
    decision = evaluate(facts, load_policy_set(evil_policies))
    assert {r.status.value for r in decision.results} == {"fired", "error"}
    text = FORMATS[output_format](decision, False)
    assert forged_lines(text) == []
    assert "::error::x.yaml" in text.replace("%3A", ":") or output_format == "comms"


@pytest.mark.parametrize("output_format", sorted(LINT_FORMATS))
def test_a_policy_file_name_cannot_forge_a_line_in_lint(evil_policies: Path, output_format):
    report = lint_paths((evil_policies,))
    assert report.findings
    assert forged_lines(LINT_FORMATS[output_format](report)) == []


def test_error_lines_escape_the_file_name_and_the_message():
    error = InputError("bad\n::error::forged", Location(EVIL, 3, 4))
    assert error.lines() == ["p\\n::error::x.yaml:3:4: error: bad\\n::error::forged"]


@pytest.mark.parametrize("rule_id", ["evil.fires\n", "evil.fires\n::error::x"])
def test_a_rule_id_cannot_hold_a_newline(tmp_path: Path, rule_id):
    folder = tmp_path / "pol"
    folder.mkdir()
    (folder / "p.yaml").write_text(POLICY.replace("id: evil.fires", f"id: {json.dumps(rule_id)}"))
    with pytest.raises(InputError, match="does not match"):
        load_policy_set(folder)


def test_every_schema_pattern_refuses_a_trailing_newline():
    """jsonschema uses re.search, where `$` also matches before a final newline."""

    def patterns(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "pattern" and isinstance(value, str):
                    yield value
                else:
                    yield from patterns(value)
        elif isinstance(node, list):
            for item in node:
                yield from patterns(item)

    # Patterns anchored at the end; an unanchored one (`\\S`: "has a visible character")
    # says nothing about what follows.
    found = [p for name in SCHEMA_NAMES for p in patterns(load_schema(name)) if "$" in p]
    assert found
    for pattern in found:
        for text in ("a", "a.b", "sha256:" + "0" * 64, "ab_c", "http://127.0.0.1:9090"):
            if re.search(pattern, text):
                assert not re.search(pattern, text + "\n"), pattern


def test_the_cli_escapes_names_in_text_and_in_fmt_patches(evil_policies: Path, tmp_path: Path):
    facts = write_yaml(tmp_path / "f.yaml", load_facts(FIXTURES / "phase2-healthy.yaml").data)
    done = call_cli("evaluate", str(facts), "--policies", str(evil_policies))
    assert done.returncode == 10, done.stderr
    assert forged_lines(done.stdout + done.stderr) == []
    patch = call_cli("fmt", "--check", str(evil_policies))
    assert patch.returncode == 1 and "p\\n::error::x.yaml" in patch.stdout
    assert forged_lines(patch.stdout + patch.stderr) == []
