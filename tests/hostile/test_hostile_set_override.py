"""`--set` fills facts no command can know; it cannot overrule a check that ran and failed,
nor a value a source measured."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import run_cli
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


def collect_measured(tmp_path: Path, *sets: tuple[str, str], measured: str | None = None):
    """A collection whose `file:` source measured a lock contention spike and an open P1."""
    (tmp_path / "health.json").write_text(
        measured
        or '{"lock": 0.3, "incidents": [{"id": "I-1", "severity": "P1", "status": "open"}]}'
    )
    config_path = tmp_path / "phasegate.yaml"
    config_path.write_text(
        textwrap.dedent(
            """\
            apiVersion: phasegate/v1
            kind: Config
            sources:
              - name: health
                file: health.json
                facts:
                  metrics.lock_contention_rate: output.lock
                  incidents: output.incidents
            """
        )
    )
    config = load_config(config_path, tmp_path / "state")
    options = CollectOptions(phase=1, sets=(("change.commit", "abc1234"), *sets))
    return collect(config, StateDir(tmp_path / "state"), options, lambda: "2026-11-20T10:00:00Z")


@pytest.mark.parametrize(
    ("override", "named"),
    [
        (("metrics.lock_contention_rate", "0"), "metrics.lock_contention_rate"),
        (("incidents", "[]"), "incidents"),
        (("incidents", '[{"id": "I-1", "severity": "P1", "status": "resolved"}]'), "incidents"),
    ],
)
def test_set_cannot_overrule_a_value_a_source_measured(tmp_path: Path, override, named):
    """A hunt for where the gate is weaker than the guide found `--set` could replace a
    measured lock contention spike or an open P1 (immediate rollback) with a healthy value,
    and the decision log kept it as if measured."""
    with pytest.raises(InputError, match="--set cannot change a measured fact") as caught:
        collect_measured(tmp_path, override)
    assert caught.value.exit_code == 3
    assert caught.value.message.startswith(f"{named} was measured by source health;")


def test_set_may_give_the_measured_value_again_or_a_fact_whose_source_failed(tmp_path: Path):
    same = collect_measured(tmp_path, ("metrics.lock_contention_rate", "0.3"))
    assert same.facts.data["metrics"]["lock_contention_rate"] == 0.3
    # No `lock` in the output: the source measured no lock contention, which stays unknown
    # unless given by hand (a fact no command could know this time).
    filled = collect_measured(
        tmp_path, ("metrics.lock_contention_rate", "0.01"), measured='{"incidents": []}'
    )
    assert filled.facts.data["metrics"]["lock_contention_rate"] == 0.01
    assert filled.facts.data["incidents"] == []


def test_collect_refuses_a_set_over_a_measured_fact_with_one_line(tmp_path: Path):
    (tmp_path / "health.json").write_text('{"lock": 0.3}')
    (tmp_path / "phasegate.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Config\nsources:\n  - name: health\n"
        "    file: health.json\n    facts:\n      metrics.lock_contention_rate: output.lock\n"
    )
    args = ["--config", str(tmp_path / "phasegate.yaml"), "--phase", "1"]
    sets = ["--set", "change.commit=abc1234", "--set", "metrics.lock_contention_rate=0"]
    for command in (["collect"], ["run", "--dry-run"]):
        done = run_cli(*command, *args, *sets, cwd=tmp_path)
        assert done.returncode == 3, done.stderr
        assert done.stderr.splitlines()[-1] == (
            "--set: error: metrics.lock_contention_rate was measured by source health; --set "
            "cannot change a measured fact (fix the source, or run again)"
        )


@pytest.mark.parametrize("measured", ['{"lock": 0}', '{"lock": 1.0}'])
@pytest.mark.parametrize("given", ["0", "0.0", "1", "1.0"])
def test_set_may_give_a_measured_number_again_however_it_is_written(
    tmp_path: Path, measured, given
):
    """A review found the measured value given again refused when the source read a JSON
    integer and `--set` typed the same number as the schema's `number` (a float): the
    README promises it is allowed, and CEL sees both as the same double."""
    override = ("metrics.lock_contention_rate", given)
    if float(given) == float(measured.split(":")[1].rstrip("}")):
        facts = collect_measured(tmp_path, override, measured=measured).facts.data
        assert facts["metrics"]["lock_contention_rate"] == float(given)
    else:
        with pytest.raises(InputError, match="--set cannot change a measured fact"):
            collect_measured(tmp_path, override, measured=measured)


def test_set_over_measured_free_json_compares_numbers_by_value_never_booleans(tmp_path: Path):
    (tmp_path / "swarm.json").write_text('{"runs": [{"n": 2, "ok": true}]}')
    (tmp_path / "phasegate.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Config\nsources:\n  - name: swarm\n"
        "    file: swarm.json\n    facts:\n      extra.runs: output.runs\n"
    )
    config = load_config(tmp_path / "phasegate.yaml", tmp_path / "state")

    def given(value: str):
        sets = (("change.commit", "abc1234"), ("extra.runs", value))
        options = CollectOptions(phase=0, sets=sets)
        return collect(
            config, StateDir(tmp_path / "state"), options, lambda: "2026-11-20T10:00:00Z"
        )

    assert given('[{"n": 2.0, "ok": true}]').facts.data["extra"]["runs"] == [{"n": 2, "ok": True}]
    for changed in ('[{"n": 2, "ok": 1}]', '[{"n": 3, "ok": true}]', '[{"n": 2}]', "[]"):
        with pytest.raises(InputError, match=r"extra\.runs was measured by source swarm"):
            given(changed)


def test_a_ci_variable_over_a_measured_fact_is_refused_naming_the_variable(tmp_path: Path):
    """A review found `GITHUB_REF_NAME` (no `--set` at all) over a `change.tag` a source
    measured refused as "--set cannot change a measured fact", naming a flag never given."""
    (tmp_path / "release.json").write_text('{"tag": "v0.4.3"}')
    (tmp_path / "phasegate.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Config\nsources:\n  - name: release\n"
        "    file: release.json\n    facts:\n      change.tag: output.tag\n"
    )
    args = ["collect", "--config", str(tmp_path / "phasegate.yaml"), "--phase", "0"]
    ci = {"PHASEGATE_COMMIT": "abc1234", "GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": "v9"}
    ci = {**os.environ, **ci}
    done = run_cli(*args, cwd=tmp_path, env=ci)
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines()[-1] == (
        "$GITHUB_REF_NAME: error: change.tag was measured by source release; $GITHUB_REF_NAME "
        "cannot change a measured fact (fix the source, or run again)"
    )
    done = run_cli(*args, "--set", "change.tag=v9", cwd=tmp_path, env=ci)
    assert done.stderr.splitlines()[-1].startswith("--set: error: change.tag was measured")
    assert run_cli(*args, "--set", "change.tag=v0.4.3", cwd=tmp_path, env=ci).returncode == 0
