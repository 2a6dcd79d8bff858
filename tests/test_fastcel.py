"""Differential tests: the fast evaluator must answer exactly as cel-python's interpreter.

fastcel may only answer true or false; wherever it does, the interpreter (with phasegate's
functions) must give the same boolean. Anything else it hands back to the interpreter.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from celpy import celtypes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, POLICIES, ROOT
from phasegate import cel
from phasegate.fastcel import CelError, Fallback, compile_fast
from phasegate.loading import load_document
from phasegate.policy import load_policy_set

POLICY_SET = load_policy_set(POLICIES)
DOCUMENTS = [load_document(path).data for path in sorted(FIXTURES.glob("*.yaml"))] + [
    load_document(path).data
    for path in sorted((ROOT / "tests" / "acceptance" / "facts").glob("*.yaml"))
]


def interpreter(expression: cel.Expression, env: dict[str, Any]) -> Any:
    variables = {name: cel.to_cel(value) for name, value in env.items() if name != "now"}
    variables["now"] = env["now"]
    value = cel.run(expression, variables, {"facts": env["facts"]})
    if isinstance(value, celtypes.BoolType):
        return bool(value)
    return "error" if isinstance(value, cel.EvalFailure) else ("value", cel.to_plain(value))


def fast(expression: cel.Expression, env: dict[str, Any]) -> Any:
    program = compile_fast(expression)
    assert program is not None, expression.text
    try:
        return program.decide(env)
    except CelError:
        return "error"
    except Fallback:
        return "fallback"


def env_for(data: dict[str, Any], params: Any) -> dict[str, Any]:
    from phasegate.facts import normalise

    facts = normalise(data)
    return {
        "facts": facts,
        "params": params,
        "phase": facts["phase"],
        "now": celtypes.TimestampType(facts["collected_at"].upper()),
        "history": [],
    }


def test_every_shipped_rule_compiles_fast():
    assert all(rule.fast is not None for rule in POLICY_SET.rules)


def check(data: dict[str, Any]) -> int:
    decided = 0
    for policy in POLICY_SET.policies:
        env = env_for(data, policy.params_plain)
        for rule in policy.rules:
            answer = fast(rule.when, env)
            expected = interpreter(rule.when, env)
            if answer in (True, False):
                decided += 1
                assert answer == expected, (rule.id, answer, expected)
            elif answer == "error":
                assert expected == "error", (rule.id, expected)
    return decided


def test_shipped_rules_agree_on_every_fixture_and_the_acceptance_corpus():
    decided = sum(check(copy.deepcopy(data)) for data in DOCUMENTS)
    assert decided > 0.9 * len(DOCUMENTS) * len(POLICY_SET.rules)


numbers = st.one_of(
    st.integers(-3, 50),
    st.floats(-1.0, 100.0, allow_nan=False),
    st.sampled_from([0, 0.0, 1, 1.0, 0.25, 3, 3.0]),
)
HEALTHY = load_document(FIXTURES / "phase2-healthy.yaml").data
METRICS = sorted(HEALTHY["metrics"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.sampled_from(METRICS), st.one_of(numbers, st.none(), st.just("x"))),
    st.dictionaries(st.sampled_from(METRICS), st.one_of(numbers, st.none())),
    st.sampled_from([0, 1, 2]),
    st.lists(
        st.fixed_dictionaries(
            {
                "id": st.just("I"),
                "severity": st.sampled_from(["P0", "P1", "P2"]),
                "status": st.sampled_from(["open", "mitigated", "resolved"]),
            }
        ),
        max_size=3,
    ),
    st.sampled_from(["0.4.3", "v0.4.3", "0.4.2", ""]),
    st.sampled_from(["2026-11-21T08:00:00Z", "2026-11-21T10:00:00+01:00", None]),
)
def test_shipped_rules_agree_on_generated_snapshots(
    metrics, baseline, phase, incidents, version, started
):
    data = copy.deepcopy(HEALTHY)
    for target, changes in ((data["metrics"], metrics), (data["baseline"], baseline)):
        for name, value in changes.items():
            if value is None:
                target.pop(name, None)
            else:
                target[name] = value
    data["phase"], data["incidents"], data["deployed_version"] = phase, incidents, version
    if started is None:
        data.pop("phase_started_at")
    else:
        data["phase_started_at"] = started
    check(data)


EXPRESSIONS = [
    "facts.c || facts.l.exists(i, i.x == 1)",
    "facts.c || facts.l.map(i, i.x).size() > 0",
    "true || 1 && [] && 1",
    "!has(facts.nope.k)",
    "1.0 / (facts.a - facts.a) > 1.0",
    "false && facts.a.exists(y, true)",
    "facts.a < facts.b",
    "facts.a == facts.b",
    "facts.a != facts.b",
    "facts.a >= 2.5",
    "facts.a + facts.b > 1.0",
    "facts.a - facts.b < 0.0",
    "facts.a * facts.b == 4.0",
    "facts.a / facts.b > 1.0",
    "-facts.a < 0",
    "!facts.c",
    "facts.c && facts.a > 1",
    "facts.c || facts.nope > 1",
    "facts.nope > 1 || facts.c",
    "facts.nope > 1 && false",
    "facts.c ? facts.a > 1 : facts.b > 1",
    "facts.s.startsWith('a')",
    "facts.s == 'abc'",
    "facts.s < 'b'",
    "facts.s in ['a', 'abc']",
    "facts.a in [1, 2, 3]",
    "'k' in facts.m",
    "has(facts.m.k)",
    "facts.m.k == 1",
    "facts.l[0] == 1",
    "facts.l[5] == 1",
    "size(facts.l) > 1",
    "facts.l.exists(x, x > 1)",
    "facts.l.all(x, x > 0)",
    "facts.l.filter(x, x > 1).size() == 1",
    "facts.l.map(x, x * 2)[0] == 2",
    "facts.s.trimPrefix('a') == 'bc'",
    "double(facts.a) > 1.5",
    "facts.c == true",
    "facts.a == facts.c",
    "facts.n == null",
    "timestamp('2026-01-01T00:00:00Z') < now",
    "now - timestamp(facts.t) < duration('1h')",
    "(now - timestamp(facts.t)).getSeconds() > 60",
]
values = st.one_of(
    st.integers(-5, 5),
    st.floats(-5, 5, allow_nan=False),
    st.booleans(),
    st.sampled_from(["a", "abc", "b"]),
    st.none(),
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(EXPRESSIONS),
    values,
    values,
    values,
    values,
    st.lists(st.one_of(st.integers(-2, 3), st.floats(-2, 3, allow_nan=False)), max_size=4),
    st.sampled_from(["2026-11-21T09:00:00Z", "2026-11-21T09:59:30Z", "bad"]),
)
def test_expressions_agree_on_generated_values(text, a, b, c, s, items, t):
    facts = {"a": a, "b": b, "c": c, "s": s, "l": items, "m": {"k": 1}, "n": None, "t": t}
    env = {
        "facts": facts,
        "params": {},
        "phase": 1,
        "now": celtypes.TimestampType("2026-11-21T10:00:00Z"),
        "history": [],
    }
    expression = cel.compile_expression(text)
    answer = fast(expression, env)
    expected = interpreter(expression, env)
    if answer in (True, False):
        assert answer == expected, (text, facts, answer, expected)
    elif answer == "error":
        assert expected == "error", (text, facts, expected)


def test_unsupported_constructs_are_not_compiled():
    for text in [
        "facts.s.matches('a')",
        "{'a': 1}.a == 1",
        "r'x' == 'x'",
        "1u == 1u",
        "facts.l.exists_one(x, x > 1)",
        "type(facts.a) == int",
    ]:
        assert compile_fast(cel.compile_expression(text)) is None, text


@pytest.mark.parametrize("path", [FIXTURES / "phase1-healthy.yaml"])
def test_fast_path_is_used_on_healthy_facts(path: Path):
    env = env_for(load_document(path).data, POLICY_SET.policies[0].params_plain)
    rule = POLICY_SET.rules[0]
    assert rule.fast is not None and rule.fast.decide(env) is False
