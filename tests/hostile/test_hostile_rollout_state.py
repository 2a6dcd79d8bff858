"""Hostile inputs against the rollout's state: `--allow-pause` on a hold (16.4), a bad
timestamp in the decision log (17.13), a 20 MB log (17.9), and `unfreeze` racing the
freeze of a Phase 2 rollback (17.5)."""

from __future__ import annotations

import json
import threading
import tracemalloc
from pathlib import Path

import pytest

from conftest import FIXTURES, call_cli
from hostile.hostile_gate import Gate, gate_fixture  # noqa: F401  (the `gate` fixture)
from phasegate.collect.collector import CollectOptions, collect
from phasegate.collect.config import load_config
from phasegate.errors import InputError
from phasegate.state import rollout, statedir
from phasegate.state.statedir import StateDir

# --- 16.4: --allow-pause lets a wait through, never a hold --------------------------------


@pytest.mark.parametrize(
    ("fixture", "kind", "code"),
    [
        ("phase0-freeze.active", "hold", 10),
        ("phase1-rollout.rolled-back", "hold", 10),
        ("phase1-rollout.phase-progression", "hold", 10),
        ("phase0-checklist.owners-assigned", "hold", 10),
        ("phase0-checklist.rollback-target", "hold", 10),
        ("phase1-window.phase1-stable", "wait", 0),
        ("phase1-health.error-rate-elevated", "wait", 0),
    ],
)
def test_allow_pause_passes_a_wait_and_never_a_hold(fixture, kind, code):
    path = str(FIXTURES / f"{fixture}.yaml")
    result = call_cli("evaluate", path, "--allow-pause", "--format", "json")
    assert result.returncode == code, result.stdout + result.stderr
    decision = json.loads(result.stdout)
    assert decision["verdict"] == "pause" and decision["pause_kind"] == kind
    assert call_cli("evaluate", path).returncode == 10  # without the flag both exit 10


def test_a_rule_that_cannot_be_evaluated_is_a_hold(tmp_path: Path):
    """A fact that could not be read is no reason to go on, even with --allow-pause."""
    facts = (FIXTURES / "phase1-window.phase1-stable.yaml").read_text()
    broken = tmp_path / "facts.yaml"
    broken.write_text(facts.replace("  error_rate:", "  # error_rate:", 1))  # metrics first
    result = call_cli("evaluate", str(broken), "--allow-pause", "--format", "json")
    decision = json.loads(result.stdout)
    assert decision["summary"]["error"] >= 1 and decision["pause_kind"] == "hold"
    assert result.returncode == 10


# --- 17.13: a bad timestamp in the log is skipped with a located warning ------------------


def bad_line(gate: Gate) -> None:
    """A Phase 1 continue of the gate's change with an impossible collected_at."""
    gate.state.mkdir(exist_ok=True)
    record = {
        "event": "decision",
        "decision": {"verdict": "continue"},
        "facts": {
            "phase": 1,
            "collected_at": "2026-13-45T99:00:00Z",
            "phase_started_at": "2026-11-20T08:00:00Z",
            "change": {"commit": "abc1234"},
        },
    }
    gate.log.write_text(json.dumps(record) + "\n")


def test_a_bad_log_timestamp_never_blocks_a_rollback(gate: Gate, monkeypatch, capsys):
    bad_line(gate)
    code = gate.cli(*gate.run_args("rollback", 2), monkeypatch=monkeypatch)
    err = capsys.readouterr().err
    assert code == 20, err
    assert f"warning: {gate.log}:1: skipped: collected_at is not an RFC 3339 time" in err


def test_a_bad_log_timestamp_is_skipped_by_collect(gate: Gate):
    bad_line(gate)
    config = load_config(gate.path / "phasegate.yaml")
    state = StateDir(config.state_dir)
    facts = collect(config, state, CollectOptions(2, gate.sets("none")), record=False).facts
    assert "previous_phase_continue_at" not in facts.data["rollout"]  # the bad line opens nothing
    assert state.warnings == [
        f"{gate.log}:1: skipped: collected_at is not an RFC 3339 time: '2026-13-45T99:00:00Z'"
    ]


# --- 17.9: reading the state dir streams ----------------------------------------------------


