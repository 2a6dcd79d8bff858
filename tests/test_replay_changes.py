"""Replay of a decision log holding several changes (issue 16 item 8): every output keeps
each change and phase apart, never one change's breach with another's rollback."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from conftest import ROOT, call_cli

DEGRADES = ROOT / "fixtures" / "recordings" / "phase1-error-rate-degrades.jsonl"


def _snapshot(line: int, commit: str, at: str) -> str:
    data = json.loads(DEGRADES.read_text().splitlines()[line])
    data["change"] = dict(data["change"], commit=commit)
    for check in data["checks"].values():
        check["commit"] = commit
    data["collected_at"] = at
    return json.dumps(data)


def two_changes(tmp_path: Path) -> Path:
    """Change aaaaaaa pauses at 10:00:00 and recovers; change bbbbbbb, interleaved, rolls back at
    10:03:29 straight from continue. Read as one rollout: 'rollback 209s after the first
    breach', aaaaaaa's breach with bbbbbbb's rollback."""
    lines = [
        _snapshot(0, "bbbbbbb", "2026-11-20T09:59:00Z"),  # continue
        _snapshot(4, "aaaaaaa", "2026-11-20T10:00:00Z"),  # pause
        _snapshot(0, "aaaaaaa", "2026-11-20T10:02:00Z"),  # continue
        _snapshot(6, "bbbbbbb", "2026-11-20T10:03:29Z"),  # rollback
        _snapshot(6, "bbbbbbb", "2026-11-20T10:04:00Z"),  # rollback
    ]
    path = tmp_path / "decisions.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_json_summary_keeps_each_change_apart(tmp_path: Path):
    path = two_changes(tmp_path)
    result = call_cli("replay", str(path), "--format", "json")
    document = json.loads(result.stdout)
    schema = json.loads((ROOT / "schemas" / "replay.schema.json").read_text())
    assert list(Draft202012Validator(schema).iter_errors(document)) == []
    [recording] = document["recordings"]
    summary = recording["summary"]
    assert summary["breach_to_rollback_seconds"] == 0  # bbbbbbb's own breach is its rollback
    assert (summary["first_rollback_change"], summary["first_rollback_phase"]) == ("bbbbbbb", 1)
    by_commit = {change["commit"]: change for change in summary["changes"]}
    assert list(by_commit) == ["bbbbbbb", "aaaaaaa"]
    assert by_commit["aaaaaaa"]["counts"] == {"continue": 1, "pause": 1, "rollback": 0}
    assert (
        by_commit["aaaaaaa"]["first_pause"] == 1
        and "breach_to_rollback_seconds" not in (by_commit["aaaaaaa"])
    )
    assert by_commit["bbbbbbb"]["first_rollback"] == 3 and by_commit["bbbbbbb"]["phases"] == [1]
    assert by_commit["bbbbbbb"]["breach_to_rollback_seconds"] == 0
    assert [(s["change"], s["phase"]) for s in recording["snapshots"]] == [
        ("bbbbbbb", 1),
        ("aaaaaaa", 1),
        ("aaaaaaa", 1),
        ("bbbbbbb", 1),
        ("bbbbbbb", 1),
    ]


def test_text_lines_name_the_change_and_compare_with_its_own_previous_snapshot(tmp_path: Path):
    text = call_cli("replay", str(two_changes(tmp_path))).stdout
    lines = text.splitlines()
    assert "aaaaaaa phase 1  pause" in lines[2] and "continue -> pause" not in lines[2]  # its first
    assert "aaaaaaa phase 1  continue  pause -> continue" in lines[3]
    # bbbbbbb's rollback follows its continue, not aaaaaaa's snapshot in between
    assert "bbbbbbb phase 1  rollback  continue -> rollback" in lines[4]
    summary = lines[-1]
    assert "209s" not in summary
    assert "change aaaaaaa (v0.4.3), phase 1: 1 continue, 1 pause, 0 rollback, first pause #1" in (
        summary
    )
    assert "rollback 0s after its first breach" in summary


def test_markdown_html_and_expectations_name_the_change(tmp_path: Path):
    path = two_changes(tmp_path)
    page = call_cli("replay", str(path), "--format", "markdown").stdout
    assert (
        "| 3 | " in page
        and "| bbbbbbb phase 1 | 2026-11-20T10:03:29Z | rollback | continue -&gt; " in (page)
    )
    html = call_cli("replay", str(path), "--format", "html").stdout
    assert "<td>bbbbbbb phase 1</td><td>2026-11-20T10:03:29Z</td>" in html
    assert "209s" not in html and "209s" not in page
    expect = tmp_path / "expect.yaml"
    expect.write_text(
        "apiVersion: phasegate/v1\nkind: ReplayExpectation\nexpect:\n"
        "  - {from: 0, to: 4, verdict: continue}\n"
    )
    failed = call_cli("replay", str(path), "--expect", str(expect)).stderr
    assert (
        f"{path}:2 #1 (2026-11-20T10:00:00Z, change aaaaaaa phase 1): expected continue" in failed
    )
    assert (
        f"{path}:4 #3 (2026-11-20T10:03:29Z, change bbbbbbb phase 1): expected continue" in failed
    )
