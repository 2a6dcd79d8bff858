"""An operator's own baseline written beside the cohort's (review of the guide merge).

`merge` keeps an operator's baseline in its summary only when the cohort has none, and the
two rate rollback rules judge that operator against it. A document that carries both (edited
by hand, or merged by something else) had the operator judged against its own, looser one:
an operator at 30% errors against the cohort's 1.1% baseline paused instead of rolling back
wherever the cohort's own rate was absent. The cohort's baseline, when there is one, wins.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import call_cli, healthy


@pytest.mark.parametrize(
    ("metric", "rule"),
    [
        ("error_rate", "health.error-rate-regression"),
        ("lock_contention_rate", "trigger.lock-contention-spike"),
    ],
)
def test_a_looser_operator_baseline_beside_the_cohorts_does_not_hide_a_rollback(
    tmp_path: Path, metric: str, rule: str
):
    data = healthy()
    del data["metrics"][metric]  # one operator could not measure it: the cohort's is absent
    data["operators"] = {
        "op-a": {
            "source": "a.json",
            "collected_at": data["collected_at"],
            "metrics": {metric: 0.3},
            "baseline": {metric: 0.5},
        },
        "op-b": {"source": "b.json", "collected_at": data["collected_at"], "metrics": {}},
    }
    path = tmp_path / "cohort.json"
    path.write_text(json.dumps(data))
    result = call_cli("evaluate", str(path), "--format", "json")
    report = json.loads(result.stdout)
    assert report["verdict"] == "rollback", result.stdout
    fired = [r for r in report["rules"] if r["id"] == rule]
    assert fired and "operators past it on their own: [op-a]" in fired[0]["message"]
