"""An operator's bad day against the rollout's state: clocks that disagree between the
machines that write one decision log, a commit spelled short in one line and whole in
another, and what `closeout` makes of them. The gate must never close (or continue) a
change the log says still owes its rollback."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from hostile_gate import Gate, gate_fixture  # noqa: F401  (the `gate` fixture)

from conftest import POLICIES, call_cli, healthy, run_cli
from phasegate.state import rollout
from phasegate.state.statedir import StateDir


def logged(phase: int, at: str, verdict: str = "continue", started: str | None = None, **more):
    data = healthy(phase=phase, collected_at=at, phase_started_at=started or at, **more)
    return json.dumps({"event": "decision", "decision": {"verdict": verdict}, "facts": data})


def state_with(tmp_path: Path, lines: list[str]) -> Path:
    """A state dir whose log is `lines`, beside a config that runs no tools."""
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    (state / "decisions.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "phasegate.yaml").write_text("apiVersion: phasegate/v1\nkind: Config\n")
    return state


def status_of(state: Path) -> dict:
    """What `phasegate status --format json` shows of the state dir."""
    result = call_cli("status", "--state-dir", str(state), "--format", "json", cwd=state.parent)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def closeout(tmp_path: Path, lines: list[str], *args: str, process: bool = False):
    """`phasegate closeout` of a state dir whose log is `lines`; a refusal writes nothing.
    With `process`, a real one: closeout's exit 10 reaches a shell that way at least once."""
    state = state_with(tmp_path, lines)
    argv = ["closeout", "--state-dir", str(state), "--policies", str(POLICIES), *args]
    result = (run_cli if process else call_cli)(*argv, cwd=tmp_path)
    assert result.returncode == 0 or not (state / "closeout").exists()
    return result


def test_closeout_refuses_a_change_whose_rollback_is_owed_whatever_its_clock_said(
    tmp_path: Path,
):
    """Phase 2 ran 70 minutes on one machine; another, its clock an hour behind, logged a
    rollback after them at "08:01". Sorted by time, the rollback came first and the 69
    minutes after it looked like a stable window: the rollout was closed (and `status` said
    "nothing: the rollout is closed") with the rollback never applied."""
    started = "2026-11-20T08:00:00Z"
    lines = [
        logged(2, "2026-11-20T08:05:00Z", started=started),
        logged(2, "2026-11-20T08:40:00Z", started=started),
        logged(2, "2026-11-20T09:10:00Z", started=started),
        logged(2, "2026-11-20T08:01:00Z", "rollback", started=started),
    ]
    result = closeout(tmp_path, lines, process=True)
    assert result.returncode == 10, result.stderr
    assert result.stderr == (
        "phasegate: error: change 9f2c4e1: a rollback decided at 2026-11-20T08:01:00Z is "
        "owed (not applied and verified): the rollout is not over\n"
    )
    state = tmp_path / "state"
    assert (state / "decisions.jsonl").read_text() == "\n".join(lines) + "\n"  # no `closed`
    assert rollout.state_of(StateDir(state), "9f2c4e1").state == "rolling_back"


def test_closeout_refuses_a_change_that_stands_rolled_back(tmp_path: Path):
    started = "2026-11-20T08:00:00Z"
    lines = [
        logged(2, "2026-11-20T08:05:00Z", started=started),
        logged(2, "2026-11-20T09:10:00Z", started=started),
        logged(2, "2026-11-20T08:01:00Z", "rollback", started=started),
        json.dumps(rollout.rolled_back_record("d", "9f2c4e1", "2026-11-20T08:02:00Z")),
    ]
    result = closeout(tmp_path, lines)
    assert result.returncode == 10, result.stderr
    assert result.stderr == (
        "phasegate: error: change 9f2c4e1: rolled back at 2026-11-20T08:02:00Z: the rollout "
        'is not over (`phasegate resume --reason "..."` starts it over)\n'
    )


