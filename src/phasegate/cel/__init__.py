"""CEL in phasegate: one engine (Google's cel-expr-python, over cel-cpp) checks and evaluates
every expression; this package is the only place that talks to it.

`evaluate` is the public entry for one expression, the exact path rules take: plain Python
in, plain Python out, one exception class (`CelError`) for every failure.

Which module answers which question:
- `environment`: the one environment (variables per context, extensions, functions);
- `expression`: compiling a text (the engine checks it) into the program that runs;
- `checked`: reading (and adding wrappers to) the engine's checked expression;
- `model`: what a checked expression reads, its regex literals, chains and divisions;
- `division`: which divisions may divide by zero, from the checked tree and its types;
- `cost`: the cost budget of an expression, from the checked tree;
- `runtime` and `values`: running a program over plain data, naming a missing fact;
- `locate`: where a failed evaluation failed (runs parts of the checked tree alone);
- `functions`: phasegate's own functions; `errors`: `CelError`;
- `syntax`: cel-python's concrete syntax tree, for the reviewer tools only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from phasegate.cel.environment import declarations as expression_declarations
from phasegate.cel.errors import EXPRESSION_SOURCE, CelError
from phasegate.cel.expression import (
    VARIABLES,
    Expression,
    compile_expression,
    parses,
    revive,
)
from phasegate.cel.model import FactRead
from phasegate.cel.runtime import MISSING, Bindings, EvalFailure, Shown, lookup, run, shown
from phasegate.cel.values import format_value, jsonable, type_name

__all__ = [
    "EXPRESSION_SOURCE",
    "MISSING",
    "VARIABLES",
    "Bindings",
    "CelError",
    "EvalFailure",
    "Expression",
    "FactRead",
    "Shown",
    "compile_expression",
    "evaluate",
    "evaluate_shown",
    "expression_declarations",
    "format_value",
    "jsonable",
    "lookup",
    "parses",
    "revive",
    "run",
    "type_name",
]


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
    return _evaluated(text, bindings, run)


def evaluate_shown(text: str, bindings: Mapping[str, object]) -> Shown:
    """`evaluate` for showing the value: with its CEL type as the engine has it, a uint
    kept a `values.Uint` and a type a `values.TypeValue` (at any depth), which plain
    Python cannot tell from an int and a string."""
    return _evaluated(text, bindings, shown)


def _evaluated(text: str, bindings: Mapping[str, object], runner: Callable[..., Any]) -> Any:
    declared = tuple((name, _declared(bindings[name])) for name in sorted(bindings))
    expression = _compiled(text, declared)
    plain = Bindings(dict(bindings))
    value = runner(expression, plain)
    if isinstance(value, EvalFailure):
        from phasegate.cel.locate import locate  # only after a failure

        value = locate(expression, plain, value)
        raise CelError(
            value.message, value.line or 1, value.col or 1, "cel"
        )  # else: the whole text
    return value
