"""`phasegate status`: where a change stands in its rollout and what comes next."""

from __future__ import annotations

from pathlib import Path

import click

from phasegate.cli.options import (
    CONFIG_OPTION,
    POLICIES_OPTION,
    STATE_DIR_OPTION,
    load_config,
    load_policies,
    say,
)


@click.command("status")
@click.option(
    "--change",
    "commit",
    default=None,
    metavar="COMMIT",
    help="The change to show. Default: that of the log's last decision.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@CONFIG_OPTION
@STATE_DIR_OPTION
@POLICIES_OPTION
def command(
    commit: str | None,
    output_format: str,
    config_path: Path | None,
    state_dir: Path | None,
    policies: Path | None,
) -> None:
    """Show a change's phase and state, its last decision and the rules that made it, what
    is next and from when, and what is left to do by hand. Read-only.

    Exit codes: 0 shown, 3 the state dir does not exist, or it or its decision log cannot be
    read.
    """
    from phasegate.report.status import render_json, render_text
    from phasegate.state import rollout
    from phasegate.state.statedir import StateDir
    from phasegate.state.status import status

    config = load_config(config_path, state_dir)
    state = StateDir(config.state_dir)
    state.check_exists()
    target = commit.strip() if commit is not None else rollout.last_change(state.records())
    record = status(rollout.state_of(state, target), _windows(policies)) if target else None
    for line in state.warnings:  # also without a decision: damaged lines only are no empty log
        say(f"phasegate: warning: {line}")
    if record is None:
        say(f"phasegate: no decision recorded in {state.path}")
        return
    click.echo(render_json(record) if output_format == "json" else render_text(record), nl=False)


def _windows(policies: Path | None) -> dict:
    """Each phase's stable window, from the `windows` policy's params (when it has them)."""
    from phasegate.errors import PhasegateError
    from phasegate.runner.closeout import parse_duration

    try:
        params = {p.name: p.params for p in load_policies(policies).policies}.get("windows", {})
        found = {}
        for phase in (1, 2):
            text = params.get(f"phase{phase}_window")
            if isinstance(text, str):
                found[phase] = parse_duration(text, f"windows.phase{phase}_window")
        return found
    except PhasegateError:
        return {}
