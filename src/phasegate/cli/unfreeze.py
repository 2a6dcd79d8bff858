"""`phasegate unfreeze`: lift the freeze a Phase 2 rollback set, on the record."""

from __future__ import annotations

from pathlib import Path

import click

from phasegate.cli.options import CONFIG_OPTION, STATE_DIR_OPTION, load_config


@click.command("unfreeze")
@click.option("--reason", required=True, help="Where the root cause is documented.")
@CONFIG_OPTION
@STATE_DIR_OPTION
def command(reason: str, config_path: Path | None, state_dir: Path | None) -> None:
    """Lift the deployment freeze a Phase 2 rollback set, recording why."""
    from phasegate.collect.collector import utc_now
    from phasegate.state.statedir import StateDir

    if not reason.strip():
        raise click.BadParameter(
            "must say where the root cause is documented", param_hint="--reason"
        )
    config = load_config(config_path, state_dir)
    lifted = StateDir(config.state_dir).clear_freeze(reason.strip(), utc_now())
    click.echo(
        "phasegate: freeze lifted" if lifted else "phasegate: no freeze was active", err=True
    )
