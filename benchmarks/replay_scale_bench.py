"""Replay at scale: a million snapshots through `phasegate replay`, its time and peak memory.

Writes a seeded recording of COUNT snapshots (default 1,000,000) of three changes whose
snapshots interleave (Phase 1 and 2 samples from replay_bench's generator, cycled, with
fresh times), then runs `python -m phasegate replay FILE --format F -o /dev/null` for each
format asked (default json and text) as a child process and prints its wall and CPU time
and peak resident memory (ru_maxrss of the children). Prints figures, asserts no timing.

Run: python benchmarks/replay_scale_bench.py [COUNT] [FORMAT...]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from replay_bench import START, generate, stamp

CHANGES = ("9f2c4e1", "a07d3b2", "c4e81f0")


def write_recording(path: Path, count: int) -> None:
    """Stream the recording to disk: a million documents would not fit in memory at once."""
    samples = generate(1000, 7)
    with path.open("w") as handle:
        for index in range(count):
            snapshot = dict(samples[index % len(samples)])
            snapshot["collected_at"] = stamp(START + timedelta(seconds=index))
            snapshot["change"] = {**snapshot["change"], "commit": CHANGES[index % len(CHANGES)]}
            handle.write(json.dumps(snapshot) + "\n")


def run(path: Path, output_format: str) -> tuple[float, float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [sys.executable, "-m", "phasegate", "replay", str(path)]
    result = subprocess.run(
        [*command, "--format", output_format, "-o", "/dev/null"],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    peak = after.ru_maxrss / 1024  # KiB -> MiB
    if result.returncode != 0:
        print(result.stderr[-2000:], file=sys.stderr)
    return elapsed, cpu, peak, result.returncode


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    formats = sys.argv[2:] or ["json", "text"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "recording.jsonl"
        write_recording(path, count)
        size = path.stat().st_size / 1024 / 1024
        print(f"recording: {count} snapshots, {len(CHANGES)} changes interleaved, {size:.0f} MiB")
        for output_format in formats:
            elapsed, cpu, peak, code = run(path, output_format)
            print(
                f"replay --format {output_format:<8} exit {code}  wall {elapsed:7.1f} s  "
                f"cpu {cpu:7.1f} s ({cpu / count * 1e6:6.1f} us/snapshot)  "
                f"peak RSS so far {peak:6.0f} MiB"
            )


if __name__ == "__main__":
    main()