def test_closeout_counts_a_rollback_logged_under_the_commit_spelled_whole(tmp_path: Path):
    """The rollback was logged with the full sha, the other decisions with the short one
    (`same_change` everywhere else). Closeout compared them as strings, missed the rollback,
    and counted the Phase 2 before it: the phase re-entered 4 minutes ago was "stable"."""
    whole = {**healthy()["change"], "commit": "9f2c4e1aa0b1"}
    lines = [
        logged(2, "2026-11-20T08:05:00Z", started="2026-11-20T08:00:00Z"),
        logged(2, "2026-11-20T08:30:00Z", "rollback", change=whole),
        json.dumps(rollout.rolled_back_record("d", "9f2c4e1aa0b1", "2026-11-20T08:31:00Z")),
        json.dumps(rollout.resume_record("9f2c4e1aa0b1", "fixed", "2026-11-20T09:00:00Z")),
        logged(0, "2026-11-20T09:10:00Z"),
        logged(1, "2026-11-20T10:15:00Z", started="2026-11-20T09:10:00Z"),
        logged(2, "2026-11-20T10:20:00Z", started="2026-11-20T10:16:00Z"),
    ]
    result = closeout(tmp_path, lines)
    assert result.returncode == 10, result.stderr
    assert result.stderr == (
        "phasegate: error: change 9f2c4e1: Phase 2 started 2026-11-20T10:16:00Z, last "
        "decision 2026-11-20T10:20:00Z: 4m of the 1h00m stable window\n"
    )


# --- a rollback decision whose time was damaged is owed all the same ---------------------


def test_a_rollback_decision_with_a_damaged_time_is_still_owed(gate: Gate, monkeypatch, capsys):
    """A Phase 1 rollback line whose collected_at was damaged (a hand edit, a bad repair)
    was skipped with a warning like any line: the rollback was forgotten, and the next
    Phase 1 run continued (and could open Phase 2) with it never applied. A rolled_back
    line with a bad time already counts; a rollback decided counts too, its time unknown."""
    shutil.copy(POLICIES / "rollout.yaml", gate.path / "policies" / "rollout.yaml")
    gate.state.mkdir()
    record = {
        "event": "decision",
        "id": "d1",
        "decision": {"verdict": "rollback"},
        "facts": {"phase": 1, "collected_at": "2026-11-20 08:30", "change": {"commit": "abc1234"}},
    }
    gate.log.write_text(json.dumps(record) + "\n")
    code = gate.cli(*gate.run_args("none", 1), monkeypatch=monkeypatch)
    err = capsys.readouterr().err
    assert code == 20, err
    assert (
        f"warning: {gate.log}:1: collected_at is not an RFC 3339 time: '2026-11-20 08:30' "
        "(kept: a rollback is owed whatever its time)"
    ) in err
    last = json.loads(gate.log.read_text().splitlines()[1])
    assert last["decision"]["verdict"] == "rollback"
    # owed as of the snapshot that read it, the earliest time known to be after it
    owed = last["facts"]["rollout"]["rollback_decided_at"]
    assert owed == last["facts"]["collected_at"]
    fired = [r["id"] for r in last["decision"]["rules"] if r["status"] == "fired"]
    assert fired == ["rollout.rollback-unfinished"]
    state = rollout.state_of(StateDir(gate.state), "abc1234")
    assert state.state == "rolling_back" and state.resumable


# --- a Phase 1 continue from the future opens no Phase 2 ---------------------------------


