"""The rollout state machine: phases in order, a rollback that ends, `resume`, and the
verification after a downgrade. In-process over the small hostile gate (no stand-ins)."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

from hostile.hostile_gate import Gate, gate_fixture  # noqa: F401  (the `gate` fixture)
from phasegate.collect.collector import CollectOptions, collect, head_commit
from phasegate.collect.config import load_config
from phasegate.core.policy import load_policy_set
from phasegate.errors import InputError, UsageProblem
from phasegate.runner import downgrade
from phasegate.runner.apply import run
from phasegate.state import rollout
from phasegate.state.statedir import StateDir

SHA = "abc1234def"


def decision(
    phase: int, verdict: str, at: str, commit: str = "abc1234", rules=None, **facts
) -> dict:
    return {
        "event": "decision",
        "decision": {"verdict": verdict} | ({} if rules is None else {"rules": rules}),
        "facts": {
            "phase": phase,
            "collected_at": at,
            "phase_started_at": facts.get("started", "2026-11-20T08:00:00Z"),
            "change": {"commit": commit},
        },
    }


#: A logged rule result of a window not over yet: a clean pause, the window runs on.
WINDOW_WAIT = {"id": "window.phase1-stable", "status": "fired", "verdict": "pause"}


# --- the state machine, pure over log records --------------------------------------------


def test_phase_n_is_opened_by_the_latest_continue_of_this_change_in_phase_n_minus_1():
    log = [
        decision(0, "continue", "2026-11-20T09:00:00Z"),
        decision(0, "pause", "2026-11-20T09:10:00Z", rules=[WINDOW_WAIT]),
        decision(0, "continue", "2026-11-20T09:20:00Z", commit="ffff999"),  # another change
        decision(1, "continue", "2026-11-20T09:30:00Z"),  # another phase
        {"event": "action", "decision_id": "x", "name": "n", "ok": True, "detail": ""},
        "not a record",
    ]
    assert rollout.derive(log, "ABC1234DEF00", 1) == {
        "state": "rolling_out",
        "previous_phase_continue_at": "2026-11-20T09:00:00Z",
        "previous_phase_started_at": "2026-11-20T08:00:00Z",
        "previous_phase_environments": [],  # a continue that did not say where
    }
    assert rollout.derive(log, "abc1234", 0) == {"state": "rolling_out"}
    assert rollout.derive([], "abc1234", 2) == {"state": "rolling_out"}


def test_a_rollback_ends_the_change_until_it_is_resumed_and_restarts_it():
    log = [
        decision(0, "continue", "2026-11-20T09:00:00Z"),
        rollout.rolled_back_record("d1", "abc1234", "2026-11-20T10:00:00Z"),
    ]
    ended = rollout.derive(log, "abc1234", 1)
    assert ended == {"state": "rolled_back", "rolled_back_at": "2026-11-20T10:00:00Z"}
    assert rollout.derive(log, "bbb2222", 1) == {"state": "rolling_out"}  # a new change
    assert rollout.last_rolled_back(log) == "abc1234"
    log.append(rollout.resume_record("abc1234", "fixed", "2026-11-20T11:00:00Z"))
    resumed = rollout.derive(log, "abc1234", 1)
    # the continue before the rollback no longer opens Phase 1: start over from Phase 0
    assert resumed == {"state": "rolling_out", "resumed_at": "2026-11-20T11:00:00Z"}
    assert rollout.last_rolled_back(log) is None


def test_a_resume_of_a_change_that_was_not_rolled_back_changes_nothing():
    log = [rollout.resume_record("abc1234", "why", "2026-11-20T09:00:00Z")]
    assert rollout.derive(log, "abc1234", 0) == {"state": "rolling_out"}


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [("abc1234", "ABC1234ff", True), ("abc1234", "abc1235", False), ("", "abc", False)],
)
def test_changes_match_by_prefix_either_way(a, b, same):
    assert rollout.same_change(a, b) is same and rollout.same_change(b, a) is same


# --- collect: the facts from the log -----------------------------------------------------


def collected(gate: Gate, phase: int, *sets: tuple[str, str]) -> dict:
    config = load_config(gate.path / "phasegate.yaml")
    options = CollectOptions(phase, (("change.commit", "abc1234"), *sets))
    return collect(config, StateDir(config.state_dir), options, record=False).facts.data


def write_log(gate: Gate, *records: dict) -> None:
    gate.state.mkdir(exist_ok=True)
    gate.log.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_collect_derives_rollout_facts_and_set_cannot_forge_them(gate: Gate):
    # no log: a first run, collected by an operator (no CI variables here)
    assert collected(gate, 1)["rollout"] == {
        "state": "rolling_out",
        "environment": "operator",
        # no restart, no gap: each is absent because there is none, not because unknown
        "tracked": ["phase_stable_since", "previous_phase_stable_since", "sample_gap_seconds"],
    }
    write_log(gate, decision(0, "continue", "2026-11-20T09:00:00Z"))
    assert collected(gate, 1)["rollout"]["previous_phase_continue_at"] == "2026-11-20T09:00:00Z"
    with pytest.raises(UsageProblem, match="read from the decision log"):
        collected(gate, 1, ("rollout.state", "rolling_out"))
    with pytest.raises(UsageProblem, match="give the reason"):
        collected(gate, 1, ("rollout.progression_override", "  "))


def test_an_unreadable_log_leaves_the_rollout_unknown(gate: Gate):
    gate.log.mkdir(parents=True)  # a folder where the log goes: cannot be read
    facts = collected(gate, 2, ("rollout.progression_override", "INC-7: log lost"))
    assert facts["rollout"] == {
        "progression_override": "INC-7: log lost",
        "environment": "operator",
    }
    assert "decision log unreadable" in facts["extra"]["phasegate_unknown"]["rollout"]
    # its state unknown: the rollout rules error
    assert collected(gate, 2)["rollout"] == {"environment": "operator"}


def test_an_override_reason_is_recorded_in_the_decision_line(gate: Gate):
    config = load_config(gate.path / "phasegate.yaml")
    options = CollectOptions(2, (*gate.sets("none"), ("rollout.progression_override", "INC-7")))
    run(
        config,
        load_policy_set(gate.path / "policies"),
        StateDir(gate.state),
        options,
        dry_run=False,
    )
    [line] = [json.loads(text) for text in gate.log.read_text().splitlines()]
    assert line["override"] == {"progression": "INC-7"}


# --- run: a rollback that ends ---------------------------------------------------------

DOCTOR_OK = '{"issues": [{"id": "orphaned_workspaces", "severity": "warning"}]}'


def rolled(gate: Gate, phase: int, dry_run: bool = False, override: bool = False):
    config = load_config(gate.path / "phasegate.yaml")
    sets = (*gate.sets("rollback"), ("change.last_known_good", "v0.4.2"))
    if override:  # the shipped phase order is not what these tests are about
        sets += (("rollout.progression_override", "test"),)
    options = CollectOptions(phase, sets)
    policies = load_policy_set(gate.path / "policies")
    return run(config, policies, StateDir(config.state_dir), options, dry_run=dry_run)


def configure_rollback(gate: Gate, doctor: str = DOCTOR_OK) -> Path:
    deployed = gate.path / "deployed"
    gate.configure(f"""\
        sources:
          - name: zjj-doctor
            command: [echo, '{doctor}']
            facts:
              labels.doctor: "'read'"
        rollback:
          deploy: [sh, -c, 'echo "$0" >> {deployed}', "{{{{ facts.change.last_known_good }}}}"]
        """)
    return deployed


def test_a_verified_rollback_ends_and_is_not_repeated_until_resumed(
    gate: Gate, monkeypatch: pytest.MonkeyPatch
):
    deployed = configure_rollback(gate)
    first = rolled(gate, 1)
    assert first.application is not None and first.application.complete, first.application
    assert ("verify: echo " + DOCTOR_OK, True, "healthy") in first.application.steps
    assert first.note is not None
    lines = deployed.read_text().splitlines()
    assert lines == ["v0.4.2"]
    again = rolled(gate, 1)
    assert again.facts["rollout"]["state"] == "rolled_back"
    assert again.application is not None and again.application.steps == []
    assert again.note is None and "nothing is deployed again" in again.planned[0]
    assert deployed.read_text().splitlines() == lines
    assert len(list((gate.state / "remediation").glob("*.md"))) == 1
    assert gate.cli("resume", "--reason", " ", monkeypatch=monkeypatch) == 2
    assert gate.cli("resume", "--change", "fff0000", "--reason", "x", monkeypatch=monkeypatch) == 3
    assert gate.cli("resume", "--reason", "fixed in bd-9", monkeypatch=monkeypatch) == 0
    assert gate.cli("resume", "--reason", "twice", monkeypatch=monkeypatch) == 3  # nothing left
    third = rolled(gate, 1)
    assert third.facts["rollout"] == {
        "state": "rolling_out",
        "resumed_at": third.facts["rollout"]["resumed_at"],
        "environment": "operator",
        "tracked": ["phase_stable_since", "previous_phase_stable_since", "sample_gap_seconds"],
    }
    assert len(deployed.read_text().splitlines()) == len(lines) + 1


def test_an_unhealthy_doctor_after_the_downgrade_does_not_end_the_rollback(gate: Gate):
    configure_rollback(gate, '{"issues": [{"id": "state_database", "severity": "error"}]}')
    first = rolled(gate, 2)
    assert first.application is not None and not first.application.complete
    [doctor] = [step for step in first.application.steps if step[0].startswith("verify: echo")]
    assert doctor[1] is False and "error findings: state_database" in doctor[2]
    assert any(m.startswith("Verify health") for m in first.application.manual)
    assert rolled(gate, 2).facts["rollout"]["state"] == "rolling_out"


def test_a_dry_run_rollback_says_what_would_be_done(gate: Gate):
    configure_rollback(gate)
    outcome = rolled(gate, 1, dry_run=True)
    text = "\n".join(outcome.planned)
    assert 'would deploy v0.4.2: ["sh", "-c"' in text
    assert "would verify: echo" in text and "state health after the downgrade" in text
    assert "failed" not in text and "Verify health" not in text
    assert not gate.state.exists()


# --- the commit a check ran at ------------------------------------------------------------


def test_checks_record_the_commit_they_ran_at(gate: Gate, monkeypatch: pytest.MonkeyPatch):
    gate.configure('checks:\n  ci: {command: ["true"]}\n')
    facts = collected(gate, 0)
    assert "commit" not in facts["checks"]["ci"]  # not a git checkout: unknown
    assert "not a git checkout" in facts["extra"]["phasegate_unknown"]["checks.ci.commit"]
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=gate.path, check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "x"], cwd=gate.path, check=True)
    sha, _ = head_commit()
    assert sha is not None and len(sha) == 40
    assert collected(gate, 0)["checks"]["ci"]["commit"] == sha
    with pytest.raises(InputError, match="cannot change the commit a check ran at"):
        collected(gate, 0, ("checks.ci.commit", "1234567"))


@pytest.mark.parametrize(
    ("output", "found"),
    [
        ('{"issue": {"id": "stale_locks", "severity": "error"}}\n{"summary": {}}', ["stale_locks"]),
        ('{"issue": {"id": "a", "severity": "warning"}}\n{"summary": {}}', []),
        ('{"checks": [{"name": "State Database", "status": "fail"}]}', ["State Database"]),
        ('{"something": "else"}', None),
    ],
)
def test_doctor_findings_are_read_like_the_shipped_source(output, found):
    from phasegate.collect.output import parse_output

    parsed = parse_output(output, "auto", "doctor")
    assert downgrade.error_findings(parsed.format, parsed.lines, parsed.value) == found


def test_the_phase1_window_has_one_place():
    """Issue 20: it was a param in two files that had to be edited together. Now one policy
    defines it, and every rule that reads it is in that policy."""
    from conftest import POLICIES

    policies = load_policy_set(POLICIES).policies
    defining = [p.name for p in policies if "phase1_window" in p.params]
    assert defining == ["windows"]
    [windows] = [p for p in policies if p.name == "windows"]
    assert {"window.phase1-stable", "rollout.phase-progression"} <= {r.id for r in windows.rules}


def test_one_edit_of_the_phase1_window_moves_both_rules(tmp_path):
    """Editing `windows.phase1_window` alone changes both the Phase 1 hold and when Phase 2
    may start, as the one place promises."""
    from conftest import FIXTURES, POLICIES
    from phasegate.core.evaluate import RuleStatus, evaluate
    from phasegate.core.facts import load_facts

    folder = tmp_path / "policies"
    shutil.copytree(POLICIES, folder, ignore=shutil.ignore_patterns("tests"))
    text = (folder / "windows.yaml").read_text()
    (folder / "windows.yaml").write_text(text.replace("phase1_window: 60m", "phase1_window: 30m"))

    def facts(fixture: str, **changes) -> object:
        data = yaml.safe_load((FIXTURES / fixture).read_text())
        for key, value in changes.items():
            data = {**data, key: {**data[key], **value} if isinstance(value, dict) else value}
        path = tmp_path / fixture
        path.write_text(yaml.safe_dump(data))
        return load_facts(path)

    def status(document, rule_id, folder) -> RuleStatus:
        results = evaluate(document, load_policy_set(folder)).results
        return next(r.status for r in results if r.id == rule_id)

    # Phase 1, 45 minutes in; Phase 2 whose Phase 1 continue came 45 minutes after its start.
    phase1 = facts("phase1-healthy.yaml", phase_started_at="2026-11-20T09:15:00Z")
    phase2 = facts(
        "phase2-healthy.yaml",
        rollout={
            "previous_phase_started_at": "2026-11-21T06:00:00Z",
            "previous_phase_continue_at": "2026-11-21T06:45:00Z",
        },
    )
    for document, rule_id in [
        (phase1, "window.phase1-stable"),
        (phase2, "rollout.phase-progression"),
    ]:
        assert status(document, rule_id, POLICIES) is RuleStatus.FIRED, rule_id
        assert status(document, rule_id, folder) is RuleStatus.PASSED, rule_id


# --- one state machine: where a change stands, decided first ------------------------------


def test_the_fold_follows_a_change_through_its_states():
    def at(minute: int) -> str:
        return f"2026-11-20T09:{minute:02d}:00Z"

    def pause(kind: str, minute: int) -> dict:
        line = decision(1, "pause", at(minute))
        line["decision"]["pause_kind"] = kind
        return line

    steps = [
        ([], "rolling_out"),
        ([decision(0, "continue", at(1))], "phase_earned"),
        ([pause("wait", 2)], "paused"),
        ([pause("hold", 3)], "held"),
        ([decision(1, "rollback", at(4))], "rolling_back"),
        ([rollout.rolled_back_record("d", "abc1234", at(5))], "rolled_back"),
        ([decision(1, "continue", at(6))], "rolled_back"),  # decisions after the end: held
        ([rollout.resume_record("abc1234", "fixed", at(7))], "resumed"),
        ([decision(0, "continue", at(8))], "phase_earned"),
        ([rollout.closed_record("abc1234", at(9))], "closed"),
    ]
    log: list = []
    for records, expected in steps:
        log += records
        assert rollout.fold(log, "abc1234").state == expected, (log[-1:], expected)
    frozen = rollout.fold(log[:2], "abc1234", {"active": True, "reason": "INC-7"})
    assert frozen.state == "frozen" and frozen.freeze == {"active": True, "reason": "INC-7"}
    ended = rollout.fold(log[:6], "abc1234")
    assert ended.ended and ended.phase == 1 and ended.last == log[5]
    assert rollout.fold(log[:6], "abc1234", {"active": True}).state == "rolled_back"


def test_a_runner_a_retry_restored_is_no_longer_left_by_hand():
    """A runner left behind is listed by hand until `retry-rollback` restores and verifies
    it; a failed step on no runner (a notification) stays listed."""
    from phasegate.state.status import status

    rollback = {**decision(1, "rollback", "2026-11-20T09:04:00Z"), "id": "d1"}

    def action(name: str, ok: bool, runner: str | None = None, **more) -> dict:
        line = {"event": "action", "decision_id": "d1", "name": name, "ok": ok, "detail": "x"}
        return line | ({"runner": runner} if runner else {}) | more

    log = [
        rollback,
        action("deploy to op-1", True, "op-1"),
        action("restored op-1", True, "op-1", restored=True),
        action("deploy to op-2", False, "op-2"),
        action("restart on op-2", False, "op-2"),
        action("notify", False),
    ]
    left = rollout.fold(log, "abc1234")
    assert left.state == "rolling_back" and [step[0] for step in left.failed] == [
        "deploy to op-2",
        "restart on op-2",
        "notify",
    ]
    assert any("deploy to op-2" in step for step in status(left, {})["by_hand"])
    # what status says to do next works as written: retry-rollback needs the runners left
    assert status(left, {})["next"]["what"] == (
        "finish the rollback: `phasegate retry-rollback --decision d1 --only-runners op-2`"
    )
    by_hand = rollout.fold([rollback, action("notify", False)], "abc1234")
    assert status(by_hand, {})["next"]["what"] == (
        "finish the rollback by hand (see the remediation note), then roll out a new commit, "
        'or `phasegate resume --change abc1234 --reason "..."` once it is fixed'
    )
    log += [
        action("deploy to op-2", True, "op-2"),
        action("restored op-2", True, "op-2", restored=True),
        rollout.rolled_back_record("d1", "abc1234", "2026-11-20T09:06:00Z"),
    ]
    ended = rollout.fold(log, "abc1234")
    assert ended.state == "rolled_back" and ended.failed == (("notify", "x", None),)
    by_hand = status(ended, {})["by_hand"]
    assert not any("op-2" in step for step in by_hand)
    assert by_hand[0] == "notify: x (failed: redo it or finish by hand)"


def test_state_of_reads_the_state_dir_log_and_freeze(tmp_path: Path):
    state = StateDir(tmp_path)
    state.append_decision(decision(0, "continue", "2026-11-20T09:00:00Z"))
    assert rollout.state_of(state, "abc1234").state == "phase_earned"
    state.set_freeze("phase 2 rollback", "2026-11-20T09:05:00Z")
    assert rollout.state_of(state, "abc1234").state == "frozen"


def shipped_decision(phase: int, **rollout_facts):
    from conftest import FIXTURES, POLICIES
    from phasegate.core.evaluate import evaluate
    from phasegate.core.facts import facts_from_data, load_facts

    data = dict(load_facts(FIXTURES / "phase1-checklist.version-matches.yaml").data)
    data["phase"] = phase
    data["rollout"] = rollout_facts
    return evaluate(facts_from_data(data, "facts"), load_policy_set(POLICIES))


@pytest.mark.parametrize("phase", [0, 1, 2])
def test_a_rolled_back_change_is_held_by_rollout_rolled_back_alone_in_every_phase(phase):
    """Defect 16.1: zjj reports the old version after a verified rollback; that is
    expected and fires nothing, and the decision is a hold, not a rollback again."""
    from phasegate.core.evaluate import RuleStatus
    from phasegate.core.verdict import Verdict, exit_code

    decided = shipped_decision(phase, state="rolled_back", rolled_back_at="2026-11-20T09:00:00Z")
    assert decided.verdict is Verdict.PAUSE and decided.pause_kind == "hold"
    assert [r.id for r in decided.with_status(RuleStatus.FIRED)] == ["rollout.rolled-back"]
    [version] = [r for r in decided.results if r.id == "checklist.version-matches"]
    assert version.status is RuleStatus.SKIPPED
    assert exit_code(decided.verdict, allow_pause=True, pause_kind=decided.pause_kind) == 10
    # the same facts of a change still rolling out: the old version rolls back
    assert shipped_decision(phase, state="rolling_out").verdict is Verdict.ROLLBACK


def shipped_gate(gate: Gate) -> None:
    """The small gate plus the shipped rollout policy (rollout.rolled-back)."""
    from conftest import POLICIES

    (gate.path / "policies" / "rollout.yaml").write_text((POLICIES / "rollout.yaml").read_text())


def test_a_later_run_of_a_rolled_back_change_is_a_hold_that_does_nothing(gate: Gate):
    """Defect 16.1 through `run`: no deploy, no note, no manual procedure, and dry runs
    say why."""
    shipped_gate(gate)
    deployed = configure_rollback(gate)
    first = rolled(gate, 1, override=True)
    assert first.decision.verdict.label == "rollback" and first.note is not None
    again = rolled(gate, 2, override=True)
    assert again.decision.verdict.label == "pause" and again.decision.pause_kind == "hold"
    fired = [r.id for r in again.decision.results if r.status.value == "fired"]
    assert fired == ["rollout.rolled-back"]
    assert again.application is not None
    assert again.application.steps == [] and again.application.manual == []
    assert again.note is None and again.exit_code(allow_pause=True) == 10
    assert deployed.read_text().splitlines() == ["v0.4.2"]
    dry = rolled(gate, 0, dry_run=True)
    assert len(dry.planned) == 1 and "was rolled back at" in dry.planned[0]
    assert "nothing is deployed again" in dry.planned[0]


def test_in_phase_0_an_unreadable_log_errors_the_rolled_back_rule(gate: Gate):
    """Also seen in issue 17: with the log unreadable, rollout.rolled-back passed in
    Phase 0 (no `rollout` facts at all); it must error and hold."""
    from phasegate.core.evaluate import RuleStatus, evaluate

    shipped_gate(gate)
    gate.log.mkdir(parents=True)
    config = load_config(gate.path / "phasegate.yaml")
    options = CollectOptions(0, gate.sets("none"))
    facts = collect(config, StateDir(config.state_dir), options, record=False).facts
    decided = evaluate(facts, load_policy_set(gate.path / "policies"))
    [rule] = [r for r in decided.results if r.id == "rollout.rolled-back"]
    assert rule.status is RuleStatus.ERROR and decided.pause_kind == "hold"


# --- the guide's Phase 0 environments and Phase 2 sampling ---------------------------------


def continue_from(where: str | None, at: str, phase: int = 0) -> dict:
    line = decision(phase, "continue", at)
    if where is not None:
        line["facts"]["rollout"] = {"environment": where}
    return line


def test_phase_1_is_opened_in_each_environment_that_recorded_a_phase_0_continue():
    log = [continue_from("ci", "2026-11-20T09:00:00Z")]
    assert rollout.derive(log, "abc1234", 1)["previous_phase_environments"] == ["ci"]
    log.append(continue_from("operator", "2026-11-20T09:10:00Z"))
    assert rollout.derive(log, "abc1234", 1)["previous_phase_environments"] == ["ci", "operator"]
    log.append(rollout.rolled_back_record("d", "abc1234", "2026-11-20T09:20:00Z"))
    log.append(rollout.resume_record("abc1234", "fixed", "2026-11-20T09:30:00Z"))
    log.append(continue_from("ci", "2026-11-20T09:40:00Z"))  # after a restart: CI only
    assert rollout.derive(log, "abc1234", 1)["previous_phase_environments"] == ["ci"]


@pytest.mark.parametrize(
    ("environ", "where"),
    [
        ({}, "operator"),
        ({"CI": "true"}, "ci"),
        ({"CI": "false"}, "operator"),
        ({"GITHUB_ACTIONS": "true"}, "ci"),
        ({"CI": "true", "PHASEGATE_ENVIRONMENT": "operator"}, "operator"),
        ({"PHASEGATE_ENVIRONMENT": "CI"}, "ci"),
    ],
)
def test_the_environment_comes_from_ci_variables_or_is_said(environ, where):
    assert rollout.environment(environ) == where


def test_phase_1_holds_until_phase_0_passed_in_ci_and_on_an_operator(gate: Gate):
    """Issue 16, item 8: one Phase 0 continue from anywhere opened Phase 1."""
    shipped_gate(gate)
    config = load_config(gate.path / "phasegate.yaml")
    policies = load_policy_set(gate.path / "policies")

    def run_in(phase: int, where: str):
        options = CollectOptions(phase, gate.sets("none"), environ={"PHASEGATE_ENVIRONMENT": where})
        return run(config, policies, StateDir(config.state_dir), options, dry_run=False)

    assert run_in(0, "ci").decision.verdict.label == "continue"
    held = run_in(1, "ci").decision
    fired = [r.id for r in held.results if r.status.value == "fired"]
    assert fired == ["rollout.phase0-environments"] and held.pause_kind == "hold"
    assert run_in(0, "operator").decision.verdict.label == "continue"
    assert run_in(1, "operator").decision.verdict.label == "continue"
    [line] = [json.loads(t) for t in gate.log.read_text().splitlines()][2:3]
    assert line["facts"]["rollout"]["environment"] == "operator"  # recorded with the decision


@pytest.mark.parametrize(
    ("times", "gap"),
    [
        ([], None),  # no sample yet
        (["10:00:00"], 0.0),  # one sample, at the start: no gap yet
        (["10:00:00", "10:05:00", "10:30:00"], 1500.0),
        (["10:00:00", "10:10:00", "10:20:00", "10:30:00", "10:40:00", "10:50:00"], 600.0),
        (["10:50:00"], 3000.0),  # the start counts: 50 minutes before the first sample
        (["10:00:00", "10:55:00", "12:00:00"], 3300.0),  # cut at the end of the first hour
        (["10:00:00", "10:55:00"], 3300.0),
        (["11:30:00", "13:00:00"], 3600.0),  # first sampled after the first hour: none of it
        (["09:00:00", "10:05:00"], 300.0),  # a sample before the start is not in the hour
    ],
)
def test_the_largest_gap_between_samples_in_phase_2_first_hour(times, gap):
    stamps = [f"2026-11-20T{t}Z" for t in times]
    assert rollout.largest_gap(stamps, "2026-11-20T10:00:00Z") == gap


def test_phase_2_samples_further_apart_than_the_interval_hold_the_continue(gate: Gate):
    """Issue 16, item 8: two samples 25 minutes apart in the first hour passed."""
    from phasegate.core.evaluate import RuleStatus, evaluate

    shipped_gate(gate)
    write_log(
        gate,
        decision(2, "pause", "2026-11-20T10:00:00Z", started="2026-11-20T10:00:00Z"),
        decision(2, "pause", "2026-11-20T10:05:00Z", started="2026-11-20T10:00:00Z"),
    )
    config = load_config(gate.path / "phasegate.yaml")
    policies = load_policy_set(gate.path / "policies")

    def sample(at: str):
        sets = (
            *gate.sets("none"),
            ("collected_at", at),
            ("phase_started_at", "2026-11-20T10:00:00Z"),
        )
        facts = collect(config, StateDir(config.state_dir), CollectOptions(2, sets), record=False)
        decided = evaluate(facts.facts, policies)
        [rule] = [r for r in decided.results if r.id == "rollout.phase2-sampling"]
        return facts.facts.data["rollout"]["sample_gap_seconds"], rule.status

    assert sample("2026-11-20T10:14:00Z") == (540.0, RuleStatus.PASSED)
    assert sample("2026-11-20T10:30:00Z") == (1500.0, RuleStatus.FIRED)


def test_a_hand_given_phase_2_start_counts_the_stretch_before_the_first_sample(gate: Gate):
    """Guide audit: with `phase_started_at` given by hand, Phase 2's first sample 50 minutes
    after the start passed: only the stretches between samples were measured."""
    from phasegate.core.evaluate import RuleStatus, evaluate

    shipped_gate(gate)
    config = load_config(gate.path / "phasegate.yaml")
    policies = load_policy_set(gate.path / "policies")
    sets = (
        *gate.sets("none"),
        ("collected_at", "2026-11-20T10:50:00Z"),
        ("phase_started_at", "2026-11-20T10:00:00Z"),
    )
    facts = collect(config, StateDir(config.state_dir), CollectOptions(2, sets), record=False)
    assert facts.facts.data["rollout"]["sample_gap_seconds"] == 3000.0
    decided = evaluate(facts.facts, policies)
    [rule] = [r for r in decided.results if r.id == "rollout.phase2-sampling"]
    assert rule.status is RuleStatus.FIRED and decided.verdict.label == "pause"


def test_a_restarted_phase_2_window_is_monitored_at_fixed_intervals_too():
    """Review: after a Phase 2 pause for low throughput at minute 50 restarted the stable
    window, the sample gaps were still measured over the hour after the phase's start only:
    no sample between minute 50 and the continue at minute 110 passed, and `closeout`
    closed on an hour nobody sampled. The monitored hour is the stable window's."""
    started = "2026-11-20T10:00:00Z"

    def at(minute: int) -> str:
        return f"2026-11-20T{10 + minute // 60:02d}:{minute % 60:02d}:00Z"

    low = fired("health.throughput-low", pause_kind="wait")
    log = [decision(2, "pause", at(m), started=started, rules=[WINDOW_WAIT]) for m in (0, 10, 20)]
    log += [decision(2, "pause", at(m), started=started, rules=[WINDOW_WAIT]) for m in (30, 40)]
    log.append(decision(2, "pause", at(50), started=started, rules=[WINDOW_WAIT, low]))
    current = rollout.fold(log, "abc1234")
    unsampled = rollout.facts_of(current, 2, at(110), started)
    assert unsampled["phase_stable_since"] == at(50)
    assert unsampled["sample_gap_seconds"] == 3600.0  # minute 50 to 110: nothing sampled
    # sampled every 10 minutes since the restart: the gap is the interval again
    log += [decision(2, "pause", at(m), started=started, rules=[WINDOW_WAIT]) for m in (60, 70)]
    log += [decision(2, "pause", at(m), started=started, rules=[WINDOW_WAIT]) for m in (80, 90)]
    sampled = rollout.facts_of(rollout.fold(log, "abc1234"), 2, at(100), started)
    assert sampled["sample_gap_seconds"] == 600.0
    # a restart late in a long phase, past MAX_SAMPLES samples, is still monitored
    many = [decision(2, "pause", at(100), started=started, rules=[WINDOW_WAIT])]
    many *= rollout.MAX_SAMPLES
    late = [*log, *many, decision(2, "pause", at(200), started=started, rules=[low])]
    late.append(decision(2, "pause", at(205), started=started, rules=[WINDOW_WAIT]))
    assert rollout.facts_of(rollout.fold(late, "abc1234"), 2, at(240), started) == {
        "state": "rolling_out",
        "phase_stable_since": at(200),
        "sample_gap_seconds": 2100.0,  # minute 205 to 240
    }
    # no restart: the hour after the phase's start, as before
    assert (
        rollout.facts_of(rollout.fold(log[:5], "abc1234"), 2, at(45), started)["sample_gap_seconds"]
        == 600.0
    )


