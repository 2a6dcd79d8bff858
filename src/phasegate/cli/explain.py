"""`phasegate explain`: why facts get their verdict, rule by rule."""

from __future__ import annotations

from pathlib import Path

import click

from phasegate.cli.options import (
    HISTORY_OPTION,
    HISTORY_WINDOW_OPTION,
    POLICIES_OPTION,
    format_option,
    load_policies,
    renderer,
)

FORMATS = "phasegate.report.explain:EXPLAIN_FORMATS"


@click.command("explain")
@click.argument("facts", metavar="FACTS")
@POLICIES_OPTION
@format_option(FORMATS)
@click.option(
    "--rule",
    "rule_ids",
    multiple=True,
    metavar="ID",
    help="Explain only this rule (repeatable). Default: every rule.",
)
@HISTORY_OPTION
@HISTORY_WINDOW_OPTION
def command(
    facts: str,
    policies: Path | None,
    output_format: str,
    rule_ids: tuple[str, ...],
    history: Path | None,
    history_window: int,
) -> None:
    """Show why FACTS get their verdict: each rule's reads and evaluation tree. Exits 0."""
    from phasegate.core.facts import load_facts
    from phasegate.core.recording import read_history
    from phasegate.review.explain import explain

    loaded = load_facts(facts)
    policy_set = load_policies(policies)
    unknown = sorted(set(rule_ids) - {rule.id for rule in policy_set.rules})
    if unknown:
        raise click.BadParameter(f"no rule {', '.join(unknown)} in the set", param_hint="--rule")
    earlier = read_history(history) if history is not None else ()
    explanation = explain(loaded, policy_set, earlier, history_window, rule_ids)
    click.echo(renderer(FORMATS, output_format)(explanation), nl=False)
