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
