"""`trace` and `explain`: the tree must be a faithful decomposition of what was decided."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, POLICIES, ROOT, call_cli, healthy, run_cli, write_yaml
from phasegate import cel
from phasegate.core.evaluate import RuleStatus, evaluate
from phasegate.core.facts import facts_from_data, load_facts
from phasegate.core.policy import load_policy_set
from phasegate.review.explain import explain
from phasegate.review.trace import Kind, Node, Outcome, branch_points, trace

POLICY_SET = load_policy_set(POLICIES)
CORPUS = sorted(FIXTURES.glob("*.yaml")) + sorted((ROOT / "tests/acceptance/facts").glob("*.yaml"))


def consistent(node: Node) -> None:
    """Each node's outcome must follow from its children's by CEL's rules."""
    outcomes = [child.outcome for child in node.children]
    if node.kind is Kind.OR:
        if node.outcome is Outcome.TRUE:
            assert Outcome.TRUE in outcomes
        elif node.outcome is Outcome.FALSE:
            assert all(o is Outcome.FALSE for o in outcomes)
        else:
            assert Outcome.TRUE not in outcomes
    if node.kind is Kind.AND:
        if node.outcome is Outcome.FALSE:
            assert Outcome.FALSE in outcomes
        elif node.outcome is Outcome.TRUE:
            assert all(o is Outcome.TRUE for o in outcomes)
        else:
            assert Outcome.FALSE not in outcomes
    if node.kind is Kind.NOT and node.outcome in (Outcome.TRUE, Outcome.FALSE):
        assert {Outcome.TRUE: Outcome.FALSE, Outcome.FALSE: Outcome.TRUE}[node.outcome] == (
            outcomes[0]
        )
    if node.kind is Kind.CONDITIONAL and outcomes[0] in (Outcome.TRUE, Outcome.FALSE):
        taken = node.children[1 if outcomes[0] is Outcome.TRUE else 2]
        skipped = node.children[2 if outcomes[0] is Outcome.TRUE else 1]
        assert skipped.outcome is Outcome.UNEVALUATED
        assert (taken.outcome, taken.value) == (node.outcome, node.value)
    for child in node.children:
        consistent(child)


STATUS_OUTCOMES = {
    RuleStatus.FIRED: {Outcome.TRUE},
    RuleStatus.PENDING: {Outcome.TRUE},
    RuleStatus.PASSED: {Outcome.FALSE},
    RuleStatus.ERROR: {Outcome.ERROR, Outcome.VALUE},
}


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_explanation_agrees_with_the_decision_on_every_document(path):
    facts = load_facts(path)
    explanation = explain(facts, POLICY_SET)
    assert explanation.decision == evaluate(facts, POLICY_SET)
    for item in explanation.rules:
        if item.result.status is RuleStatus.SKIPPED:
            assert item.tree is None
            continue
        assert item.tree.outcome in STATUS_OUTCOMES[item.result.status], item.rule.id
        consistent(item.tree)


def test_or_is_split_into_its_operands_and_trimmed_to_the_deciding_one():
    data = healthy(state={"corruption_indicators": 2, "db_integrity_ok": True})
    expression = cel.compile_expression(
        "facts.state.corruption_indicators > 0 || !facts.state.db_integrity_ok"
    )
    tree = trace(expression, cel.Bindings({"facts": data}))
    assert tree.kind is Kind.OR and tree.outcome is Outcome.TRUE
    assert [child.text for child in tree.children] == [
        "facts.state.corruption_indicators > 0",
        "!facts.state.db_integrity_ok",
    ]
    assert [child.text for child in tree.deciding()] == ["facts.state.corruption_indicators > 0"]
    left = tree.children[0]
    assert (left.kind, left.operator) == (Kind.RELATION, ">")
    assert [(c.text, c.value) for c in left.children] == [
        ("facts.state.corruption_indicators", 2),
        ("0", 0),
    ]
    assert [p.text for p in branch_points(tree)] == [c.text for c in tree.children]


def test_a_failing_operand_that_did_not_decide_is_kept_but_not_deciding():
    data = healthy()
    expression = cel.compile_expression("has(facts.freeze) && facts.freeze.active")
    tree = trace(expression, cel.Bindings({"facts": data}))
    assert tree.outcome is Outcome.FALSE
    right = tree.children[1]
    assert (right.outcome, right.error) == (Outcome.ERROR, "missing fact: facts.freeze.active")
    assert tree.deciding() == (tree.children[0],)


