"""A game day: the whole guide rehearsed once, end to end, with the stand-ins of fixtures/bin.

One scripted rollout of v0.4.3 on three runners: Phase 0 in CI and on an operator,
Phase 1, a breach, a rollback on every runner with one unreachable, `retry-rollback` as
printed, the change ended (a later `run` does nothing), `resume`, Phase 0 and Phase 1
again, Phase 2 samples through its first hour, and `closeout`. Every step is the real
command line in a subprocess; each asserts its exit code, what it printed, the decision
log's lines and the remediation notes. The runners are folders: a deploy writes the
version a runner's `zjj --version` reports, and `on-runner NAME CMD...` runs a health
check against that runner's folder.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / "fixtures" / "bin"
RELEASE_SHA = "9f2c4e1" + "0" * 33
CHANGE = [
    *("--set", "change.commit=9f2c4e1", "--set", "change.tag=v0.4.3"),
    *("--set", "change.last_known_good=v0.4.2"),
    *("--set", "owners.release=alice", "--set", "owners.rollback=bob"),
    *("--set", "incidents=[]"),
]
#: Phase 1 started at 08:00 (the stable window has passed by the continues below).
PHASE1_START = ["--set", "phase_started_at=2026-11-20T08:00:00Z"]
RUNNERS = ("op-1", "op-2", "op-3")
AT_1002 = ["--set", "collected_at=2026-11-20T10:02:00Z"]

SCRIPTS = {
    # deploy-zjj --host NAME --tag TAG: the runner's folder gets the tag's version
    "deploy-zjj": """\
        import json, os, pathlib, sys
        host, tag = sys.argv[sys.argv.index("--host") + 1], sys.argv[sys.argv.index("--tag") + 1]
        runner = pathlib.Path(os.environ["GAME_DIR"]) / "runners" / host
        with open(runner.parent.parent / "deploys.jsonl", "a") as calls:
            calls.write(json.dumps({"host": host, "tag": tag}) + "\\n")
        if (runner / "unreachable").exists():
            sys.exit(f"{host}: ssh: connect to host {host} port 22: No route to host")
        (runner / "version").write_text(tag.removeprefix("v"))
        """,
    # on-runner NAME CMD...: CMD as it would run on that runner
    "on-runner": """\
        import os, pathlib, shutil, sys
        runner = pathlib.Path(os.environ["GAME_DIR"]) / "runners" / sys.argv[1]
        os.environ["STANDIN_ZJJ_VERSION_FILE"] = str(runner / "version")
        program = shutil.which(sys.argv[2])
        os.execv(program, sys.argv[2:])
        """,
    # restart-sessions NAME: restarts the runner's operator sessions
    "restart-sessions": """\
        import json, os, pathlib, sys
        game = pathlib.Path(os.environ["GAME_DIR"])
        version = (game / "runners" / sys.argv[1] / "version").read_text()
        with open(game / "restarts.jsonl", "a") as calls:
            calls.write(json.dumps({"host": sys.argv[1], "version": version}) + "\\n")
        """,
    # the checks run at the release commit
    "git": f"""\
        print("{RELEASE_SHA}")
        """,
}

ROLLBACK = """\
rollback:
  runners: [op-1, op-2, op-3]
  deploy: [deploy-zjj, --host, "{{ runner }}", --tag, "{{ facts.change.last_known_good }}"]
  on_runner: [on-runner, "{{ runner }}"]
  restart: [restart-sessions, "{{ runner }}"]
  timeout: 60
  verify:
    - name: zjj reports the last known-good version
      command: [on-runner, "{{ runner }}", zjj, --version]
      parse: text
      expect: |
        stdout.capture('[0-9]+[.][0-9]+[.][0-9]+[^ \\t\\r\\n]*')
          == facts.change.last_known_good.trimPrefix('v')
    - name: swarm answers ok
      command: [on-runner, "{{ runner }}", swarm, status]
      parse: json
      expect: exit_code == 0 && output.ok == true
