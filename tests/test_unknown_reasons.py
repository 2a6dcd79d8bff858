"""Every decision says why a fact is unknown (issue 16, item 4).

A warning that leaves a fact absent (no contract baseline, a source that failed, a cohort
below its minimum, no incidents source) is printed by `collect` and `run`, kept in the
facts (`extra.phasegate_unknown`, which the decision log keeps with them), and shown next
to `missing fact` by evaluate, explain and the rule's error line in every format.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import call_cli, healthy, run_cli

CONFIG = """\
apiVersion: phasegate/v1
kind: Config
state_dir: state
contract:
  baseline: no-such-baseline.json
  commands: [[echo, '{}']]
sources:
  - name: broken
    command: ['false']
    facts: {state.corruption_indicators: output}
"""
NO_BASELINE = "no usable contract baseline at"


def config(tmp_path: Path) -> Path:
    path = tmp_path / "phasegate.yaml"
    path.write_text(CONFIG)
    return path


def test_run_prints_and_records_why_facts_are_unknown(tmp_path: Path):
    done = run_cli(
        "run",
        "--config",
        str(config(tmp_path)),
        "--phase",
        "1",
        "--set",
        "change.commit=abcdef1",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert done.returncode == 10, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert any(
        line.startswith("phasegate: warning: contract unknown: " + NO_BASELINE) for line in warnings
    ), done.stderr
    assert any("state.corruption_indicators unknown: source broken: " in line for line in warnings)
    assert any("incidents unknown: no source gives incidents" in line for line in warnings)
    errors = {rule["id"]: rule.get("error") for rule in json.loads(done.stdout)["rules"]}
    assert errors["trigger.contract-break"].startswith(
        "missing fact: facts.contract.drift; unknown: " + NO_BASELINE
    )
    assert "; unknown: source broken: " in errors["trigger.data-corruption"]
    assert "; unknown: no source gives incidents" in errors["health.incident-open"]
    [logged] = [
        json.loads(line)
        for line in (tmp_path / "state" / "decisions.jsonl").read_text().splitlines()
        if json.loads(line).get("event") == "decision"
    ]
    assert NO_BASELINE in logged["facts"]["extra"]["phasegate_unknown"]["contract"]
    rules = {rule["id"]: rule for rule in logged["decision"]["rules"]}
    assert "; unknown: " + NO_BASELINE in rules["trigger.contract-break"]["error"]


def test_collect_says_incidents_are_unknown_only_where_a_phase_needs_them(tmp_path: Path):
    path = str(config(tmp_path))

    def collect(phase: str, *sets: str) -> subprocess.CompletedProcess[str]:
        args = ["--set", "change.commit=abcdef1", *(a for s in sets for a in ("--set", s))]
        return run_cli("collect", "--config", path, "--phase", phase, *args, cwd=tmp_path)

    assert "incidents unknown: no source gives incidents" in collect("1").stderr
    given = collect("1", "incidents=[]")
    assert "incidents unknown" not in given.stderr
    assert json.loads(given.stdout)["incidents"] == []
    assert "incidents unknown" not in collect("0").stderr


def test_a_cohort_below_its_minimum_says_so_in_evaluate_and_explain(tmp_path: Path):
    paths = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(healthy(operator=name)))
        paths.append(str(path))
    cohort = tmp_path / "cohort.json"
    merged = call_cli("merge", *paths, "--min-operators", "3", "-o", str(cohort))
    assert "metrics.error_rate unknown: only 2 of at least 3 operators" in merged.stderr
    evaluated = call_cli("evaluate", str(cohort))
    assert evaluated.returncode == 10
    assert (
        "missing fact: facts.metrics.error_rate; unknown: only 2 of at least 3 operators"
        in evaluated.stdout
    )
    explained = call_cli("explain", str(cohort), "--rule", "health.error-rate-regression")
    assert "facts.metrics.error_rate = (missing: only 2 of at least 3 operators" in (
        explained.stdout
    )
    as_json = call_cli(
        "explain", str(cohort), "--rule", "health.error-rate-regression", "--format", "json"
    )
    [rule] = json.loads(as_json.stdout)["rules"]
    read = next(r for r in rule["reads"] if r["path"] == "facts.metrics.error_rate")
    assert read["unknown"].startswith("only 2 of at least 3 operators")
