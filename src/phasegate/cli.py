"""The `phasegate` command line: parse options, call the core, print, exit. No logic here."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from phasegate import __version__
from phasegate.closeout import write_closeout
from phasegate.collect.collector import CollectOptions, collect, required_facts, utc_now
from phasegate.collect.config import Config, default_config_path, load_config
from phasegate.collect.contract import record_baseline
from phasegate.corpus import read_corpus, read_default_corpus
from phasegate.diff import diff, diff_exit_code
from phasegate.durable import write_atomic
from phasegate.errors import ExitCode, PhasegateError
from phasegate.evaluate import DEFAULT_HISTORY_WINDOW, evaluate
from phasegate.explain import explain
from phasegate.facts import load_facts
from phasegate.fmt import format_files, target_files, unified_diff, write_formatted
from phasegate.lint import lint_paths
from phasegate.policy import (
    PolicySet,
    builtin_policies_dir,
    default_policies_dir,
    load_policy_set,
)
from phasegate.policysource import load_base_policies
from phasegate.recording import read_recording
from phasegate.replay import check_expectations, load_expectations, replay
from phasegate.report import FORMATS
from phasegate.report.diff import DIFF_FORMATS
from phasegate.report.explain import EXPLAIN_FORMATS
from phasegate.report.lint import LINT_FORMATS, SEVERITIES, shown
from phasegate.report.replay import REPLAY_FORMATS
from phasegate.report.testing import TEST_FORMATS
from phasegate.runner import run
from phasegate.schemas import SCHEMA_NAMES, data_dir
from phasegate.state import StateDir
from phasegate.testing import load_test_files, run_policy_tests
from phasegate.trace import trace_rule
from phasegate.verdict import exit_code


def _use_color() -> bool:
    return sys.stdout is not None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "--version", prog_name="phasegate", message="%(prog)s %(version)s"
)
def cli() -> None:
    """Policy-as-code gate for phased rollouts: facts + CEL policies -> continue, pause, rollback.

    Exit codes: 0 continue, 10 pause, 20 rollback, 3 invalid input, 2 usage error,
    1 a reviewer check failed (lint, fmt --check, test, diff --fail-on) or internal error.
    """


#: Options several commands share, defined once so they read and behave the same.
POLICIES_OPTION = click.option(
    "--policies",
    "policies",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of policy files (*.yaml). Default: ./policies if it exists, else the shipped set.",
)
ALLOW_PAUSE_OPTION = click.option("--allow-pause", is_flag=True, help="Exit 0 on a pause verdict.")


def format_option(formats: Mapping[str, object], help: str | None = None) -> Any:
    """`--format` over the names of a command's renderers, text by default."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(sorted(formats)),
        default="text",
        show_default=True,
        help=help,
    )


FORMAT_OPTION = format_option(
    FORMATS, "How to print the decision; the exit code never depends on it."
)
OUTPUT_OPTION = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the report here (atomically) instead of standard output.",
)
HISTORY_OPTION = click.option(
    "--history",
    "history",
    type=click.Path(path_type=Path),
    default=None,
    help="Earlier snapshots (a decision log, a JSONL recording or a folder), for "
    "rules with `for:` or that read `history`.",
)
CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Collector configuration. Default: ./phasegate.yaml if it exists, else the shipped one.",
)
HISTORY_WINDOW_OPTION = click.option(
    "--history-window",
    type=click.IntRange(1, 10_000),
    default=DEFAULT_HISTORY_WINDOW,
    show_default=True,
    help="How many earlier snapshots `history` holds.",
)


@cli.command("evaluate")
@click.argument("facts", metavar="FACTS")
@POLICIES_OPTION
@FORMAT_OPTION
@ALLOW_PAUSE_OPTION
@HISTORY_OPTION
@HISTORY_WINDOW_OPTION
def evaluate_command(
    facts: str,
    policies: Path | None,
    output_format: str,
    allow_pause: bool,
    history: Path | None,
    history_window: int,
) -> None:
    """Decide continue, pause or rollback for the facts file FACTS (`-` reads stdin)."""
    loaded = load_facts(facts)
    earlier = read_recording(history).snapshots if history is not None else ()
    decision = evaluate(loaded, _load_policies(policies), earlier, history_window)
    click.echo(FORMATS[output_format](decision, _use_color()), nl=False)
    sys.exit(exit_code(decision.verdict, allow_pause=allow_pause))


