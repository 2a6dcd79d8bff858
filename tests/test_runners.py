"""Rollback on every runner: per-runner deploy and verify, partial failure, the retry.

Deploys and checks are real subprocesses: stand-in scripts written in the test's folder
that keep one version file per runner. Runs go in-process where the command line is not
what is tested; one test drives the real `phasegate` end to end.
"""

from __future__ import annotations

import errno
import json
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fleet import ENTRIES, SETS, TEMPLATE, VERIFY, Fleet, fleet_fixture, in_process  # noqa: F401
from phasegate.collect.collector import CollectOptions
from phasegate.collect.config import load_config
from phasegate.core.policy import load_policy_set
from phasegate.errors import InputError
from phasegate.files import durable
from phasegate.runner import journal, plan
from phasegate.runner.apply import run
from phasegate.state.statedir import LogReport, StateDir, numbered_log_objects


def test_every_runner_is_deployed_and_verified_in_turn(fleet: Fleet):
    outcome = fleet.run()
    assert outcome.exit_code(allow_pause=False) == 20
    assert outcome.application is not None
    names = [":".join(name.split(":")[:2]) for name, _, _ in outcome.application.steps]
    # each runner: its deploy, then the full verification on it (the configured check, and
    # the state health after the downgrade), then the line that it is restored
    assert names == [
        name
        for host in ("op-1", "op-2", "op-3")
        for name in (
            f"deploy last known-good to {host}: {sys.executable} {fleet.path / 'deploy.py'}"
            f" --host {host} --tag v0.4.2",
            f"verify on {host}: zjj reports the last known-good version",
            f"verify on {host}: zjj doctor --json",
            f"restored {host}",
        )
    ]
    assert all(ok for _, ok, _ in outcome.application.steps)
    assert outcome.application.manual[0].startswith("Restart affected operator sessions")
    decision, *events = fleet.log
    assert [event["event"] for event in events][-1] == "rolled_back"
    actions = [event for event in events if event["event"] == "action"]
    assert [a["runner"] for a in actions if a.get("restored")] == ["op-1", "op-2", "op-3"]
    names = [name.split(":")[0] for name in names]
    assert [planned["runner"] for planned in decision["actions"]] == ["op-1", "op-2", "op-3"]
    assert decision["actions"][1]["argv"][2:] == ["--host", "op-2", "--tag", "v0.4.2"]
    assert [action["name"].split(":")[0] for action in actions] == names
    assert {action["decision_id"] for action in actions} == {decision["id"]}
    # write-ahead: the first deploy found the decision, with every runner planned, alone
    first = fleet.deploys[0]
    assert [json.loads(line)["event"] for line in first["log"]] == ["decision"]
    assert [call["host"] for call in fleet.deploys] == ["op-1", "op-2", "op-3"]


