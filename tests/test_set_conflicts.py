"""A `--set` of what a flag already gives is refused (issue 20, item 5): which one would win
is a rule nobody remembers, so neither does."""

from __future__ import annotations

import pytest

from conftest import run_cli

HEALTHY = "fixtures/facts/phase1-healthy.yaml"


@pytest.mark.parametrize("command", ["collect", "run"])
def test_set_phase_beside_phase_is_a_usage_error_naming_both(command: str) -> None:
    result = run_cli(command, "--phase", "1", "--set", "phase=2", "--set", "change.commit=abc")
    assert result.returncode == 2, result.stderr
    assert "--set phase=2 gives what --phase 1 already gives: pass one of them" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("path", ["baseline", "baseline.error_rate"])
def test_set_baseline_beside_baseline_file_is_a_usage_error(path: str) -> None:
    result = run_cli("collect", "--phase", "1", "--baseline", HEALTHY, "--set", f"{path}=0.1")
    assert result.returncode == 2, result.stderr
    assert f"--set {path}=0.1 gives what --baseline {HEALTHY} already gives" in result.stderr


def test_set_phase_alone_still_gives_the_phase(tmp_path) -> None:
    """Without `--phase` the `--set` is the only source, as the README documents: the
    refusal must not reach it (it fails later, on the missing config, not on usage)."""
    result = run_cli(
        "collect",
        "--set",
        "phase=1",
        "--set",
        "change.commit=abc",
        "--config",
        str(tmp_path / "none.yaml"),
    )
    assert result.returncode == 3, result.stderr
    assert "already gives" not in result.stderr
