"""Running one command for real: argv only, a timeout, a capped read, the group killed.

Tools under test can hang, print without end or spawn children; the collector must survive
all of that and report what happened, so a probe never raises for the command's behaviour.
No child outlives phasegate: each runs in its own process group, which is killed when the
command ends (a background child holding the pipes included, in the group or not), when
phasegate is stopped by SIGTERM, SIGINT or SIGHUP, and, on Linux, the child itself when
phasegate is killed outright.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import IO

from phasegate.errors import say_from_signal_handler

#: Exit codes used when there is no real one, as shells do.
EXIT_TIMED_OUT = 124
EXIT_NOT_EXECUTABLE = 126
EXIT_NOT_FOUND = 127
TAIL_CHARS = 2000
#: How long the pipes are still read after the command exited: a background child that
#: keeps them open must not hold phasegate until the timeout.
PIPE_GRACE = 0.5
#: How long a stopped phasegate lets its children end on SIGTERM before SIGKILL.
STOP_GRACE = 1.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
HELD = (
    f"output cut short: a background process still held stdout open {PIPE_GRACE:g}s after "
    "the command exited, and was killed"
)

#: NUL, C0 and C1 controls but newline and tab, and DEL: they mean nothing in a fact and
#: turn into terminal escapes, truncated C strings or `embedded null byte` further on.
_CONTROL = [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]
_REPLACE = dict.fromkeys(_CONTROL, "\ufffd")


def printable(text: str) -> str:
    """`text` with every control character but newline and tab replaced by U+FFFD, which
    shows that something was there; CRLF line ends become plain newlines first."""
    return text.replace("\r\n", "\n").translate(_REPLACE)


def first_control_character(text: str) -> str | None:
    return next((char for char in text if ord(char) in _REPLACE), None)


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
    #: A background process still held stdout open when the command's group was killed: it
    #: may have had more to print, so what was read may be only part of the answer.
    held: bool = False

    def tail(self, text: str) -> str:
        return text[-TAIL_CHARS:]

    @property
    def unfinished(self) -> str | None:
        """Why the output cannot be judged (not run, timed out, cut short), else None: what
        such a command printed before it stopped is no answer."""
        if self.failure or self.timed_out or self.truncated:
            return self.failure or ("timed out" if self.timed_out else "output too large")
        if self.held:
            return HELD
        return None


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
        return printable(b"".join(self.chunks).decode("utf-8", errors="replace"))


_PR_SET_PDEATHSIG = 1
_libc: ctypes.CDLL | None = None
if sys.platform.startswith("linux"):
    try:
        _libc = ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - a Linux without a loadable libc
        _libc = None


def _die_with(parent: int) -> Callable[[], None] | None:
    """What the child runs before exec: be killed when phasegate dies, even by SIGKILL.

    The parent-death signal follows the thread that forked, so commands are started from
    the main thread. A parent that died before prctl ran is caught by the getppid check.
    """
    libc = _libc
    if libc is None:
        return None

    def arm() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(EXIT_NOT_EXECUTABLE)

    return arm


#: Process groups of the commands running now, for the stop handler to kill.
_running: set[int] = set()
_running_lock = threading.RLock()  # re-entered by a stop handler during Popen
#: A stop signal that arrived while the main thread was between starting a command and
#: registering its group: the handler runs in that thread, between the two, where the lock
#: cannot hold it off; it is acted on once the group is registered, or the group escapes.
_starting = False
_deferred: list[int] = []


def kill_running(grace: float = STOP_GRACE) -> int:
    """SIGTERM every running command's group, SIGKILL what is left after `grace`."""
    with _running_lock:
        groups = sorted(_running)
    for group in groups:
        _signal_group(group, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while groups and time.monotonic() < deadline:
        if not any(_alive(group) for group in groups):
            break
        time.sleep(0.02)
    for group in groups:
        _signal_group(group, signal.SIGKILL)
    return len(groups)


def _alive(pid: int) -> bool:
    """Whether the group leader still runs (not yet exited; a zombie does not run)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
    except ChildProcessError:
        return False


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signum)


def install_stop_handlers() -> None:
    """On SIGTERM, SIGINT or SIGHUP: kill every running command, then exit 128+signum.

    For commands that run children (collect, run, contract record); only the main thread
    may install handlers, and the exit unwinds normally so open files are closed.
    """

    def stop(signum: int, frame: FrameType | None) -> None:
        if _starting:
            _deferred.append(signum)  # run_command calls back once the group is registered
            return
        for other in STOP_SIGNALS:
            signal.signal(other, signal.SIG_IGN)  # a second signal must not cut this short
        killed = kill_running()
        name = signal.Signals(signum).name
        say_from_signal_handler(f"phasegate: stopped by {name}; killed {killed} running command(s)")
        raise SystemExit(128 + signum)

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)


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
    if any("\0" in part for part in argv):
        return _not_run(argv, EXIT_NOT_EXECUTABLE, "refused: an argument holds a NUL", started)
    global _starting
    main = threading.current_thread() is threading.main_thread()
    try:
        with _running_lock:  # registered before a stop handler could miss it
            _starting = main  # a handler in this thread waits for the registration
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                preexec_fn=_die_with(os.getpid()),
                env=dict(env) if env is not None else None,
                cwd=cwd,
            )
            _running.add(process.pid)
    except FileNotFoundError:
        return _not_run(argv, EXIT_NOT_FOUND, f"command not found: {argv[0]}", started)
    except PermissionError:
        return _not_run(argv, EXIT_NOT_EXECUTABLE, f"not executable: {argv[0]}", started)
    except OSError as exc:
        return _not_run(argv, EXIT_NOT_EXECUTABLE, f"cannot run {argv[0]}: {exc}", started)
    finally:
        if main:
            _starting = False
            if _deferred:
                signal.raise_signal(_deferred.pop())  # the stop, now that nothing escapes it
    assert process.stdout is not None and process.stderr is not None
    born = _started(process.pid)
    out = _CappedReader(process.stdout, max_output_bytes)
    err = _CappedReader(process.stderr, max_output_bytes)
    out.start()
    err.start()
    try:
        timed_out = not _exited(process.pid, timeout)
        held = False
        if not timed_out:
            # A background child may still hold the pipes: read what it prints for a moment.
            out.join(timeout=PIPE_GRACE)
            err.join(timeout=PIPE_GRACE)
            held = out.is_alive()  # stderr is diagnostics; stdout is the answer
        # The leader is exited but not reaped, so its group id cannot have been reused.
        _kill_group(process)
        exit_code = process.wait()
        if timed_out:
            exit_code = EXIT_TIMED_OUT
    except BaseException:
        _kill_group(process)  # whatever cut the wait short, the command's group goes with it
        raise
    finally:
        with _running_lock:
            _running.discard(process.pid)
    # Killed with the group, no writer is left but a child that left it (setsid): it is found
    # by the pipes it holds and killed too, or it outlives phasegate, and the pipes' last
    # read never ends, losing what the command printed.
    out.join(timeout=PIPE_GRACE)
    err.join(timeout=PIPE_GRACE)
    if out.is_alive() or err.is_alive():
        for holder in _pipe_holders(born, process.stdout, process.stderr):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(holder, signal.SIGKILL)
        out.join(timeout=PIPE_GRACE)
        err.join(timeout=PIPE_GRACE)
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
        held=held,
    )


def _exited(pid: int, timeout: float) -> bool:
    """Wait up to `timeout` for `pid` to exit, leaving it unreaped (WNOWAIT).

    A pidfd becomes readable the moment the process exits, so a command that takes 20 ms
    is seen done at 20 ms; polling with backoff saw it up to twice as late, on each of the
    twenty commands of a `run`. Polling stays for a kernel without pidfds."""
    try:
        descriptor = os.pidfd_open(pid)
    except (AttributeError, OSError):
        return _polled(pid, timeout)
    try:
        watch = select.poll()
        watch.register(descriptor, select.POLLIN)
        deadline = time.monotonic() + timeout
        # In slices: poll takes at most 2**31 - 1 ms, and a configured timeout has no cap.
        while not watch.poll(min(max(deadline - time.monotonic(), 0), _SLICE) * 1000):
            if time.monotonic() >= deadline:
                return not _alive(pid)
        return True
    finally:
        os.close(descriptor)


#: The longest single wait on a pidfd, in seconds.
_SLICE = 60.0


def _polled(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    delay = 0.001
    while _alive(pid):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.05)
    return True


def _started(pid: int) -> int | None:
    """When process `pid` started, in clock ticks since boot (Linux's /proc/PID/stat), or
    None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rpartition(b")")[2].split()
        return int(fields[19])  # field 22, starttime; the name before ")" may hold spaces
    except (OSError, IndexError, ValueError):
        return None


def _pipe_holders(born: int | None, *streams: IO[bytes]) -> list[int]:
    """The other processes that hold one of these pipes open (Linux: their /proc fd links)
    and started with the command or after it (`born`); one scan of /proc, made only when a
    pipe outlived the command's group.

    One that started before the command was handed the pipe (a descriptor passed over a
    socket, as ssh gives its own to a ControlMaster that serves other sessions too): it is
    no child of the command, and is left alone; the command's output is then cut short."""
    names = set()
    for stream in streams:
        with contextlib.suppress(OSError, ValueError):
            names.add(f"pipe:[{os.fstat(stream.fileno()).st_ino}]")
    me = os.getpid()
    holders = []
    try:
        entries = [entry.name for entry in os.scandir("/proc") if entry.name.isdigit()]
    except OSError:
        return []
    for name in entries:
        if int(name) == me:
            continue
        try:
            links = [os.readlink(fd.path) for fd in os.scandir(f"/proc/{name}/fd")]
        except OSError:  # gone, or not ours to read
            continue
        if names.intersection(links):
            started = _started(int(name))
            if born is None or started is None or started >= born:
                holders.append(int(name))
    return holders


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()


def _not_run(argv: tuple[str, ...], code: int, why: str, started: float) -> CommandResult:
    elapsed = int((time.monotonic() - started) * 1000)
    return CommandResult(argv, code, "", why, elapsed, failure=why)
