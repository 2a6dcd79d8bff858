"""Statistics for small cohorts: CEL's `stats.errorRateAbove` and `stats.mannWhitneyAbove`,
checked against the tests' textbook definitions, failing closed, and loading scipy only
when a rule calls them."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import combinations
from math import comb

import pytest

from conftest import POLICIES, ROOT, call_cli, healthy, write_yaml
from phasegate import cel


def fisher_greater(a: int, n1: int, c: int, n2: int) -> float:
    """One-sided Fisher: P(X >= a) for X hypergeometric with the table's margins."""
    errors = a + c
    total = comb(n1 + n2, errors)
    return sum(comb(n1, k) * comb(n2, errors - k) for k in range(a, min(n1, errors) + 1)) / total


def mann_whitney_exact_greater(x: list[float], y: list[float]) -> float:
    """Exact one-sided Mann-Whitney without ties: the share of all splits of the pooled
    samples whose U is at least the observed one."""

    def u(first):
        return sum(1 for a in first for b in rest_of(first) if a > b)

    pooled = x + y

    def rest_of(first):
        left = list(pooled)
        for value in first:
            left.remove(value)
        return left

    observed = u(x)
    splits = list(combinations(pooled, len(x)))
    return sum(1 for split in splits if u(list(split)) >= observed) / len(splits)


@pytest.mark.parametrize(
    "counts", [(8, 40, 1, 100), (1, 40, 1, 100), (0, 5, 3, 50), (3, 3, 0, 10), (2, 10, 2, 10)]
)
def test_error_rate_above_is_fishers_one_sided_exact_test(counts):
    value = cel.evaluate("stats.errorRateAbove(a, n, b, m)", dict(zip("anbm", counts, strict=True)))
    assert value == pytest.approx(fisher_greater(*counts), rel=1e-9)


def test_counts_may_be_ints_from_facts_or_doubles_from_params():
    both = cel.evaluate("stats.errorRateAbove(8, 40.0, 1.0, 100)", {})
    assert both == pytest.approx(fisher_greater(8, 40, 1, 100), rel=1e-9)


def test_mann_whitney_above_is_the_exact_one_sided_test():
    release, baseline = [0.05, 0.07, 0.06, 0.011], [0.01, 0.012, 0.0105, 0.009, 0.02]
    value = cel.evaluate("stats.mannWhitneyAbove(x, y)", {"x": release, "y": baseline})
    assert value == pytest.approx(mann_whitney_exact_greater(release, baseline), rel=1e-9)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("stats.errorRateAbove(5, 4, 1, 100)", "more errors than commands"),
        ("stats.errorRateAbove(0, 0, 1, 100)", "total of 0"),
        ("stats.errorRateAbove(1.5, 4, 1, 100)", "whole number"),
        ("stats.errorRateAbove(-1, 4, 1, 100)", "whole number"),
        ("stats.mannWhitneyAbove([], [0.1])", "non-empty list"),
        ("stats.mannWhitneyAbove(['a'], [0.1])", "list of numbers"),
        # a short number in the message, not the 301 digits of int(1e300)
        (
            "stats.errorRateAbove(1, 4, 1e300, 1e300)",
            r"error: baseline errors 1e\+300 is above 1,000,000: too large",
        ),
    ],
)
def test_bad_input_is_an_error_so_the_rule_fails_closed(expression, message):
    with pytest.raises(cel.CelError, match=message):
        cel.evaluate(expression, {})


SIGNIFICANT = """\
apiVersion: phasegate/v1
kind: Policy
name: significance
phases: [1]
params: {significance: 0.01}
rules:
  - id: significance.regression
    when: >-
      stats.errorRateAbove(facts.counts.errors, facts.counts.commands,
        facts.baseline.errors, facts.baseline.commands) < params.significance
    verdict: rollback
"""


