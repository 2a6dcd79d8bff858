"""Hostile inputs and races against the commands that change or read a rollout's state:
`run` and `evaluate` with a policy set that judges nothing in the phase, `retry-rollback`
of a decision line edited by hand, `closeout` after a rollback restarted the change,
`status` of a log near the end of time, and a `continue` decided while another command
recorded a rollback and its freeze."""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from hostile_gate import POLICY, Gate, gate_fixture  # noqa: F401  (the `gate` fixture)

from conftest import FIXTURES, call_cli, healthy
from phasegate.errors import InputError
from phasegate.files.loading import load_document
from phasegate.runner.closeout import NotStable, closeout, read_decisions
from phasegate.state import rollout
from phasegate.state.statedir import StateDir
from phasegate.state.status import status

# --- a phase no live rule applies to has no verdict --------------------------------------


def test_evaluate_refuses_a_phase_no_rule_of_the_set_judges(tmp_path: Path):
    (tmp_path / "only2").mkdir()
    (tmp_path / "only2" / "p.yaml").write_text(POLICY.replace("[0, 1, 2]", "[2]"))
    facts = str(FIXTURES / "phase1-health.error-rate-elevated.yaml")
    result = call_cli("evaluate", facts, "--policies", str(tmp_path / "only2"), "--allow-pause")
    assert result.returncode == 3, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr == (
        f"{tmp_path / 'only2'}: error: no rule of this policy set applies to phase 1 (shadow "
        "rules do not decide): nothing would judge it, so there is no verdict\n"
    )


def test_replay_and_policy_tests_refuse_a_phase_no_rule_judges_as_evaluate_does(tmp_path: Path):
    """The review found `replay` saying continue for every snapshot of a phase the set does
    not judge, where `evaluate` of the same snapshot has no verdict (exit 3)."""
    (tmp_path / "only2").mkdir()
    (tmp_path / "only2" / "p.yaml").write_text(POLICY.replace("[0, 1, 2]", "[2]"))
    snapshot = load_document(FIXTURES / "phase1-health.error-rate-elevated.yaml").data
    (tmp_path / "rec.jsonl").write_text(json.dumps(snapshot) + "\n")
    refused = (
        f"{tmp_path / 'only2'}: error: no rule of this policy set applies to phase 1 (shadow "
        "rules do not decide): nothing would judge it, so there is no verdict"
    )
    for output in ("text", "json", "markdown", "html"):
        result = call_cli(
            "replay",
            str(tmp_path / "rec.jsonl"),
            "--policies",
            str(tmp_path / "only2"),
            "--format",
            output,
        )
        assert result.returncode == 3, result.stdout + result.stderr
        # the snapshot is named too, as `test` names its case
        snapshot = f"{tmp_path / 'rec.jsonl'}:1: error: {tmp_path / 'only2'}: "
        assert result.stderr.splitlines()[-1] == snapshot + refused.split(": error: ", 1)[1]
        assert result.stdout == ""  # not a torn document ('{"recordings": [' was printed)
    (tmp_path / "only2" / "tests").mkdir()
    (tmp_path / "only2" / "tests" / "t.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: PolicyTest\nname: t\npolicies: ..\ncases:\n"
        f"  - name: phase 1\n    facts: {FIXTURES / 'phase1-health.error-rate-elevated.yaml'}\n"
        "    expect: {verdict: continue}\n"
    )
    tested = call_cli("test", str(tmp_path / "only2" / "tests"), cwd=tmp_path)
    assert tested.returncode == 3, tested.stdout + tested.stderr
    # the case is named too: a suite of many files and cases must say which one
    case = f"{tmp_path / 'only2' / 'tests' / 't.yaml'}:6:5: error: case 'phase 1': "
    assert tested.stderr.splitlines()[-1] == case + refused.replace(": error:", ":", 1)


