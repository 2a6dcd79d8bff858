"""The cost budget follows a value through `cel.bind` and through the lists a rule builds:
each case loaded (and `phasegate eval` ran it) before the fix, and built a 1 GB string, a
list of 3,000,000 items or a 2 GB list in the engine (std::bad_alloc under a 1.5 GB limit).

The budget read a bound variable as an input value (at most 64 KiB) whatever its value
held, and the item a loop is at as one input item whatever list it ranged over. The facts
here are tiny: the budget bounds what any facts within the caps could make, so nothing
large is built even if a refusal regressed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import call_cli, healthy, write_yaml

BIG = "facts.labels.a.replace('a', facts.labels.b)"  # 1 MiB with two 1 KiB facts
TEN = " + ".join(["{0}"] * 10)

ESCAPES = {
    # a 1 MiB string, ten times, ten times, ten times: 1 GB
    "string-chain": (
        f"cel.bind(a, {BIG}, cel.bind(b, {TEN.format('a')}, cel.bind(c, {TEN.format('b')},"
        f" size({TEN.format('c')}) > 0)))"
    ),
    # 10,000 items, ten times, ten times, three times: 11 M items copied
    "list-chain": (
        "cel.bind(a, lists.range(facts.metrics.agents_total), cel.bind(b, "
        f"{TEN.format('a')}, cel.bind(c, {TEN.format('b')}, size(c + c + c) > 0)))"
    ),
    # a list holding the bound 1 MiB string 1,000 times; each step copies it twice
    "loop-over-bound": f"cel.bind(a, {BIG}, lists.range(1000).map(i, a).exists(x, x + x == ''))",
    # the same list mapped again: 1,000 strings of 2 MiB
    "map-over-bound": f"cel.bind(a, {BIG}, lists.range(1000).map(i, a).map(x, x + x).size() > 0)",
}


@pytest.fixture
def facts(tmp_path: Path) -> Path:
    return write_yaml(tmp_path / "facts.yaml", healthy(labels={"a": "ab", "b": "cd"}))


@pytest.mark.parametrize("when", ESCAPES.values(), ids=ESCAPES.keys())
def test_eval_refuses_a_bound_value_grown_past_the_budget(facts, when):
    done = call_cli("eval", "--facts", str(facts), when)
    assert done.returncode == 3, done.stdout
    assert done.stderr.startswith("<expr>:1:1: error: too costly: one evaluation may take ")
    assert "(at most " in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("when", ESCAPES.values(), ids=ESCAPES.keys())
def test_lint_refuses_a_bound_value_grown_past_the_budget(tmp_path, when):
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "p.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Policy\nname: p\nrules:\n"
        f'  - id: hostile.rule\n    when: "{when}"\n    verdict: rollback\n',
        encoding="utf-8",
    )
    done = call_cli("lint", str(policies))
    assert done.returncode == 1
    first = done.stdout.splitlines()[0]
    assert first.startswith(f"{policies}/p.yaml:6:12: error: rule hostile.rule: too costly: ")
    assert first.endswith("characters [too-costly]")


@pytest.mark.parametrize(
    ("when", "shown"),
    [
        ("cel.bind(a, facts.labels.a, cel.bind(b, a + a, b + b))", '"abababab" (string)'),
        ("cel.bind(a, [facts.labels.a], (a + a).map(x, x + x))", '["abab", "abab"] (list)'),
        ("cel.bind(a, lists.range(3), (a + a).size())", "6 (int)"),
    ],
)
def test_a_bound_value_of_ordinary_size_still_evaluates(facts, when, shown):
    done = call_cli("eval", "--facts", str(facts), when)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == shown
