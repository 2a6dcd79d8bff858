"""Bad input against the CEL layer, as a hostile rule author or facts producer writes it.

Each test is a case the hunt found: it failed before its fix. The contract they hold is the
README's: fail closed, every error located, no traceback.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from phasegate import cel
from phasegate.cel.locate import locate

NOW = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)


def bindings(facts: dict) -> cel.Bindings:
    return cel.Bindings({"facts": facts, "params": {}, "phase": 1, "now": NOW, "history": []})


def failure_of(text: str, facts: dict | None = None) -> str:
    """The message of the error evaluating `text` gives (it must give one)."""
    failed = cel.run(cel.compile_expression(text), bindings(facts or {}))
    assert isinstance(failed, cel.EvalFailure)
    return failed.message


def located(text: str, facts: dict) -> cel.EvalFailure:
    expression = cel.compile_expression(text)
    values = bindings(facts)
    failed = cel.run(expression, values)
    assert isinstance(failed, cel.EvalFailure)
    return locate(expression, values, failed)


# --- every runtime error has a position ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "facts", "message", "where"),
    [
        # The failing operand is the left side of a comparison: its node holds `1 / 0 <`,
        # which is no expression, and the walk used to stop there with no position at all.
        ("0 < 1 / 0", {}, "division by zero", (1, 5)),
        ("1 / 0 > 0", {}, "division by zero", (1, 1)),
        ("facts.a > 0.0 && 1 / int(facts.b) > 0", {"a": 1.0, "b": 0}, "division by zero", (1, 18)),
        ("facts.a > 0.0 &&\n  facts.l[3] > facts.a", {"a": 1.0, "l": []}, "index error", (2, 3)),
        ("facts.a > 0.0 && facts.n % facts.d > 0", {"a": 1.0, "n": 1, "d": 0}, "modulus", (1, 18)),
    ],
)
def test_a_runtime_error_is_located_also_in_the_left_operand(text, facts, message, where):
    found = located(text, facts)
    assert found.message.startswith(message)
    assert (found.line, found.col) == where


def test_an_error_nothing_smaller_explains_is_located_at_the_expression():
    found = located("  (facts).m.x > 1", {"m": {}})
    assert (found.line, found.col) == (1, 4)  # the engine keeps no offset for a parenthesis


def test_a_comprehension_body_is_not_evaluated_with_the_rule_s_variables():
    # Inside the call `facts` is the item, a double; alone, `facts + 1 > 2` would read the
    # rule's facts map and fail for a reason the rule never met.
    found = located("facts.l.exists(facts, facts + 1 > 2)", {"l": [1.0]})
    assert found.message.startswith("type mismatch")
    assert (found.line, found.col) == (1, 1)


# --- the division rule is not bypassed by a comprehension's variable ----------------------


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        # The guard is on the outer x (or the rule's facts); the division is by the one the
        # comprehension binds, which may be 0.0: x / 0.0 is inf or NaN, and NaN compares false.
        ("facts.l.all(x, x > 0.0 && [0.0].all(x, facts.a / x > 1.0))", ["x"]),
        ("facts.b > 0.0 && facts.l.all(facts, facts.a / facts.b > 1.0)", ["facts.b"]),
        ("facts.b > 0.0 && facts.l.map(facts, facts.a / facts.b).size() > 0", ["facts.b"]),
        # A guard still holds where no comprehension rebinds what it is about.
        ("facts.b > 0.0 && facts.l.all(x, facts.a / facts.b > x)", []),
        ("facts.l.all(x, x > 0.0 && facts.a / x > 1.0)", []),
        ("facts.l.all(x, x > 0.0 && [1.0].all(y, facts.a / x > y))", []),
    ],
)
def test_a_guard_does_not_cover_a_variable_a_comprehension_rebinds(text, flagged):
    from phasegate.cel.division import unguarded_divisions

    found = unguarded_divisions(cel.compile_expression(text), {})
    assert [divisor for divisor, *_ in found] == flagged


def test_a_rebound_division_would_otherwise_let_the_gate_continue():
    """Why it matters: the shadowed division makes NaN and the rule quietly passes."""
    facts = {"b": 1.0, "a": 0.0, "l": [{"a": 0.0, "b": 0.0}]}
    text = "facts.b > 0.0 && facts.l.exists(facts, facts.a / facts.b < 1.0 || true == false)"
    assert cel.run(cel.compile_expression(text), bindings(facts)) is False


# --- NaN cannot enter through double() ----------------------------------------------------


@pytest.mark.parametrize("text", ["NaN", "nan", "-nan", "inf", "-Infinity", "1e999"])
def test_double_of_text_that_is_not_a_finite_number_is_an_error(text):
    # A tool prints "NaN" for a rate without samples; NaN compares false both ways, so
    # either rule below would pass and the gate would continue.
    for condition in ("double(facts.rate) > 0.05", "!(double(facts.rate) <= 0.05)"):
        result = cel.run(cel.compile_expression(condition), bindings({"rate": text}))
        assert isinstance(result, cel.EvalFailure), condition
        assert "not a finite number" in result.message


@pytest.mark.parametrize(
    "condition", ["math.sqrt(facts.drift) > 0.1", "!(math.sqrt(facts.drift) <= 0.1)"]
)
def test_the_root_of_a_negative_number_is_an_error(condition):
    # The spec's math.sqrt(-4.0) is NaN, which compares false both ways: a rule over a
    # drift that came out negative passed, and the gate continued.
    failed = cel.run(cel.compile_expression(condition), bindings({"drift": -4.0}))
    assert isinstance(failed, cel.EvalFailure)
    assert failed.message == "math.sqrt() gave nan: not a finite number"
    assert cel.run(cel.compile_expression(condition), bindings({"drift": 4.0})) is True
    assert cel.evaluate("math.sqrt(4) == 2.0 && math.sqrt(9u) == 3.0 && math.sqrt(0.0) == 0.0", {})


SQRT_POLICY = """\
apiVersion: phasegate/v1
kind: Policy
name: p
rules:
  - id: p.drift
    when: has(facts.extra.drift) && math.sqrt(facts.extra.drift) > 0.1
    verdict: rollback
