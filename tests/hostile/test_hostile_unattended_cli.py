"""What a hostile CI step hands the less-watched commands: a closed standard output, a FIFO
nobody reads as `-o`, a symbolic link loop as a config or state dir, a damaged `--history`.

Each once ended in exit 0 for a continue nobody received or decided on half its input, in
a hang, or in "internal error"; each must be one located line and a documented exit code.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import FIXTURES, ROOT, call_cli, healthy, run_cli

HEALTHY = FIXTURES / "phase1-healthy.yaml"
ROLLBACK = FIXTURES / "phase1-trigger.data-corruption.yaml"
LOOP = "a symbolic link loop (the link leads back to itself)"


def run_stdout_closed(*args: str) -> subprocess.CompletedProcess[str]:
    """`phasegate ARGS >&-`: the child starts with descriptor 1 closed."""
    return subprocess.run(
        [sys.executable, "-m", "phasegate", *args],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(1),
    )


def test_a_continue_printed_to_a_closed_standard_output_does_not_exit_0():
    result = run_stdout_closed("evaluate", str(HEALTHY))
    assert result.returncode == 1, result.stderr
    assert result.stderr == "phasegate: error: cannot write output: Bad file descriptor\n"


def test_a_rollback_printed_to_a_closed_standard_output_keeps_its_exit_code():
    result = run_stdout_closed("evaluate", str(ROLLBACK))
    assert result.returncode == 20
    assert "cannot write output" in result.stderr


def test_a_reviewer_report_to_a_closed_standard_output_is_not_a_success():
    assert run_stdout_closed("schema", "facts").returncode == 1
    assert run_stdout_closed("explain", str(HEALTHY)).returncode == 1


def test_with_standard_output_closed_an_o_file_is_still_written(tmp_path: Path):
    report = tmp_path / "decision.json"
    result = run_stdout_closed("evaluate", str(HEALTHY), "--format", "json", "-o", str(report))
    assert result.returncode == 0, result.stderr
    assert json.loads(report.read_text())["verdict"] == "continue"


def test_an_o_fifo_nobody_reads_is_refused_at_once(tmp_path: Path):
    fifo = tmp_path / "report"
    os.mkfifo(fifo)
    result = run_cli("evaluate", str(HEALTHY), "-o", str(fifo))  # hung before (timeout 60)
    assert result.returncode == 3
    assert result.stderr == f"{fifo}: error: cannot write: a FIFO nobody reads\n"
    rollback = run_cli("evaluate", str(ROLLBACK), "-o", str(fifo))
    assert rollback.returncode == 20 and "a FIFO nobody reads" in rollback.stderr


def test_an_o_that_opens_a_socket_is_not_called_a_fifo():
    """Review: `-o /dev/stdout` with standard output on a socket (a service's journal) cannot
    be opened (ENXIO, as for a FIFO nobody reads), and was refused as "a FIFO nobody reads":
    the wrong thing to look for. It is refused as what the system said."""
    import socket

    ours, theirs = socket.socketpair()
    with ours, theirs:
        result = subprocess.run(
            [sys.executable, "-m", "phasegate", "evaluate", str(HEALTHY), "-o", "/dev/stdout"],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=theirs,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert result.returncode == 3
    assert result.stderr == "/dev/stdout: error: cannot write: No such device or address\n"


def test_an_o_fifo_with_a_reader_gets_the_whole_report(tmp_path: Path):
    fifo = tmp_path / "report"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader there, as `-o >(cmd)` has
    try:
        written = run_cli("evaluate", str(HEALTHY), "-o", str(fifo))
        report = os.read(reader, 65536).decode()
    finally:
        os.close(reader)
    assert written.returncode == 0, written.stderr
    assert report.startswith("CONTINUE  phase 1") and report.endswith("\n")


def test_a_config_that_is_a_symbolic_link_loop_is_invalid_input(tmp_path: Path):
    loop = tmp_path / "phasegate.yaml"
    loop.symlink_to(loop)
    for command in (["status"], ["collect"], ["resume", "--reason", "r"]):
        result = run_cli(*command, "--config", str(loop), cwd=tmp_path)
        assert result.returncode == 3, (command, result.stderr)
        assert result.stderr == f"{loop}: error: {LOOP}\n"


def test_closeout_of_a_state_dir_that_is_a_symbolic_link_loop_is_invalid_input(tmp_path: Path):
    loop = tmp_path / "state"
    loop.symlink_to(loop)
    result = run_cli(
        "closeout", "--config", str(ROOT / "phasegate.yaml"), "--state-dir", str(loop), cwd=tmp_path
    )
    assert result.returncode == 3, result.stderr
    assert "internal error" not in result.stderr
    assert result.stderr == f"{loop}: error: state dir is not readable: {LOOP}\n"  # the loop itself


SPIKE_SEEN = """\
apiVersion: phasegate/v1
kind: Policy
name: p
rules:
  - id: p.spike-seen
    when: history.exists(h, h.metrics.error_rate > 0.1)
    verdict: pause
    message: a spike in this phase's earlier samples
"""


def test_evaluate_history_with_a_damaged_line_is_refused_not_decided_without_it(tmp_path: Path):
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "p.yaml").write_text(SPIKE_SEEN)
    history = tmp_path / "history.jsonl"
    lines = []
    for minute, rate in ((50, 0.01), (52, 0.3), (54, 0.01)):
        data = healthy(collected_at=f"2026-11-20T09:{minute}:00Z")
        data["metrics"]["error_rate"] = rate
        lines.append(json.dumps(data))
    history.write_text("\n".join(lines) + "\n")
    facts = tmp_path / "now.json"
    facts.write_text(json.dumps(healthy()))
    whole = run_cli("evaluate", str(facts), "--policies", str(policies), "--history", str(history))
    assert whole.returncode == 10, whole.stderr  # the spike is seen: pause
    lines[1] = lines[1][: len(lines[1]) // 2]  # the spike's line torn
    history.write_text("\n".join(lines) + "\n")
    for command in ("evaluate", "explain"):
        torn = run_cli(command, str(facts), "--policies", str(policies), "--history", str(history))
        assert torn.returncode == 3, (command, torn.stdout)  # was 0: continue without the spike
        assert torn.stderr.startswith(f"{history}:2:") and "error: history: not JSON" in torn.stderr
        assert torn.stdout == ""


def test_contract_record_refuses_an_answer_cut_short_even_when_its_part_parses(tmp_path: Path):
    # 8 KiB of whole JSONL lines kept to 4 KiB: the part read ends on a line boundary
    (tmp_path / "phasegate.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Config\ndefaults: {max_output_bytes: 4096}\n"
        "contract:\n  baseline: baseline.json\n"
        """  commands: [[sh, -c, 'yes "{\\"a\\":1}" | head -c 8192']]\n"""
    )
    result = run_cli("contract", "record", cwd=tmp_path)
    assert result.returncode == 3, result.stderr  # was 0, a baseline of half an answer
    assert result.stderr.endswith(": output too large; not recorded\n")
    assert not (tmp_path / "baseline.json").exists()


def test_init_names_a_folder_with_a_newline_on_one_line(tmp_path: Path):
    folder = tmp_path / "repo\n::error::forged"
    result = call_cli("init", str(folder))
    assert result.returncode == 0, result.stderr
    assert not any(line.startswith("::") for line in result.stdout.splitlines())
    assert "repo\\n::error::forged: policies/" in result.stdout
    assert (folder / "check.sh").is_file()


def test_sigterm_while_a_report_is_written_leaves_no_half_report_behind(tmp_path: Path):
    degrades = ROOT / "fixtures" / "recordings" / "phase1-error-rate-degrades.jsonl"
    lines = degrades.read_text().splitlines()
    recording = tmp_path / "long.jsonl"
    with recording.open("w") as out:
        for index in range(2000):
            data = json.loads(lines[index % len(lines)])
            data["collected_at"] = (
                f"2026-11-{20 + index // 1440:02d}T{index // 60 % 24:02d}:{index % 60:02d}:00Z"
            )
            out.write(json.dumps(data) + "\n")
    reports = tmp_path / "reports"
    reports.mkdir()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "phasegate",
            "replay",
            str(recording),
            "--format",
            "html",
            "-o",
            str(reports / "replay.html"),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(6000):  # the report's temporary file appears: it is being written
            if list(reports.iterdir()) or child.poll() is not None:
                break
            time.sleep(0.005)
        assert child.poll() is None, "the replay ended before its report was being written"
        child.send_signal(signal.SIGTERM)
        _, stderr = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 143, stderr  # was -15: killed before its clean-up
    assert stderr.endswith("phasegate: stopped by SIGTERM\n")
    assert list(reports.iterdir()) == []  # no `.replay.html.XXXX` half report


def run_bytes(*args: str | bytes, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """`phasegate ARGS` with arguments given as bytes, as a shell passes any file name."""
    return subprocess.run(
        [sys.executable, "-m", "phasegate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="backslashreplace",
        timeout=60,
    )


def test_an_argument_that_is_not_utf8_is_a_usage_error_not_an_internal_error(tmp_path: Path):
    for args in (
        ("eval", b"'\xff'"),  # was: internal error: TypeError
        ("resume", "--reason", b"why \xff", "--state-dir", str(tmp_path)),  # UnicodeEncodeError
        ("replay", b"r\xff.jsonl", "--format", "json"),
    ):
        result = run_bytes(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "internal error" not in result.stderr
        assert "is not UTF-8 text" in result.stderr and result.stdout == ""


def test_a_facts_file_named_in_bytes_that_are_not_utf8_is_skipped_in_a_folder(tmp_path: Path):
    folder = tmp_path / "snapshots"
    folder.mkdir()
    (folder / "b.yaml").write_bytes(HEALTHY.read_bytes())
    (folder / os.fsdecode(b"a\xff.yaml")).write_bytes(HEALTHY.read_bytes())
    result = run_cli("replay", str(folder), "--format", "json")
    assert result.returncode == 0, result.stderr  # was: internal error: UnicodeEncodeError
    [recording] = json.loads(result.stdout)["recordings"]
    assert len(recording["snapshots"]) == 1
    assert recording["skipped"] == [
        {"where": f"{folder}/a\\udcff.yaml", "reason": "a name that is not UTF-8: rename it"}
    ]


def test_an_environment_fact_that_is_not_utf8_is_a_usage_error(tmp_path: Path):
    (tmp_path / "phasegate.yaml").write_text("apiVersion: phasegate/v1\nkind: Config\n")
    env = {**os.environ, "PHASEGATE_OPERATOR": os.fsdecode(b"op-\xff")}
    args = ("collect", "--phase", "0", "--set", "change.commit=9f2c4e1", "-o", "facts.json")
    result = run_cli(*args, cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stderr  # was: internal error: UnicodeEncodeError
    assert result.stderr == "phasegate: error: $PHASEGATE_OPERATOR: not UTF-8 text: 'op-\\udcff'\n"
    assert not (tmp_path / "facts.json").exists()


def test_status_of_a_log_of_damaged_lines_only_says_so(tmp_path: Path):
    (tmp_path / "phasegate.yaml").write_text("apiVersion: phasegate/v1\nkind: Config\n")
    state = tmp_path / "state"
    state.mkdir()
    decision = json.dumps({"event": "decision", "facts": healthy(), "decision": {}})
    (state / "decisions.jsonl").write_text(decision[:100] + "\n" + decision[:50] + "\n")
    result = call_cli("status", "--state-dir", str(state), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [  # was the last line alone: an empty log, read so
        f"phasegate: warning: {state}/decisions.jsonl:1: skipped: not a JSON line",
        f"phasegate: warning: {state}/decisions.jsonl:2: skipped: not a JSON line",
        f"phasegate: no decision recorded in {state}",
    ]
