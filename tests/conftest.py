"""Shared test helpers: repository paths, facts builders and a real CLI subprocess."""

from __future__ import annotations

import contextlib
import copy
import io
import os
import signal
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "policies"
FIXTURES = ROOT / "fixtures" / "facts"
# The policy cache of every run here (in process and in subprocesses) lives in a folder of
# its own: tests never write to the user's ~/.cache, and mostly take the warm path.
os.environ.setdefault("PHASEGATE_CACHE_DIR", tempfile.mkdtemp(prefix="phasegate-test-cache-"))

HEALTHY_PHASE1: dict[str, Any] = {
    "apiVersion": "phasegate/v1",
    "kind": "Facts",
    "phase": 1,
    "collected_at": "2026-11-20T10:00:00Z",
    "phase_started_at": "2026-11-20T08:00:00Z",
    "change": {"commit": "9f2c4e1", "tag": "v0.4.3", "last_known_good": "v0.4.2"},
    "owners": {"release": "alice", "rollback": "bob"},
    "deployed_version": "0.4.3",
    "rollout": {
        "state": "rolling_out",
        "previous_phase_continue_at": "2026-11-20T08:00:00Z",
        "previous_phase_started_at": "2026-11-20T08:00:00Z",
    },
    "checks": {name: {"exit_code": 0, "commit": "9f2c4e1"} for name in ("quick", "test", "ci")},
    "metrics": {
        "error_rate": 0.012,
        "lock_contention_rate": 0.004,
        "agents_total": 8,
        "agents_failed": 0,
        "agent_completion_rate": 0.96,
        "throughput": 42.0,
        "new_failures": 0,
    },
    "baseline": {
        "error_rate": 0.011,
        "lock_contention_rate": 0.004,
        "agents_total": 8,
        "agents_failed": 0,
        "agent_completion_rate": 0.96,
        "throughput": 40.0,
    },
    "incidents": [],
    "contract": {"drift": [], "nondeterministic_exits": []},
    "state": {"corruption_indicators": 0, "db_integrity_ok": True},
    "extra": {"new_failure_categories": []},
}


def healthy(**changes: Any) -> dict[str, Any]:
    """A complete, healthy Phase 1 facts document with top-level fields replaced."""
    data = copy.deepcopy(HEALTHY_PHASE1)
    data.update(copy.deepcopy(changes))
    return data


def write_yaml(path: Path, data: Any) -> Path:
    yaml = YAML()
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    return path


def run_cli(
    *args: str, cwd: Path | None = None, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real `phasegate` in a subprocess, as CI and operators do."""
    return subprocess.run(
        [sys.executable, "-m", "phasegate", *args],
        cwd=cwd or ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def call_cli(
    *args: str, cwd: Path | None = None, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`phasegate ARGS` in this process, with `run_cli`'s cwd, stdin and environment.

    For tests whose subject is what a command computes and prints, not the process around
    it: the interpreter start (a third of a short command's CPU) is saved. Exit codes
    through a real process, stdout and stderr bytes, signals, locks between processes,
    children and timeouts keep `run_cli`. The stop handlers a command installs are put
    back afterwards, as are the environment and the working directory. Warnings go to its
    stderr as a fresh process prints them (pytest would keep them out of sight).

    Not for `run`, `collect` or `contract`: they start each source and action through a
    fork that runs code in the child, which copies the whole test worker (hundreds of MB
    late in a run) instead of a fresh phasegate. Measured: about 35 ms a child from a
    437 MB process against 3 ms from a small one, so the worlds of tests/test_run.py
    cost more in process than as subprocesses.
    """
    from phasegate.cli import main
    from phasegate.collect.process import STOP_SIGNALS

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    saved_handlers = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    stdout, stderr = io.StringIO(), io.StringIO()
    stdin_stream = io.TextIOWrapper(io.BytesIO((stdin or "").encode()), encoding="utf-8")
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    os.chdir(cwd or ROOT)
    try:
        with (
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
            _stdin(stdin_stream),
            warnings.catch_warnings(record=True) as caught,
        ):
            try:
                main(list(args))
                code = 0  # main always exits: a return is a bug the test's exit code shows
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else 1
        for warning in caught:  # what a real process would print on its stderr
            if not issubclass(warning.category, _SILENT_WARNINGS):
                stderr.write(
                    warnings.formatwarning(
                        warning.message, warning.category, warning.filename, warning.lineno
                    )
                )
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        for signum, handler in saved_handlers.items():
            signal.signal(signum, handler)
    return subprocess.CompletedProcess(
        ["phasegate", *args], code, stdout.getvalue(), stderr.getvalue()
    )


#: What a fresh interpreter does not print by default (pyproject.toml still makes a
#: deprecation raised from phasegate's own code an error, in process too).
_SILENT_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)


@contextlib.contextmanager
def _stdin(stream: io.TextIOWrapper):
    saved = sys.stdin
    sys.stdin = stream
    try:
        yield
    finally:
        sys.stdin = saved


@pytest.fixture
def facts_file(tmp_path: Path):
    """Write a facts document (healthy Phase 1 with changes) and return its path."""

    def make(data: Any = None, name: str = "facts.yaml", **changes: Any) -> Path:
        return write_yaml(tmp_path / name, data if data is not None else healthy(**changes))

    return make
