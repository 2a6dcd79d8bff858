"""`phasegate closeout`: the record the guide asks for, once Phase 2's window has passed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import POLICIES, healthy
from phasegate.cli import main
from phasegate.core.policy import load_policy_set
from phasegate.errors import InputError, UsageProblem
from phasegate.runner.closeout import NotStable, parse_duration, read_decisions, write_closeout


def line(phase: int, at: str, verdict: str = "continue", **facts) -> str:
    data = healthy(phase=phase, collected_at=at, **facts)
    data.setdefault("phase_started_at", at)
    fired = [{"id": "health.new-failures", "status": "fired"}] if verdict != "continue" else []
    return json.dumps({"decision": {"verdict": verdict, "rules": fired}, "facts": data})


@pytest.fixture
def state(tmp_path: Path) -> Path:
    folder = tmp_path / "state"
    folder.mkdir()
    lines = [
        line(1, "2026-11-20T08:00:00Z", phase_started_at="2026-11-20T08:00:00Z"),
        "{torn",
        '{"freeze": true}',
        line(
            1,
            "2026-11-20T08:30:00Z",
            "rollback",
            phase_started_at="2026-11-20T08:00:00Z",
            extra={"new_failure_categories": ["lock_poisoned", "timeout"]},
            incidents=[{"id": "INC-7", "severity": "P1", "status": "open", "title": "a|b"}],
        ),
        # the rollback applied and verified, the change resumed: else it is still owed
        '{"event": "rolled_back", "commit": "9f2c4e1", "at": "2026-11-20T08:40:00Z"}',
        '{"event": "resume", "commit": "9f2c4e1", "reason": "fixed", "at": "2026-11-20T09:00:00Z"}',
        line(2, "2026-11-20T10:00:00Z", phase_started_at="2026-11-20T10:00:00Z"),
        line(
            2,
            "2026-11-20T11:00:00Z",
            phase_started_at="2026-11-20T10:00:00Z",
            incidents=[{"id": "INC-7", "severity": "P1", "status": "resolved", "title": "a|b"}],
        ),
    ]
    (folder / "decisions.jsonl").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def policies():
    return load_policy_set(POLICIES)


def test_the_record_after_the_window(state: Path, policies, tmp_path: Path):
    markdown, data, skipped = write_closeout(state, policies)
    assert skipped == 2
    assert markdown == state / "closeout" / "closeout-9f2c4e1.md"
    record = json.loads(data.read_text())
    assert record["change"]["commit"] == "9f2c4e1"
    assert [(p["phase"], p["start"], p["end"], p["last"]) for p in record["phases"]] == [
        (1, "2026-11-20T08:00:00Z", "2026-11-20T08:30:00Z", "rollback"),
        (2, "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z", "continue"),
    ]
    assert record["phases"][0]["decisions"] == {"continue": 1, "pause": 0, "rollback": 1}
    assert record["rollbacks"] == [
        {"at": "2026-11-20T08:30:00Z", "phase": 1, "fired": ["health.new-failures"]}
    ]
    assert record["incidents"][0]["status"] == "resolved"  # the last status seen
    assert record["new_failure_categories"] == [
        {"category": "lock_poisoned", "events": 1, "in_taxonomy": False},
        {"category": "timeout", "events": 1, "in_taxonomy": True},
    ]
    error_rate = next(m for m in record["metrics"] if m["name"] == "error_rate")
    assert (error_rate["value"], error_rate["baseline"]) == (0.012, 0.011)
    text = markdown.read_text()
    assert "lock\\_poisoned: 1 event(s) (new: add to docs/ERROR_TROUBLESHOOTING.md" in text
    assert "a\\|b" in text  # facts cannot break the Markdown table or list
    # deterministic: the same log gives the same bytes
    again = write_closeout(state, policies, output=tmp_path / "again")
    assert again[0].read_text() == text and again[1].read_text() == data.read_text()


def test_event_lines_of_the_log_are_not_counted_as_skipped(state: Path):
    """`run`, `retry-rollback` and `resume` write event lines into the same log: they are
    what the log is for, so warning about them would teach people to ignore the warning."""
    log = state / "decisions.jsonl"
    events = [
        {"event": "action", "decision_id": "d1", "name": "notify", "ok": True},
        {"event": "retry", "decision_id": "d1", "runners": ["op-1"]},
        {"event": "rolled_back", "decision_id": "d1", "commit": "9f2c4e1", "at": "x"},
        {"event": "resume", "commit": "9f2c4e1", "reason": "fixed", "at": "x"},
    ]
    with log.open("a") as handle:
        handle.writelines(json.dumps(event) + "\n" for event in events)
        handle.write('{"event": "from-the-future"}\n')
    _, skipped = read_decisions(log)
    assert skipped == 3  # the torn line, the stray object, the unknown event kind


@pytest.mark.parametrize("window", ["61m", "2h"])
def test_refused_before_the_window_has_passed(state: Path, policies, window):
    with pytest.raises(NotStable, match="stable window") as caught:
        write_closeout(state, policies, window=window)
    assert caught.value.exit_code == 10
    assert not (state / "closeout").exists()


def test_refused_when_phase2_did_not_end_in_continue_or_never_started(state: Path, policies):
    log = state / "decisions.jsonl"
    log.write_text(log.read_text() + line(2, "2026-11-20T11:05:00Z", "pause") + "\n")
    with pytest.raises(NotStable, match="is pause"):
        write_closeout(state, policies)
    log.write_text(line(1, "2026-11-20T08:00:00Z") + "\n")
    with pytest.raises(NotStable, match="no Phase 2 decision"):
        write_closeout(state, policies)


def test_bad_input_is_one_clear_line(tmp_path: Path, policies, state: Path):
    with pytest.raises(InputError, match="decision log not found: /"):
        read_decisions(tmp_path / "nowhere" / "decisions.jsonl")
    with pytest.raises(InputError, match="no decisions for change abc"):
        write_closeout(state, policies, commit="abc")
    with pytest.raises(InputError, match="not a duration"):
        write_closeout(state, policies, window="soon")
    assert parse_duration("1h30m", "x").total_seconds() == 5400


def test_no_window_anywhere_is_a_usage_error(state: Path, tmp_path: Path):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "x.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Policy\nname: x\n"
        "rules: [{id: x.a, when: 'false', verdict: pause}]\n"
    )
    with pytest.raises(UsageProblem, match="--window"):
        write_closeout(state, load_policy_set(folder))


def test_the_cli_exit_codes(state: Path, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "phasegate.yaml").write_text("apiVersion: phasegate/v1\nkind: Config\n")
    args = ["closeout", "--state-dir", str(state), "--policies", str(POLICIES)]
    with pytest.raises(SystemExit) as done:
        main([*args, "--window", "3h"])
    assert done.value.code == 10
    assert "stable window" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        main([*args, "-o", str(tmp_path / "out" / "rec")])
    assert done.value.code == 0
    assert (tmp_path / "out" / "rec.md").is_file() and (tmp_path / "out" / "rec.json").is_file()


def test_o_base_gets_its_suffixes_added_never_swapped(state: Path, tmp_path: Path):
    """`-o out/v0.4.3` wrote out/v0.4.md and out/v0.4.json: the record of v0.4.2 overwrote
    the same two files. BASE.md and BASE.json, as the README says."""
    markdown, data, _ = write_closeout(
        state, load_policy_set(POLICIES), output=tmp_path / "out" / "v0.4.3"
    )
    assert (markdown.name, data.name) == ("v0.4.3.md", "v0.4.3.json")
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "v0.4.3.json",
        "v0.4.3.md",
    ]


# --- issue 16, item 8: exact windows, acted-on decisions only, the root cause ------------


def short_log(state: Path, *extra: str) -> None:
    (state / "decisions.jsonl").write_text(
        "\n".join(
            [
                line(1, "2026-11-20T09:00:00Z", phase_started_at="2026-11-20T08:00:00Z"),
                *extra,
                line(2, "2026-11-20T10:00:00Z", phase_started_at="2026-11-20T10:00:00Z"),
                line(2, "2026-11-20T10:00:38Z", phase_started_at="2026-11-20T10:00:00Z"),
            ]
        )
        + "\n"
    )


def test_windows_under_a_minute_are_printed_in_seconds(state: Path, policies):
    short_log(state)
    with pytest.raises(NotStable, match=r"38s of the 1m stable window"):
        write_closeout(state, policies, window="1m")
    _, data, _ = write_closeout(state, policies, window="30s")
    assert json.loads(data.read_text())["window"] == "30s"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(38, "38s"), (60, "1m"), (90, "1m30s"), (3600, "1h00m"), (3905, "1h05m05s")],
)
def test_durations_are_exact(seconds, text):
    from datetime import timedelta

    from phasegate.runner.closeout import _human

    assert _human(timedelta(seconds=seconds)) == text


def test_a_refused_phase_skip_is_not_a_phase_start(state: Path, policies):
    """Phase 2 tried at 08:30, refused by rollout.phase-progression: Phase 2 started at
    10:00, when it was earned, not at the refused attempt."""
    refused = json.loads(line(2, "2026-11-20T08:30:00Z", "pause"))
    refused["decision"]["rules"] = [{"id": "rollout.phase-progression", "status": "fired"}]
    short_log(state, json.dumps(refused))
    _, data, _ = write_closeout(state, policies, window="30s")
    phases = json.loads(data.read_text())["phases"]
    assert [phase["phase"] for phase in phases] == [1, 2]
    phase2 = phases[1]
    assert (phase2["start"], phase2["decisions"]["pause"]) == ("2026-11-20T10:00:00Z", 0)


def test_a_phase_held_for_phase_0_environments_is_not_a_phase_start(state: Path, policies):
    """Phase 1 tried at 07:50 after Phase 0 passed in CI only, held by
    rollout.phase0-environments: the phase was not entered, so Phase 1 started at 08:00."""
    held = json.loads(
        line(1, "2026-11-20T07:50:00Z", "pause", phase_started_at="2026-11-20T07:50:00Z")
    )
    held["decision"]["rules"] = [{"id": "rollout.phase0-environments", "status": "fired"}]
    (state / "decisions.jsonl").write_text(
        json.dumps(held) + "\n" + (state / "decisions.jsonl").read_text()
    )
    _, data, _ = write_closeout(state, policies)
    phase1 = json.loads(data.read_text())["phases"][0]
    assert phase1["phase"] == 1
    assert (phase1["start"], phase1["decisions"]["pause"]) == ("2026-11-20T08:00:00Z", 0)


def test_unfreeze_records_the_root_cause_in_the_log_and_the_closeout(
    state: Path, policies, tmp_path: Path
):
    from conftest import call_cli, run_cli
    from phasegate.state.statedir import StateDir

    short_log(state)
    StateDir(state).set_freeze("phase 2 rollback of v0.4.3", "2026-11-20T09:30:00Z")
    rca = tmp_path / "rca-INC-7.md"
    args = ["unfreeze", "--state-dir", str(state)]
    assert call_cli(*args, "--reason", "fixed", cwd=tmp_path).returncode == 2  # no --rca
    missing = call_cli(*args, "--rca", str(rca), cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert (state / "freeze.json").exists()
    rca.write_text("# INC-7\n")
    lifted = run_cli(*args, "--rca", str(rca), cwd=tmp_path)
    assert lifted.returncode == 0, lifted.stderr
    assert not (state / "freeze.json").exists()
    [logged] = [
        json.loads(text)
        for text in (state / "decisions.jsonl").read_text().splitlines()
        if '"unfreeze"' in text
    ]
    assert logged["rca"] == str(rca) and logged["was"]["reason"] == "phase 2 rollback of v0.4.3"
    markdown, data, skipped = write_closeout(state, policies, window="30s")
    assert skipped == 0  # the unfreeze line is an event, not damage
    [found] = json.loads(data.read_text())["root_causes"]
    assert found["rca"] == str(rca)
    assert f"{rca}".replace("_", "\\_") in markdown.read_text()
    url = call_cli(*args, "--rca", "https://wiki.example/INC-7", cwd=tmp_path)
    assert url.returncode == 0 and "no freeze was active" in url.stderr


def test_closeout_closes_the_change_once(state: Path, policies, tmp_path: Path):
    """A closed change is a hold: `status` says closed and its next snapshot holds."""
    from conftest import call_cli
    from phasegate.state import rollout
    from phasegate.state.statedir import StateDir

    write_closeout(state, policies)
    write_closeout(state, policies, output=tmp_path / "again")
    closed = [r for r in StateDir(state).records() if r.get("event") == "closed"]
    assert closed == [{"event": "closed", "commit": "9f2c4e1", "at": "2026-11-20T11:00:00Z"}]
    current = rollout.state_of(StateDir(state), "9f2c4e1")
    assert current.state == "closed"
    facts = rollout.facts_of(current, 2)
    assert (facts["state"], facts["closed_at"]) == ("closed", "2026-11-20T11:00:00Z")
    shown = call_cli("status", "--state-dir", str(state), "--format", "json", cwd=tmp_path)
    assert json.loads(shown.stdout)["state"] == "closed"


def test_the_stable_window_restarts_at_the_last_unclean_phase2_decision(state: Path, policies):
    """The guide: "close the rollout only after a stable monitoring window". A Phase 2
    paused for new failures at 10:30 was closed at 11:00, its window counted from 10:00."""
    log = state / "decisions.jsonl"
    started = {"phase_started_at": "2026-11-20T10:00:00Z"}
    log.write_text(log.read_text() + line(2, "2026-11-20T10:30:00Z", "pause", **started) + "\n")
    with pytest.raises(NotStable, match="window restarted 2026-11-20T10:30:00Z") as caught:
        write_closeout(state, policies)
    assert caught.value.exit_code == 10
    log.write_text(log.read_text() + line(2, "2026-11-20T11:30:00Z", **started) + "\n")
    markdown, _, _ = write_closeout(state, policies)
    assert markdown.is_file()


# --- exit 3 of closeout and unfreeze, in a real process ----------------------------------


def test_closeout_without_a_decision_log_exits_3_in_one_line(tmp_path: Path):
    """`--help`: exit 3 is no usable decision log. A state dir where nothing was decided."""
    from conftest import run_cli

    state = tmp_path / "state"
    state.mkdir()
    done = run_cli("closeout", "--state-dir", str(state), "--policies", str(POLICIES), cwd=tmp_path)
    log = state / "decisions.jsonl"
    assert (done.returncode, done.stdout) == (3, "")
    assert done.stderr == f"{log}: error: decision log not found: {log}\n"
    assert not (state / "closeout").exists()


def frozen(tmp_path: Path) -> tuple[Path, Path]:
    """A state dir frozen by a phase 2 rollback, and a root-cause document."""
    from phasegate.state.statedir import StateDir

    state = tmp_path / "state"
    state.mkdir()
    StateDir(state).set_freeze("phase 2 rollback of v0.4.3", "2026-11-20T09:30:00Z")
    rca = tmp_path / "rca.md"
    rca.write_text("# root cause\n")
    return state, rca


def unfreeze_exits_3(run, state: Path, rca: Path, cwd: Path, error: str) -> None:
    """`unfreeze` of `frozen`'s state dir exits 3, nothing on stdout; on stderr what it was
    lifting, then the one error line `error`."""
    done = run("unfreeze", "--state-dir", str(state), "--rca", str(rca), cwd=cwd)
    assert (done.returncode, done.stdout) == (3, "")
    assert done.stderr.splitlines() == [
        "phasegate: lifting the freeze: phase 2 rollback of v0.4.3",
        error,
    ]


def test_unfreeze_whose_state_dir_cannot_be_written_exits_3_in_one_line(tmp_path: Path):
    """`--help`: exit 3 is a state dir that cannot be written. The unfreeze line cannot be
    appended to the decision log (a folder stands in its place): the freeze stands."""
    from conftest import run_cli

    state, rca = frozen(tmp_path)
    (state / "decisions.jsonl").mkdir()
    unfreeze_exits_3(
        run_cli,
        state,
        rca,
        tmp_path,
        f"{state / 'decisions.jsonl'}: error: not a regular file (directory)",
    )
    assert (state / "freeze.json").exists()
    # The freeze log, written first before, said "unfreeze" beside the freeze that stood.
    logged = (state / "freeze-log.jsonl").read_text().splitlines()
    assert [json.loads(line)["event"] for line in logged] == ["freeze"]


def test_unfreeze_whose_freeze_log_cannot_be_written_says_the_freeze_was_lifted(
    tmp_path: Path,
):
    """The decision log holds the unfreeze, so the freeze is lifted; the freeze log (an
    audit copy) could not take its line, and the one error line says both, exit 3."""
    from conftest import call_cli

    state, rca = frozen(tmp_path)
    (state / "freeze-log.jsonl").unlink()
    (state / "freeze-log.jsonl").mkdir()
    unfreeze_exits_3(
        call_cli,
        state,
        rca,
        tmp_path,
        f"{state / 'freeze-log.jsonl'}: error: the freeze was lifted and recorded in "
        "decisions.jsonl, but not in freeze-log.jsonl: not a regular file (directory)",
    )
    assert not (state / "freeze.json").exists()
    (line,) = (state / "decisions.jsonl").read_text().splitlines()
    assert json.loads(line)["event"] == "unfreeze"
    assert json.loads(line)["rca"] == str(rca)


def test_unfreeze_whose_freeze_cannot_be_removed_says_it_stands(tmp_path: Path, monkeypatch):
    """The decision log took the line, then freeze.json could not be removed (a file the
    system will not let go, as `chattr +i` makes it): one error line, exit 3, the freeze
    stands for every later `run`, and the freeze log holds no unfreeze."""
    from conftest import call_cli
    from phasegate.state.statedir import StateDir

    state, rca = frozen(tmp_path)
    unlink = Path.unlink

    def refused(path: Path, missing_ok: bool = False) -> None:
        if path.name == "freeze.json":
            raise PermissionError(1, "Operation not permitted")
        unlink(path, missing_ok)

    monkeypatch.setattr(Path, "unlink", refused)
    unfreeze_exits_3(
        call_cli,
        state,
        rca,
        tmp_path,
        f"{state / 'freeze.json'}: error: the unfreeze was recorded in decisions.jsonl, but "
        "the freeze could not be lifted: Operation not permitted; it stands",
    )
    assert StateDir(state).freeze() == {
        "active": True,
        "reason": "phase 2 rollback of v0.4.3",
        "since": "2026-11-20T09:30:00Z",
    }
    logged = (state / "freeze-log.jsonl").read_text().splitlines()
    assert [json.loads(line)["event"] for line in logged] == ["freeze"]
    (line,) = (state / "decisions.jsonl").read_text().splitlines()
    assert json.loads(line)["event"] == "unfreeze"
