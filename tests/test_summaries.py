"""Every summary that counts rule statuses names pending, zero or not (issue 20, item 5): a
reader must not wonder whether a rule is holding when the line leaves the count out."""

from __future__ import annotations

import pytest

from conftest import run_cli

SPIKE = "fixtures/facts/phase1-trigger.lock-contention-spike.yaml"


@pytest.mark.parametrize("fmt", ["text", "markdown", "github"])
def test_summary_counts_pending_even_when_zero(fmt: str) -> None:
    result = run_cli("evaluate", SPIKE, "--format", fmt, "--no-cache")
    assert result.returncode == 20, result.stderr
    assert "27 rules: 1 fired, 0 error, 0 pending, 22 passed, 4 skipped" in result.stdout
