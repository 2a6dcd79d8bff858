"""Durable writes and the state dir, in units."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from phasegate.files import durable
from phasegate.state.statedir import StateDir


def test_appends_take_the_lock_before_writing(tmp_path: Path, monkeypatch):
    events: list[str] = []
    real_flock, real_write = durable.fcntl.flock, os.write

    def flock(descriptor, operation):
        events.append(f"flock {operation}")
        return real_flock(descriptor, operation)

    def write(descriptor, data):
        events.append("write")
        return real_write(descriptor, data)

    monkeypatch.setattr(durable.fcntl, "flock", flock)
    monkeypatch.setattr(durable.os, "write", write)
    durable.append_line(tmp_path / "log.jsonl", '{"a": 1}')
    assert events[0] == f"flock {durable.fcntl.LOCK_EX}" and "write" in events[1:]


@pytest.mark.parametrize("torn", ['{"b": ', '{"b": 2}', '{"b": \n', "\u00e9"[:1] + "x\n"])
def test_a_torn_tail_is_cut_off_and_kept_aside(tmp_path: Path, torn):
    log = tmp_path / "log.jsonl"
    log.write_text('{"a": 1}\n' + torn)
    durable.append_line(log, '{"c": 3}')
    assert log.read_text() == '{"a": 1}\n{"c": 3}\n'
    assert (tmp_path / "log.jsonl.torn").read_text() == torn.rstrip("\n") + "\n"


def test_atomic_write_leaves_no_temporary_and_a_readable_file(tmp_path: Path):
    target = tmp_path / "sub" / "file.json"
    durable.write_atomic(target, "{}\n")
    durable.write_atomic(target, '{"x": 1}\n')
    assert json.loads(target.read_text()) == {"x": 1}
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_samples_merge_keeps_newer_and_untouched_sources(tmp_path: Path):
    state = StateDir(tmp_path)
    state.save_samples(
        {"a": {"x": 1, "at": "2026-01-01T10:00:00Z"}, "b": {"x": 1, "at": "2026-01-01T10:00:00Z"}}
    )
    state.save_samples(
        {"a": {"x": 2, "at": "2026-01-01T11:00:00Z"}, "b": {"x": 0, "at": "2026-01-01T09:00:00Z"}}
    )  # an older runner
    assert state.samples() == {
        "a": {"x": 2, "at": "2026-01-01T11:00:00Z"},
        "b": {"x": 1, "at": "2026-01-01T10:00:00Z"},
    }


def test_phase_start_is_recorded_once_per_change_and_phase(tmp_path: Path):
    state = StateDir(tmp_path)
    first = "2026-01-01T10:00:00Z"
    assert state.phase_started_at("c1", 1, first, record=True) == first
    assert state.phase_started_at("c1", 1, "2026-01-01T11:00:00Z", record=True) == first
    assert state.phase_started_at("c2", 1, "2026-01-01T12:00:00Z", record=False) == (
        "2026-01-01T12:00:00Z"
    )
    assert state.phase_started_at("c1", 1, "2026-01-01T13:00:00Z", record=True) == first


# --- `phasegate status`, end to end -------------------------------------------------------


def status_log(tmp_path: Path, *records: dict) -> Path:
    state = tmp_path / ".phasegate"
    state.mkdir(exist_ok=True)
    (state / "decisions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return state


def logged(phase: int, verdict: str, at: str, rules=(), **decision) -> dict:
    return {
        "event": "decision",
        "id": f"d-{phase}-{at[-9:-7]}{at[-6:-4]}",
        "decision": {"verdict": verdict, "rules": list(rules), **decision},
        "facts": {
            "phase": phase,
            "collected_at": at,
            "phase_started_at": "2026-11-20T09:35:00Z",
            "change": {"commit": "9f2c4e1", "tag": "v0.4.3"},
        },
    }


WINDOW_RULE = {"id": "window.phase1-stable", "status": "fired", "message": "25m of 60m"}


def test_status_says_where_the_change_stands_and_when_the_window_ends(tmp_path: Path):
    from conftest import call_cli, run_cli

    state = status_log(
        tmp_path,
        logged(0, "continue", "2026-11-20T09:00:00Z"),
        logged(1, "pause", "2026-11-20T10:00:00Z", [WINDOW_RULE], pause_kind="wait"),
    )
    text = run_cli("status", "--state-dir", str(state), cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "Status:     paused" in text.stdout and "Phase:      1" in text.stdout
    assert "window.phase1-stable: 25m of 60m" in text.stdout
    assert "the window ends 2026-11-20T10:35:00Z" in text.stdout  # started 09:35 + 60m
    shown = call_cli("status", "--state-dir", str(state), "--format", "json", cwd=tmp_path)
    record = json.loads(shown.stdout)
    assert record["state"] == "paused" and record["next"]["when"] == "2026-11-20T10:35:00Z"
    assert record["last_decision"]["pause_kind"] == "wait" and record["by_hand"] == []


def test_status_of_a_rolled_back_frozen_change_lists_what_is_left_by_hand(tmp_path: Path):
    from conftest import call_cli
    from phasegate.state import rollout

    rollback = logged(2, "rollback", "2026-11-20T10:00:00Z")
    failed = {"event": "action", "decision_id": rollback["id"], "name": "notify", "ok": False}
    state = status_log(
        tmp_path,
        rollback,
        failed | {"detail": "exit 1"},
        rollout.rolled_back_record(rollback["id"], "9f2c4e1", "2026-11-20T10:00:00Z"),
    )
    StateDir(state).set_freeze("phase 2 rollback of v0.4.3", "2026-11-20T10:00:00Z")
    shown = call_cli("status", "--state-dir", str(state), "--format", "json", cwd=tmp_path)
    record = json.loads(shown.stdout)
    assert record["state"] == "rolled_back" and record["rolled_back_at"] == "2026-11-20T10:00:00Z"
    assert "resume" in record["next"]["what"]
    assert record["by_hand"][0].startswith("notify: exit 1")
    assert any("unfreeze --rca" in step for step in record["by_hand"])
    assert record["freeze"]["reason"] == "phase 2 rollback of v0.4.3"


def test_status_exits_3_when_the_state_dir_cannot_be_read(tmp_path: Path):
    from conftest import call_cli, run_cli

    state = tmp_path / ".phasegate"
    (state / "decisions.jsonl").mkdir(parents=True)  # a folder where the log goes
    result = run_cli("status", "--state-dir", str(state), cwd=tmp_path)
    assert result.returncode == 3 and "decisions.jsonl" in result.stderr
    assert "Traceback" not in result.stderr
    (tmp_path / "file").write_text("")
    assert call_cli("status", "--state-dir", str(tmp_path / "file"), cwd=tmp_path).returncode == 3
    (tmp_path / "empty").mkdir()  # a state dir `collect` made: nothing decided yet
    empty = call_cli("status", "--state-dir", str(tmp_path / "empty"), cwd=tmp_path)
    assert empty.returncode == 0 and "no decision recorded" in empty.stderr


def test_status_shows_the_window_end_from_its_last_restart():
    """The window a paused phase waits for runs from its last unclean decision when later
    than its start, as the rules measure it: `status` named the phase start's hour."""
    from datetime import timedelta

    from phasegate.state import rollout
    from phasegate.state.status import status

    elevated = {"id": "health.error-rate-elevated", "status": "fired", "verdict": "pause"}
    windows = {1: timedelta(minutes=60), 2: timedelta(minutes=60)}
    records = [
        logged(0, "continue", "2026-11-20T09:00:00Z"),
        logged(1, "pause", "2026-11-20T10:00:00Z", [WINDOW_RULE, elevated], pause_kind="wait"),
        logged(1, "pause", "2026-11-20T10:10:00Z", [WINDOW_RULE], pause_kind="wait"),
    ]
    shown = status(rollout.fold(records, "9f2c4e1"), windows)
    assert shown["next"]["when"] == "2026-11-20T11:00:00Z"  # not 10:35: restarted at 10:00
    phase2 = [
        logged(2, "pause", "2026-11-20T11:00:00Z", [elevated], pause_kind="wait"),
        logged(2, "continue", "2026-11-20T11:10:00Z"),
    ]
    shown = status(rollout.fold([*records, *phase2], "9f2c4e1"), windows)
    assert shown["next"]["when"] == "2026-11-20T12:00:00Z"  # closeout's window, restarted


