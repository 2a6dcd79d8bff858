"""A parsed document: plain data, the position of every node, and the limits every input
meets whichever syntax it was written in.

Rule authors read errors in CI logs, so every value keeps the line and column it came from,
including characters inside block scalars (`|`, `>`), where ruamel only marks the indicator
line. Documents are plain dicts, lists and scalars: nothing downstream sees ruamel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType, SimpleNamespace
from typing import Any, NamedTuple

from phasegate.errors import InputError, Location

#: A path into a document: mapping keys and sequence indexes from the root.
NodePath = tuple[str | int, ...]


#: Nodes after expanding aliases: a billion-laughs document stops here instead of eating memory.
MAX_NODES = 200_000


MAX_DEPTH = 64


#: CEL integers are 64-bit; a larger one could not be evaluated.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class Positions(NamedTuple):
    """Where each node of a document stands: 0-based (line, col) by node path.

    A named tuple, not a frozen dataclass: every process defines it at start-up, where a
    dataclass costs about ten times as much CPU (the maps are never changed once made)."""

    lines: tuple[str, ...] = ()
    value_marks: Mapping[NodePath, tuple[int, int]] = MappingProxyType({})
    key_marks: Mapping[NodePath, tuple[int, int]] = MappingProxyType({})
    scalar_styles: Mapping[NodePath, str] = MappingProxyType({})


@dataclass(frozen=True)
class Document:
    """A parsed input file: plain data plus where each node stands in the source text."""

    source: str
    data: Any
    text: str = ""
    known_positions: Positions | None = None

    @cached_property
    def positions(self) -> Positions:
        """Positions from the parse, or for JSON read on demand: only errors need them."""
        if self.known_positions is not None:
            return self.known_positions
        from phasegate.files.yamldocs import parse_yaml

        lines = source_lines(self.text)
        try:
            located = parse_yaml(self.text, self.source)  # JSON is nearly a subset of YAML
        except InputError:
            return Positions(lines)
        return located.positions if located.data == self.data else Positions(lines)

    @property
    def lines(self) -> tuple[str, ...]:
        return self.positions.lines

    @property
    def value_marks(self) -> Mapping[NodePath, tuple[int, int]]:
        return self.positions.value_marks

    @property
    def key_marks(self) -> Mapping[NodePath, tuple[int, int]]:
        return self.positions.key_marks

    @property
    def scalar_styles(self) -> Mapping[NodePath, str]:
        return self.positions.scalar_styles

    def location(self, path: NodePath, *, key: bool = False) -> Location:
        """The location of a node (or of its key), or of its nearest located ancestor."""
        marks = self.key_marks if key else self.value_marks
        if path in marks:
            line, col = marks[path]
            return Location(self.source, line + 1, col + 1)
        if key and path in self.value_marks:
            return self.location(path)
        if path:
            return self.location(path[:-1])
        return Location(self.source, 1, 1) if self.value_marks else Location(self.source)

    def locate_offset(self, path: NodePath, offset: int) -> Location:
        """The file position of character `offset` of the string at `path`.

        Folding and indentation change how a scalar's characters sit in the file, but each
        non-empty source line of a scalar appears verbatim in its value, so the lines are found
        in order and the offset mapped through the one that holds it.
        """
        value = _get(self.data, path)
        if path not in self.value_marks or not isinstance(value, str):
            return self.location(path)
        first_line, first_col = self.value_marks[path]
        style = self.scalar_styles.get(path, "")
        if style not in ("|", ">"):
            mapped = _flow_scalar_positions(self.lines, first_line, first_col, style, value)
            if mapped is not None and offset < len(mapped):
                line, col = mapped[offset]
                return Location(self.source, line + 1, col + 1)
        if style in ("|", ">"):
            start = first_line + 1
        else:
            start = first_line
            if "\n" not in value:
                shift = 1 if style in ('"', "'") else 0
                return Location(self.source, first_line + 1, first_col + shift + offset + 1)
        position = 0
        best: tuple[int, int, int] | None = None  # value offset, file line, file col
        for line_no in range(start, len(self.lines)):
            if position >= len(value):
                break
            raw = self.lines[line_no]
            begin = first_col if line_no == first_line else len(raw) - len(raw.lstrip())
            if line_no == first_line and style in ('"', "'"):
                begin += 1
            text = raw[begin:].rstrip()
            if not text:
                continue
            found = value.find(text, position)
            if found < 0:
                break
            if found > offset:
                break
            best = (found, line_no, begin)
            position = found + len(text)
        if best is None:
            return self.location(path)
        found, line_no, begin = best
        return Location(self.source, line_no + 1, begin + (offset - found) + 1)

    def locate_in_string(self, path: NodePath, line: int, col: int) -> Location:
        """Map a 1-based (line, col) inside the string at `path` to the file."""
        value = _get(self.data, path)
        if not isinstance(value, str):
            return self.location(path)
        text_lines = value.split("\n")
        line = max(1, min(line, len(text_lines)))
        offset = sum(len(text) + 1 for text in text_lines[: line - 1]) + max(col - 1, 0)
        return self.locate_offset(path, offset)


#: Double-quoted escapes that stand for one character (YAML 1.2, 5.7); \x, \u and \U take
#: 2, 4 and 8 hex digits.
_ESCAPE_LENGTHS = {"x": 2, "u": 4, "U": 8}


def _flow_scalar_positions(
    lines: tuple[str, ...], line: int, col: int, style: str, value: str
) -> list[tuple[int, int]] | None:
    """The 0-based file (line, col) of each character of a flow scalar's value.

    Plain and quoted scalars fold line breaks into spaces and drop indentation, and quoted
    ones turn escapes (`''`, `\\"`, `\\n`) into single characters, so a value offset is not
    a column. The source is read again the way YAML folds it; the result is used only when
    it spells exactly the loaded value, so a case this reading gets wrong falls back instead
    of pointing at the wrong place.
    """
    quote = style if style in ('"', "'") else ""
    positions: list[tuple[int, int]] = []
    text: list[str] = []
    row, index = line, col + len(quote)
    breaks = 0  # line breaks since the last character, folded when the next one comes
    joined = False  # after an escaped line break: the lines join with nothing between
    while row < len(lines) and len(text) < len(value):
        raw = lines[row]
        if index >= len(raw) or (not quote and not raw[index:].strip()):
            row, index = row + 1, 0
            breaks += 0 if joined else 1
            continue
        char = raw[index]
        if (breaks or joined) and char in " \t":
            index += 1
            continue
        if breaks:
            while text and text[-1] in " \t" and positions[-1][0] < row:
                text.pop()
                positions.pop()
            folded = " " if breaks == 1 else "\n" * (breaks - 1)
            text.extend(folded)
            positions.extend([(row, index)] * len(folded))
        breaks, joined = 0, False
        if quote == "'" and char == "'":
            if raw[index + 1 : index + 2] != "'":
                break
            index += 1
        elif quote == '"' and char == '"':
            break
        elif quote == '"' and char == "\\":
            code = raw[index + 1 : index + 2]
            if not code:
                row, index, joined = row + 1, 0, True
                continue
            length = _ESCAPE_LENGTHS.get(code, 0)
            digits = raw[index + 2 : index + 2 + length]
            try:
                decoded = chr(int(digits, 16)) if length else _SIMPLE_ESCAPES[code]
            except (KeyError, ValueError):
                return None
            text.append(decoded)
            positions.append((row, index))
            index += 2 + length
            continue
        text.append(char)
        positions.append((row, index))
        index += 1
    return positions if "".join(text) == value else None


_SIMPLE_ESCAPES = {
    "0": "\x00",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}


def _get(data: Any, path: NodePath) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def offset_location(text: str, offset: int, source: str) -> Location:
    """The 1-based line and column of character `offset`, counted as JSON's errors count."""
    line = text.count("\n", 0, offset) + 1
    return Location(source, line, offset - text.rfind("\n", 0, offset))