def test_nested_or_inside_and_and_positions_within_the_condition():
    text = "facts.a > 1 &&\n  (facts.b || facts.c)"
    data = {"a": 2, "b": False, "c": True}
    tree = trace(cel.compile_expression(text), cel.Bindings({"facts": data}))
    inner = tree.children[1]
    assert inner.kind is Kind.OR and inner.text == "facts.b || facts.c"
    assert (inner.line, inner.col) == (2, 4)
    assert [p.text for p in branch_points(tree)] == [
        "facts.a > 1",
        "facts.b || facts.c",
        "facts.b",
        "facts.c",
    ]


def test_the_branch_not_taken_is_not_evaluated():
    text = "facts.a ? facts.missing > 1 : facts.b == 2"
    data = {"a": False, "b": 2}
    tree = trace(cel.compile_expression(text), cel.Bindings({"facts": data}))
    assert tree.kind is Kind.CONDITIONAL and tree.outcome is Outcome.TRUE
    assert tree.children[1].outcome is Outcome.UNEVALUATED
    assert tree.children[2].outcome is Outcome.TRUE
    consistent(tree)


def test_comprehension_macros_are_leaves():
    text = "facts.items.exists(i, i > 2) || facts.items.all(i, i > 0)"
    data = {"items": [1, 3]}
    tree = trace(cel.compile_expression(text), cel.Bindings({"facts": data}))
    assert [(c.kind, c.outcome) for c in tree.children] == [
        (Kind.VALUE, Outcome.TRUE),
        (Kind.VALUE, Outcome.TRUE),
    ]
    assert all(not c.children for c in tree.children)


ATOMS = [
    "facts.a",
    "!facts.a",
    "facts.n > 1",
    "facts.n == 2.5",
    "has(facts.n)",
    "facts.s.startsWith('x')",
    "facts.n / 0.0 > 1.0",
    "(facts.n > 0 ? facts.a : facts.s == 'x')",
]


def expressions(depth: int) -> st.SearchStrategy[str]:
    if depth == 0:
        return st.sampled_from(ATOMS)
    smaller = expressions(depth - 1)
    return st.one_of(
        smaller,
        st.builds(lambda a, b: f"{a} || {b}", smaller, smaller),
        st.builds(lambda a, b: f"({a}) && ({b})", smaller, smaller),
        st.builds(lambda a: f"!({a})", smaller),
        st.builds(lambda a, b, c: f"({a}) ? ({b}) : ({c})", smaller, smaller, smaller),
    )


@settings(max_examples=200, deadline=None)
@given(
    expressions(3),
    st.dictionaries(
        st.sampled_from(["a", "n", "s"]),
        st.one_of(st.booleans(), st.integers(-1, 3), st.floats(-1, 3), st.sampled_from(["x"])),
    ),
)
def test_every_tree_is_consistent_and_its_root_is_the_interpreters_answer(text, data):
    expression = cel.compile_expression(text)
    bindings = cel.Bindings({"facts": data})
    tree = trace(expression, bindings)
    reference = cel.run(expression, bindings)
    if isinstance(reference, cel.EvalFailure):
        assert tree.outcome is Outcome.ERROR and tree.error == reference.message
    else:
        assert tree.value == reference
    consistent(tree)


# --- the command ------------------------------------------------------------------------------


def test_explain_text_shows_reads_the_deciding_operand_and_why():
    fixture = FIXTURES / "phase1-trigger.data-corruption.yaml"
    done = run_cli("explain", str(fixture), "--rule", "trigger.data-corruption")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("ROLLBACK  phase 1")
    assert "from trigger.data-corruption" in lines[1]
    assert "    facts.state.corruption_indicators = 2" in lines
    assert "    TRUE   facts.state.corruption_indicators > 0 || !facts.state.db_integrity_ok" in (
        lines
    )
    assert "      (1 other operand did not decide)" in lines
    assert lines[-1] == "  why: the condition is true, so the rule fires: rollback"


