"""`--format json`: the Decision contract (schemas/decision.schema.json), byte-stable."""

from __future__ import annotations

import json

from phasegate.core.evaluate import Decision
from phasegate.core.record import decision_object


def render(decision: Decision, color: bool = False) -> str:
    """Sorted keys and fixed indentation: the same decision always gives the same bytes."""
    del color
    return (
        json.dumps(
            decision_object(decision), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False
        )
        + "\n"
    )
