"""CHANGELOG.md: kept in Keep a Changelog form, and its breaking list says what is true."""

from __future__ import annotations

import re

import pytest

from conftest import POLICIES, ROOT, healthy
from phasegate.core.evaluate import evaluate
from phasegate.core.facts import facts_from_data
from phasegate.core.policy import load_policy_set
from phasegate.core.verdict import Verdict

CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = CHANGELOG.index(title)
    following = re.search(r"^##+ ", CHANGELOG[start + len(title) :], re.MULTILINE)
    end = start + len(title) + following.start() if following else len(CHANGELOG)
    return CHANGELOG[start:end]


def test_changelog_has_an_unreleased_section_first():
    versions = re.findall(r"^## \[([^\]]+)\]", CHANGELOG, re.MULTILINE)
    assert versions[0] == "Unreleased"
    assert "### Breaking for hand-written facts documents" in CHANGELOG


def _without(data: dict, dotted: str) -> dict:
    """`data` with the field at `dotted` removed (`checks.*.commit`: from every check)."""
    head, _, rest = dotted.partition(".")
    if not rest:
        data.pop(head)
        return data
    if head == "*":
        for value in data.values():
            _without(value, rest)
        return data
    _without(data[head], rest)
    return data


@pytest.mark.parametrize(
    "field",
    ["checks.*.commit", "rollout", "metrics.new_failures", "extra.new_failure_categories"],
)
def test_each_listed_breaking_field_is_one_a_green_document_now_needs(field):
    """Removing a field the breaking list names turns the healthy document into a pause:
    the list is the truth about what hand-written documents need, not a guess."""
    shown = field.replace("*", "<name>")
    assert f"**`{shown}`**" in _section("### Breaking for hand-written facts documents")
    policy_set = load_policy_set(POLICIES)
    green = evaluate(facts_from_data(healthy(), "green.yaml"), policy_set)
    assert green.verdict is Verdict.CONTINUE
    broken = evaluate(facts_from_data(_without(healthy(), field), "old.yaml"), policy_set)
    assert broken.verdict is Verdict.PAUSE
