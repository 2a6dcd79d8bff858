"""Values between plain Python data and the CEL engine, and as people read them.

The engine takes plain data (dict, list, int, float, str, bool, None, datetime, timedelta)
as it is, without a copy; what comes back is made plain again here, so nothing outside this
package ever holds an engine value.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from cel_expr_python import cel

from phasegate.errors import DIGITS, readable

ERROR = cel.Type.ERROR

#: CEL's own names for the engine's type names (`LIST<DYN>` is a `list`).
_CEL_NAMES = {
    "NULL": "null_type",
    "TIMESTAMP": "google.protobuf.Timestamp",
    "DURATION": "google.protobuf.Duration",
}


def cel_type_name(kind: Any) -> str:
    """A type as CEL spells it (`int`, `list`, `map`, `null_type`, ...)."""
    base = kind.name().split("<", 1)[0]
    return _CEL_NAMES.get(base, base.lower())


def short_type_name(kind: Any) -> str:
    """A type as a rule author reads it in a message: `timestamp`, not the proto name."""
    name = cel_type_name(kind)
    return name.rsplit(".", 1)[-1].lower() if name.startswith("google.") else name


def plain(value: Any) -> Any:
    """An engine value (`cel.Value`) as plain Python: bytes not bytearray, timestamps in UTC,
    a type as its CEL name."""
    return _plain(value.plain_value())


class Uint(int):
    """A CEL uint where it must be told from an int: `phasegate eval` shows `1u`, and
    `plain_value()` makes it an int. Only `typed` makes one: what rules, facts and verdicts
    get is plain (JSON has no uint)."""

    __slots__ = ()


class TypeValue(str):
    """A CEL type value (`type(1)` is `int`), by its CEL name: shown as a type, not a string."""

    __slots__ = ()


def typed(value: Any) -> Any:
    """An engine value as `plain` makes it, but each uint a `Uint` and each type a
    `TypeValue`, at any depth: read item by item with the engine's type of each, which
    `plain_value()` drops (`[1u, 2]` came back `[1, 2]`). For a value `unconvertible`
    passes: its maps have string keys only."""
    name = value.type().name()
    if name == "UINT":
        return Uint(value.value())
    if name == "TYPE":
        return TypeValue(cel_type_name(value.value()))
    if name == "DURATION":
        return _exact_duration(value)
    if name == "TIMESTAMP":
        return _exact_timestamp(value)
    if name.startswith("LIST"):
        return [typed(item) for item in value.value()]
    if name.startswith("MAP"):
        return {key: typed(item) for key, item in value.value().items()}
    return plain(value)


class Duration(timedelta):
    """A CEL duration to the nanosecond, as the engine holds it: a timedelta keeps
    microseconds, so `eval` showed `duration("1ns")` as `0s`. Only `typed` makes one; the
    timedelta it is stays the engine's own, truncated to the microsecond."""

    __slots__ = ("nanoseconds",)
    nanoseconds: int


class Timestamp(datetime):
    """A CEL timestamp to the nanosecond (`nanosecond`: within its second), for the same
    reason as `Duration`."""

    __slots__ = ("nanosecond",)
    nanosecond: int


