"""The fast way through YAML: plain data built from libyaml's C event stream.

ruamel's pure-Python round-trip parser is the reference (its marks, its messages), but it
costs about 20 ms for the shipped policy files, most of what `phasegate evaluate` spends
after importing its libraries. ruamel's own C extension (`ruamel.yaml.clib`, libyaml) gives
the same events in under a millisecond. This module takes only the subset that hand-written
policies and collected facts use: block and flow collections of string keys, plain and
quoted scalars of the YAML 1.2 core schema. Anything else (anchors, aliases, explicit
tags, directives, several documents, hex or underscored numbers, characters YAML 1.1 and
1.2 read differently, any parser error, any value phasegate refuses) makes `build` return
None, and the pure parser reads the file: same data, same positions, same messages.
`tests/test_yaml_events.py` holds both paths to identical output over every YAML file in the
repository and a generated corpus.

Events are consumed with an explicit stack, never recursion: a document nested a million
levels deep costs a bounded walk and a fall-back, never the C stack.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

try:  # ruamel's C extension (libyaml); without it every file takes the pure parser
    from _ruamel_yaml import (
        CParser,
        DocumentEndEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
        StreamEndEvent,
        StreamStartEvent,
    )
except ImportError:  # pragma: no cover - wheels exist wherever the CEL engine has them
    CParser = None

AVAILABLE = CParser is not None

#: Declined characters: those YAML forbids (the complement of ruamel's `Reader.NON_PRINTABLE`,
#: written as the short positive class, which compiles in microseconds where ruamel's takes
#: 7 ms); line breaks of YAML 1.1 (libyaml) that are not breaks in 1.2 (ruamel), which
#: would shift every mark; the BOM inside the text; and the tab, which ruamel refuses in
#: places libyaml takes it.
_DECLINED = re.compile(
    "[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufeff\ufffe\uffff]"
)
_STYLES = frozenset("|>\"'")
#: A block scalar's header without a comment: libyaml takes `|#`, which YAML 1.2 refuses,
#: and ruamel's round trip fails on a header comment off its key's line (AssertionError).
_BLOCK_HEADER = re.compile(r"[|>](?:(?P<indent>[1-9])[-+]?|[-+](?P<indent_after>[1-9])?)?[ ]*\Z")
_TAG = "tag:yaml.org,2002:"
_resolver = VersionedResolver()


class _Unsupported(Exception):
    """Outside the subset: the pure parser decides."""


Built = tuple[Any, dict, dict, dict]


def build(
    text: str,
    lines: Sequence[str],
    max_nodes: int,
    max_depth: int,
    problem: Callable[[Any], Any],
) -> Built | None:
    """(data, value_marks, key_marks, styles) of a one-document YAML text, or None.

    `lines` are the text's lines as the caller keeps them for positions (split at line
    feeds, carriage returns dropped): the block-scalar and comment checks read them.

    `problem(value)` is phasegate's scalar check (`loading.scalar_problem`): a value it
    refuses falls back, so the refusal is worded and located by the reference path.
    """
    if not AVAILABLE or _DECLINED.search(text):
        return None
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None  # a lone carriage return: a line break to the parsers, not to our lines
    try:
        parser = CParser(text)
    except Exception:  # text the C reader cannot take (a lone surrogate)
        return None
    try:
        return _Builder(lines, max_nodes, max_depth, problem).walk(parser)
    except Exception:
        # _Unsupported, a parser error, or anything unforeseen: never a wrong answer, only
        # the slower reference path, which words any error. The shipped-file test fails
        # if a file of ours stops taking this path.
        return None
    finally:
        parser.dispose()


class _Frame:
    """An open collection: where its children go, and a mapping's key awaiting its value."""

    __slots__ = ("container", "key", "key_mark", "path")

    def __init__(self, container: dict | list, path: tuple) -> None:
        self.container = container
        self.path = path
        self.key: str | None = None
        self.key_mark = (0, 0)


