"""What the real tools print, broken or hostile, read by the shipped `phasegate.yaml` sources.

A report that cannot be read as one must leave its facts unknown (the rules that need them
error and the gate pauses), never read as a healthy value: no data or bad data is
inconclusive, as in Prometheus alerting or Flagger's analysis.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from phasegate.collect import collector
from phasegate.collect.config import load_config
from phasegate.collect.process import CommandResult
from phasegate.core.recording import instant

ROOT = Path(__file__).resolve().parents[2]
STATE = ("state.corruption_indicators", "state.db_integrity_ok")


def shipped_source(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    stdout: str,
    exit_code: int = 0,
    previous: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """(facts, unknown) of the shipped source `name` over a command that printed `stdout`."""
    config = load_config(ROOT / "phasegate.yaml")
    [source] = [s for s in config.sources if s.name == name]
    assert source.command is not None
    printed = CommandResult(source.command, exit_code, stdout, "", 1)
    monkeypatch.setattr(collector, "run_command", lambda *_, **__: printed)
    facts: dict[str, Any] = {}
    unknown: dict[str, str] = {}
    now = instant("2026-11-20T10:00:00Z")
    collector._run_source(source, config, previous or {}, now, facts, unknown)
    return facts, unknown


def issue(severity: Any, id: str = "state_database") -> str:
    return json.dumps({"issue": {"id": id, "title": "State Database", "severity": severity}})


SUMMARY = json.dumps({"summary": {"type": "count", "message": "Health: 9 passed, 1 error(s)"}})
ERROR_ENVELOPE = json.dumps(
    {
        "$schema": "zjj://error-response/v1",
        "success": False,
        "error": {"code": "DATABASE_ERROR", "message": "database is locked", "exit_code": 1},
    }
)


def checks(*pairs: tuple[str, str]) -> str:
    return json.dumps(
        {"success": True, "checks": [{"name": name, "status": status} for name, status in pairs]}
    )


@pytest.mark.parametrize(
    ("stdout", "exit_code"),
    [
        # a severity outside zjj's hint|warning|error counted as no finding at all
        (f"{issue('ERROR')}\n{SUMMARY}", 1),
        (f"{issue('Error')}\n{SUMMARY}", 0),
        (f"{issue('critical')}\n{SUMMARY}", 1),
        (f"{issue(None)}\n{SUMMARY}", 1),
        (json.dumps({"success": False, "issues": [json.loads(issue("fatal"))["issue"]]}), 1),
        # exit 1 says a check failed; a report that shows no failure is not the report
        (f"{SUMMARY}\n{SUMMARY}", 1),
        (f"{issue('warning', 'stale_sessions')}\n{SUMMARY}", 1),
        (json.dumps({"success": False, "issues": []}), 1),
        # an error envelope among the lines, or around the findings, is no health report
        (f"{issue('warning', 'stale_sessions')}\n{ERROR_ENVELOPE}", 1),
        (f"{issue('hint', 'stale_sessions')}\n{ERROR_ENVELOPE}", 0),
        (json.dumps({"success": False, "issues": [], "error": {"code": "IO_ERROR"}}), 0),
        # `checks` without the two checks the facts are read from, or with a status that is
        # none of pass|warn|fail
        (checks(("Orphaned Workspaces", "pass")), 0),
        (checks(("Workspace Integrity", "pass")), 0),
        (checks(("State Database", "FAIL"), ("Workspace Integrity", "pass")), 1),
        (checks(("State Database", "error"), ("Workspace Integrity", "pass")), 1),
        (checks(("State Database", "pass"), ("Workspace Integrity", "broken")), 0),
        (checks(("State Database", "pass"), ("Workspace Integrity", "pass")), 1),
        # exit 0 with an envelope that does not say success: zjj's own contract breaks
        (json.dumps({"success": False, "issues": []}), 0),
        (json.dumps({"success": "true", "issues": []}), 0),
        (
            checks(("State Database", "pass"), ("Workspace Integrity", "pass")).replace(
                '"success": true', '"success": null'
            ),
            0,
        ),
    ],
)
def test_a_doctor_report_that_is_not_one_leaves_state_unknown(monkeypatch, stdout, exit_code):
    """Hunt: each of these read as 0 corruption indicators and a sound state database, so
    `trigger.data-corruption` (an immediate rollback) passed on them."""
    facts, unknown = shipped_source(monkeypatch, "zjj-doctor", stdout, exit_code)
    assert "state" not in facts
    assert set(unknown) == set(STATE)
    assert all("not successful" in unknown[fact] for fact in STATE)


@pytest.mark.parametrize(
    ("stdout", "exit_code", "state"),
    [
        (f"{issue('hint', 'stale_sessions')}\n{SUMMARY}", 0, (0, True)),
        (f"{issue('error')}\n{SUMMARY}", 1, (1, False)),
        (json.dumps({"success": True, "issues": []}), 0, (0, True)),
        (checks(("State Database", "pass"), ("Workspace Integrity", "warn")), 0, (1, True)),
        (checks(("State Database", "fail"), ("Workspace Integrity", "pass")), 1, (1, False)),
    ],
)
def test_a_doctor_report_in_zjj_s_own_terms_is_read(monkeypatch, stdout, exit_code, state):
    facts, unknown = shipped_source(monkeypatch, "zjj-doctor", stdout, exit_code)
    assert unknown == {}
    indicators, integrity_ok = state
    assert facts["state"] == {"corruption_indicators": indicators, "db_integrity_ok": integrity_ok}


def test_a_drift_is_not_hidden_by_a_later_smoke_command_that_timed_out(monkeypatch, tmp_path):
    """Hunt: a smoke command that timed out made the whole contract unknown (a pause), so
    an earlier command's drift, an immediate rollback, went unreported."""
    from phasegate.collect import contract

    (tmp_path / "phasegate.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Config\ncontract:\n  baseline: base.json\n"
        "  commands: [[zjj, status, --json], [swarm, status]]\n"
    )
    config = load_config(tmp_path / "phasegate.yaml")
    healthy = {
        ("zjj", "status", "--json"): '{"success": true, "sessions": []}',
        ("swarm", "status"): '{"ok": true, "d": {}}',
    }
    runs = [[CommandResult(argv, 0, out, "", 1)] * 2 for argv, out in healthy.items()]
    baseline = contract.record(list(healthy), runs)
    (tmp_path / "base.json").write_text(json.dumps(baseline))

    def run(argv, **_):
        if argv[0] == "swarm":
            return CommandResult(tuple(argv), 124, "", "", 1, timed_out=True)
        return CommandResult(tuple(argv), 0, '{"success": true, "workspaces": []}', "", 1)

    monkeypatch.setattr(collector, "run_command", run)
    facts: dict[str, Any] = {}
    unknown: dict[str, str] = {}
    collector._contract(config, facts, unknown)
    assert facts["contract"] == {"drift": ["zjj status --json"], "nondeterministic_exits": []}
    assert unknown == {}


