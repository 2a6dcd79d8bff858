"""Collector parts: real subprocesses, output parsing, contract shapes, configuration."""

from __future__ import annotations

import errno
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from phasegate.collect import contract, process
from phasegate.collect.collector import typed_value
from phasegate.collect.config import load_config
from phasegate.collect.output import OutputError, parse_output
from phasegate.collect.process import CommandResult, run_command
from phasegate.errors import InputError, UsageProblem

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def test_no_shell_a_value_stays_one_literal_argument():
    result = run_command(["echo", "$(reboot); rm -rf /"], timeout=10, max_output_bytes=1000)
    assert (result.exit_code, result.stdout) == (0, "$(reboot); rm -rf /\n")


def test_timeout_kills_the_whole_process_group(tmp_path: Path):
    pid_file = tmp_path / "grandchild.pid"
    script = f"sleep 300 & echo $! > {pid_file}; wait"
    result = run_command(["sh", "-c", script], timeout=1, max_output_bytes=1000)
    assert result.timed_out and result.exit_code == 124
    assert _gone(int(pid_file.read_text())), "the grandchild survived the timeout"


def _no_pidfds(pid: int) -> int:
    raise OSError(errno.ENOSYS, "Function not implemented")  # a seccomp sandbox, say


@pytest.mark.parametrize("wait", ["pidfd", "no pidfd_open", "pidfd_open refused"])
def test_an_exit_and_a_timeout_are_seen_alike_by_either_wait(monkeypatch, wait: str):
    """A pidfd wakes the collector when a command exits; without one (an old Python or
    kernel, a sandbox) it polls. Both must tell an exit from a timeout alike."""
    opened: list[int] = []
    if wait == "no pidfd_open":
        monkeypatch.delattr(os, "pidfd_open")
    elif wait == "pidfd_open refused":
        monkeypatch.setattr(os, "pidfd_open", _no_pidfds)
    else:
        real = os.pidfd_open
        monkeypatch.setattr(os, "pidfd_open", lambda pid: opened.append(pid) or real(pid))
    done = run_command(["sh", "-c", "echo out; exit 3"], timeout=10, max_output_bytes=100)
    assert (done.exit_code, done.timed_out, done.stdout) == (3, False, "out\n")
    hung = run_command(["sleep", "30"], timeout=0.3, max_output_bytes=100)
    assert (hung.exit_code, hung.timed_out) == (124, True)
    assert len(opened) == (2 if wait == "pidfd" else 0)


def test_a_timeout_of_a_month_is_a_timeout_like_any_other():
    """The schema puts no cap on a timeout; a wait longer than one poll can take (2**31 ms,
    about 25 days) must still run the command, not fail it."""
    done = run_command(["sh", "-c", "echo ok"], timeout=3e6, max_output_bytes=100)
    assert (done.exit_code, done.timed_out, done.stdout) == (0, False, "ok\n")


def test_a_wait_cut_short_takes_the_command_s_whole_group_with_it(monkeypatch, tmp_path: Path):
    """Whatever ends the wait early (a bug, an interrupt) must not leave the command's
    children running after phasegate: the group is killed before the error goes on."""
    pid_file = tmp_path / "grandchild.pid"

    def broken_wait(pid: int, timeout: float) -> bool:
        for _ in range(100):  # until the grandchild is started
            if pid_file.exists() and pid_file.read_text().strip():
                break
            time.sleep(0.05)
        raise RuntimeError("the wait broke")

    monkeypatch.setattr(process, "_exited", broken_wait)
    script = f"sleep 300 & echo $! > {pid_file}; wait"
    with pytest.raises(RuntimeError, match="the wait broke"):
        run_command(["sh", "-c", script], timeout=60, max_output_bytes=1000)
    assert _gone(int(pid_file.read_text()))


def _gone(pid: int) -> bool:
    for _ in range(50):  # the kill is asynchronous: give the kernel a moment to reap
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_output_is_capped_but_drained():
    result = run_command(
        [PY, "-c", "import sys; sys.stdout.write('x' * 5_000_000)"],
        timeout=30,
        max_output_bytes=4096,
    )
    assert result.truncated and len(result.stdout) == 4096 and result.exit_code == 0


@pytest.mark.parametrize(
    ("argv", "code", "why"),
    [
        (["definitely-not-a-command-xyz"], 127, "command not found"),
        ([str(ROOT / "README.md")], 126, "not executable"),
    ],
)
def test_commands_that_cannot_run(argv, code, why):
    result = run_command(argv, timeout=5, max_output_bytes=100)
    assert result.exit_code == code and why in (result.failure or "")


def test_signal_exit_is_reported_as_a_shell_does():
    result = run_command(["sh", "-c", "kill -TERM $$"], timeout=5, max_output_bytes=100)
    assert result.exit_code == 128 + 15


