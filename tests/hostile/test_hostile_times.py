"""Lower-case RFC 3339 times (`2026-11-20t10:30:00z`, allowed by RFC 3339 5.6) are accepted
wherever a time is read, and kept in upper case."""

from __future__ import annotations

from pathlib import Path

from conftest import POLICIES, ROOT, call_cli, healthy, write_yaml
from phasegate.core.facts import load_facts
from phasegate.core.policy import load_policy_set
from phasegate.core.recording import instant, read_recording
from phasegate.replay.replay import ExpectationCheck, load_expectations, replay_recordings

RECORDING = ROOT / "fixtures" / "recordings" / "phase1-error-rate-degrades.jsonl"


def expectation_file(tmp_path: Path) -> Path:
    return write_yaml(
        tmp_path / "expect.yaml",
        {
            "apiVersion": "phasegate/v1",
            "kind": "ReplayExpectation",
            "expect": [
                {
                    "from": "2026-11-20t10:00:00z",
                    "to": "2026-11-20t10:00:00+00:00",
                    "verdict": "continue",
                }
            ],
        },
    )


def test_instant_reads_lower_case_t_and_z():
    assert instant("2026-11-20t10:30:00z") == instant("2026-11-20T10:30:00Z")
    assert instant("2026-11-20t10:30:00.5z") == instant("2026-11-20T10:30:00.5+00:00")


def test_expectations_with_lower_case_times_are_checked_and_kept_upper(tmp_path: Path):
    [expectation] = load_expectations(expectation_file(tmp_path))
    assert expectation.first == "2026-11-20T10:00:00Z"
    checker = ExpectationCheck([expectation])
    replay_recordings([RECORDING], load_policy_set(POLICIES), 50, _Discard, checker=checker)
    assert checker.matched == [True]
    assert checker.problems() == []


class _Discard:
    """A report format that keeps nothing: only the expectation check is under test."""

    def __init__(self, replayed: object) -> None:
        del replayed

    def add(self, step: object) -> None:
        del step

    def finish(self) -> None:
        pass

    def discard(self) -> None:
        pass


def test_lower_case_collected_at_orders_a_folder_recording(tmp_path: Path):
    folder = tmp_path / "rec"
    folder.mkdir()
    write_yaml(folder / "a.yaml", healthy(collected_at="2026-11-20t11:00:00z"))
    write_yaml(folder / "b.yaml", healthy(collected_at="2026-11-20t10:00:00z"))
    recording = read_recording(folder)
    assert recording.skipped == ()
    times = [facts.data["collected_at"] for facts in recording.snapshots]
    assert times == ["2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z"]
    assert load_facts(folder / "a.yaml").data["collected_at"] == "2026-11-20T11:00:00Z"


def test_replay_expect_with_lower_case_times_end_to_end(tmp_path: Path):
    done = call_cli("replay", str(RECORDING), "--expect", str(expectation_file(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert "internal error" not in done.stderr
