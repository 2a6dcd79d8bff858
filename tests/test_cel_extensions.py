"""The CEL that Kubernetes users write, enabled in phasegate's one environment: each
extension through `phasegate.cel.evaluate` (the path rules take) and `phasegate eval`."""

from __future__ import annotations

import json
import re

import pytest

from conftest import call_cli
from phasegate import cel

#: cel-spec tests/simple/testdata/fields.textproto, section "quoted_map_fields" (Apache-2.0):
#: field names quoted with backticks.
CEL_SPEC_QUOTED_FIELDS = [
    ("{'/api/v1': true, '/api/v2': false}.`/api/v1`", True),
    (
        "{'content-type': 'application/json', 'content-length': 145}.`content-type`"
        " == 'application/json'",
        True,
    ),
    ("{'foo.txt': 32, 'bar.csv': 1024}.`foo.txt`", 32),
    ("has({'/api/v1': true, '/api/v2': false}.`/api/v3`)", False),
    ("has({'content-type': 'application/json', 'content-length': 145}.`content-type`)", True),
    ("has({'foo.txt': 32, 'bar.csv': 1024}.`foo.txt`)", True),
]


@pytest.mark.parametrize(("text", "value"), CEL_SPEC_QUOTED_FIELDS)
def test_cel_spec_quoted_field_names(text, value):
    assert cel.evaluate(text, {}) == value


FACTS = {"metrics": {"error_rate": 0.02}, "labels": {"content-type": "json"}, "n": [3, 1, 2]}

#: One example per extension, as the README shows it.
EXAMPLES = [
    # strings
    ("'v1.2'.trimPrefix('v').split('.').size()", 2),
    ("'%s of %d'.format(['a', 3])", "a of 3"),
    # lists
    ("facts.n.sort() == [1, 2, 3] && facts.n.slice(0, 2) == [3, 1]", True),
    ("lists.range(3).map(i, i * 2)", [0, 2, 4]),
    ("[1, [2, 3]].flatten().distinct().size()", 3),
    # sets
    ("sets.contains(['quick', 'test', 'ci'], ['ci'])", True),
    ("sets.intersects([1, 2], [3, 2])", True),
    # math
    ("math.greatest(facts.n) == 3 && math.least(1, 2) == 1", True),
    ("math.ceil(1.2) == 2.0 && math.abs(-3) == 3", True),
    # regex
    ("regex.extract('v1.2.3', r'v(\\d+)').orValue('') == '1'", True),
    ("regex.replace('a-b-c', '-', '+')", "a+b+c"),
    # encoders
    ("base64.encode(b'ok')", "b2s="),
    ("base64.decode('b2s=') == b'ok'", True),
    # bindings
    ("cel.bind(r, facts.metrics.error_rate, r > 0.01 && r < 0.05)", True),
    # optional types
    ("facts.?metrics.?error_rate.orValue(0.0)", 0.02),
    ("facts.?metrics.?latency.orValue(-1.0)", -1.0),
    ("facts.metrics[?'latency'].hasValue()", False),
    ("optional.of(1).orValue(2) + optional.none().orValue(3)", 4),
    ("[?optional.none(), ?optional.of('x')]", ["x"]),
    # two-variable comprehensions
    ("{'a': 1, 'b': 2}.all(k, v, v > 0 && k != '')", True),
    ("[10, 20].exists(i, v, i == 1 && v == 20)", True),
    ("[10, 20].transformList(i, v, i + v)", [10, 21]),
    # backtick-quoted field names
    ("facts.labels.`content-type`", "json"),
]


@pytest.mark.parametrize(("text", "value"), EXAMPLES)
def test_each_extension_evaluates_as_rules_do(text, value):
    assert cel.evaluate(text, {"facts": FACTS}) == value


def test_eval_takes_every_extension():
    text = " && ".join(
        [
            "sets.contains([1, 2], [2])",
            "lists.range(2).size() == 2",
            "math.greatest(1, 2) == 2",
            "regex.replace('a', 'a', 'b') == 'b'",
            "base64.encode(b'') == ''",
            "cel.bind(x, 1, x == 1)",
            "optional.none().orValue(1) == 1",
            "{'a': 1}.all(k, v, v == 1)",
            "{'a-b': 1}.`a-b` == 1",
        ]
    )
    done = call_cli("eval", text, "--format", "json")
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout) == {"type": "bool", "value": True}


