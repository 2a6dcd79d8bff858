"""Checks and owners fail closed: a timeout never passes, contradictions are refused, and an
owner who is only invisible characters is not an owner."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from conftest import POLICIES, healthy, write_yaml
from phasegate.core.evaluate import evaluate
from phasegate.core.facts import FactsStream, facts_from_data, load_facts
from phasegate.core.policy import PolicySet, load_policy_set
from phasegate.core.verdict import Verdict
from phasegate.errors import InputError


@cache
def shipped() -> PolicySet:
    return load_policy_set(POLICIES)


def fired(data: dict) -> set[str]:
    decision = evaluate(facts_from_data(data, "facts"), shipped())
    return {result.id for result in decision.results if result.status.value == "fired"}


def test_a_timed_out_check_without_ok_is_not_ok():
    checks = {"quick": {"exit_code": 0, "timed_out": True}, "test": {"exit_code": 0}}
    checks["ci"] = {"exit_code": 0}
    facts = facts_from_data(healthy(checks=checks), "facts")
    assert facts.data["checks"]["quick"]["ok"] is False
    assert "checklist.checks-passed" in fired(healthy(checks=checks))


def test_the_recording_fast_path_normalises_a_timeout_the_same_way():
    checks = {name: {"exit_code": 0, "timed_out": name == "ci"} for name in ("quick", "test", "ci")}
    facts = FactsStream().facts(healthy(checks=checks), "rec:1")
    assert facts.data["checks"]["ci"]["ok"] is False


@pytest.mark.parametrize(
    ("check", "why"),
    [
        ({"exit_code": 1, "ok": True}, "exit_code is 1"),
        ({"exit_code": 0, "ok": True, "timed_out": True}, "timed_out is true"),
        ({"exit_code": 124, "ok": True, "timed_out": True}, "ok is true but"),
    ],
)
def test_contradicting_check_fields_are_refused_at_the_check(tmp_path: Path, check, why):
    checks = {"quick": {"exit_code": 0}, "test": {"exit_code": 0}, "ci": check}
    path = write_yaml(tmp_path / "facts.yaml", healthy(checks=checks))
    with pytest.raises(InputError) as caught:
        load_facts(path)
    text = str(caught.value)
    assert why in text and "checks.ci" in text
    line = next(n for n, raw in enumerate(path.read_text().splitlines(), 1) if "ci:" in raw)
    assert f"facts.yaml:{line}:" in text
    with pytest.raises(InputError, match=why):
        facts_from_data(healthy(checks=checks), "facts")
    with pytest.raises(InputError, match=why):
        FactsStream().facts(healthy(checks=checks), "rec:1")


def test_ok_false_with_exit_zero_stays_a_failure():
    checks = {name: {"exit_code": 0, "ok": name != "test"} for name in ("quick", "test", "ci")}
    assert "checklist.checks-passed" in fired(healthy(checks=checks))


@pytest.mark.parametrize(
    "blank", ["\u200b", "\ufeff", "\u00a0", " \u200b\u2060 ", "\u3000", "\u034f", "\u3164", ""]
)
def test_an_invisible_owner_is_unassigned(blank):
    data = healthy(owners={"release": "alice", "rollback": blank})
    assert facts_from_data(data, "facts").data["owners"]["rollback"] == ""
    assert "checklist.owners-assigned" in fired(data)
    decision = evaluate(facts_from_data(data, "facts"), shipped())
    assert decision.verdict is not Verdict.CONTINUE


@pytest.mark.parametrize("name", ["bob", "\u200bbob", "李", "é"])
def test_a_visible_owner_is_kept_as_written(name):
    data = healthy(owners={"release": name, "rollback": "carol"})
    assert facts_from_data(data, "facts").data["owners"]["release"] == name
    assert "checklist.owners-assigned" not in fired(data)


def test_an_ascii_owner_is_judged_as_unicode_s_categories_judge_it():
    """ASCII names skip Unicode's tables: each ASCII character, alone and beside a blank,
    is visible exactly when its category says so."""
    import unicodedata

    from phasegate.core.facts import _UNSEEN, is_visible

    for code in range(128):
        char = chr(code)
        expected = unicodedata.category(char) not in _UNSEEN
        assert is_visible(char) is expected, repr(char)
        assert is_visible(f" {char}\t") is expected, repr(char)
    assert is_visible("") is False