def test_explain_json_locates_every_node_in_the_policy_file_and_is_byte_stable():
    fixture = FIXTURES / "phase1-health.error-rate-regression.yaml"
    first = run_cli("explain", str(fixture), "--format", "json")  # its own hash seed
    second = call_cli("explain", str(fixture), "--format", "json")
    assert first.returncode == 0 and first.stdout == second.stdout
    document = json.loads(first.stdout)
    assert document["verdict"] == "rollback"
    (rule,) = [r for r in document["rules"] if r["id"] == "health.error-rate-regression"]
    assert rule["status"] == "fired" and rule["trace"]["outcome"] == "true"
    lines = (POLICIES / "health.yaml").read_text().splitlines()
    for node in walk(rule["trace"]):
        # Every node's text starts exactly where its line:col says, inside the block scalar.
        line = lines[node["line"] - 1]
        assert line[node["col"] - 1 :].startswith(node["text"].split("\n")[0]), node
    margin = [n for n in walk(rule["trace"]) if n["text"] == "params.regression_margin"]
    assert margin[0]["value"] == 0.01 and margin[0]["decided"] is True
    written = load_facts(fixture).data["metrics"]["error_rate"]
    assert {"path": "facts.metrics.error_rate", "present": True, "value": written} in rule["reads"]


def walk(node: dict[str, Any]):
    yield node
    for child in node["children"]:
        yield from walk(child)


def test_explain_names_missing_facts_and_the_on_error_effect(tmp_path: Path):
    data = healthy()
    del data["metrics"]["error_rate"]
    facts = write_yaml(tmp_path / "facts.yaml", data)
    done = call_cli("explain", str(facts), "--rule", "health.error-rate-regression")
    assert done.returncode == 0
    assert "    facts.metrics.error_rate = (missing)" in done.stdout
    assert "missing fact: facts.metrics.error_rate" in done.stdout
    assert "on_error pause" in done.stdout


def test_explain_refuses_an_unknown_rule_and_bad_facts(tmp_path: Path):
    fixture = str(FIXTURES / "phase1-healthy.yaml")
    done = call_cli("explain", fixture, "--rule", "health.nope")
    assert done.returncode == 2 and "health.nope" in done.stderr
    assert "Traceback" not in done.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("phase: [\n")
    done = call_cli("explain", str(bad))
    assert done.returncode == 3 and done.stderr.startswith(str(bad))


def test_explain_marks_skipped_rules_without_evaluating_them():
    facts = facts_from_data(healthy(), "inline")
    explanation = explain(facts, POLICY_SET)
    skipped = [item for item in explanation.rules if item.result.status is RuleStatus.SKIPPED]
    assert {item.rule.id for item in skipped} == {
        "health.throughput-low",
        "health.completion-low",
        "window.phase2-monitoring",
        "rollout.phase2-sampling",
    }
    assert all(item.reads == () and "phases [2]" in item.why for item in skipped)


def test_bool_literals_have_positions_so_every_node_is_located(tmp_path: Path):
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "p.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Policy\nname: p\nrules:\n"
        "  - id: p.a\n"
        "    when: (facts.phase == 1 && facts.state.db_integrity_ok == true) || false\n"
        "    verdict: pause\n"
    )
    fixture = str(FIXTURES / "phase1-healthy.yaml")
    done = call_cli("explain", fixture, "--policies", str(policies), "--format", "json")
    assert done.returncode == 0, done.stderr
    (rule,) = json.loads(done.stdout)["rules"]
    line = (policies / "p.yaml").read_text().splitlines()[5]
    texts = {(n["col"], n["text"]) for n in walk(rule["trace"])}
    assert (line.index("false") + 1, "false") in texts
    assert (line.index("true") + 1, "true") in texts
    assert rule["trace"]["children"][0]["outcome"] == "true"  # the && is evaluated whole


def test_a_condition_too_deep_to_trace_keeps_the_gates_decision(tmp_path: Path):
    # The engine takes long operator chains (loading allows 1000 operators) that the
    # recursive tree walk cannot follow: the decision stands, without a tree.
    deep = "!" * 998 + "(facts.phase == 1)"
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "p.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Policy\nname: p\nrules:\n"
        f"  - id: p.a\n    when: '{deep}'\n    verdict: pause\n"
    )
    fixture = str(FIXTURES / "phase1-healthy.yaml")
    decided = json.loads(
        run_cli("evaluate", fixture, "--policies", str(policies), "--format", "json").stdout
    )
    done = run_cli("explain", fixture, "--policies", str(policies), "--format", "json")
    assert done.returncode == 0, done.stderr
    (rule,) = json.loads(done.stdout)["rules"]
    assert rule["status"] == decided["rules"][0]["status"]
    assert rule["trace"] is None
    assert "nested too deeply to show" in rule["why"]
