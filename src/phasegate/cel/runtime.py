"""Evaluating a compiled expression: never raises for bad data, and names what was missing.

The engine reports a failed evaluation as an error value without a position. The common
failure, a fact that is absent, is named here from the expression's reads and the data
("missing fact: facts.metrics.error_rate" at the read's line:col); any other error keeps the
engine's words, and `phasegate.cel.locate` finds its sub-expression when a report needs it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from phasegate.cel.expression import Expression
from phasegate.cel.model import FactRead
from phasegate.cel.values import ERROR, plain, short_type_name, typed, unconvertible

MISSING = object()


class EvalFailure(NamedTuple):
    """Why an expression could not be evaluated, in words a rule author can act on."""

    message: str
    line: int | None = None
    col: int | None = None


class Bindings:
    """The plain variables of one evaluation, with the engine's view of them built once per
    environment: over a facts document the same activation serves every rule."""

    __slots__ = ("_activations", "data")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self._activations: dict[int, Any] = {}

    def activation(self, expression: Expression) -> Any:
        env = expression.env
        key = id(env)
        found = self._activations.get(key)
        if found is None:
            found = self._activations[key] = env.Activation(self.data)
        return found


class Shown(NamedTuple):
    """A value as `phasegate eval` shows it (see `values.typed`) and its CEL type as the
    engine has it (`uint`, `type`, `timestamp`, `list`): not guessed from the Python value,
    where 1u is an int and a type a string."""

    value: Any
    type: str


def run(expression: Expression, bindings: Bindings | Mapping[str, Any]) -> Any:
    """The plain value of `expression`, or an EvalFailure. Never raises for bad data."""
    value = _result(expression, bindings)
    return value if isinstance(value, bool | EvalFailure) else plain(value)


def shown(expression: Expression, bindings: Bindings | Mapping[str, Any]) -> Shown | EvalFailure:
    """The value of `expression` as `phasegate eval` shows it, or an EvalFailure."""
    value = _result(expression, bindings)
    if isinstance(value, EvalFailure):
        return value
    if isinstance(value, bool):
        return Shown(value, "bool")
    return Shown(typed(value), short_type_name(value.type()))


def _result(expression: Expression, bindings: Bindings | Mapping[str, Any]) -> Any:
    """The engine's value of `expression` (a bool as Python's, the common case made
    cheap), one Python can be handed, or an EvalFailure."""
    if not isinstance(bindings, Bindings):
        bindings = Bindings(bindings)
    try:
        value = expression.program.eval(bindings.activation(expression))
    except (RuntimeError, ValueError, TypeError) as exc:  # data the engine cannot take
        if "Iteration budget exceeded" in str(exc):
            return EvalFailure(
                "too many comprehension steps: the CEL engine takes at most 9,999 in one"
                " evaluation (over all of its comprehensions)"
            )
        return EvalFailure(f"cannot evaluate over these values: {_short(str(exc))}")
    try:
        quick = value.value()
    except TypeError:  # an optional value: cel-expr-python cannot hand one to Python
        return EvalFailure(
            "the value is optional: end the expression with .orValue(default) or .value()"
        )
    if quick is True or quick is False:
        return quick
    if value.type() == ERROR:
        return failure(str(quick), expression, bindings.data)
    why = unconvertible(value)
    return value if why is None else EvalFailure(why)


def failure(error: str, expression: Expression, data: Mapping[str, Any]) -> EvalFailure:
    """The engine's error as one short sentence, located where the reads can tell."""
    text = _short(error)
    if text.startswith("Key not found in map"):
        key = re.search(r'"(.*)"\s*$', text)
        missing = _missing_read(expression, data, key.group(1) if key else None)
        if missing is not None:
            what = "fact" if missing.path[0] == "facts" else "field"
            return EvalFailure(f"missing {what}: {missing.dotted}", missing.line, missing.col)
        return EvalFailure(f"missing field: {key.group(1)}" if key else "missing field")
    if text == "divide by zero":
        return EvalFailure("division by zero")
    overload = re.match(r"No matching overloads found : (.*)", text)
    if overload:
        signature = overload.group(1).replace("int64", "int").replace("uint64", "uint")
        return EvalFailure(f"type mismatch: no operator or function for {signature}")
    return EvalFailure(text[:1].lower() + text[1:])


def _short(error: str) -> str:
    """The engine's text without its status name, anything past one line, or a memory
    address (`<function f at 0x7f44...>`): the same decision must be the same bytes."""
    first = error.split("\n", 1)[0]
    return re.sub(_ADDRESS, " at 0x…", re.sub(r"^[A-Z_]+: ", "", first))[:300]


#: Compiled on first use (`re` keeps it), not at import: only a failed evaluation needs it.
_ADDRESS = r" at 0x[0-9a-fA-F]+"


def _missing_read(
    expression: Expression, data: Mapping[str, Any], key: str | None
) -> FactRead | None:
    """The unguarded read whose path is absent, preferring one that stops at `key`."""
    candidates = []
    for read in expression.reads:
        if read.guarded or read.path[0] not in data:
            continue
        absent_at = _absent_at(data[read.path[0]], read.path[1:])
        if absent_at is not None:
            candidates.append((absent_at != key, read))
    candidates.sort(key=lambda pair: pair[0])
    return candidates[0][1] if candidates else None


def _absent_at(data: Any, path: tuple[str, ...]) -> str | None:
    for part in path:
        if not isinstance(data, Mapping) or part not in data:
            return part
        data = data[part]
    return None


def lookup(data: Any, path: tuple[str, ...]) -> Any:
    """The value at `path` in plain data, or MISSING."""
    for part in path:
        if not isinstance(data, Mapping) or part not in data:
            return MISSING
        data = data[part]
    return data
