"""Hunt: in a rollback on every runner, a `rollback.verify` check that does not name
`{{ runner }}` (the shipped `[zjj, --version]`) ran on this machine once per runner, so
each runner "reported" this machine's version: a runner deployed the wrong version was
counted restored. Such a check now runs on the runner, behind `rollback.on_runner`, as
`zjj doctor --json` does."""

from __future__ import annotations

import os

from fleet import BIN, TEMPLATE, fleet_fixture  # noqa: F401  (the `fleet` fixture)

VERIFY = """\
  on_runner: [{python}, {on}, "{{{{ runner }}}}"]
  verify:
    - name: zjj reports the last known-good version
      command: [zjj, --version]
      parse: text
      timeout: 30
      expect: stdout.trim() == 'zjj ' + facts.change.last_known_good.trimPrefix('v')
"""


def test_a_check_blind_to_the_runner_runs_on_each_runner(fleet, monkeypatch):
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("STANDIN_ZJJ_VERSION", "0.4.2")  # this machine is on the good one
    fleet.configure(TEMPLATE + VERIFY)
    fleet.mark("wrong", "op-2")  # op-2 was deployed 0.4.9
    outcome = fleet.run()
    assert outcome.exit_code(allow_pause=False) == 4
    assert outcome.application is not None
    assert outcome.application.restored == ["op-1", "op-3"]
    assert outcome.application.left == ["op-2"]
    [failed] = [
        step
        for step in outcome.application.steps
        if step[0].startswith("verify on op-2: zjj reports")
    ]
    assert failed[1] is False
    assert not [line for line in fleet.log if line["event"] == "rolled_back"]
