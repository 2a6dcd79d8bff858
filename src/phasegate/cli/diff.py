"""`phasegate diff`: which decisions of a corpus a policy change flips."""

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

FORMATS = "phasegate.report.diff:DIFF_FORMATS"


@click.command("diff")
@click.option(
    "--base",
    "base_ref",
    required=True,
    metavar="REF",
    help="Git revision whose policies folder to compare against (e.g. origin/main), or a "
    "folder of policies.",
)
@click.option(
    "--corpus",
    "corpus",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Facts files, JSONL recordings or folders of them (repeatable). Default: fixtures/ "
    "and .phasegate/decisions.jsonl, where they exist.",
)
@POLICIES_OPTION
@format_option(FORMATS)
@click.option(
    "--fail-on",
    "fail_on",
    type=click.Choice(["relax"]),
    default=None,
    help="relax: exit 1 when any decision becomes less strict, or a live rule is weakened "
    "whatever the facts (removed, made shadow, verdict lowered, ...).",
)
@click.option(
    "--labels",
    "labels",
    type=click.Path(path_type=Path),
    default=None,
    help="Incident labels (`phasegate schema labels`): also backtest the corpus's "
    "recordings with both sets and show what the change does to catches, lead times and "
    "false pauses.",
)
@HISTORY_WINDOW_OPTION
@OUTPUT_OPTION
def command(
    base_ref: str,
    corpus: tuple[Path, ...],
    policies: Path | None,
    output_format: str,
    fail_on: str | None,
    labels: Path | None,
    history_window: int,
    output: Path | None,
) -> None:
    """Show which decisions of the corpus a policy change flips (head: --policies).

    Exit codes: 0 (also when decisions change), 1 with --fail-on relax when a decision
    becomes less strict or a live rule is weakened, 2 unknown revision or not a git
    repository, 3 invalid input (also a corpus holding no facts documents).
    """
    from phasegate.core.policy import default_policies_dir
    from phasegate.review.corpus import read_corpus, read_default_corpus
    from phasegate.review.diff import diff, diff_exit_code
    from phasegate.review.policysource import load_base_policies
    from phasegate.review.pvalues import kept_p_values

    incidents = None
    if labels is not None:
        from phasegate.review.backtest import load_labels

        incidents = load_labels(labels)
    head = load_policies(policies)
    base = load_base_policies(
        base_ref, policies if policies is not None else default_policies_dir()
    )
    documents = read_corpus(list(corpus)) if corpus else read_default_corpus()
    with kept_p_values():  # a corpus decided again and again: scipy's p-values from the cache
        result = diff(base, head, documents, history_window)
        if incidents is not None:
            from dataclasses import replace

            from phasegate.review.backtest import backtest_recordings, compare

            recordings = [f.recording for f in documents.files if f.recording is not None]
            comparison = compare(
                backtest_recordings(recordings, base, incidents, history_window),
                backtest_recordings(recordings, head, incidents, history_window),
            )
            result = replace(result, backtest=comparison)
    deliver(renderer(FORMATS, output_format)(result), output)
    for where, why in result.skipped:
        warn_skipped(where, why)
    sys.exit(diff_exit_code(result, fail_on))
