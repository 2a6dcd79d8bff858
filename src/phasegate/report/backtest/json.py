"""`backtest --format json`: the result as the `schemas/backtest` contract, byte-stable."""

from __future__ import annotations

import json
from typing import Any


def render(result: dict[str, Any]) -> str:
    document = {"apiVersion": "phasegate/v1", "kind": "Backtest", **result}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
