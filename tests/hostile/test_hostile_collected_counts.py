"""A collected rate healthier than the collected counts beside it (review of the guide merge).

Loading refuses a document whose `metrics` read healthier than its own `counts`. Where both
came from the configured sources (a rate from one, its counts from another that disagrees),
`collect` wrote such a document and then refused it: `run` stopped with exit 3 where it had
rolled back on the rate alone (0.05 errors against a 0.011 baseline, beside counts saying
60 in 200). A collected metric now takes the counts' worse value, as `merge` does; one the
user gave with `--set` is still refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli
from phasegate.collect.collector import CollectOptions, collect
from phasegate.collect.config import load_config
from phasegate.errors import InputError
from phasegate.state.statedir import StateDir

CONFIG = """\
apiVersion: phasegate/v1
kind: Config
sources:
  - name: rates
    file: rates.json
    facts:
      metrics.error_rate: output.error_rate
      metrics.agents_total: output.agents
  - name: counts
    file: counts.json
    facts:
      counts.commands: output.commands
      counts.errors: output.errors
      counts.agents_total: output.agents
"""


def world(tmp_path: Path, rates: dict | None = None) -> Path:
    (tmp_path / "phasegate.yaml").write_text(CONFIG)
    measured = {"error_rate": 0.05, "agents": 9} if rates is None else rates
    (tmp_path / "rates.json").write_text(json.dumps(measured))
    (tmp_path / "counts.json").write_text(json.dumps({"commands": 200, "errors": 60, "agents": 8}))
    return tmp_path


def collect_in(tmp_path: Path, *sets: tuple[str, str], rates: dict | None = None):
    config = load_config(world(tmp_path, rates) / "phasegate.yaml", tmp_path / "state")
    state = StateDir(tmp_path / "state")
    options = CollectOptions(phase=1, sets=(("change.commit", "9f2c4e1"), *sets))
    return collect(config, state, options, lambda: "2026-11-20T10:00:00Z"), state


def test_a_collected_rate_healthier_than_its_collected_counts_takes_the_counts(tmp_path: Path):
    collection, state = collect_in(tmp_path)
    assert collection.facts.data["metrics"] == {"error_rate": 0.3, "agents_total": 8}
    assert (
        "collected facts: metrics.error_rate is 0.05 but the counts give 0.3 (errors / "
        "commands): the counts' value taken, the worse"
    ) in state.warnings


def test_a_rate_the_user_gave_beside_worse_counts_is_still_refused(tmp_path: Path):
    with pytest.raises(InputError, match=r"metrics\.error_rate is 0\.01 but the counts give 0\.3"):
        collect_in(tmp_path, ("metrics.error_rate", "0.01"), rates={})


def test_run_still_rolls_back_where_the_rate_alone_did(tmp_path: Path):
    world(tmp_path)
    done = run_cli(
        "run",
        "--dry-run",
        "--phase",
        "1",
        "--baseline",
        str(FIXTURES / "phase1-healthy.yaml"),
        "--set",
        "change.commit=9f2c4e1",
        "--set",
        "incidents=[]",
        cwd=tmp_path,
    )
    assert "health.error-rate-regression: error rate 0.3" in done.stdout, done.stderr
    assert done.stdout.startswith("ROLLBACK"), done.stdout
    assert "the counts' value taken" in done.stderr
