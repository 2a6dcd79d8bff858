"""`phasegate retry-rollback`: finish a rollback on the runners it left behind."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from phasegate.cli.options import (
    CONFIG_OPTION,
    STATE_DIR_OPTION,
    load_config,
    long_running,
    report_application,
    say,
)


@click.command("retry-rollback")
@click.option("--decision", "decision_id", required=True, help="The rollback's id in the log.")
@click.option(
    "--only-runners",
    required=True,
    metavar="NAME,NAME",
    help="Deploy and verify only these runners (as `run` printed them).",
)
@CONFIG_OPTION
@STATE_DIR_OPTION
def command(
    decision_id: str, only_runners: str, config_path: Path | None, state_dir: Path | None
) -> None:
    """Deploy a logged rollback again, to the named runners only; exit 20 when all are
    restored, 4 when some are still left (with the command to retry those)."""
    from phasegate.runner import runners
    from phasegate.runner.retry import retry
    from phasegate.state.statedir import StateDir

    long_running()
    config = load_config(config_path, state_dir)
    try:
        only = runners.only_runners(config, only_runners)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--only-runners") from None
    outcome = retry(config, StateDir(config.state_dir), decision_id, only)
    assert outcome.application is not None
    for line in outcome.planned:
        say(f"phasegate: {line}")
    report_application(outcome.application)
    sys.exit(outcome.exit_code(allow_pause=False))
