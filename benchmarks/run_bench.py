"""What a `phasegate run` costs an operator: wall time and CPU of one decision over the
stand-ins of fixtures/bin, with the shipped configuration: 19 commands (three checks, each
after a `git rev-parse HEAD`, five sources and eight contract smoke commands).

A world is built per commit as tests/test_run.py builds one (stand-ins first on PATH, a
`git` that reports the release commit, the contract recorded once); each round runs
`run --phase 0 ... --dry-run` (nothing written, so every round decides alike) once per
commit, in an order rotated round by round. Figures are medians: wall time, the CPU of
phasegate's own process (RUSAGE_SELF, printed at its exit), and the CPU of phasegate with
every command it ran (wait4).

    python benchmarks/run_bench.py [ROUNDS] [REV ...]     (default 9 rounds, REV `.`)
    e.g. python benchmarks/run_bench.py 9 HEAD~1 .

REV is exported as benchmarks/startup_ab.py exports it; `.` is this checkout.
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from startup_ab import export  # noqa: E402

RELEASE_SHA = "9f2c4e1" + "0" * 33
CHANGE = [
    *("--set", "change.commit=9f2c4e1", "--set", "change.tag=v0.4.3"),
    *("--set", "change.last_known_good=v0.4.2"),
    *("--set", "owners.release=alice", "--set", "owners.rollback=bob"),
    *("--set", "collected_at=2026-11-20T10:00:00Z"),
]
#: phasegate, with its own CPU written to stderr's last line when it exits.
SELF_CPU = (
    "import atexit, resource, runpy, sys\n"
    "def tell():\n"
    "    used = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    sys.stderr.write(f'\\nself-cpu {used.ru_utime + used.ru_stime}\\n')\n"
    "atexit.register(tell)\n"
    "sys.argv = ['phasegate', *sys.argv[1:]]\n"
    "runpy.run_module('phasegate', run_name='__main__')\n"
)


def world(tree: Path, folder: Path) -> dict[str, str]:
    """A working folder for `tree`'s phasegate; returns the environment its runs get."""
    (folder / "standin").mkdir(parents=True)
    (folder / "bin").mkdir()
    git = folder / "bin" / "git"
    git.write_text(f"#!/bin/sh\necho {RELEASE_SHA}\n")
    git.chmod(0o755)
    (folder / "phasegate.yaml").write_text((tree / "phasegate.yaml").read_text())
    path = [tree / "fixtures" / "bin", folder / "bin", Path(sys.executable).parent]
    env = {
        "PATH": os.pathsep.join([*map(str, path), "/usr/bin", "/bin"]),
        "STANDIN_STATE_DIR": str(folder / "standin"),
        "HOME": str(folder),
        "NO_COLOR": "1",
        "PYTHONPATH": str(tree / "src"),
        "PHASEGATE_CACHE_DIR": str(folder / "cache"),
    }
    record = subprocess.run(
        [sys.executable, "-m", "phasegate", "contract", "record"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if record.returncode != 0:
        raise SystemExit(f"contract record in {folder}: {record.stderr.strip()}")
    return env


def one_run(folder: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """(wall, phasegate's CPU, CPU with its commands) of one dry run, in seconds."""
    with tempfile.TemporaryFile() as errors:
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-c", SELF_CPU, "run", "--phase", "0", *CHANGE, "--dry-run"],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.monotonic() - started
        errors.seek(0)
        last = errors.read().decode().strip().splitlines()[-1]
    code = os.waitstatus_to_exitcode(status)
    if code != 0 or not last.startswith("self-cpu "):
        raise SystemExit(f"run in {folder} exited {code}: {last}")
    return wall, float(last.split()[1]), usage.ru_utime + usage.ru_stime


def main() -> None:
    args = sys.argv[1:]
    rounds = int(args.pop(0)) if args and args[0].isdigit() else 9
    revs = args or ["."]
    with tempfile.TemporaryDirectory(prefix="phasegate-run-bench-") as work:
        folder = Path(work)
        trees = {rev: export(rev, folder / f"tree{index}") for index, rev in enumerate(revs)}
        for tree in trees.values():  # as `pip install` compiles: no compiling in the rounds
            compileall.compile_dir(tree / "src" / "phasegate", quiet=1)
        worlds = {rev: folder / f"world{index}" for index, rev in enumerate(revs)}
        envs = {rev: world(trees[rev], worlds[rev]) for rev in revs}
        for rev in revs:  # the policy cache and the file cache warm
            one_run(worlds[rev], envs[rev])
        samples: dict[str, list[tuple[float, float, float]]] = {rev: [] for rev in revs}
        for number in range(rounds):
            turn = number % len(revs)
            for rev in revs[turn:] + revs[:turn]:
                samples[rev].append(one_run(worlds[rev], envs[rev]))
    print(f"`phasegate run --phase 0 --dry-run` over the stand-ins, {rounds} rounds, medians\n")
    print("| commit | wall s | phasegate CPU s | with its commands, CPU s |\n|---|---|---|---|")
    for rev in revs:
        wall, own, total = (statistics.median(column) for column in zip(*samples[rev], strict=True))
        print(f"| {rev} | {wall:.3f} | {own:.3f} | {total:.3f} |")


if __name__ == "__main__":
    main()