def test_a_previous_phase_continue_after_this_snapshot_holds_phase_2(gate: Gate):
    """The Phase 1 continue was decided on a machine whose clock ran two hours ahead, so its
    window looked over 10 minutes in. Phase 2, collected on a right clock before that
    continue's time, waited on its window only: `--allow-pause` passed it (exit 0). A
    continue after the snapshot judging it is no proof the window passed: a hold."""
    shutil.copy(POLICIES / "windows.yaml", gate.path / "policies" / "windows.yaml")
    gate.state.mkdir()
    continued = {
        "event": "decision",
        "id": "d1",
        "decision": {"verdict": "continue", "rules": []},
        "facts": {
            "phase": 1,
            "collected_at": "2026-11-20T12:10:00Z",  # two hours ahead: 10:10 really
            "phase_started_at": "2026-11-20T10:00:00Z",
            "change": {"commit": "abc1234"},
        },
    }
    gate.log.write_text(json.dumps(continued) + "\n")
    args = [*gate.run_args("none", 2), "--set", "collected_at=2026-11-20T10:20:00Z"]
    result = run_cli(*args, "--allow-pause", "--format", "json", cwd=gate.path)
    assert result.returncode == 10, result.stdout + result.stderr
    decision = json.loads(result.stdout)
    fired = {r["id"]: r for r in decision["rules"] if r["status"] == "fired"}
    assert fired["rollout.phase-progression"]["message"].endswith(
        "last: 2026-11-20T12:10:00Z, after this snapshot (2026-11-20T10:20:00Z): a clock ahead "
        "(or `--set rollout.progression_override=REASON`)"
    )
    assert decision["pause_kind"] == "hold"


# --- an event that is not a name ---------------------------------------------------------


def test_closeout_skips_a_line_whose_event_is_not_a_name(tmp_path: Path):
    """`{"event": {"x": 1}}` (a hand edit, a bad merge of two logs) ended closeout with
    "internal error: TypeError: unhashable type: 'dict'" and exit 1, not a skipped line."""
    lines = [
        logged(2, "2026-11-20T08:00:00Z"),
        json.dumps({"event": {"x": 1}}),
        json.dumps({"event": ["closed"]}),
        logged(2, "2026-11-20T09:05:00Z", started="2026-11-20T08:00:00Z"),
    ]
    result = closeout(tmp_path, lines)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        "phasegate: warning: skipped 2 line(s) that are not decisions or events"
    )
    assert (tmp_path / "state" / "closeout" / "closeout-9f2c4e1.json").is_file()


# --- a rollback decided after closeout is owed like any other ------------------------------


def test_a_rollback_decided_after_closeout_is_owed_until_it_is_verified(
    gate: Gate, monkeypatch, capsys
):
    """`rollout.closed` is not final so a trigger still rolls back a closed change; but the
    fold passed over every decision after `closed`, so when that rollback's deploy failed
    nothing was owed: the next run only held on `rollout.closed` (the trigger gone quiet)
    and `status` said "nothing: the rollout is closed", the rollback never applied."""
    shutil.copy(POLICIES / "rollout.yaml", gate.path / "policies" / "rollout.yaml")
    gate.state.mkdir()
    rollback = json.loads(logged(2, "2026-11-20T12:00:00Z", "rollback"))
    rollback["id"] = "d2"
    rollback["facts"]["change"]["commit"] = "abc1234"
    lines = [
        json.dumps(rollout.closed_record("abc1234", "2026-11-20T11:00:00Z")),
        json.dumps(rollback),
        json.dumps(
            {
                "event": "action",
                "decision_id": "d2",
                "name": "rollback.deploy",
                "ok": False,
                "detail": "exit 1",
            }
        ),
    ]
    gate.log.write_text("\n".join(lines) + "\n")
    state = rollout.state_of(StateDir(gate.state), "abc1234")
    assert (state.state, state.rollback_decided_at) == ("rolling_back", "2026-11-20T12:00:00Z")
    code = gate.cli("status", "--change", "abc1234", "--format", "json", monkeypatch=monkeypatch)
    shown = json.loads(capsys.readouterr().out)
    assert code == 0 and shown["state"] == "rolling_back"
    assert shown["next"]["what"].startswith("finish the rollback")
    code = gate.cli(*gate.run_args("none", 2), "--format", "json", monkeypatch=monkeypatch)
    out = capsys.readouterr().out
    assert code == 20, out
    fired = [r["id"] for r in json.loads(out)["rules"] if r["status"] == "fired"]
    assert "rollout.rollback-unfinished" in fired


# --- resume without --change while a change owes its rollback ----------------------------


