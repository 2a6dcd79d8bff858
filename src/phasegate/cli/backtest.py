"""`phasegate backtest`: what a policy set would have caught and cost over labelled
recordings."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from phasegate.cli.options import (
    HISTORY_WINDOW_OPTION,
    OUTPUT_OPTION,
    POLICIES_OPTION,
    deliver,
    format_option,
    load_policies,
    renderer,
    warn_skipped,
)

FORMATS = "phasegate.report.backtest:BACKTEST_FORMATS"


@click.command("backtest")
@click.argument("recordings", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--labels",
    "labels",
    required=True,
    type=click.Path(path_type=Path),
    help="When each change was actually bad (`phasegate schema labels`).",
)
@POLICIES_OPTION
@format_option(FORMATS)
@HISTORY_WINDOW_OPTION
@OUTPUT_OPTION
def command(
    recordings: tuple[Path, ...],
    labels: Path,
    policies: Path | None,
    output_format: str,
    history_window: int,
    output: Path | None,
) -> None:
    """Incidents caught and missed, lead times and false pauses and rollbacks, for the
    policy set and for each rule, over recordings (JSONL files or folders of facts).

    Exit codes: 0 backtested, 3 invalid input (labels, policies or an unreadable recording).
    """
    from phasegate.errors import ExitCode, InputError, single_line
    from phasegate.review.backtest import backtest, load_labels
    from phasegate.review.pvalues import kept_p_values

    incidents = load_labels(labels)
    policy_set = load_policies(policies)
    with kept_p_values():  # labelled recordings backtested again and again
        result, replayed = backtest(recordings, policy_set, incidents, history_window)
    for recording in replayed:
        for where, reason in recording.skipped:
            warn_skipped(where, reason)
    if not any(recording.count for recording in replayed):
        # Scores of nothing would read as "no false pauses": a typo'd path or the wrong
        # folder must not pass a review (as `diff` refuses an empty corpus).
        shown = ", ".join(single_line(str(path)) for path in recordings)
        raise InputError(f"no snapshots to backtest in {shown}")
    deliver(renderer(FORMATS, output_format)(result), output)
    sys.exit(ExitCode.CONTINUE)
