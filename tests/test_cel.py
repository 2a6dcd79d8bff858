"""The CEL environment: spec numeric comparisons, helpers, analysis, error translation."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phasegate import cel


def evaluate(text: str, facts: dict | None = None, params: dict | None = None):
    expression = cel.compile_expression(text)
    facts = facts if facts is not None else {}
    variables = cel.activation(cel.to_cel(facts), cel.to_cel(params or {}), 1, None)
    return cel.run(expression, variables, {"facts": facts})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 < 2.5", True),
        ("3 >= 2.5", True),
        ("2.5 > 3", False),
        ("1 == 1.0", True),
        ("1 != 1.0", False),
        ("0 > 0.5", False),
        ("9007199254740993 > 9007199254740992.0", True),  # exact, as the spec asks
        ("3 > 1.0 - 0.5", True),  # cel-python's double arithmetic yields plain floats
        ("-9223372036854775808 > 1.0 - 2.5", False),
        ("[1.5 + 1.0, 0.5].max() == 2.5", True),
        ("1 < 2", True),
        ("'a' < 'b'", True),
    ],
)
def test_int_double_comparisons_follow_the_spec(text, expected):
    assert evaluate(text) == expected


@given(st.integers(-(2**62), 2**62), st.floats(allow_nan=False, allow_infinity=False))
def test_mixed_comparison_agrees_with_exact_arithmetic(a, b):
    facts = {"i": a, "d": b}
    assert bool(evaluate("facts.i < facts.d", facts)) == (a < b)
    assert bool(evaluate("facts.d <= facts.i", facts)) == (b <= a)
    assert bool(evaluate("facts.i == facts.d", facts)) == (a == b)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("'x' < 1.0", "type mismatch: string < double"),
        ("1 + 1.0", "type mismatch: int + double (convert with double())"),
        ("true > 1", "type mismatch"),
        ("1 / 0", "division by zero"),
        ("5 % 0", "division by zero"),
    ],
)
def test_errors_are_short_and_human(text, message):
    failure = evaluate(text)
    assert isinstance(failure, cel.EvalFailure)
    assert failure.message.startswith(message)


def test_missing_fact_names_the_full_path_and_position():
    failure = evaluate(
        "facts.metrics.error_rate >\n  facts.baseline.error_rate", {"metrics": {"error_rate": 0.5}}
    )
    assert failure == cel.EvalFailure("missing fact: facts.baseline.error_rate", 2, 3)


def test_missing_facts_on_both_sides_of_or_report_the_first():
    failure = evaluate("facts.a > 1.0 || facts.b > 1.0", {})
    assert failure == cel.EvalFailure("missing fact: facts.a", 1, 1)


def test_missing_fact_message_never_embeds_the_activation():
    big = {f"key{i}": "x" * 100 for i in range(100)}
    failure = evaluate("facts.nope > 1.0", {"big": big})
    assert failure.message == "missing fact: facts.nope"
    assert len(failure.message) < 100


def test_has_guards_and_short_circuits_are_not_errors():
    assert evaluate("has(facts.a.b)", {}) is not None
    assert evaluate("!has(facts.a) || facts.a.b > 1.0", {}) == True  # noqa: E712
    assert evaluate("false && facts.nope", {}) == False  # noqa: E712
    # commutative: the error on the left does not win when the right decides
    assert evaluate("facts.nope > 1.0 || true", {}) == True  # noqa: E712


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'  x '.trim()", "x"),
        ("'v0.4.3'.trimPrefix('v')", "0.4.3"),
        ("'0.4.3'.trimPrefix('v')", "0.4.3"),
        ("'vv1'.trimPrefix('v')", "v1"),
        ("'a.yaml'.trimSuffix('.yaml')", "a"),
        ("'AbC'.lowerAscii()", "abc"),
        ("'AbC'.upperAscii()", "ABC"),
        ("'a-b-c'.replace('-', '+')", "a+b+c"),
        ("'a,b'.split(',').join('|')", "a|b"),
        ("['x', 'y'].map(s, s + '!').join(', ')", "x!, y!"),
        ("[].join(',')", ""),
    ],
)
def test_string_helpers(text, expected):
    assert str(evaluate(text)) == expected


def test_helpers_reject_wrong_types_as_errors():
    assert isinstance(evaluate("[1, 2].join(',')"), cel.EvalFailure)
    assert isinstance(evaluate("(1).trim()"), cel.EvalFailure)


def test_reads_lists_paths_with_positions_and_guards():
    expression = cel.compile_expression(
        "has(facts.owners.release) && facts.checks['ci'].ok\n"
        "  && facts.incidents.exists(i, i.severity == params.level) && now > now"
    )
    reads = {(read.dotted, read.guarded) for read in expression.reads}
    assert ("facts.owners.release", True) in reads
    assert ("facts.checks.ci.ok", False) in reads
    assert ("facts.incidents", False) in reads
    assert ("params.level", False) in reads
    assert ("now", False) in reads
    assert not any(read.path[0] == "i" for read in expression.reads)
    [incidents] = [read for read in expression.reads if read.dotted == "facts.incidents"]
    assert (incidents.line, incidents.col) == (2, 6)


def test_computed_index_stops_the_static_path():
    expression = cel.compile_expression("facts.checks[phase].ok")
    assert [read.dotted for read in expression.reads] == ["phase", "facts.checks"]


@pytest.mark.parametrize(
    ("text", "message", "line", "col"),
    [
        ("facts.a >", "syntax error: unexpected end of expression", 1, 9),
        ("facts.a > > 1", "syntax error: unexpected '>'", 1, 11),
        ('facts.a == "x', "syntax error: unexpected character '\"'", 1, 12),
        ("facts.a.trm() == 'x'", "unknown function 'trm'", 1, 1),
        ("sizee(facts.a) > 1", "unknown function 'sizee'", 1, 1),
        ("fact.a > 1", "unknown name 'fact'", 1, 1),
        ("facts.a > 1 &&\n  x > 2", "unknown name 'x'", 2, 3),
        ("[1].exists(1, true)", "needs a variable name", 1, 12),
    ],
)
def test_compile_errors_have_positions(text, message, line, col):
    with pytest.raises(cel.CelSyntaxError) as caught:
        cel.compile_expression(text)
    assert message in caught.value.message
    assert (caught.value.line, caught.value.col) == (line, col)


def test_comprehension_variable_is_in_scope_only_inside():
    cel.compile_expression("facts.incidents.all(i, i.status == 'resolved')")
    with pytest.raises(cel.CelSyntaxError, match="unknown name 'i'"):
        cel.compile_expression("facts.incidents.all(i, true) && i.status == 'x'")


def test_to_plain_round_trips():
    value = {"a": [1, 2.5, "x", True, None], "b": {"c": False}}
    assert cel.to_plain(cel.to_cel(value)) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true == 1", False),
        ("true != 1", True),
        ("1 == 1.0 && true == true", True),
        ("'ÀB'.lowerAscii() == 'Àb'", True),
    ],
)
def test_equality_and_ascii_follow_the_spec(text, expected):
    assert evaluate(text) == expected


@pytest.mark.parametrize("text", ["1.0 / 0.0 > 0.0", "0.0 / 0.0 == 0.0", "-1.0 / 0.0 < 0.0"])
def test_double_division_by_zero_is_an_error_not_infinity(text):
    assert evaluate(text) == cel.EvalFailure("division by zero", 1, 1)


def test_errors_inside_literals_and_conversions_are_translated():
    assert evaluate("{'a': facts.nope}", {}).message == "missing fact: facts.nope"
    assert evaluate("duration('bogus')").message == "cannot convert to duration"
    assert evaluate("9223372036854775807 + 1").message == "integer overflow"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("'a'.matches('[')", "bad regular expression"),
        ("[1].exists(x)", "exists() takes a variable and an expression"),
        ("[1].all()", "all() takes a variable and an expression"),
        ("has()", "has() takes one field selection"),
        ("has(facts.a, facts.b)", "has() takes one field selection"),
        ("(" * 300 + "1" + ")" * 300, "nested too deeply"),
    ],
)
def test_more_load_time_errors(text, message):
    with pytest.raises(cel.CelSyntaxError, match=re.escape(message)):
        cel.compile_expression(text)
