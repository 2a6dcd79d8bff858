"""What a cohort costs: merging 1,000 operators' documents, and one Prometheus query.

Prints figures; asserts nothing about time (timing belongs here, never in tests).
Run: python benchmarks/merge_bench.py [OPERATORS]
Needs the `prometheus` binary for the second figure (Debian package `prometheus`); it is
started on 127.0.0.1 with a free port and a temporary folder, and stopped at the end.
"""

from __future__ import annotations

import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from phasegate.collect.merge import merge_facts, render
from phasegate.collect.prometheus import query_prometheus
from phasegate.collect.promquery import PrometheusQuery
from phasegate.core.expressions import Template
from phasegate.core.facts import facts_from_data


def operator_document(index: int, rng: random.Random) -> dict:
    commands = rng.randint(50, 500)
    done, errored = rng.randint(0, 20), rng.randint(0, 3)
    return {
        "apiVersion": "phasegate/v1",
        "kind": "Facts",
        "phase": 1,
        "collected_at": f"2026-11-20T10:{rng.randint(0, 14):02d}:00Z",
        "phase_started_at": "2026-11-20T08:00:00Z",
        "change": {"commit": "9f2c4e1", "tag": "v0.4.3", "last_known_good": "v0.4.2"},
        "owners": {"release": "alice", "rollback": "bob"},
        "operator": f"op-{index:04d}",
        "deployed_version": "0.4.3",
        "checks": {name: {"exit_code": 0} for name in ("quick", "test", "ci")},
        "counts": {
            "commands": commands,
            "errors": rng.randint(0, commands // 20),
            "lock_busy": rng.randint(0, commands // 50),
            "agents_done": done,
            "agents_errored": errored,
            "agents_total": done + errored + rng.randint(0, 5),
            "beads_closed": rng.randint(0, 30),
            "interval_seconds": 900.0,
        },
        "incidents": [],
        "contract": {"drift": [], "nondeterministic_exits": []},
        "state": {"corruption_indicators": 0, "db_integrity_ok": True},
    }


def with_metrics(document: dict) -> dict:
    """The rates the operator measured, as its counts give them: merge checks they agree."""
    counts = document["counts"]
    agents = counts["agents_done"] + counts["agents_errored"]
    document["metrics"] = {
        "error_rate": counts["errors"] / counts["commands"],
        "lock_contention_rate": counts["lock_busy"] / counts["commands"],
        "throughput": counts["beads_closed"] / counts["interval_seconds"] * 3600,
        "agents_total": counts["agents_total"],
        "agents_failed": counts["agents_errored"],
        **({"agent_completion_rate": counts["agents_done"] / agents} if agents else {}),
    }
    return document


def bench_merge(operators: int) -> None:
    rng = random.Random(12)
    start = time.perf_counter()
    documents = [
        facts_from_data(with_metrics(operator_document(i, rng)), f"op-{i}.json")
        for i in range(operators)
    ]
    loaded = time.perf_counter() - start
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        text = render(merge_facts(documents))
        timings.append(time.perf_counter() - start)
    print(f"validating {operators} operator documents: {loaded * 1000:.0f} ms")
    print(
        f"merge + render of {operators} operators: median {statistics.median(timings) * 1000:.0f}"
        f" ms (min {min(timings) * 1000:.0f} ms), {len(text) / 1024:.0f} KiB of JSON"
    )


def bench_prometheus(rounds: int = 50) -> None:
    binary = shutil.which("prometheus")
    if binary is None:
        print("prometheus not installed: no query figure")
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "prometheus.yml"
        config.write_text("global: {scrape_interval: 15s}\nscrape_configs: []\n")
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={folder}/data",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    time.sleep(0.2)
            else:
                print("prometheus did not become ready in 30 s: no query figure")
                return
            spec = PrometheusQuery(url=url, query=Template(("sum(vector(44)) / 600",)))
            timings = []
            for _ in range(rounds):
                start = time.perf_counter()
                result = query_prometheus(spec, datetime.now(UTC), {}, 1 << 20, {})
                timings.append(time.perf_counter() - start)
                assert result.failure is None, result.failure
            print(
                f"prometheus source, one instant query on 127.0.0.1 ({rounds} rounds): median "
                f"{statistics.median(timings) * 1000:.1f} ms (max {max(timings) * 1000:.1f} ms)"
            )
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


if __name__ == "__main__":
    bench_merge(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
    bench_prometheus()
