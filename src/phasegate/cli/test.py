"""`phasegate test`: policy unit tests, with rule and branch coverage."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from phasegate.cli.options import (
    OUTPUT_OPTION,
    POLICIES_OPTION,
    deliver,
    format_option,
    load_policies,
    renderer,
    say,
    use_color,
)

FORMATS = "phasegate.report.testing:TEST_FORMATS"


def _a_number(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """FloatRange lets NaN through (no comparison with it is true): a minimum must be one."""
    if value is not None and value != value:
        raise click.BadParameter("nan is not a percentage.", ctx, param)
    return value


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@POLICIES_OPTION
@format_option(FORMATS)
@click.option("--coverage", is_flag=True, help="Report which rules and branches the cases cover.")
@click.option(
    "--min-coverage",
    type=click.FloatRange(0, 100),
    callback=_a_number,
    default=None,
    metavar="PERCENT",
    help="Exit 1 when fewer rules are covered (fired and passed); implies --coverage.",
)
@click.option(
    "--min-branch-coverage",
    type=click.FloatRange(0, 100),
    callback=_a_number,
    default=None,
    metavar="PERCENT",
    help="Exit 1 when fewer &&/|| operands were decided both ways; implies --coverage.",
)
@OUTPUT_OPTION
def command(
    paths: tuple[Path, ...],
    policies: Path | None,
    output_format: str,
    coverage: bool,
    min_coverage: float | None,
    min_branch_coverage: float | None,
    output: Path | None,
) -> None:
    """Run policy unit tests (test files or folders; default: the policies' tests/ folder).

    Exit codes: 0 every case passed, 1 a case failed or coverage is below the minimum,
    3 invalid test files or policies.
    """
    from phasegate.review.pvalues import kept_p_values
    from phasegate.review.testing import load_test_files, run_policy_tests

    def trace_rule(*args: Any) -> Any:
        """`trace.trace_rule`, whose tree parser is loaded only when coverage traces."""
        from phasegate.review.trace import trace_rule

        return trace_rule(*args)

    targets = paths or ((policies if policies is not None else Path("policies")) / "tests",)
    files = load_test_files(targets, lambda: load_policies(policies))
    with kept_p_values():  # the same cases every run: scipy's p-values from the cache
        report = run_policy_tests(
            files,
            coverage=coverage,
            trace=trace_rule,
            min_coverage=min_coverage,
            min_branch_coverage=min_branch_coverage,
        )
    deliver(renderer(FORMATS, output_format)(report, use_color() and output is None), output)
    for shortfall in report.shortfalls():
        say(f"phasegate: {shortfall}")
    sys.exit(report.exit_code)
