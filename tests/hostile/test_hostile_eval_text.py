"""`phasegate eval` prints a value as a CEL literal for a terminal: a string from facts
holding a bidi override (U+202E reorders what the reader sees, as in "Trojan Source"), an
8-bit control (U+009B is CSI to some terminals) or a line separator is written as an escape,
and the literal still pastes back into an expression as the same value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import call_cli, healthy
from phasegate import cel
from phasegate.cli.eval import cel_text

HOSTILE = "v\u202eevil\u2028line\x9b2Jz\u200fq\U000e0001"


def raw_controls(text: str) -> list[str]:
    return [ch for ch in text if not ch.isprintable() and ch != "\n"]


def test_eval_text_escapes_invisible_and_reordering_characters(tmp_path: Path):
    facts = tmp_path / "facts.json"
    data = healthy()
    data["contract"] = {"drift": [HOSTILE], "nondeterministic_exits": []}
    facts.write_text(json.dumps(data))
    done = call_cli("eval", "facts.contract.drift[0]", "--facts", str(facts))
    assert done.returncode == 0, done.stderr
    assert raw_controls(done.stdout) == []
    assert done.stdout == '"v\\u202eevil\\u2028line\\x9b2Jz\\u200fq\\U000e0001" (string)\n'


@pytest.mark.parametrize("value", [HOSTILE, [HOSTILE, {HOSTILE: 1}], 'plain "q" \\ é €'])
def test_the_escaped_literal_is_the_same_value(value):
    shown = cel_text(value)
    assert raw_controls(shown) == []
    assert cel.evaluate(shown, {}) == value
