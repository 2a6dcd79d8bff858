"""JSON input: strict (duplicate keys, NaN and Infinity refused, as in YAML) and fast, with
positions read again only when an error needs to say where."""

from __future__ import annotations

import json
import re
from typing import Any

from phasegate.errors import InputError, Location
from phasegate.files.document import (
    _OUT_OF_RANGE,
    MAX_DEPTH,
    MAX_NODES,
    Document,
    checked_data,
    offset_location,
    scalar_problem,
)


def loads_strict(text: str) -> Any:
    """JSON as phasegate accepts it: duplicate keys, NaN and Infinity refused (ValueError).

    `json.loads` with the same hooks, without making a decoder per call (replay parses a
    line at a time); its refusal of a leading byte order mark is kept."""
    if text.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _STRICT.decode(text)


def _refuse_constant(name: str) -> Any:
    raise _JsonRefusal(f"{name} is not allowed: numbers must be finite")


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)  # in C: the loop below runs only when a key repeats
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _JsonRefusal(f"duplicate key {key!r}")
            seen.add(key)
    return result


def parse_json(text: str, source: str) -> Document:
    """Strict JSON: duplicate keys, NaN and Infinity are refused, as in the YAML path."""
    try:
        data = checked_data(loads_strict(text), source)
    except json.JSONDecodeError as exc:
        location = Location(source, exc.lineno, exc.colno)
        raise InputError(f"not valid JSON: {exc.msg}", location) from None
    except (ValueError, RecursionError, InputError) as exc:
        # Refused keys and constants, limits, Python's digit limit: the data has no positions,
        # so the text is read again to find the token that broke the rule.
        found = json_problem(text)
        if found is not None:
            offset, message = found
            raise InputError(message, offset_location(text, offset, source)) from None
        if isinstance(exc, InputError):
            raise
        detail = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:80]
        raise InputError(f"not valid JSON: {detail}", Location(source)) from None
    # Positions are read on demand (Document.positions): only error messages need them.
    return Document(source, data, text)


#: One JSON token after optional white space; strings keep their quotes and escapes.
#: Compiled on first use (`re` keeps it), not at import: only a refused document needs it.
_JSON_TOKEN = (
    r"""[ \t\n\r]*(?:(?P<open>[\[{])|(?P<close>[\]}])|(?P<string>"(?:[^"\\]|\\.)*")"""
    r"""|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<word>[A-Za-z]+|-Infinity)"""
    r"""|(?P<punct>[,:]))"""
)


def json_problem(text: str) -> tuple[int, str] | None:
    """(offset, message) of the first token of JSON `text` that phasegate refuses, or None.

    Used only after a refusal, to say where: the same rules as `loads_strict` and
    `checked_data` (duplicate keys, non-finite numbers, 64-bit integers, lone surrogates,
    depth, node count), read one token at a time without recursion, so depth costs nothing.
    """
    # Per open container: its kind, and for an object its keys so far and whether the next
    # string is a key.
    frames: list[tuple[str, set[str]]] = []
    expect_key = False
    nodes = 0
    position = 0
    tokens = re.compile(_JSON_TOKEN, re.DOTALL)
    while position < len(text):
        match = tokens.match(text, position)
        if match is None:
            return None  # not JSON at all: the parser's own message says where
        position = match.end()
        kind = match.lastgroup
        token = match.group(kind or 0)
        start = match.start(kind or 0)
        if kind == "close":
            if frames:
                frames.pop()
            expect_key = False
            continue
        if kind == "punct":
            expect_key = token == "," and bool(frames) and frames[-1][0] == "{"
            continue
        if kind == "string" and expect_key:
            key = json.loads(token)
            problem = scalar_problem(key)
            if problem is not None:
                return start, f"mapping key: {problem}"
            if key in frames[-1][1]:
                return start, f"invalid JSON: duplicate key {key!r}"
            frames[-1][1].add(key)
            expect_key = False
            continue
        nodes += 1
        if nodes > MAX_NODES:
            return start, f"document too large: more than {MAX_NODES} nodes"
        if len(frames) > MAX_DEPTH:
            return start, f"nested deeper than {MAX_DEPTH} levels"
        if kind == "open":
            frames.append((token, set()))
            expect_key = token == "{"
            continue
        problem = _json_scalar_problem(kind, token)
        if problem is not None:
            return start, problem
    return None


def _json_scalar_problem(kind: str | None, token: str) -> str | None:
    if kind == "word":
        if token in ("NaN", "Infinity", "-Infinity"):
            return f"invalid JSON: {token} is not allowed: numbers must be finite"
        return None
    if kind == "number":
        if any(mark in token for mark in ".eE"):
            return scalar_problem(float(token))
        digits = len(token.lstrip("-"))
        return scalar_problem(int(token)) if digits <= 20 else _OUT_OF_RANGE
    return scalar_problem(json.loads(token))


class _JsonRefusal(ValueError):
    pass


_STRICT = json.JSONDecoder(parse_constant=_refuse_constant, object_pairs_hook=_refuse_duplicates)
