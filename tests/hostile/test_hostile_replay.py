"""Hostile recordings for `replay`: junk that must cost neither memory nor a broken report."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, call_cli, healthy
from phasegate.core import facts
from phasegate.core.facts import load_facts
from phasegate.core.recording import RecordingReader
from phasegate.errors import InputError
from phasegate.files import document
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

    result = call_cli("replay", str(junk), "--format", "json")
    recording = json.loads(result.stdout)["recordings"][0]
    assert recording["summary"]["skipped_lines"] == 150
    assert len(recording["skipped"]) == 100
    assert recording["skipped"][0]["where"] == f"{junk}:2:1"
    text = call_cli("replay", str(junk)).stdout
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
    page = call_cli("replay", str(recording), "--format", "markdown").stdout
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


def _replayed(tmp_path: Path, documents: list[dict]) -> tuple[list, list[tuple[str, str]]]:
    """(snapshots, skipped) of `documents` as the lines of a recording, in process."""
    recording = tmp_path / "recording.jsonl"
    recording.write_text("".join(json.dumps(document) + "\n" for document in documents))
    reader = RecordingReader(recording, digests=False)
    return list(reader.snapshots(sort=True)), list(reader.skipped)


def _refusal(tmp_path: Path, document: dict) -> str | None:
    """Why the plain path refuses `document` as a file, or None when it takes it."""
    path = tmp_path / "alone.json"
    path.write_text(json.dumps(document))
    try:
        load_facts(path)
    except InputError as exc:
        return exc.message
    return None


def _nested(levels: int) -> dict:
    value: dict = {}
    for _ in range(levels):
        value = {"d": value}
    return value


def test_depth_is_counted_from_the_document_s_root_in_a_recording(tmp_path: Path):
    """A hunt found replay reading each field's depth from the field: one level too deep
    was decided (continue) where `evaluate` refused the same document."""
    # extra.d.d...: the innermost map of `levels` maps sits at depth levels + 1.
    fits, too_deep = healthy(extra=_nested(63)), healthy(extra=_nested(64))
    assert _refusal(tmp_path, fits) is None
    assert _refusal(tmp_path, too_deep) == "nested deeper than 64 levels"
    snapshots, skipped = _replayed(tmp_path, [fits, too_deep])
    assert len(snapshots) == 1
    assert [why for _, why in skipped] == ["nested deeper than 64 levels"]


def test_the_node_limit_holds_for_the_whole_document_in_a_recording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Each field under the limit, the document over it: refused, whether its fields are
    new to the reader or repeat an earlier line's (then they are not walked again). The
    limit is lowered from 200,000 nodes to 2,000: the accounting is what is tested."""
    monkeypatch.setattr(document, "MAX_NODES", 2_000)
    monkeypatch.setattr(facts, "MAX_FACT_NODES", 2_000)
    extra = {f"k{index}": index for index in range(1_100)}
    metrics = {f"m{index}": 0.5 for index in range(900)}
    alone, both = healthy(extra=extra), healthy(extra=extra, metrics=metrics)
    assert _refusal(tmp_path, alone) is None
    assert "document too large: more than 2000 nodes" in _refusal(tmp_path, both)
    for documents in ([both], [alone, both]):
        snapshots, skipped = _replayed(tmp_path, documents)
        assert len(snapshots) == len(documents) - 1
        assert len(skipped) == 1 and "document too large" in skipped[0][1]


def test_times_a_microsecond_apart_sort_in_any_century(tmp_path: Path):
    """The sort read floats, which past the year 2242 cannot tell two times a microsecond
    apart: a recording written out of order then failed as 'changed while being read'."""
    # As floats the first two are one number: they kept the order written, which is wrong.
    times = ["3000-01-01T00:00:00.000001Z", "3000-01-01T00:00:00Z", "2999-12-31T23:59:59Z"]
    snapshots, skipped = _replayed(tmp_path, [healthy(collected_at=at) for at in times])
    assert skipped == []
    assert [facts.data["collected_at"] for facts in snapshots] == [times[2], times[1], times[0]]


def test_a_facts_document_with_an_event_field_is_refused_not_dropped(tmp_path: Path):
    """Only a decision log's own lines (an action's outcome) are passed over quietly; a facts
    document with a field named `event` is refused as a file refuses it, and counted."""
    document = healthy(event="rollback")
    refusal = _refusal(tmp_path, document)
    assert refusal is not None and "event" in refusal
    snapshots, skipped = _replayed(tmp_path, [healthy(), document])
    assert len(snapshots) == 1
    assert len(skipped) == 1 and "event" in skipped[0][1]
