"""Evaluation is bounded for any rule the checker accepts and any facts within the input
limits (issue 17, items 1, 6 and 7; issue 18): each case failed before its fix.

A rule either loads within the cost budget, or is refused at load with its file:line:col;
what the budget cannot see statically (what `replace` builds, how long a list a
comprehension builds over) is held when the rule runs, and fails closed: the rule errors,
located, and the decision pauses.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, healthy
from phasegate.core.evaluate import RuleStatus, evaluate
from phasegate.core.facts import facts_from_data
from phasegate.core.policy import load_policy_set
from phasegate.core.verdict import Verdict
from phasegate.errors import InputError

BLOB = "ab" * (32 * 1024)  # 64 KiB, the facts cap for one string


def policy(tmp_path: Path, when: str) -> Path:
    (tmp_path / "p.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Policy\nname: p\nrules:\n"
        f"  - id: hostile.rule\n    when: {when}\n    verdict: rollback\n",
        encoding="utf-8",
    )
    return tmp_path


def decide(tmp_path: Path, when: str, **facts: object):
    document = facts_from_data(healthy(**facts), "facts.json")
    return evaluate(document, load_policy_set(policy(tmp_path, when)))


def test_a_conversion_does_not_hide_a_double_division(tmp_path):
    # Issue 17 item 1: `int()` inside `double()` made the divisor look like an integer
    # division (which errors on zero); it divides doubles, and 0.0 / 0.0 is NaN.
    when = "double(facts.metrics.agents_failed) / double(int(facts.metrics.agents_total)) > 0.5"
    with pytest.raises(InputError) as raised:
        load_policy_set(policy(tmp_path, when))
    assert "p.yaml:6:49: error: rule hostile.rule: division by" in str(raised.value)
    assert "double(int(facts.metrics.agents_total)), which may be zero" in str(raised.value)


def test_the_same_division_guarded_on_the_converted_value_loads(tmp_path):
    when = (
        "int(facts.metrics.agents_total) > 0 && double(facts.metrics.agents_failed)"
        " / double(int(facts.metrics.agents_total)) > 0.5"
    )
    assert load_policy_set(policy(tmp_path, when)).rules


def test_replace_over_two_fact_strings_is_held_to_its_limit_and_pauses(tmp_path):
    # Issue 17 item 6: 64 KiB with every character replaced by 64 KiB is 4 GiB.
    when = "facts.labels.a.replace('a', facts.labels.b).size() > 0"
    decision = decide(tmp_path, when, labels={"a": BLOB, "b": BLOB})
    result = decision.results[0]
    assert result.status is RuleStatus.ERROR
    assert result.error.startswith("replace() would build a string of 2,147,516,416 characters")
    assert str(result.error_location).endswith("p.yaml:6:11")
    assert decision.verdict is Verdict.PAUSE


def test_replace_within_its_limit_still_replaces(tmp_path):
    when = "facts.labels.a.replace('b', 'c') == 'ac'"
    decision = decide(tmp_path, when, labels={"a": "ab", "b": ""})
    assert decision.results[0].status is RuleStatus.FIRED


def test_work_per_step_counts_so_a_split_in_a_loop_is_refused_at_load(tmp_path):
    # Issue 17 item 7: the budget counted loop steps, not their work: each step splits a
    # 64 KiB string into 64 Ki strings, over up to 10,000 items.
    when = "facts.extra.items.exists(i, facts.labels.blob.split('').size() == 0)"
    with pytest.raises(InputError) as raised:
        load_policy_set(policy(tmp_path, when))
    assert "p.yaml:6:11: error: rule hostile.rule: too costly: one evaluation may take" in str(
        raised.value
    )


def test_a_list_built_over_a_long_fact_list_errors_and_pauses(tmp_path):
    # The engine copies the list a `map` builds at every step: 5,000 items took 424 MiB.
    when = "facts.extra.items.map(i, i).size() > 0"
    decision = decide(tmp_path, when, extra={"items": list(range(5000))})
    result = decision.results[0]
    assert result.status is RuleStatus.ERROR
    assert "a list built over 5,000 items (at most 1,000" in result.error
    assert decision.verdict is Verdict.PAUSE


def test_lists_range_of_a_fact_is_held_to_its_limit(tmp_path):
    when = "lists.range(facts.metrics.agents_total).size() > 0"
    metrics = dict(healthy()["metrics"], agents_total=10**12)
    decision = decide(tmp_path, when, metrics=metrics)
    assert decision.results[0].status is RuleStatus.ERROR
    assert decision.results[0].error.startswith("lists.range(1,000,000,000,000)")


RATIOS = """\
apiVersion: phasegate/v1
kind: Policy
name: ratios
rules:
  - id: ratio.failed-share
    when: |
      facts.metrics.agents_total > 0
        && double(facts.metrics.agents_failed) / double(facts.metrics.agents_total) > 0.5
    verdict: pause
  - id: ratio.error-growth
    when: |
      facts.baseline.error_rate > 0.0
        && facts.metrics.error_rate / facts.baseline.error_rate > 3.0
    verdict: pause
  - id: ratio.missing
    when: |
      facts.baseline.error_rate > 0.0
        && facts.metrics.nothing / facts.baseline.error_rate > 3.0
    verdict: pause
