"""`phasegate lint`: policy files checked without facts."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from phasegate.cli.options import format_option, renderer
from phasegate.report.lint import SEVERITIES

FORMATS = "phasegate.report.lint:LINT_FORMATS"


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@format_option(FORMATS, "github: annotations on the exact lines; sarif: SARIF 2.1.0.")
@click.option(
    "--min-severity",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Show findings at least this severe. Default: warning (info findings only with "
    "--min-severity info).",
)
def command(paths: tuple[Path, ...], output_format: str, min_severity: str | None) -> None:
    """Check policy files (folders or files; default: the policies folder) without facts.

    Exits 0 when no finding is an error (warnings and info do not fail), 1 when some is,
    3 when a file cannot be read.
    """
    from phasegate.core.policy import PACKAGED, builtin_policies_dir, default_policies_dir
    from phasegate.errors import ExitCode
    from phasegate.report.lint import shown
    from phasegate.review.lint import lint_paths

    default = default_policies_dir()
    packaged = not paths and default == builtin_policies_dir()
    report = lint_paths(paths or (default,), PACKAGED if packaged else None)
    click.echo(
        renderer(FORMATS, output_format)(shown(report, output_format, min_severity)), nl=False
    )
    sys.exit(ExitCode.CHECK_FAILED if report.failed else ExitCode.CONTINUE)
