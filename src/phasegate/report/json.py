"""`--format json`: the Decision contract (schemas/decision.schema.json), byte-stable."""

from __future__ import annotations

from phasegate.core.evaluate import Decision
from phasegate.core.record import decision_object
from phasegate.report import report_json


def render(decision: Decision, color: bool = False) -> str:
    """Sorted keys and fixed indentation: the same decision always gives the same bytes.

    `##[` in a string (GitHub's legacy workflow command, read anywhere in a line of a CI
    log) is spelled `##\\u005b`: the same JSON value, no command."""
    del color
    return report_json(decision_object(decision), allow_nan=False)
