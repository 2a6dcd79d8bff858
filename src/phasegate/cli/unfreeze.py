"""`phasegate unfreeze`: lift the freeze a Phase 2 rollback set, once the root cause is
documented, on the record."""

from __future__ import annotations

import re
from pathlib import Path

import click

from phasegate.cli.options import CONFIG_OPTION, STATE_DIR_OPTION, load_config

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$")


@click.command("unfreeze")
@click.option(
    "--rca",
    required=True,
    metavar="PATH|URL",
    help="The root-cause document (the guide: freeze until root cause documented). "
    "A path must exist.",
)
@click.option("--reason", default=None, help="Why the freeze may be lifted now (optional).")
@CONFIG_OPTION
@STATE_DIR_OPTION
def command(rca: str, reason: str | None, config_path: Path | None, state_dir: Path | None) -> None:
    """Lift the deployment freeze a Phase 2 rollback set, recording the root-cause document
    in the freeze log and the decision log (where `closeout` reads it).

    Exit codes: 0 lifted (or no freeze), 2 no root-cause document, 3 the state dir does not
    exist or cannot be written or a new freeze was set meanwhile (it stands; the one error line says
    whether the freeze was lifted, when only the freeze log could not be written).
    """
    from phasegate.collect.collector import utc_now
    from phasegate.state.statedir import StateDir

    config = load_config(config_path, state_dir)
    document = rca_reference(rca)
    if reason is not None and not reason.strip():
        raise click.BadParameter("must say why the freeze may be lifted", param_hint="--reason")
    state = StateDir(config.state_dir)
    state.check_exists()
    seen = state.freeze()
    if seen is None:
        click.echo("phasegate: no freeze was active", err=True)
        return
    click.echo(
        f"phasegate: lifting the freeze: {seen.get('reason', 'no reason recorded')}", err=True
    )
    text = reason.strip() if reason is not None else f"root cause documented: {document}"
    lifted = state.clear_freeze(text, utc_now(), rca=document, expected=seen)
    click.echo(
        f"phasegate: freeze lifted (root cause: {document})"
        if lifted
        else "phasegate: no freeze was active",
        err=True,
    )


def rca_reference(text: str) -> str:
    """A URL as given, or a path that exists (as given): a reference that leads nowhere
    documents nothing."""
    value = text.strip()
    if not value:
        raise click.BadParameter("name the root-cause document (PATH or URL)", param_hint="--rca")
    if _URL.match(value):
        return value
    if not Path(value).exists():
        raise click.BadParameter(
            f"{value}: no such file (give the root-cause document's path or URL)",
            param_hint="--rca",
        )
    return value
