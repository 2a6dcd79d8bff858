"""`phasegate contract record`: the command-shape baseline drift detection compares with."""

from __future__ import annotations

from pathlib import Path

import click

from phasegate.cli.options import CONFIG_OPTION, load_config, long_running, output_option


@click.group("contract")
def command() -> None:
    """Command contract baselines for drift detection."""


@command.command("record")
@CONFIG_OPTION
@output_option("Where to write the baseline. Default: the config's contract.baseline.")
def record(config_path: Path | None, output: Path | None) -> None:
    """Run the smoke commands and record their output shapes as the baseline to commit."""
    from phasegate.collect.contract import record_baseline

    long_running()
    config = load_config(config_path)
    target = record_baseline(config, output)
    click.echo(
        f"phasegate: recorded {len(config.contract.commands) if config.contract else 0} "
        f"command shape(s) in {target}",
        err=True,
    )
