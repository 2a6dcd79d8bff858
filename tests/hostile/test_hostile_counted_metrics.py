"""Facts that contradict each other, read as the healthier one (guide audit).

Metrics that read healthier than the counts written beside them, and names in one map
that differ only in case.

The rules judge `metrics`; `counts` are the numerators behind them. A document with 60
errors in 200 commands and `error_rate: 0.012` continued on the rate, though its own counts
say 30% (and `merge` took the counts' word for the same operator). Such a document is now
refused at the metric, on every path that reads facts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import call_cli, healthy
from phasegate.core.facts import FactsStream, facts_from_data
from phasegate.errors import InputError

#: Counts that agree with HEALTHY_PHASE1's metrics.
AGREEING = {"commands": 1000, "errors": 12, "lock_busy": 4, "agents_total": 8}


def document(metrics: dict[str, Any], counts: dict[str, Any]) -> dict[str, Any]:
    data = healthy()
    data["metrics"].update(metrics)
    data["counts"] = counts
    return data


@pytest.mark.parametrize(
    ("metrics", "counts", "message"),
    [
        ({}, {**AGREEING, "errors": 300}, "metrics.error_rate is 0.012 but the counts give 0.3"),
        ({}, {**AGREEING, "lock_busy": 200}, "metrics.lock_contention_rate is 0.004"),
        ({}, {"agents_errored": 3}, "metrics.agents_failed is 0 but counts.agents_errored is 3"),
        ({"agents_failed": 3}, {"agents_total": 4}, "metrics.agents_total is 8 but counts"),
        (
            {"agent_completion_rate": 0.96},
            {"agents_done": 1, "agents_errored": 1},
            "metrics.agent_completion_rate is 0.96 but the counts give 0.5",
        ),
        (
            {"throughput": 42.0},
            {"beads_closed": 1, "interval_seconds": 3600},
            "metrics.throughput is 42 but the counts give 1",
        ),
    ],
)
def test_a_metric_healthier_than_its_counts_is_refused(
    tmp_path: Path, metrics: dict[str, Any], counts: dict[str, Any], message: str
):
    data = document(metrics, counts)
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(data))
    result = call_cli("evaluate", str(path), "--format", "json")
    assert result.returncode == 3, result.stdout
    assert result.stdout == ""
    assert f"{path}:1:" in result.stderr and message in result.stderr
    with pytest.raises(InputError, match=message.split(" but")[0]):
        FactsStream().facts(data, "recording:1")


def test_counts_within_rounding_and_metrics_worse_than_counts_are_kept():
    """swarm prints a success rate; `collect` rebuilds `errors` from it rounded to a command
    (1 failure in 3 commands, over a history limit of 200: 67 errors, 0.335 against the rate's
    0.3333); and a rate worse than its counts is the rules' to judge."""
    rounded = document({"error_rate": 1 / 3}, {"commands": 200, "errors": 67})
    worse = document({"error_rate": 0.5, "agents_failed": 4}, {**AGREEING, "agents_errored": 1})
    for data in (rounded, worse):
        assert facts_from_data(data, "doc").data["metrics"] == data["metrics"]
        assert FactsStream().facts(data, "recording:1").data["metrics"] == data["metrics"]


@pytest.mark.parametrize(
    ("field", "name", "value", "message"),
    [
        ("checks", "CI", {"exit_code": 1, "commit": "9f2c4e1"}, "checks.CI and checks.ci"),
        ("metrics", "Error_Rate", 0.9, "metrics.Error_Rate and metrics.error_rate"),
        ("baseline", "ERROR_RATE", 0.0, "baseline.ERROR_RATE and baseline.error_rate"),
        ("counts", "Errors", 300, "counts.Errors and counts.errors"),
    ],
)
def test_names_that_differ_only_in_case_are_refused(
    tmp_path: Path, field: str, name: str, value: Any, message: str
):
    """`checks.ci` passing beside a failing `checks.CI` continued: the rules read `ci`."""
    data = document({}, dict(AGREEING))
    data[field][name] = value
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(data))
    result = call_cli("evaluate", str(path), "--format", "json")
    assert result.returncode == 3, result.stdout
    assert f"{path}:1:" in result.stderr and f"{message} differ only in case" in result.stderr
    with pytest.raises(InputError, match=message):
        FactsStream().facts(data, "recording:1")
