"""`phasegate replay`: decide every snapshot of recorded rollouts, offline."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import click

from phasegate.cli.options import (
    HISTORY_WINDOW_OPTION,
    OUTPUT_OPTION,
    POLICIES_OPTION,
    format_option,
    load_policies,
    say,
    warn_skipped,
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
    from phasegate.errors import ExitCode, line_start
    from phasegate.replay.replay import ExpectationCheck, load_expectations, replay_recordings
    from phasegate.report.replay import REPLAY_FORMATS

    policy_set = load_policies(policies)
    checker = ExpectationCheck(load_expectations(expect) if expect is not None else [])
    progress = Progress(enabled=_show_progress())
    lost: list[OSError] = []
    with _report_stream(output, lost) as out:
        report = REPLAY_FORMATS[output_format](out)
        replayed = replay_recordings(
            recordings,
            policy_set,
            history_window,
            report.recording,
            charts=getattr(report, "charts", False),
            checker=checker,
            progress=progress.advance,
        )
        report.close()
    progress.close()
    for recording in replayed:
        for where, reason in recording.skipped:
            index = recording.skipped_indexes.get(where)
            warn_skipped(where, reason if index is None else f"snapshot #{index}: {reason}")
        unlisted = recording.skipped_count - len(recording.skipped)
        if unlisted:
            say(
                f"{line_start(recording.source)}: warning: skipped {unlisted} more lines "
                f"(the first {len(recording.skipped)} are listed)"
            )
    problems = checker.problems()
    for problem in problems:
        say(f"phasegate: expectation not met: {problem}")
    if problems:
        sys.exit(ExitCode.EXPECTATION_FAILED)
    sys.exit(ExitCode.INTERNAL if lost else ExitCode.CONTINUE)


@contextlib.contextmanager
def _report_stream(output: Path | None, lost: list[OSError]) -> Iterator[TextIO]:
    """Standard output, or the `-o` file, replaced whole only once the report is complete.
    Standard output too gets the report only whole: a snapshot refused half-way (a phase
    no live rule judges, exit 3) must not leave a torn JSON or HTML document on it. The
    report waits in a temporary file (in memory up to 1 MiB). Standard output that takes
    no more is noted in `lost`: the expectations are still checked, and a mismatch still
    exits 5, not 1."""
    if output is None:
        import tempfile

        # surrogatepass: any text round-trips; stdout then encodes it as it always did
        with tempfile.SpooledTemporaryFile(
            1 << 20, "w+", encoding="utf-8", errors="surrogatepass"
        ) as spool:
            yield spool
            spool.seek(0)
            try:  # through click.echo, as every other report: it writes UTF-8 to a stdout
                # whose locale says ASCII, where sys.stdout raises UnicodeEncodeError
                for chunk in iter(lambda: spool.read(1 << 16), ""):
                    click.echo(chunk, nl=False)
            except OSError as exc:
                from phasegate.cli.options import output_lost

                output_lost(exc)
                lost.append(exc)
    else:
        from phasegate.files.durable import atomic_output

        with atomic_output(output) as stream:
            yield stream


def _show_progress() -> bool:
    """A progress bar for people at a terminal, never in CI logs."""
    return sys.stderr is not None and sys.stderr.isatty() and not os.environ.get("CI")


class Progress:
    """How many snapshots are decided so far: a recording is streamed, its length unknown."""

    def __init__(self, *, enabled: bool) -> None:
        self.done, self.enabled = 0, enabled

    def advance(self, count: int) -> None:
        self.done += count
        if self.enabled and self.done % 1000 == 0:
            click.echo(f"\rreplaying: {self.done} snapshots", err=True, nl=False)

    def close(self) -> None:
        if self.enabled and self.done >= 1000:
            click.echo("", err=True)
