"""Fail closed: removing any fact that a rule needs can never make the verdict continue."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from conftest import FIXTURES, POLICIES
from phasegate.core.evaluate import evaluate
from phasegate.core.facts import facts_from_data
from phasegate.core.policy import load_policy_set
from phasegate.core.verdict import Verdict
from phasegate.errors import InputError
from phasegate.files.loading import load_document

POLICY_SET = load_policy_set(POLICIES)


def leaf_paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    if isinstance(data, dict) and data:
        return [p for key, value in data.items() for p in leaf_paths(value, (*prefix, key))] + (
            [prefix] if prefix else []
        )
    return [prefix]


def without(data: dict, path: tuple) -> dict:
    copied = copy.deepcopy(data)
    node = copied
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return copied


def needed_by_an_applicable_rule(path: tuple, phase: int) -> bool:
    dotted = ("facts", *path)
    for rule in POLICY_SET.rules:
        if phase not in rule.phases:
            continue
        for read in rule.when.reads:
            if not read.guarded and read.path[: len(dotted)] == dotted:
                return True
    return False


CASES = [
    (name, path)
    for name in ("phase0-healthy", "phase1-healthy", "phase2-healthy")
    for path in leaf_paths(load_document(FIXTURES / f"{name}.yaml").data)
]


@pytest.mark.parametrize(("name", "path"), CASES, ids=[f"{n}:{'.'.join(p)}" for n, p in CASES])
def test_removing_a_needed_fact_never_continues(name, path):
    data = load_document(FIXTURES / f"{name}.yaml").data
    try:
        facts = facts_from_data(without(data, path), name)
    except InputError:
        return  # refused as invalid input: exit 3, no verdict at all
    decision = evaluate(facts, POLICY_SET)
    if path in (("owners",), ("owners", "release"), ("owners", "rollback")):
        assert decision.verdict is Verdict.PAUSE  # an owner absent is unassigned
    elif path in (("rollout",), ("rollout", "previous_phase_continue_at")) and facts.phase:
        assert decision.verdict is Verdict.PAUSE  # no recorded continue: the phase is not open
    elif path[0] == "checks" and path[-1] == "commit":
        # read as facts.checks[n].commit over the checklist's names, which the static read
        # analysis does not follow: an unknown commit errors
        assert decision.verdict is Verdict.PAUSE
    elif path == ("metrics", "agents_total"):
        # `agents_failed >= 3 && ...total...`: with 0 failed agents the cascade cannot fire
        # whatever the total, and CEL's `false && error` is false. Decided, not fail-open:
        # see test_cascade_with_failures_needs_the_total.
        assert data["metrics"]["agents_failed"] < 3
        assert decision.verdict is Verdict.CONTINUE
    elif path == ("change", "last_known_good"):
        # checklist.rollback-target-known holds Phases 1 and 2 without a rollback target;
        # Phase 0's rollback is to stop promoting, and checklist.rollback-target judges it
        # only when given (`has()` ahead of an `&&` group the static read analysis does
        # not follow).
        assert decision.verdict is (Verdict.PAUSE if facts.phase else Verdict.CONTINUE)
    elif needed_by_an_applicable_rule(path, facts.phase):
        assert decision.verdict is not Verdict.CONTINUE, path
    else:
        assert decision.verdict is Verdict.CONTINUE, path


def test_the_cases_cover_every_top_level_fact():
    covered = {path[0] for _, path in CASES}
    assert {"checks", "metrics", "baseline", "contract", "state", "owners", "change"} <= covered


def test_cascade_with_failures_needs_the_total():
    data = load_document(FIXTURES / "phase1-healthy.yaml").data
    data["metrics"]["agents_failed"] = 3
    del data["metrics"]["agents_total"]
    decision = evaluate(facts_from_data(data, "mem"), POLICY_SET)
    assert decision.verdict is Verdict.PAUSE
    [errored] = [r for r in decision.results if r.error]
    assert errored.error == "missing fact: facts.metrics.agents_total"
