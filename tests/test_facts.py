"""Facts: schema validation with located messages, normalisation and digests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, healthy, write_yaml
from phasegate.core.facts import facts_from_data, load_facts, normalise
from phasegate.errors import InputError, InputErrors


def errors_of(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_facts(path)
    return caught.value.lines()


def test_every_fixture_is_valid():
    for path in sorted(FIXTURES.glob("*.yaml")):
        assert load_facts(path).phase in (0, 1, 2)


def test_rates_written_as_integers_become_doubles():
    data = normalise(
        healthy(
            metrics={
                "error_rate": 0,
                "agents_total": 8,
                "agents_failed": 2.0,
                "custom_latency_ms": 3,
            }
        )
    )
    metrics = data["metrics"]
    assert metrics["error_rate"] == 0.0 and isinstance(metrics["error_rate"], float)
    # integer-declared fields stay (or become) ints; unknown metrics are numbers, so doubles
    assert isinstance(metrics["agents_total"], int)
    assert metrics["agents_failed"] == 2 and isinstance(metrics["agents_failed"], int)
    assert isinstance(metrics["custom_latency_ms"], float)
    assert isinstance(data["state"]["corruption_indicators"], int)


def test_ok_is_filled_from_exit_code_only_when_absent():
    data = normalise(
        healthy(
            checks={
                "quick": {"exit_code": 0},
                "test": {"exit_code": 2},
                "ci": {"exit_code": 0, "ok": False},
            }
        )
    )
    assert [data["checks"][n]["ok"] for n in ("quick", "test", "ci")] == [True, False, False]


def test_lower_case_rfc3339_is_accepted_and_normalised():
    facts = facts_from_data(healthy(collected_at="2026-11-20t10:00:00z"), "mem")
    assert facts.data["collected_at"] == "2026-11-20T10:00:00Z"


def test_digest_ignores_format_and_key_order(tmp_path: Path):
    data = healthy()
    yaml_path = write_yaml(tmp_path / "a.yaml", data)
    reordered = dict(reversed(list(data.items())))
    json_path = tmp_path / "b.json"
    json_path.write_text(json.dumps(reordered, indent=4))
    assert load_facts(yaml_path).digest == load_facts(json_path).digest
    changed = write_yaml(tmp_path / "c.yaml", healthy(deployed_version="0.4.4"))
    assert load_facts(changed).digest != load_facts(yaml_path).digest


def test_wrong_type_is_located(tmp_path: Path):
    path = tmp_path / "f.yaml"
    path.write_text(
        Path(FIXTURES / "phase1-healthy.yaml")
        .read_text()
        .replace("error_rate: 0.012", 'error_rate: "high"')
    )
    [line] = errors_of(path)
    line_no = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "high" in text)
    assert line.startswith(f"{path}:{line_no}:")
    assert "metrics.error_rate: expected number, got string" in line


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"phase": 7}, "phase: must be one of 0, 1, 2; got 7"),
        ({"phase": "1"}, "phase: expected integer"),
        ({"collected_at": "yesterday"}, "collected_at: not an RFC 3339 timestamp"),
        ({"collected_at": "2026-02-30T10:00:00Z"}, "not an RFC 3339 timestamp"),
        ({"apiVersion": "phasegate/v2"}, 'apiVersion: must be "phasegate/v1"'),
        ({"metrics": {"error_rate": 1.5}}, "metrics.error_rate: must be <= 1"),
        ({"metrics": {"error_rate": True}}, "metrics.error_rate: expected number, got boolean"),
        ({"incidents": [{"id": "I", "severity": "P9", "status": "open"}]}, "incidents[0].severity"),
        ({"checks": {"ci": {"ok": True}}}, "checks.ci.exit_code: required field missing"),
        ({"surprise": 1}, "surprise: unknown field"),
        ({"freeze": {"reason": "x"}}, "freeze.active: required field missing"),
    ],
)
def test_invalid_facts_are_refused_with_the_field(tmp_path: Path, changes, expected):
    lines = errors_of(write_yaml(tmp_path / "f.yaml", healthy(**changes)))
    assert any(expected in line for line in lines), lines


def test_missing_change_is_refused(tmp_path: Path):
    data = healthy()
    del data["change"]
    [line] = errors_of(write_yaml(tmp_path / "f.yaml", data))
    assert "change: required field missing" in line


def test_all_problems_are_reported_in_document_order(tmp_path: Path):
    path = write_yaml(tmp_path / "f.yaml", healthy(phase=9, deployed_version=3, surprise=1))
    with pytest.raises(InputErrors) as caught:
        load_facts(path)
    lines = caught.value.lines()
    assert len(lines) == 3
    line_numbers = [int(line.split(":")[1]) for line in lines]
    assert line_numbers == sorted(line_numbers)


def test_unknown_key_points_at_the_key(tmp_path: Path):
    path = tmp_path / "f.yaml"
    path.write_text(
        "apiVersion: phasegate/v1\nkind: Facts\nphase: 1\n"
        "collected_at: '2026-11-20T10:00:00Z'\nchange: {commit: a, tga: x}\n"
    )
    [line] = errors_of(path)
    assert line.startswith(f"{path}:5:")
    assert "change.tga: unknown field (allowed: commit, last_known_good, tag)" in line


def test_facts_from_data_reports_the_source():
    with pytest.raises(InputError) as caught:
        facts_from_data({"kind": "Facts"}, "decisions.jsonl:4")
    assert str(caught.value.location) == "decisions.jsonl:4"
    assert "more" in caught.value.message