def test_resume_without_a_change_does_not_say_no_change_owes_a_rollback(tmp_path: Path):
    """A change owes its rollback (done by hand); `resume --reason` without `--change`
    looks only for changes standing rolled back, and said "no change is rolled back and
    owes no rollback": false, and no hint that naming the change resumes it."""
    state = state_with(tmp_path, [logged(2, "2026-11-20T08:30:00Z", "rollback")])
    log = state / "decisions.jsonl"
    result = run_cli("resume", "--state-dir", str(state), "--reason", "fixed", cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    assert result.stderr == (
        f"{log}: error: no change stands rolled back (one that owes its rollback is named: "
        "--change COMMIT): nothing to resume\n"
    )
    named = ["resume", "--state-dir", str(state), "--change", "9f2c4e1", "--reason", "fixed"]
    assert call_cli(*named, cwd=tmp_path).returncode == 0


# --- resume over a log of many changes -----------------------------------------------------


def many_changes(state: Path, count: int, event: str) -> list[str]:
    """A log of `count` changes, each rolled back (`event` rolled_back) or owing it."""
    commits = [hashlib.sha1(str(i).encode()).hexdigest() for i in range(count)]
    with (state / "decisions.jsonl").open("w") as log:
        for commit in commits:
            if event == "rolled_back":
                log.write(
                    json.dumps(rollout.rolled_back_record("d", commit, "2026-11-20T08:00:00Z"))
                )
            else:
                change = {"commit": commit}
                log.write(logged(1, "2026-11-20T08:00:00Z", "rollback", change=change))
            log.write("\n")
    return commits


def counted(monkeypatch, name: str) -> list[int]:
    """Count the calls of `rollout.<name>` (the work done, not the time it took)."""
    calls = [0]
    real = getattr(rollout, name)

    def counting(*args):
        calls[0] += 1
        return real(*args)

    monkeypatch.setattr(rollout, name, counting)
    return calls


def test_resume_reads_a_log_of_many_rolled_back_changes_in_one_pass(tmp_path: Path, monkeypatch):
    """Each rolled-back change was compared with every one seen before it: a log of 20,000
    took `resume --reason` 67 s of CPU (4 s for 5,000), quadratic in the changes."""
    state = tmp_path / "state"
    state.mkdir()
    commits = many_changes(state, 3000, "rolled_back")
    compared = counted(monkeypatch, "same_change")
    assert rollout.last_rolled_back(StateDir(state).records()) == commits[-1]
    assert compared[0] <= 2 * len(commits)  # was 4,498,500: each against each seen before


def test_resume_of_a_short_prefix_over_many_changes_answers_at_once(tmp_path: Path, monkeypatch):
    """`resume --change a` over 20,000 changes owing their rollbacks folded the whole log once
    per change the prefix named: 64 s of CPU before it said the prefix was ambiguous."""
    state = tmp_path / "state"
    state.mkdir()
    commits = many_changes(state, 3000, "rollback")
    steps = counted(monkeypatch, "step")
    named = rollout.resumable_changes(StateDir(state), "a")
    assert named == [commit for commit in commits if commit.startswith("a")]
    assert steps[0] <= 2 * len(commits)  # was one step per line per change named: 579,000
    monkeypatch.undo()
    (tmp_path / "phasegate.yaml").write_text("apiVersion: phasegate/v1\nkind: Config\n")
    args = ["resume", "--state-dir", str(state), "--change", commits[7][:12], "--reason", "x"]
    assert call_cli(*args, cwd=tmp_path).returncode == 0
    assert (
        json.loads((state / "decisions.jsonl").read_text().splitlines()[-1])["commit"]
        == (commits[7])
    )


# --- status of a rollback that froze deployments and is not done --------------------------


def test_status_of_a_frozen_change_still_owing_its_rollback_says_finish_it(tmp_path: Path):
    """A Phase 2 rollback freezes deployments; its deploy failed on op-2. `status` showed
    only "document the root cause, then `phasegate unfreeze`": the rollback left undone
    was nowhere in what comes next."""
    rollback = json.loads(logged(2, "2026-11-20T12:00:00Z", "rollback"))
    rollback["id"] = "d7"
    failed = {"event": "action", "decision_id": "d7", "name": "rollback.deploy", "ok": False}
    lines = [json.dumps(rollback), json.dumps({**failed, "detail": "exit 1", "runner": "op-2"})]
    state = state_with(tmp_path, lines)
    StateDir(state).set_freeze("phase 2 rollback of 9f2c4e1", "2026-11-20T12:00:00Z")
    shown = status_of(state)
    assert shown["state"] == "frozen"
    assert shown["next"]["what"] == (
        "finish the rollback: `phasegate retry-rollback --decision d7 --only-runners op-2`; "
        "document the root cause, then `phasegate unfreeze --rca PATH|URL`"
    )


def test_closeout_refuses_a_change_prefix_that_names_two_changes(tmp_path: Path):
    """Read by prefix, `--change 9f2c` would fold two releases into one record."""
    other = {**healthy()["change"], "commit": "9f2c77aa"}
    lines = [
        logged(2, "2026-11-20T08:00:00Z"),
        logged(2, "2026-11-20T09:05:00Z", started="2026-11-20T08:00:00Z"),
        logged(2, "2026-11-20T09:06:00Z", change=other),
    ]
    result = closeout(tmp_path, lines, "--change", "9f2c")
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        "phasegate: error: --change 9f2c: names more than one change (9f2c4e1, 9f2c77aa); "
        "give enough of the commit to name one\n"
    )
    assert closeout(tmp_path, lines, "--change", "9f2c4").returncode == 0


