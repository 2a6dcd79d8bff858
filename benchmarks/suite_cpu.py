"""Where the test suite's CPU goes: per module, the CPU of each test and of the processes it
started, and how much of its wall time it spent waiting.

The suite is bound by CPU on this 2-core machine; `--durations` shows wall time, which a
test waiting for a server and a test busy in forty phasegate processes share. As a pytest
plugin this writes one JSON line per test (its own CPU, its reaped children's, its wall
time) to a file per xdist worker; run as a script it sums them per module.

    PYTHONPATH=benchmarks python -m pytest -n 2 -q -p no:cacheprovider -p suite_cpu
    python benchmarks/suite_cpu.py [TOP]          (the TOP modules, default 12)

The files go to $SUITE_CPU_DIR (default: the system's temporary folder, suite-cpu/).
"""

from __future__ import annotations

import collections
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

FOLDER = Path(os.environ.get("SUITE_CPU_DIR") or Path(tempfile.gettempdir()) / "suite-cpu")


def _cpu(who: int) -> float:
    used = resource.getrusage(who)
    return used.ru_utime + used.ru_stime


def pytest_sessionstart(session: Any) -> None:
    """Each worker (and a run without xdist) writes its own file; the main process, which
    starts before the workers, first removes the files of an earlier run."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        for old in FOLDER.glob("*.jsonl"):
            old.unlink()
        worker = "main"
    session.config._suite_cpu = (FOLDER / f"{worker}.jsonl").open("w", encoding="utf-8")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: Any, nextitem: Any) -> Iterator[None]:
    own, children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    yield
    spent = _cpu(resource.RUSAGE_SELF) - own + _cpu(resource.RUSAGE_CHILDREN) - children
    wall = time.perf_counter() - started
    out = item.config._suite_cpu
    out.write(json.dumps({"test": item.nodeid, "cpu": spent, "wall": wall}) + "\n")
    out.flush()


def main() -> None:
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    rows = [
        json.loads(line)
        for path in sorted(FOLDER.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    if not rows:
        raise SystemExit(f"no figures in {FOLDER}: run the suite with -p suite_cpu first")
    modules: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for row in rows:
        figures = modules[row["test"].split("::")[0]]
        figures[0] += row["cpu"]
        figures[1] += row["wall"]
        figures[2] += 1
    cpu, wall = sum(r["cpu"] for r in rows), sum(r["wall"] for r in rows)
    print(f"{len(rows)} tests: {cpu:.0f} s of CPU, {wall:.0f} s of wall time over the workers\n")
    print("| module | tests | CPU s | wall s | waiting s |\n|---|---|---|---|---|")
    for name, (used, took, count) in sorted(modules.items(), key=lambda item: -item[1][0])[:top]:
        print(f"| {name} | {count:.0f} | {used:.1f} | {took:.1f} | {max(took - used, 0):.1f} |")


if __name__ == "__main__":
    main()