#: zjj 0.4.2 runs; a notice names the release that is not running.
NOTICE = "A new version of zjj is available: 0.4.3 (run `zjj upgrade`)\nzjj 0.4.2\n"


def test_a_version_in_a_notice_is_not_the_version_running(monkeypatch):
    """Hunt: the first version anywhere in `zjj --version` was read, so a notice naming the
    release before the `zjj 0.4.2` line made `checklist.version-matches` pass on 0.4.2."""
    facts, unknown = shipped_source(monkeypatch, "zjj-version", NOTICE)
    assert (facts, unknown) == ({"deployed_version": "0.4.2"}, {})
    facts, unknown = shipped_source(monkeypatch, "zjj-version", "zjj \x1b[1m0.4.3\x1b[0m\n")
    assert "deployed_version" not in facts  # colour codes are no version: unknown, not 0.4.3�


def test_rollback_verification_reads_the_running_version_too():
    """The same notice after a downgrade to 0.4.3 made the verification pass on 0.4.2."""
    from phasegate import cel
    from phasegate.collect.output import parse_output

    config = load_config(ROOT / "phasegate.yaml")
    [check] = [v for v in config.verify if v.command == ("zjj", "--version")]
    printed = CommandResult(check.command, 0, NOTICE.replace("0.4.3", "0.4.9"), "", 1)
    parsed = parse_output(printed.stdout, check.parse, check.name)
    now = instant("2026-11-20T10:00:00Z")
    for last_known_good, verified in (("v0.4.9", False), ("v0.4.2", True)):
        bindings = collector.source_variables(parsed, printed, {}, now, config.params)
        bindings.data["facts"] = {"change": {"last_known_good": last_known_good}}
        assert cel.run(check.expect, bindings) is verified


def swarm(d: Any) -> str:
    """One `swarm` answer line, as every command prints it."""
    return json.dumps({"ok": True, "rid": None, "t": 1, "ms": 3, "d": d, "err": None})


@pytest.mark.parametrize(
    "frequency",
    [[], ["TIMEOUT"], [{"code": "BUSY", "count": 90}], "BUSY=90"],
)
def test_error_frequency_in_another_shape_is_no_lock_contention_of_zero(monkeypatch, frequency):
    """Hunt: `'BUSY' in error_frequency` over a list (of codes, of {code, count} objects) is
    false, so 90 BUSY errors in another shape read as a lock contention rate of 0."""
    aggregates = {"success_rate": 0.5, "avg_duration_ms": 1, "error_frequency": frequency}
    printed = swarm({"aggregates": aggregates})
    facts, unknown = shipped_source(monkeypatch, "swarm-history", printed)
    assert "lock_contention_rate" not in facts.get("metrics", {})
    assert "lock_busy" not in facts.get("counts", {})
    assert {"metrics.lock_contention_rate", "counts.lock_busy"} <= set(unknown)
    assert facts["metrics"]["error_rate"] == 0.5  # what the answer does say is kept


def test_failure_rows_that_are_not_a_list_are_no_failures_of_zero(monkeypatch):
    """Hunt: `rows: {}` has size 0 and filters to nothing: 0 new failures, no categories."""
    printed = swarm({"view": "failures", "rows": {}})
    facts, unknown = shipped_source(monkeypatch, "swarm-failures", printed, 0, {"max_seq": 812})
    assert facts == {}
    assert set(unknown) == {"metrics.new_failures", "extra.new_failure_categories"}
