"""What one call of a stand-in (fixtures/bin) costs in CPU: the suite makes about 2,400
of them a run, on a 2-core machine where the suite is bound by CPU.

Each command runs CALLS times in a row (stdout and stderr to pipes read to the end, as
phasegate reads them); the figure is the user+system CPU of the reaped children
(RUSAGE_CHILDREN) over the calls, per call.

    python benchmarks/standin_cpu.py [CALLS] [BIN_DIR]     (default 30, fixtures/bin)
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

COMMANDS = [
    ("zjj", "status", "--json"),
    ("swarm", "history", "--limit", "200"),
    ("swarm", "monitor", "--view", "failures"),
    ("moon", "run", ":ci"),
]


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    root = Path(__file__).resolve().parents[1]
    bin_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "fixtures" / "bin"
    env = {"PATH": os.environ["PATH"], "STANDIN_STATE_DIR": os.environ.get("TMPDIR", "/tmp")}
    print(f"{bin_dir}: CPU per call, mean of {calls} calls")
    for tool, *args in COMMANDS:
        before = children_cpu()
        for _ in range(calls):
            subprocess.run([bin_dir / tool, *args], capture_output=True, env=env, check=True)
        per_call = (children_cpu() - before) / calls
        print(f"  {' '.join([tool, *args]):32} {per_call * 1000:6.2f} ms")


if __name__ == "__main__":
    main()