def test_phase_1_starts_at_the_continue_that_opened_it_not_at_a_held_attempt(gate: Gate):
    """A Phase 1 attempt held because Phase 0 had passed only in CI recorded the phase's
    start: the window then ran from before the operator's continue that opened Phase 1."""
    shipped_gate(gate)
    config = load_config(gate.path / "phasegate.yaml")
    policies = load_policy_set(gate.path / "policies")

    def run_in(phase: int, where: str, at: str, *sets: tuple[str, str]):
        sets = (*gate.sets("none"), ("collected_at", f"2026-11-20T{at}:00Z"), *sets)
        options = CollectOptions(phase, sets, environ={"PHASEGATE_ENVIRONMENT": where})
        return run(config, policies, StateDir(config.state_dir), options, dry_run=False)

    assert run_in(0, "ci", "09:00").decision.verdict.label == "continue"
    assert run_in(1, "ci", "09:02").decision.pause_kind == "hold"  # records a start
    # the operator's Phase 0 says when its phase started: the recorded Phase 1 start stays
    given = ("phase_started_at", "2026-11-20T08:30:00Z")
    assert run_in(0, "operator", "09:30", given).decision.verdict.label == "continue"
    opened = run_in(1, "operator", "09:31").decision
    assert opened.phase_started_at == "2026-11-20T09:30:00Z"
    assert rollout.not_before_opening("2026-11-20T09:40:00Z", {}) == "2026-11-20T09:40:00Z"