@cli.command("explain")
@click.argument("facts", metavar="FACTS")
@POLICIES_OPTION
@format_option(EXPLAIN_FORMATS)
@click.option(
    "--rule",
    "rule_ids",
    multiple=True,
    metavar="ID",
    help="Explain only this rule (repeatable). Default: every rule.",
)
@HISTORY_OPTION
@HISTORY_WINDOW_OPTION
def explain_command(
    facts: str,
    policies: Path | None,
    output_format: str,
    rule_ids: tuple[str, ...],
    history: Path | None,
    history_window: int,
) -> None:
    """Show why FACTS get their verdict: each rule's reads and evaluation tree. Exits 0."""
    loaded = load_facts(facts)
    policy_set = _load_policies(policies)
    unknown = sorted(set(rule_ids) - {rule.id for rule in policy_set.rules})
    if unknown:
        raise click.BadParameter(f"no rule {', '.join(unknown)} in the set", param_hint="--rule")
    earlier = read_recording(history).snapshots if history is not None else ()
    explanation = explain(loaded, policy_set, earlier, history_window, rule_ids)
    click.echo(EXPLAIN_FORMATS[output_format](explanation), nl=False)


@cli.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@format_option(LINT_FORMATS, "github: annotations on the exact lines; sarif: SARIF 2.1.0.")
@click.option(
    "--min-severity",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Show findings at least this severe. Default: warning for github, else info.",
)
def lint_command(paths: tuple[Path, ...], output_format: str, min_severity: str | None) -> None:
    """Check policy files (folders or files; default: the policies folder) without facts.

    Exits 0 when no finding is an error (warnings and info do not fail), 1 when some is,
    3 when a file cannot be read.
    """
    report = lint_paths(paths or (default_policies_dir(),))
    click.echo(LINT_FORMATS[output_format](shown(report, output_format, min_severity)), nl=False)
    sys.exit(ExitCode.CHECK_FAILED if report.failed else ExitCode.CONTINUE)


def _deliver(text: str, output: Path | None) -> None:
    """Print a report, or write it whole (never half a file) where `-o` says."""
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)


def _load_policies(policies: Path | None) -> PolicySet:
    directory = policies if policies is not None else default_policies_dir()
    if directory == builtin_policies_dir():
        return load_policy_set(directory, display="phasegate:policies")
    return load_policy_set(directory)


