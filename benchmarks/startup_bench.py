"""Start-up cost of the command line: what a CI step pays before phasegate decides anything.

Prints the median over N runs (default 9) of wall time and CPU (user + sys of the child,
from `resource.getrusage(RUSAGE_CHILDREN)` deltas) for: the import floor (the engine, YAML,
JSON Schema and click libraries, which any implementation must load), `phasegate
--version`, and `phasegate evaluate` of a fixture; then evaluate's CPU over the floor's.

    python benchmarks/startup_bench.py [N]
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "facts" / "phase1-healthy.yaml"

CASES = {
    "import floor": [
        sys.executable,
        "-c",
        "import cel_expr_python.cel, ruamel.yaml, jsonschema, click",
    ],
    "phasegate --version": [sys.executable, "-m", "phasegate", "--version"],
    "phasegate evaluate": [sys.executable, "-m", "phasegate", "evaluate", str(FIXTURE)],
}


def measure(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds of `runs` runs of `command`."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    figures = {name: measure(command, runs) for name, command in CASES.items()}
    print(f"median of {runs} runs, Python {sys.version.split()[0]}")
    for name, (wall, cpu) in figures.items():
        print(f"{name:22} wall {wall:6.3f} s   cpu {cpu:6.3f} s")
    ratio = figures["phasegate evaluate"][1] / figures["import floor"][1]
    print(f"evaluate cpu / import floor cpu: {ratio:.2f}x")


if __name__ == "__main__":
    main()