# --- a rollback decided is owed until it was applied and verified ------------------------


def test_a_phase_1_or_2_rollback_stays_owed_until_a_rolled_back_line_ends_it():
    """Audit: the fold forgot a rollback that was decided and never applied (deploy not
    configured, a verification that failed): the next snapshot, the trigger gone quiet,
    continued and opened the next phase. The owed rollback is a fact until `rolled_back`."""

    def at(minute: int) -> str:
        return f"2026-11-20T09:{minute:02d}:00Z"

    log = [decision(0, "continue", at(1)), decision(1, "rollback", at(4))]
    log.append(decision(1, "continue", at(6)))
    owed = rollout.facts_of(rollout.fold(log, "abc1234"), 1)
    assert owed["rollback_decided_at"] == at(4) and owed["state"] == "rolling_out"
    assert rollout.facts_of(rollout.fold(log, "abc1234"), 2)["rollback_decided_at"] == at(4)
    log.append(decision(2, "rollback", at(7)))  # the first decision is the one owed
    assert rollout.facts_of(rollout.fold(log, "abc1234"), 2)["rollback_decided_at"] == at(4)
    log.append(rollout.rolled_back_record("d", "abc1234", at(8)))
    assert "rollback_decided_at" not in rollout.facts_of(rollout.fold(log, "abc1234"), 1)
    # Phase 0's rollback stops promotion and deploys nothing: nothing is owed
    phase0 = [decision(0, "rollback", at(1)), decision(0, "continue", at(2))]
    assert "rollback_decided_at" not in rollout.facts_of(rollout.fold(phase0, "abc1234"), 1)
    # another change's rollback is not this one's
    other = [decision(1, "rollback", at(1), commit="fff0000")]
    assert "rollback_decided_at" not in rollout.facts_of(rollout.fold(other, "abc1234"), 1)