def collect_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options `collect` and `run` share."""
    options = [
        CONFIG_OPTION,
        click.option(
            "--phase", type=click.IntRange(0, 2), default=None, help="Rollout phase (0, 1 or 2)."
        ),
        click.option(
            "--set",
            "sets",
            multiple=True,
            metavar="PATH=VALUE",
            help="A fact no command can know, e.g. change.tag=v0.4.3. Repeatable.",
        ),
        click.option(
            "--baseline",
            type=click.Path(path_type=Path),
            default=None,
            help="Facts of the last known-good release: its metrics become baseline.",
        ),
        click.option(
            "--state-dir",
            type=click.Path(path_type=Path),
            default=None,
            help="State directory. Default: the config's state_dir (.phasegate).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _setup(
    config_path: Path | None,
    state_dir: Path | None,
    phase: int | None,
    sets: tuple[str, ...],
    baseline: Path | None,
) -> tuple[Config, StateDir, CollectOptions]:
    pairs = []
    for item in sets:
        path, separator, value = item.partition("=")
        if not separator or not path:
            raise click.BadParameter(f"{item!r}: expected PATH=VALUE", param_hint="--set")
        pairs.append((path, value))
    config = load_config(config_path or default_config_path(), state_dir)
    options = CollectOptions(phase, tuple(pairs), baseline, environ=dict(os.environ))
    required_facts(options)  # before the state dir is touched or any command runs
    return config, StateDir(config.state_dir), options


@cli.command("collect")
@collect_options
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the facts here (atomically) instead of standard output.",
)
def collect_command(
    config_path: Path | None,
    phase: int | None,
    sets: tuple[str, ...],
    baseline: Path | None,
    state_dir: Path | None,
    output: Path | None,
) -> None:
    """Run the configured checks and sources and print one facts document (JSON)."""
    config, state, options = _setup(config_path, state_dir, phase, sets, baseline)
    state.check_writable()
    collection = collect(config, state, options)
    state.save_samples(collection.samples)
    for path, reason in sorted(collection.unknown.items()):
        click.echo(f"phasegate: warning: {path} unknown: {reason}", err=True)
    text = (
        json.dumps(dict(collection.facts.data), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )
    _deliver(text, output)


@cli.command("run")
@collect_options
@POLICIES_OPTION
@FORMAT_OPTION
@ALLOW_PAUSE_OPTION
@click.option(
    "--dry-run", is_flag=True, help="Collect and decide, print what would run, run nothing."
)
def run_command_(
    config_path: Path | None,
    phase: int | None,
    sets: tuple[str, ...],
    baseline: Path | None,
    state_dir: Path | None,
    policies: Path | None,
    output_format: str,
    allow_pause: bool,
    dry_run: bool,
) -> None:
    """Collect, evaluate and apply the verdict; every decision is appended to the log."""
    config, state, options = _setup(config_path, state_dir, phase, sets, baseline)
    policy_set = _load_policies(policies)
    outcome = run(config, policy_set, state, options, dry_run=dry_run)
    click.echo(FORMATS[output_format](outcome.decision, _use_color()), nl=False)
    for line in outcome.planned:
        click.echo(f"phasegate: {line}", err=True)
    if outcome.application is not None:
        for name, ok, detail in outcome.application.steps:
            click.echo(f"phasegate: {'done' if ok else 'FAILED'}: {name}: {detail}", err=True)
        for step in outcome.application.manual:
            click.echo(f"phasegate: by hand: {step}", err=True)
    if outcome.note is not None:
        click.echo(f"phasegate: remediation note: {outcome.note}", err=True)
    sys.exit(outcome.exit_code(allow_pause=allow_pause))


@cli.group("contract")
def contract_group() -> None:
    """Command contract baselines for drift detection."""


@contract_group.command("record")
@CONFIG_OPTION
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the baseline. Default: the config's contract.baseline.",
)
def contract_record_command(config_path: Path | None, output: Path | None) -> None:
    """Run the smoke commands and record their output shapes as the baseline to commit."""
    config = load_config(config_path or default_config_path())
    target = record_baseline(config, output)
    click.echo(
        f"phasegate: recorded {len(config.contract.commands) if config.contract else 0} "
        f"command shape(s) in {target}",
        err=True,
    )


@cli.command("unfreeze")
@click.option("--reason", required=True, help="Where the root cause is documented.")
@CONFIG_OPTION
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="State directory. Default: the config's state_dir (.phasegate).",
)
def unfreeze_command(reason: str, config_path: Path | None, state_dir: Path | None) -> None:
    """Lift the deployment freeze a Phase 2 rollback set, recording why."""
    if not reason.strip():
        raise click.BadParameter(
            "must say where the root cause is documented", param_hint="--reason"
        )
    config = load_config(config_path or default_config_path(), state_dir)
    lifted = StateDir(config.state_dir).clear_freeze(reason.strip(), utc_now())
    click.echo(
        "phasegate: freeze lifted" if lifted else "phasegate: no freeze was active", err=True
    )


@cli.command("replay")
@click.argument("recordings", nargs=-1, required=True, type=click.Path(path_type=Path))
@POLICIES_OPTION
@format_option(REPLAY_FORMATS)
@click.option(
    "--expect",
    "expect",
    type=click.Path(path_type=Path),
    default=None,
    help="Expected verdicts per snapshot index or time range; mismatches exit 5.",
)
@HISTORY_WINDOW_OPTION
@OUTPUT_OPTION
def replay_command(
    recordings: tuple[Path, ...],
    policies: Path | None,
    output_format: str,
    expect: Path | None,
    history_window: int,
    output: Path | None,
) -> None:
    """Decide every snapshot of recorded rollouts (JSONL files or folders of facts)."""
    policy_set = _load_policies(policies)
    expectations = load_expectations(expect) if expect is not None else []
    loaded = [read_recording(path) for path in recordings]
    progress = Progress(sum(len(r.snapshots) for r in loaded), enabled=_show_progress())
    replayed = [
        replay(recording, policy_set, history_window, progress.advance) for recording in loaded
    ]
    progress.close()
    text = REPLAY_FORMATS[output_format](replayed, policy_set)
    _deliver(text, output)
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


@cli.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@POLICIES_OPTION
@format_option(TEST_FORMATS)
@click.option("--coverage", is_flag=True, help="Report which rules and branches the cases cover.")
@click.option(
    "--min-coverage",
    type=click.FloatRange(0, 100),
    default=None,
    metavar="PERCENT",
    help="Exit 1 when fewer rules are covered (fired and passed); implies --coverage.",
)
@click.option(
    "--min-branch-coverage",
    type=click.FloatRange(0, 100),
    default=None,
    metavar="PERCENT",
    help="Exit 1 when fewer &&/|| operands were decided both ways; implies --coverage.",
)
@OUTPUT_OPTION
def test_command(
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
    targets = paths or ((policies if policies is not None else Path("policies")) / "tests",)
    files = load_test_files(targets, lambda: _load_policies(policies))
    report = run_policy_tests(
        files,
        coverage=coverage,
        trace=trace_rule,
        min_coverage=min_coverage,
        min_branch_coverage=min_branch_coverage,
    )
    text = TEST_FORMATS[output_format](report, _use_color() and output is None)
    _deliver(text, output)
    for shortfall in report.shortfalls():
        click.echo(f"phasegate: {shortfall}", err=True)
    sys.exit(report.exit_code)


@cli.command("diff")
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
@format_option(DIFF_FORMATS)
@click.option(
    "--fail-on",
    "fail_on",
    type=click.Choice(["relax"]),
    default=None,
    help="relax: exit 1 when any decision becomes less strict.",
)
@HISTORY_WINDOW_OPTION
@OUTPUT_OPTION
def diff_command(
    base_ref: str,
    corpus: tuple[Path, ...],
    policies: Path | None,
    output_format: str,
    fail_on: str | None,
    history_window: int,
    output: Path | None,
) -> None:
    """Show which decisions of the corpus a policy change flips (head: --policies).

    Exit codes: 0 (also when decisions change), 1 with --fail-on relax when a decision
    becomes less strict, 2 unknown revision or not a git repository, 3 invalid input
    (also a corpus holding no facts documents).
    """
    head = _load_policies(policies)
    base = load_base_policies(
        base_ref, policies if policies is not None else default_policies_dir()
    )
    documents = read_corpus(list(corpus)) if corpus else read_default_corpus()
    result = diff(base, head, documents, history_window)
    text = DIFF_FORMATS[output_format](result)
    _deliver(text, output)
    for where, why in result.skipped:
        click.echo(f"{where}: warning: skipped: {why}", err=True)
    sys.exit(diff_exit_code(result, fail_on))


@cli.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--check", is_flag=True, help="Write nothing; print a diff, exit 1 if any would change."
)
def fmt_command(paths: tuple[Path, ...], check: bool) -> None:
    """Rewrite policy files (files or folders; default: ./policies) in canonical layout.

    Exit codes: 0 formatted (or, with --check, already canonical), 1 --check found files to
    format, 2 usage (the installed policy set), 3 a file cannot be read or is invalid.
    """
    changed = [result for result in format_files(target_files(paths)) if result.changed]
    if check:
        for result in changed:
            click.echo(unified_diff(result), nl=False)
        sys.exit(ExitCode.CHECK_FAILED if changed else ExitCode.CONTINUE)
    for result in changed:
        write_formatted(result)
        click.echo(f"formatted: {result.path}", err=True)


@cli.command("schema")
@click.argument("name", type=click.Choice(SCHEMA_NAMES))
def schema_command(name: str) -> None:
    """Print one of phasegate's JSON Schemas."""
    path = data_dir("schemas") / f"{name}.schema.json"
    click.echo(path.read_text(encoding="utf-8"), nl=False)


