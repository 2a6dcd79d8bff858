"""One YAML reader: the same text reads the same way wherever it sits in a file.

A second reader (libyaml's C events for "the common subset", ruamel for the rest) made the
outcome depend on text elsewhere in the file: `['k':v]` in a flow sequence loaded when the
file had no anchor and exited 3 when an unrelated anchor sent it to ruamel (issue 17, 11).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import call_cli, healthy, write_yaml
from phasegate.errors import InputError
from phasegate.files.loading import parse_yaml

#: Texts the two readers took apart, each as a value under `a:`.
DISPUTED = [
    "['k':v]",
    '["k":v]',
    "['k': v, 'j':w]",
    "[{'k':v}]",
    "|#\n  x",
    "1\tb",
]


def _outcome(text: str) -> object:
    try:
        return ("data", parse_yaml(text, "f.yaml").data["a"])
    except InputError as error:
        return ("error", error.message)


@pytest.mark.parametrize("value", DISPUTED)
def test_an_unrelated_anchor_does_not_change_how_a_value_reads(value):
    plain = f"a: {value}\n"
    anchored = f"a: {value}\nb: &unrelated 1\nc: *unrelated\n"
    assert _outcome(plain) == _outcome(anchored)


def test_the_flow_key_reads_the_same_from_evaluate_with_or_without_an_anchor(tmp_path: Path):
    facts = healthy()
    plain = write_yaml(tmp_path / "plain.yaml", facts).read_text()
    bad = plain.replace("kind: Facts", "kind: Facts\nlabels: ['k':v]", 1)
    assert bad != plain
    (tmp_path / "a.yaml").write_text(bad)
    (tmp_path / "b.yaml").write_text(bad + "anchored: &x 1\n")
    first = call_cli("evaluate", str(tmp_path / "a.yaml"))
    second = call_cli("evaluate", str(tmp_path / "b.yaml"))
    assert first.returncode == second.returncode == 3, (first.stderr, second.stderr)
    assert first.stderr.replace("a.yaml", "X") == second.stderr.replace("b.yaml", "X")
