"""`--history-count` names a count as a count (issue 20, item 5: `--history-window 50` read
as a duration beside `--window 60m`); `--history-window` still works, deprecated."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from conftest import call_cli
from phasegate.cli.options import HISTORY_WINDOW_OPTION
from phasegate.core.verdict import DEFAULT_HISTORY_WINDOW


@click.command()
@HISTORY_WINDOW_OPTION
def shown(history_window: int) -> None:
    click.echo(history_window)


@pytest.mark.parametrize(
    ("args", "count"),
    [([], DEFAULT_HISTORY_WINDOW), (["--history-count", "7"], 7), (["--history-window", "7"], 7)],
)
def test_the_count_reaches_the_command_under_either_name(args: list[str], count: int) -> None:
    result = CliRunner().invoke(shown, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(count)


@pytest.mark.parametrize(
    "args",
    [
        ["--history-count", "3", "--history-window", "4"],
        ["--history-window", "4", "--history-count", "3"],
    ],
)
def test_both_names_at_once_is_a_usage_error(args: list[str]) -> None:
    result = CliRunner().invoke(shown, args)
    assert result.exit_code == 2
    assert "--history-window is --history-count: pass one of them" in result.output


def test_old_name_warns_and_new_name_is_the_documented_one() -> None:
    facts = "fixtures/facts/phase1-healthy.yaml"
    history = "fixtures/recordings/phase1-error-rate-degrades.jsonl"
    old = call_cli("evaluate", facts, "--history", history, "--history-window", "3", "--no-cache")
    new = call_cli("evaluate", facts, "--history", history, "--history-count", "3", "--no-cache")
    assert (old.returncode, old.stdout) == (new.returncode, new.stdout)
    assert "--history-window is deprecated" in old.stderr and "--history-count" in old.stderr
    assert "deprecated" not in new.stderr
    usage = call_cli("evaluate", "--help").stdout
    assert "--history-count INTEGER" in usage and "--history-window INTEGER" not in usage
