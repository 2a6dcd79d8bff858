"""Caps that bound evaluation cost: facts lists, strings and nodes, and rendered messages."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import healthy, write_yaml
from phasegate.core.evaluate import evaluate
from phasegate.core.facts import (
    MAX_LIST_ITEMS,
    MAX_STRING_BYTES,
    FactsStream,
    facts_from_data,
    load_facts,
)
from phasegate.core.messages import CUT_MARK, MAX_MESSAGE_BYTES, cap_message
from phasegate.core.policy import load_policy_set
from phasegate.errors import InputError


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        ({"big": list(range(MAX_LIST_ITEMS + 1))}, f"extra.big: list of {MAX_LIST_ITEMS + 1}"),
        ({"log": "x" * (MAX_STRING_BYTES + 1)}, "extra.log: string longer than 64 KiB"),
        ({"log": "é" * (MAX_STRING_BYTES // 2 + 1)}, "string longer than 64 KiB"),
        ({"k" * (MAX_STRING_BYTES + 1): 1}, "extra: key longer than 64 KiB"),
    ],
)
def test_facts_beyond_the_caps_are_refused_where_they_are(tmp_path: Path, extra, why):
    path = write_yaml(tmp_path / "facts.yaml", healthy(extra=extra))
    with pytest.raises(InputError, match=why) as caught:
        load_facts(path)
    assert caught.value.exit_code == 3
    line = caught.value.location.line
    assert line is not None and line > 1  # at the offending value, not the file's start
    with pytest.raises(InputError, match=why):
        facts_from_data(healthy(extra=extra), "facts")
    with pytest.raises(InputError, match=why):
        FactsStream().facts(healthy(extra=extra), "rec:1")


def test_a_recorded_document_beyond_the_node_cap_is_refused():
    extra = {"n": [[0] * 9_000 for _ in range(23)]}  # each list fits, the whole does not
    with pytest.raises(InputError, match="more than 200000 nodes"):
        facts_from_data(healthy(extra=extra), "facts")


def test_facts_at_the_caps_are_accepted():
    extra = {"big": [0] * MAX_LIST_ITEMS, "log": "x" * MAX_STRING_BYTES}
    assert facts_from_data(healthy(extra=extra), "facts").data["extra"]["log"] == extra["log"]


def test_a_message_that_fits_is_unchanged():
    text = "é" * (MAX_MESSAGE_BYTES // 2)
    assert cap_message(text) == text


@pytest.mark.parametrize("unit", ["x", "é", "😀"])
def test_a_long_message_is_cut_on_a_character_and_says_so(unit):
    capped = cap_message(unit * (MAX_MESSAGE_BYTES + 1))
    assert capped.endswith(CUT_MARK) and CUT_MARK.endswith("[cut at 4096 bytes]")
    kept = capped.removesuffix(CUT_MARK)
    assert set(kept) == {unit}
    assert MAX_MESSAGE_BYTES - 4 < len(kept.encode()) <= MAX_MESSAGE_BYTES


def test_a_rule_message_is_capped_where_it_is_rendered(tmp_path):
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "big.yaml").write_text(
        textwrap.dedent("""\
        apiVersion: phasegate/v1
        kind: Policy
        name: big
        rules:
          - id: big.echo
            when: "true"
            verdict: pause
            message: "{{ facts.change.tag }}{{ facts.change.tag }}{{ facts.change.tag }}"
        """)
    )
    source = Path(__file__).resolve().parents[2] / "fixtures/facts/phase1-healthy.yaml"
    data = load_facts(str(source)).data
    data = {**data, "change": {**data["change"], "tag": "v" * 60_000}}
    decision = evaluate(facts_from_data(data, "big.json"), load_policy_set(policies))
    [fired] = [result for result in decision.results if result.status.value == "fired"]
    assert fired.message.endswith(CUT_MARK)
    assert len(fired.message.encode()) == MAX_MESSAGE_BYTES + len(CUT_MARK.encode())