@pytest.mark.parametrize(
    ("text", "mode", "fmt", "lines"),
    [
        ('{"ok": true}\n', "auto", "json", 1),
        ('{"session": {"name": "a"}}\n{"summary": {"type": "count"}}\n', "auto", "jsonl", 2),
        ('{"a": 1}\n\n{"b": 2}', "jsonl", "jsonl", 2),
        ("zjj 0.4.3\n", "text", "text", 0),
    ],
)
def test_output_formats(text, mode, fmt, lines):
    parsed = parse_output(text, mode, "t")
    assert (parsed.format, len(parsed.lines)) == (fmt, lines)


@pytest.mark.parametrize(
    ("text", "mode", "why"),
    [
        ("", "auto", "empty output"),
        ("Error: jj not found\n", "auto", "not JSON"),
        ('{"a": 1}\nnot json\n', "auto", "line 2"),
        ('{"a": NaN}', "json", "NaN"),
        ('{"a": 1, "a": 2}', "json", "duplicate key"),
        ('{"a": 1}\n{"b": 2}', "json", "not JSON"),
    ],
)
def test_unreadable_output(text, mode, why):
    with pytest.raises(OutputError, match=why):
        parse_output(text, mode, "t")


def result(stdout: str, code: int = 0) -> CommandResult:
    return CommandResult(("zjj", "status", "--json"), code, stdout, "", 1)


ENVELOPE = (
    '{"$schema":"zjj://status-response/v1","_schema_version":"1.0",'
    '"schema_type":"single","success":true,"sessions":[],"_meta":{}}'
)


def test_values_may_change_shapes_may_not():
    base = contract.output_shape(result(ENVELOPE))
    same = ENVELOPE.replace('"sessions":[]', '"sessions":[{"name":"x"}]')
    assert contract.shape_differences(base, contract.output_shape(result(same))) == []
    renamed = ENVELOPE.replace("sessions", "workspaces")
    assert contract.shape_differences(base, contract.output_shape(result(renamed))) == [
        "key 'sessions' removed",
        "key 'workspaces' added",
    ]
    bumped = ENVELOPE.replace('"1.0"', '"2.0"')
    assert contract.shape_differences(base, contract.output_shape(result(bumped))) == [
        "_schema_version: '1.0' -> '2.0'"
    ]
    retyped = ENVELOPE.replace('"success":true', '"success":"yes"')
    assert contract.shape_differences(base, contract.output_shape(result(retyped))) == [
        "key 'success': boolean -> string"
    ]


def test_null_matches_any_type_and_wrappers_count_for_lines():
    swarm_ok = '{"ok":true,"d":{},"err":null}'
    swarm_fail = '{"ok":false,"d":null,"err":{"code":"BUSY"}}'
    base = contract.output_shape(result(swarm_ok))
    assert contract.shape_differences(base, contract.output_shape(result(swarm_fail))) == []
    lines = contract.output_shape(result('{"session":{}}\n{"summary":{}}'))
    wrapped = contract.output_shape(result('{"result":{}}\n{"summary":{}}'))
    assert contract.shape_differences(lines, wrapped) == [
        "wrappers: ['session', 'summary'] -> ['result', 'summary']"
    ]


def test_a_swarm_command_that_fails_on_one_run_of_two_is_a_nondeterministic_exit():
    """Audit: swarm exits 0 even when a command fails (success is exit 0 and ok true), so a
    smoke command answering ok:true then ok:false (BUSY) varied in no exit code and
    passed, where zjj's alternating exit 0 / exit 5 is a non-deterministic exit."""
    swarm_ok = '{"ok":true,"d":{},"err":null}'
    swarm_fail = '{"ok":false,"d":null,"err":{"code":"BUSY"}}'
    shape = contract.output_shape(result(swarm_ok))
    assert contract.assess([result(swarm_ok), result(swarm_fail)], shape) == ([], True)
    assert contract.assess([result(swarm_ok), result(swarm_ok)], shape) == ([], False)
    assert contract.assess([result(swarm_fail), result(swarm_fail)], shape) == ([], False)
    assert contract.assess([result(ENVELOPE), result(ENVELOPE)], shape)[1] is False


def test_envelope_inconsistencies_are_drift():
    error = '{"success":false,"error":{"code":"SESSION_LOCKED","exit_code":5}}'
    assert contract.inconsistencies(result(error, 5)) == []
    assert contract.inconsistencies(result(error, 0)) == [
        "success:false with exit 0",
        "exit 0 but error.exit_code 5",
    ]


