"""A fleet of three runners for the rollback tests: a config, a one-rule policy, and
stand-in scripts written in the test's folder that keep one version file per runner.

Deploys and checks are real subprocesses. A runner listed in a marker file (`failing`,
`wrong`, `corrupt`, `hang-deploy`, `hang-verify`, `hang-doctor`) misbehaves there; a hang
writes the hanging process's pid to `hang.pid` first, so a test can kill phasegate then.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from phasegate import cli
from phasegate.collect import process
from phasegate.collect.collector import CollectOptions
from phasegate.collect.config import load_config
from phasegate.core.policy import load_policy_set
from phasegate.runner.apply import RunOutcome, run
from phasegate.state.statedir import StateDir

BIN = Path(__file__).resolve().parents[1] / "fixtures" / "bin"

POLICY = """\
apiVersion: phasegate/v1
kind: Policy
name: asked
phases: [0, 1, 2]
rules:
  - id: asked.rollback
    title: Asked to roll back
    when: facts.extra.want == 'rollback'
    verdict: rollback
    message: rollback asked
"""

#: Deploys a tag to one runner: its version file. Fails for runners listed in `failing`,
#: and deploys the wrong version to those in `wrong`. Logs each call and how many log lines
#: it found, so a test sees what was on disk when it started.
DEPLOY = """\
import json, pathlib, sys
here = pathlib.Path(__file__).parent
host, tag = sys.argv[sys.argv.index("--host") + 1], sys.argv[sys.argv.index("--tag") + 1]
log = here / "state" / "decisions.jsonl"
seen = log.read_text().splitlines() if log.exists() else []
with open(here / "deploys.jsonl", "a") as calls:
    calls.write(json.dumps({"host": host, "tag": tag, "log": seen}) + "\\n")
def listed(name):
    path = here / name
    return host in (path.read_text().split() if path.exists() else [])
if listed("failing"):
    sys.exit(f"{host}: unreachable")
if listed("hang-deploy"):
    import os, time
    (here / "hang.pid").write_text(str(os.getpid()))
    time.sleep(300)
(here / "versions").mkdir(exist_ok=True)
(here / "versions" / host).write_text("0.4.9" if listed("wrong") else tag.lstrip("v"))
"""

#: `zjj --version` as one runner would answer it.
ZJJ = """\
import os, pathlib, sys, time
here = pathlib.Path(__file__).parent
if sys.argv[1] in ((here / "hang-verify").read_text().split()
                   if (here / "hang-verify").exists() else []):
    (here / "hang.pid").write_text(str(os.getpid()))
    time.sleep(300)
version = here / "versions" / sys.argv[1]
print("zjj", version.read_text() if version.exists() else "0.4.3")
"""

#: `rollback.on_runner`: runs a health check "on" one runner: the stand-in zjj (fixtures/bin)
#: with that runner's version file, and a corrupt state database where listed in `corrupt`.
ON = """\
import os, pathlib, sys, time
here = pathlib.Path(__file__).parent
host, argv = sys.argv[1], sys.argv[2:]
bin_dir = pathlib.Path({bin!r})
def listed(name):
    return host in ((here / name).read_text().split() if (here / name).exists() else [])
if listed("corrupt"):
    os.environ["STANDIN_ZJJ"] = "corrupt"
if listed("hang-doctor"):
    (here / "hang.pid").write_text(str(os.getpid()))
    time.sleep(300)
os.environ["STANDIN_ZJJ_VERSION_FILE"] = str(here / "versions" / host)
os.environ["STANDIN_STATE_DIR"] = str(here)
os.execv(str(bin_dir / argv[0]), [argv[0], *argv[1:]])
"""

VERIFY = """\
  on_runner: [{python}, {on}, "{{{{ runner }}}}"]
  verify:
    - name: zjj reports the last known-good version
      command: [{python}, {zjj}, "{{{{ runner }}}}"]
      parse: text
      timeout: 30
      expect: stdout.trim() == 'zjj ' + facts.change.last_known_good.trimPrefix('v')
"""

TEMPLATE = """\
rollback:
  timeout: 30
  runners: [op-1, op-2, op-3]
  deploy: [{python}, {deploy}, --host, "{{{{ runner }}}}", --tag,
           "{{{{ facts.change.last_known_good }}}}"]
"""

ENTRIES = """\
rollback:
  timeout: 30
  deploy:
    - runner: op-1
      command: [{python}, {deploy}, --host, "{{{{ runner }}}}",
                --tag, "{{{{ facts.change.last_known_good }}}}"]
    - runner: op-2
      command: [{python}, {deploy}, --tag, "{{{{ facts.change.last_known_good }}}}", --host, op-2]
"""

SETS = (
    ("change.commit", "abc1234"),
    ("change.tag", "v0.4.3"),
    ("change.last_known_good", "v0.4.2"),
    ("extra.want", "rollback"),
)


class Fleet:
    """A working folder with a config, a one-rule policy and the stand-in scripts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        (path / "policies").mkdir()
        (path / "policies" / "asked.yaml").write_text(POLICY)
        (path / "deploy.py").write_text(DEPLOY)
        (path / "zjj.py").write_text(ZJJ)
        (path / "on.py").write_text(ON.format(bin=str(BIN)))
        self.configure(TEMPLATE + VERIFY)

    def configure(self, body: str) -> None:
        fill = {"python": sys.executable, "deploy": self.path / "deploy.py"}
        text = body.format(**fill, zjj=self.path / "zjj.py", on=self.path / "on.py")
        header = "apiVersion: phasegate/v1\nkind: Config\nstate_dir: state\n"
        (self.path / "phasegate.yaml").write_text(header + text)

    def mark(self, name: str, *hosts: str) -> None:
        (self.path / name).write_text(" ".join(hosts))

    def run(self, phase: int = 1) -> RunOutcome:
        config = load_config(self.path / "phasegate.yaml")
        policies = load_policy_set(self.path / "policies")
        options = CollectOptions(phase, SETS)
        return run(config, policies, StateDir(config.state_dir), options, dry_run=False)

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        """A real `phasegate ARGS`, to be killed."""
        return subprocess.Popen(
            [sys.executable, "-m", "phasegate", *args],
            cwd=self.path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run_args(self, phase: int = 1) -> list[str]:
        argv = ["run", "--phase", str(phase), "--policies", "policies"]
        for path, value in SETS:
            argv += ["--set", f"{path}={value}"]
        return argv

    @property
    def log(self) -> list[dict]:
        text = (self.path / "state" / "decisions.jsonl").read_text()
        return [json.loads(line) for line in text.splitlines()]

    @property
    def deploys(self) -> list[dict]:
        calls = self.path / "deploys.jsonl"
        if not calls.exists():
            return []
        return [json.loads(line) for line in calls.read_text().splitlines()]

    def notes(self) -> list[Path]:
        return sorted((self.path / "state" / "remediation").glob("*.md"))


@pytest.fixture(name="fleet")
def fleet_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Fleet:
    monkeypatch.chdir(tmp_path)  # the config's state dir is relative to the working folder
    return Fleet(tmp_path)


def in_process(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """`phasegate ARGS` in this process (stop handlers left to pytest): the exit code."""
    monkeypatch.setattr(process, "install_stop_handlers", lambda: None)
    with pytest.raises(SystemExit) as done:
        cli.main(list(args))
    return int(done.value.code or 0)
