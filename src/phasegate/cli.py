"""The `phasegate` command line: parse options, call the core, print, exit. No logic here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from phasegate import __version__
from phasegate.errors import ExitCode, PhasegateError
from phasegate.evaluate import evaluate
from phasegate.facts import load_facts
from phasegate.policy import (
    PolicySet,
    builtin_policies_dir,
    default_policies_dir,
    load_policy_set,
)
from phasegate.report import FORMATS
from phasegate.schemas import SCHEMA_NAMES, data_dir
from phasegate.verdict import exit_code


def _use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "--version", prog_name="phasegate", message="%(prog)s %(version)s"
)
def cli() -> None:
    """Policy-as-code gate for phased rollouts: facts + CEL policies -> continue, pause, rollback.

    Exit codes: 0 continue, 10 pause, 20 rollback, 3 invalid input, 2 usage error,
    1 internal error.
    """


@cli.command("evaluate")
@click.argument("facts", metavar="FACTS")
@click.option(
    "--policies",
    "policies",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of policy files (*.yaml). Default: ./policies if it exists, else the shipped set.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(FORMATS)),
    default="text",
    show_default=True,
    help="Output format; the exit code never depends on it.",
)
@click.option("--allow-pause", is_flag=True, help="Exit 0 on a pause verdict.")
def evaluate_command(
    facts: str, policies: Path | None, output_format: str, allow_pause: bool
) -> None:
    """Decide continue, pause or rollback for the facts file FACTS (`-` reads stdin)."""
    loaded = load_facts(facts)
    decision = evaluate(loaded, _load_policies(policies))
    click.echo(FORMATS[output_format](decision, _use_color()), nl=False)
    sys.exit(exit_code(decision.verdict, allow_pause=allow_pause))


def _load_policies(policies: Path | None) -> PolicySet:
    directory = policies if policies is not None else default_policies_dir()
    if directory == builtin_policies_dir():
        return load_policy_set(directory, display="phasegate:policies")
    return load_policy_set(directory)


@cli.command("schema")
@click.argument("name", type=click.Choice(SCHEMA_NAMES))
def schema_command(name: str) -> None:
    """Print the JSON Schema for facts, policy or decision documents."""
    path = data_dir("schemas") / f"{name}.schema.json"
    click.echo(path.read_text(encoding="utf-8"), nl=False)


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
    except Exception as exc:  # the last line of defence: never a traceback, never continue
        if os.environ.get("PHASEGATE_DEBUG"):
            raise
        click.echo(f"phasegate: internal error: {type(exc).__name__}: {str(exc)[:200]}", err=True)
        sys.exit(ExitCode.INTERNAL)
    sys.exit(ExitCode.CONTINUE)