def test_diff_names_the_document_a_set_that_judges_no_rule_of_its_phase_skips(tmp_path: Path):
    """A review found `diff` warning "only2: warning: skipped: no rule ..." once per
    document, naming the policy folder each time and never the document skipped."""
    (tmp_path / "only2").mkdir()
    (tmp_path / "only2" / "p.yaml").write_text(POLICY.replace("[0, 1, 2]", "[2]"))
    (tmp_path / "all").mkdir()
    (tmp_path / "all" / "p.yaml").write_text(POLICY)
    phase1 = FIXTURES / "phase1-health.error-rate-elevated.yaml"
    phase2 = FIXTURES / "phase2-healthy.yaml"
    args = ["--base", str(tmp_path / "only2"), "--policies", str(tmp_path / "all")]
    result = call_cli("diff", *args, "--corpus", str(phase1), "--corpus", str(phase2))
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        f"{phase1}: warning: skipped: {tmp_path / 'only2'}: no rule of this policy set "
        "applies to phase 1 (shadow rules do not decide): nothing would judge it, so there "
        "is no verdict\n"
    )


@pytest.mark.parametrize("change", ["phases: [0, 1, 2]\nrules:", "phases: [2]\nrules:"])
def test_run_refuses_a_phase_judged_only_by_shadow_rules_or_none(gate: Gate, change):
    text = POLICY.replace("phases: [0, 1, 2]\nrules:", change)
    if change.startswith("phases: [0"):  # every rule in the phase is a shadow rule
        text = text.replace("    verdict: rollback\n", "    verdict: rollback\n    mode: shadow\n")
        text = text.replace("    verdict: pause\n", "    verdict: pause\n    mode: shadow\n")
    (gate.path / "policies" / "hostile.yaml").write_text(text)
    with pytest.raises(InputError, match="no rule of this policy set applies to phase 0"):
        gate.run("continue", 0)
    assert not gate.state.exists()  # refused before the state dir is touched


# --- retry-rollback of a decision line edited by hand or from another version ------------

RUNNERS = """\
rollback:
  runners: [op-1, op-2]
  deploy: [{python}, -c, "open('deployed', 'a').write('x')", "{{{{ runner }}}}"]
  on_runner: []
"""

GOOD = {
    "verdict": "rollback",
    "phase": 1,
    "collected_at": "2026-11-20T10:00:00Z",
    "change": {"commit": "abc1234"},
}


@pytest.mark.parametrize(
    ("decision", "facts", "why"),
    [
        ("rollback", {}, "its decision and facts are not both objects"),
        ({"verdict": "rollback"}, {}, "phase None is not 0, 1 or 2"),
        ({**GOOD, "phase": True}, {}, "phase True is not 0, 1 or 2"),
        ({**GOOD, "collected_at": None}, {}, "decision.collected_at is not an RFC 3339"),
        (GOOD, [], "its decision and facts are not both objects"),
        ({**GOOD, "change": "abc"}, {}, "decision.change is not an object"),
        (GOOD, {"collected_at": "garbage"}, "facts.collected_at is not an RFC 3339"),
        (GOOD, {"collected_at": "2026-11-20T10:00:00Z"}, "facts.change is not an object"),
    ],
)
def test_retry_refuses_a_decision_line_it_cannot_apply_at_its_line(
    gate: Gate, monkeypatch, capsys, decision, facts, why
):
    gate.configure(RUNNERS.format(python=sys.executable))
    gate.state.mkdir()
    line = {"event": "decision", "id": "d1", "decision": decision, "facts": facts}
    gate.log.write_text('{"event": "other"}\n' + json.dumps(line) + "\n")
    code = gate.cli(
        "retry-rollback", "--decision", "d1", "--only-runners", "op-1", monkeypatch=monkeypatch
    )
    err = capsys.readouterr().err
    assert code == 3, err
    assert err.startswith(f"{gate.log}:2: error: decision 'd1' cannot be applied again: {why}")
    assert len(err.splitlines()) == 1
    assert not (gate.path / "deployed").exists()


# --- closeout counts the stable window from after the last rollback ----------------------