def test_status_waits_for_the_paused_phase_own_window_not_a_rule_merely_recorded():
    """Review: every rule of a decision is recorded, a skipped `window.phase1-stable` in a
    Phase 2 decision included; `status` took each recorded id for a fired one, so a Phase
    2 paused for low throughput showed the end of Phase 1's window (120m here), not of the
    Phase 2 window its pause restarted (30m)."""
    from datetime import timedelta

    from phasegate.state import rollout
    from phasegate.state.status import status

    windows = {1: timedelta(minutes=120), 2: timedelta(minutes=30)}
    recorded = [
        {"id": "window.phase1-stable", "status": "skipped", "verdict": "pause"},
        {"id": "window.phase2-monitoring", "status": "passed", "verdict": "pause"},
    ]
    low = {"id": "health.throughput-low", "status": "fired", "verdict": "pause"}
    records = [
        logged(1, "continue", "2026-11-20T09:00:00Z"),
        logged(2, "pause", "2026-11-20T11:00:00Z", [*recorded, low], pause_kind="wait"),
    ]
    shown = status(rollout.fold(records, "9f2c4e1"), windows)
    assert shown["next"]["when"] == "2026-11-20T11:30:00Z"
    # a Phase 1 paused by its own window: that window, from the phase's start
    waiting = [{**recorded[0], "status": "fired"}, {**recorded[1], "status": "skipped"}]
    records = [logged(1, "pause", "2026-11-20T10:00:00Z", waiting, pause_kind="wait")]
    assert status(rollout.fold(records, "9f2c4e1"), windows)["next"]["when"] == (
        "2026-11-20T11:35:00Z"
    )