def test_a_run_after_an_unapplied_rollback_rolls_back_again_not_continue(gate: Gate):
    """Audit, through `run` with the shipped rollout policy: with no rollback.deploy the
    rollback is printed by hand and not verified; a later healthy snapshot of the same
    change used to continue. The README promises "the next run rolls back again"."""
    shipped_gate(gate)
    gate.configure()  # no rollback.deploy: the procedure is printed, nothing verified
    first = gate.run("rollback", phase=1)
    assert first.decision.verdict.label == "rollback"
    again = gate.run("none", phase=1)
    fired = [r.id for r in again.decision.results if r.status.value == "fired"]
    assert again.decision.verdict.label == "rollback", fired
    assert fired == ["rollout.rollback-unfinished"]
    assert again.facts["rollout"]["rollback_decided_at"] == first.decision.collected_at
    assert any(step.startswith("Deploy v") or "Deploy" in step for step in again.application.manual)


def test_a_rollback_in_a_phase_revokes_the_continues_that_opened_the_next():
    """Audit: Phase 0's rollback is "stop promotion", yet Phase 1 was opened by a Phase 0
    continue recorded before it (a later Phase 0 run in CI that found drift rolled back,
    and Phase 1 started anyway). A rollback in Phase N drops its continues: Phase N must be
    passed again before Phase N+1."""

    def at(minute: int) -> str:
        return f"2026-11-20T09:{minute:02d}:00Z"

    def where(line: dict, environment: str) -> dict:
        line["facts"]["rollout"] = {"environment": environment}
        return line

    log = [
        where(decision(0, "continue", at(1)), "ci"),
        where(decision(0, "continue", at(2)), "operator"),
    ]
    opened = rollout.facts_of(rollout.fold(log, "abc1234"), 1)
    assert opened["previous_phase_continue_at"] == at(2)
    assert opened["previous_phase_environments"] == ["ci", "operator"]
    log.append(where(decision(0, "rollback", at(3)), "ci"))
    stopped = rollout.facts_of(rollout.fold(log, "abc1234"), 1)
    assert "previous_phase_continue_at" not in stopped
    assert "previous_phase_environments" not in stopped
    log.append(where(decision(0, "continue", at(4)), "ci"))  # passed again, in CI only
    again = rollout.facts_of(rollout.fold(log, "abc1234"), 1)
    assert again["previous_phase_continue_at"] == at(4)
    assert again["previous_phase_environments"] == ["ci"]


