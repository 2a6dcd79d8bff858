"""A `.yaml` file in flow style (starting with `{`) is YAML to every command, as to `fmt`."""

from __future__ import annotations

from pathlib import Path

import pytest

from phasegate.core.policy import load_policy_set
from phasegate.errors import InputError
from phasegate.files.loading import load_document
from phasegate.review.fmt import format_files
from phasegate.review.lint import lint_paths

FLOW_POLICY = """{apiVersion: phasegate/v1, kind: Policy, name: flow,
  rules: [{id: flow.rule, when: 'facts.phase > 5', verdict: pause}]}
"""


def test_a_flow_style_yaml_policy_loads_lints_and_formats(tmp_path: Path):
    path = tmp_path / "flow.yaml"
    path.write_text(FLOW_POLICY)
    [rule] = load_policy_set(tmp_path).rules
    assert rule.id == "flow.rule"
    assert not lint_paths((tmp_path,)).failed
    assert format_files([path])  # fmt accepted it before: now the loader agrees


@pytest.mark.parametrize(
    ("name", "parser"),
    [("f.json", "JSON"), ("f.txt", "JSON"), ("f.yaml", "YAML"), ("f.yml", "YAML")],
)
def test_the_extension_decides_json_or_yaml(tmp_path: Path, name, parser):
    path = tmp_path / name
    path.write_text('{"a": 1, "a": 2}')
    with pytest.raises(InputError, match=f"{parser}: duplicate key"):
        load_document(path)