@cli.command("closeout")
@CONFIG_OPTION
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="State directory. Default: the config's state_dir (.phasegate).",
)
@POLICIES_OPTION
@click.option(
    "--window",
    default=None,
    help="Stable Phase 2 window, e.g. 60m. Default: the windows policy's phase2_window.",
)
@click.option("--change", "commit", default=None, help="Commit to close. Default: the last.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write OUTPUT.md and OUTPUT.json. Default: STATE/closeout/closeout-<commit>.",
)
def closeout_command(
    config_path: Path | None,
    state_dir: Path | None,
    policies: Path | None,
    window: str | None,
    commit: str | None,
    output: Path | None,
) -> None:
    """Write the closeout record (Markdown, JSON) once Phase 2's stable window has passed.

    Exit codes: 0 written, 10 the window has not passed, 3 no usable decision log.
    """
    config = load_config(config_path or default_config_path(), state_dir)
    markdown, data, skipped = write_closeout(
        config.state_dir, _load_policies(policies), window=window, commit=commit, output=output
    )
    if skipped:
        click.echo(
            f"phasegate: warning: skipped {skipped} line(s) that are not decisions", err=True
        )
    click.echo(f"phasegate: closeout written: {markdown} and {data}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point: every failure becomes one line on stderr and a documented exit code."""
    try:
        cli.main(args=argv, prog_name="phasegate", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.USAGE if isinstance(exc, click.UsageError) else exc.exit_code)
    except click.exceptions.Abort:
        click.echo("phasegate: aborted", err=True)
        sys.exit(ExitCode.INTERNAL)
    except PhasegateError as exc:
        for line in exc.lines():
            click.echo(line, err=True)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(ExitCode.INTERNAL)
    except OSError as exc:  # e.g. stdout on a full disk: the verdict was not delivered
        click.echo(f"phasegate: error: cannot write output: {exc.strerror or exc}", err=True)
        sys.exit(ExitCode.INTERNAL)
    except Exception as exc:  # the last line of defence: never a traceback, never continue
        if os.environ.get("PHASEGATE_DEBUG"):
            raise
        click.echo(f"phasegate: internal error: {type(exc).__name__}: {str(exc)[:200]}", err=True)
        sys.exit(ExitCode.INTERNAL)
    sys.exit(ExitCode.CONTINUE)