def logged(phase: int, at: str, verdict: str = "continue", started: str | None = None, **more):
    data = healthy(phase=phase, collected_at=at, phase_started_at=started or at, **more)
    return json.dumps({"event": "decision", "decision": {"verdict": verdict}, "facts": data})


def test_closeout_does_not_count_a_phase_2_a_rollback_interrupted(tmp_path: Path):
    """Phase 2 ran an hour, rolled back, was resumed, and is back in Phase 2 for 5 minutes:
    its stable window has not passed, whatever the first Phase 2 did."""
    log = tmp_path / "decisions.jsonl"
    log.write_text(
        "\n".join(
            [
                logged(2, "2026-11-20T10:00:00Z"),
                logged(2, "2026-11-20T11:10:00Z", started="2026-11-20T10:00:00Z"),
                logged(2, "2026-11-20T11:20:00Z", "rollback", started="2026-11-20T10:00:00Z"),
                json.dumps(rollout.rolled_back_record("d", "9f2c4e1", "2026-11-20T11:20:00Z")),
                json.dumps(rollout.resume_record("9f2c4e1", "fixed", "2026-11-20T12:00:00Z")),
                logged(0, "2026-11-20T12:10:00Z"),
                logged(1, "2026-11-20T13:15:00Z", started="2026-11-20T12:10:00Z"),
                # phase.json still held the first Phase 2's start: the log says so too
                logged(2, "2026-11-20T13:20:00Z", started="2026-11-20T10:00:00Z"),
            ]
        )
        + "\n"
    )
    entries, _ = read_decisions(log)
    with pytest.raises(NotStable, match=r"Phase 2 started 2026-11-20T13:20:00Z.*: 0s of the 1h00m"):
        closeout(entries, timedelta(hours=1))
    later = logged(2, "2026-11-20T14:25:00Z", started="2026-11-20T13:15:00Z")
    log.write_text(log.read_text() + later + "\n")
    entries, _ = read_decisions(log)
    record = closeout(entries, timedelta(hours=1))  # 1h10m after the phase reopened
    assert record["rollbacks"] == [{"at": "2026-11-20T11:20:00Z", "phase": 2, "fired": []}]


# --- status of a log whose phase started near the end of time ----------------------------


def test_status_of_a_start_whose_window_ends_past_year_9999(gate: Gate, monkeypatch, capsys):
    gate.state.mkdir()
    decision = {
        "verdict": "pause",
        "pause_kind": "wait",
        "rules": [{"id": "window.phase1-stable", "status": "fired", "message": "wait"}],
    }
    facts = {
        "phase": 1,
        "collected_at": "2026-11-20T10:00:00Z",
        "phase_started_at": "9999-12-31T23:59:59Z",
        "change": {"commit": "abc1234"},
    }
    gate.log.write_text(json.dumps({"decision": decision, "facts": facts}) + "\n")
    shown = status(rollout.state_of(StateDir(gate.state), "abc1234"), {1: timedelta(hours=1)})
    assert shown["state"] == "paused" and shown["next"]["when"] is None
    code = gate.cli("status", "--format", "json", monkeypatch=monkeypatch)
    assert code == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["next"]["when"] is None


# --- a continue decided while another command recorded a rollback and its freeze --------


def test_a_continue_decided_beside_a_phase_2_rollback_is_neither_recorded_nor_acted_on(
    gate: Gate,
):
    """The other run is real and starts while this one collects (it is this run's check),
    so it records its rollback and freeze after this run read the log and the freeze."""
    other = ["run", "--config", "other.yaml", "--phase", "2", "--policies", "policies"]
    other += ["--set", "change.commit=abc1234", "--set", "extra.want=rollback"]
    (gate.path / "other.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Config\nstate_dir: state\n"
    )
    gate.configure(f"""\
    checks:
      beside: {{command: {json.dumps([sys.executable, "-m", "phasegate", *other])}, timeout: 60}}
    actions:
      continue:
        - name: promote
          command: [{sys.executable}, -c, "open('promoted', 'w')"]
    """)
    with pytest.raises(
        InputError, match="another command set or lifted the freeze, or recorded a rollback"
    ):
        gate.run("continue", 2)
    assert not (gate.path / "promoted").exists()
    log = [json.loads(line) for line in gate.log.read_text().splitlines()]
    assert [line["decision"]["verdict"] for line in log if line["event"] == "decision"] == [
        "rollback"
    ]
    assert json.loads((gate.state / "freeze.json").read_text())["active"] is True
    # nothing changed meanwhile: the next run decides and records as usual (held by nothing
    # in this one-policy gate, so a continue, now recorded after the rollback)
    gate.configure()
    assert gate.run("continue", 2).exit_code(allow_pause=False) == 0


