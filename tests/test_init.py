"""`phasegate init DIR` (issue 20, item 5): a policy repository in which the reviewer tools
pass as written, made from what the wheel carries."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import POLICIES, ROOT, call_cli, run_cli


def test_init_writes_a_repository_whose_checks_pass(tmp_path: Path) -> None:
    target = tmp_path / "repo"
    result = run_cli("init", str(target))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (target / "policies").glob("*.yaml")) == sorted(
        p.name for p in POLICIES.glob("*.yaml")
    )
    assert (target / "policies" / "tests" / "windows.yaml").is_file()
    assert (target / "fixtures" / "facts" / "phase1-healthy.yaml").is_file()
    assert "sh check.sh" in (target / ".github" / "workflows" / "policies.yml").read_text()
    # The CI recipe, as CI runs it: `phasegate` on PATH, in the new repository.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    check = subprocess.run(
        ["sh", "check.sh"], cwd=target, env=env, capture_output=True, text=True, timeout=120
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "rules covered both ways (fired and passed): 27/27 (100.0%)" in check.stdout


def test_init_refuses_a_folder_with_files_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    result = call_cli("init", str(tmp_path))
    assert result.returncode == 2
    assert f"{tmp_path}: exists and is not an empty folder" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_init_fills_an_empty_folder(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    assert call_cli("init", str(target)).returncode == 0
    assert (target / "check.sh").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]  # no staging left behind


def test_the_wheel_carries_what_init_copies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    included = project["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert included["policies/tests"] == "phasegate/_data/policy-tests"
    assert included["fixtures/facts"] == "phasegate/_data/fixtures"
