"""A game day: the whole guide rehearsed once, end to end, with the stand-ins of fixtures/bin.

One scripted rollout of v0.4.3 on three runners: Phase 0 in CI and on an operator (Phase 1
held until both passed), Phase 1, a breach, a rollback on every runner with one
unreachable, `retry-rollback` as printed, the change ended (a later `run` holds on
`rollout.rolled-back` alone and does nothing, `--allow-pause` or not), `resume`, Phase 0
and Phase 1 again (a window wait let through by `--allow-pause`), a breach at Phase 2's
first sample (a rollback that freezes), `resume`, `unfreeze --rca`, Phases 0 and 1 once
more, Phase 2 sampled at its interval through the first hour (a longer gap holds),
`closeout`, and the closed change held. Every step is the real command line in a
subprocess; each asserts its exit code, what it printed, the decision log's lines, the
remediation notes and `phasegate status`.
The runners are folders: a deploy writes the version a runner's `zjj --version` reports,
and `on-runner NAME CMD...` runs a health check against that runner's folder.

Every run names its environment (`PHASEGATE_ENVIRONMENT`), and the game's environment is
built from nothing: a CI job running this test (CI=true) decides nothing here.
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
RUNNERS = ("op-1", "op-2", "op-3")

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


def day(at: str) -> str:
    return f"2026-11-20T{at}:00Z"


def started(at: str) -> list[str]:
    """The phase start an operator gives (`--set`): windows are measured from it."""
    return ["--set", f"phase_started_at={day(at)}"]


class GameDay:
    def __init__(self, path: Path) -> None:
        self.path = path
        bin_dir = path / "bin"
        bin_dir.mkdir()
        for name, body in SCRIPTS.items():
            script = bin_dir / name
            script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
            script.chmod(0o755)
        git = bin_dir / "git"  # the checks run at the release commit (a shell: 3 calls a run)
        git.write_text(f"#!/bin/sh\necho {RELEASE_SHA}\n")
        git.chmod(0o755)
        for runner in RUNNERS:
            (path / "runners" / runner).mkdir(parents=True)
            (path / "runners" / runner / "version").write_text("0.4.3")
        (path / "standin").mkdir()
        shipped = (ROOT / "phasegate.yaml").read_text()
        head = shipped[: shipped.index("\nrollback:\n")]
        (path / "phasegate.yaml").write_text(head + "\n" + ROLLBACK)
        # built from nothing, not from os.environ: CI=true of the job running the suite
        # must not decide where a step was collected
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

    def run(
        self, phase: int, at: str, *args: str, where: str, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """`phasegate run` collected at `at` (HH:MM) in the environment `where`."""
        when = ["--set", f"collected_at={day(at)}"]
        return self(
            "run", "--phase", str(phase), *CHANGE, *when, *args, PHASEGATE_ENVIRONMENT=where, **env
        )

    def status(self) -> dict:
        """`phasegate status --format json`, asserted to exit 0."""
        shown = self("status", "--format", "json")
        assert shown.returncode == 0, shown.stderr
        return json.loads(shown.stdout)

    @property
    def log(self) -> list[dict]:
        text = (self.path / ".phasegate" / "decisions.jsonl").read_text()
        return [json.loads(line) for line in text.splitlines()]

    def events(self, kind: str) -> list[dict]:
        return [line for line in self.log if line["event"] == kind]

    def verdicts(self) -> list[tuple[int, str]]:
        return [(d["decision"]["phase"], d["decision"]["verdict"]) for d in self.events("decision")]

    def last(self) -> dict:
        return self.events("decision")[-1]

    def fired(self) -> list[str]:
        """The rules of the last decision that fired."""
        return [r["id"] for r in self.last()["decision"]["rules"] if r["status"] == "fired"]

    def rule(self, rule_id: str) -> dict:
        [found] = [r for r in self.last()["decision"]["rules"] if r["id"] == rule_id]
        return found

    def calls(self, name: str) -> list[dict]:
        file = self.path / name
        return [json.loads(line) for line in file.read_text().splitlines()] if file.exists() else []

    def notes(self) -> list[Path]:
        return sorted((self.path / ".phasegate" / "remediation").glob("*.md"))

    def version(self, runner: str) -> str:
        return (self.path / "runners" / runner / "version").read_text()


def test_game_day(tmp_path: Path):
    game = GameDay(tmp_path)

    # -- before Phase 0: the command contract baseline ---------------------------------------
    recorded = game("contract", "record")
    assert recorded.returncode == 0, recorded.stderr
    assert (tmp_path / "contract-baseline.json").is_file()

    # -- Phase 0 in CI: not yet enough to open Phase 1 ---------------------------------------
    ci = game.run(0, "09:00", where="ci", CI="true")
    assert ci.returncode == 0, ci.stdout + ci.stderr
    assert ci.stdout.startswith("CONTINUE")
    assert game.last()["facts"]["rollout"]["environment"] == "ci"
    assert game.last()["facts"]["checks"]["ci"]["ok"] is True
    # the last release's metrics, measured since that sample: Phase 1's baseline
    when = ["--set", f"collected_at={day('09:01')}"]
    baseline = game("collect", "--phase", "1", *CHANGE, *started("08:00"), *when)
    assert baseline.returncode == 0, baseline.stderr
    assert "throughput" in json.loads(baseline.stdout)["metrics"]
    (tmp_path / "baseline.json").write_text(baseline.stdout)
    against = ("--baseline", "baseline.json")
    early = game.run(1, "09:02", *against, *started("09:02"), where="operator")
    assert early.returncode == 10, early.stdout + early.stderr
    assert early.stdout.startswith("PAUSE (hold)")
    assert "rollout.phase0-environments" in game.fired()
    assert "recorded in: ci" in game.rule("rollout.phase0-environments")["message"]
    assert game.last()["decision"]["pause_kind"] == "hold"
    shown = game.status()
    assert (shown["phase"], shown["state"]) == (1, "held")
    assert shown["next"]["what"].startswith("clear the hold")
    assert any(step.startswith("rollout.phase0-environments: ") for step in shown["by_hand"])

    # -- Phase 0 on one operator's machine (a CI variable set there changes nothing) ----------
    operator = game.run(0, "09:05", where="operator", CI="true", PHASEGATE_OPERATOR="alice")
    assert operator.returncode == 0, operator.stdout + operator.stderr
    assert game.last()["facts"]["rollout"]["environment"] == "operator"
    assert game.last()["facts"]["operator"] == "alice"
    assert game.verdicts() == [(0, "continue"), (1, "pause"), (0, "continue")]
    shown = game.status()
    assert (shown["phase"], shown["state"]) == (0, "phase_earned")
    assert shown["next"]["what"] == "start Phase 1: `phasegate run --phase 1`"

    # -- Phase 1: opened by both continues, healthy after its stable window --------------------
    phase1 = game.run(1, "10:15", *against, *started("09:10"), where="operator")
    assert phase1.returncode == 0, phase1.stdout + phase1.stderr
    assert game.verdicts()[-1] == (1, "continue")
    assert game.last()["facts"]["rollout"]["previous_phase_environments"] == ["ci", "operator"]
    shown = game.status()
    assert (shown["phase"], shown["state"]) == (1, "phase_earned")
    assert shown["next"]["what"] == "start Phase 2: `phasegate run --phase 2`"
    assert shown["by_hand"] == []

    # -- a breach: lock contention spikes; op-2 cannot be reached -------------------------------
    (tmp_path / "runners" / "op-2" / "unreachable").touch()
    breach = game.run(
        1, "10:40", *against, *started("09:10"), where="operator", STANDIN_SWARM_BUSY="10"
    )
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
    rollback_id = game.last()["id"]
    shown = game.status()
    assert (shown["phase"], shown["state"]) == (1, "rolling_back")
    assert shown["next"]["what"] == (
        f"finish the rollback: `phasegate retry-rollback --decision {rollback_id} "
        "--only-runners op-2`"
    )
    left = [step for step in shown["by_hand"] if "op-2" in step]
    assert left and all("op-1" not in step and "op-3" not in step for step in left), shown
    text = game("status")
    assert text.returncode == 0 and "Status:     rolling_back" in text.stdout
    assert "By hand:" in text.stdout and "op-2" in text.stdout

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
    shown = game.status()
    assert (shown["phase"], shown["state"]) == (1, "rolled_back")
    assert shown["rolled_back_at"] == ended["at"]
    assert shown["next"]["what"].startswith("nothing runs for this change")
    assert not any("op-2" in step for step in shown["by_hand"]), shown["by_hand"]

    # -- the change is ended: a later run holds on `rollout.rolled-back` alone, does nothing -----
    # zjj now reports the old version and the breach is still there: the old version fires
    # nothing, nothing is deployed, restarted or noted again, nothing is left to do by hand
    on_op1 = str(tmp_path / "runners" / "op-1" / "version")  # this operator's zjj: op-1's
    for at, extra in (("10:45", ()), ("10:46", ("--allow-pause",))):
        later = game.run(
            1,
            at,
            *against,
            *started("09:10"),
            *extra,
            where="operator",
            STANDIN_SWARM_BUSY="10",
            STANDIN_ZJJ_VERSION_FILE=on_op1,
        )
        assert later.returncode == 10, later.stdout + later.stderr
        assert later.stdout.startswith("PAUSE (hold)")
        assert game.fired() == ["rollout.rolled-back"]
        assert game.last()["decision"]["verdict"] == "pause"
        assert game.last()["decision"]["pause_kind"] == "hold"
        assert game.last()["facts"]["deployed_version"] == "0.4.2"
        assert game.rule("checklist.version-matches")["status"] != "fired"
        assert game.rule("trigger.lock-contention-spike")["status"] != "fired"
        assert "checklist.version-matches" not in later.stdout
        assert f"was rolled back at {ended['at']}" in later.stderr
        assert "nothing is deployed again" in later.stderr
        assert "by hand" not in later.stdout + later.stderr
    assert len(game.calls("deploys.jsonl")) == 4 and len(game.calls("restarts.jsonl")) == 3
    assert game.notes() == [note]
    assert len(game.events("rolled_back")) == 1
    assert game.status()["state"] == "rolled_back"

    # -- no freeze to lift: a Phase 1 rollback does not freeze (only Phase 2's does) -----------
    assert "freeze" not in game.status()
    assert not (tmp_path / ".phasegate" / "freeze.json").exists()

    # -- resume, then Phase 0 in both environments and Phase 1 again ----------------------------
    resumed = game("resume", "--reason", "fixed in bd-124")
    assert resumed.returncode == 0, resumed.stderr
    assert game.log[-1]["event"] == "resume" and game.log[-1]["commit"] == "9f2c4e1"
    shown = game.status()
    assert shown["state"] == "resumed" and shown["next"]["what"].startswith("run Phase 0")
    again0 = game.run(0, "11:00", where="ci", CI="true")
    assert again0.returncode == 0, again0.stdout + again0.stderr
    held = game.run(1, "11:01", *against, *started("11:01"), where="operator")
    assert held.returncode == 10 and "rollout.phase0-environments" in game.fired()
    again0 = game.run(0, "11:02", where="operator", CI="true")
    assert again0.returncode == 0, again0.stdout + again0.stderr
    assert game.last()["facts"]["rollout"]["environment"] == "operator"
    # inside Phase 1's window: a wait, which --allow-pause lets through
    waiting = game.run(1, "11:30", *against, *started("11:05"), "--allow-pause", where="operator")
    assert waiting.returncode == 0, waiting.stdout + waiting.stderr
    assert waiting.stdout.startswith("PAUSE (wait)")
    assert game.fired() == ["window.phase1-stable"]
    assert game.last()["decision"]["pause_kind"] == "wait"
    shown = game.status()
    assert (shown["phase"], shown["state"]) == (1, "paused")
    assert shown["next"] == {
        "what": "wait, then sample again: `phasegate run --phase 1`",
        "when": day("12:05"),
    }
    again1 = game.run(1, "12:06", *against, *started("11:05"), where="operator")
    assert again1.returncode == 0, again1.stdout + again1.stderr
    assert game.verdicts()[-1] == (1, "continue")

    def sample(at: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """A Phase 2 sample; swarm has closed a bead a minute since 12:00."""
        hours, minutes = map(int, at.split(":"))
        closed = str(20 + (hours - 12) * 60 + minutes)
        return game.run(
            2, at, *against, *args, where="operator", STANDIN_SWARM_CLOSED=closed, **env
        )

    # -- Phase 2, first try: a breach at its first sample; the rollback freezes deployments ------
    broad = sample("12:10", STANDIN_SWARM_BUSY="10")
    assert broad.returncode == 20, broad.stdout + broad.stderr
    assert broad.stdout.startswith("ROLLBACK") and "trigger.lock-contention-spike" in broad.stdout
    for runner in RUNNERS:
        assert f"phasegate: done: restored {runner}: on v0.4.2" in broad.stderr
    # the guide restarts operator sessions after a Phase 1 rollback only
    assert len(game.calls("deploys.jsonl")) == 7 and len(game.calls("restarts.jsonl")) == 3
    assert "restart operator sessions" not in broad.stderr
    assert len(game.events("rolled_back")) == 2 and len(game.notes()) == 2
    shown = game.status()
    assert (shown["phase"], shown["state"]) == (2, "rolled_back")
    assert "phase 2 rollback of v0.4.3" in shown["freeze"]["reason"]
    assert any("phasegate unfreeze --rca" in step for step in shown["by_hand"])
    notes = game.notes()

    # -- resumed, but frozen until the root cause is documented -----------------------------------
    resumed = game("resume", "--reason", "fixed in bd-125")
    assert resumed.returncode == 0, resumed.stderr
    frozen = game.run(0, "12:30", "--allow-pause", where="ci")
    assert frozen.returncode == 10, frozen.stdout + frozen.stderr
    assert game.fired() == ["freeze.active"] and game.last()["decision"]["pause_kind"] == "hold"
    assert game.status()["state"] == "frozen"
    unfrozen = game("unfreeze", "--rca", "rca-bd-125.md")
    assert unfrozen.returncode == 2 and "no such file" in unfrozen.stderr
    assert game.status()["state"] == "frozen"
    (tmp_path / "rca-bd-125.md").write_text("# bd-125: lock contention under load\n")
    unfrozen = game("unfreeze", "--rca", "rca-bd-125.md")
    assert unfrozen.returncode == 0, unfrozen.stderr
    assert "freeze lifted (root cause: rca-bd-125.md)" in unfrozen.stderr
    assert "freeze" not in game.status()

    # -- Phase 0 in both environments and Phase 1 once more ----------------------------------------
    for at, where in (("12:40", "ci"), ("12:41", "operator")):
        again0 = game.run(0, at, where=where, CI="true")
        assert again0.returncode == 0, again0.stdout + again0.stderr
    again1 = game.run(1, "13:46", *against, *started("12:45"), where="operator")
    assert again1.returncode == 0, again1.stdout + again1.stderr

    # -- Phase 2: sampled every 10 minutes through the first hour, then continue -----------------
    for at in ("14:00", "14:10", "14:20", "14:30", "14:40", "14:50", "15:00"):
        if at == "14:20":
            # a sample 11 minutes after the last one: the gap holds the continue, and
            # --allow-pause does not let a hold through (a dry run: nothing recorded)
            lines = len(game.log)
            late = sample("14:21", "--dry-run", "--allow-pause")
            assert late.returncode == 10, late.stdout + late.stderr
            assert late.stdout.startswith("PAUSE (hold)")
            assert "rollout.phase2-sampling" in late.stdout and "660s" in late.stdout
            assert len(game.log) == lines
        step = sample(at, *(("--allow-pause",) if at == "14:10" else ()))
        # each sample reuses the checklist's passing results of this commit: seconds, not
        # the 90 minutes of `moon run :ci`
        assert "phasegate: checks.ci: reused its passing result at " in step.stderr
        assert "rollout.phase2-sampling" not in game.fired()
        if at == "15:00":
            assert step.returncode == 0, step.stdout + step.stderr
            assert step.stdout.startswith("CONTINUE")
        else:
            assert step.returncode == (0 if at == "14:10" else 10), step.stdout + step.stderr
            assert game.fired() == ["window.phase2-monitoring"], step.stdout
            assert game.last()["decision"]["pause_kind"] == "wait"
        if at != "14:00":
            assert game.last()["facts"]["rollout"]["sample_gap_seconds"] == 600
    assert game.verdicts()[-7:] == [(2, "pause")] * 6 + [(2, "continue")]
    assert len(game.calls("deploys.jsonl")) == 7 and game.notes() == notes
    shown = game.status()
    assert (shown["phase"], shown["state"]) == (2, "phase_earned")
    assert shown["next"]["what"] == "close out: `phasegate closeout`"

    # -- closeout: the phases as acted on; the rollout is over -----------------------------------
    closed = game("closeout")
    assert closed.returncode == 0, closed.stderr
    base = tmp_path / ".phasegate" / "closeout" / "closeout-9f2c4e1"
    assert f"closeout written: {base}.md" in closed.stderr
    record = json.loads(base.with_suffix(".json").read_text())
    text = base.with_suffix(".md").read_text()
    assert "9f2c4e1" in text
    phases = {row["phase"]: row for row in record["phases"]}
    assert sorted(phases) == [0, 1, 2]
    assert phases[0]["start"] == day("09:00")
    # not the held attempts at 09:02 and 11:01: Phase 0 had not passed in both environments
    assert phases[1]["start"] == day("09:10")
    assert phases[1]["decisions"]["continue"] == 3 and phases[1]["decisions"]["rollback"] == 1
    assert (phases[2]["start"], phases[2]["end"]) == (day("12:10"), day("15:00"))
    assert phases[2]["decisions"] == {"continue": 1, "pause": 6, "rollback": 1}
    assert record["rollbacks"] == [
        {"at": day("10:40"), "phase": 1, "fired": ["trigger.lock-contention-spike"]},
        {
            "at": day("12:10"),
            "phase": 2,
            "fired": ["trigger.lock-contention-spike", "window.phase2-monitoring"],
        },
    ]
    assert [cause["rca"] for cause in record["root_causes"]] == ["rca-bd-125.md"]
    assert "rca-bd-125.md" in text
    [closed_event] = game.events("closed")
    assert closed_event["commit"] == "9f2c4e1" and closed_event["at"] == day("15:00")
    shown = game.status()
    assert shown["state"] == "closed" and shown["closed_at"] == day("15:00")
    assert shown["next"]["what"] == "nothing: the rollout is closed"

    # -- after closeout a run of the change holds ---------------------------------------------
    after = sample("15:10", "--allow-pause")
    assert after.returncode == 10, after.stdout + after.stderr
    assert "rollout.closed" in game.fired()
    assert game.last()["decision"]["pause_kind"] == "hold"
    assert len(game.calls("deploys.jsonl")) == 7 and game.notes() == notes