# --- resume --change with a prefix of more than one rolled-back change -------------------


def test_resume_of_a_prefix_resumes_one_named_change_never_its_neighbours(
    gate: Gate, monkeypatch, capsys
):
    gate.state.mkdir()
    ended = [
        rollout.rolled_back_record("d1", "abc1234", "2026-11-20T10:00:00Z"),
        rollout.rolled_back_record("d2", "a9f0000", "2026-11-20T11:00:00Z"),
    ]
    gate.log.write_text("".join(json.dumps(line) + "\n" for line in ended))
    code = gate.cli("resume", "--change", "a", "--reason", "fixed", monkeypatch=monkeypatch)
    assert code == 2
    assert "--change a: names 2 rolled-back changes (abc1234, a9f0000)" in capsys.readouterr().err
    assert len(gate.log.read_text().splitlines()) == 2  # nothing resumed
    code = gate.cli(
        "resume", "--change", "abc1234f00d", "--reason", "fixed", monkeypatch=monkeypatch
    )
    assert code == 0
    assert json.loads(gate.log.read_text().splitlines()[-1])["commit"] == "abc1234"
    state = StateDir(gate.state)
    assert rollout.state_of(state, "abc1234").state == "resumed"
    assert rollout.state_of(state, "a9f0000").state == "rolled_back"  # still held


# --- retry-rollback of a rollback the change has moved on from ---------------------------


def rollback_line(decision_id: str = "d1") -> dict:
    change = {"commit": "abc1234", "last_known_good": "v0.4.2"}
    return {
        "event": "decision",
        "id": decision_id,
        "decision": {**GOOD, "change": change},
        "facts": {"phase": 1, "collected_at": GOOD["collected_at"], "change": change},
    }


@pytest.mark.parametrize("since", ["resumed", "continued"])
def test_retry_of_a_rollback_the_change_moved_on_from_deploys_nothing(
    gate: Gate, monkeypatch, capsys, since
):
    """After a resume (or a later continue) the runners may carry the change again: an old
    retry command, run from a stale job log, must not put the old version back on them."""
    gate.configure(RUNNERS.format(python=sys.executable))
    gate.state.mkdir()
    later = {
        "resumed": [
            rollout.rolled_back_record("d1", "abc1234", "2026-11-20T10:05:00Z"),
            rollout.resume_record("abc1234", "fixed", "2026-11-20T11:00:00Z"),
        ],
        "continued": [
            {
                **rollback_line("d2"),
                "decision": {**GOOD, "verdict": "continue"},
                "facts": {**rollback_line()["facts"], "collected_at": "2026-11-20T12:00:00Z"},
            }
        ],
    }[since]
    gate.log.write_text("".join(json.dumps(line) + "\n" for line in [rollback_line(), *later]))
    before = gate.log.read_text()
    code = gate.cli(
        "retry-rollback", "--decision", "d1", "--only-runners", "op-1", monkeypatch=monkeypatch
    )
    err = capsys.readouterr().err
    assert code == 3, err
    assert f"{gate.log}: error: decision 'd1' no longer stands: change abc1234 was resumed" in err
    assert not (gate.path / "deployed").exists()
    assert gate.log.read_text() == before  # no retry line either


# --- closeout --window too long for a clock ----------------------------------------------


