"""Hunt: a runner the rollback planned, left behind, then dropped from the config (it is
the unreachable one) was forgotten: `retry-rollback` of the others, or a later `run`,
counted only the configured runners, wrote `rolled_back` and exited 20 with that runner
still on the bad version. The runners a rollback of the change planned stay owed until
each is restored."""

from __future__ import annotations

import subprocess
import sys

from fleet import TEMPLATE, VERIFY, fleet_fixture  # noqa: F401  (the `fleet` fixture)


def phasegate(fleet, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "phasegate", *args]
    return subprocess.run(argv, cwd=fleet.path, capture_output=True, text=True, timeout=120)


def left_behind_then_dropped(fleet) -> str:
    """op-2 and op-3 fail; op-3 is then taken out of the config and op-2 heals."""
    fleet.mark("failing", "op-2", "op-3")
    first = phasegate(fleet, *fleet.run_args())
    assert first.returncode == 4, first.stderr
    fleet.mark("failing")
    fleet.configure(TEMPLATE.replace("[op-1, op-2, op-3]", "[op-1, op-2]") + VERIFY)
    return fleet.log[0]["id"]


def assert_op3_still_owed(fleet, done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 4, done.stderr
    assert "FAILED: rollback on op-3: left on v0.4.3" in done.stderr
    assert not [line for line in fleet.log if line["event"] == "rolled_back"]
    # no retry command that `--only-runners` would refuse: what to do instead
    assert "--only-runners op-3" not in done.stderr
    assert "op-3 planned but no longer in rollback.runners (put it back" in done.stderr


def test_a_retry_does_not_forget_a_runner_dropped_from_the_config(fleet):
    decision = left_behind_then_dropped(fleet)
    done = phasegate(fleet, "retry-rollback", "--decision", decision, "--only-runners", "op-2")
    assert "done: restored op-2" in done.stderr
    assert_op3_still_owed(fleet, done)


def test_a_later_run_does_not_forget_a_runner_dropped_from_the_config(fleet):
    left_behind_then_dropped(fleet)
    done = phasegate(fleet, *fleet.run_args())
    assert "done: restored op-2" in done.stderr
    assert_op3_still_owed(fleet, done)