def test_a_verify_check_that_timed_out_is_not_healthy_whatever_it_printed(tmp_path: Path):
    """Audit: `rollback.verify` judged only `expect`, so `zjj --version` that printed the
    last known-good version and then hung past its timeout was "healthy", and the
    rollback could be marked verified (`rolled_back`) on a runner that did not answer."""
    from phasegate.runner.apply import verify

    (tmp_path / "phasegate.yaml").write_text(
        textwrap.dedent("""\
        apiVersion: phasegate/v1
        kind: Config
        state_dir: state
        rollback:
          verify:
            - name: zjj reports the last known-good version
              command: [sh, -c, 'echo zjj 0.4.2; exec sleep 30']
              parse: text
              timeout: 0.5
              expect: stdout.contains('0.4.2')
            - name: answers in time
              command: [sh, -c, 'echo zjj 0.4.2']
              parse: text
              expect: stdout.contains('0.4.2')
        """)
    )
    config = load_config(tmp_path / "phasegate.yaml")
    facts = {"collected_at": "2026-11-20T10:00:00Z", "change": {"last_known_good": "v0.4.2"}}
    [hung, answered] = verify(config, facts)
    assert hung[1] is False and "timed out" in hung[2], hung
    assert answered == ("verify: answers in time", True, "healthy")


