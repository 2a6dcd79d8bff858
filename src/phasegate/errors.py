"""Errors that carry where they happened and which exit code they mean.

Every failure a user can cause is one of these, so the CLI can print one located line and
exit with a documented code instead of a traceback.
"""

from __future__ import annotations

import contextlib
import math
import os
import select
from enum import IntEnum
from typing import Any, NamedTuple


class ExitCode(IntEnum):
    """The documented exit codes of every phasegate command; other tools depend on them."""

    CONTINUE = 0
    INTERNAL = 1
    #: The reviewer tools (lint, fmt --check, test, diff --fail-on) found what they check
    #: for. The same 1 as an internal error, as eslint, opa test and promtool use it: either
    #: way the pipeline stops; the stderr line tells which.
    CHECK_FAILED = 1
    USAGE = 2
    INVALID_INPUT = 3
    ACTION_FAILED = 4
    EXPECTATION_FAILED = 5
    PAUSE = 10
    ROLLBACK = 20


#: GitHub's runner still honours its legacy command syntax, `##[error]data`, anywhere in a
#: line of a step's output (`::error::` only at a line's start): shown as `##\x5b`.
LEGACY_COMMAND = "##["


def single_line(text: object) -> str:
    """Untrusted text (a fact, a file name, a message) shown on one line: a newline or escape
    code in it must not forge a line such as "CONTINUE ..." or "::error::" in a CI log, nor
    `##[` a command inside one. Here, not in a renderer, because core modules (diff,
    policysource) word messages with it too."""
    shown = str(text)
    if shown.isprintable():  # the usual case, at C speed: replay writes one per snapshot
        if LEGACY_COMMAND not in shown:
            return shown
    else:
        shown = "".join(
            ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in shown
        )
    return shown.replace(LEGACY_COMMAND, "##\\x5b")


def json_text(text: str) -> str:
    """Dumped JSON made safe to print in a CI log: `##[` can only be inside a string, where
    `##\\u005b` is the same value and no legacy workflow command."""
    return text.replace(LEGACY_COMMAND, "##\\u005b")


def say_from_signal_handler(line: str) -> None:
    """One line on stderr from a signal handler: to the descriptor, not through
    `sys.stderr`. The signal may come while that stream is mid-write (blocked on a CI log
    pipe nobody reads yet), and writing it again raises "reentrant call", which would end
    the command as an internal error instead of 128 + the signal's number. Written only
    once the descriptor takes it (a second at most): a full pipe nobody reads would hold a
    blocking write for ever, and the stop with it (the other stop signals are ignored by
    then). One write of at most PIPE_BUF bytes into a pipe said writable does not block."""
    data = (single_line(line) + "\n").encode("utf-8", "backslashreplace")
    if len(data) > select.PIPE_BUF:
        data = data[: select.PIPE_BUF - 4] + b"...\n"
    with contextlib.suppress(OSError):  # no stderr to take it: the exit code still says it
        poller = select.poll()
        poller.register(2, select.POLLOUT)
        if any(events & select.POLLOUT for _, events in poller.poll(1000)):
            os.write(2, data)


def undecodable(text: str) -> bool:
    """Whether text held bytes that are not UTF-8 (Python keeps them as lone surrogates, from
    a file name or a command-line argument): it cannot be written as UTF-8, nor digested."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def line_start(path: object) -> str:
    """A file name shown where it starts a line (compiler-style `file:line: error: ...`):
    one line, and `./` before a name that would start with `::`, which GitHub's runner
    would read as a workflow command (`::error title=x::forged.yaml`, `::stop-commands::`)."""
    shown = single_line(path)
    return f"./{shown}" if shown.lstrip().startswith("::") else shown


#: Significant digits a double carries faithfully: more only show arithmetic's rounding.
DIGITS = 15


def readable_float(value: float) -> float:
    """The double nearest to `value` at 15 significant digits, so that Python's shortest
    round-trip spelling of it reads `0.043`, not the `0.043000000000000003` that `0.04 +
    0.003` leaves; infinities and NaN unchanged. Only for text people read: JSON keeps the
    exact value."""
    return float(format(value, f".{DIGITS}g")) if math.isfinite(value) else value


def readable(value: Any) -> Any:
    """A plain value with every float in it made `readable_float`, for text that prints
    values as JSON (explain, diff). Here, beside `single_line`, because the CEL layer
    (messages) and the renderers both print values this way."""
    if isinstance(value, float):
        return readable_float(value)
    if isinstance(value, list):
        return [readable(item) for item in value]
    if isinstance(value, dict):
        return {key: readable(item) for key, item in value.items()}
    return value


class Location(NamedTuple):
    """A place in an input file; line and col are 1-based, as editors and CI logs show them.
    Ordered by file, line, col. A named tuple, not a dataclass: every command defines it at
    start-up, where a frozen, ordered dataclass costs about ten times as much CPU."""

    file: str
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        shown = line_start(self.file)  # a file may be named "p\n::error::x.yaml"
        if self.line is None:
            return shown
        if self.col is None:
            return f"{shown}:{self.line}"
        return f"{shown}:{self.line}:{self.col}"


class PhasegateError(Exception):
    """Base of all expected failures; anything else reaching the CLI is an internal error."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(
        self, message: str, location: Location | None = None, code: str = "invalid-input"
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        #: What kind of problem, for tools (`lint` finding ids): e.g. `schema`, `cel-syntax`.
        self.code = code

    def lines(self) -> list[str]:
        """One line per problem, compiler style, so CI logs link to the file."""
        if self.location is None:
            return [f"phasegate: error: {single_line(self.message)}"]
        return [f"{self.location}: error: {single_line(self.message)}"]

    def __str__(self) -> str:
        return "\n".join(self.lines())


class InputError(PhasegateError):
    """Facts or policies that cannot be read or are invalid (exit 3)."""

    exit_code = ExitCode.INVALID_INPUT


class InputErrors(InputError):
    """Several input problems found in one pass, so an author fixes them all at once."""

    def __init__(self, errors: list[InputError]) -> None:
        ordered = sorted(errors, key=_error_sort_key)
        super().__init__(ordered[0].message if ordered else "invalid input")
        self.errors = ordered

    def lines(self) -> list[str]:
        return [line for error in self.errors for line in error.lines()]


def _error_sort_key(error: InputError) -> tuple[str, int, int, str]:
    loc = error.location
    if loc is None:
        return ("", 0, 0, error.message)
    return (loc.file, loc.line or 0, loc.col or 0, error.message)


def raise_all(errors: list[InputError]) -> None:
    """Raise the collected problems, if any, as one error."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputErrors(errors)


class UsageProblem(PhasegateError):
    """A command line that cannot work, found after parsing (exit 2)."""

    exit_code = ExitCode.USAGE
