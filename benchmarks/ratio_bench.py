"""What guarded ratio rules add to `phasegate evaluate`: the division rule reads the engine's
checked expression, so a policy set that divides costs about what one that does not costs.

Prints the median over N rounds (default 9) of the CPU (user + sys of the child) of
`phasegate evaluate` on a fixture with the shipped policy set, and with the shipped set plus
three guarded ratio rules, then their ratio. Each round runs both, in turn.

    python benchmarks/ratio_bench.py [N]
"""

from __future__ import annotations

import compileall
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "facts" / "phase1-healthy.yaml"
RATIOS = """\
apiVersion: phasegate/v1
kind: Policy
name: ratios
rules:
  - id: ratio.failed-share
    when: |
      facts.metrics.agents_total > 0
        && double(facts.metrics.agents_failed) / double(facts.metrics.agents_total) > 0.5
    verdict: pause
  - id: ratio.error-growth
    when: |
      facts.baseline.error_rate > 0.0
        && facts.metrics.error_rate / facts.baseline.error_rate > 3.0
    verdict: pause
  - id: ratio.lock-growth
    when: |
      facts.baseline.lock_contention_rate == 0.0
        || facts.metrics.lock_contention_rate / facts.baseline.lock_contention_rate > 5.0
    verdict: pause
"""


def cpu(command: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    import phasegate

    compileall.compile_dir(Path(phasegate.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        shipped, ratios = Path(tmp) / "shipped", Path(tmp) / "ratios"
        shutil.copytree(ROOT / "policies", shipped)
        shutil.copytree(ROOT / "policies", ratios)
        (ratios / "ratios.yaml").write_text(RATIOS, encoding="utf-8")
        cases = {
            "shipped set": shipped,
            "shipped set + 3 guarded ratio rules": ratios,
        }
        commands = {
            name: [
                sys.executable,
                "-m",
                "phasegate",
                "evaluate",
                str(FIXTURE),
                "--policies",
                str(path),
            ]
            for name, path in cases.items()
        }
        for command in commands.values():  # warm the file cache
            cpu(command)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, command in commands.items():
                samples[name].append(cpu(command))
    print(f"median of {runs} rounds, Python {sys.version.split()[0]}")
    medians = {name: statistics.median(values) for name, values in samples.items()}
    for name, value in medians.items():
        print(f"{name:<38} cpu {value:.3f} s")
    first, second = medians.values()
    print(f"ratio: {second / first:.2f}x")


if __name__ == "__main__":
    main()
