"""What several commands share, defined once so it reads and behaves the same everywhere:
options, the policy set they load, where reports go, and process-wide set-up.

Nothing heavy at import time: `--version` and `--help` load this module too.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from phasegate.core.verdict import DEFAULT_HISTORY_WINDOW
from phasegate.errors import ExitCode, PhasegateError, line_start, single_line

if TYPE_CHECKING:
    from phasegate.collect.collector import CollectOptions
    from phasegate.collect.config import Config
    from phasegate.core.policy import PolicySet
    from phasegate.runner.apply import Application
    from phasegate.state.statedir import StateDir


def long_running() -> None:
    """Process-wide set-up for the commands that run tools and write state (`collect`,
    `run`, `contract record`), which call it first: SIGTERM, SIGINT and SIGHUP kill the
    process groups of running checks, sources and actions before phasegate exits, so no
    child outlives a cancelled CI job."""
    from phasegate.collect.process import install_stop_handlers

    install_stop_handlers()


class RegistryChoice(click.Choice):
    """`click.Choice` over the names of a renderer registry (`"phasegate.report:FORMATS"`),
    imported only when the option is used or shown: the registries pull in their
    renderers and the core they render, which `--version` and other commands never need."""

    def __init__(self, registry: str) -> None:
        super().__init__(())
        self.registry = registry

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]
        module, _, name = self.registry.partition(":")
        return tuple(sorted(getattr(importlib.import_module(module), name)))

    @choices.setter
    def choices(self, value: Any) -> None:
        """click.Choice.__init__ assigns it; the registry is the source of truth."""


def format_option(registry: str, help: str | None = None) -> Any:
    """`--format` over the names of a command's renderers, text by default."""
    return click.option(
        "--format",
        "output_format",
        type=RegistryChoice(registry),
        default="text",
        show_default=True,
        help=help,
    )


def renderer(registry: str, name: str) -> Callable[..., str]:
    """The renderer `--format name` chose from `registry`."""
    module, _, attribute = registry.partition(":")
    return getattr(importlib.import_module(module), attribute)[name]


#: The renderers of a Decision (evaluate, run).
DECISION_FORMATS = "phasegate.report:FORMATS"

_POLICIES = click.option(
    "--policies",
    "policies",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of policy files (*.yaml). Default: ./policies if it exists, else the shipped set.",
)