"""


class GameDay:
    def __init__(self, path: Path) -> None:
        self.path = path
        bin_dir = path / "bin"
        bin_dir.mkdir()
        for name, body in SCRIPTS.items():
            script = bin_dir / name
            script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
            script.chmod(0o755)
        for runner in RUNNERS:
            (path / "runners" / runner).mkdir(parents=True)
            (path / "runners" / runner / "version").write_text("0.4.3")
        (path / "standin").mkdir()
        shipped = (ROOT / "phasegate.yaml").read_text()
        head = shipped[: shipped.index("\nrollback:\n")]
        (path / "phasegate.yaml").write_text(head + "\n" + ROLLBACK)
        self.env = {
            "PATH": os.pathsep.join(
                [str(BIN), str(bin_dir), os.path.dirname(sys.executable), "/usr/bin", "/bin"]
            ),
            "STANDIN_STATE_DIR": str(path / "standin"),
            "GAME_DIR": str(path),
            "HOME": str(path),
            "NO_COLOR": "1",
        }

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "phasegate", *args],
            cwd=self.path,
            capture_output=True,
            text=True,
            timeout=120,
            env={**self.env, **env},
        )

    def run(self, phase: int, at: str, *args: str, **env: str) -> subprocess.CompletedProcess:
        when = ["--set", f"collected_at=2026-11-20T{at}:00Z"]
        return self("run", "--phase", str(phase), *CHANGE, *when, *args, **env)

    @property
    def log(self) -> list[dict]:
        text = (self.path / ".phasegate" / "decisions.jsonl").read_text()
        return [json.loads(line) for line in text.splitlines()]

    def events(self, kind: str) -> list[dict]:
        return [line for line in self.log if line["event"] == kind]

    def verdicts(self) -> list[tuple[int, str]]:
        return [(d["decision"]["phase"], d["decision"]["verdict"]) for d in self.events("decision")]

    def calls(self, name: str) -> list[dict]:
        file = self.path / name
        return [json.loads(line) for line in file.read_text().splitlines()] if file.exists() else []

    def notes(self) -> list[Path]:
        return sorted((self.path / ".phasegate" / "remediation").glob("*.md"))

    def version(self, runner: str) -> str:
        return (self.path / "runners" / runner / "version").read_text()


def test_game_day(tmp_path: Path):
    game = GameDay(tmp_path)

    # -- before Phase 0: the command contract baseline -------------------------------------
    recorded = game("contract", "record")
    assert recorded.returncode == 0, recorded.stderr
    assert (tmp_path / "contract-baseline.json").is_file()

    # -- Phase 0 in CI, then on one operator's machine ----------------------------------------
    ci = game.run(0, "10:00", CI="true")
    assert ci.returncode == 0, ci.stdout + ci.stderr
    assert ci.stdout.startswith("CONTINUE")
    operator = game.run(0, "10:01", PHASEGATE_OPERATOR="alice")
    assert operator.returncode == 0, operator.stdout
    assert game.verdicts() == [(0, "continue"), (0, "continue")]
    assert game.log[-1]["facts"]["operator"] == "alice" and "operator" not in game.log[0]["facts"]
    assert game.log[0]["facts"]["checks"]["ci"]["ok"] is True

    # -- Phase 1: healthy against the Phase 1 baseline -----------------------------------------
    baseline = game("collect", "--phase", "1", *CHANGE, *PHASE1_START, *AT_1002)
    assert baseline.returncode == 0, baseline.stderr
    (tmp_path / "baseline.json").write_text(baseline.stdout)
    against = ["--baseline", "baseline.json", *PHASE1_START]
    phase1 = game.run(1, "10:30", *against)
    assert phase1.returncode == 0, phase1.stdout + phase1.stderr
    assert game.verdicts()[-1] == (1, "continue")

    # -- a breach: lock contention spikes; op-2 cannot be reached -------------------------------
    (tmp_path / "runners" / "op-2" / "unreachable").touch()
    breach = game.run(1, "10:40", *against, STANDIN_SWARM_BUSY="10")
    assert breach.returncode == 4, breach.stdout + breach.stderr
    assert breach.stdout.startswith("ROLLBACK")
    assert "trigger.lock-contention-spike" in breach.stdout
    err = breach.stderr
    for runner in ("op-1", "op-3"):
        assert f"phasegate: done: restart operator sessions on {runner}: " in err
        assert f"phasegate: done: verify on {runner}: zjj doctor --json: healthy" in err
        assert (
            f"phasegate: done: verify on {runner}: command path zjj status --json: "
            "answers with the recorded shape"
        ) in err
        assert f"phasegate: done: restored {runner}: on v0.4.2" in err
        assert game.version(runner) == "0.4.2"
    assert "phasegate: FAILED: deploy last known-good to op-2: " in err
    assert "No route to host" in err
    assert "restart operator sessions on op-2: not run: op-2 was not deployed" in err
    assert game.version("op-2") == "0.4.3"
    [retry_line] = [line for line in err.splitlines() if "retry only those: " in line]
    assert retry_line.startswith("phasegate: FAILED: rollback on op-2: left on v0.4.3; ")
    assert "phasegate: by hand: Deploy v0.4.2 to the runners left behind: op-2" in err
    assert "the configured deploy failed" not in err
    # restarted after the deploy (on the old version), in runner order
    assert game.calls("restarts.jsonl") == [
        {"host": "op-1", "version": "0.4.2"},
        {"host": "op-3", "version": "0.4.2"},
    ]
    [note] = game.notes()
    assert "trigger.lock-contention-spike" in note.read_text()
    assert "retry-rollback --decision" in note.read_text()
    assert not game.events("rolled_back")
    rollback_id = game.events("decision")[-1]["id"]

    # -- retry-rollback, as printed, once op-2 answers again -----------------------------------
    (tmp_path / "runners" / "op-2" / "unreachable").unlink()
    retried = game(*shlex.split(retry_line.split("retry only those: ")[1])[1:])
    assert retried.returncode == 20, retried.stderr
    assert "phasegate: done: verify on op-2: zjj doctor --json: healthy" in retried.stderr
    assert "phasegate: done: restart operator sessions on op-2: " in retried.stderr
    assert "phasegate: done: restored op-2: on v0.4.2" in retried.stderr
    assert "op-1" not in retried.stderr and "op-3" not in retried.stderr
    assert [game.version(runner) for runner in RUNNERS] == ["0.4.2"] * 3
    [ended] = game.events("rolled_back")
    assert ended["decision_id"] == rollback_id and ended["commit"] == "9f2c4e1"
    assert game.notes() == [note]
    deploys = game.calls("deploys.jsonl")
    assert [call["host"] for call in deploys] == ["op-1", "op-2", "op-3", "op-2"]

    # -- the change is ended: a later run does nothing -----------------------------------------
    # zjj now reports the old version and the breach is still there; nothing is deployed,
    # restarted or noted again, and nothing is left to do by hand
    later = game.run(1, "10:45", *against, STANDIN_SWARM_BUSY="10")
    assert later.returncode == 20, later.stdout + later.stderr
    assert "rollout.rolled-back" in later.stdout
    assert "was rolled back at 2026-11-20T10:40:00Z" not in later.stderr  # by the retry
    assert "was rolled back at " in later.stderr and "nothing is deployed again" in later.stderr
    assert "by hand:" not in later.stderr
    healthy_later = game.run(1, "10:46", *against)
    assert healthy_later.returncode == 10, healthy_later.stdout
    assert "rollout.rolled-back" in healthy_later.stdout
    assert "by hand:" not in healthy_later.stderr
    assert len(game.calls("deploys.jsonl")) == 4 and len(game.calls("restarts.jsonl")) == 3
    assert game.notes() == [note]
    assert len(game.events("rolled_back")) == 1

    # -- resume, then Phase 0 and Phase 1 again -------------------------------------------------
    resumed = game("resume", "--reason", "fixed in bd-124")
    assert resumed.returncode == 0, resumed.stderr
    assert game.log[-1]["event"] == "resume" and game.log[-1]["commit"] == "9f2c4e1"
    again0 = game.run(0, "10:50")
    assert again0.returncode == 0, again0.stdout
    again1 = game.run(1, "11:00", *against)
    assert again1.returncode == 0, again1.stdout + again1.stderr

    # -- Phase 2: samples through the first hour, then continue ---------------------------------
    samples = []
    for index, at in enumerate(("12:10", "12:25", "12:40", "12:55", "13:10")):
        sample = game.run(
            2, at, "--baseline", "baseline.json", STANDIN_SWARM_CLOSED=str(20 + 10 * index)
        )
        samples.append(sample.returncode)
        # each sample reuses the checklist's passing results of this commit: seconds, not
        # the 90 minutes of `moon run :ci`
        assert "phasegate: checks.ci: reused its passing result at " in sample.stderr
        if at != "13:10":
            assert "window.phase2-monitoring" in sample.stdout, sample.stdout
    assert samples == [10, 10, 10, 10, 0], sample.stdout
    assert game.verdicts()[-5:] == [(2, "pause")] * 4 + [(2, "continue")]
    assert len(game.calls("deploys.jsonl")) == 4 and game.notes() == [note]

    # -- closeout ---------------------------------------------------------------------------
    closed = game("closeout")
    assert closed.returncode == 0, closed.stderr
    base = tmp_path / ".phasegate" / "closeout" / "closeout-9f2c4e1"
    assert f"closeout written: {base}.md" in closed.stderr
    record = json.loads(base.with_suffix(".json").read_text())
    text = base.with_suffix(".md").read_text()
    assert "trigger.lock-contention-spike" in json.dumps(record)
    assert "9f2c4e1" in text