@pytest.mark.parametrize(
    ("agents", "healthy", "detail"),
    [
        ('"errors":0', True, "healthy"),
        ('"errors":2', False, "swarm status: 2 agent(s) in error"),
        ('"working":3', False, "swarm status: no d.errors (agents in error unknown"),
        ('"errors":null', False, "swarm status: no d.errors"),
        ('"errors":-1', False, "swarm status: d.errors is -1, not a count of agents"),
        ('"errors":"0"', False, 'swarm status: d.errors is "0", not a count of agents'),
        ('"errors":0.0', False, "swarm status: d.errors is 0.0, not a count of agents"),
        ('"errors":false', False, "swarm status: d.errors is false, not a count of agents"),
    ],
)
def test_swarm_status_verifies_healthy_only_with_no_agent_in_error(
    tmp_path: Path, agents: str, healthy: bool, detail: str
):
    """Guide audit: "verify health with `swarm status`" passed on `ok:true` alone, so a
    swarm answering with agents in error (the cascade the rollback was for) verified the
    rollback. `d.errors` must be 0; absent or not a count is unknown, and not healthy."""
    from phasegate.runner.apply import verify

    swarm = tmp_path / "bin" / "swarm"
    swarm.parent.mkdir()
    answer = f'{{"ok":true,"rid":null,"t":1795168800,"ms":41,"d":{{{agents}}},"err":null}}'
    swarm.write_text(f"#!/bin/sh\nprintf '%s\\n' '{answer}'\n")
    swarm.chmod(0o755)
    (tmp_path / "phasegate.yaml").write_text(
        textwrap.dedent(f"""\
        apiVersion: phasegate/v1
        kind: Config
        state_dir: state
        rollback:
          verify:
            - name: swarm answers ok
              command: [{swarm}, status]
              parse: json
              expect: exit_code == 0 && output.ok == true
        """)
    )
    config = load_config(tmp_path / "phasegate.yaml")
    [(name, ok, why)] = verify(config, {"collected_at": "2026-11-20T10:00:00Z"})
    assert (name, ok) == ("verify: swarm answers ok", healthy)
    assert why.startswith(detail), why


