"""No child outlives phasegate: not a background child holding the pipes, not a command
running when phasegate is stopped by a signal, not one when phasegate is killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from hostile_gate import gate_fixture  # noqa: F401  (the `gate` fixture)
from waiting import gone, running, wait_for_file

from phasegate.collect import process
from phasegate.collect.process import run_command


def test_a_background_child_holding_the_pipes_is_killed_and_its_output_kept():
    result = run_command(
        ["sh", "-c", "sleep 123 & echo $!; echo started"], timeout=300, max_output_bytes=1000
    )
    pid, said = result.stdout.split()
    assert said == "started" and result.exit_code == 0 and not result.timed_out
    assert gone(int(pid))


def test_a_child_that_left_the_group_holding_the_pipes_is_killed_and_the_output_kept():
    """Hunt: a child in a session of its own (`setsid`) escaped the group kill and
    outlived phasegate, and the pipe it held never ended the last read: what the command
    printed was lost (stdout read as empty)."""
    result = run_command(
        ["sh", "-c", "setsid sleep 123 & echo $!; echo started"],
        timeout=300,
        max_output_bytes=1000,
    )
    pid, said = result.stdout.split()
    assert said == "started" and result.exit_code == 0 and not result.timed_out
    assert gone(int(pid))


#: A process that was running before the command: it takes the descriptor the command
#: sends over a UNIX socket and keeps it open, as an ssh ControlMaster keeps a client's.
KEEPER = """\
import socket, sys, time
server = socket.socket(socket.AF_UNIX)
server.bind(sys.argv[1])
server.listen(1)
print("ready", flush=True)
connection, _ = server.accept()
message, kept, _, _ = socket.recv_fds(connection, 16, 1)
time.sleep(300)
"""
#: The command: hands its stdout to the keeper, says one line, and exits.
HAND_OVER = """\
import socket, sys
client = socket.socket(socket.AF_UNIX)
client.connect(sys.argv[1])
socket.send_fds(client, [b"x"], [1])
print("handed over", flush=True)
"""


def test_a_process_older_than_the_command_holding_its_pipe_is_left_alone(tmp_path):
    """Hunt: every process holding the command's pipe was killed, one that started before
    the command too (an ssh ControlMaster given the client's descriptors serves other
    sessions). It is no child of the command: left running, and the output cut short."""
    path = str(tmp_path / "keeper.sock")
    keeper = subprocess.Popen(
        [sys.executable, "-c", KEEPER, path], stdout=subprocess.PIPE, text=True
    )
    try:
        assert keeper.stdout is not None and keeper.stdout.readline() == "ready\n"
        result = run_command(
            [sys.executable, "-c", HAND_OVER, path], timeout=60, max_output_bytes=1000
        )
        assert result.exit_code == 0 and not result.timed_out
        assert keeper.poll() is None  # still running
        assert result.held and result.unfinished == process.HELD  # not the answer
    finally:
        keeper.kill()
        keeper.wait(timeout=60)


def test_a_killed_phasegate_takes_its_running_command_with_it(tmp_path):
    pidfile = tmp_path / "child.pid"
    script = textwrap.dedent(f"""\
        from phasegate.collect.process import run_command
        run_command(["sh", "-c", 'echo $$ > "$0"; exec sleep 300', "{pidfile}"],
                    timeout=300, max_output_bytes=100)
        """)
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        child = int(wait_for_file(pidfile))
        assert running(child)
    finally:
        parent.kill()
        parent.wait(timeout=60)
    assert gone(child)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_stopped_phasegate_kills_every_running_group_then_exits_128_plus_signal(gate, signum):
    pids = gate.path / "pids"
    gate.configure(f"""\
    checks:
      slow:
        command: [sh, -c, 'sleep 300 & echo $$ $! > "$0"; wait', {pids}]
        timeout: 600
    """)
    phasegate = gate.spawn("continue", 0)
    try:
        leader, background = map(int, wait_for_file(pids).split())
        os.kill(phasegate.pid, signum)
        _, err = phasegate.communicate(timeout=60)
    finally:
        phasegate.kill()
    assert phasegate.returncode == 128 + signum
    assert f"stopped by {signal.Signals(signum).name}" in err
    assert gone(leader) and gone(background)


def test_a_stop_signal_between_starting_a_command_and_registering_it_still_kills_it(
    monkeypatch, tmp_path
):
    # The handler runs in the thread that is inside Popen, where the lock cannot hold it
    # off: a signal landing after the exec, before the group was registered, used to find
    # no group, and the command's background children outlived phasegate.
    from phasegate.collect import process

    pidfile = tmp_path / "pids"
    real_popen = subprocess.Popen

    def popen_then_signal(*args, **kwargs):
        started = real_popen(*args, **kwargs)
        wait_for_file(pidfile)
        signal.raise_signal(signal.SIGTERM)  # handled here, before the group is registered
        return started

    saved = {signum: signal.getsignal(signum) for signum in process.STOP_SIGNALS}
    monkeypatch.setattr(process.subprocess, "Popen", popen_then_signal)
    try:
        process.install_stop_handlers()
        with pytest.raises(SystemExit) as stopped:
            run_command(
                ["sh", "-c", 'sleep 300 & echo $$ $! > "$0"; wait', str(pidfile)],
                timeout=300,
                max_output_bytes=100,
            )
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    assert stopped.value.code == 128 + signal.SIGTERM
    leader, background = map(int, pidfile.read_text().split())
    assert gone(leader) and gone(background)


def test_an_answer_a_background_child_was_still_printing_is_no_answer(tmp_path):
    """Hunt: a command that exits while a background child still prints the rest of its
    answer was read from what came before the group kill: here `errors: 0`, with the
    `errors: 9` line cut off, a healthy count."""
    from phasegate.collect import collector
    from phasegate.collect.config import load_config
    from phasegate.core.recording import instant

    (tmp_path / "phasegate.yaml").write_text(
        textwrap.dedent("""\
            apiVersion: phasegate/v1
            kind: Config
            sources:
              - name: agents
                command: [sh, -c, 'echo "{\\"errors\\": 0}"; (sleep 9; echo "{\\"errors\\": 9}") &']
                facts:
                  metrics.agents_failed: lines.map(l, l.errors).max()
            """)
    )
    config = load_config(tmp_path / "phasegate.yaml")
    facts: dict = {}
    unknown: dict = {}
    now = instant("2026-11-20T10:00:00Z")
    collector._run_source(config.sources[0], config, {}, now, facts, unknown)
    assert facts == {}
    assert unknown == {"metrics.agents_failed": f"source agents: {process.HELD}"}


@pytest.mark.parametrize("handlers", ["long running", "any other command"])
def test_a_stop_signal_while_stderr_is_mid_write_still_stops_as_signalled(
    monkeypatch, capfd, handlers: str
):
    """Review: both stop handlers (`run`'s and `collect`'s; every other command's) wrote
    their line through `sys.stderr`. Come while that stream is mid-write (blocked on a CI
    log pipe), the write re-entered it and raised "RuntimeError: reentrant call" instead of
    SystemExit: the command ended as "internal error", and `run` logged no "stopped"
    outcome for the deploy it had just killed (it catches SystemExit). The line goes to the
    descriptor itself; the exit is the signal's."""
    import io

    from phasegate import cli
    from phasegate.collect import process

    class MidWrite(io.TextIOBase):
        def write(self, text: str) -> int:
            raise RuntimeError("reentrant call inside <_io.BufferedWriter name='<stderr>'>")

    saved = {signum: signal.getsignal(signum) for signum in process.STOP_SIGNALS}
    try:
        if handlers == "long running":
            process.install_stop_handlers()
        else:
            cli.stop_by_unwinding()
        monkeypatch.setattr(sys, "stderr", MidWrite())
        with pytest.raises(SystemExit) as stopped:
            signal.raise_signal(signal.SIGTERM)
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    assert stopped.value.code == 128 + signal.SIGTERM
    said = capfd.readouterr().err  # how many it killed depends on what earlier tests left
    assert said.startswith("phasegate: stopped by SIGTERM") and said.count("\n") == 1


#: A process whose stderr pipe is full (nobody reads it), then waits for a stop signal.
_STDERR_FULL = """
import os, sys, time
from phasegate import cli
from phasegate.collect import process
cli.stop_by_unwinding() if sys.argv[1] == "any other command" else process.install_stop_handlers()
os.set_blocking(2, False)
try:
    while True:
        os.write(2, b"x" * 4096)
except BlockingIOError:
    pass
os.set_blocking(2, True)
print("full", flush=True)
time.sleep(120)
"""


@pytest.mark.parametrize("handlers", ["long running", "any other command"])
def test_a_stop_signal_while_stderr_is_a_full_pipe_still_stops(handlers: str):
    """Review: the stop line was written to descriptor 2 blocking. A CI log pipe nobody
    reads (full) held the handler in that write for ever, with SIGTERM and SIGHUP then
    ignored: phasegate hung until SIGKILL, instead of exiting 128 + the signal's number.
    The line is written only when the descriptor takes it (waited for a moment, bounded)."""
    child = subprocess.Popen(
        [sys.executable, "-c", _STDERR_FULL, handlers],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert child.stdout.readline() == b"full\n"
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
        child.stderr.close()
