"""Reading YAML and JSON input safely, keeping the position of every node.

Rule authors read errors in CI logs, so every value keeps the line and column it came from,
including characters inside block scalars (`|`, `>`), where ruamel only marks the indicator
line. Documents come back as plain dicts, lists and scalars: nothing downstream sees ruamel.
"""

from __future__ import annotations

import errno
import io
import json
import math
import os
import re
import stat
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from phasegate.errors import InputError, Location
from phasegate.files import yamlevents

#: A path into a document: mapping keys and sequence indexes from the root.
NodePath = tuple[str | int, ...]

#: Inputs are small hand-written or collected documents; anything bigger is a mistake or an
#: attack, and is refused before it is parsed.
MAX_BYTES = 16 * 1024 * 1024
#: Nodes after expanding aliases: a billion-laughs document stops here instead of eating memory.
MAX_NODES = 200_000
MAX_DEPTH = 64
#: CEL integers are 64-bit; a larger one could not be evaluated.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class _StringTimestamps(RoundTripConstructor):
    """Keeps YAML timestamps as the text the author wrote: facts carry RFC 3339 strings."""

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        return self.construct_scalar(node)


_StringTimestamps.add_constructor(
    "tag:yaml.org,2002:timestamp", _StringTimestamps.construct_yaml_timestamp
)


@dataclass(frozen=True)
class Positions:
    """Where each node of a document stands: 0-based (line, col) by node path."""

    lines: tuple[str, ...] = ()
    value_marks: Mapping[NodePath, tuple[int, int]] = field(default_factory=dict)
    key_marks: Mapping[NodePath, tuple[int, int]] = field(default_factory=dict)
    scalar_styles: Mapping[NodePath, str] = field(default_factory=dict)


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


def display_path(path: str | Path) -> str:
    """How a file is named in messages: as the user gave it, `-` being standard input."""
    return "<stdin>" if str(path) == "-" else str(path)


@contextmanager
def os_errors(name: str) -> Iterator[None]:
    """Turn every OS failure to read an input into one clear line naming the file."""
    try:
        yield
    except FileNotFoundError:
        raise InputError("file not found", Location(name)) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", Location(name)) from None
    except PermissionError:
        raise InputError("permission denied", Location(name)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", Location(name)) from None


def resolved(path: Path) -> Path:
    """`path.resolve()`, with a symbolic link loop refused as bad input, not a crash."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):  # RuntimeError up to Python 3.12, OSError (ELOOP) after
        raise InputError(_LOOP, Location(display_path(path))) from None


_LOOP = "a symbolic link loop (the link leads back to itself)"


def entry_problem(path: Path) -> str | None:
    """Why an entry found in a folder is not a regular file to read (None when it is one).

    Folders hold what people and tools leave there: a FIFO would block the reader forever,
    a device could stream without end, a dangling link has nothing behind it. They are
    looked at (through links) before anything opens them. A link loop is refused outright:
    it is a mistake in what the user pointed phasegate at, not a stray file.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(_LOOP, Location(display_path(path))) from None
        if os.path.islink(path):
            return "a dangling link"
        return f"cannot read: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device or other special file"


def read_text(path: str | Path) -> str:
    """Read a whole input file as UTF-8, turning every OS failure into one clear line."""
    name = display_path(path)
    with os_errors(name):
        if str(path) == "-":
            raw = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise InputError(f"file larger than {MAX_BYTES // (1024 * 1024)} MiB", Location(name))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", Location(name)) from None


def load_document(path: str | Path) -> Document:
    """Read and parse one YAML or JSON file, by its extension.

    A `.yaml` file stays YAML even when it starts with `{` (flow style), as `fmt` reads it:
    both tools must accept the same files. Only what has no such extension (standard
    input, `facts.txt`) is taken as JSON when it starts with `{` or `[`.
    """
    text = read_text(path)
    name = display_path(path)
    suffix = Path(str(path)).suffix.lower()
    if suffix == ".json" or (suffix not in (".yaml", ".yml") and text.lstrip()[:1] in ("{", "[")):
        return parse_json(text, name)
    return parse_yaml(text, name)


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
_JSON_TOKEN = re.compile(
    r"""[ \t\n\r]*(?:(?P<open>[\[{])|(?P<close>[\]}])|(?P<string>"(?:[^"\\]|\\.)*")"""
    r"""|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<word>[A-Za-z]+|-Infinity)"""
    r"""|(?P<punct>[,:]))""",
    re.DOTALL,
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
    while position < len(text):
        match = _JSON_TOKEN.match(text, position)
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


class _JsonRefusal(ValueError):
    pass


_STRICT = json.JSONDecoder(parse_constant=_refuse_constant, object_pairs_hook=_refuse_duplicates)


def parse_yaml(text: str, source: str) -> Document:
    """Safe YAML 1.2: no arbitrary tags, duplicate keys refused, aliases bounded.

    The common subset takes the C event stream (`yamlevents`); the rest, and every error,
    ruamel's pure parser, which words the message.
    """
    lines = source_lines(text)
    built = yamlevents.build(text, lines, MAX_NODES, MAX_DEPTH, scalar_problem)
    if built is not None:
        data, value_marks, key_marks, styles = built
        positions = Positions(lines, value_marks, key_marks, styles)
        return Document(source, data, text, positions)
    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _StringTimestamps
    yaml.allow_duplicate_keys = False
    yaml.preserve_quotes = True
    try:
        if "*" in text:
            _refuse_recursive_aliases(yaml, text, source)
        docs = list(yaml.load_all(io.StringIO(text)))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        problem = problem.split("\n")[0]
        if "duplicate key" in problem or "found duplicate key" in str(exc):
            problem = _duplicate_key_problem(exc)
        location = Location(source, mark.line + 1, mark.column + 1) if mark else Location(source)
        raise InputError(f"not valid YAML: {problem}", location) from None
    except ReaderError as exc:  # a character YAML forbids (NUL, other controls)
        where = offset_location(text, exc.position, source)
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1])
        raise InputError(f"not valid YAML: character U+{code:04X} is not allowed", where) from None
    except YAMLError as exc:
        first = str(exc).strip().split("\n")[0][:200]
        raise InputError(f"not valid YAML: {first}", Location(source)) from None
    except RecursionError:
        raise InputError("nested too deeply", Location(source)) from None
    except InputError:
        raise
    except Exception as exc:  # ruamel asserts on some inputs (`%YAML 1.3`): still bad input
        raise InputError(f"not valid YAML ({type(exc).__name__})", Location(source)) from None
    if len(docs) != 1:
        raise InputError(f"expected one YAML document, found {len(docs)}", Location(source))
    plainer = _Plainer(source)
    data = plainer.convert(docs[0], ())
    positions = Positions(lines, plainer.value_marks, plainer.key_marks, plainer.styles)
    return Document(source, data, text, positions)


