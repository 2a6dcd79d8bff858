"""A collection whose facts were not delivered keeps no source state (README: "A collection
that fails writes no state").

`collect` saved the sources' samples before writing or pushing the facts, and `run` before
recording the decision: when that failed, the next sample counted its new failures from a
state nobody saw, so failures that happened in between read `new_failures 0`, green.
"""

from __future__ import annotations

import json

from hostile_gate import gate_fixture  # noqa: F401  (the `gate` fixture)
from test_write_ahead import disk_full

from phasegate.state.statedir import StateDir

SOURCE = """\
sources:
  - name: failures
    file: rows.json
    facts:
      metrics.new_failures: >-
        'max_seq' in previous
        ? double(size(output.rows.filter(r, r.seq > previous.max_seq))) : dyn(null)
    state:
      max_seq: "output.rows.map(r, r.seq).max()"
"""


def failures(gate, count: int) -> None:
    rows = [{"seq": seq, "category": "disk_wiped"} for seq in range(1, count + 1)]
    (gate.path / "rows.json").write_text(json.dumps({"rows": rows}))


def kept(gate) -> dict:
    return StateDir(gate.state).samples()["failures"]


def collect_args(*more: str) -> list[str]:
    sets = ("change.commit=abc1234", "operator=op-1", "incidents=[]")
    return ["collect", "--phase", "1", *(x for s in sets for x in ("--set", s)), *more]


def test_collect_that_cannot_write_its_facts_keeps_no_sample(gate, monkeypatch):
    gate.configure(SOURCE)
    failures(gate, 3)
    assert gate.cli(*collect_args("-o", "first.json"), monkeypatch=monkeypatch) == 0
    assert kept(gate)["max_seq"] == 3
    failures(gate, 5)
    (gate.path / "taken").mkdir()  # -o names a folder: the facts cannot be written
    assert gate.cli(*collect_args("-o", "taken"), monkeypatch=monkeypatch) == 3
    assert kept(gate)["max_seq"] == 3
    assert gate.cli(*collect_args("-o", "next.json"), monkeypatch=monkeypatch) == 0
    assert json.loads((gate.path / "next.json").read_text())["metrics"]["new_failures"] == 2


def test_collect_whose_push_failed_keeps_no_sample(gate, monkeypatch):
    gate.configure(SOURCE)
    failures(gate, 3)
    assert gate.cli(*collect_args("-o", "first.json"), monkeypatch=monkeypatch) == 0
    failures(gate, 5)
    refused = collect_args("-o", "pushed.json", "--push", "http://127.0.0.1:1")
    assert gate.cli(*refused, monkeypatch=monkeypatch) == 4
    assert json.loads((gate.path / "pushed.json").read_text())["metrics"]["new_failures"] == 2
    assert kept(gate)["max_seq"] == 3  # the cohort never saw those 2: the next push says them


def test_run_whose_decision_was_not_recorded_keeps_no_sample(gate, monkeypatch):
    gate.configure(SOURCE)
    failures(gate, 3)
    gate.run("continue")
    assert kept(gate)["max_seq"] == 3
    failures(gate, 5)
    with monkeypatch.context() as full:
        disk_full(full)
        outcome = gate.run("continue")
    assert outcome.facts["metrics"]["new_failures"] == 2
    assert kept(gate)["max_seq"] == 3
    assert gate.run("continue").facts["metrics"]["new_failures"] == 2
    assert kept(gate)["max_seq"] == 5
