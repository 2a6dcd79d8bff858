"""A verdict is acted on by its exit code: a report that cannot be written (a reader that
went away, as `| head -1` does, a full disk) is one line on stderr, never a rollback (20)
or a pause (10) turned into 1, and never the `run` report of what is left by hand lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_gate import gate_fixture  # noqa: F401  (the `gate` fixture)

from conftest import FIXTURES, ROOT

ROLLBACK = FIXTURES / "phase1-trigger.lock-contention-spike.yaml"


def into(stdout: int, argv: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """A real process whose standard output is the descriptor `stdout`."""
    return subprocess.run(
        argv, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=60
    )


def into_full(argv: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """A real process writing its standard output to a full disk (/dev/full)."""
    with open("/dev/full", "w") as full:
        return into(full.fileno(), argv, cwd)


def evaluate_into(stdout: int, facts: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`phasegate evaluate` whose standard output is the descriptor `stdout`."""
    return into(stdout, [sys.executable, "-m", "phasegate", "evaluate", str(facts), *args])


def broken_pipe() -> int:
    """The write end of a pipe whose reader is gone: the first write fails with EPIPE."""
    read, write = os.pipe()
    os.close(read)
    return write


@pytest.mark.parametrize("output_format", ["text", "json", "github", "junit"])
def test_a_rollback_still_exits_20_when_the_reader_went_away(output_format):
    write = broken_pipe()
    try:
        done = evaluate_into(write, ROLLBACK, "--format", output_format)
    finally:
        os.close(write)
    assert done.returncode == 20, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr


def test_a_rollback_still_exits_20_on_a_full_disk_and_says_why():
    with open("/dev/full", "w") as full:
        done = evaluate_into(full.fileno(), ROLLBACK, "--format", "json")
    assert done.returncode == 20
    assert done.stderr == "phasegate: error: cannot write output: No space left on device\n"


def test_a_rollback_whose_o_file_cannot_be_written_still_exits_20(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    write = os.open(os.devnull, os.O_WRONLY)
    try:
        done = evaluate_into(write, ROLLBACK, "-o", str(blocker / "decision.json"))
    finally:
        os.close(write)
    assert done.returncode == 20, done.stderr
    assert "decision.json: error: cannot write" in done.stderr


def test_run_reports_what_is_left_by_hand_when_stdout_is_full(gate):
    gate.configure("""\
    actions:
      rollback:
        - name: deploy-last-good
          command: ["false"]
    """)
    done = into_full(gate.command("rollback"), gate.path)
    assert done.returncode == 4, done.stderr
    assert "cannot write output: No space left on device" in done.stderr
    assert "phasegate: FAILED: deploy-last-good" in done.stderr
    assert "phasegate: by hand:" in done.stderr


def test_replay_expectations_still_exit_5_when_stdout_is_full(tmp_path: Path):
    expect = tmp_path / "expect.yaml"
    expect.write_text(
        "apiVersion: phasegate/v1\nkind: ReplayExpectation\n"
        "expect:\n  - {from: 0, to: 7, verdict: continue}\n"
    )
    recording = ROOT / "fixtures" / "recordings" / "phase1-error-rate-degrades.jsonl"
    done = into_full(
        [sys.executable, "-m", "phasegate", "replay", str(recording), "--expect", str(expect)]
    )
    assert done.returncode == 5, done.stderr
    assert "cannot write output: No space left on device" in done.stderr
    assert "expected continue, got rollback" in done.stderr


def test_facts_from_a_closed_stdin_are_invalid_input():
    done = subprocess.run(
        [sys.executable, "-m", "phasegate", "evaluate", "-"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(0),
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr == "<stdin>: error: standard input is closed\n"


def test_invalid_input_exits_3_even_when_stderr_is_full(tmp_path: Path):
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "phasegate", "evaluate", str(tmp_path / "missing.yaml")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=full,
            timeout=60,
        )
    assert done.returncode == 3


def test_invalid_input_annotations_that_cannot_be_printed_still_exit_3(tmp_path: Path):
    write = broken_pipe()
    try:
        done = evaluate_into(write, tmp_path / "missing.yaml", "--format", "github")
    finally:
        os.close(write)
    assert done.returncode == 3, done.stderr
    assert done.stderr.endswith("missing.yaml: error: file not found\n")


@pytest.mark.parametrize("stdout_full", [False, True], ids=["stderr full", "both full"])
def test_a_rollback_still_exits_20_when_stderr_is_full_too(stdout_full: bool, tmp_path: Path):
    """`>log 2>&1` on a full disk: the lines about the lost report are lost as well, and the
    exit code is all that is left to say rollback."""
    argv = [sys.executable, "-m", "phasegate", "evaluate", str(ROLLBACK)]
    with open("/dev/full", "w") as full, open(tmp_path / "out", "w") as out:
        done = subprocess.run(
            argv,
            cwd=ROOT,
            stdout=full if stdout_full else out,
            stderr=full,
            timeout=60,
        )
    assert done.returncode == 20


def test_a_rollback_whose_output_file_fails_exits_20_with_stderr_full(tmp_path: Path):
    (tmp_path / "file").write_text("")
    argv = [sys.executable, "-m", "phasegate", "evaluate", str(ROLLBACK)]
    argv += ["-o", str(tmp_path / "file" / "report.json")]  # a file where a folder must be
    with open("/dev/full", "w") as full:
        done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=full, timeout=60)
    assert done.returncode == 20