def test_closeout_refuses_a_window_too_long_to_count(gate: Gate, monkeypatch, capsys):
    gate.state.mkdir()
    gate.log.write_text(logged(2, "2026-11-20T10:00:00Z") + "\n")
    code = gate.cli("closeout", "--window", "99999999999999999999h", monkeypatch=monkeypatch)
    assert code == 3
    assert capsys.readouterr().err == (
        "--window: error: too long a duration: '99999999999999999999h'\n"
    )


# --- a torn tail larger than memory should be --------------------------------------------


@pytest.mark.parametrize(
    "tail",
    [
        # a killed writer's torn tail: no final newline
        b'{"event":"decision","facts":"' + b"x" * (32 * 1024 * 1024),
        # a whole last line longer than any reader reads (16 MiB, skipped by all of them):
        # the review found it read into memory to check it was JSON
        b'{"event":"decision","facts":"' + b"x" * (20 * 1024 * 1024) + b'"}\n',
    ],
    ids=["torn", "too-long"],
)
def test_a_huge_tail_is_cut_and_kept_aside_without_reading_it_whole(tmp_path: Path, tail):
    import tracemalloc

    from phasegate.files.durable import append_line

    log = tmp_path / "decisions.jsonl"
    log.write_bytes(b'{"event":"x"}\n' + tail)
    tracemalloc.start()
    try:
        append_line(log, '{"event":"y"}')
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, peak  # chunks of 1 MiB, never the tail whole
    assert log.read_bytes() == b'{"event":"x"}\n{"event":"y"}\n'
    kept = tail if tail.endswith(b"\n") else tail + b"\n"
    assert (tmp_path / "decisions.jsonl.torn").read_bytes() == kept


def test_a_rollback_appended_after_a_torn_tail_was_cut_is_still_seen(tmp_path: Path):
    """The mark is taken while a killed writer's tail is on the log; the next append cuts
    it and writes a rollback where it began: reading from the mark still finds it."""
    from phasegate.files.durable import append_line

    state = StateDir(tmp_path)
    log = tmp_path / "decisions.jsonl"
    log.write_bytes(b'{"event":"x"}\n{"event":"decision","fa')
    mark = state.mark()
    stop = lambda record: rollout.stops(record, "abc1234")  # noqa: E731
    append_line(log, json.dumps(rollback_line()))  # a rollback decision of abc1234
    assert state.changed_since(mark, stop)
    mark = state.mark()
    other = {**rollback_line(), "facts": {"change": {"commit": "def5678"}, "phase": 1}}
    append_line(log, json.dumps(other))  # another change's rollback: not this change's
    pause = {**rollback_line(), "decision": {**GOOD, "verdict": "pause"}}
    append_line(log, json.dumps(pause))
    assert not state.changed_since(mark, stop)
    log.write_text("")  # cut: what was read before is gone
    assert state.changed_since(mark, stop)


@pytest.mark.parametrize(("make", "kind"), [(os.mkfifo, "fifo"), (os.mkdir, "directory")])
def test_closeout_names_a_log_that_is_not_a_regular_file_for_what_it_is(tmp_path: Path, make, kind):
    make(tmp_path / "decisions.jsonl")
    with pytest.raises(
        InputError, match=rf"decisions.jsonl: error: not a regular file \({kind}\)$"
    ):
        read_decisions(tmp_path / "decisions.jsonl")


@pytest.mark.parametrize("last", [b"\n", b"not json\n", b"{}}\n"])
def test_a_rollback_appended_after_a_bad_whole_last_line_was_cut_is_still_seen(
    tmp_path: Path, last: bytes
):
    """A last line that is whole but not JSON (a blank line, a hand edit) is cut by the
    next append, which writes its line where that one began: a mark taken after it must
    not read from the middle of the rollback that replaced it."""
    from phasegate.files.durable import append_line

    state = StateDir(tmp_path)
    log = tmp_path / "decisions.jsonl"
    log.write_bytes(b'{"event":"x"}\n' + last)
    mark = state.mark()
    append_line(log, json.dumps(rollback_line()))  # a rollback decision of abc1234
    assert log.read_bytes().startswith(b'{"event":"x"}\n{"event": "decision"')
    assert state.changed_since(mark, lambda record: rollout.stops(record, "abc1234"))


