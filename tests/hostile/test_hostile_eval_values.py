"""`phasegate eval` over values a hostile user builds: one nested past what Python can
recurse through, bytes that are not text, infinities, a year before 1000. Never a
traceback, and the text printed pastes back into `eval` as the same value."""

from __future__ import annotations

import json
import math

import pytest

from conftest import call_cli, run_cli
from phasegate import cel
from phasegate.cel.values import MAX_VALUE_CHARS, MAX_VALUE_DEPTH, MAX_VALUE_ITEMS
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


#: 2,000,000 items from one short expression: each bind repeats the last ten times, which
#: the engine shares and Python copied (one bind more, 10,000,000 took a minute and
#: gigabytes, for eval and for a message).
REPEATED = (
    "cel.bind(a, lists.range(10000), cel.bind(b, [a, a, a, a, a, a, a, a, a, a],"
    " cel.bind(c, [b, b, b, b, b, b, b, b, b, b], [c, c])))"
)


def test_a_value_of_too_many_items_is_an_error():
    with pytest.raises(cel.CelError, match=f"more than {MAX_VALUE_ITEMS:,} items"):
        cel.evaluate(REPEATED, {})
    with pytest.raises(cel.CelError, match=f"more than {MAX_VALUE_ITEMS:,} items"):
        cel.evaluate_shown(REPEATED, {})


#: A 1,000,000-character string (what `replace` may build), repeated 100 times in a list:
#: 100 MB to Python; ten times more ended eval in "internal error: MemoryError".
MEGABYTE = '"aaaaaaaaaa"' + '.replace("a", "aaaaaaaaaa")' * 5
REPEATED_TEXT = (
    f"cel.bind(s, {MEGABYTE}, cel.bind(l, [s, s, s, s, s, s, s, s, s, s],"
    " [l, l, l, l, l, l, l, l, l, l]))"
)


def test_a_value_of_too_much_text_is_an_error():
    with pytest.raises(cel.CelError, match=f"more than {MAX_VALUE_CHARS:,} characters"):
        cel.evaluate(REPEATED_TEXT, {})


def test_a_value_of_many_items_is_shown():
    shown = cel.evaluate_shown("cel.bind(a, lists.range(10000), [a, a, a, a, a, a, a, a, a])", {})
    assert [len(part) for part in shown.value] == [10000] * 9


@pytest.mark.parametrize(
    "value", [b"\xff\x00", b'q"\\', b"a\nb\x7f\x80", b"", "é€".encode(), bytes(range(256))]
)
def test_bytes_paste_back_as_the_same_bytes(value):
    """JSON's escapes made `b"\\u00ff"`, which CEL refuses in a bytes literal."""
    shown = cel_text(value)
    assert shown.isprintable()
    assert cel.evaluate(shown, {}) == value
    assert cel.evaluate(f"[{shown}]", {}) == [value]


def test_bytes_printed_by_eval_evaluate_again():
    done = call_cli("eval", 'b"\\xff\\x00"')
    assert (done.returncode, done.stdout) == (0, 'b"\\xff\\x00" (bytes)\n')
    again = call_cli("eval", done.stdout.rsplit(" (", 1)[0])
    assert (again.returncode, again.stdout) == (0, done.stdout)


@pytest.mark.parametrize("value", [math.inf, -math.inf])
def test_infinities_paste_back(value):
    """`double("Infinity")` was printed, which phasegate refuses (not a finite double())."""
    assert cel.evaluate(cel_text(value), {}) == value
    assert cel.evaluate(cel_text([value]), {}) == [value]


def test_nan_pastes_back_as_nan():
    assert math.isnan(cel.evaluate(cel_text(math.nan), {}))
    assert math.isnan(cel.evaluate(cel_text([math.nan]), {})[0])


def test_a_year_before_1000_has_four_digits():
    """`%Y` printed year 1 as `1-01-01T00:00:00Z`: not RFC 3339."""
    done = call_cli("eval", "--format", "json", "timestamp('0001-01-01T00:00:00Z')")
    assert json.loads(done.stdout) == {"type": "timestamp", "value": "0001-01-01T00:00:00Z"}
    text = call_cli("eval", "[timestamp('0999-05-01T00:00:00.5Z')]")
    assert text.stdout == '[timestamp("0999-05-01T00:00:00.5Z")] (list)\n'