_OUT_OF_RANGE = "integer out of the 64-bit range"


def scalar_problem(value: Any) -> str | None:
    """Why a parsed scalar cannot be a fact (CEL's 64-bit ints, finite doubles, Unicode)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if INT64_MIN <= value <= INT64_MAX else _OUT_OF_RANGE
    if isinstance(value, float):
        return None if math.isfinite(value) else "NaN and infinite numbers are not allowed"
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "text is not valid Unicode (a lone surrogate)"
        if "\x00" in value:
            # The CEL engine ends a string at NUL: "a\0b" would compare equal to "a" and
            # reach a deploy command cut short. Refused where it enters, never truncated.
            return "text contains NUL (U+0000), which CEL cannot hold"
    return None


class _Plainer:
    """Turns ruamel's round-trip nodes into plain data, recording marks and refusing hazards.

    Without `ruamel` (parsed JSON) there are no marks or styles to record, and ruamel is
    not imported."""

    def __init__(self, source: str, ruamel: SimpleNamespace | None = None) -> None:
        self.source = source
        self.ruamel = ruamel
        self.value_marks: dict[NodePath, tuple[int, int]] = {}
        self.key_marks: dict[NodePath, tuple[int, int]] = {}
        self.styles: dict[NodePath, str] = {}
        self.nodes = 0
        self.active: set[int] = set()

    def fail(self, message: str, path: NodePath) -> InputError:
        marks = self.value_marks
        while path and path not in marks:
            path = path[:-1]
        if path in marks:
            line, col = marks[path]
            return InputError(message, Location(self.source, line + 1, col + 1))
        return InputError(message, Location(self.source))

    def convert(self, node: Any, path: NodePath) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(
                f"document too large: more than {MAX_NODES} nodes (after expanding YAML aliases)",
                path,
            )
        if len(path) > MAX_DEPTH:
            raise self.fail(f"nested deeper than {MAX_DEPTH} levels", path)
        if isinstance(node, dict):
            return self._mapping(node, path)
        if isinstance(node, list):
            return self._sequence(node, path)
        return self._scalar(node, path)

    def _enter(self, node: Any, path: NodePath) -> None:
        tag = getattr(getattr(node, "tag", None), "value", None)
        if tag is not None and tag not in ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
            raise self.fail(f"YAML tag {tag} is not supported", path)
        if id(node) in self.active:
            raise self.fail("recursive YAML alias", path)
        self.active.add(id(node))

    def _mapping(self, node: dict[Any, Any], path: NodePath) -> dict[str, Any]:
        self._enter(node, path)
        result: dict[str, Any] = {}
        for key, value in node.items():
            if self.ruamel is not None and isinstance(node, self.ruamel.CommentedMap):
                with suppress(KeyError, TypeError, AttributeError):
                    self.key_marks[(*path, str(key))] = tuple(node.lc.key(key))
                    self.value_marks[(*path, str(key))] = tuple(node.lc.value(key))
            if not isinstance(key, str):
                raise self.fail(
                    f"mapping key {key!r} must be a string (quote it)", (*path, str(key))
                )
            problem = scalar_problem(key)
            if problem is not None:
                raise self.fail(f"mapping key: {problem}", (*path, key))
            result[str(key)] = self.convert(value, (*path, str(key)))
        self.active.discard(id(node))
        return result

    def _sequence(self, node: list[Any], path: NodePath) -> list[Any]:
        self._enter(node, path)
        result = []
        for index, item in enumerate(node):
            if self.ruamel is not None and isinstance(node, self.ruamel.CommentedSeq):
                with suppress(KeyError, TypeError, AttributeError, IndexError):
                    self.value_marks[(*path, index)] = tuple(node.lc.item(index))
            result.append(self.convert(item, (*path, index)))
        self.active.discard(id(node))
        return result

    def _scalar(self, node: Any, path: NodePath) -> Any:
        if self.ruamel is not None and isinstance(node, self.ruamel.TaggedScalar):
            if node.tag.value not in ("tag:yaml.org,2002:str", "!!str"):
                raise self.fail(f"YAML tag {node.tag.value} is not supported", path)
            return self._scalar(str(node.value), path)
        if node is None or isinstance(node, bool):
            return None if node is None else bool(node)
        problem = scalar_problem(node)
        if problem is not None:
            raise self.fail(problem, path)
        if isinstance(node, int):
            return int(node)
        if isinstance(node, float):
            return float(node)
        if isinstance(node, str):
            if self.ruamel is not None and type(node) is not str:
                for kind, style in self.ruamel.styles:
                    if isinstance(node, kind):
                        self.styles[path] = style
                        break
            return str(node)
        raise self.fail(f"unsupported YAML value of type {type(node).__name__}", path)


def document_plain(document: Document) -> dict[str, Any]:
    """A parsed document's data and positions as plain JSON data (for the cache)."""
    return {
        "data": document.data,
        "values": [[list(path), *mark] for path, mark in document.value_marks.items()],
        "keys": [[list(path), *mark] for path, mark in document.key_marks.items()],
        "styles": [[list(path), style] for path, style in document.scalar_styles.items()],
    }