class _Builder:
    def __init__(
        self, lines: Sequence[str], max_nodes: int, max_depth: int, problem: Callable[[Any], Any]
    ) -> None:
        self.lines = lines
        self.max_nodes = max_nodes
        self.max_depth = max_depth
        self.problem = problem
        self.nodes = 0
        self.stack: list[_Frame] = []
        self.value_marks: dict[tuple, tuple[int, int]] = {}
        self.key_marks: dict[tuple, tuple[int, int]] = {}
        self.styles: dict[tuple, str] = {}

    def walk(self, parser: Any) -> Built:
        if type(parser.get_event()) is not StreamStartEvent:
            raise _Unsupported
        start = parser.get_event()
        if type(start) is not DocumentStartEvent or start.version or start.tags:
            raise _Unsupported  # an empty stream or a directive
        root = self._node(parser.get_event(), ())
        stack = self.stack
        while stack:  # bounded: each turn consumes one event of a finite text
            event = parser.get_event()
            kind = type(event)
            if kind is MappingEndEvent or kind is SequenceEndEvent:
                stack.pop()
                continue
            frame = stack[-1]
            mark = event.start_mark
            where = (mark.line, mark.column)
            container = frame.container
            if type(container) is dict:
                if frame.key is None:
                    frame.key = self._key(event, container)
                    frame.key_mark = where
                    continue
                key_line = frame.key_mark[0]
                if (
                    kind is ScalarEvent
                    and where[0] > key_line
                    and self._commented(key_line, where[0])
                ):
                    # `key: # note` with the scalar on a later line: ruamel's round-trip
                    # parser fails on some of these (NotImplementedError), and the reference
                    # path must be the one that decides.
                    raise _Unsupported
                path = (*frame.path, frame.key)
                self.key_marks[path] = frame.key_mark
                self.value_marks[path] = where
                container[frame.key] = self._node(event, path)
                frame.key = None
            else:
                path = (*frame.path, len(container))
                self.value_marks[path] = where
                container.append(self._node(event, path))
        end = parser.get_event()
        if type(end) is not DocumentEndEvent or end.explicit:
            raise _Unsupported  # `...`: ruamel refuses a second one, libyaml does not
        if type(parser.get_event()) is not StreamEndEvent:
            raise _Unsupported  # several documents: the reference path says so
        return root, self.value_marks, self.key_marks, self.styles

    def _key(self, event: Any, container: dict) -> str:
        if type(event) is not ScalarEvent or event.tag is not None or event.anchor is not None:
            raise _Unsupported
        key = event.value
        if event.style in ("|", ">"):
            raise _Unsupported  # a block scalar key (`? |`): the reference reads it
        if not event.style and _resolve(key) != "str":
            raise _Unsupported  # a number, bool or null key: the reference path refuses it
        if key in container or key == "<<" or self.problem(key) is not None:
            raise _Unsupported
        return key

    def _node(self, event: Any, path: tuple) -> Any:
        self.nodes += 1
        if self.nodes > self.max_nodes or len(path) > self.max_depth:
            raise _Unsupported
        kind = type(event)
        if kind is ScalarEvent:
            return self._scalar(event, path)
        if kind is MappingStartEvent:
            container: dict | list = {}
        elif kind is SequenceStartEvent:
            container = []
        else:
            raise _Unsupported  # an alias, or an event out of place
        if event.tag is not None or event.anchor is not None:
            raise _Unsupported
        self.stack.append(_Frame(container, path))
        return container

    def _commented(self, first: int, last: int) -> bool:
        """Whether a `#` stands on lines first..last-1 (between a key and its value)."""
        return any("#" in self.lines[line] for line in range(first, last))

    def _block_header(self, event: Any, path: tuple) -> None:
        """Decline the block scalars libyaml and ruamel read differently."""
        if not path:
            raise _Unsupported  # at the root, ruamel reads a later `# c` or `...` as content
        mark = event.start_mark
        header = _BLOCK_HEADER.match(self.lines[mark.line], mark.column)
        if header is None:
            raise _Unsupported
        following = self.lines[mark.line + 1] if mark.line + 1 < len(self.lines) else ""
        explicit = header["indent"] or header["indent_after"]
        if not explicit and following and not following.strip(" "):
            # A first line of only spaces: ruamel measures the indentation from it and
            # refuses a deeper line after it; libyaml takes the text.
            raise _Unsupported

    def _scalar(self, event: Any, path: tuple) -> Any:
        if event.tag is not None or event.anchor is not None:
            raise _Unsupported
        text = event.value
        style = event.style
        if style:
            if style not in _STYLES:
                raise _Unsupported
            if style in "|>":
                self._block_header(event, path)
            value: Any = text
            self.styles[path] = style
        else:
            tag = _resolve(text)
            if tag in ("str", "timestamp"):
                value = text
            elif tag == "null" and text:
                value = None
            elif tag == "bool":
                value = text.lower() == "true"
            elif tag == "int" and _SURE_INT.match(text):
                value = int(text)
            elif tag == "float" and _SURE_FLOAT.match(text):
                value = float(text)
            else:
                # hex, octal, underscores, .inf; an empty value, which ruamel marks at the next
                # token where libyaml marks the colon: the reference path reads them
                raise _Unsupported
        if self.problem(value) is not None:
            raise _Unsupported
        return value


#: The first characters ruamel's YAML 1.2 resolvers are registered for (bool, float, int,
#: merge, null, timestamp, value, yaml): a plain scalar starting with any other is a string.
_RESOLVED_FIRST = frozenset("tTfF-+0123456789.<~nN=!&*")


#: Forms whose tag is certain from ruamel's 1.2 table, decided without compiling its
#: regexes (about 1.5 ms at first use): decimal ints, the three float forms, the words.
_SURE_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_SURE_FLOAT = re.compile(
    r"[-+]?(?:[0-9]+\.[0-9]*(?:[eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+|\.[0-9]+(?:[eE][-+][0-9]+)?)\Z"
)
_WORDS = {
    **dict.fromkeys(("true", "True", "TRUE", "false", "False", "FALSE"), "bool"),
    **dict.fromkeys(("~", "null", "Null", "NULL"), "null"),
}


def _resolve(text: str) -> str:
    """The YAML 1.2 core-schema tag of a plain scalar, as ruamel resolves it."""
    if text and text[0] not in _RESOLVED_FIRST:
        return "str"  # the common case, without ruamel's regexes
    if text in _WORDS:
        return _WORDS[text]
    if _SURE_INT.match(text):
        return "int"
    if _SURE_FLOAT.match(text):
        return "float"
    tag = _resolver.resolve(ScalarNode, text, (True, False))
    return str(getattr(tag, "value", tag))[len(_TAG) :]  # a Tag since ruamel 0.18
