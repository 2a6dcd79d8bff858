"""`phasegate run`: collect, evaluate, apply the verdict, record the decision."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from phasegate.cli.options import (
    ALLOW_PAUSE_OPTION,
    DECISION_FORMAT_OPTION,
    DECISION_FORMATS,
    POLICIES_OPTION,
    collect_options,
    collect_setup,
    deliver_verdict,
    load_policies,
    long_running,
    renderer,
    report_application,
    report_reused_checks,
    say,
    use_color,
    warn_unknown,
)


@click.command("run")
@collect_options
@POLICIES_OPTION
@DECISION_FORMAT_OPTION
@ALLOW_PAUSE_OPTION
@click.option(
    "--dry-run", is_flag=True, help="Collect and decide, print what would run, run nothing."
)
def command(
    config_path: Path | None,
    phase: int | None,
    sets: tuple[str, ...],
    baseline: Path | None,
    state_dir: Path | None,
    rerun_checks: bool,
    policies: Path | None,
    output_format: str,
    allow_pause: bool,
    dry_run: bool,
) -> None:
    """Collect, evaluate and apply the verdict; every decision is appended to the log."""
    from phasegate.runner.apply import run

    long_running()
    config, state, options = collect_setup(
        config_path, state_dir, phase, sets, baseline, rerun_checks
    )
    policy_set = load_policies(policies)
    outcome = run(config, policy_set, state, options, dry_run=dry_run)
    warn_unknown(outcome.facts)
    text = renderer(DECISION_FORMATS, output_format)(outcome.decision, use_color())
    # Printed or not, the verdict was applied: what is left by hand still goes to stderr.
    code = deliver_verdict(text, None, outcome.exit_code(allow_pause=allow_pause))
    report_reused_checks(outcome.facts)
    for line in state.warnings:
        say(f"phasegate: warning: {line}")
    for line in outcome.planned:
        say(f"phasegate: {line}")
    if outcome.application is not None:
        report_application(outcome.application)
    if outcome.note is not None:
        say(f"phasegate: remediation note: {outcome.note}")
    sys.exit(code)
