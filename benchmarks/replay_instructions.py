"""Replay's cost per snapshot in instructions, which the machine's speed does not move.

CPU time on this shared 2-core machine moved by a third over a day, so two runs of the
peers command (benchmarks/peers/run.py) can disagree by more than a change saves. This
counts the instructions each process runs (valgrind's callgrind, its "Collected" total),
over a recording the replay benchmark writes (seed 7) and over its first line alone; the
difference over SNAPSHOTS - 1 is the cost of a snapshot, start-up left out. phasegate at
each REV, the peer that drives the same engine by hand, and `json.loads` of each line.

An instruction is not a nanosecond: the engine's C++ runs more of them per cycle than
the interpreter does, so a ratio here is not the CPU-time ratio of the peers command.
Use it to tell whether a change to replay pays; quote CPU time for what users wait for.

    python benchmarks/replay_instructions.py [SNAPSHOTS] [REV ...]   (500 and `.`)
    e.g. python benchmarks/replay_instructions.py 500 HEAD~3 .       (about 1 min a REV)

Needs valgrind (Debian: apt-get install valgrind) and the `bench` extra.
"""

from __future__ import annotations

import compileall
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from replay_bench import generate  # noqa: E402
from startup_ab import export  # noqa: E402

PY = sys.executable
PEER = HERE / "peers" / "cel_peer.py"


def instructions(command: list[str], env: dict[str, str], cwd: Path) -> int:
    """The instructions `command` ran under callgrind, in `cwd` (a tree's `policies`
    folder is the one its replay reads); its exit status checked."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=1800,
    )
    if done.returncode not in (0, 10, 20):  # continue, pause, rollback
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-500:]}")
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind: {done.stderr[-500:]}")
    return int(found.group(1))


def tree_at(rev: str, folder: Path, index: int) -> tuple[Path, dict[str, str]]:
    """phasegate at `rev`, exported into `folder`, its bytecode compiled (as pip install
    does), and the environment that runs it with a policy cache of its own."""
    tree = export(rev, folder / f"tree{index}")
    compileall.compile_dir(tree / "src" / "phasegate", quiet=1)
    env = {
        **os.environ,
        "PYTHONPATH": str(tree / "src"),
        "PHASEGATE_CACHE_DIR": str(folder / f"cache{index}"),
    }
    return tree, env


def per_snapshot(
    command: list[str], whole: Path, first: Path, env: dict[str, str], count: int, cwd: Path
) -> float:
    instructions([*command, str(first)], env, cwd)  # the policy and file caches warm
    alone = instructions([*command, str(first)], env, cwd)
    return (instructions([*command, str(whole)], env, cwd) - alone) / (count - 1)


def print_ratios(what: str, ours: str, rev: str, figures: dict[str, float]) -> None:
    """The figures as a Markdown table, each with phasegate's (`figures[ours]`) over it."""
    print(f"| {what} | instructions | phasegate at {rev} ÷ it |\n|---|---|---|")
    for name, value in figures.items():
        print(f"| {name} | {value:,.0f} | {figures[ours] / value:.2f} |")


def main() -> None:
    args = sys.argv[1:]
    count = int(args.pop(0)) if args and args[0].isdigit() else 500
    revs = args or ["."]
    with tempfile.TemporaryDirectory(prefix="phasegate-instructions-") as work:
        folder = Path(work)
        lines = [json.dumps(snapshot) + "\n" for snapshot in generate(count, 7)]
        whole, first = folder / "recording.jsonl", folder / "first.jsonl"
        whole.write_text("".join(lines))
        first.write_text(lines[0])
        figures: dict[str, float] = {}
        for index, rev in enumerate(revs):
            tree, env = tree_at(rev, folder, index)
            command = [PY, "-m", "phasegate", "replay"]
            figures[f"`phasegate replay` at {rev}"] = per_snapshot(
                command, whole, first, env, count, tree
            )
        env = dict(os.environ)
        peer = [PY, str(PEER), str(HERE.parent / "policies")]
        figures["cel-expr-python by hand (`cel_peer.py`)"] = per_snapshot(
            peer, whole, first, env, count, HERE.parent
        )
        loads = [PY, "-c", "import json, sys\nfor line in open(sys.argv[1]): json.loads(line)"]
        figures["`json.loads` of each line alone"] = per_snapshot(
            loads, whole, first, env, count, HERE.parent
        )
    print(f"{count} snapshots (seed 7); instructions per snapshot, from valgrind's callgrind\n")
    print_ratios("replay", f"`phasegate replay` at {revs[-1]}", revs[-1], figures)


if __name__ == "__main__":
    main()
