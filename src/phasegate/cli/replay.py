"""`phasegate replay`: decide every snapshot of recorded rollouts, offline."""

from __future__ import annotations

import os
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
)

FORMATS = "phasegate.report.replay:REPLAY_FORMATS"


@click.command("replay")
@click.argument("recordings", nargs=-1, required=True, type=click.Path(path_type=Path))
@POLICIES_OPTION
@format_option(FORMATS)
@click.option(
    "--expect",
    "expect",
    type=click.Path(path_type=Path),
    default=None,
    help="Expected verdicts per snapshot index or time range; mismatches exit 5.",
)
@HISTORY_WINDOW_OPTION
@OUTPUT_OPTION
def command(
    recordings: tuple[Path, ...],
    policies: Path | None,
    output_format: str,
    expect: Path | None,
    history_window: int,
    output: Path | None,
) -> None:
    """Decide every snapshot of recorded rollouts (JSONL files or folders of facts)."""
    from phasegate.errors import ExitCode
    from phasegate.recording import read_recording
    from phasegate.replay import check_expectations, load_expectations, replay

    policy_set = load_policies(policies)
    expectations = load_expectations(expect) if expect is not None else []
    loaded = [read_recording(path) for path in recordings]
    progress = Progress(sum(len(r.snapshots) for r in loaded), enabled=_show_progress())
    replayed = [
        replay(recording, policy_set, history_window, progress.advance) for recording in loaded
    ]
    progress.close()
    deliver(renderer(FORMATS, output_format)(replayed, policy_set), output)
    for recording in replayed:
        for where, reason in recording.skipped:
            click.echo(f"{where}: warning: skipped: {reason}", err=True)
    problems = check_expectations(replayed, expectations)
    for problem in problems:
        click.echo(f"phasegate: expectation not met: {problem}", err=True)
    sys.exit(ExitCode.EXPECTATION_FAILED if problems else ExitCode.CONTINUE)


def _show_progress() -> bool:
    """A progress bar for people at a terminal, never in CI logs."""
    return sys.stderr is not None and sys.stderr.isatty() and not os.environ.get("CI")


class Progress:
    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total, self.done, self.enabled = total, 0, enabled and total > 0

    def advance(self, count: int) -> None:
        self.done += count
        if self.enabled and (self.done % 200 == 0 or self.done == self.total):
            width = 30
            filled = width * self.done // self.total
            click.echo(
                f"\rreplaying [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}",
                err=True,
                nl=False,
            )

    def close(self) -> None:
        if self.enabled:
            click.echo("", err=True)
