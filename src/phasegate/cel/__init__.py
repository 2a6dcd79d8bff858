"""CEL in phasegate: one engine (Google's cel-expr-python, over cel-cpp) checks and evaluates
every expression; this package is the only place that talks to it.

`evaluate` is the public entry for one expression, the exact path rules take: plain Python
in, plain Python out, one exception class for every failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache

from phasegate.cel.environment import declarations as expression_declarations
from phasegate.cel.expression import (
    VARIABLES,
    CelSyntaxError,
    Expression,
    compile_expression,
)
from phasegate.cel.lexer import FactRead
from phasegate.cel.runtime import MISSING, Bindings, EvalFailure, lookup, run
from phasegate.cel.values import format_value, jsonable, type_name
from phasegate.errors import InputError, Location

__all__ = [
    "MISSING",
    "VARIABLES",
    "Bindings",
    "CelError",
    "CelSyntaxError",
    "EvalFailure",
    "Expression",
    "FactRead",
    "compile_expression",
    "evaluate",
    "expression_declarations",
    "format_value",
    "jsonable",
    "lookup",
    "run",
    "type_name",
]


class CelError(InputError):
    """An expression given to `evaluate` that does not compile or cannot be evaluated: bad
    input (exit 3), located in the expression text as `<expr>:line:col`."""

    def __init__(self, message: str, line: int | None = None, col: int | None = None) -> None:
        super().__init__(message, Location(EXPRESSION_SOURCE, line, col), "cel")
        self.line, self.col = line, col


#: How an expression given on its own (not in a file) is named in error locations.
EXPRESSION_SOURCE = "<expr>"


@lru_cache(maxsize=256)
def _compiled(text: str, declared: tuple[tuple[str, str], ...]) -> Expression:
    return compile_expression(text, tuple(name for name, _ in declared), declared)


def _declared(value: object) -> str:
    """dyn, except where the engine needs the type to take the Python value."""
    if isinstance(value, datetime):
        return "timestamp"
    if isinstance(value, timedelta):
        return "duration"
    return "dyn"


def evaluate(text: str, bindings: Mapping[str, object]) -> object:
    """Evaluate one CEL expression over `bindings` (each declared `dyn`, but a datetime or
    timedelta, which the engine takes only as a declared timestamp or duration).

    Takes and returns plain Python: bool, int, float, str, bytes, None, list, dict,
    datetime (UTC) for timestamps, timedelta for durations, and a type as its CEL name.
    Raises CelError for a text that does not compile and for an evaluation that fails.
    """
    try:
        declared = tuple((name, _declared(bindings[name])) for name in sorted(bindings))
        expression = _compiled(text, declared)
    except CelSyntaxError as exc:
        raise CelError(exc.message, exc.line, exc.col) from None
    plain = Bindings(dict(bindings))
    value = run(expression, plain)
    if isinstance(value, EvalFailure):
        from phasegate.cel.locate import locate  # the parser, only after a failure

        value = locate(expression, plain, value)
        raise CelError(value.message, value.line or 1, value.col or 1)  # else: the whole text
    return value
