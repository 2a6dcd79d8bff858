"""Hunt: a rollback verification that printed the right answer while exiting non-zero
passed, so `run` wrote `rolled_back` and exited 20 over a `zjj --version` (or any check)
that had failed. A check passes only when its command exited 0 and its `expect` held."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from hostile_gate import gate_fixture  # noqa: F401  (the `gate` fixture)


def configure(gate, code: int) -> None:
    gate.configure(f"""\
    rollback:
      deploy: ["true"]
      verify:
        - name: zjj reports the last known-good version
          command: [sh, -c, "echo zjj 0.4.2; exit {code}"]
          parse: text
          expect: stdout.trim().endsWith(facts.change.last_known_good.trimPrefix('v'))
    """)


STANDINS = Path(__file__).resolve().parents[2] / "fixtures" / "bin"


def rollback(gate) -> subprocess.CompletedProcess[str]:
    """A real Phase 1 `run` (the stand-in zjj answers the state-health check healthy)."""
    argv = [*gate.command("rollback", 1), "--set", "change.last_known_good=v0.4.2"]
    env = {**os.environ, "PATH": f"{STANDINS}:{os.environ['PATH']}"}
    return subprocess.run(argv, cwd=gate.path, env=env, capture_output=True, text=True, timeout=120)


def test_a_check_that_exits_non_zero_fails_whatever_it_printed(gate):
    configure(gate, 1)
    done = rollback(gate)
    assert done.returncode == 4, done.stderr
    assert "FAILED: verify: zjj reports the last known-good version" in done.stderr
    assert "exit 1" in done.stderr
    log = [json.loads(line) for line in gate.log.read_text().splitlines()]
    assert not [line for line in log if line["event"] == "rolled_back"]


def test_the_same_check_exiting_zero_passes(gate):
    configure(gate, 0)
    done = rollback(gate)
    assert done.returncode == 20, done.stderr
    log = [json.loads(line) for line in gate.log.read_text().splitlines()]
    assert [line["event"] for line in log][-1] == "rolled_back"
