"""What `collect` pays to fold a change's decision log, and the share of `rollout.clean`.

`collect` folds the whole log on every run, and since the stable window every decision's
rules are read once (`clean`: was it anything but a wait for time?). The log here is one
change's Phase 2 decisions with the shipped set's 27 rule results each, one in 97 unclean.
Prints figures; asserts nothing about time (timing belongs here, never in tests).
Run: python benchmarks/fold_bench.py [DECISIONS]   (default 50,000)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from phasegate.state import rollout

START = datetime(2026, 11, 20, tzinfo=UTC)


def record(index: int) -> dict:
    rules = [
        {"id": f"health.r{i}", "status": "passed", "verdict": "pause", "on_error": "pause"}
        for i in range(26)
    ]
    rules.append({"id": "window.phase2-monitoring", "status": "fired", "verdict": "pause"})
    if index % 97 == 0:
        rules[3]["status"] = "fired"  # an elevated metric: the window restarts
    at = (START + timedelta(seconds=index)).isoformat().replace("+00:00", "Z")
    return {
        "event": "decision",
        "decision": {"verdict": "pause", "rules": rules},
        "facts": {
            "phase": 2,
            "collected_at": at,
            "phase_started_at": "2026-11-20T00:00:00Z",
            "change": {"commit": "abc1234"},
        },
    }


def best_of_three(job: Callable[[], object]) -> float:
    times = []
    for _ in range(3):
        begun = time.perf_counter()
        job()
        times.append(time.perf_counter() - begun)
    return min(times)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    log = [record(index) for index in range(count)]
    decisions = [line["decision"] for line in log]
    fold = best_of_three(lambda: rollout.fold(log, "abc1234"))
    clean = best_of_three(lambda: [rollout.clean(d) for d in decisions])
    print(f"decisions: {count}, 27 rule results each")
    print(f"fold:             {fold * 1000:7.0f} ms ({fold / count * 1e6:5.1f} us/decision)")
    print(f"of which clean(): {clean * 1000:7.0f} ms ({clean / count * 1e6:5.1f} us/decision)")


if __name__ == "__main__":
    main()
