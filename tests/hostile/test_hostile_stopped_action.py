"""Hunt: `run` stopped by SIGTERM or SIGINT mid-deploy killed the deploy and exited
128+signal, but the log held only the decision: nothing said the deploy started and was
killed, so a reader could not tell it from one that never ran or from a crash. The
stopped action now gets its own failed action line before phasegate exits."""

from __future__ import annotations

import json
import os
import signal

import pytest
from hostile_gate import gate_fixture  # noqa: F401  (the `gate` fixture)
from waiting import gone, wait_for_file

HANG = """'echo $$ > "$0"; exec sleep 300'"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_an_action_stopped_by_a_signal_is_logged_as_killed(gate, signum):
    pid = gate.path / "deploy.pid"
    gate.configure(f"""\
    actions:
      rollback:
        - name: deploy
          command: [sh, -c, {HANG}, {pid}]
        - name: after
          command: ["true"]
    """)
    phasegate = gate.spawn("rollback", 0)
    try:
        child = int(wait_for_file(pid))
        os.kill(phasegate.pid, signum)
        _, err = phasegate.communicate(timeout=60)
    finally:
        phasegate.kill()
    assert phasegate.returncode == 128 + signum, err
    assert gone(child)
    log = [json.loads(line) for line in gate.log.read_text().splitlines()]
    actions = [line for line in log if line["event"] == "action"]
    [stopped] = actions  # the next action never started
    assert stopped["name"].startswith("deploy: sh -c") and stopped["ok"] is False
    name = signal.Signals(signum).name
    assert stopped["detail"] == f"stopped by {name}: killed before it finished"
    assert stopped["decision_id"] == log[0]["id"]
