"""`phasegate schema`: print a packaged JSON Schema, for editors and other tools."""

from __future__ import annotations

import click

from phasegate.files.schemas import SCHEMA_NAMES, data_dir


@click.command("schema")
@click.argument("name", type=click.Choice(SCHEMA_NAMES))
def command(name: str) -> None:
    """Print one of phasegate's JSON Schemas."""
    path = data_dir("schemas") / f"{name}.schema.json"
    click.echo(path.read_text(encoding="utf-8"), nl=False)
