"""`run` killed (SIGKILL) at each step leaves a log that says what may have been done: the
decision is there whenever an action started, a Phase 2 rollback's freeze exists before its
actions, no child survives, and the next run repairs what a killed writer tore. A rollback
on every runner killed at each step (a deploy, a check, the state health) is finished by
the next command: it never deploys a restored runner again, never marks the change rolled
back before every runner passed its checks, and says what it is not doing again."""

from __future__ import annotations

import json
import signal

import pytest
from hostile_gate import gate_fixture  # noqa: F401  (the `gate` fixture)
from waiting import gone, wait_for_file

from fleet import fleet_fixture  # noqa: F401  (the `fleet` fixture)

#: A command that tells its pid, then either returns or hangs until killed.
STEP = """'echo $$ > "$0"; if [ "$1" = hang ]; then exec sleep 300; fi'"""


def configure(gate, hang_in: str) -> None:
    collect_hang = "hang" if hang_in == "collect" else "no"
    gate.configure(f"""\
    checks:
      probe: {{command: [sh, -c, {STEP}, {gate.path / "collect.pid"}, {collect_hang}]}}
    actions:
      rollback:
        - name: first
          command: [sh, -c, {STEP}, {gate.path / "first.pid"}, "{{{{ facts.extra.first }}}}"]
        - name: second
          command: [sh, -c, {STEP}, {gate.path / "second.pid"}, "{{{{ facts.extra.second }}}}"]
    """)


@pytest.mark.parametrize("hang_in", ["collect", "first", "second"])
def test_run_killed_at_each_step(gate, hang_in):
    configure(gate, hang_in)
    hangs = {step: ("hang" if step == hang_in else "no") for step in ("first", "second")}
    phasegate = gate.spawn("rollback", 2, **hangs)
    try:
        child = int(wait_for_file(gate.path / f"{hang_in}.pid"))
        phasegate.send_signal(signal.SIGKILL)
        phasegate.communicate(timeout=60)
    finally:
        phasegate.kill()
    assert gone(child)  # the running command died with phasegate
    log = (
        [json.loads(line) for line in gate.log.read_text().splitlines()]
        if (gate.log.exists())
        else []
    )
    decisions = [line for line in log if line["event"] == "decision"]
    outcomes = [line["name"].split(":")[0] for line in log if line["event"] == "action"]
    if hang_in == "collect":  # killed before the record: nothing decided, nothing frozen
        assert decisions == [] and not (gate.state / "freeze.json").exists()
    else:  # an action started: its decision and the freeze were on disk first
        [decision] = decisions
        assert [a["name"] for a in decision["actions"]] == ["first", "second"]
        assert json.loads((gate.state / "freeze.json").read_text())["active"] is True
        assert outcomes == (["first"] if hang_in == "second" else [])
    # a writer killed mid-line leaves a torn tail; the next run cuts it off and keeps it aside
    with gate.log.open("ab") as handle:
        handle.write(b'{"event":"decision","id":"torn","fac')
    configure(gate, "none")
    again = gate.spawn("continue", 0)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    after = [json.loads(line) for line in gate.log.read_text().splitlines()]  # all whole
    assert after[: len(log)] == log  # the repair cut only the torn tail
    assert gate.log.read_bytes().endswith(b"\n")
    assert (gate.state / "decisions.jsonl.torn").read_text().startswith('{"event":"decision"')


# --- the rollback on every runner, killed at each step --------------------------------------

#: Where the rollback hangs (a marker file naming the runner), and which runners had been
#: deployed and verified by then.
KILL_POINTS = {
    "deploy op-1": ("hang-deploy", "op-1", []),
    "check on op-2": ("hang-verify", "op-2", ["op-1"]),
    "doctor on op-3": ("hang-doctor", "op-3", ["op-1", "op-2"]),
}


def restored_lines(log: list[dict]) -> list[str]:
    return [line["runner"] for line in log if line["event"] == "action" and line.get("restored")]


