"""The engine's checked expression, read by phasegate, agrees with the engine, and with
cel-python's parser where the reviewer tools use it.

Every static question `evaluate`, `replay`, `collect` and `run` ask (the reads, regex
literals, divisions, the cost) is answered from the checked expression the engine returns
(`phasegate.cel.checked`, `phasegate.cel.model`). These tests hold that reading to the
engine over the shipped policies, phasegate.yaml, the README and docs, and a generated
corpus: each part of the tree runs on its own as the engine runs the whole, and each read
sits where the text names its variable. cel-python's parser (fmt, explain's tree) must
never take a text the engine refuses, but for the differences README.md lists.
"""

from __future__ import annotations

import random
import re

import pytest

from conftest import POLICIES, ROOT
from phasegate import cel
from phasegate.cel import checked, model, syntax
from phasegate.collect.config import (
    ACTION_VARIABLES,
    RUNNER_VARIABLES,
    SOURCE_VARIABLES,
    VERIFY_VARIABLES,
    load_config,
)
from phasegate.collect.promquery import QUERY_VARIABLES
from phasegate.core.policy import load_policy_set

#: Every variable any context declares: the texts below come from all of them.
ALL_VARIABLES = tuple(
    dict.fromkeys(
        cel.VARIABLES
        + SOURCE_VARIABLES
        + VERIFY_VARIABLES
        + ACTION_VARIABLES
        + RUNNER_VARIABLES
        + QUERY_VARIABLES
    )
)


def engine_parses(text: str) -> bool:
    return cel.parses(text)


def tree_parses(text: str) -> bool:
    try:
        syntax.parse_expression(text)
    except cel.CelError:
        return False
    return True


def shipped_expressions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every CEL text the shipped policies, phasegate.yaml and the example configuration
    compile, caught where they are compiled (so no kind of expression is missed)."""
    seen: list[str] = []
    compile_expression = cel.compile_expression

    def recording(text: str, *args, **kwargs):
        seen.append(text)
        return compile_expression(text, *args, **kwargs)

    monkeypatch.setattr(cel, "compile_expression", recording)
    load_policy_set(POLICIES)
    load_config(ROOT / "phasegate.yaml")
    load_config(ROOT / "examples" / "prometheus.yaml")
    monkeypatch.undo()
    return seen


def readme_expressions() -> list[str]:
    """The `when:` lines and placeholders of the README's and docs' YAML examples, and the
    expressions the README gives `phasegate eval`."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL):
            if "verdict:" not in block and "phasegate/v1" not in block:
                continue  # a CI system's YAML, not phasegate's
            found += [m.strip() for m in re.findall(r"^\s*when: (.+)$", block, re.MULTILINE)]
            found += [m.strip() for m in re.findall(r"(?<!\$)\{\{(.*?)\}\}", block)]
        found += re.findall(r"(?:^\s*|`)phasegate eval '([^']*)'", text, re.MULTILINE)
    return [text for text in found if text not in ("|", ">-", ">")]


