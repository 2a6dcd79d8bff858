"""A failed source must never leave an earlier source's value in place (issue 17, item 16).

Two sources writing one fact are refused when the configuration loads (exit 3, one line
naming both): otherwise a Prometheus source that cannot reach its server leaves the gate
machine's own error rate standing in for the cohort's, and the gate continues.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli
from phasegate.collect.config import load_config
from phasegate.errors import InputError

#: The issue's configuration, without servers: a local rate and a cohort rate for one fact.
TWO_WRITERS = """\
apiVersion: phasegate/v1
kind: Config
sources:
  - name: local
    command: [echo, '{"rate": 0.01}']
    facts: {metrics.error_rate: output.rate}
  - name: cohort
    prometheus: {url: "http://127.0.0.1:9", query: "vector(0.4)"}
    facts: {metrics.error_rate: "output[0].value"}
"""


def test_two_sources_writing_one_fact_are_refused_naming_both(tmp_path: Path):
    config = tmp_path / "phasegate.yaml"
    config.write_text(TWO_WRITERS)
    done = run_cli(
        "collect", "--config", str(config), "--phase", "1", "--set", "change.commit=abcdef1"
    )
    assert done.returncode == 3 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"{config}:9:")
    assert "source cohort: metrics.error_rate is also written by source local" in line


@pytest.mark.parametrize(
    ("first", "second", "words"),
    [
        ("metrics", "metrics.error_rate", "metrics.error_rate is also written by source a"),
        ("metrics.error_rate", "metrics", "metrics is also written by source a"),
        ("extra.x", "extra.x", "extra.x is also written by source a"),
    ],
)
def test_a_fact_inside_another_counts_as_the_same(tmp_path: Path, first, second, words):
    config = tmp_path / "phasegate.yaml"
    config.write_text(
        "apiVersion: phasegate/v1\nkind: Config\nsources:\n"
        f"  - {{name: a, command: [echo, '1'], facts: {{{first}: output}}}}\n"
        f"  - {{name: b, command: [echo, '1'], facts: {{{second}: output}}}}\n"
    )
    with pytest.raises(InputError) as caught:
        load_config(config)
    assert words in caught.value.message


def test_a_source_writing_a_check_or_the_contract_is_refused(tmp_path: Path):
    config = tmp_path / "phasegate.yaml"
    config.write_text(
        "apiVersion: phasegate/v1\nkind: Config\n"
        "checks: {ci: {command: [echo, ok]}}\n"
        "contract: {baseline: b.json, commands: [[echo]]}\n"
        "sources:\n"
        "  - {name: a, command: [echo, '1'], facts: {checks.ci.ok: 'true'}}\n"
        "  - {name: b, command: [echo, '1'], facts: {contract.drift: '[]'}}\n"
    )
    with pytest.raises(InputError) as caught:
        load_config(config)
    text = str(caught.value)
    assert "checks.ci.ok is also written by check ci" in text
    assert "contract.drift is also written by the contract" in text