def assert_never_deployed_twice(fleet) -> None:
    """No runner was deployed after the log said it was restored."""
    for call in fleet.deploys:
        seen = [json.loads(line) for line in call["log"]]
        assert call["host"] not in restored_lines(seen), call["host"]


def kill_at(fleet, marker: str, host: str, *args: str) -> tuple[list[dict], int]:
    """`phasegate ARGS`, SIGKILLed once the hanging step on `host` started."""
    fleet.mark(marker, host)
    phasegate = fleet.spawn(*args)
    try:
        child = int(wait_for_file(fleet.path / "hang.pid"))
        phasegate.send_signal(signal.SIGKILL)
        phasegate.communicate(timeout=60)
    finally:
        phasegate.kill()
    assert gone(child)  # the hanging command died with phasegate
    (fleet.path / marker).unlink()
    (fleet.path / "hang.pid").unlink()
    return fleet.log, phasegate.returncode


@pytest.mark.parametrize("point", sorted(KILL_POINTS))
def test_a_rollback_on_every_runner_killed_at_each_step(fleet, point):
    marker, host, restored = KILL_POINTS[point]
    log, code = kill_at(fleet, marker, host, *fleet.run_args())
    assert code == -signal.SIGKILL
    # the decision, every runner planned, was on disk first; the change is not rolled back
    [decision] = [line for line in log if line["event"] == "decision"]
    assert [a.get("runner") for a in decision["actions"]] == ["op-1", "op-2", "op-3"]
    assert restored_lines(log) == restored
    assert not [line for line in log if line["event"] == "rolled_back"]
    # a dry run says what is left, and does nothing
    dry = fleet.spawn(*fleet.run_args(), "--dry-run")
    _, err = dry.communicate(timeout=120)
    assert dry.returncode == 20, err
    left = [name for name in ("op-1", "op-2", "op-3") if name not in restored]
    assert [line.split(": [")[0] for line in err.splitlines() if "would deploy" in line] == [
        f"phasegate: would deploy v0.4.2 to {name}" for name in left
    ]
    assert fleet.log == log
    # the next run finishes it: it says what was already done, never deploys a restored
    # runner again, and ends the change only once every runner passed its checks
    again = fleet.spawn(*fleet.run_args())
    _, err = again.communicate(timeout=120)
    assert again.returncode == 20, err
    if restored:
        assert f"; deploying only {', '.join(left)}" in err
        assert "already restored by an earlier attempt of this rollback: op-1 (decision" in err
    assert_never_deployed_twice(fleet)
    assert sorted(restored_lines(fleet.log)) == ["op-1", "op-2", "op-3"]
    [ended] = [line for line in fleet.log if line["event"] == "rolled_back"]
    assert fleet.log[-1] == ended
    assert [call["host"] for call in fleet.deploys][-len(left) :] == left


def test_a_retry_killed_mid_deploy_is_finished_by_the_next_retry(fleet):
    fleet.mark("failing", "op-2", "op-3")
    first = fleet.spawn(*fleet.run_args())
    _, err = first.communicate(timeout=120)
    assert first.returncode == 4, err
    fleet.mark("failing")
    decision_id = fleet.log[0]["id"]
    retry = ["retry-rollback", "--decision", decision_id, "--only-runners", "op-2,op-3"]
    log, _ = kill_at(fleet, "hang-deploy", "op-3", *retry)
    assert restored_lines(log) == ["op-1", "op-2"]
    assert not [line for line in log if line["event"] == "rolled_back"]
    again = fleet.spawn(*retry)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 20, err
    assert "already restored by an earlier attempt of this rollback: op-2 (decision" in err
    assert [call["host"] for call in fleet.deploys] == [
        "op-1",
        "op-2",
        "op-3",
        "op-2",
        "op-3",
        "op-3",
    ]
    assert_never_deployed_twice(fleet)
    assert fleet.log[-1]["event"] == "rolled_back" and fleet.log[-1]["decision_id"] == decision_id