def test_recording_refuses_an_unstable_shape():
    runs = [[result(ENVELOPE), result(ENVELOPE.replace("sessions", "x"))]]
    with pytest.raises(ValueError, match="differs between runs"):
        contract.record([("zjj", "status", "--json")], runs)


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("change.tag", "v0.4.3", "v0.4.3"),
        ("change.commit", "123456", "123456"),
        ("metrics.error_rate", "0.02", 0.02),
        ("metrics.agents_total", "12", 12),
        ("metrics.my_custom", "3", 3.0),
        ("state.db_integrity_ok", "false", False),
        ("phase", "2", 2),
        ("extra.team", "core", "core"),
        ("extra.count", "3", 3),
    ],
)
def test_set_values_take_the_schema_type(path, text, expected):
    value = typed_value(path, text, "--set")
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("path", "text", "why"),
    [
        ("metrics.error_rate", "high", "expected number"),
        ("nope.x", "1", "is not a fact"),
        ("change", "x", "is an object"),
        ("state.db_integrity_ok", "maybe", "expected boolean"),
    ],
)
def test_bad_set_values_are_usage_errors(path, text, why):
    with pytest.raises(UsageProblem, match=why):
        typed_value(path, text, "--set")


def test_shipped_config_loads():
    config = load_config(ROOT / "phasegate.yaml")
    assert [check.name for check in config.checks] == ["quick", "test", "ci"]
    assert config.deploy is None and config.contract is not None


def config_errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "phasegate.yaml"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(InputError) as caught:
        load_config(path)
    return caught.value.lines()


HEAD = "apiVersion: phasegate/v1\nkind: Config\n"


def test_a_shell_string_where_argv_is_required(tmp_path: Path):
    [line] = config_errors(tmp_path, HEAD + "checks:\n  ci: {command: moon run :ci}\n")
    assert line.startswith(f"{tmp_path}/phasegate.yaml:4:")
    assert "checks.ci.command: expected array" in line and "argv lists" in line


def test_a_typo_in_the_config(tmp_path: Path):
    [line] = config_errors(tmp_path, HEAD + "chekcs:\n  ci: {command: [moon]}\n")
    assert line.startswith(f"{tmp_path}/phasegate.yaml:3:1: error: chekcs: unknown field")


def test_cel_error_in_a_source_is_located(tmp_path: Path):
    lines = config_errors(
        tmp_path,
        HEAD
        + textwrap.dedent("""\
        sources:
          - name: s
            command: [swarm, status]
            facts:
              metrics.agents_total: |
                output.d.total +
              metrics.nope: output.d.total
              phase: "1"
          - name: s
            command: [x]
            facts: {}
        """),
    )
    assert lines == [
        # The engine reports the end of the expression: after the `+` and its line break.
        f"{tmp_path}/phasegate.yaml:8:26: error: source s: syntax error: unexpected end of "
        "expression",
        f"{tmp_path}/phasegate.yaml:10:7: error: source s: 'phase' is not a fact a source can set",
        f"{tmp_path}/phasegate.yaml:11:11: error: duplicate source name 's'",
    ]


STALE_LOCKS = (
    '{"id": "workspace_integrity.stale_locks", "title": "Workspace Integrity", '
    '"severity": "warning", "kind": "stale_locks", "workspace": "feat-a"}'
)
STALE_SESSIONS = '{"id": "stale_sessions", "title": "Stale Sessions", "severity": "warning"}'
#: zjj's `checks` list every check, passed ones too.
DB_PASS = '{"name": "State Database", "status": "pass"}'
WI_PASS = '{"name": "Workspace Integrity", "status": "pass"}'


@pytest.mark.parametrize(
    ("output", "indicators"),
    [
        # zjj rates a stale lock a warning (exit 0); the output notes count every workspace
        # corruption finding, and stale_locks is one of the configured corruption kinds
        (f'{{"issue": {STALE_LOCKS}}}\n{{"summary": {{"type": "count"}}}}', 1),
        (f'{{"success": true, "issues": [{STALE_LOCKS}, {STALE_SESSIONS}]}}', 1),
        (
            f'{{"success": true, "checks": [{DB_PASS}, {{"name": "Workspace Integrity", '
            '"status": "warn"}]}',
            1,
        ),
        # a warning that is no corruption kind, and a hint, are not indicators
        (f'{{"success": true, "issues": [{STALE_SESSIONS}]}}', 0),
        (f'{{"success": true, "issues": [{STALE_LOCKS.replace("warning", "hint")}]}}', 0),
        (
            f'{{"success": true, "checks": [{DB_PASS}, {WI_PASS}, {{"name": "Orphaned '
            'Workspaces", "status": "warn"}]}',
            0,
        ),
    ],
)
def test_zjj_doctor_corruption_findings_count_as_warnings_too(monkeypatch, output, indicators):
    """Audit: the shipped zjj-doctor source counted only error-severity findings, so a
    `stale_locks` workspace finding, which zjj reports as a warning with exit 0, read as
    0 corruption indicators and the immediate-rollback trigger passed."""
    from phasegate.collect import collector
    from phasegate.core.recording import instant

    config = load_config(ROOT / "phasegate.yaml")
    [source] = [s for s in config.sources if s.name == "zjj-doctor"]
    printed = CommandResult(("zjj", "doctor", "--json"), 0, output, "", 1)
    monkeypatch.setattr(collector, "run_command", lambda *_, **__: printed)
    facts: dict = {}
    unknown: dict = {}
    now = instant("2026-11-20T10:00:00Z")
    collector._run_source(source, config, {}, now, facts, unknown)
    assert unknown == {}
    assert facts["state"] == {"corruption_indicators": indicators, "db_integrity_ok": True}