"""


def test_a_rule_over_the_root_of_a_negative_fact_pauses_end_to_end(tmp_path, facts_file):
    from conftest import call_cli, healthy

    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "p.yaml").write_text(SQRT_POLICY, encoding="utf-8")
    extra = {**healthy()["extra"], "drift": -0.25}
    done = call_cli(
        "evaluate", str(facts_file(extra=extra)), "--policies", str(tmp_path / "policies")
    )
    assert done.returncode == 10, done.stdout + done.stderr  # on_error: pause, not continue
    assert "math.sqrt() gave nan: not a finite number" in done.stdout


def test_double_still_converts_and_is_located_where_the_author_wrote_it():
    assert cel.evaluate("double('0.25') + double(1) + double(2u) + double(0.5)", {}) == 3.75
    assert cel.evaluate("[1].map(double, double).size() + 1", {}) == 2  # a variable named so
    assert cel.evaluate("type(1.0) == double", {}) is True
    found = located(
        "facts.rate > 0.0 &&\n  0.05 < double(\n  facts.text)", {"rate": 1.0, "text": "NaN"}
    )
    assert (found.line, found.col) == (2, 10)
    assert cel.compile_expression("double(facts.text) > 0.5").text == "double(facts.text) > 0.5"


def test_a_rule_over_nan_text_fails_closed(tmp_path):
    from conftest import healthy
    from phasegate.core.evaluate import RuleStatus, evaluate
    from phasegate.core.facts import facts_from_data
    from phasegate.core.policy import load_policy_set
    from phasegate.core.verdict import Verdict

    (tmp_path / "p.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Policy\nname: p\nrules:\n"
        "  - id: canary.rate\n    when: double(facts.labels.canary_error_rate) > 0.05\n"
        "    verdict: rollback\n"
    )
    facts = facts_from_data(healthy(labels={"canary_error_rate": "NaN"}), "facts.json")
    decision = evaluate(facts, load_policy_set(tmp_path))
    assert decision.results[0].status is RuleStatus.ERROR
    assert decision.verdict is Verdict.PAUSE


# --- `eval --set` binds only what a rule could be given -----------------------------------


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("1e999", "infinite"),  # json reads it as inf
        ("9223372036854775808", "64-bit"),  # the engine would take it as a uint
        ('"a\\u0000b"', "NUL"),  # the engine ends strings at NUL: size() would say 1
        ('"\\ud800"', "surrogate"),  # the engine failed with a C++ message
        ('{"k": [1, 1e400]}', "infinite"),
    ],
)
def test_eval_refuses_a_set_value_no_facts_document_can_hold(capsys, value, why):
    from phasegate.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["eval", "x", "--set", f"x={value}"])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert why in error and "Traceback" not in error


# --- an optional inside a list or map never reaches the engine's conversion ------------------

OPTIONAL_MESSAGE = """\
apiVersion: phasegate/v1
kind: Policy
name: p
rules:
  - id: p.rate
    when: facts.metrics.error_rate >= 0.0
    verdict: rollback
    message: "rate {{ {'rate': facts.metrics.?error_rate} }} of {{ [facts.?metrics] }}"
