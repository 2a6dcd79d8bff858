"""Start-up CPU of phasegate at two (or more) commits, side by side: did a change pay?

Each commit is exported (`git archive`) to a temporary folder and run from there
(`PYTHONPATH=<folder>/src`, its own policies, its own warm policy cache); `.` is this
checkout as it is, edits included. Each round runs every (case, commit) once, in an order
rotated round by round, so a slow spell of the machine weighs on all of them alike; CPU is
the child's user + sys from `os.wait4`; figures are medians. A difference of a millisecond
needs 30 rounds or more on a busy machine: compare the min column too.

    python benchmarks/startup_ab.py [ROUNDS] REV [REV ...]   (default 15 rounds)
    e.g. python benchmarks/startup_ab.py 31 main .

Cases: `evaluate` of fixtures/facts/phase2-healthy.yaml as JSON with a warm cache,
`--version`, `lint` of the shipped set.
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "facts" / "phase2-healthy.yaml"


def export(rev: str, into: Path) -> Path:
    """The tree of `rev` (`.`: this checkout) as a folder to run from."""
    if rev == ".":
        return ROOT
    into.mkdir()
    archive = subprocess.run(
        ["git", "archive", rev], cwd=ROOT, check=True, capture_output=True, timeout=60
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True, timeout=60)
    return into


def cpu(command: list[str], tree: Path, cache: Path) -> float:
    """The child's own CPU seconds (user + system); its exit status checked."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "PHASEGATE_CACHE_DIR": str(cache)}
    child = subprocess.Popen(
        command, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 10, 20):  # continue, pause, rollback
        raise SystemExit(f"{' '.join(command)} in {tree} exited {code}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    args = sys.argv[1:]
    rounds = int(args.pop(0)) if args and args[0].isdigit() else 15
    revs = args or ["HEAD", "."]
    sys.path.insert(0, str(ROOT / "src"))
    from phasegate.files.loading import load_document

    with tempfile.TemporaryDirectory(prefix="phasegate-ab-") as work:
        folder = Path(work)
        facts = folder / "phase2-healthy.json"
        facts.write_text(json.dumps(load_document(FIXTURE).data))
        trees = {rev: export(rev, folder / f"tree{index}") for index, rev in enumerate(revs)}
        for tree in trees.values():  # as `pip install` compiles: no compiling in the rounds
            compileall.compile_dir(tree / "src" / "phasegate", quiet=1)
        phasegate = [sys.executable, "-m", "phasegate"]
        cases = {
            "evaluate JSON, warm": [*phasegate, "evaluate", str(facts)],
            "--version": [*phasegate, "--version"],
            "lint": [*phasegate, "lint"],
        }
        jobs = [(case, rev) for case in cases for rev in revs]
        caches = {rev: folder / f"cache{index}" for index, rev in enumerate(revs)}
        for case, rev in jobs:  # warm the caches and the file cache
            cpu(cases[case], trees[rev], caches[rev])
        samples: dict[tuple[str, str], list[float]] = {job: [] for job in jobs}
        for number in range(rounds):
            turn = number % len(jobs)
            for case, rev in jobs[turn:] + jobs[:turn]:
                samples[(case, rev)].append(cpu(cases[case], trees[rev], caches[rev]))
    print(f"{rounds} rounds, interleaved; CPU (user + sys) from wait4, seconds\n")
    print("| case | commit | median | min |\n|---|---|---|---|")
    for case, rev in jobs:
        found = samples[(case, rev)]
        print(f"| {case} | {rev} | {statistics.median(found):.4f} | {min(found):.4f} |")


if __name__ == "__main__":
    main()