"""


def test_evaluate_with_guarded_divisions_never_loads_cel_python_or_lark(tmp_path):
    # Issue 18: one guarded ratio rule made every evaluate load cel-python's parser (0.08 s
    # to 0.52 s of CPU). A failing rule is located too, from the engine's tree.
    policies = tmp_path / "policies"
    policies.mkdir()
    for source in (ROOT / "policies").glob("*.yaml"):
        (policies / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (policies / "ratios.yaml").write_text(RATIOS, encoding="utf-8")
    script = textwrap.dedent(
        f"""
        import sys
        from phasegate.cli import main
        try:
            main(["evaluate", {str(ROOT / "fixtures/facts/phase1-healthy.yaml")!r},
                  "--policies", {str(policies)!r}, "--format", "json"])
        except SystemExit as exit:
            print("exit", exit.code)
        print("loaded", sorted(m for m in ("celpy", "lark") if m in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert '"error_line"' in done.stdout  # the missing fact was located
    assert "exit 10" in done.stdout
    assert done.stdout.rstrip().endswith("loaded []")


def test_regex_replace_is_counted_whole_so_nesting_it_is_refused_at_load(tmp_path):
    # The budget held regex.replace to 1 MiB as it holds `replace`, but nothing holds it
    # when it runs: each of 64 Ki places took 1,000 characters twice over, 64 G characters
    # (std::bad_alloc escaped as a MemoryError; without a memory limit, the OOM killer).
    rewrite = "x" * 1000
    when = f"regex.replace(regex.replace(facts.labels.a, '', '{rewrite}'), '', '{rewrite}') == ''"
    with pytest.raises(InputError) as raised:
        load_policy_set(policy(tmp_path, when))
    assert "p.yaml:6:11: error: rule hostile.rule: too costly: one evaluation may take" in str(
        raised.value
    )
    once = "regex.replace(facts.labels.a, '-', '+') == 'a+b'"
    decision = decide(tmp_path, once, labels={"a": "a-b"})
    assert decision.results[0].status is RuleStatus.FIRED


def test_a_map_over_lists_range_is_held_as_any_list_building_loop(tmp_path):
    # The renaming of lists.range and the wrapper that holds the loop's range were kept
    # under one node id, and the renaming won: 9,999 items built 1.6 GB in 3.5 s.
    when = "lists.range(facts.metrics.agents_total).map(x, x).size() > 0"
    metrics = dict(healthy()["metrics"], agents_total=2000)
    decision = decide(tmp_path, when, metrics=metrics)
    assert decision.results[0].status is RuleStatus.ERROR
    assert "a list built over 2,000 items (at most 1,000" in decision.results[0].error
    assert decision.verdict is Verdict.PAUSE
