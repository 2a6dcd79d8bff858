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
import signal
import sys

import click

from phasegate import __version__
from phasegate.errors import (
    ExitCode,
    PhasegateError,
    UsageProblem,
    say_from_signal_handler,
    single_line,
    undecodable,
)

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


def hold_closed_streams() -> None:
    """Take back the standard descriptors the caller closed (`>&-`), on /dev/null.

    Python leaves `sys.stdout` None then, and click prints to None without a word: a
    continue nobody received would exit 0. Standard output is held read-only, so a report
    written there fails as on a closed stream (EBADF) and counts as lost. The descriptors
    are taken so that no file opened later becomes a child's or a C library's stdin,
    stdout or stderr; a closed stdin or stderr stays None to Python, as before.
    """
    for descriptor, flags in ((0, os.O_RDONLY), (1, os.O_RDONLY), (2, os.O_WRONLY)):
        try:
            os.fstat(descriptor)
        except OSError:
            null = os.open(os.devnull, flags)
            if null != descriptor:
                os.dup2(null, descriptor)
                os.close(null)
    if sys.stdout is None:
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115


def stop_by_unwinding() -> None:
    """SIGTERM and SIGHUP (a cancelled CI job, a closed terminal) end phasegate by unwinding,
    as SIGINT does, with 128 + the signal's number: killed outright, a command writing a
    report left its temporary file (`.report.html.k3x9`, half a report) beside the `-o`
    target. The commands that run children put their own handlers over these
    (`long_running`), which kill the children first."""

    def stop(signum: int, frame: object) -> None:
        for other in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(other, signal.SIG_IGN)  # a second signal must not cut the unwinding
        say_from_signal_handler(f"phasegate: stopped by {signal.Signals(signum).name}")
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


def refuse_undecodable(args: list[str]) -> None:
    """An argument with bytes that are not UTF-8 (which Python keeps as lone surrogates) is
    a usage error before any command runs: phasegate writes UTF-8, and such a name or
    value, once in a report, a decision log line or a CEL expression, ended as "internal
    error: UnicodeEncodeError" (policy files in a folder are refused the same way)."""
    for arg in args:
        if undecodable(arg):
            raise UsageProblem(
                f"argument '{single_line(arg)}' is not UTF-8 text: phasegate reads and writes "
                "UTF-8 only (rename the file, or pass the value as UTF-8)"
            )


def main(argv: list[str] | None = None) -> None:
    """Entry point: every failure becomes one line on stderr and a documented exit code."""
    hold_closed_streams()
    stop_by_unwinding()
    if argv is None:  # the process's own command line: the process ends with the command
        # Python's collection of cyclic garbage at exit walks every object start-up made
        # (7% of a warm `evaluate`'s instructions), to free memory the exit frees anyway:
        # what is alive then is frozen out of it. phasegate leaves no cleanup to a
        # finalizer (every file and child is closed by a `with` or a `finally`), and
        # atexit's own handlers, registered later, run first.
        atexit.register(gc.freeze)
    try:
        refuse_undecodable(sys.argv[1:] if argv is None else argv)
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