#: How the engine prints a duration (absl's format: `1h1m1.5s`, `-500ms`, `1ns`, `0`).
_DURATION_PART = re.compile(r"(\d+)(?:\.(\d{1,9}))?(h|ms|m|s|us|ns)")
_UNIT_NANOS = {"h": 3600 * 10**9, "m": 60 * 10**9, "s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
#: How it prints a timestamp: RFC 3339 in UTC, the fraction to the nanosecond.
_TIMESTAMP_FRACTION = re.compile(r"[^.]*T[^.]*(?:\.(\d{1,9}))?Z")


def _exact_duration(value: Any) -> Any:
    """The engine's duration with its nanoseconds, read from the engine's own text of it
    (the binding hands Python no more than microseconds); the plain timedelta if that text
    is not what is expected or disagrees with it."""
    held = plain(value)
    text = str(value)
    sign, body = (-1, text[1:]) if text.startswith("-") else (1, text)
    nanos = 0
    if body != "0":
        parts = list(_DURATION_PART.finditer(body))
        if not parts or "".join(part.group(0) for part in parts) != body:
            return held
        for part in parts:
            scale = _UNIT_NANOS[part.group(3)]
            fraction = part.group(2) or ""
            nanos += int(part.group(1)) * scale + int(fraction or 0) * scale // 10 ** len(fraction)
    nanos *= sign
    micros = sign * (abs(nanos) // 1000)  # the binding truncates toward zero
    if held != timedelta(microseconds=micros):
        return held
    exact = Duration(microseconds=micros)
    exact.nanoseconds = nanos
    return exact


def _exact_timestamp(value: Any) -> Any:
    """The engine's timestamp with its nanoseconds (see `_exact_duration`)."""
    held = plain(value)
    found = _TIMESTAMP_FRACTION.fullmatch(str(value))
    if found is None:
        return held
    nanos = int((found.group(1) or "").ljust(9, "0"))
    if nanos // 1000 != held.microsecond:
        return held
    exact = Timestamp(*held.timetuple()[:6], held.microsecond, tzinfo=held.tzinfo)
    exact.nanosecond = nanos
    return exact


#: Deepest list or map a value may nest (twice a document's 64 levels: a fact wrapped in
#: lists still shows), far below where Python's recursion limit ends the process.
MAX_VALUE_DEPTH = 128

#: Most items (at any depth) a value handed to Python may hold: five times the 200,000
#: nodes of a document. The engine shares a list it repeats, Python copies it each time.
MAX_VALUE_ITEMS = 1_000_000

#: Most characters (and bytes) its strings (and bytes) may hold in all: four times the
#: 16 MiB a document may have. A string repeated in a list is one to the engine too.
MAX_VALUE_CHARS = 64 * 1024 * 1024


def unconvertible(value: Any) -> str | None:
    """Why a list or map value cannot be handed to Python as it is, or None.

    cel-expr-python cannot hand an optional inside a list or map to Python: `plain_value()`
    of `[optional.of(1)]` raises SystemError and of `{'a': optional.of(1)}` crashes the
    process (a message `{{ {'r': facts.?x} }}` killed `evaluate` with no decision). And a
    map's keys become Python's, where 1, 1u and true are one key (and JSON writes 1 and '1'
    alike): which entry is kept follows the engine's hash order, so the same expression
    printed other bytes in another process. Facts and params have string keys only; a map
    an expression builds with others is refused rather than shown wrong.

    The engine's items are read without converting them: an optional item reads as an
    error, which no list or map can otherwise hold. And a value nested deeper than
    `MAX_VALUE_DEPTH` is refused: converting, printing and writing it recurse in Python,
    and `cel.bind` chains over a 64-deep fact built one that ended `evaluate` and `eval`
    as "internal error: RecursionError", with no decision. So is one of more than
    `MAX_VALUE_ITEMS` items: `cel.bind(a, [x, x, ...], [a, a, ...])` is cheap to the
    engine, and each bind of ten more multiplied by ten the copy Python made (10,000,000
    items from 110 characters took a minute and gigabytes), or whose strings hold more
    than `MAX_VALUE_CHARS` in all (a 1 MB string repeated the same way ended in
    "internal error: MemoryError")."""
    pending = [(value, 1)]
    seen = chars = 0
    while pending:
        item, depth = pending.pop()
        seen += 1
        if seen > MAX_VALUE_ITEMS:
            return f"the value holds more than {MAX_VALUE_ITEMS:,} items"
        kind = item.type()
        if kind == ERROR:
            return "the value holds an optional: end each one with .orValue(default) or .value()"
        name = kind.name()
        if name in ("STRING", "BYTES"):
            chars += len(item.value())
            if chars > MAX_VALUE_CHARS:
                return f"the value holds more than {MAX_VALUE_CHARS:,} characters of text"
        if name.startswith(("MAP", "LIST")) and depth > MAX_VALUE_DEPTH:
            return f"the value is nested deeper than {MAX_VALUE_DEPTH} levels"
        if name.startswith("MAP"):
            inner = item.value()
            if any(type(key) is not str for key in inner):
                return (
                    "the value holds a map whose keys are not all strings (1, 1u and true"
                    " are one key once converted): use string keys"
                )
            pending.extend((part, depth + 1) for part in inner.values())
        elif name.startswith("LIST"):
            pending.extend((part, depth + 1) for part in item.value())
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, bool | int | float | str | timedelta) or value is None:
        return value
    if isinstance(value, bytearray | bytes):
        return bytes(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, cel.Type):
        return cel_type_name(value)
    return value


def format_timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with `Z`, as CEL prints a timestamp: the text rule authors wrote.
    The year always has four digits (`%Y` wrote year 1 as `1-01-01T...`, not RFC 3339)."""
    nanos = value.nanosecond if isinstance(value, Timestamp) else value.microsecond * 1000
    value = value.astimezone(UTC)
    text = f"{value.year:04d}" + value.strftime("-%m-%dT%H:%M:%S")
    if nanos:
        text += f".{nanos:09d}".rstrip("0")
    return text + "Z"


def format_duration(value: timedelta) -> str:
    """Seconds with an `s`, exactly, as CEL's string(duration) prints it: `3600s`, `1.5s`,
    `0.000000001s` (not `1e-09s`, which no duration() reads back)."""
    if isinstance(value, Duration):
        nanos = value.nanoseconds
    else:
        nanos = value // timedelta(microseconds=1) * 1000
    seconds, fraction = divmod(abs(nanos), 10**9)
    text = ("-" if nanos < 0 else "") + str(seconds)
    if fraction:
        text += f".{fraction:09d}".rstrip("0")
    return text + "s"


def format_value(value: Any) -> str:
    """A plain value as a reader expects it: 0.06 not 0.060000000000000005 (nor the 0.0431235
    that six digits made of 0.0431234567), true not True."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, f".{DIGITS}g")
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return json.dumps(
        jsonable(readable(value)), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def jsonable(value: Any) -> Any:
    """A plain value as JSON can spell it: timestamps and durations as CEL prints them,
    bytes in standard base64 (the protobuf JSON mapping CEL uses: decoding them as UTF-8
    lost every byte that is not), infinities and NaN (from arithmetic) as a stable text."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, bytes):
        import base64  # only for bytes: `evaluate` imports no module it does not use

        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime | timedelta):
        return format_value(value)
    return value


def type_name(value: Any) -> str:
    """The CEL type name of a plain value, as a rule author reads it in a message."""
    for kind, name in _PLAIN_TYPES:
        if isinstance(value, kind):
            return name
    return "null_type" if value is None else type(value).__name__


_PLAIN_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "bool"),
    (int, "int"),
    (float, "double"),
    (str, "string"),
    (bytes, "bytes"),
    (list, "list"),
    (dict, "map"),
    (datetime, "timestamp"),
    (timedelta, "duration"),
)