def test_collect_and_history_stream_a_large_log(gate: Gate):
    """A 20 MB log (other changes' decisions) costs collect and history a few MiB, not
    the log's size: before, the whole log was read and kept as records."""
    gate.state.mkdir()
    padding = "x" * 2000
    line = json.dumps(
        {
            "event": "decision",
            "decision": {"verdict": "pause"},
            "facts": {
                "apiVersion": "phasegate/v1",
                "kind": "Facts",
                "phase": 2,
                "collected_at": "2026-11-20T09:00:00Z",
                "change": {"commit": "fff9999"},
                "extra": {"padding": padding},
            },
        }
    )
    with gate.log.open("w") as handle:
        for _ in range(20 * 1024 * 1024 // len(line)):
            handle.write(line + "\n")
    config = load_config(gate.path / "phasegate.yaml")
    state = StateDir(config.state_dir)
    tracemalloc.start()
    try:
        facts = collect(config, state, CollectOptions(2, gate.sets("none")), record=False).facts
        _, collected = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        history = state.history(facts)
        _, read_back = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert collected < 4 * 1024 * 1024, f"collect: peak {collected / 2**20:.1f} MiB"
    assert read_back < 4 * 1024 * 1024, f"history: peak {read_back / 2**20:.1f} MiB"
    assert facts.data["rollout"]["state"] == "rolling_out" and history == ()


# --- 17.5: unfreeze racing the freeze of a Phase 2 rollback --------------------------------


def test_unfreeze_never_deletes_a_freeze_written_after_it_read(tmp_path: Path, monkeypatch):
    """The rollback's freeze lands while `unfreeze` writes its log line: before, unfreeze
    deleted it unseen. Now the freeze waits for the lock and stands."""
    state = StateDir(tmp_path)
    state.set_freeze("phase 2 rollback of v1", "2026-11-20T09:00:00Z")
    real_append = statedir.append_line
    racer: list[threading.Thread] = []

    def append(path: Path, line: str) -> None:
        if '"unfreeze"' in line and not racer:
            racer.append(
                threading.Thread(
                    target=state.set_freeze, args=("phase 2 rollback of v2", "2026-11-20T09:01:00Z")
                )
            )
            racer[0].start()
            racer[0].join(timeout=2)  # before the fix it finishes here; after, it waits
        real_append(path, line)

    monkeypatch.setattr(statedir, "append_line", append)
    assert state.clear_freeze("rca at bd-1", "2026-11-20T09:00:30Z")
    racer[0].join()
    assert state.freeze() is not None and state.freeze()["reason"] == "phase 2 rollback of v2"


def test_unfreeze_leaves_a_freeze_other_than_the_one_it_showed(tmp_path: Path):
    state = StateDir(tmp_path)
    state.set_freeze("phase 2 rollback of v1", "2026-11-20T09:00:00Z")
    seen = state.freeze()
    state.set_freeze("phase 2 rollback of v2", "2026-11-20T09:01:00Z")
    with pytest.raises(InputError, match="a new freeze was set while unfreezing"):
        state.clear_freeze("rca", "2026-11-20T09:02:00Z", expected=seen)
    assert state.freeze()["reason"] == "phase 2 rollback of v2"
    assert state.clear_freeze("rca", "2026-11-20T09:02:00Z", expected=state.freeze())
    unfrozen = [r for r in state.records() if r.get("event") == "unfreeze"]
    assert len(unfrozen) == 1 and rollout.fold(state.records(), "x").freeze is None


def test_a_rollback_event_with_a_bad_time_still_ends_the_change(gate: Gate):
    """Dropping it would deploy the change again; keeping its time would make every
    collect exit 3. It counts, its time unknown, with a located warning."""
    gate.state.mkdir()
    gate.log.write_text(json.dumps(rollout.rolled_back_record("d1", "abc1234", "x")) + "\n")
    config = load_config(gate.path / "phasegate.yaml")
    state = StateDir(config.state_dir)
    facts = collect(config, state, CollectOptions(1, gate.sets("none")), record=False).facts
    assert facts.data["rollout"]["state"] == "rolled_back"
    assert "rolled_back_at" not in facts.data["rollout"]
    assert state.warnings == [f"{gate.log}:1: at is not an RFC 3339 time: 'x' (kept)"]