def test_a_partial_failure_names_the_runners_left_and_the_retry_finishes(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    fleet.mark("failing", "op-2")
    fleet.mark("wrong", "op-3")  # deployed, but not verified: still not on the good version
    outcome = fleet.run(phase=2)
    assert outcome.exit_code(allow_pause=False) == 4
    assert outcome.application is not None
    assert outcome.application.left == ["op-2", "op-3"]
    failed = {name.split(":")[0] for name, ok, _ in outcome.application.steps if not ok}
    assert failed == {"deploy last known-good to op-2", "verify on op-3", "rollback on op-2, op-3"}
    *_, detail = outcome.application.steps[-1]
    assert detail.startswith("left on v0.4.3; retry only those: phasegate retry-rollback ")
    assert "Deploy v0.4.2 to the runners left behind: op-2, op-3" in outcome.application.manual
    [note] = fleet.notes()
    assert "retry-rollback" in note.read_text()
    decision_id = fleet.log[0]["id"]
    retry = shlex.split(detail.split("retry only those: ")[1])
    assert retry[1:5] == ["retry-rollback", "--decision", decision_id, "--only-runners"]
    assert retry[5] == "op-2,op-3"

    fleet.mark("failing")
    fleet.mark("wrong")
    code = in_process(monkeypatch, *retry[1:])
    err = capsys.readouterr().err
    assert code == 20, err
    assert "done: deploy last known-good to op-2: " in err
    assert "done: verify on op-3: zjj reports the last known-good version: healthy" in err
    assert "op-1" not in err
    assert [call["host"] for call in fleet.deploys] == ["op-1", "op-2", "op-3", "op-2", "op-3"]
    assert fleet.notes() == [note]  # no second remediation note
    # the retry is logged ahead, and its outcomes belong to the original decision
    retried = [line for line in fleet.log if line["event"] == "retry"]
    assert [(r["decision_id"], r["runners"]) for r in retried] == [(decision_id, ["op-2", "op-3"])]
    assert [json.loads(line)["event"] for line in fleet.deploys[3]["log"]][-1] == "retry"
    actions = [line for line in fleet.log if line["event"] == "action"]
    assert {action["decision_id"] for action in actions} == {decision_id}
    # op-1: deploy, two checks, restored; op-2: deploy; op-3: deploy, two checks. The retry:
    # op-2 and op-3 each deploy, two checks, restored
    assert len(actions) == (4 + 1 + 3) + (4 + 4)
    # the last runners are restored: the change stands rolled back, by the original decision
    assert fleet.log[-1] == {**fleet.log[-1], "event": "rolled_back", "decision_id": decision_id}
    assert fleet.log[-1]["commit"] == "abc1234"


def test_all_runners_failing_is_exit_4_and_nothing_is_verified(fleet: Fleet):
    fleet.mark("failing", "op-1", "op-2", "op-3")
    outcome = fleet.run()
    assert outcome.exit_code(allow_pause=False) == 4
    assert outcome.application is not None
    assert outcome.application.left == ["op-1", "op-2", "op-3"]
    assert not any(name.startswith("verify") for name, _, _ in outcome.application.steps)


def test_per_runner_entries_and_a_retry_that_fails_again(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    fleet.configure(ENTRIES + VERIFY)
    fleet.mark("failing", "op-2")
    outcome = fleet.run()
    assert outcome.exit_code(allow_pause=False) == 4
    assert outcome.application is not None and outcome.application.left == ["op-2"]
    assert fleet.log[0]["actions"][1]["argv"][2:] == ["--tag", "v0.4.2", "--host", "op-2"]
    decision_id = fleet.log[0]["id"]
    args = ["retry-rollback", "--decision", decision_id, "--only-runners", "op-2"]
    assert in_process(monkeypatch, *args) == 4
    err = capsys.readouterr().err
    assert "FAILED: deploy last known-good to op-2: " in err and "op-2: unreachable" in err
    assert f"--decision {decision_id} --only-runners op-2 " in err  # retry it again
    assert [call["host"] for call in fleet.deploys] == ["op-1", "op-2", "op-2"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--only-runners", "op-9"], 2, "unknown runner 'op-9' (configured: op-1, op-2, op-3)"),
        (["--only-runners", ","], 2, "expected runner names"),
        (["--decision", "nope", "--only-runners", "op-1"], 3, "no decision 'nope' in the log"),
    ],
)
def test_retry_refuses_what_it_cannot_retry(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, capsys, args, code, message
):
    fleet.mark("failing", "op-1")
    fleet.run()
    if "--decision" not in args:
        args = ["--decision", fleet.log[0]["id"], *args]
    assert in_process(monkeypatch, "retry-rollback", *args) == code
    assert message in capsys.readouterr().err
    assert [call["host"] for call in fleet.deploys] == ["op-1", "op-2", "op-3"]


def test_a_phase_0_rollback_deploys_nothing_and_cannot_be_retried(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, capsys
):
    outcome = fleet.run(phase=0)
    assert outcome.exit_code(allow_pause=False) == 20
    assert not (fleet.path / "deploys.jsonl").exists()
    args = ["--decision", fleet.log[0]["id"], "--only-runners", "op-1"]
    assert in_process(monkeypatch, "retry-rollback", *args) == 3
    assert "only a Phase 1 or 2 rollback deploys to runners" in capsys.readouterr().err


def test_a_dry_run_shows_each_runner_and_runs_nothing(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, capsys
):
    assert in_process(monkeypatch, *fleet.run_args(), "--dry-run") == 20
    err = capsys.readouterr().err
    for host in ("op-1", "op-2", "op-3"):
        assert f"would deploy v0.4.2 to {host}: " in err
        assert f'"--host", "{host}", "--tag", "v0.4.2"' in err
        # the full verification, on each runner
        assert f"would verify on {host}: zjj reports the last known-good version" in err
        assert f"would verify on {host}: zjj doctor --json (state health after the" in err
    assert not (fleet.path / "deploys.jsonl").exists()


BAD_CONFIGS = {
    "duplicate name": (
        "rollback:\n  runners: [op-1, op-2, op-1]\n  deploy: [d, '{{ runner }}']\n",
        ":6:25: error: duplicate runner name 'op-1'",
    ),
    "duplicate entry": (
        "rollback:\n  deploy:\n    - {runner: a, command: [d]}\n    - {runner: a, command: [d]}\n",
        ":8:16: error: duplicate runner name 'a'",
    ),
    "empty runners": (
        "rollback:\n  runners: []\n  deploy: [d]\n",
        ":6:12: error: rollback.runners: must have at least 1 item(s)",
    ),
    "empty deploy": ("rollback:\n  deploy: []\n", ":6:11: error: rollback.deploy: must have"),
    "both forms": (
        "rollback:\n  runners: [a]\n  deploy:\n    - {runner: a, command: [d]}\n",
        ":6:3: error: rollback.runners: give the runners here with one deploy template, or in",
    ),
    "runners without deploy": (
        "rollback:\n  runners: [a]\n  deploy: null\n",
        ":6:3: error: rollback.runners: needs rollback.deploy",
    ),
    "runner outside the per-runner form": (
        "rollback:\n  deploy: [d, '{{ runner }}']\n",
        ":6:19: error: action 'deploy last known-good': unknown name 'runner'",
    ),
    "a name that would be an option": (
        "rollback:\n  runners: [-rf]\n  deploy: [d]\n",
        ':6:13: error: rollback.runners[0]: "-rf" does not match',
    ),
    "runners without on_runner": (
        "rollback:\n  runners: [a]\n  deploy: [d, '{{ runner }}']\n",
        ":6:3: error: rollback.runners: needs rollback.on_runner, the command prefix that runs "
        "the health checks after a downgrade",
    ),
    "entries without on_runner": (
        "rollback:\n  deploy:\n    - {runner: a, command: [d]}\n",
        ":6:3: error: rollback.deploy: needs rollback.on_runner",
    ),
    "on_runner without runners": (
        "rollback:\n  deploy: [d]\n  on_runner: []\n",
        ":7:3: error: rollback.on_runner: only for a rollback given per runner",
    ),
    "restart without runners": (
        "rollback:\n  deploy: [d]\n  restart: [r]\n",
        ":7:3: error: rollback.restart: only for a rollback given per runner",
    ),
    "a mixed deploy list": (
        "rollback:\n  deploy: [{runner: a, command: [d]}, d]\n",
        ":6:39: error: rollback.deploy[1]: expected object",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_a_bad_per_runner_config_is_refused_located(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, capsys, case: str
):
    body, message = BAD_CONFIGS[case]
    header = "apiVersion: phasegate/v1\nkind: Config\nstate_dir: state\n"
    (fleet.path / "phasegate.yaml").write_text(header + "\n" + body)
    with pytest.raises(InputError) as refused:
        load_config(fleet.path / "phasegate.yaml")
    assert any(message in line for line in refused.value.lines()), refused.value.lines()
    # the command line: exit 3, file:line:col, before anything runs or is written
    assert in_process(monkeypatch, *fleet.run_args()) == 3
    assert f"phasegate.yaml{message}" in capsys.readouterr().err
    assert not (fleet.path / "state").exists()


def test_actions_and_runners_fill_their_arguments_in_one_place(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
):
    """A rule for arguments (such as refusing control characters) must hold for every
    command the gate runs: the verdict's actions are filled as each runner's deploy is."""
    action = "    - name: tell\n      command: [echo, '{{{{ decision.verdict }}}}']\n"
    fleet.configure(TEMPLATE + "  on_runner: []\nactions:\n  rollback:\n" + action)
    filled: list[tuple[str, ...] | None] = []
    real = plan.fill_argv

    def spy(templates, bindings):
        argv, problem = real(templates, bindings)
        filled.append(argv)
        return argv, problem

    monkeypatch.setattr(plan, "fill_argv", spy)
    config = load_config(fleet.path / "phasegate.yaml")
    policies = load_policy_set(fleet.path / "policies")
    options = CollectOptions(1, SETS)
    run(config, policies, StateDir(config.state_dir), options, dry_run=True)
    assert ("echo", "rollback") in filled
    assert len(filled) == 4  # three runners' deploys and the action


def test_runner_names_stay_one_argument(fleet: Fleet):
    config = load_config(fleet.path / "phasegate.yaml")
    variables = {"facts": {"change": {"last_known_good": "v1; rm -rf /"}}, "decision": {}}
    steps = plan.deploy_steps(config, {**variables, "params": {}}, only=("op-3",))
    [step] = steps
    assert step.runner == "op-3" and step.argv is not None
    assert step.argv[2:] == ("--host", "op-3", "--tag", "v1; rm -rf /")


def test_end_to_end_partial_failure_then_retry(fleet: Fleet):
    """The real command line, twice: the printed retry command is run as printed."""
    fleet.mark("failing", "op-3")

    def phasegate(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "phasegate", *args],
            cwd=fleet.path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    first = phasegate(*fleet.run_args(phase=2))
    assert first.returncode == 4, first.stderr
    assert first.stdout.startswith("ROLLBACK")
    [line] = [line for line in first.stderr.splitlines() if "retry only those" in line]
    assert line.startswith("phasegate: FAILED: rollback on op-3: left on v0.4.3; ")
    fleet.mark("failing")
    second = phasegate(*shlex.split(line.split("retry only those: ")[1])[1:])
    assert second.returncode == 20, second.stderr
    assert (
        textwrap.dedent("""\
        phasegate: done: verify on op-3: zjj reports the last known-good version: healthy
        """)
        in second.stderr
    )
    assert [call["host"] for call in fleet.deploys] == ["op-1", "op-2", "op-3", "op-3"]
    assert len(fleet.notes()) == 1


def test_an_unrecorded_rollback_still_runs_and_says_to_finish_by_hand(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
):
    """No decision line, no retry: it would find nothing to re-apply."""

    def disk_full(descriptor, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    fleet.mark("failing", "op-1")
    monkeypatch.setattr(durable.os, "write", disk_full)
    outcome = fleet.run()
    assert outcome.exit_code(allow_pause=False) == 4
    assert outcome.application is not None and outcome.application.left == ["op-1"]
    [summary] = [step for step in outcome.application.steps if step[0] == "rollback on op-1"]
    assert "deploy them by hand (the decision was not recorded" in summary[2]
    assert [call["host"] for call in fleet.deploys] == ["op-1", "op-2", "op-3"]


def test_a_runner_with_a_corrupt_state_database_is_left_behind(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """Per runner, the verification is the full one: the state health after the downgrade
    (`zjj doctor --json`, run on that runner) fails on op-2, so the change is not rolled
    back, op-2 is named, and the retry command is printed."""
    fleet.mark("corrupt", "op-2")
    outcome = fleet.run()
    assert outcome.exit_code(allow_pause=False) == 4
    assert outcome.application is not None and outcome.application.left == ["op-2"]
    failed = [(name, detail) for name, ok, detail in outcome.application.steps if not ok]
    assert failed[0][0] == "verify on op-2: zjj doctor --json"
    assert "state_database" in failed[0][1]
    assert failed[1][0] == "rollback on op-2" and "--only-runners op-2 " in failed[1][1]
    assert not [line for line in fleet.log if line["event"] == "rolled_back"]
    assert "Deploy v0.4.2 to the runners left behind: op-2" in outcome.application.manual
    # repaired: the retry deploys and verifies op-2 only, and ends the change
    fleet.mark("corrupt")
    args = ["retry-rollback", "--decision", fleet.log[0]["id"], "--only-runners", "op-2"]
    assert in_process(monkeypatch, *args) == 20
    assert "done: verify on op-2: zjj doctor --json: healthy" in capsys.readouterr().err
    assert fleet.log[-1]["event"] == "rolled_back"


def test_a_retry_that_restores_the_last_runners_ends_the_change(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    fleet.mark("failing", "op-2")
    assert fleet.run().exit_code(allow_pause=False) == 4
    [note] = fleet.notes()
    decision_id = fleet.log[0]["id"]
    fleet.mark("failing")
    args = ["retry-rollback", "--decision", decision_id, "--only-runners", "op-2"]
    assert in_process(monkeypatch, *args) == 20
    capsys.readouterr()
    [ended] = [line for line in fleet.log if line["event"] == "rolled_back"]
    assert ended["decision_id"] == decision_id and ended["commit"] == "abc1234"
    # the next run of the change deploys nothing and writes no second note
    again = fleet.run()
    assert again.application is not None
    assert [call["host"] for call in fleet.deploys] == ["op-1", "op-2", "op-3", "op-2"]
    assert fleet.notes() == [note]
    assert again.application.steps == [] and again.application.manual == []
    assert "was rolled back at" in again.planned[0]
    # a retry of the ended rollback deploys nothing either
    assert in_process(monkeypatch, *args[:-1], "op-1,op-2") == 20
    assert "already stands rolled back: nothing is deployed" in capsys.readouterr().err
    assert len(fleet.deploys) == 4


def test_a_retry_never_deploys_a_runner_already_restored(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    fleet.mark("failing", "op-3")
    assert fleet.run().exit_code(allow_pause=False) == 4
    fleet.mark("failing")
    args = ["retry-rollback", "--decision", fleet.log[0]["id"], "--only-runners", "op-1,op-3"]
    assert in_process(monkeypatch, *args) == 20
    err = capsys.readouterr().err
    assert "already restored by an earlier attempt of this rollback: op-1 (decision " in err
    assert "; deploying only op-3" in err
    assert [call["host"] for call in fleet.deploys] == ["op-1", "op-2", "op-3", "op-3"]


def test_a_later_run_of_an_unfinished_rollback_deploys_only_the_runners_left(fleet: Fleet):
    fleet.mark("failing", "op-2")
    assert fleet.run().exit_code(allow_pause=False) == 4
    fleet.mark("failing")
    again = fleet.run()
    assert again.exit_code(allow_pause=False) == 20
    assert [call["host"] for call in fleet.deploys] == ["op-1", "op-2", "op-3", "op-2"]
    assert again.planned == [
        "already restored by an earlier attempt of this rollback: op-1 (decision "
        f"{fleet.log[0]['id']}), op-3 (decision {fleet.log[0]['id']}); deploying only op-2"
    ]
    assert fleet.log[-1]["event"] == "rolled_back"


RESTART = """\
import json, pathlib, sys
here = pathlib.Path(__file__).parent
host = sys.argv[1]
version = here / "versions" / host
with open(here / "restarts.jsonl", "a") as calls:
    calls.write(json.dumps({"host": host, "version": version.read_text()}) + "\\n")
if host in ((here / "restart-fails").read_text().split()
            if (here / "restart-fails").exists() else []):
    sys.exit(f"{host}: sessions would not stop")
"""


@pytest.mark.parametrize("phase", [1, 2])
def test_a_phase_1_rollback_restarts_each_runners_sessions(fleet: Fleet, phase: int):
    (fleet.path / "restart.py").write_text(RESTART)
    restart = '  restart: [{python}, %s, "{{{{ runner }}}}"]\n' % (fleet.path / "restart.py")
    fleet.configure(TEMPLATE + restart + VERIFY)
    fleet.mark("failing", "op-3")
    fleet.mark("restart-fails", "op-2")
    outcome = fleet.run(phase=phase)
    assert outcome.application is not None
    calls = fleet.path / "restarts.jsonl"
    if phase == 2:  # the guide restarts sessions in Phase 1's rollback only
        assert not calls.exists()
        assert outcome.application.left == ["op-3"]
        return
    # after its deploy (it already runs the old version), before its checks
    restarts = [json.loads(line) for line in calls.read_text().splitlines()]
    assert restarts == [{"host": "op-1", "version": "0.4.2"}, {"host": "op-2", "version": "0.4.2"}]
    steps = [(name.split(":")[0], ok) for name, ok, _ in outcome.application.steps]
    assert steps[:5] == [
        ("deploy last known-good to op-1", True),
        ("restart operator sessions on op-1", True),
        ("verify on op-1", True),
        ("verify on op-1", True),
        ("restored op-1", True),
    ]
    assert ("restart operator sessions on op-2", False) in steps
    assert ("restart operator sessions on op-3", False) in steps  # not run: not deployed
    assert outcome.application.left == ["op-2", "op-3"]
    assert "Restart the operator sessions on op-2, op-3" in outcome.application.manual
    assert "Restart affected operator sessions" not in outcome.application.manual
    # journaled like the other actions: planned in the decision line, then its outcome
    decision = fleet.log[0]
    assert [a["name"] for a in decision["actions"]][:2] == [
        "deploy last known-good to op-1",
        "restart operator sessions on op-1",
    ]
    logged = [a for a in fleet.log if a["event"] == "action" and a["name"].startswith("restart")]
    assert [(a["runner"], a["ok"]) for a in logged] == [
        ("op-1", True),
        ("op-2", False),
        ("op-3", False),
    ]


def test_the_readme_per_runner_example_loads(tmp_path: Path):
    """The README's recipe is a config that loads, with every field this file tests."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("**Rollback on every runner.**", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    header = "apiVersion: phasegate/v1\nkind: Config\nstate_dir: state\n"
    (tmp_path / "phasegate.yaml").write_text(header + block)
    config = load_config(tmp_path / "phasegate.yaml")
    assert config.runners is not None and config.runners.names == ("op-1", "op-2", "op-3")
    assert config.runners.on_runner and config.runners.restart is not None
    variables = {"facts": {"change": {"last_known_good": "v1"}}}
    steps = plan.deploy_steps(config, variables, restart=True)
    assert [step.argv for step in steps[:2]] == [
        ("deploy-zjj", "--host", "op-1", "--tag", "v1"),
        ("restart-sessions", "op-1"),
    ]


def test_what_a_rollback_restored_is_forgotten_once_the_change_moves_on():
    def decision(id: str, verdict: str, commit: str = "abc1234", phase: int = 1) -> dict:
        return {
            "event": "decision",
            "id": id,
            "decision": {"verdict": verdict, "phase": phase},
            "facts": {"change": {"commit": commit}},
        }

    def restored(id: str, runner: str, ok: bool = True) -> dict:
        return {"event": "action", "decision_id": id, "runner": runner, "ok": ok, "restored": True}

    log = [
        decision("d1", "rollback"),
        restored("d1", "op-1"),
        {"event": "action", "decision_id": "d1", "runner": "op-2", "ok": False, "name": "x"},
        decision("o1", "rollback", commit="fff9999"),  # another change
        restored("o1", "op-2"),
        decision("d2", "rollback"),
        restored("d2", "op-3"),
    ]
    found = journal.restoration(log, "ABC1234")
    assert found.restored == {"op-1": "d1", "op-3": "d2"} and found.decision_id == "d2"
    for reset in (
        decision("c1", "continue"),  # the rollout went on: runners may carry it again
        {"event": "rolled_back", "commit": "abc1234", "at": "x"},
        {"event": "resume", "commit": "abc1234", "at": "x"},
    ):
        assert journal.restoration([*log, reset], "abc1234").restored == {}
    assert journal.restoration([*log, decision("p", "pause")], "abc1234").restored != {}
    assert journal.restoration([*log, decision("c", "continue", "fff9")], "abc1234").restored
    assert journal.restoration(None, "abc1234").restored == {}


def test_a_retry_of_some_runners_names_those_still_left(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """Exit 20 says the rollback is done: a retry of op-2 while op-3 is still on the bad
    version exits 4 and names op-3, with the command that finishes it."""
    fleet.mark("failing", "op-2", "op-3")
    assert fleet.run().exit_code(allow_pause=False) == 4
    fleet.mark("failing")
    decision_id = fleet.log[0]["id"]
    args = ["retry-rollback", "--decision", decision_id, "--only-runners", "op-2"]
    assert in_process(monkeypatch, *args) == 4
    err = capsys.readouterr().err
    assert "done: restored op-2: on v0.4.2" in err
    assert f"FAILED: rollback on op-3: left on v0.4.3; retry only those: phasegate {args[0]}" in err
    assert "--only-runners op-3 " in err
    assert "by hand: Deploy v0.4.2 to the runners left behind: op-3" in err
    assert not [line for line in fleet.log if line["event"] == "rolled_back"]
    # asking again for a restored runner deploys nothing, and still names op-3
    assert in_process(monkeypatch, *args) == 4
    err = capsys.readouterr().err
    assert "op-2 (decision " in err and "; deploying none of them" in err
    assert [call["host"] for call in fleet.deploys] == ["op-1", "op-2", "op-3", "op-2"]
    assert in_process(monkeypatch, *args[:-1], "op-3") == 20
    assert fleet.log[-1]["event"] == "rolled_back"


@pytest.mark.parametrize("folder", ["state", "x:12", "x:12:"])
def test_a_refused_retry_names_its_decision_line_whatever_the_state_dir_is_named(
    tmp_path: Path, folder: str
):
    """The line is the log reader's count, not text after a colon: a state dir named
    `x:12` puts a colon and digits in every location the reader words."""
    from phasegate.runner.retry import recorded_decision

    state = StateDir(tmp_path / folder)
    state.path.mkdir()
    log = state.path / "decisions.jsonl"
    decision = {"verdict": "pause", "phase": 1, "collected_at": "2026-11-20T10:00:00Z"}
    facts = {"collected_at": "2026-11-20T10:00:00Z", "change": {"commit": "abc1234"}}
    line = {"event": "decision", "id": "d1", "decision": {**decision, "change": {}}}
    log.write_text('{"event": "other"}\n\n' + json.dumps({**line, "facts": facts}) + "\n")
    with pytest.raises(InputError, match="is a phase 1 pause") as refused:
        recorded_decision(state, "d1")
    assert refused.value.location == (str(log), 3, None)
    numbered = [(where, number) for where, number, _ in numbered_log_objects(log, LogReport())]
    assert numbered == [(f"{log}:1", 1), (f"{log}:3", 3)]


#: (tag, commit, last known-good): whether the last known-good names the release.
_TARGETS = [
    ("v0.4.3", "9f2c4e1", "v0.4.2", False),
    ("v0.4.3", "9f2c4e1", "V0.4.3", True),
    ("v0.4.3", "9f2c4e1", " 0.4.3 ", True),
    ("v1.2.3", "9f2c4e1", "v1.2.30", False),
    ("v1.2.3", "9f2c4e1", "1.2.3-rc1", False),
    ("v0.4.3", "9f2c4e1", "9F2C4E1", True),
    ("v0.4.3", "9f2c4e1d0", "9f2c4e1", True),  # a prefix either way
    ("v0.4.3", "9f2c4e1", "9f2c4e1d0", True),
    ("v0.4.3", "9f2c4e1", "9f2c4e", False),  # shorter than 7: too short to name it
    ("v0.4.3", "9f2c", "9f2c4e1", False),
    ("vİ", "9f2c4e1", "vi", False),  # only ASCII letters are lowered, as lowerAscii() does
]


@pytest.mark.parametrize(("tag", "commit", "target", "refused"), _TARGETS)
def test_the_runner_refuses_the_targets_checklist_rollback_target_holds(
    tag: str, commit: str, target: str, refused: bool
):
    """The runner's guard and the shipped rule judge the same changes alike, so a rollback
    decided beside the rule never deploys what the rule calls the release itself."""
    from conftest import POLICIES
    from phasegate import cel

    change = {"tag": tag, "commit": commit, "last_known_good": target}
    (rule,) = [
        rule for rule in load_policy_set(POLICIES).rules if rule.id == "checklist.rollback-target"
    ]
    assert cel.evaluate(rule.when.text, {"facts": {"change": change}}) is refused
    assert (plan.release_as_target(change) is not None) is refused


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("v0.4.3", "refused: the last known-good v0.4.3 is the release being rolled back"),
        ("  ", "refused: no last known-good build named (change.last_known_good is blank)"),
    ],
)
def test_a_retried_rollback_never_deploys_what_the_rollback_refused(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, capsys, target: str, why: str
):
    """Review: `run` refuses to deploy a last known-good that is the release itself (or, now,
    blank), but `retry-rollback` of that same decision built its deploys without the guard
    and put the release back on the runners it named. Both refuse alike."""
    config = load_config(fleet.path / "phasegate.yaml")
    sets = tuple(
        (path, target if path == "change.last_known_good" else value) for path, value in SETS
    )
    outcome = run(
        config,
        load_policy_set(fleet.path / "policies"),
        StateDir(config.state_dir),
        CollectOptions(1, sets),
        dry_run=False,
    )
    assert outcome.exit_code(allow_pause=False) == 4
    assert fleet.deploys == []
    args = ["retry-rollback", "--decision", fleet.log[0]["id"], "--only-runners", "op-1"]
    assert in_process(monkeypatch, *args) == 4
    assert f"FAILED: deploy last known-good to op-1: {why}" in capsys.readouterr().err
    assert fleet.deploys == []