def test_a_line_that_stops_a_change_is_appended_under_the_state_dir_lock(
    tmp_path: Path, monkeypatch
):
    """`run` rechecks the log under the state dir's lock, then records its continue: a
    rollback, resume or closeout appended without that lock could land between the two,
    and the continue recorded after it would open the phase it shut."""
    import fcntl

    from phasegate.state import statedir

    state = StateDir(tmp_path)
    held = []

    def spy(path, line):
        probe = os.open(tmp_path / statedir.LOCK, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held.append(False)
        except BlockingIOError:
            held.append(True)
        finally:
            os.close(probe)

    monkeypatch.setattr(statedir, "append_line", spy)
    state.append_decision(rollback_line())
    state.append_decision(rollout.resume_record("abc1234", "fixed", "2026-11-20T11:00:00Z"))
    with state.lock():  # the guarded continue of `run`: the lock is taken once, not twice
        state.append_decision({**rollback_line(), "decision": {**GOOD, "verdict": "continue"}})
    assert held == [True, True, True]


def test_resume_of_a_prefix_of_changes_that_owe_rollbacks_resumes_one_named_whole(
    gate: Gate, monkeypatch, capsys
):
    """Two changes owe Phase 1 rollbacks (rolled back by hand, never verified): a prefix of
    both must not write a resume line matching both, which would forget the other's
    rollback and let it continue."""
    gate.state.mkdir()
    owed = [
        {**rollback_line("d1"), "facts": {**rollback_line()["facts"], "change": {"commit": c}}}
        for c in ("9def0001", "9abc0001")
    ]
    gate.log.write_text("".join(json.dumps(line) + "\n" for line in owed))
    code = gate.cli("resume", "--change", "9", "--reason", "fixed", monkeypatch=monkeypatch)
    assert code == 2
    assert "--change 9: names 2 " in capsys.readouterr().err
    assert len(gate.log.read_text().splitlines()) == 2  # nothing resumed
    code = gate.cli("resume", "--change", "9de", "--reason", "fixed", monkeypatch=monkeypatch)
    assert code == 0
    assert json.loads(gate.log.read_text().splitlines()[-1])["commit"] == "9def0001"
    state = StateDir(gate.state)
    assert rollout.state_of(state, "9def0001").state == "resumed"
    assert rollout.state_of(state, "9abc0001").rollback_decided_at is not None  # still owed


def test_closeout_records_nothing_when_a_rollback_lands_while_it_is_built(
    tmp_path: Path, monkeypatch
):
    """A `run` records a Phase 2 rollback of the change after closeout read the log: the
    record would call the rollout stable and the `closed` line would follow the rollback."""
    from conftest import POLICIES
    from phasegate.core.policy import load_policy_set
    from phasegate.runner import closeout as module

    log = tmp_path / "decisions.jsonl"
    log.write_text(
        "\n".join(
            [
                logged(2, "2026-11-20T10:00:00Z"),
                logged(2, "2026-11-20T11:10:00Z", started="2026-11-20T10:00:00Z"),
            ]
        )
        + "\n"
    )
    read = module.read_decisions

    def read_then_a_rollback_lands(path, rca=None):
        found = read(path, rca)
        rollback = logged(2, "2026-11-20T11:15:00Z", "rollback", started="2026-11-20T10:00:00Z")
        StateDir(tmp_path).append_decision(json.loads(rollback))
        return found

    monkeypatch.setattr(module, "read_decisions", read_then_a_rollback_lands)
    with pytest.raises(InputError, match=r"change 9f2c4e1: .* recorded .* nothing was written"):
        module.write_closeout(tmp_path, load_policy_set(POLICIES))
    assert not (tmp_path / "closeout").exists()
    assert rollout.state_of(StateDir(tmp_path), "9f2c4e1").state == "rolling_back"
