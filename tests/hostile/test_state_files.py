"""State files that are not regular files are refused in one located line (exit 3): a FIFO
never hangs phasegate, and a symlink never carries a write outside the state dir."""

from __future__ import annotations

import os
import signal
import socket

import pytest
from hostile_gate import gate_fixture  # noqa: F401  (the `gate` fixture)


@pytest.fixture(autouse=True)
def hang_guard():
    """A FIFO opened the blocking way would hang forever: fail the test instead."""

    def hung(signum, frame):
        raise TimeoutError("phasegate blocked on a state file")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def make(kind: str, path, outside) -> str:
    """Put a `kind` where a state file goes; return the kind phasegate must name."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()  # the socket file stays
    elif kind == "symlink":
        path.symlink_to(outside)
    elif kind == "dangling symlink":
        path.symlink_to(outside.parent / "nowhere")
        return "symlink"
    return kind


NAMES = ["freeze.json", "decisions.jsonl", "samples.json", "phase.json", ".lock"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["fifo", "socket", "symlink", "dangling symlink"])
def test_run_refuses_a_state_file_that_is_not_regular(gate, monkeypatch, capsys, name, kind):
    gate.state.mkdir()
    outside = gate.path / "outside.json"
    outside.write_text('{"active": false}\n')
    named = make(kind, gate.state / name, outside)
    code = gate.cli(*gate.run_args("rollback", 2), monkeypatch=monkeypatch)
    out, err = capsys.readouterr()
    assert code == 3
    # The state dir is resolved against the config's folder: the error names the full path.
    assert err == f"{gate.state / name}: error: not a regular file ({named})\n"
    assert out == ""
    assert outside.read_text() == '{"active": false}\n'  # nothing written through a link
    assert not (gate.path / "nowhere").exists()


@pytest.mark.parametrize("command", [["--dry-run"], []])
def test_a_fifo_freeze_fails_closed_without_hanging(gate, monkeypatch, capsys, command):
    gate.state.mkdir()
    os.mkfifo(gate.state / "freeze.json")
    code = gate.cli(*gate.run_args("continue", 0), *command, monkeypatch=monkeypatch)
    assert code == 3
    expected = f"{gate.state / 'freeze.json'}: error: not a regular file (fifo)\n"
    assert capsys.readouterr().err == expected


def test_unfreeze_never_deletes_through_a_symlink(gate, monkeypatch, capsys):
    gate.state.mkdir()
    outside = gate.path / "outside.json"
    outside.write_text('{"active": true, "reason": "elsewhere"}\n')
    (gate.state / "freeze.json").symlink_to(outside)
    code = gate.cli("unfreeze", "--rca", str(outside), monkeypatch=monkeypatch)
    assert code == 3 and "not a regular file (symlink)" in capsys.readouterr().err
    assert outside.exists() and (gate.state / "freeze.json").is_symlink()


def test_remediation_notes_stay_in_the_state_dir(gate, monkeypatch, capsys):
    gate.state.mkdir()
    elsewhere = gate.path / "elsewhere"
    elsewhere.mkdir()
    (gate.state / "remediation").symlink_to(elsewhere)
    code = gate.cli(*gate.run_args("rollback", 2), monkeypatch=monkeypatch)
    assert code == 3
    expected = f"{gate.state / 'remediation'}: error: not a regular file (symlink)\n"
    assert capsys.readouterr().err == expected
    assert list(elsewhere.iterdir()) == []


def test_an_unreadable_freeze_still_freezes(gate, monkeypatch):
    """Fail closed: a freeze file that exists but cannot be read counts as a freeze."""
    from phasegate.state.statedir import StateDir

    gate.state.mkdir()
    (gate.state / "freeze.json").write_bytes(b"\xff\xfe not utf-8")
    frozen = StateDir(gate.state).freeze()
    assert frozen is not None and frozen["active"] is True and "damaged" in frozen["reason"]
