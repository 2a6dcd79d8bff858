"""`phasegate closeout`: the guide's closeout record, once Phase 2's stable window passed."""

from __future__ import annotations

from pathlib import Path

import click

from phasegate.cli.options import (
    CONFIG_OPTION,
    POLICIES_OPTION,
    STATE_DIR_OPTION,
    load_config,
    load_policies,
    output_option,
    say,
)


@click.command("closeout")
@CONFIG_OPTION
@STATE_DIR_OPTION
@POLICIES_OPTION
@click.option(
    "--window",
    default=None,
    help="Stable Phase 2 window, e.g. 60m. Default: the windows policy's phase2_window.",
)
@click.option("--change", "commit", default=None, help="Commit to close. Default: the last.")
@output_option("Write OUTPUT.md and OUTPUT.json. Default: STATE/closeout/closeout-<commit>.")
def command(
    config_path: Path | None,
    state_dir: Path | None,
    policies: Path | None,
    window: str | None,
    commit: str | None,
    output: Path | None,
) -> None:
    """Write the closeout record (Markdown, JSON) once Phase 2's stable window has passed.

    Exit codes: 0 written, 10 the window has not passed, 3 no usable decision log.
    """
    from phasegate.runner.closeout import write_closeout

    config = load_config(config_path, state_dir)
    markdown, data, skipped = write_closeout(
        config.state_dir, load_policies(policies), window=window, commit=commit, output=output
    )
    if skipped:
        click.echo(
            f"phasegate: warning: skipped {skipped} line(s) that are not decisions or events",
            err=True,
        )
    say(f"phasegate: closeout written: {markdown} and {data}")
