"""Running one command for real: argv only, a timeout, a capped read, the group killed.

Tools under test can hang, print without end or spawn children; the collector must survive
all of that and report what happened, so a probe never raises for the command's behaviour.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO

#: Exit codes used when there is no real one, as shells do.
EXIT_TIMED_OUT = 124
EXIT_NOT_EXECUTABLE = 126
EXIT_NOT_FOUND = 127
TAIL_CHARS = 2000


@dataclass(frozen=True)
class CommandResult:
    argv: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str
    duration_ms: int
    timed_out: bool = False
    truncated: bool = False
    #: Why the command could not run at all (not found, not executable), else None.
    failure: str | None = None

    def tail(self, text: str) -> str:
        return text[-TAIL_CHARS:]


class _CappedReader(threading.Thread):
    """Drains a pipe to the end, keeping at most `cap` bytes, so the child never blocks."""

    def __init__(self, stream: IO[bytes], cap: int) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.cap = cap
        self.chunks: list[bytes] = []
        self.kept = 0
        self.truncated = False

    def run(self) -> None:
        try:
            while chunk := self.stream.read(65536):
                room = self.cap - self.kept
                if room > 0:
                    self.chunks.append(chunk[:room])
                    self.kept += min(room, len(chunk))
                if len(chunk) > room:
                    self.truncated = True
        except (OSError, ValueError):
            pass

    def text(self) -> str:
        return b"".join(self.chunks).decode("utf-8", errors="replace")


def run_command(
    argv: Sequence[str],
    *,
    timeout: float,
    max_output_bytes: int,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> CommandResult:
    """Run `argv` without a shell; on timeout kill its whole process group."""
    started = time.monotonic()
    argv = tuple(argv)
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=dict(env) if env is not None else None,
            cwd=cwd,
        )
    except FileNotFoundError:
        return _not_run(argv, EXIT_NOT_FOUND, f"command not found: {argv[0]}", started)
    except PermissionError:
        return _not_run(argv, EXIT_NOT_EXECUTABLE, f"not executable: {argv[0]}", started)
    except OSError as exc:
        return _not_run(argv, EXIT_NOT_EXECUTABLE, f"cannot run {argv[0]}: {exc}", started)
    assert process.stdout is not None and process.stderr is not None
    out = _CappedReader(process.stdout, max_output_bytes)
    err = _CappedReader(process.stderr, max_output_bytes)
    out.start()
    err.start()
    timed_out = False
    try:
        exit_code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(process)
        process.wait()
        exit_code = EXIT_TIMED_OUT
    # A child that escaped the group could hold the pipes open: do not wait for it forever.
    out.join(timeout=5)
    err.join(timeout=5)
    if exit_code < 0:
        exit_code = 128 - exit_code  # killed by a signal, as a shell reports it
    return CommandResult(
        argv=argv,
        exit_code=exit_code,
        stdout=out.text(),
        stderr=err.text(),
        duration_ms=int((time.monotonic() - started) * 1000),
        timed_out=timed_out,
        truncated=out.truncated or err.truncated,
    )


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()


def _not_run(argv: tuple[str, ...], code: int, why: str, started: float) -> CommandResult:
    elapsed = int((time.monotonic() - started) * 1000)
    return CommandResult(argv, code, "", why, elapsed, failure=why)
