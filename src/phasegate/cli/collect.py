"""`phasegate collect`: run the configured tools and print one facts document."""

from __future__ import annotations

import json
from pathlib import Path

import click

from phasegate.cli.options import collect_options, collect_setup, deliver, long_running


@click.command("collect")
@collect_options
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the facts here (atomically) instead of standard output.",
)
def command(
    config_path: Path | None,
    phase: int | None,
    sets: tuple[str, ...],
    baseline: Path | None,
    state_dir: Path | None,
    output: Path | None,
) -> None:
    """Run the configured checks and sources and print one facts document (JSON)."""
    from phasegate.collect.collector import collect

    long_running()
    config, state, options = collect_setup(config_path, state_dir, phase, sets, baseline)
    state.check_writable()
    collection = collect(config, state, options)
    state.save_samples(collection.samples)
    for path, reason in sorted(collection.unknown.items()):
        click.echo(f"phasegate: warning: {path} unknown: {reason}", err=True)
    text = (
        json.dumps(dict(collection.facts.data), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )
    deliver(text, output)