def test_scipy_is_loaded_only_when_a_rule_calls_a_statistics_function(tmp_path):
    """Evaluating the shipped set over every fixture without counts (what `evaluate` sees
    from documents written before them) leaves scipy unloaded; a rule that calls a test
    loads it (so the first check could fail)."""
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "significance.yaml").write_text(SIGNIFICANT, encoding="utf-8")
    facts = healthy(counts={"commands": 40, "errors": 8})
    facts["metrics"]["error_rate"] = 8 / 40  # the rate its counts give
    facts["baseline"].update({"commands": 100, "errors": 1})
    facts_path = write_yaml(tmp_path / "facts.yaml", facts)
    script = f"""
import sys
from pathlib import Path
from phasegate.core.evaluate import evaluate
from phasegate.core.facts import load_facts
from phasegate.core.policy import load_policy_set
shipped = load_policy_set(Path({str(POLICIES)!r}))
for path in sorted(Path({str(ROOT / "fixtures" / "facts")!r}).glob("*.yaml")):
    facts = load_facts(path)
    if "counts" not in facts.data:  # the documents written before counts
        evaluate(facts, shipped)
print("scipy" in sys.modules)
decision = evaluate(load_facts(Path({str(facts_path)!r})), load_policy_set(Path({str(folder)!r})))
print(decision.verdict.label, "scipy" in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split("\n")[:2] == ["False", "rollback True"]


def test_a_policy_calling_the_tests_loads_lints_and_explains(tmp_path):
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "significance.yaml").write_text(SIGNIFICANT, encoding="utf-8")
    facts = healthy(counts={"commands": 40, "errors": 1})
    facts["metrics"]["error_rate"] = 1 / 40  # the rate its counts give
    facts["baseline"].update({"commands": 100, "errors": 1})
    facts_path = tmp_path / "facts.json"
    facts_path.write_text(json.dumps(facts), encoding="utf-8")
    done = call_cli("evaluate", str(facts_path), "--policies", str(folder))
    assert done.returncode == 0, done.stdout + done.stderr
    assert call_cli("lint", str(folder)).returncode == 0
    assert call_cli("fmt", "--check", str(folder)).returncode == 0
    explained = call_cli("explain", str(facts_path), "--policies", str(folder))
    assert explained.returncode == 0, explained.stderr
    assert "stats.errorRateAbove" in explained.stdout


@pytest.mark.parametrize("case", [(3, 40, 0.011), (1, 40, 0.011), (30, 1000, 0.011), (0, 9, 0.2)])
def test_errors_above_rate_is_the_exact_one_sided_binomial_test(case):
    errors, total, rate = case
    tail = sum(
        comb(total, k) * rate**k * (1 - rate) ** (total - k) for k in range(errors, total + 1)
    )
    value = cel.evaluate("stats.errorsAboveRate(e, n, r)", {"e": errors, "n": total, "r": rate})
    assert value == pytest.approx(tail, rel=1e-9)


def test_errors_above_rate_refuses_a_rate_outside_0_to_1():
    with pytest.raises(cel.CelError, match=r"rate must be a number in 0\.\.1"):
        cel.evaluate("stats.errorsAboveRate(1, 4, 1.5)", {})


@pytest.mark.parametrize(
    ("text", "message", "col"),
    [
        (
            "stats.errorsAboveRate(1, 2) < 0.05",
            "stats.errorsAboveRate takes (errors, total, rate): not these arguments",
            1,
        ),
        (
            "0.5 > stats.errorRateAbove(1, 2)",
            "stats.errorRateAbove takes (errors, total, baseline_errors, baseline_total):"
            " not these arguments",
            7,
        ),
        (
            "stats.errorsAboveRat(1, 2, 0.1) < 0.05",
            "unknown function 'stats.errorsAboveRat' (did you mean stats.errorsAboveRate?)",
            1,
        ),
        ("nosuch.thing(1) == 1", "unknown function 'nosuch.thing'", 1),
    ],
)
def test_a_call_no_overload_takes_is_one_problem_about_the_function(text, message, col):
    """The engine reports `stats.f(1, 2)` with two arguments too few as an unknown name
    `stats` and an unknown function `f`: a hunt found authors sent looking for a variable."""
    with pytest.raises(cel.CelError) as caught:
        cel.compile_expression(text)
    assert [(m, line, c) for m, line, c, _ in caught.value.problems] == [(message, 1, col)]
