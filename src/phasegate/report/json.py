"""`--format json`: the Decision contract (schemas/decision.schema.json), byte-stable."""

from __future__ import annotations

import json

from phasegate.core.evaluate import Decision
from phasegate.core.record import decision_object
from phasegate.errors import LEGACY_COMMAND


def render(decision: Decision, color: bool = False) -> str:
    """Sorted keys and fixed indentation: the same decision always gives the same bytes.

    `##[` in a string (GitHub's legacy workflow command, read anywhere in a line of a CI
    log) is spelled `##\\u005b`: the same JSON value, no command."""
    del color
    text = json.dumps(
        decision_object(decision), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False
    )
    return text.replace(LEGACY_COMMAND, "##\\u005b") + "\n"
