"""The `phasegate` command line: parse options, call the core, print, exit. No logic here.

One module per command (as pre-commit lays out its commands), each loaded only when its
command runs, and each importing the core it needs inside the command function: a CI step
pays for `evaluate`, not for the reviewer tools' CEL parser or the collector.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys

import click

from phasegate import __version__
from phasegate.errors import ExitCode, PhasegateError, single_line

#: Command name -> the module of `phasegate.cli` that defines it as `command`.
COMMANDS = {
    "backtest": "backtest",
    "closeout": "closeout",
    "collect": "collect",
    "contract": "contract",
    "diff": "diff",
    "eval": "eval",
    "evaluate": "evaluate",
    "explain": "explain",
    "fmt": "fmt",
    "init": "init",
    "lint": "lint",
    "merge": "merge",
    "replay": "replay",
    "resume": "resume",
    "retry-rollback": "retry",
    "run": "run",
    "schema": "schema",
    "status": "status",
    "test": "test",
    "unfreeze": "unfreeze",
}


class _Commands(click.Group):
    """A group that imports a command's module only when that command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        return importlib.import_module(f"{__name__}.{module}").command


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "--version", prog_name="phasegate", message="%(prog)s %(version)s"
)
def cli() -> None:
    """Policy-as-code gate for phased rollouts: facts + CEL policies -> continue, pause, rollback.

    Exit codes: 0 continue, 10 pause, 20 rollback, 3 invalid input, 2 usage error,
    1 a reviewer check failed (lint, fmt --check, test, diff --fail-on) or internal error.
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point: every failure becomes one line on stderr and a documented exit code."""
    if argv is None:  # the process's own command line: the process ends with the command
        # Python's collection of cyclic garbage at exit walks every object start-up made
        # (7% of a warm `evaluate`'s instructions), to free memory the exit frees anyway:
        # what is alive then is frozen out of it. phasegate leaves no cleanup to a
        # finalizer (every file and child is closed by a `with` or a `finally`), and
        # atexit's own handlers, registered later, run first.
        atexit.register(gc.freeze)
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
        from phasegate.cli.options import tell

        tell(exc)
        sys.exit(exc.exit_code)
    except OSError as exc:  # e.g. stdout on a full disk: the report was not delivered
        from phasegate.cli.options import output_lost

        output_lost(exc)
        sys.exit(ExitCode.INTERNAL)
    except Exception as exc:  # the last line of defence: never a traceback, never continue
        if os.environ.get("PHASEGATE_DEBUG"):
            raise
        message = single_line(f"{type(exc).__name__}: {str(exc)[:200]}")
        click.echo(f"phasegate: internal error: {message}", err=True)
        sys.exit(ExitCode.INTERNAL)
    sys.exit(ExitCode.CONTINUE)
