"""`replay --format json`: the contract in schemas/replay.schema.json."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from phasegate.evaluate import RuleStatus
from phasegate.policy import PolicySet
from phasegate.replay import ReplayedRecording, ids


def replay_object(replayed: Sequence[ReplayedRecording]) -> dict[str, Any]:
    return {
        "recordings": [
            {
                "source": recording.source,
                "snapshots": [
                    {
                        "index": index,
                        "collected_at": decision.collected_at,
                        "verdict": decision.verdict.label,
                        "fired": ids(decision, RuleStatus.FIRED),
                        "errored": ids(decision, RuleStatus.ERROR),
                        "pending": ids(decision, RuleStatus.PENDING),
                    }
                    for index, decision in enumerate(recording.decisions)
                ],
                "summary": recording.summary(),
                "skipped": [
                    {"where": where, "reason": reason} for where, reason in recording.skipped
                ],
            }
            for recording in replayed
        ]
    }


def render(replayed: Sequence[ReplayedRecording], policy_set: PolicySet) -> str:
    del policy_set
    return json.dumps(replay_object(replayed), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
