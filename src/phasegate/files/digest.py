"""Canonical JSON and content digests: the same content always gives the same bytes.

Digests identify what a decision was made from, so they hash meaning, not formatting: key
order, whitespace and YAML comments do not change them.
"""

from __future__ import annotations

import json
from typing import Any

try:  # CPython's own SHA-256, as `random` takes its SHA-512: importing hashlib loads OpenSSL
    from _sha256 import sha256  # and blake2, 3 ms of every start-up (3.12 names it _sha2)
except ImportError:  # pragma: no cover - another Python
    try:
        from _sha2 import sha256
    except ImportError:
        from hashlib import sha256

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
    return "sha256:" + sha256(canonical.encode("utf-8")).hexdigest()
