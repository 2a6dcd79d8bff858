"""`phasegate fmt`: policy files in canonical layout."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--check", is_flag=True, help="Write nothing; print a diff, exit 1 if any would change."
)
def command(paths: tuple[Path, ...], check: bool) -> None:
    """Rewrite policy files (files or folders; default: ./policies) in canonical layout.

    Exit codes: 0 formatted (or, with --check, already canonical), 1 --check found files to
    format, 2 usage (the installed policy set), 3 a file cannot be read or is invalid.
    """
    from phasegate.errors import ExitCode, single_line
    from phasegate.review.fmt import format_files, target_files, unified_diff, write_formatted

    results = format_files(target_files(paths))
    for result in results:
        for note in result.notes:
            click.echo(single_line(note), err=True)
    changed = [result for result in results if result.changed]
    if check:
        for result in changed:
            click.echo(unified_diff(result), nl=False)
        if changed:  # a CI log should say how to fix it, not only what is wrong
            import shlex

            names = " ".join(shlex.quote(single_line(result.path)) for result in changed)
            click.echo(
                f"phasegate: {len(changed)} file(s) not in canonical layout; "
                f"run `phasegate fmt {names}` to fix",
                err=True,
            )
        sys.exit(ExitCode.CHECK_FAILED if changed else ExitCode.CONTINUE)
    for result in changed:
        write_formatted(result)
        click.echo(f"formatted: {single_line(result.path)}", err=True)
