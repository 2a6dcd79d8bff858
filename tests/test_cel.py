"""CEL as rules see it, written from the language definition (cel-spec langdef.md) and the
strings extension, run through the one engine phasegate uses (cel-expr-python)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phasegate import cel
from phasegate.cel.division import unguarded_divisions
from phasegate.errors import PhasegateError

NOW = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)


def rule(text: str, facts: dict | None = None, params: dict | None = None):
    """A rule condition evaluated exactly as `evaluate` does it."""
    bindings = cel.Bindings(
        {"facts": facts or {}, "params": params or {}, "phase": 1, "now": NOW, "history": []}
    )
    return cel.run(cel.compile_expression(text), bindings)


# --- numbers ------------------------------------------------------------------------------


@given(st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False))
def test_facts_compare_across_int_and_double(a, b):
    # langdef "Numeric values": comparison across numeric types is by numeric value. (cel-cpp
    # converts the int to a double, so beyond 2**53 it is not exact: see the README.)
    facts = {"i": a, "d": b}
    assert rule("facts.i < facts.d", facts) is (a < b)
    assert rule("facts.d <= facts.i", facts) is (b <= a)
    assert rule("facts.i == facts.d", facts) is (a == b)


def test_int_against_double_beyond_2_53_is_compared_as_doubles():
    # The engine's documented deviation from exact comparison, listed in the README.
    facts = {"i": 9007199254740993, "d": 9007199254740992.0}
    assert rule("facts.i > facts.d", facts) is False


def test_int_arithmetic_overflow_is_an_error():
    result = rule("facts.i + 1 > 0", {"i": 2**63 - 1})
    assert isinstance(result, cel.EvalFailure)
    assert "overflow" in result.message


def test_mixed_arithmetic_is_an_error_not_a_conversion():
    # There is no implicit int->double conversion in CEL arithmetic.
    result = rule("facts.i + facts.d > 0.0", {"i": 1, "d": 0.5})
    assert isinstance(result, cel.EvalFailure)
    assert result.message.startswith("type mismatch")


def test_uint_and_dyn():
    assert cel.evaluate("1u + 2u", {}) == 3
    assert cel.evaluate("dyn(1) == 1.0", {}) is True
    assert cel.evaluate("type(1u)", {}) == "uint"


# --- presence, errors and logic ------------------------------------------------------------


def test_has_on_a_present_parent_is_a_result():
    assert rule("has(facts.owners.release)", {"owners": {}}) is False
    assert rule("has(facts.owners.release)", {"owners": {"release": "a"}}) is True


def test_has_on_an_absent_parent_is_an_error_as_the_spec_says():
    result = rule("has(facts.owners.release)", {})
    assert isinstance(result, cel.EvalFailure)
    assert result.message == "missing fact: facts.owners"[: len(result.message)] or (
        "missing" in result.message
    )


def test_errors_are_absorbed_by_or_and_and_when_the_other_side_decides():
    # langdef "Logical operators": commutative, an error is absorbed by a deciding operand.
    assert rule("facts.missing > 1.0 || true") is True
    assert rule("true || facts.missing > 1.0") is True
    assert rule("facts.missing > 1.0 && false") is False
    result = rule("facts.missing > 1.0 || false")
    assert isinstance(result, cel.EvalFailure)


def test_missing_fact_names_the_path_and_its_position():
    result = rule(
        "facts.metrics.a > 1.0 &&\n  facts.metrics.error_rate > 0.1", {"metrics": {"a": 2.0}}
    )
    assert result == cel.EvalFailure("missing fact: facts.metrics.error_rate", 2, 3)


def test_comprehension_over_incidents():
    incidents = [
        {"id": "i-1", "severity": "P2", "status": "open"},
        {"id": "i-2", "severity": "P0", "status": "mitigated"},
        {"id": "i-3", "severity": "P1", "status": "resolved"},
    ]
    text = "facts.incidents.filter(i, i.severity in params.s && i.status != 'resolved')"
    assert rule(f"{text}.map(i, i.id)", {"incidents": incidents}, {"s": ["P0", "P1"]}) == ["i-2"]
    assert rule("facts.incidents.exists_one(i, i.severity == 'P0')", {"incidents": incidents})
    assert rule("facts.incidents.all(i, i.id.startsWith('i-'))", {"incidents": incidents})


# --- time ----------------------------------------------------------------------------------


def test_timestamp_minus_duration_and_comparisons():
    facts = {"phase_started_at": "2026-11-20T09:45:00Z"}
    assert rule("now - timestamp(facts.phase_started_at) < duration('60m')", facts) is True
    assert rule("now - duration('1h') > timestamp(facts.phase_started_at)", facts) is False
    assert cel.evaluate("now - duration('90m')", {"now": NOW}) == NOW - timedelta(minutes=90)


def test_timestamp_range_errors():
    result = rule("timestamp('9999-12-31T23:59:59Z') + duration('1h') > now")
    assert isinstance(result, cel.EvalFailure)
    assert "overflow" in result.message or "range" in result.message


# --- strings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'v0.4.3'.trimPrefix('v')", "0.4.3"),
        ("'0.4.3-rc1'.trimSuffix('-rc1')", "0.4.3"),
        ("'zjj 0.4.3'.capture('[0-9]+[.][0-9]+[.][0-9]+')", "0.4.3"),
        ("'zjj'.capture('([0-9]+)')", None),
        ("'x=12'.capture('x=([0-9]+)')", "12"),
        ("'b'.capture('(a)?b')", None),  # the group took no part (README)
        ("'b'.matches('(a)?b')", True),
        ("'  a '.trim()", "a"),
        ("'ÀB'.lowerAscii()", "Àb"),
        ("'abc'.substring(1)", "bc"),
        ("'abc'.indexOf('c')", 2),
        ("'abc'.charAt(1)", "b"),
        ("'%s of %d'.format(['a', 3])", "a of 3"),
        ("'a,b'.split(',')", ["a", "b"]),
        ("['a', 'b'].join('-')", "a-b"),
        ("[3, 1, 2].max()", 3),
        ("[2.5, 0.5].min()", 0.5),
    ],
)
def test_string_and_list_functions(text, expected):
    assert cel.evaluate(text, {}) == expected


def test_regex_is_re2_linear_even_on_a_catastrophic_pattern():
    # Python's `re` would backtrack for hours here; RE2 answers at once.
    assert cel.evaluate("s.capture('^(a+)+$')", {"s": "a" * 32 + "!"}) is None
    assert cel.evaluate("s.matches('^(a+)+$')", {"s": "a" * 32 + "!"}) is False


def test_regex_literals_are_checked_with_re2_when_the_rule_loads():
    with pytest.raises(cel.CelError) as raised:
        cel.compile_expression("facts.v.matches('(?=x)')")
    assert raised.value.code == "bad-regex"
    assert (raised.value.line, raised.value.col) == (1, 17)


# --- load-time refusals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "line", "col"),
    [
        ("facts.x >", "cel-syntax", 1, 10),
        ("nosuch > 1", "unknown-name", 1, 1),
        ("facts.x.nosuch()", "unknown-function", 1, 9),
        ("phase == 'x'", "type-mismatch", 1, 7),
        ("1 + 'a'", "type-mismatch", 1, 3),
        ("facts.l.all(a, a.all(b, b.all(c, c)))", "too-costly", 1, 1),
        ("(" * 40 + "true" + ")" * 40, "too-deep", 1, 1),
    ],
)
def test_problems_are_refused_at_compile_with_a_position(text, code, line, col):
    with pytest.raises(cel.CelError) as raised:
        cel.compile_expression(text)
    assert (raised.value.code, raised.value.line, raised.value.col) == (code, line, col)
    assert "\n" not in raised.value.message and "^" not in raised.value.message


def test_every_problem_is_reported_at_once():
    with pytest.raises(cel.CelError) as raised:
        cel.compile_expression("1 + 'a' && nosuch")
    assert [problem[3] for problem in raised.value.problems] == ["type-mismatch", "unknown-name"]


def test_long_conjunctions_compile_and_evaluate():
    text = " && ".join(["facts.ok"] * 700)
    assert rule(text, {"ok": True}) is True


# --- the division rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("facts.a / facts.b > 0.25", ["facts.b"]),
        ("facts.b > 0.0 && facts.a / facts.b > 0.25", []),
        ("facts.b == 0.0 || facts.a / facts.b > 0.25", []),
        ("facts.b != 0.0 ? facts.a / facts.b : 0.0", []),
        ("facts.b > 0.0 ? 0.0 : facts.a / facts.b", ["facts.b"]),
        ("facts.b >= 0.0 && facts.a / facts.b > 0.25", ["facts.b"]),
        ("double(facts.b) > 0.0 && double(facts.a) / double(facts.b) > 0.25", []),
        ("facts.a / params.k > 1.0", []),
        ("facts.a / params.zero > 1.0", ["params.zero"]),
        ("facts.a / 4.0 > 1.0", []),
        ("facts.a / int(facts.b) > 1", []),
        ("int(facts.a) / int(facts.b) > 1", []),
        ("double(facts.a) / double(int(facts.b)) > 0.5", ["double(int(facts.b))"]),
        ("int(facts.b) > 0 && double(facts.a) / double(int(facts.b)) > 0.5", []),
        ("facts.?b.orValue(0.0) > 0.0 && facts.a / facts.?b.orValue(0.0) > 0.5", []),
        ("facts.`b-c` > 0.0 && facts.a / facts.`b-c` > 0.5", []),
        ("facts.a / facts['b'] > 0.5", ["facts['b']"]),
        ("cel.bind(t, facts.b, t > 0.0 && facts.a / t > 0.5)", []),
        ("cel.bind(t, facts.b, facts.a / t > 0.5)", ["t"]),
        ("facts.l.all(b, facts.b > 0.0 && b / facts.b > 0.5)", []),
    ],
)
def test_division_needs_a_provably_non_zero_divisor(text, flagged):
    expression = cel.compile_expression(text)
    found = unguarded_divisions(expression, {"k": 2.0, "zero": 0.0})
    assert [divisor for divisor, *_ in found] == flagged


def test_double_division_by_zero_would_pass_the_gate_without_the_rule():
    # Why the rule exists: the engine follows IEEE, and NaN compares false.
    assert cel.evaluate("a / b >= 0.25", {"a": 0.0, "b": 0.0}) is False
    assert cel.evaluate("a / b < 0.25", {"a": 0.0, "b": 0.0}) is False


# --- the public entry -------------------------------------------------------------------------


def test_evaluate_returns_plain_python():
    value = cel.evaluate("[b'x', null, {'k': 1.5}, now, duration('2s'), type('s')]", {"now": NOW})
    assert value == [b"x", None, {"k": 1.5}, NOW, timedelta(seconds=2), "string"]
    assert value[3].tzinfo is not None


def test_evaluate_raises_one_exception_class():
    for text, bindings in [("x >", {"x": 1}), ("x.y", {"x": {}}), ("x / 0", {"x": 1})]:
        with pytest.raises(cel.CelError) as raised:
            cel.evaluate(text, bindings)
        assert isinstance(raised.value, PhasegateError)


# --- determinism -----------------------------------------------------------------------------


def test_a_comprehension_over_a_map_lists_keys_in_one_order_in_every_process():
    """The engine iterates a map in hash order, which changes between processes; `map` and
    `filter` over a map must list the keys in one order, or the same decision would not be
    the same bytes. Each process below sees the keys in another insertion order too."""
    import subprocess
    import sys

    script = (
        "import random, sys\n"
        "from phasegate import cel\n"
        "keys = ['quick', 'test', 'ci', 'lint', 'a', 'zz', 'mm', 'build', 'docs']\n"
        "random.Random(int(sys.argv[1])).shuffle(keys)\n"
        "m = {k: len(k) for k in keys}\n"
        "print(cel.evaluate('m.filter(k, m[k] > 1).join(\\\",\\\")', {'m': m}), "
        "cel.evaluate('m.map(k, m[k])', {'m': m}))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script, str(seed)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        for seed in range(4)
    }
    assert outputs == {"build,ci,docs,lint,mm,quick,test,zz [1, 5, 2, 4, 4, 2, 5, 4, 2]\n"}


def test_lists_keep_their_order_through_map_and_filter():
    assert cel.evaluate("l.filter(x, x > 1).map(x, x * 10)", {"l": [3, 1, 2]}) == [30, 20]
    assert cel.evaluate(
        "x in (m).map(k, k) && [2, 1].map(y, y) == [2, 1]", {"x": "a", "m": {"a": 1}}
    )


# --- phasegate's functions that take a list or map ---------------------------------------


def test_the_functions_handed_a_list_or_map_are_read_from_the_declarations():
    """Every declared overload with a list, map or dyn parameter, and no other: the engine
    converts what it is given to Python, and an optional in it crashes the process."""
    from phasegate.cel.expression import _CONTAINER_FUNCTIONS as found

    assert found == {
        "phasegate_max",
        "phasegate_min",
        "phasegate_stats_mann_whitney_above",
        "phasegate_ordered_list",
        "phasegate_ordered_map",
        "phasegate_listed",
        "phasegate_listed_map",
    }


def test_a_new_function_taking_a_list_cannot_be_forgotten():
    from cel_expr_python.cel import Type as T

    from phasegate.cel.environment import own_functions
    from phasegate.cel.expression import handed_containers
    from phasegate.cel.functions import Function, Overload

    added = [
        Function(
            "f", [Overload("f_list", T.INT, [T.List(T.INT)]), Overload("f_int", T.INT, [T.INT])]
        ),
        Function("g", [Overload("g_map", T.INT, [T.STRING, T.Map(T.STRING, T.INT)])]),
        Function("h", [Overload("h_dyn", T.INT, [T.DYN])]),
    ]
    found = handed_containers(own_functions() + added)
    assert found - handed_containers(own_functions()) == {"f_list", "g_map", "h_dyn"}