# --- a rollback decided while resume read the log ------------------------------------------


def test_resume_records_nothing_when_a_rollback_lands_while_it_reads_the_log(
    tmp_path: Path, monkeypatch, capsys
):
    """`resume` read that the change owed its rollback, a `run` then recorded a new Phase 2
    rollback of it (its deploy under way), and the resume line after it cleared that one
    too: had the deploy failed, nothing was owed and the change went on."""
    from phasegate import cli

    state = state_with(tmp_path, [logged(1, "2026-11-20T08:30:00Z", "rollback")])
    monkeypatch.chdir(tmp_path)
    read = rollout.state_of

    def read_then_a_rollback_lands(folder, commit):
        found = read(folder, commit)
        landed = json.loads(logged(2, "2026-11-20T09:30:00Z", "rollback"))
        StateDir(state).append_decision(landed)
        return found

    monkeypatch.setattr(rollout, "state_of", read_then_a_rollback_lands)
    with pytest.raises(SystemExit) as done:
        cli.main(["resume", "--state-dir", str(state), "--change", "9f2c4e1", "--reason", "x"])
    err = capsys.readouterr().err
    assert done.value.code == 3, err
    assert "while the resume was decided: nothing was recorded; run again" in err
    monkeypatch.undo()
    assert [json.loads(line).get("event") for line in (state / "decisions.jsonl").open()] == [
        "decision",
        "decision",
    ]
    assert rollout.state_of(StateDir(state), "9f2c4e1").rollback_decided_at is not None


# --- status after a Phase 0 rollback -----------------------------------------------------


def test_status_after_a_phase_0_rollback_gives_a_next_step_that_works(tmp_path: Path):
    """Phase 0's rollback is "stop promotion, fix, re-run Phase 0": nothing is deployed and
    nothing is owed. `status` said to finish it by hand from a remediation note, then
    `phasegate resume --change ...`, which refuses such a change (exit 3)."""
    shown = status_of(state_with(tmp_path, [logged(0, "2026-11-20T10:00:00Z", "rollback")]))
    assert shown["state"] == "rolling_back"
    assert shown["next"]["what"] == (
        "stop promotion, fix on the current branch, then run Phase 0 again: "
        "`phasegate run --phase 0` (in CI and in one operator environment)"
    )
    assert "resume" not in json.dumps(shown)
