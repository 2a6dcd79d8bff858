"""`backtest --format json`: the result as the `schemas/backtest` contract, byte-stable."""

from __future__ import annotations

from typing import Any

from phasegate.report import report_json


def render(result: dict[str, Any]) -> str:
    document = {"apiVersion": "phasegate/v1", "kind": "Backtest", **result}
    return report_json(document)
