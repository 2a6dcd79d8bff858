"""`phasegate evaluate`: the CI gate itself, so the command that must start fastest."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from phasegate.cli.options import (
    ALLOW_PAUSE_OPTION,
    DECISION_FORMAT_OPTION,
    DECISION_FORMATS,
    HISTORY_OPTION,
    HISTORY_WINDOW_OPTION,
    POLICIES_OPTION,
    deliver_verdict,
    load_policies,
    output_option,
    renderer,
    use_color,
)


@click.command("evaluate")
@click.argument("facts", metavar="FACTS")
@POLICIES_OPTION
@DECISION_FORMAT_OPTION
@ALLOW_PAUSE_OPTION
@HISTORY_OPTION
@HISTORY_WINDOW_OPTION
@output_option("Write the decision here (atomically, whole) instead of standard output.")
def command(
    facts: str,
    policies: Path | None,
    output_format: str,
    allow_pause: bool,
    history: Path | None,
    history_window: int,
    output: Path | None,
) -> None:
    """Decide continue, pause or rollback for the facts file FACTS (`-` reads stdin)."""
    from phasegate.core.evaluate import evaluate
    from phasegate.core.facts import load_facts
    from phasegate.core.verdict import exit_code
    from phasegate.errors import InputError

    try:
        loaded = load_facts(facts)
        earlier = ()
        if history is not None:
            from phasegate.core.recording import read_history

            earlier = read_history(history)
        policy_set = load_policies(policies)
        decision = evaluate(loaded, policy_set, earlier, history_window)
    except InputError as error:
        if output_format == "github":  # invalid input annotated on its line, as a verdict is
            from phasegate.cli.options import output_lost
            from phasegate.report.github import invalid_input

            try:
                click.echo(invalid_input(error), nl=False)
            except OSError as lost:  # the annotations are lost; the exit code is still 3
                output_lost(lost)
        raise
    color = use_color() and output is None
    code = exit_code(decision.verdict, allow_pause=allow_pause, pause_kind=decision.pause_kind)
    sys.exit(
        deliver_verdict(renderer(DECISION_FORMATS, output_format)(decision, color), output, code)
    )
