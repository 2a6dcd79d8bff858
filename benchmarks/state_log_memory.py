"""Peak memory of `phasegate collect` against a one-line and a ~100 MB decision log.

Issue 17.9: the log was read whole (a 106 MB log took 595 MiB for one collect). Every read
of the state dir now streams, so the two figures should be close. Prints both peaks (max
RSS of the child, from getrusage) and the log size. Usage: python benchmarks/state_log_memory.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

CONFIG = "apiVersion: phasegate/v1\nkind: Config\nstate_dir: state\n"
MEASURE = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=False)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def line(commit: str, padding: int) -> str:
    return json.dumps(
        {
            "event": "decision",
            "decision": {"verdict": "pause"},
            "facts": {
                "apiVersion": "phasegate/v1",
                "kind": "Facts",
                "phase": 2,
                "collected_at": "2026-11-20T09:00:00Z",
                "change": {"commit": commit},
                "extra": {"padding": "x" * padding},
            },
        }
    )


def peak_kib(folder: Path) -> int:
    argv = [sys.executable, "-m", "phasegate", "collect", "--phase", "2"]
    argv += ["--set", "change.commit=abc1234", "-o", str(folder / "facts.json")]
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *argv],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=80,
        check=True,
    )
    return int(done.stdout.split()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "phasegate.yaml").write_text(CONFIG)
        (folder / "state").mkdir()
        log = folder / "state" / "decisions.jsonl"
        log.write_text(line("abc1234", 100) + "\n")
        small = peak_kib(folder)
        text = line("fff9999", 4000) + "\n"
        with log.open("w") as handle:
            for _ in range(100 * 1024 * 1024 // len(text)):
                handle.write(text)
        big = peak_kib(folder)
        size = log.stat().st_size / 2**20
    print(f"collect, 1-line log:   peak RSS {small / 1024:.1f} MiB")
    print(f"collect, {size:.0f} MB log: peak RSS {big / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
