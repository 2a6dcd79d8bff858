"""`phasegate eval` over values a hostile user builds: one nested past what Python can
recurse through. Never a traceback."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli
from phasegate import cel
from phasegate.cel.values import MAX_VALUE_DEPTH
from phasegate.cli.eval import cel_text


def nested(depth: int, inner: str) -> str:
    return "[" * depth + inner + "]" * depth


def bind_chain(binds: int, widest: int, inner: str, narrowing: int = 1) -> str:
    """`cel.bind` chains, each wrapping the last in lists: the expression stays within the
    engine's 32 levels of nesting while the value it builds goes hundreds deep."""
    text = f"a{binds - 1}"
    for index in reversed(range(binds)):
        wrapped = inner if index == 0 else f"a{index - 1}"
        text = f"cel.bind(a{index}, {nested(max(1, widest - narrowing * index), wrapped)}, {text})"
    return text


#: 462 levels of lists around a 64-level --set value: past Python's recursion limit.
DEEP = bind_chain(28, 30, "x")
DEEPEST_SET = "x=" + nested(63, "1")


@pytest.mark.parametrize("output", ["text", "json"])
def test_a_value_nested_past_the_limit_is_one_error_line(output):
    """Before: exit 1, "internal error: RecursionError" (converting it to Python)."""
    done = run_cli("eval", "--set", DEEPEST_SET, "--format", output, DEEP)
    assert (done.returncode, done.stdout) == (3, "")
    too_deep = f"error: the value is nested deeper than {MAX_VALUE_DEPTH} levels\n"
    assert done.stderr.endswith(too_deep)
    assert len(done.stderr.splitlines()) == 1


def test_a_rule_building_a_value_too_deep_fails_closed():
    """The rules' path: a message such as `{{ DEEP }}` over a deep fact raised
    RecursionError out of `evaluate`, and the command ended with no decision."""
    with pytest.raises(cel.CelError, match="nested deeper than"):
        cel.evaluate(DEEP, {"x": json.loads(DEEPEST_SET[2:])})


def test_a_value_as_deep_as_the_limit_is_shown():
    shown = cel.evaluate_shown(bind_chain(8, 16, "1u", narrowing=0), {})
    assert cel_text(shown.value) == nested(MAX_VALUE_DEPTH, "1u")