def _failures(seqs: list[int]) -> str:
    rows = [
        {"seq": seq, "bead_id": "bd-1", "agent_id": 2, "stage": "implement",
         "event_type": "transition_retry", "category": "mystery_class", "retryable": True,
         "created_at": "2026-11-20T09:59:00Z"}
        for seq in seqs
    ]  # fmt: skip
    import json

    return json.dumps({"ok": True, "rid": None, "t": 1, "ms": 3, "d": {"view": "failures",
                       "rows": rows}, "err": None, "fix": None, "next": None})  # fmt: skip


@pytest.mark.parametrize(
    ("seqs", "new"),
    [
        ([814, 813, 812, 811], 2.0),  # two events since the previous sample's 812
        ([], 0.0),  # no failure event at all
        ([812, 811, 810], 0.0),  # none since the previous sample
        ([5, 4, 3, 2, 1], None),  # the sequence restarted (swarm's database reset): unknown
    ],
)
def test_new_failures_after_swarm_s_sequence_restarted_are_unknown_not_zero(monkeypatch, seqs, new):
    """Audit: new failures are the rows above the previous sample's highest `seq`; after
    swarm's event sequence restarted below it, every new failure (of any category) read as
    0 new failures and `health.new-failures` passed."""
    from phasegate.collect import collector
    from phasegate.core.recording import instant

    config = load_config(ROOT / "phasegate.yaml")
    [source] = [s for s in config.sources if s.name == "swarm-failures"]
    printed = CommandResult(("swarm", "monitor", "--view", "failures"), 0, _failures(seqs), "", 1)
    monkeypatch.setattr(collector, "run_command", lambda *_, **__: printed)
    facts: dict = {}
    unknown: dict = {}
    now = instant("2026-11-20T10:00:00Z")
    kept = collector._run_source(source, config, {"max_seq": 812}, now, facts, unknown)
    assert facts.get("metrics", {}).get("new_failures") == new
    if new is None:
        assert "metrics.new_failures" in unknown and "extra.new_failure_categories" in unknown
        assert kept == {"max_seq": 5}  # the next sample counts from the restarted sequence


@pytest.mark.parametrize(
    ("environ", "sets", "named"),
    [
        (
            {"PHASEGATE_TAG": "v9", "GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": "v8"},
            (),
            "$PHASEGATE_TAG",
        ),
        (
            {"CI_COMMIT_TAG": "v9", "GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": "v8"},
            (),
            "$CI_COMMIT_TAG",
        ),
        ({"GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": "v9"}, (), "$GITHUB_REF_NAME"),
        ({"GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": "v9"}, (("change.tag", "v9"),), "--set"),
        ({"PHASEGATE_TAG": "v9"}, (("owners.release", "ann"),), "$PHASEGATE_TAG"),
    ],
)
def test_a_measured_fact_changed_names_the_one_variable_that_gave_it(
    tmp_path: Path, environ, sets, named
):
    """The variable named is the one the value was taken from: `$PHASEGATE_TAG` wins over
    `$GITHUB_REF_NAME`, and `--set` over both."""
    from phasegate.collect.collector import CollectOptions, collect
    from phasegate.state.statedir import StateDir

    (tmp_path / "release.json").write_text('{"tag": "v0.4.3"}')
    (tmp_path / "phasegate.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Config\nsources:\n  - name: release\n"
        "    file: release.json\n    facts:\n      change.tag: output.tag\n"
    )
    config = load_config(tmp_path / "phasegate.yaml", tmp_path / "state")
    options = CollectOptions(phase=0, sets=sets, environ={"PHASEGATE_COMMIT": "abc1234", **environ})
    with pytest.raises(InputError) as refused:
        collect(config, StateDir(tmp_path / "state"), options, lambda: "2026-11-20T10:00:00Z")
    assert refused.value.lines() == [
        f"{named}: error: change.tag was measured by source release; {named} cannot change a "
        "measured fact (fix the source, or run again)"
    ]