def test_a_change_that_owes_its_rollback_can_be_resumed_on_the_record(
    gate: Gate, monkeypatch: pytest.MonkeyPatch
):
    """A rollback done by hand (no rollback.deploy) never writes `rolled_back`, so the owed
    rollback (`rollout.rollback-unfinished`) would hold the change for good: `resume
    --change` ends it on the record, and the change starts over from Phase 0."""
    log = [decision(0, "continue", "2026-11-20T09:00:00Z")]
    log.append(decision(1, "rollback", "2026-11-20T09:30:00Z"))
    assert rollout.derive(log, "abc1234", 1)["rollback_decided_at"] == "2026-11-20T09:30:00Z"
    log.append(rollout.resume_record("abc1234", "false alarm", "2026-11-20T10:00:00Z"))
    assert rollout.derive(log, "abc1234", 1) == {
        "state": "rolling_out",
        "resumed_at": "2026-11-20T10:00:00Z",
    }
    shipped_gate(gate)
    gate.configure()
    assert gate.run("rollback", phase=1).decision.verdict.label == "rollback"
    assert gate.cli("resume", "--reason", "x", monkeypatch=monkeypatch) == 3  # none ended
    assert (
        gate.cli("resume", "--change", "abc1234", "--reason", "bd-7", monkeypatch=monkeypatch) == 0
    )
    assert "rollback_decided_at" not in gate.run("none", phase=1).facts["rollout"]
    assert gate.cli("resume", "--change", "abc1234", "--reason", "y", monkeypatch=monkeypatch) == 3


# --- a stable window restarts at every unclean decision ----------------------------------


def fired(rule: str, status: str = "fired", verdict: str = "pause", **more) -> dict:
    return {"id": rule, "status": status, "verdict": verdict, "on_error": "pause", **more}


ELEVATED = fired("health.error-rate-elevated", pause_kind="wait")


@pytest.mark.parametrize(
    ("verdict", "rules", "clean"),
    [
        ("continue", [], True),
        ("pause", [fired("window.phase1-stable", pause_kind="wait")], True),
        ("pause", [fired("window.phase2-monitoring")], True),
        ("pause", [fired("rollout.phase-progression")], True),  # the phase was not entered
        ("pause", [fired("rollout.phase0-environments")], True),
        ("pause", [fired("window.phase1-stable"), fired("x.y", "passed")], True),
        ("pause", [ELEVATED], False),  # a wait too: the metric was elevated
        ("pause", [fired("window.phase1-stable"), ELEVATED], False),
        ("pause", [fired("freeze.active")], False),  # a hold
        ("pause", [fired("window.phase1-stable", "error")], False),  # window not measured
        ("pause", [fired("window.phase1-stable", "pending")], False),
        ("pause", [fired("health.x", "pending", "rollback")], False),
        ("pause", [WINDOW_WAIT, fired("health.x", mode="shadow")], True),  # not in the verdict
        ("pause", [WINDOW_WAIT, fired("health.x", verdict="continue")], True),  # held nothing
        ("pause", [WINDOW_WAIT, fired("health.x", "error", on_error="continue")], True),
        ("pause", [WINDOW_WAIT, fired("x.y", "skipped")], True),
        # A pause no readable rule result held: a damaged or hand-written line, not known
        # clean (each of these restarted nothing: a window skipped).
        ("pause", [WINDOW_WAIT, "not a rule"], False),
        ("pause", [], False),
        ("pause", ["window.phase1-stable"], False),
        ("pause", [fired("x.y", "passed"), fired("health.x", mode="shadow")], False),
        ("pause", [fired("x.y", "unheard-of")], False),  # a status not known: not known clean
        ("rollback", [fired("window.phase1-stable")], False),
        ("pause", None, False),  # rules not recorded: not known to be clean
        ("continue", None, True),
    ],
)
def test_a_decision_is_clean_when_nothing_but_waiting_for_time_held_it(verdict, rules, clean):
    decided = {"verdict": verdict} | ({} if rules is None else {"rules": rules})
    assert rollout.clean(decided) is clean