def test_an_optional_result_says_how_to_end_it():
    with pytest.raises(cel.CelError) as raised:
        cel.evaluate("{'a': 1}.?a", {})
    assert raised.value.message == (
        "the value is optional: end the expression with .orValue(default) or .value()"
    )


def test_transform_map_is_refused_where_the_engine_cannot_run_it():
    with pytest.raises(cel.CelError) as raised:
        cel.evaluate("{'a': 1}.transformMap(k, v, v + 1)", {})
    assert raised.value.message.startswith("transformMap and transformMapEntry are not available")


def test_transform_list_over_a_map_fails_closed_for_its_order():
    with pytest.raises(cel.CelError) as raised:
        cel.evaluate("m.transformList(k, v, k)", {"m": {"b": 1, "a": 2}})
    assert "a map has no stable order" in raised.value.message


def test_map_and_filter_over_a_map_list_its_keys_sorted():
    assert cel.evaluate("m.map(k, k)", {"m": {"b": 1, "a": 2, "c": 3}}) == ["a", "b", "c"]


def test_replace_with_a_count():
    assert cel.evaluate("'aaa'.replace('a', 'b', 2)", {}) == "bba"


EXTENDED = """\
apiVersion: phasegate/v1
kind: Policy
name: ext
rules:
  - id: ext.optional-rate
    when: facts.?metrics.?error_rate.orValue(0.0) > 0.5
    verdict: pause
  - id: ext.plain-rate
    when: facts.metrics.error_rate > 0.5
    verdict: pause
  - id: ext.quoted
    when: "facts.labels.`content-type` == 'x'"
    verdict: pause
"""


def test_the_reviewer_tools_take_what_the_engine_takes(tmp_path):
    from conftest import FIXTURES

    (tmp_path / "policies").mkdir()
    policy = tmp_path / "policies" / "ext.yaml"
    policy.write_text(EXTENDED, encoding="utf-8")
    lint = call_cli("lint", "--min-severity", "info", cwd=tmp_path)
    assert lint.returncode == 0, lint.stderr
    # the read through `?.` with orValue is guarded; the plain one is not
    assert "ext.optional-rate" not in lint.stdout
    assert "ext.plain-rate: reads facts.metrics.error_rate without has()" in lint.stdout
    fmt = call_cli("fmt", "--check", cwd=tmp_path)
    assert (fmt.returncode, fmt.stdout) == (0, "")
    assert fmt.stderr.splitlines() == [
        "policies/ext.yaml:6:17: note: rule ext.optional-rate: when: kept as written: fmt"
        " cannot read this CEL syntax (syntax error: unexpected '?')",
        "policies/ext.yaml:12:25: note: rule ext.quoted: when: kept as written: fmt cannot"
        " read this CEL syntax (syntax error: unexpected character '`')",
    ]
    assert policy.read_text(encoding="utf-8") == EXTENDED
    explain = call_cli(
        "explain",
        str(FIXTURES / "phase1-healthy.yaml"),
        "--rule",
        "ext.optional-rate",
        cwd=tmp_path,
    )
    assert "FALSE  facts.?metrics.?error_rate.orValue(0.0) > 0.5" in explain.stdout


def readme_extension_examples() -> list[str]:
    """Every example in the README's table of extensions."""
    from conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("  | extension | example |") :].split("\n\n", 1)[0]
    found = []
    for row in table.splitlines()[2:]:
        example = row.split("|")[2]
        found += [
            item.strip()
            for item in re.findall(r"``(.+?)``|`([^`]+)`", example)
            for item in item
            if item
        ]
    return [item for item in found if "(" in item or "." in item]


def test_every_example_of_the_readme_table_evaluates():
    examples = readme_extension_examples()
    assert len(examples) > 25
    bindings = {"facts": FACTS, "a": [1], "b": [2], "s": "x"}
    for text in examples:
        cel.evaluate(text + (".orValue(0)" if text.startswith("optional.") else ""), bindings)
