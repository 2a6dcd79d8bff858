"""`phasegate merge`: one cohort facts document from the documents of several operators."""

from __future__ import annotations

from pathlib import Path

import click

from phasegate.cli.options import OUTPUT_OPTION, deliver, warn_unknown


@click.command("merge")
@click.argument("facts_files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--min-operators",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Operators that must report; with fewer, the cohort metrics stay absent (pause).",
)
@click.option(
    "--max-age",
    default=None,
    metavar="DURATION",
    help="Oldest sample trusted, behind the newest (15m, 90s, 1h); older ones leave the "
    "cohort metrics absent.",
)
@OUTPUT_OPTION
def command(
    facts_files: tuple[Path, ...], min_operators: int, max_age: str | None, output: Path | None
) -> None:
    """Merge operators' facts documents into one cohort facts document (JSON)."""
    from phasegate.collect.merge import SampleGuard, merge_facts, parse_duration, render
    from phasegate.core.facts import load_facts

    guard = SampleGuard(min_operators, parse_duration(max_age) if max_age else None)
    merged = merge_facts([load_facts(path) for path in facts_files], guard)
    warn_unknown(merged.data)
    deliver(render(merged), output)