def test_the_latest_unclean_decision_of_a_phase_restarts_its_window():
    """Issue: a Phase 1 paused for an elevated error rate at minute 50 of its window got
    its continue at minute 61 and opened Phase 2: the window was long, not stable."""
    log = [
        decision(0, "continue", "2026-11-20T08:50:00Z"),
        decision(1, "pause", "2026-11-20T09:00:00Z", rules=[WINDOW_WAIT]),
        decision(1, "pause", "2026-11-20T09:50:00Z", rules=[WINDOW_WAIT, ELEVATED]),
        decision(1, "pause", "2026-11-20T09:55:00Z", rules=[WINDOW_WAIT]),  # clean again
        decision(1, "pause", "2026-11-20T09:58:00Z", "ffff999", rules=[ELEVATED]),  # another
        decision(2, "pause", "2026-11-20T09:59:00Z", rules=[ELEVATED]),  # another phase
        decision(1, "continue", "2026-11-20T10:01:00Z"),
    ]
    assert rollout.derive(log, "abc1234", 1)["phase_stable_since"] == "2026-11-20T09:50:00Z"
    in_phase2 = rollout.derive(log, "abc1234", 2)
    assert in_phase2["previous_phase_stable_since"] == "2026-11-20T09:50:00Z"
    assert in_phase2["phase_stable_since"] == "2026-11-20T09:59:00Z"
    assert "previous_phase_stable_since" not in rollout.derive(log, "abc1234", 1)  # Phase 0
    assert "phase_stable_since" not in rollout.derive(log, "ffff", 0)
    assert rollout.derive(log, "ffff999", 1)["phase_stable_since"] == "2026-11-20T09:58:00Z"
    # a hold (a freeze), an error of the window rule itself: unclean too
    for rules in ([fired("freeze.active")], [fired("window.phase1-stable", "error")]):
        held = [*log, decision(1, "pause", "2026-11-20T10:05:00Z", rules=rules)]
        assert rollout.derive(held, "abc1234", 1)["phase_stable_since"] == "2026-11-20T10:05:00Z"
    # a log out of order: the latest instant wins, not the last line
    early = [*log, decision(1, "pause", "2026-11-20T09:10:00Z", rules=[ELEVATED])]
    assert rollout.derive(early, "abc1234", 1)["phase_stable_since"] == "2026-11-20T09:50:00Z"


def test_a_rollback_restarts_the_window_and_a_resume_starts_the_change_over():
    log = [
        decision(1, "pause", "2026-11-20T09:00:00Z", rules=[WINDOW_WAIT]),
        decision(1, "rollback", "2026-11-20T09:20:00Z", rules=[fired("trigger.x", "fired")]),
    ]
    assert rollout.derive(log, "abc1234", 1)["phase_stable_since"] == "2026-11-20T09:20:00Z"
    log.append(rollout.rolled_back_record("d1", "abc1234", "2026-11-20T09:30:00Z"))
    assert "phase_stable_since" not in rollout.derive(log, "abc1234", 1)
    log.append(rollout.resume_record("abc1234", "fixed", "2026-11-20T10:00:00Z"))
    assert "phase_stable_since" not in rollout.derive(log, "abc1234", 1)
    log.append(decision(1, "pause", "2026-11-20T10:20:00Z", rules=[ELEVATED]))
    assert rollout.derive(log, "abc1234", 1)["phase_stable_since"] == "2026-11-20T10:20:00Z"


def test_collect_writes_the_stable_since_facts_from_the_log(gate: Gate):
    write_log(
        gate,
        decision(0, "pause", "2026-11-20T08:40:00Z", rules=[ELEVATED]),
        decision(0, "continue", "2026-11-20T08:50:00Z"),
        decision(1, "pause", "2026-11-20T09:50:00Z", rules=[ELEVATED]),
    )
    facts = collected(gate, 1)["rollout"]
    assert facts["phase_stable_since"] == "2026-11-20T09:50:00Z"
    assert facts["previous_phase_stable_since"] == "2026-11-20T08:40:00Z"


def test_a_phase_re_entered_after_a_resume_is_measured_from_the_resume(gate: Gate):
    """Review: the state dir keeps the phase's recorded start across a rollback and resume,
    and the resume forgets the rollback's restart: `run --phase 2` with an override right
    after `resume` measured Phase 2's window from its start before the rollback, and
    continued (promoted to all operators) at once."""
    write_log(
        gate,
        decision(2, "pause", "2026-11-20T10:00:00Z", rules=[WINDOW_WAIT]),
        decision(2, "rollback", "2026-11-20T10:30:00Z", rules=[fired("trigger.x")]),
        rollout.rolled_back_record("d1", "abc1234", "2026-11-20T10:40:00Z"),
        rollout.resume_record("abc1234", "fixed", "2026-11-20T12:00:00Z"),
    )
    StateDir(gate.state).phase_started_at("abc1234", 2, "2026-11-20T09:30:00Z", record=True)
    override = ("rollout.progression_override", "hotfix verified by hand")
    facts = collected(gate, 2, ("collected_at", "2026-11-20T12:05:00Z"), override)
    assert facts["rollout"]["resumed_at"] == "2026-11-20T12:00:00Z"
    assert facts["phase_started_at"] == "2026-11-20T12:00:00Z"
    # a start after the resume stands; a resume after the snapshot (a clock behind, a
    # timeline given with --set collected_at) moves nothing
    given = facts["rollout"]
    assert rollout.not_before_opening("2026-11-20T12:30:00Z", given, "2026-11-20T12:35:00Z") == (
        "2026-11-20T12:30:00Z"
    )
    assert rollout.not_before_opening("2026-11-20T09:30:00Z", given, "2026-11-20T11:00:00Z") == (
        "2026-11-20T09:30:00Z"
    )
    assert rollout.not_before_opening("2026-11-20T09:30:00Z", given) == "2026-11-20T09:30:00Z"