"""


def test_a_message_holding_an_optional_keeps_the_rollback(tmp_path, facts_file):
    # cel-expr-python crashed converting the map (a segfault: exit 139, no decision at
    # all) and raised SystemError on the list: the rule's rollback never came out.
    from conftest import run_cli

    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "p.yaml").write_text(OPTIONAL_MESSAGE, encoding="utf-8")
    done = run_cli("evaluate", str(facts_file()), "--policies", str(tmp_path / "policies"))
    assert done.returncode == 20, done.stderr
    assert "rate <the value holds an optional: end each one with .orValue" in done.stdout
    assert "of <the value holds an optional" in done.stdout


@pytest.mark.parametrize(
    "text", ["[optional.of(1)]", "[[optional.none()]]", "[1].map(x, facts.?a)"]
)
def test_a_value_holding_an_optional_is_an_error(text):
    # (a map holding one is the test above, in a subprocess: before the fix it crashed)
    assert failure_of(text).startswith("the value holds an optional")


@pytest.mark.parametrize(
    ("text", "where", "to"),
    [
        # Each crashed the process (a segfault) when it ran: the engine converts the map or
        # list for phasegate's Python function (the sorted range of `map`/`filter`, max()).
        ("{'a': facts.?x}.filter(k, true).size() == 1", (1, 1), "map(), filter()"),
        ("{'a': facts.?x}.transformList(k, v, 1).size() == 1", (1, 1), "map(), filter()"),
        ("[facts.?x].max() == 1", (1, 1), "max()"),
        ("stats.mannWhitneyAbove([1.0], [facts.?x]) > 0.5", (1, 31), "stats.mannWhitneyAbove()"),
        # phasegate's wrappers can be called by name too: a map of optionals handed to
        # phasegate_ordered() crashed the process (exit 139) when the list of functions
        # that take a list was written by hand and left them out
        ("phasegate_ordered({'a': facts.?x}).size() == 1", (1, 19), "phasegate_ordered()"),
        ("phasegate_listed([facts.?x]).size() == 1", (1, 18), "phasegate_listed()"),
    ],
)
def test_an_optional_handed_to_phasegate_s_functions_is_refused_at_load(text, where, to):
    with pytest.raises(cel.CelError) as raised:
        cel.compile_expression(text)
    assert (raised.value.line, raised.value.col) == where
    assert f"a list or map holding optional values cannot be handed to {to}" in str(raised.value)


def test_optionals_inside_an_expression_stay_the_spec_s():
    text = "[optional.of(1)].map(x, x.orValue(0)) == [1] && [?facts.?a].max() == 3"
    assert cel.run(cel.compile_expression(text), bindings({"a": 3})) is True


# --- a map's keys are never merged or retyped on their way through Python ----------------------


@pytest.mark.parametrize(
    "text",
    [
        # The spec says true: the sorted range of `filter` turned the uint key into an int.
        "{1u: 'a'}.filter(k, type(k) == uint).size() == 1",
        # The spec says true: true and 1 became one Python key, so one item.
        "{true: 1, 1: 2}.map(k, k).size() == 2",
    ],
)
def test_map_or_filter_over_a_map_with_other_keys_than_strings_is_an_error(text):
    assert failure_of(text).startswith("map or filter over a map whose keys are not all strings")


def test_a_value_holding_a_map_with_other_keys_than_strings_is_an_error():
    # 1, true and '1' were one JSON key, and which value won followed the engine's hash
    # order: the same message printed other bytes in another process.
    text = "[{1: 'a', true: 'b', '1': 'c'}]"
    assert failure_of(text).startswith("the value holds a map whose keys are not all strings")
    assert cel.run(cel.compile_expression("{1: 'a'}[1] + {'b': 'c'}.b"), bindings({})) == "ac"


# --- a list is handed through Python only where its items come back as they went -----------


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        # The wrapper that holds `filter` to 1,000 items handed the list back converted:
        # each uint came back an int (false), each timestamp and duration not at all (an
        # error, every time, for a rule the spec runs).
        ("facts.l.map(x, uint(x)).filter(x, type(x) == uint).size() == 2", {"l": [1, 2]}),
        (
            "facts.l.map(x, timestamp(x)).filter(t, t < now).size() == 1",
            {"l": ["2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"]},
        ),
        ("facts.l.map(x, duration(x)).map(d, d + d)[0] == duration('2s')", {"l": ["1s"]}),
    ],
)
def test_map_and_filter_over_a_list_of_other_values_than_json_s_are_the_spec_s(text, facts):
    assert cel.run(cel.compile_expression(text), bindings(facts)) is True


@pytest.mark.parametrize(
    "text",
    [
        # cel-expr-python cuts a string coming back from Python at NUL: phasegate's own
        # replace gave 1 where the engine's gives 3 (facts cannot hold NUL; CEL text can).
        "'a\\x00b'.replace('a', 'c').size() == 3",
        "'a\\x00b'.trimPrefix('a').size() == 2",
        "'a\\x00b'.capture('a.b').size() == 3",
    ],
)
def test_phasegate_s_functions_never_give_back_a_string_cut_at_nul(text):
    assert failure_of(text).startswith("a string holding NUL (U+0000)")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        # The types said list(dyn) or map(string, dyn), so the check above did not see the
        # optional: each crashed the process when it ran.
        ("{'a': dyn(facts.?x)}.filter(k, true).size() == 1", (1, 7)),
        ("{'a': facts.?x, 'b': 1}.filter(k, true).size() == 1", (1, 7)),
        ("[facts.?x, 1].max() == 1", (1, 2)),
        ("facts.l.map(x, dyn(facts.?y)).max() == 1", (1, 16)),
        # dyn() one level deeper than a literal's item (found by review): each crashed too
        ("[true ? dyn(optional.of(1)) : 1, 2].max() == 1", (1, 9)),
        ("[1.0, 2.0].map(x, cel.bind(o, optional.of(x), dyn(o))).max() > 0.0", (1, 47)),
        ("{'a': cel.bind(o, optional.of(1), dyn(o))}.map(k, k).size() == 1", (1, 35)),
        ("[cel.bind(o, optional.of(1), dyn(o)), 1].filter(x, true).size() == 2", (1, 30)),
    ],
)
def test_an_optional_hidden_in_a_list_or_map_of_mixed_types_is_refused_at_load(text, where):
    with pytest.raises(cel.CelError) as raised:
        cel.compile_expression(text)
    assert (raised.value.line, raised.value.col) == where
    assert "an optional value in a list or map of mixed types or behind dyn()" in str(raised.value)


def test_optional_elements_and_entries_hold_values_and_load():
    text = "{?'a': facts.?x, 'b': 1}.map(k, k).size() == 2 && [1, ?facts.?x].max() == 2"
    assert cel.run(cel.compile_expression(text), bindings({"x": 2})) is True


def test_an_optional_behind_dyn_in_a_ternary_fails_to_load_end_to_end(tmp_path, facts_file):
    # It loaded, then cel-expr-python crashed converting the list for max(): exit 139 and
    # no decision at all.
    from conftest import run_cli

    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "p.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Policy\nname: p\nrules:\n  - id: p.hidden\n"
        '    when: "[true ? dyn(facts.?extra.a) : 1, 2].max() != 0"\n    verdict: rollback\n',
        encoding="utf-8",
    )
    done = run_cli("evaluate", str(facts_file()), "--policies", str(policies))
    assert done.returncode == 3, done.stderr
    assert "p.yaml" in done.stderr and "behind dyn()" in done.stderr


@pytest.mark.parametrize(
    "text",
    [
        "['a\\x00b'].filter(x, true).map(x, x.size())",
        "{'a\\x00b': 1}.map(k, k.size())",
    ],
)
def test_a_string_holding_nul_is_never_handed_back_cut_by_map_or_filter(text):
    # The engine took the string back from Python cut at the NUL: [1] where 3 is the answer.
    assert "string holding NUL" in failure_of(text)


def test_a_value_of_a_dyn_list_the_engine_cannot_take_back_errs_in_the_same_words():
    # The engine's own message named phasegate's Python function with its memory address:
    # other bytes in every process for the same decision.
    for text in (
        "dyn([timestamp('2020-01-01T00:00:00Z')]).map(x, x).size() == 1",
        "dyn([duration('1s')]).filter(x, true).size() == 1",
    ):
        message = failure_of(text)
        assert "cannot take it back" in message and "0x" not in message, message
    engine_said = "INVALID_ARGUMENT: for 'f' <function _as_is at 0x7f44894225c0>"
    assert runtime_short(engine_said) == "for 'f' <function _as_is at 0x…>"


def runtime_short(text: str) -> str:
    from phasegate.cel.runtime import _short

    return _short(text)


def test_a_division_by_a_converted_literal_zero_says_it_is_zero():
    from phasegate.cel.division import unguarded_divisions

    found = unguarded_divisions(cel.compile_expression("facts.a / double(0) > 1.0"), {})
    assert [(divisor, zero) for divisor, _, _, zero in found] == [("double(0)", True)]
    found = unguarded_divisions(cel.compile_expression("facts.a / facts.b > 1.0"), {})
    assert [(divisor, zero) for divisor, _, _, zero in found] == [("facts.b", False)]


def test_a_map_inside_a_dyn_list_keeps_its_entries_or_errs():
    # Through Python, {1: 'a', true: 'b'} became one entry: the map's size was 1, not 2.
    assert "keys are not all strings" in failure_of(
        "dyn([{1: 'a', true: 'b'}]).map(x, x.size()) == [2]"
    )
    text = "dyn([{'a': 1, 'b': 2}]).map(x, x.size()) == [2]"
    assert cel.run(cel.compile_expression(text), bindings({})) is True
