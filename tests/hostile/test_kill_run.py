"""`run` killed (SIGKILL) at each step leaves a log that says what may have been done: the
decision is there whenever an action started, a Phase 2 rollback's freeze exists before its
actions, no child survives, and the next run repairs what a killed writer tore."""

from __future__ import annotations

import json
import signal

import pytest
from hostile_gate import gate_fixture  # noqa: F401  (the `gate` fixture)
from waiting import gone, wait_for_file

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