def _refuse_recursive_aliases(yaml: YAML, text: str, source: str) -> None:
    """An alias to a collection still being read would make data contain itself.

    ruamel quietly reads such an alias as null, which would change what the author wrote.
    """
    open_anchors: list[str | None] = []
    for event in yaml.parse(io.StringIO(text)):
        if isinstance(event, CollectionStartEvent):
            open_anchors.append(event.anchor)
        elif isinstance(event, CollectionEndEvent):
            open_anchors.pop()
        elif isinstance(event, AliasEvent) and event.anchor in open_anchors:
            mark = event.start_mark
            where = Location(source, mark.line + 1, mark.column + 1)
            raise InputError(f"recursive YAML alias *{event.anchor}", where)


def _duplicate_key_problem(exc: MarkedYAMLError) -> str:
    text = str(exc)
    start = text.find('found duplicate key "')
    if start >= 0:
        key = text[start + len('found duplicate key "') :].split('"')[0]
        return f"duplicate key {key!r}"
    return "duplicate key"


class _Plainer:
    """Turns ruamel's round-trip nodes into plain data, recording marks and refusing hazards."""

    def __init__(self, source: str) -> None:
        self.source = source
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
            if isinstance(node, CommentedMap):
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
            if isinstance(node, CommentedSeq):
                with suppress(KeyError, TypeError, AttributeError, IndexError):
                    self.value_marks[(*path, index)] = tuple(node.lc.item(index))
            result.append(self.convert(item, (*path, index)))
        self.active.discard(id(node))
        return result

    def _scalar(self, node: Any, path: NodePath) -> Any:
        if isinstance(node, TaggedScalar):
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
            if isinstance(node, LiteralScalarString):
                self.styles[path] = "|"
            elif isinstance(node, FoldedScalarString):
                self.styles[path] = ">"
            elif isinstance(node, DoubleQuotedScalarString):
                self.styles[path] = '"'
            elif isinstance(node, SingleQuotedScalarString):
                self.styles[path] = "'"
            return str(node)
        raise self.fail(f"unsupported YAML value of type {type(node).__name__}", path)


def source_lines(text: str) -> tuple[str, ...]:
    """Lines as ruamel's marks count them: a line feed ends a line; U+2028, U+0085 and the
    like do not (str.splitlines would split on them and shift every later position)."""
    return tuple(line.removesuffix("\r") for line in text.split("\n"))


def checked_data(data: Any, source: str) -> Any:
    """Apply the document limits (finite numbers, size, depth) to already-parsed JSON data."""
    return _Plainer(source).convert(data, ())
