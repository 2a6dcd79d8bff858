"""How long one evaluation of the shipped policy set takes, after start-up.

Prints figures; asserts nothing about time (timing belongs here, never in tests).
Run: python benchmarks/evaluate_bench.py [ROUNDS]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from phasegate.core import policycache
from phasegate.core.evaluate import evaluate
from phasegate.core.facts import load_facts
from phasegate.core.policy import load_policy_set

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT / "fixtures" / "facts"


def per_call(fn: Callable[[], object], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def describe(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"{name:<44} median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms")


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    policies = ROOT / "policies"
    policy_set = load_policy_set(policies)
    documents = {path.stem: load_facts(path) for path in sorted(FACTS.glob("phase*.yaml"))}
    print(f"{len(policy_set.rules)} rules, {len(documents)} facts documents, {rounds} rounds")

    def load_cold() -> object:
        return load_policy_set(policies)

    describe("load + compile policy set", per_call(load_cold, 20))
    with tempfile.TemporaryDirectory() as folder:
        policycache.load_policy_set(policies, None, Path(folder))

        def load_warm() -> object:
            return policycache.load_policy_set(policies, None, Path(folder))

        describe("policy set from a warm cache", per_call(load_warm, rounds))
    describe(
        "load + validate facts (YAML)",
        per_call(lambda: load_facts(FACTS / "phase2-healthy.yaml"), rounds),
    )
    for name in (
        "phase0-healthy",
        "phase1-healthy",
        "phase2-healthy",
        "phase1-health.error-rate-regression",
    ):
        facts = documents[name]
        describe(f"evaluate {name}", per_call(lambda f=facts: evaluate(f, policy_set), rounds))
    command = [
        sys.executable,
        "-m",
        "phasegate",
        "evaluate",
        str(FACTS / "phase2-healthy.yaml"),
        "--policies",
        str(policies),
    ]
    describe(
        "whole process (start-up included)",
        per_call(lambda: subprocess.run(command, capture_output=True, check=False), 10),
    )


if __name__ == "__main__":
    main()
