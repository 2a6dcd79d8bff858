"""Replay speed: phasegate replay against the naive cel-python loop, same results.

Generates a seeded recording of Phase 1 and Phase 2 snapshots with realistic drift
(slowly changing metrics, occasional incidents and failure categories, constant checklist
facts): what a real rollout writes, every rule evaluated cleanly (no errors), about 92%
continue and 4% each pause and rollback (tests/test_replay_peers.py checks it), then times (CPU)
(a) the naive loop: every snapshot converted with cel-python's json_to_cel and every
applicable rule evaluated with cel-python's interpreter (programs compiled once), and
(b) phasegate's replay (reading, validating and deciding every snapshot). Both must give
identical verdicts and fired rules for every snapshot. Prints figures, asserts no timing.

Run: python benchmarks/replay_bench.py [SNAPSHOTS] [SEED]
"""

from __future__ import annotations

import json
import operator
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import celpy
from celpy import celtypes
from celpy.adapter import json_to_cel
from celpy.evaluation import base_functions

from phasegate.core.facts import normalise
from phasegate.core.policy import load_policy_set
from phasegate.core.recording import read_recording
from phasegate.core.verdict import Verdict
from phasegate.replay.replay import replay

ROOT = Path(__file__).resolve().parents[1]
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate(count: int, seed: int) -> list[dict[str, Any]]:
    """Five-minute samples: the first half in Phase 1, the rest in Phase 2."""
    rng = random.Random(seed)
    baseline = {
        "error_rate": 0.011,
        "lock_contention_rate": 0.004,
        "agents_total": 12,
        "agents_failed": 0,
        "agent_completion_rate": 0.95,
        "throughput": 40.0,
    }
    error, lock, completion, throughput = 0.011, 0.004, 0.95, 40.0
    incident_left = 0
    snapshots = []
    for index in range(count):
        phase = 1 if index < count // 2 else 2
        started = START if phase == 1 else START + timedelta(minutes=5 * (count // 2))
        previous = START - timedelta(hours=2) if phase == 1 else START
        # Slow drift pulled back towards the baseline, with rare excursions.
        error = min(max(error + 0.05 * (0.011 - error) + rng.gauss(0, 0.0004), 0.0), 1.0)
        lock = min(max(lock + 0.05 * (0.004 - lock) + rng.gauss(0, 0.0004), 0.0), 1.0)
        completion = min(
            max(completion + 0.05 * (0.95 - completion) + rng.gauss(0, 0.004), 0.0), 1.0
        )
        throughput = max(throughput + 0.05 * (40.0 - throughput) + rng.gauss(0, 1.0), 0.0)
        failed = rng.choice([0] * 200 + [1, 1, 2, 3])
        # What swarm reports now and then: a known failure class, rarely an unknown one.
        categories = rng.choice([[]] * 40 + [["timeout"], ["test_failure"], ["oom_killed"]])
        if incident_left == 0 and rng.random() < 0.003:
            incident_left = rng.randint(3, 20)
        incidents = []
        if incident_left:
            incident_left -= 1
            incidents = [
                {
                    "id": "INC-7",
                    "severity": "P1",
                    "status": "mitigated",
                    "title": "agents stuck on locked sessions",
                }
            ]
        snapshots.append(
            {
                "apiVersion": "phasegate/v1",
                "kind": "Facts",
                "phase": phase,
                "collected_at": stamp(START + timedelta(minutes=5 * index)),
                "phase_started_at": stamp(started),
                "change": {"commit": "9f2c4e1", "tag": "v0.4.3", "last_known_good": "v0.4.2"},
                "owners": {"release": "alice", "rollback": "bob"},
                "deployed_version": "0.4.3",
                # What the collectors write now: the commit each check ran at, and the
                # rollout state the decision log gives (the previous phase's window passed).
                "rollout": {
                    "state": "rolling_out",
                    "previous_phase_started_at": stamp(previous),
                    "previous_phase_continue_at": stamp(started if phase == 2 else previous),
                },
                "checks": {
                    name: {
                        "command": f"moon run :{name}",
                        "exit_code": 0,
                        "ok": True,
                        "commit": "9f2c4e1",
                    }
                    for name in ("quick", "test", "ci")
                },
                "metrics": {
                    "new_failures": len(categories) * rng.randint(1, 3),
                    "error_rate": error,
                    "lock_contention_rate": lock,
                    "agents_total": 12,
                    "agents_failed": failed,
                    "agent_completion_rate": completion,
                    "throughput": throughput,
                },
                "baseline": baseline,
                "incidents": incidents,
                "contract": {"drift": [], "nondeterministic_exits": []},
                "state": {"corruption_indicators": 0, "db_integrity_ok": True},
                "extra": {"new_failure_categories": categories},
            }
        )
    return snapshots


def _spec_comparison(name: str, compare: Any) -> Any:
    """int against double as the CEL spec (and phasegate's engine) compares them; cel-python
    0.5 refuses the mix, which would turn `agents_failed >= 3.0` into an error."""
    fallback = base_functions[name]

    def mixed(a: Any, b: Any) -> Any:
        numbers = (celtypes.IntType, celtypes.UintType, celtypes.DoubleType)
        if isinstance(a, numbers) and isinstance(b, numbers) and type(a) is not type(b):
            return celtypes.BoolType(compare(float(a), float(b)))
        return fallback(a, b)

    return mixed


#: The helpers the shipped policies call beyond standard CEL, as cel-python functions, and
#: the spec's mixed-number comparisons.
BASELINE_FUNCTIONS = {
    "join": lambda items, separator="": celtypes.StringType(str(separator).join(items)),
    "trim": lambda text: celtypes.StringType(str(text).strip()),
    "trimPrefix": lambda text, prefix: celtypes.StringType(str(text).removeprefix(prefix)),
    "lowerAscii": lambda text: celtypes.StringType(
        "".join(c.lower() if c.isascii() else c for c in str(text))
    ),
    **{
        name: _spec_comparison(name, compare)
        for name, compare in {
            "_<_": operator.lt,
            "_<=_": operator.le,
            "_>_": operator.gt,
            "_>=_": operator.ge,
            "_==_": operator.eq,
            "_!=_": operator.ne,
        }.items()
    },
}


def baseline_programs(policy_set: Any) -> dict[str, Any]:
    """Each rule's `when` compiled once by cel-python, the baseline (not phasegate's engine)."""
    environment = celpy.Environment()
    return {
        rule.id: environment.program(environment.compile(rule.when.text), BASELINE_FUNCTIONS)
        for rule in policy_set.rules
    }


def naive(path: Path, policy_set: Any) -> list[tuple[str, list[str]]]:
    """What a first implementation would do with cel-python alone (programs and params
    converted once, facts normalised as phasegate does, so both compare doubles with
    doubles)."""
    programs = baseline_programs(policy_set)
    params = {id(policy): json_to_cel(policy.params_plain) for policy in policy_set.policies}
    results = []
    with path.open() as handle:
        for line in handle:
            data = normalise(json.loads(line))
            activation = {
                "facts": json_to_cel(data),
                "phase": celtypes.IntType(data["phase"]),
                "now": celtypes.TimestampType(data["collected_at"]),
                "history": celtypes.ListType([]),
            }
            verdict, fired = Verdict.CONTINUE, []
            for policy in policy_set.policies:
                activation["params"] = params[id(policy)]
                for rule in policy.rules:
                    if data["phase"] not in rule.phases:
                        continue
                    try:
                        value = programs[rule.id].evaluate(activation)
                    except Exception:
                        value = None
                    if isinstance(value, celtypes.BoolType) and value:
                        fired.append(rule.id)
                        verdict = max(verdict, rule.verdict)
                    elif not isinstance(value, celtypes.BoolType):
                        verdict = max(verdict, rule.on_error)
            results.append((verdict.label, sorted(fired)))
    return results


def fast(path: Path, policy_set: Any) -> list[tuple[str, list[str]]]:
    replayed = replay(read_recording(path), policy_set)
    return [
        (
            decision.verdict.label,
            sorted(r.id for r in decision.results if r.status.value == "fired"),
        )
        for decision in replayed.decisions
    ]


def timed(function: Any, *args: Any) -> tuple[Any, float]:
    """The result and the CPU seconds it took: wall time on a shared machine says more
    about the neighbours than about the loop."""
    started = time.process_time()
    result = function(*args)
    return result, time.process_time() - started


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    policy_set = load_policy_set(ROOT / "policies")
    assert all(rule.hold == 1 for rule in policy_set.rules), "naive loop has no for: streaks"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "recording.jsonl"
        path.write_text("".join(json.dumps(s) + "\n" for s in generate(count, seed)))
        _, floor = timed(lambda: [json.loads(line) for line in path.open()])
        expected, naive_time = timed(naive, path, policy_set)
        actual, fast_time = timed(fast, path, policy_set)
    assert len(actual) == len(expected) == count
    mismatches = [i for i, (a, b) in enumerate(zip(actual, expected, strict=True)) if a != b]
    assert not mismatches, f"results differ at snapshots {mismatches[:10]}"
    verdicts = {
        label: sum(1 for v, _ in actual if v == label)
        for label in ("continue", "pause", "rollback")
    }
    print(f"snapshots: {count} (seed {seed}), verdicts {verdicts}, identical results: yes")
    print(f"floor, json.loads only: {floor:8.2f} s ({floor / count * 1e6:7.1f} us/snapshot)")
    print(
        f"naive cel-python loop:  {naive_time:8.2f} s ({naive_time / count * 1e6:7.1f} us/snapshot)"
    )
    print(
        f"phasegate replay:       {fast_time:8.2f} s ({fast_time / count * 1e6:7.1f} us/snapshot)"
    )
    print(f"speedup: {naive_time / fast_time:.1f}x")


if __name__ == "__main__":
    main()
