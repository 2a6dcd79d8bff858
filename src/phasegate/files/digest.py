"""Canonical JSON and content digests: the same content always gives the same bytes.

Digests identify what a decision was made from, so they hash meaning, not formatting: key
order, whitespace and YAML comments do not change them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(value: Any) -> str:
    """Sorted keys, no insignificant whitespace, finite numbers only."""
    return _CANONICAL.encode(value)


def content_digest(value: Any) -> str:
    """`sha256:<hex>` of the canonical JSON of `value`."""
    return text_digest(canonical_json(value))


def text_digest(canonical: str) -> str:
    """`sha256:<hex>` of canonical JSON text already built."""
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
