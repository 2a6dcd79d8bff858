"""`--set` fills facts no command can know; it cannot overrule a check that ran and failed."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from phasegate.collect.collector import CollectOptions, collect
from phasegate.collect.config import load_config
from phasegate.errors import InputError
from phasegate.state.statedir import StateDir


def collect_with(tmp_path: Path, *sets: tuple[str, str]):
    config_path = tmp_path / "phasegate.yaml"
    config_path.write_text(
        textwrap.dedent(
            f"""\
            apiVersion: phasegate/v1
            kind: Config
            checks:
              ci: {{command: [{sys.executable}, -c, "raise SystemExit(2)"]}}
              quick: {{command: [{sys.executable}, -c, "pass"]}}
            """
        )
    )
    config = load_config(config_path, tmp_path / "state")
    options = CollectOptions(phase=0, sets=(("change.commit", "abc"), *sets))
    return collect(config, StateDir(tmp_path / "state"), options, lambda: "2026-11-20T10:00:00Z")


@pytest.mark.parametrize(
    "override",
    [
        ("checks.ci.ok", "true"),
        ("checks.ci.exit_code", "0"),
    ],
)
def test_set_cannot_turn_a_measured_failure_into_a_pass(tmp_path: Path, override):
    with pytest.raises(InputError, match=r"checks\.ci failed when it ran \(exit 2\)") as caught:
        collect_with(tmp_path, override)
    assert caught.value.exit_code == 3


def test_set_may_still_fill_other_facts_and_passing_checks(tmp_path: Path):
    facts = collect_with(tmp_path, ("checks.quick.ok", "true"), ("owners.release", "alice"))
    assert facts.facts.data["checks"]["ci"]["ok"] is False
    assert facts.facts.data["owners"]["release"] == "alice"