def document_from_plain(source: str, text: str, plain: Mapping[str, Any]) -> Document:
    """The Document `document_plain` gave, for `text` named `source`. Raises KeyError,
    TypeError or ValueError on data of another shape."""
    positions = Positions(
        source_lines(text),
        {tuple(path): (line, col) for path, line, col in plain["values"]},
        {tuple(path): (line, col) for path, line, col in plain["keys"]},
        {tuple(path): style for path, style in plain["styles"]},
    )
    return Document(source, plain["data"], text, positions)


def source_lines(text: str) -> tuple[str, ...]:
    """Lines as ruamel's marks count them: a line feed ends a line; U+2028, U+0085 and the
    like do not (str.splitlines would split on them and shift every later position)."""
    return tuple(line.removesuffix("\r") for line in text.split("\n"))


def checked_data(data: Any, source: str) -> Any:
    """Apply the document limits (finite numbers, size, depth) to already-parsed JSON data."""
    return _Plainer(source).convert(data, ())


def checked_nodes(data: Any, source: str, path: NodePath) -> int:
    """Apply the document limits to parsed data found at `path` of a document (its depth
    counted from the document's root), and return how many nodes it holds: a reader that
    checks a document field by field adds them up against MAX_NODES."""
    plainer = _Plainer(source)
    plainer.convert(data, path)
    return plainer.nodes
