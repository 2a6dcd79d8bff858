"""Renderers of an Explanation: text for people, json for tools."""

from __future__ import annotations

from collections.abc import Callable

from phasegate.report.explain import json, text
from phasegate.review.explain import Explanation

EXPLAIN_FORMATS: dict[str, Callable[[Explanation], str]] = {
    "text": text.render,
    "json": json.render,
}
