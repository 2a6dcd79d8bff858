"""What the engine's checked expression tells before it runs (reads, regex literals, depth,
division), and where a runtime error is located after the fact."""

from __future__ import annotations

import pytest

from phasegate import cel
from phasegate.cel import syntax
from phasegate.cel.expression import comprehension_depth
from phasegate.cel.locate import locate

VARIABLES = ("facts", "params", "phase", "now", "history")


def scan(text: str) -> cel.Expression:
    return cel.compile_expression(text, VARIABLES)


def test_reads_follow_fields_and_literal_keys_with_positions():
    found = scan("facts.checks['ci'].ok &&\n  params.limit > facts.metrics.x.size()").reads
    assert [(read.dotted, read.line, read.col) for read in found] == [
        ("facts.checks.ci.ok", 1, 1),
        ("params.limit", 2, 3),
        ("facts.metrics.x", 2, 18),  # a method call ends the path
    ]


def test_computed_keys_and_comments_and_strings_are_not_reads():
    text = 'facts.m[params.k] > 1 // facts.hidden\n && \'facts.s\' != """facts.t"""'
    assert [read.dotted for read in scan(text).reads] == ["facts.m", "params.k"]


def test_has_marks_its_argument_guarded_only():
    found = scan("has(facts.owners.release) && facts.owners.release != ''").reads
    assert [(read.dotted, read.guarded) for read in found] == [
        ("facts.owners.release", True),
        ("facts.owners.release", False),
    ]


def test_a_comprehension_variable_shadows_only_inside_its_call():
    found = scan("facts.l.exists(facts, facts > 1) && facts.y").reads
    assert [read.dotted for read in found] == ["facts.l", "facts.y"]


def test_regex_literals_depth_and_division():
    found = scan(r"facts.v.matches('^v\\d+') && facts.l.all(x, x.exists(y, y / 2.0 > 1.0))")
    assert found.model.patterns == ((r"^v\d+", 1, 17),)
    assert comprehension_depth(found.checked) == 2
    assert found.model.divides
    assert not scan("facts.l.all(x, x / 2 > 1)").model.divides  # an integer division


def test_regex_literals_of_the_regex_extension_are_found():
    found = scan(r"regex.extract(facts.a, r'v(\d+)').orValue('') == '1'")
    assert [pattern for pattern, _, _ in found.model.patterns] == [r"v(\d+)"]
    with pytest.raises(cel.CelError) as raised:
        scan("regex.replace(facts.a, '[a-', 'b') == ''")
    assert raised.value.code == "bad-regex"
    assert (raised.value.line, raised.value.col) == (1, 24)


def test_reads_through_backticks_optionals_and_bind():
    found = scan(
        "facts.`content-type` == 'x' && facts.?metrics.?error_rate.orValue(0.0) < 0.1"
        " && cel.bind(r, facts.rate, r > 0.0) && facts.m.all(k, v, v > 0)"
    ).reads
    assert [(read.dotted, read.guarded) for read in found] == [
        ("facts.content-type", False),
        ("facts.metrics.error_rate", True),
        ("facts.rate", False),
        ("facts.m", False),
    ]
    assert comprehension_depth(scan("cel.bind(x, 1, facts.l.all(y, y > x))").checked) == 1


@pytest.mark.parametrize(
    "text",
    [
        "has(facts.owners.release) && facts.incidents.exists(i, i.severity in params.s)",
        "facts['checks'].ci.ok || !facts.checks.test.ok",
        "facts.l.map(x, x.id).filter(y, y != facts.z) == []",
        "now - timestamp(facts.phase_started_at) < duration(params.w)",
    ],
)
def test_scan_reads_agree_with_the_syntax_tree(text):
    # Two front ends, one answer: the scan must find the reads the parser finds.
    by_engine = [(read.path, read.guarded) for read in scan(text).reads]
    by_tree = [(read.path, read.guarded) for read in syntax.analyze(text, VARIABLES)]
    assert sorted(by_engine) == sorted(by_tree)


def test_an_unknown_character_is_a_located_cel_error():
    with pytest.raises(cel.CelError) as raised:
        cel.compile_expression("facts.a >\n  #")
    assert (raised.value.line, raised.value.col) == (2, 3)


def bindings(facts: dict) -> cel.Bindings:
    return cel.Bindings({"facts": facts, "params": {}, "phase": 1, "now": None, "history": []})


def test_a_runtime_error_is_located_at_the_innermost_failing_sub_expression():
    expression = cel.compile_expression("facts.a > 0.0 &&\n  facts.n / facts.d > 1")
    values = bindings({"a": 1.0, "n": 1, "d": 0})
    failed = cel.run(expression, values)
    assert failed == cel.EvalFailure("division by zero")
    assert locate(expression, values, failed) == cel.EvalFailure("division by zero", 2, 3)


def test_a_missing_fact_is_located_without_the_tree():
    expression = cel.compile_expression("facts.a > 0.0 && facts.b > 1.0")
    assert cel.run(expression, bindings({"a": 1.0})) == cel.EvalFailure(
        "missing fact: facts.b", 1, 18
    )


def test_a_compiled_expression_revives_from_its_serialized_bytes():
    # The narrow interface a compiled-policy cache keeps: the bytes `serialize()` returns
    # (the program's checked expression, phasegate's wrappers included) are all it takes.
    text = "double(facts.rate) > 0.5 && facts.l.map(k, k).join(',') == 'a,b'"
    compiled = cel.compile_expression(text)
    revived = cel.revive(text, compiled.variables, None, compiled.serialize())
    assert revived.reads == compiled.reads
    assert revived.model.patterns == compiled.model.patterns
    values = bindings({"rate": 0.75, "l": {"b": 1, "a": 2}})
    assert cel.run(revived, values) is True
    nan = bindings({"rate": "NaN", "l": ["a", "b"]})
    assert cel.run(revived, nan).message == "double() gave nan: not a finite number"