ATOMS = [
    "facts.metrics.error_rate",
    "facts.checks.ci.ok",
    "params.limit",
    "phase",
    "now",
    "history",
    "facts.incidents",
    "1",
    "2.5",
    "1u",
    "0x1F",
    "'s'",
    '"x"',
    "r'\\d+'",
    "b'by'",
    "true",
    "false",
    "null",
    "[1, 2]",
    "{'a': 1}",
    "size(facts.incidents)",
    "facts.change.tag.startsWith('v')",
    "has(facts.state)",
    "facts.incidents.exists(i, i.status == 'open')",
    "facts.incidents.map(i, i.id)",
    "duration('1h')",
    "timestamp(facts.collected_at)",
]
BINARY = ["+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "&&", "||", "in"]
#: Broken on purpose: each makes a text no CEL parser should take.
BREAKS = [
    lambda t: t + " &&",
    lambda t: "(" + t,
    lambda t: t + ")",
    lambda t: t.replace(" ", " # ", 1),
    lambda t: t + " ? 1",
    lambda t: "." + t,
    lambda t: t + " = 1",
    lambda t: t + ",",
    lambda t: "[" + t + ",]",
    lambda t: "{'k': " + t + ",}",
    lambda t: t.replace("(", "((", 1),
    lambda t: "'" + t,
]


def generated(count: int, seed: int = 9) -> list[str]:
    rng = random.Random(seed)

    def expression(depth: int) -> str:
        roll = rng.random()
        if depth == 0 or roll < 0.3:
            return rng.choice(ATOMS)
        if roll < 0.7:
            op = rng.choice(BINARY)
            return f"{expression(depth - 1)} {op} {expression(depth - 1)}"
        if roll < 0.8:
            return f"!({expression(depth - 1)})"
        if roll < 0.9:
            return f"{expression(depth - 1)} ? {expression(depth - 1)} : {expression(depth - 1)}"
        return f"-{expression(depth - 1)}"

    texts = []
    for _ in range(count):
        text = expression(3)
        if rng.random() < 0.25:
            text = rng.choice(BREAKS)(text)
        texts.append(text)
    return texts


FACTS = {
    "metrics": {"error_rate": 0.02, "agents_total": 4, "agents_failed": 1, "new_failures": 0},
    "baseline": {"error_rate": 0.01},
    "checks": {"ci": {"ok": True, "commit": "abc1234"}},
    "change": {"commit": "abc1234", "tag": "v1"},
    "incidents": [{"id": "INC-1", "severity": "P0", "status": "open"}],
}


def agrees_with_the_engine(expression: cel.Expression) -> list[str]:
    """What the reading of `expression`'s checked tree gets wrong, as the engine tells."""
    wrong = []
    tree = expression.checked
    lines = expression.text.split("\n")
    for read in expression.reads:  # each read sits at its variable's name
        named = lines[read.line - 1][read.col - 1 : read.col - 1 + len(read.path[0])]
        if named != read.path[0]:
            wrong.append(f"{read.dotted} at {read.line}:{read.col} names {named!r}")
    bindings = cel.Bindings({"facts": FACTS, "params": {}, "phase": 1, "now": None, "history": []})
    whole = cel.run(expression, bindings)
    again = expression.env.deserialize(tree.part(tree.root)).eval(bindings.activation(expression))
    if not isinstance(whole, cel.EvalFailure) and whole is not None:
        try:
            if again.plain_value() != whole:
                wrong.append(f"the tree's bytes run to {again.plain_value()!r}, not {whole!r}")
        except TypeError:
            pass
    return wrong


def test_the_shipped_expressions_and_the_docs_are_read_as_the_engine_reads_them(monkeypatch):
    texts = shipped_expressions(monkeypatch) + readme_expressions()
    assert len(texts) > 40
    wrong = {}
    for text in texts:
        expression = cel.compile_expression(text, ALL_VARIABLES)
        found = agrees_with_the_engine(expression)
        if tree_parses(text):  # and the reviewer tools' tree finds the same paths (it
            # counts a read anywhere inside has() as guarded: `has(facts.m[k].x)` guards
            # facts.m for it, while an absent facts.m is an error, as the engine says)
            by_tree = sorted(read.path for read in syntax.analyze(text))
            by_engine = sorted(
                read.path for read in expression.reads if read.path[0] in cel.VARIABLES
            )
            if by_tree != by_engine:
                found.append(f"reads {by_engine} != {by_tree}")
        if found:
            wrong[text] = found
    assert wrong == {}


#: Texts cel-python takes and CEL's grammar (so the engine, so loading) refuses, listed in
#: README.md. The other way round (the engine takes what cel-python cannot read: a
#: trailing comma, backtick names, `?.`) fmt keeps as written and lint reads from the
#: engine's tree.
KNOWN_DIFFERENCES = {
    "a unary chain mixing ! and - (the grammar has !-chains and --chains; -1 is a literal)": (
        re.compile(r"-\s*!|!\s*-(?!\d)|!\s*--")
    ),
    "a leading-dot name that is a keyword (.null)": re.compile(r"(^|[^\w.])\.\s*null\b"),
}


def test_generated_texts_are_read_as_the_engine_reads_them():
    texts = [*generated(1500), "-!x", "!-x", "!--1", ".null", "!-1", "--1", "-!(now) || true"]
    texts += ["[1,]", "{'a': 1,}", "[1, 2 ,\n]", "phase in [ - ( phase +\nphase\n)\n,  // c\n1\n]"]
    refused = [t for t in texts if not engine_parses(t)]
    assert len(refused) > 200  # the corpus does exercise refusals
    compiled, wrong = 0, {}
    for text in texts:
        try:
            expression = cel.compile_expression(text)
        except cel.CelError:
            continue
        compiled += 1
        found = agrees_with_the_engine(expression)
        if found:
            wrong[text] = found
    assert compiled > 300
    assert wrong == {}
    differ = [t for t in texts if engine_parses(t) != tree_parses(t)]
    unexplained = [
        t
        for t in differ
        if tree_parses(t) and not any(p.search(t) for p in KNOWN_DIFFERENCES.values())
    ]
    assert unexplained == []
    for pattern in KNOWN_DIFFERENCES.values():  # each listed difference is still real
        assert any(pattern.search(t) for t in differ)


def test_a_tree_deeper_than_recursion_allows_is_read_without_recursing():
    text = "!" * 999 + "(facts.a > 1)"
    expression = cel.compile_expression(text)
    assert [read.dotted for read in expression.reads] == ["facts.a"]
    assert model.shape(checked.decode(expression.serialize()).root)
