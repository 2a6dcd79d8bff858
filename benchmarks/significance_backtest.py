"""False positive and negative rates of the Phase 1 significance rules, by `backtest` over
a generated corpus of small-cohort rollouts.

Each rollout is one change in Phase 1 sampled SNAPSHOTS times, each sample a few operators'
commands (COMMANDS_MIN..COMMANDS_MAX) with errors drawn from the change's true error rate:
the baseline's (0.011) for good changes, a regression (BAD_RATE) for bad ones, which are
labelled as incidents from their first sample. `backtest` scores every rule as if it were
live (the significance rules are shadow rules), so the figures compare them with the
threshold rules on the same samples. Seeded: the same arguments print the same figures.

Run: python benchmarks/significance_backtest.py [ROLLOUTS] [SEED]
"""

from __future__ import annotations

import copy
import json
import random
import sys
import tempfile
from pathlib import Path

from phasegate.core.facts import load_facts
from phasegate.core.policy import load_policy_set
from phasegate.review.backtest import backtest, load_labels

ROOT = Path(__file__).resolve().parents[1]
BASE_RATE, BAD_RATE = 0.011, 0.03
SNAPSHOTS, COMMANDS_MIN, COMMANDS_MAX = 6, 40, 400
RULES = (
    "health.error-rate-significant",
    "health.error-rate-undecided",
    "health.error-rate-regression",
    "health.error-rate-elevated",
)


def generate(folder: Path, rollouts: int, seed: int) -> tuple[Path, Path]:
    rng = random.Random(seed)
    template = load_facts(ROOT / "fixtures" / "facts" / "phase1-healthy.yaml").data
    lines, incidents = [], []
    for number in range(rollouts):
        bad = number % 2 == 1
        commit = f"{number:07x}a"
        rate = BAD_RATE if bad else BASE_RATE
        hour = 10 + number // 6
        for sample in range(SNAPSHOTS):
            commands = rng.randint(COMMANDS_MIN, COMMANDS_MAX)
            errors = sum(rng.random() < rate for _ in range(commands))
            facts = copy.deepcopy(template)
            facts["collected_at"] = (
                f"2026-11-{1 + hour // 24:02d}T{hour % 24:02d}:{number % 6 * 10 + sample:02d}:00Z"
            )
            facts["change"]["commit"] = commit
            for check in facts["checks"].values():
                check["commit"] = commit
            facts["counts"] = {"commands": commands, "errors": errors}
            facts["metrics"]["error_rate"] = errors / commands
            lines.append(json.dumps(facts))
        if bad:
            first = f"2026-11-{1 + hour // 24:02d}T{hour % 24:02d}:{number % 6 * 10:02d}:00Z"
            last = f"2026-11-{1 + hour // 24:02d}T{hour % 24:02d}:{number % 6 * 10 + 9:02d}:00Z"
            incidents.append({"id": f"INC-{number}", "change": commit, "start": first, "end": last})
    recording = folder / "rollouts.jsonl"
    recording.write_text("\n".join(lines) + "\n", encoding="utf-8")
    labels = folder / "labels.json"
    labels.write_text(json.dumps({"incidents": incidents}), encoding="utf-8")
    return recording, labels


def main() -> None:
    rollouts = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    with tempfile.TemporaryDirectory() as tmp:
        recording, labels = generate(Path(tmp), rollouts, seed)
        policy_set = load_policy_set(ROOT / "policies")
        result, _ = backtest([recording], policy_set, load_labels(labels), 50)
    good, bad = rollouts - rollouts // 2, rollouts // 2
    print(
        f"{rollouts} rollouts ({good} good at {BASE_RATE}, {bad} bad at {BAD_RATE}), "
        f"{SNAPSHOTS} samples of {COMMANDS_MIN}..{COMMANDS_MAX} commands each, seed {seed}"
    )
    scores = {score["id"]: score for score in result["rules"]}
    print(f"{'rule':32} {'missed':>12} {'false pauses':>13} {'false rollbacks':>16}")
    for rule in RULES:
        score = scores[rule]
        print(
            f"{rule:32} {score['missed']:>5} of {bad:<4} "
            f"{score['false_pauses']:>13} {score['false_rollbacks']:>16}"
        )
    print("(false: episodes over the good rollouts' samples; a change's samples are 1 min apart)")


if __name__ == "__main__":
    main()
