"""A small real gate for hostile tests: a config with no tools, one policy, facts by --set.

`extra.want` picks the verdict, so each test decides what it needs without stand-ins; runs
go in-process (fast) unless a test must kill or signal a real phasegate.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from phasegate import cli
from phasegate.collect import process
from phasegate.collect.collector import CollectOptions
from phasegate.collect.config import load_config
from phasegate.core.policy import load_policy_set
from phasegate.runner.apply import RunOutcome, run
from phasegate.state.statedir import StateDir

POLICY = """\
apiVersion: phasegate/v1
kind: Policy
name: hostile
phases: [0, 1, 2]
rules:
  - id: hostile.rollback
    title: Asked to roll back
    when: facts.extra.want == 'rollback'
    verdict: rollback
    message: rollback asked
  - id: hostile.pause
    title: Asked to pause
    when: facts.extra.want == 'pause'
    verdict: pause
    message: pause asked
"""


@dataclass
class Gate:
    path: Path

    @property
    def state(self) -> Path:
        return self.path / "state"

    @property
    def log(self) -> Path:
        return self.state / "decisions.jsonl"

    def configure(self, body: str = "") -> None:
        """The config: `body` is YAML added after the header (checks, actions, rollback)."""
        header = "apiVersion: phasegate/v1\nkind: Config\nstate_dir: state\n"
        (self.path / "phasegate.yaml").write_text(header + textwrap.dedent(body))

    def sets(self, want: str, **extra: str) -> tuple[tuple[str, str], ...]:
        pairs = [("change.commit", "abc1234"), ("extra.want", want)]
        return (*pairs, *((f"extra.{key}", value) for key, value in extra.items()))

    def run(self, want: str, phase: int = 2, **extra: str) -> RunOutcome:
        config = load_config(self.path / "phasegate.yaml")
        options = CollectOptions(phase, self.sets(want, **extra))
        policies = load_policy_set(self.path / "policies")
        return run(config, policies, StateDir(config.state_dir), options, dry_run=False)

    def cli(self, *args: str, monkeypatch: pytest.MonkeyPatch) -> int:
        """`phasegate ARGS` in this process (stop handlers left to pytest): the exit code."""
        monkeypatch.setattr(process, "install_stop_handlers", lambda: None)
        with pytest.raises(SystemExit) as done:
            cli.main(list(args))
        return int(done.value.code or 0)

    def run_args(self, want: str, phase: int = 2, **extra: str) -> list[str]:
        """The arguments of `phasegate run` for this gate."""
        argv = ["run", "--phase", str(phase), "--policies", "policies"]
        for path, value in self.sets(want, **extra):
            argv += ["--set", f"{path}={value}"]
        return argv

    def command(self, want: str, phase: int = 2, **extra: str) -> list[str]:
        """The argv of a real `phasegate run` for this gate."""
        return [sys.executable, "-m", "phasegate", *self.run_args(want, phase, **extra)]

    def spawn(self, want: str, phase: int = 2, **extra: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(want, phase, **extra),
            cwd=self.path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


# Not a conftest.py: tests import `from conftest import ...` by that name, and a second
# conftest module would shadow the suite's.
@pytest.fixture(name="gate")
def gate_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Gate:
    monkeypatch.chdir(tmp_path)  # the config's state dir is relative to the working folder
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "hostile.yaml").write_text(POLICY)
    made = Gate(tmp_path)
    made.configure()
    return made
