"""Reading what a tool printed: one JSON value, JSON lines, or plain text.

zjj prints either one envelope object or one wrapped object per line, depending on the
command; `auto` accepts both, so extractors can be written once over `lines`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from phasegate.errors import InputError
from phasegate.files.loading import checked_data, loads_strict

PARSE_MODES = ("auto", "json", "jsonl", "text")


class OutputError(ValueError):
    """Output that cannot be read in the requested mode."""


@dataclass(frozen=True)
class ParsedOutput:
    #: "json", "jsonl" or "text": what the output turned out to be.
    format: str
    #: The JSON value (json), the list of line values (jsonl), or the text (text).
    value: Any
    #: One entry per JSON document: [value] for json, every line for jsonl, [] for text.
    lines: tuple[Any, ...]


def parse_output(text: str, mode: str, source: str) -> ParsedOutput:
    """Parse `text` as `mode`; raise OutputError saying why it is not that."""
    if mode == "text":
        return ParsedOutput("text", text, ())
    stripped = text.strip()
    if not stripped:
        raise OutputError("empty output")
    if mode in ("json", "auto"):
        try:
            value = _strict(stripped, source)
            return ParsedOutput("json", value, (value,))
        except OutputError:
            if mode == "json" or "\n" not in stripped:
                raise
    values = []
    for number, line in enumerate(stripped.splitlines(), 1):
        if not line.strip():
            continue
        try:
            values.append(_strict(line, source))
        except OutputError as exc:
            raise OutputError(f"line {number}: {exc}") from None
    return ParsedOutput("jsonl", values, tuple(values))


def _strict(text: str, source: str) -> Any:
    try:
        return checked_data(loads_strict(text), source)
    except json.JSONDecodeError as exc:
        raise OutputError(f"not JSON ({exc.msg} at column {exc.colno})") from None
    except InputError as exc:
        raise OutputError(exc.message) from None
    except (ValueError, RecursionError) as exc:
        raise OutputError(f"not JSON ({exc})") from None
