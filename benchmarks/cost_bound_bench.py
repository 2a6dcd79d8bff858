"""The evaluation bound, measured: rules the cost budget accepts, over the largest inputs the
facts caps allow, each evaluated in a child process; prints each rule's estimate (share of
the step and character budgets), the CPU of the one evaluation and the child's peak RSS.

    python benchmarks/cost_bound_bench.py
"""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
from phasegate import cel
from phasegate.cel import cost
case = json.loads(sys.argv[1])
kind = case["facts"]
blob = "a" * 65536
if kind == "strings":      # 250 items of 64 KiB text: 16 MiB, the file cap
    part = blob[:21845]
    facts = {"items": [{"id": part, "sev": part, "st": part} for _ in range(250)]}
elif kind == "blobs":      # two 64 KiB strings
    facts = {"a": blob, "b": "a" * 65535 + "b"}
else:                      # 9,999 short items, the most steps the engine takes
    facts = {"items": [{"id": str(i), "n": i} for i in range(9999)]}
expression = cel.compile_expression(case["when"])
steps, chars = cost.estimate(expression, {})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.process_time()
value = cel.run(expression, {"facts": facts, "params": {}, "phase": 1, "now": None, "history": []})
cpu = time.process_time() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
shown = value.message[:40] if isinstance(value, cel.EvalFailure) else str(value)[:40]
shares = [steps / cost.MAX_STEPS, chars / cost.MAX_CHARS]
print(json.dumps([*shares, cpu, peak / 1024, (peak - before) / 1024, shown]))
"""

CASES = [
    (
        "strings",
        "facts.items.map(i, i.id + ' (' + i.sev + ', ' + i.st + ')').join(', ').size() > 0",
    ),
    ("strings", "facts.items.exists(i, i.id.contains(i.sev + 'b'))"),
    ("strings", "facts.items.map(i, i.id.upperAscii() + i.sev.lowerAscii()).size() > 0"),
    ("blobs", "facts.a.contains(facts.b)"),
    ("blobs", "facts.a.replace('a', facts.b).size() > 0"),
    ("blobs", "facts.a.split('').size() + facts.b.split('').size() > 0"),
    ("items", "facts.items.exists(i, i.n < 0 || i.id == 'x' || i.id.startsWith('y'))"),
    ("items", "facts.items.filter(i, i.n >= 0).size() > 0"),
]


def main() -> None:
    print(f"{'rule':<84} steps  chars  cpu s  peak MiB")
    for facts, when in CASES:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps({"facts": facts, "when": when})],
            capture_output=True,
            text=True,
            timeout=85,
            check=True,
        )
        steps, chars, cpu, peak, _grown, value = json.loads(done.stdout)
        print(f"{when[:84]:<84} {steps:5.0%} {chars:6.0%} {cpu:6.3f} {peak:8.0f}  {value}")


if __name__ == "__main__":
    main()
