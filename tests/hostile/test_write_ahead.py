"""The decision is logged before any action runs; a decision that cannot be logged still
rolls back, is still printed, and says in one line what was not recorded."""

from __future__ import annotations

import errno
import json
import sys

import pytest
from hostile_gate import gate_fixture  # noqa: F401  (the `gate` fixture)

from phasegate.files import durable
from phasegate.state.statedir import StateDir

SNAPSHOT = (
    "import shutil, sys; "
    "shutil.copy(sys.argv[1] + '/decisions.jsonl', sys.argv[2] + '/seen.jsonl'); "
    "shutil.copy(sys.argv[1] + '/freeze.json', sys.argv[2] + '/seen-freeze.json')"
)


def snapshot_action(gate, verdict: str = "rollback") -> str:
    """An action that copies the log and the freeze as they are when it starts."""
    return f"""\
    actions:
      {verdict}:
        - name: snapshot
          command: [{sys.executable}, -c, "{SNAPSHOT}", {gate.state}, {gate.path}]
    """


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_decision_and_freeze_are_on_disk_before_the_first_action(gate):
    gate.configure(snapshot_action(gate))
    outcome = gate.run("rollback", phase=2)
    assert outcome.exit_code(allow_pause=False) == 20
    [seen] = lines(gate.path / "seen.jsonl")  # what the action found: the decision, alone
    assert seen["event"] == "decision" and seen["decision"]["verdict"] == "rollback"
    assert seen["actions"][0]["name"] == "snapshot" and seen["actions"][0]["argv"][0]
    assert json.loads((gate.path / "seen-freeze.json").read_text())["active"] is True
    decision, action = lines(gate.log)
    assert decision == seen
    assert action["event"] == "action" and action["decision_id"] == decision["id"]
    assert action["ok"] is True and action["name"].startswith("snapshot: ")


def disk_full(monkeypatch):
    """Every log append fails as on a full disk (whole-file writes still succeed)."""

    def write(descriptor, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(durable.os, "write", write)


def test_an_unrecorded_rollback_is_still_applied_printed_and_reported(gate, monkeypatch, capsys):
    marker = gate.path / "rolled-back"
    gate.configure(f"""\
    actions:
      rollback:
        - name: mark
          command: [touch, {marker}]
    """)
    disk_full(monkeypatch)
    code = gate.cli(*gate.run_args("rollback", 2), monkeypatch=monkeypatch)
    out, err = capsys.readouterr()
    assert code == 4, err
    assert out.startswith("ROLLBACK")
    assert marker.exists()
    [line] = [line for line in err.splitlines() if "not recorded" in line]
    # the freeze file is written whole; its log line is an append, and fails like the decision
    assert "not recorded: the freeze, the decision (" in line
    assert "cannot write: No space left on device" in line
    assert "Traceback" not in err
    assert json.loads((gate.state / "freeze.json").read_text())["active"] is True


def test_other_verdicts_run_nothing_they_could_not_record(gate, monkeypatch, capsys):
    marker = gate.path / "paused"
    gate.configure(f"""\
    actions:
      pause:
        - name: mark
          command: [touch, {marker}]
    """)
    disk_full(monkeypatch)
    code = gate.cli(*gate.run_args("pause", 1), monkeypatch=monkeypatch)
    out, err = capsys.readouterr()
    assert code == 4 and out.startswith("PAUSE")
    assert not marker.exists()
    assert "mark: not run: the decision could not be recorded" in err


@pytest.mark.parametrize("finished", [True, False])
def test_history_reads_decisions_whose_actions_never_finished(gate, finished):
    gate.configure(snapshot_action(gate))
    gate.run("rollback", phase=2)
    log = gate.log.read_text().splitlines()
    if not finished:  # killed while its action ran: the decision line alone
        gate.log.write_text(log[0] + "\n")
    [facts] = StateDir(gate.state).history()
    assert facts.data["extra"]["want"] == "rollback"
