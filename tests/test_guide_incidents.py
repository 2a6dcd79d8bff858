"""The incidents source the shipped config documents: a JSON file the team keeps."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT
from phasegate.collect.collector import CollectOptions, collect
from phasegate.collect.config import load_config
from phasegate.state.statedir import StateDir


def shipped_incidents_source() -> str:
    """The commented-out source in phasegate.yaml, uncommented: the test follows the docs."""
    lines = (ROOT / "phasegate.yaml").read_text().splitlines()
    start = lines.index("  # - name: incidents")
    block = []
    for line in lines[start:]:
        if not line.startswith("  # ") or (block and not line.startswith("  #   ")):
            break
        block.append("  " + line[4:])
    return "\n".join(block) + "\n"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    (tmp_path / "phasegate.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Config\nsources:\n" + shipped_incidents_source()
    )
    return tmp_path


def collected(config_dir: Path) -> tuple[dict, dict]:
    config = load_config(config_dir / "phasegate.yaml")
    options = CollectOptions(phase=1, sets=(("change.commit", "9f2c4e1"),))
    result = collect(config, StateDir(config_dir / "state"), options, record=False)
    return dict(result.facts.data), result.unknown


def test_the_example_file_becomes_incidents(config_dir: Path):
    shutil.copy(ROOT / "examples" / "incidents.json", config_dir / "incidents.json")
    facts, unknown = collected(config_dir)
    assert [i["id"] for i in facts["incidents"]] == ["INC-41", "INC-38"]
    assert "incidents" not in unknown


def test_an_explicit_empty_list_is_no_incidents(config_dir: Path):
    (config_dir / "incidents.json").write_text('{"incidents": []}')
    facts, _ = collected(config_dir)
    assert facts["incidents"] == []


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (None, "cannot read"),
        ("{not json", "unreadable output"),
        ("{}", "missing field: output.incidents"),
        (json.dumps({"incidents": [{"id": "INC-1", "severity": "P9", "status": "open"}]}), ""),
        (json.dumps({"incidents": {"id": "INC-1"}}), ""),
    ],
)
def test_a_missing_or_bad_file_leaves_incidents_unknown(config_dir: Path, content, why):
    if content is not None:
        (config_dir / "incidents.json").write_text(content)
    facts, unknown = collected(config_dir)
    assert "incidents" not in facts  # unknown, never an empty list
    assert why in unknown["incidents"]
    if content is None:  # the full path it looked at
        assert str(config_dir.resolve() / "incidents.json") in unknown["incidents"]
