"""`phasegate collect`: run the configured tools and print one facts document."""

from __future__ import annotations

from pathlib import Path

import click

from phasegate.cli.options import (
    collect_options,
    collect_setup,
    deliver,
    long_running,
    output_option,
    report_reused_checks,
    say,
    warn_unknown,
)


@click.command("collect")
@collect_options
@output_option("Write the facts here (atomically) instead of standard output.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "openmetrics"]),
    default="json",
    show_default=True,
    help="openmetrics: the counts as OpenMetrics text, labelled by change, phase, operator.",
)
@click.option(
    "--push",
    "push_url",
    default=None,
    metavar="URL",
    help="Also push the counts to this Pushgateway, grouped by change, phase and operator.",
)
def command(
    config_path: Path | None,
    phase: int | None,
    sets: tuple[str, ...],
    baseline: Path | None,
    state_dir: Path | None,
    rerun_checks: bool,
    output: Path | None,
    output_format: str,
    push_url: str | None,
) -> None:
    """Run the configured checks and sources and print one facts document (JSON)."""
    from phasegate.collect.collector import collect

    long_running()
    config, state, options = collect_setup(
        config_path, state_dir, phase, sets, baseline, rerun_checks
    )
    state.check_writable()
    collection = collect(config, state, options)
    report_reused_checks(collection.facts.data)
    for line in state.warnings:
        say(f"phasegate: warning: {line}")
    warn_unknown(collection.facts.data)
    if output_format == "openmetrics":
        from phasegate.collect import openmetrics

        text = openmetrics.exposition(collection.facts.data)
    else:
        data = dict(collection.facts.data)
        from phasegate.report import report_json

        text = report_json(data)
    deliver(text, output)
    if push_url:
        from phasegate.collect import openmetrics

        openmetrics.push(collection.facts.data, push_url)
    # Last: a collection whose facts were not delivered (or pushed) must not advance the
    # sources' kept state, or the next one counts its new failures from a sample nobody saw.
    state.save_samples(collection.samples)