def _note_no_cache(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        from phasegate.files import cache

        cache.disable()
        ctx.call_on_close(lambda: cache.disable(False))  # for this command only
    return value


_NO_CACHE_OPTION = click.option(
    "--no-cache",
    is_flag=True,
    expose_value=False,
    callback=_note_no_cache,
    help="Read and compile every input afresh: neither read nor write the cache "
    "($PHASEGATE_CACHE_DIR, else $XDG_CACHE_HOME/phasegate or ~/.cache/phasegate).",
)


def POLICIES_OPTION(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--policies FOLDER` and `--no-cache`, on every command that loads policies."""
    return _POLICIES(_NO_CACHE_OPTION(command))


ALLOW_PAUSE_OPTION = click.option(
    "--allow-pause",
    is_flag=True,
    help="Exit 0 on a pause that is a wait (a window, an elevated metric); a hold "
    "(freeze, rolled-back change, phase not earned, an error) still exits 10.",
)
DECISION_FORMAT_OPTION = format_option(
    DECISION_FORMATS, "How to print the decision; the exit code never depends on it."
)


def output_option(
    help: str = "Write the report here (atomically) instead of standard output.",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`-o/--output FILE`: what is written there, in the command's own words."""
    return click.option("-o", "--output", type=click.Path(path_type=Path), default=None, help=help)


OUTPUT_OPTION = output_option()
HISTORY_OPTION = click.option(
    "--history",
    "history",
    type=click.Path(path_type=Path),
    default=None,
    help="Earlier snapshots (a decision log, a JSONL recording or a folder), for "
    "rules with `for:` or that read `history`.",
)
_LEGACY_COUNT = "phasegate.history_window"
#: `--history-count` and its old name take the same counts.
_HISTORY_COUNTS = click.IntRange(1, 10_000)


def _history_count(ctx: click.Context, param: click.Parameter, value: int) -> int:
    """`--history-count`, or the deprecated `--history-window` given instead (never both)."""
    legacy = ctx.meta.get(_LEGACY_COUNT)
    if legacy is None:
        return value
    if ctx.get_parameter_source(param.name or "") is click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--history-window is --history-count: pass one of them")
    return legacy


def _history_window(ctx: click.Context, param: click.Parameter, value: int | None) -> None:
    """The old name: a count, where every other window flag takes a duration."""
    if value is None:
        return
    click.echo(
        "phasegate: warning: --history-window is deprecated (it is a count, not a duration): "
        "use --history-count",
        err=True,
    )
    source = ctx.get_parameter_source("history_window")
    if source is click.core.ParameterSource.COMMANDLINE:  # --history-count came first
        raise click.UsageError("--history-window is --history-count: pass one of them")
    ctx.meta[_LEGACY_COUNT] = value
    if "history_window" in ctx.params:  # defaulted before this callback: the old name wins
        ctx.params["history_window"] = value


def HISTORY_WINDOW_OPTION(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--history-count N` (a count: other window flags are durations), and its old name
    `--history-window N`, hidden and deprecated, still working. The parameter keeps its
    name, `history_window`, so the commands did not change."""
    command = click.option(
        "--history-window",
        "legacy_history_window",
        type=_HISTORY_COUNTS,
        default=None,
        hidden=True,
        expose_value=False,
        callback=_history_window,
    )(command)
    return click.option(
        "--history-count",
        "history_window",
        type=_HISTORY_COUNTS,
        default=DEFAULT_HISTORY_WINDOW,
        show_default=True,
        callback=_history_count,
        help="How many earlier snapshots `history` holds (was --history-window).",
    )(command)


CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Collector configuration. Default: ./phasegate.yaml if it exists, else the shipped one.",
)
STATE_DIR_OPTION = click.option(
    "--state-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="State directory. Default: the config's state_dir (.phasegate).",
)


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
        STATE_DIR_OPTION,
        click.option(
            "--rerun-checks",
            is_flag=True,
            help="Run every check of this phase again instead of reusing its last passing "
            "result at this commit.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def collect_setup(
    config_path: Path | None,
    state_dir: Path | None,
    phase: int | None,
    sets: tuple[str, ...],
    baseline: Path | None,
    rerun_checks: bool = False,
) -> tuple[Config, StateDir, CollectOptions]:
    """What `collect_options` mean: the config, its state dir and the collector's options."""
    from phasegate.collect.collector import CollectOptions, required_facts
    from phasegate.state.statedir import StateDir

    pairs = []
    for item in sets:
        path, separator, value = item.partition("=")
        if not separator or not path:
            raise click.BadParameter(f"{item!r}: expected PATH=VALUE", param_hint="--set")
        refuse_deep_set(path, value)
        refuse_given_twice(path, value, {"--phase": phase, "--baseline": baseline})
        pairs.append((path, value))
    config = load_config(config_path, state_dir)
    options = CollectOptions(
        phase, tuple(pairs), baseline, environ=dict(os.environ), rerun_checks=rerun_checks
    )
    required_facts(options)  # before the state dir is touched or any command runs
    return config, StateDir(config.state_dir), options


def warn_unknown(facts: Mapping[str, Any]) -> None:
    """One warning line per fact left absent, with the reason the facts document keeps
    (`extra.phasegate_unknown`): `collect`, `run` and `merge` say why, not only that."""
    from phasegate.core.facts import unknown_reasons

    for path, reason in sorted(unknown_reasons(facts).items()):
        say(f"phasegate: warning: {path} unknown: {reason}")


#: The facts a flag gives, which a `--set` must not give again.
_FLAG_FACTS = {"--phase": "phase", "--baseline": "baseline"}


def refuse_given_twice(path: str, text: str, flags: Mapping[str, Any]) -> None:
    """A `--set` of a fact a flag on the same command gives is a usage error (exit 2).

    Which one wins would be a rule nobody remembers: `collect --phase 1 --set phase=2` was
    accepted silently, as was `--set baseline.error_rate=...` beside a `--baseline` file."""
    for flag, fact in _FLAG_FACTS.items():
        given = flags.get(flag)
        if given is not None and (path == fact or path.startswith(fact + ".")):
            raise click.UsageError(
                single_line(
                    f"--set {path}={text} gives what {flag} {given} already gives: pass one of them"
                )
            )


def refuse_deep_set(name: str, text: str) -> None:
    """A `--set` value nested deeper than the document limit is a usage error (exit 2).

    Checked on the text, before any JSON parser sees it: the parsers recurse, and 1,000
    brackets would end the command as "internal error: RecursionError"."""
    from phasegate.files.loading import json_problem

    found = json_problem(text)
    if found is not None and found[1].startswith("nested deeper"):
        raise click.BadParameter(f"{name}: {found[1]}", param_hint="--set")


def load_config(config_path: Path | None, state_dir: Path | None = None) -> Config:
    """`--config`, or the default one."""
    from phasegate.collect.config import default_config_path
    from phasegate.collect.config import load_config as load

    return load(config_path or default_config_path(), state_dir)


def load_policies(policies: Path | None) -> PolicySet:
    """`--policies`, or the default set (the shipped one shown as `phasegate:policies`).

    A folder named with `--policies` is shown as given even when it is where the shipped set
    lives (a checkout with an editable install): the user pointed at a real file.
    """
    from phasegate.core.policy import PACKAGED, builtin_policies_dir, default_policies_dir
    from phasegate.core.policycache import load_policy_set
    from phasegate.files.cache import cache_dir

    folder = cache_dir()  # None after --no-cache
    if policies is not None:
        return load_policy_set(policies, folder=folder)
    directory = default_policies_dir()
    if directory == builtin_policies_dir():
        return load_policy_set(directory, PACKAGED, folder)
    return load_policy_set(directory, folder=folder)


def say(line: str) -> None:
    """One line on stderr: what it quotes (a tool's output, a fact, an exception) may hold
    a newline or an escape code, which must not start a line of its own in a CI log.
    A stderr that takes no more (a full disk under `2>log`) loses the line, never the exit
    code: a rollback must still end with 20."""
    with contextlib.suppress(OSError):
        click.echo(single_line(line), err=True)


def warn_skipped(where: object, why: object) -> None:
    """An input left out (a line of a recording, a corpus entry), named where a file name
    starts a line (`line_start`: never read as a workflow command)."""
    say(f"{line_start(where)}: warning: skipped: {why}")


def tell(error: PhasegateError) -> None:
    """An error's lines on stderr; a stderr that takes no more loses them, never the exit
    code the caller ends with."""
    with contextlib.suppress(OSError):
        for line in error.lines():
            click.echo(line, err=True)


def use_color() -> bool:
    return sys.stdout is not None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def deliver(text: str, output: Path | None) -> None:
    """Print a report, or write it whole (never half a file) where `-o` says."""
    if output is None:
        click.echo(text, nl=False)
    else:
        from phasegate.files.durable import write_atomic

        write_atomic(output, text)


def deliver_verdict(text: str, output: Path | None, code: int) -> int:
    """Deliver a verdict's report; the exit code to end with.

    A CI step acts on the exit code, and only reads the report: a report that cannot be
    written (its reader gone, as `| head -1` leaves it; a full disk; an `-o` that cannot be
    written) is one line on stderr, and a pause or rollback keeps its code instead of
    becoming 1, which a pipeline would read as "internal error" and not roll back. A
    continue nobody received fails closed, with the error's own code.
    """
    try:
        deliver(text, output)
    except PhasegateError as exc:
        tell(exc)
        return code or exc.exit_code
    except OSError as exc:
        output_lost(exc)
        return code or ExitCode.INTERNAL
    return code


def output_lost(exc: OSError) -> None:
    """Say why standard output took no more (a reader that went away is no news: `head`
    closes the pipe on purpose), and point it at /dev/null, so the interpreter's last flush
    neither fails again nor turns the exit code into 120."""
    if not isinstance(exc, BrokenPipeError):
        say(f"phasegate: error: cannot write output: {exc.strerror or exc}")
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test's capture)
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, descriptor)
    os.close(null)


def report_reused_checks(facts: Mapping[str, Any]) -> None:
    """One line per check whose kept result stands in for a run, with its age: a reader of
    the CI log must see that `:ci` did not run again, and how to make it."""
    checks = facts.get("checks")
    for name, check in sorted(checks.items() if isinstance(checks, dict) else ()):
        if isinstance(check, dict) and check.get("reused") is True:
            say(
                f"phasegate: checks.{name}: reused its passing result at {check.get('commit')} "
                f"({int(check.get('age_s', 0))} s old; --rerun-checks runs it again)"
            )


def report_application(application: Application) -> None:
    """What applying a decision did, on stderr: each step done or FAILED, then what is left
    by hand. One wording for `run` and `retry-rollback`, which CI logs are searched for."""
    for name, ok, detail in application.steps:
        say(f"phasegate: {'done' if ok else 'FAILED'}: {name}: {detail}")
    for step in application.manual:
        say(f"phasegate: by hand: {step}")
