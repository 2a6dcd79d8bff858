"""Where files live (config discovery, paths a config names) and what collect needs first."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from phasegate.cli import main
from phasegate.collect import config as config_module
from phasegate.collect.collector import CollectOptions, collect, required_facts
from phasegate.collect.config import default_config_path, load_config
from phasegate.collect.contract import record_baseline
from phasegate.errors import InputError, UsageProblem
from phasegate.state.statedir import StateDir

STANDINS = ROOT / "fixtures" / "bin"


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped config as an installed wheel holds it, inside site-packages."""
    packaged = tmp_path / "site-packages" / "phasegate" / "_data" / "config"
    packaged.mkdir(parents=True)
    shutil.copy(ROOT / "phasegate.yaml", packaged / "phasegate.yaml")
    monkeypatch.setattr(config_module, "data_dir", lambda kind: packaged.parent / kind)
    return packaged / "phasegate.yaml"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def test_the_working_folders_config_wins(installed: Path, workdir: Path):
    assert default_config_path() == installed
    (workdir / "phasegate.yaml").write_text(installed.read_text())
    assert default_config_path() == Path("phasegate.yaml")


def test_paths_of_the_packaged_config_are_in_the_working_folder(installed: Path, workdir: Path):
    config = load_config(default_config_path())
    assert config.contract is not None
    assert config.contract.baseline == workdir.resolve() / "contract-baseline.json"
    assert config.state_dir == workdir.resolve() / ".phasegate"
    assert "site-packages" not in str(config.contract.baseline)
    assert "site-packages" not in str(config.state_dir)


def test_the_real_packaged_config_never_names_a_path_inside_the_package(workdir: Path):
    from phasegate.files.schemas import data_dir

    config = load_config(data_dir("config") / "phasegate.yaml")
    assert config.contract is not None
    assert config.contract.baseline.parent == workdir.resolve()
    assert config.state_dir.parent == workdir.resolve()


def test_paths_of_a_teams_config_are_beside_it(tmp_path: Path, workdir: Path):
    team = tmp_path / "team"
    team.mkdir()
    text = (ROOT / "phasegate.yaml").read_text().replace("state_dir: .phasegate", "state_dir: st")
    (team / "phasegate.yaml").write_text(text)
    config = load_config(Path("../team/phasegate.yaml"))
    assert config.contract is not None
    assert config.contract.baseline == team.resolve() / "contract-baseline.json"
    assert config.state_dir == team.resolve() / "st"
    # --state-dir is an option: relative to where the command runs
    assert load_config(team / "phasegate.yaml", Path("mine")).state_dir == Path("mine")


def test_a_missing_config_names_the_full_path(workdir: Path):
    with pytest.raises(InputError) as caught:
        load_config(Path("nope/phasegate.yaml"))
    assert str(workdir.resolve() / "nope" / "phasegate.yaml") in caught.value.message


def test_contract_record_with_the_packaged_config_writes_the_working_folder(
    installed: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PATH", os.pathsep.join([str(STANDINS), os.path.dirname(sys.executable)]))
    monkeypatch.setenv("STANDIN_STATE_DIR", str(workdir))
    target = record_baseline(load_config(default_config_path()), None)
    assert target == workdir.resolve() / "contract-baseline.json"
    assert target.is_file()
    assert sorted(p.name for p in installed.parent.iterdir()) == ["phasegate.yaml"]


def test_a_missing_baseline_names_the_full_path(installed: Path, workdir: Path):
    config = load_config(default_config_path())
    config = _without_commands(config)
    options = CollectOptions(phase=0, sets=(("change.commit", "9f2c4e1"),))
    collection = collect(config, StateDir(workdir / "s"), options, record=False)
    assert str(workdir.resolve() / "contract-baseline.json") in collection.unknown["contract"]


def _without_commands(config: config_module.Config) -> config_module.Config:
    from dataclasses import replace

    assert config.contract is not None
    return replace(config, checks=(), sources=(), contract=replace(config.contract, commands=()))


# --- collect checks what it needs first --------------------------------------------------


def test_required_facts_come_from_options_or_ci_variables():
    options = CollectOptions(phase=1, environ={"GITHUB_SHA": "abc1234"})
    assert required_facts(options) == (1, "abc1234")
    options = CollectOptions(sets=(("change.commit", "f00"), ("phase", "2")))
    assert required_facts(options) == (2, "f00")


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (CollectOptions(phase=1), ["--set change.commit=", "$PHASEGATE_COMMIT", "$GITHUB_SHA"]),
        (CollectOptions(environ={"CI_COMMIT_SHA": "abc"}), ["--phase N", "$PHASEGATE_PHASE"]),
        (CollectOptions(), ["phase is unknown", "change.commit is unknown", "$CI_COMMIT_SHA"]),
        (CollectOptions(phase=0, sets=(("change.commit", " "),)), ["change.commit is unknown"]),
    ],
)
def test_missing_required_facts_say_how_to_give_them(options, says):
    with pytest.raises(UsageProblem) as caught:
        required_facts(options)
    assert all(text in caught.value.message for text in says)


def test_a_collect_without_a_commit_runs_nothing_and_writes_no_state(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
):
    marker = tmp_path / "ran"
    (workdir / "phasegate.yaml").write_text(
        f"apiVersion: phasegate/v1\nkind: Config\nchecks:\n  ci: {{command: [touch, {marker}]}}\n"
    )
    with pytest.raises(SystemExit) as done:
        main(["collect", "--phase", "1"])
    assert done.value.code == 2
    assert "--set change.commit=" in capsys.readouterr().err
    assert not marker.exists()
    assert not (workdir / ".phasegate").exists()


def test_a_collect_that_fails_validation_records_no_phase_start(workdir: Path):
    config = _without_commands(load_config(ROOT / "phasegate.yaml"))
    state = StateDir(workdir / "s")
    options = CollectOptions(phase=1, sets=(("change.commit", "9f2c4e1"), ("change.tag", "")))
    with pytest.raises(InputError):
        collect(config, state, options)
    assert not (workdir / "s").exists() or not any((workdir / "s").iterdir())
