"""Start-up cost of the command line: what a CI step pays before phasegate decides anything.

Prints the median over N rounds (default 9) of wall time and CPU (user + sys of the child,
from `resource.getrusage(RUSAGE_CHILDREN)` deltas) for: the import floor (the engine and
click, which a click command line over cel-expr-python must load, and json), `phasegate
--version`, and `phasegate evaluate` of a fixture (YAML, and the same facts as JSON with a
warm policy cache and with `--no-cache`), and `lint`, `fmt --check` and `test` on the
shipped set (`test` also without the cache: a first run); then a warm JSON evaluate's CPU
over the floor's. The policy
cache lives in a temporary folder of this run (`PHASEGATE_CACHE_DIR`).

Each round runs every case once, in turn, so a slow spell of the machine weighs on all of
them alike. phasegate's bytecode is compiled first, as `pip install` compiles it: with
PYTHONDONTWRITEBYTECODE set (it is on this machine) an edited checkout would otherwise
measure Python compiling its sources on every run.

    python benchmarks/startup_bench.py [N]
"""

from __future__ import annotations

import compileall
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "facts" / "phase1-healthy.yaml"
WORK = Path(tempfile.mkdtemp(prefix="phasegate-startup-"))
JSON_FIXTURE = WORK / "phase1-healthy.json"
os.environ["PHASEGATE_CACHE_DIR"] = str(WORK / "cache")

CASES = {
    "import floor": [
        sys.executable,
        "-c",
        "import cel_expr_python.cel, click, json",
    ],
    "phasegate --version": [sys.executable, "-m", "phasegate", "--version"],
    "phasegate evaluate": [sys.executable, "-m", "phasegate", "evaluate", str(FIXTURE)],
    "evaluate JSON, warm": [sys.executable, "-m", "phasegate", "evaluate", str(JSON_FIXTURE)],
    "evaluate JSON, no cache": [
        *(sys.executable, "-m", "phasegate", "evaluate", str(JSON_FIXTURE)),
        "--no-cache",
    ],
    # The reviewer tools on the shipped set, as a pre-commit hook or CI step runs them.
    "phasegate lint": [sys.executable, "-m", "phasegate", "lint"],
    "phasegate fmt --check": [sys.executable, "-m", "phasegate", "fmt", "--check", "policies"],
    "phasegate test": [sys.executable, "-m", "phasegate", "test"],
    "phasegate test, no cache": [sys.executable, "-m", "phasegate", "test", "--no-cache"],
}


def run_once(command: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    import phasegate
    from phasegate.files.loading import load_document

    compileall.compile_dir(Path(phasegate.__file__).parent, quiet=1)
    JSON_FIXTURE.write_text(json.dumps(load_document(FIXTURE).data))
    for command in CASES.values():  # warm the file cache
        run_once(command)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in CASES}
    for _ in range(runs):
        for name, command in CASES.items():
            samples[name].append(run_once(command))
    figures = {
        name: (
            statistics.median(wall for wall, _ in runs_of),
            statistics.median(cpu for _, cpu in runs_of),
        )
        for name, runs_of in samples.items()
    }
    print(f"median of {runs} rounds, Python {sys.version.split()[0]}")
    for name, (wall, cpu) in figures.items():
        print(f"{name:24} wall {wall:6.3f} s   cpu {cpu:6.3f} s")
    ratio = figures["evaluate JSON, warm"][1] / figures["import floor"][1]
    print(f"evaluate JSON, warm cpu / import floor cpu: {ratio:.2f}x")


if __name__ == "__main__":
    main()
