"""Hostile recordings for `replay`: junk that must cost neither memory nor a broken report."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, healthy, run_cli
from phasegate.report.markdown import escape


def _peak_kib(*args: str) -> tuple[int, str]:
    """Run phasegate as a child and read its own peak resident size from wait4."""
    child = subprocess.Popen(
        [sys.executable, "-m", "phasegate", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert child.stderr is not None
    stderr = child.stderr.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0, stderr
    return usage.ru_maxrss, stderr  # KiB on Linux


def test_skipped_lines_are_counted_not_kept(tmp_path: Path):
    """Issue 17 item 10: 800,000 junk lines took 965 MiB (about 1.1 KB a line)."""
    one = tmp_path / "one.jsonl"
    one.write_text("not json\n" + json.dumps(healthy()) + "\n")
    junk = tmp_path / "junk.jsonl"
    lines = 100_000
    with junk.open("w") as handle:
        handle.write(json.dumps(healthy()) + "\n")
        for number in range(lines):
            handle.write(f"junk line {number}\n")
    for output_format in ("json", "text"):
        small, _ = _peak_kib("replay", str(one), "--format", output_format, "-o", os.devnull)
        large, stderr = _peak_kib("replay", str(junk), "--format", output_format)
        # 100,000 kept lines cost 50 to 110 MiB; counted, they cost nothing.
        assert large - small < 16 * 1024, (output_format, small, large)
        assert stderr.count("warning: skipped: not JSON") == 100
        assert f"warning: skipped {lines - 100} more lines (the first 100 are listed)" in stderr


def test_the_json_report_lists_the_first_skipped_lines_and_counts_all(tmp_path: Path):
    junk = tmp_path / "junk.jsonl"
    junk.write_text(json.dumps(healthy()) + "\n" + "".join(f"bad {n}\n" for n in range(150)))

    result = run_cli("replay", str(junk), "--format", "json")
    recording = json.loads(result.stdout)["recordings"][0]
    assert recording["summary"]["skipped_lines"] == 150
    assert len(recording["skipped"]) == 100
    assert recording["skipped"][0]["where"] == f"{junk}:2:1"
    text = run_cli("replay", str(junk)).stdout
    assert "skipped 50 more lines\n" in text and "150 skipped" in text


def test_markdown_escapes_recording_names(tmp_path: Path):
    """Issue 17 item 12: a file name was written as raw HTML, and a backtick in it ended the
    code span it stood in."""
    folder = tmp_path / "a`b <!-- x | <img src=y onerror=z> *q*"
    folder.mkdir()
    recording = folder / "r`e`c.jsonl"
    snapshots = [healthy(), healthy(collected_at="2026-11-20T10:05:00Z", incidents=[])]
    snapshots[1]["metrics"] = dict(snapshots[1]["metrics"], error_rate=0.5)
    recording.write_text("".join(json.dumps(s) + "\n" for s in snapshots) + "junk\n")
    page = run_cli("replay", str(recording), "--format", "markdown").stdout
    for raw in ("<", ">", "*q*"):
        assert raw not in page, raw
    assert "&lt;img src=y onerror=z&gt;" in page and "&lt;\\!--" in page
    assert re.search(r"(?<!\\)`", page) is None  # every backtick is a literal one
    rows = [line for line in page.splitlines() if line.startswith("| ")]
    assert len(rows) == 3  # the header and two snapshots: the verdict moved once
    for row in rows:  # a `|` in the name must not add a cell
        assert len(re.findall(r"(?<!\\)\|", row)) == 7, row
    heading = [line for line in page.splitlines() if line.startswith("## ")]
    assert heading == [f"## {escape(str(recording))}"]
