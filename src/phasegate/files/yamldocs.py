"""YAML input: safe YAML 1.2 by ruamel's parser, the one YAML reader, with every node's
position; imported only when YAML is read."""

from __future__ import annotations

import io
from functools import cache
from types import SimpleNamespace
from typing import Any

from phasegate.errors import InputError, Location
from phasegate.files.document import Document, Positions, _Plainer, offset_location, source_lines


@cache
def _ruamel() -> SimpleNamespace:
    """ruamel, imported when YAML is first read: JSON facts and a warm policy cache
    (`phasegate.core.policycache`) decide without it."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
    from ruamel.yaml.composer import Composer, ComposerError
    from ruamel.yaml.constructor import RoundTripConstructor
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.events import AliasEvent
    from ruamel.yaml.reader import ReaderError
    from ruamel.yaml.scalarstring import (
        DoubleQuotedScalarString,
        FoldedScalarString,
        LiteralScalarString,
        SingleQuotedScalarString,
    )

    class StringTimestamps(RoundTripConstructor):
        """Keeps YAML timestamps as the text the author wrote: facts carry RFC 3339 strings."""

        def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
            return self.construct_scalar(node)

        def construct_yaml_int(self, node: Any) -> Any:
            try:
                return super().construct_yaml_int(node)
            except ValueError:  # past Python's int-string conversion limit (4300 digits)
                raise IntegerTooLong(node) from None

    class NoRecursiveAliases(Composer):
        """Refuses an alias to a collection still being read, which would make the data
        contain itself (ruamel would quietly read it as null, changing what the author
        wrote). A collection's node has no end mark until its end is read, so this needs
        no second pass over the text."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # A reused anchor is valid YAML (an alias means the latest); ruamel's warning
            # would print a traceback-like block into a CI log.
            self.warn_double_anchors = False

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.parser.check_event(AliasEvent):
                event = self.parser.peek_event()
                target = self.anchors.get(event.anchor)
                if target is not None and target.end_mark is None:
                    problem = f"recursive YAML alias *{event.anchor}"
                    raise ComposerError(None, None, problem, event.start_mark)
            return super().compose_node(parent, index)

    StringTimestamps.add_constructor(
        "tag:yaml.org,2002:timestamp", StringTimestamps.construct_yaml_timestamp
    )
    StringTimestamps.add_constructor("tag:yaml.org,2002:int", StringTimestamps.construct_yaml_int)
    styles = (
        (LiteralScalarString, "|"),
        (FoldedScalarString, ">"),
        (DoubleQuotedScalarString, '"'),
        (SingleQuotedScalarString, "'"),
    )
    return SimpleNamespace(
        YAML=YAML,
        StringTimestamps=StringTimestamps,
        CommentedMap=CommentedMap,
        CommentedSeq=CommentedSeq,
        TaggedScalar=TaggedScalar,
        MarkedYAMLError=MarkedYAMLError,
        YAMLError=YAMLError,
        ReaderError=ReaderError,
        NoRecursiveAliases=NoRecursiveAliases,
        styles=styles,
    )


class IntegerTooLong(Exception):
    """An integer with more digits than Python converts (`sys.get_int_max_str_digits`):
    ruamel's bare ValueError named no line. Out of CEL's 64-bit range whatever its value."""

    def __init__(self, node: Any) -> None:
        super().__init__()
        self.mark = node.start_mark
        self.digits = sum(character.isdigit() for character in node.value)


def parse_yaml(text: str, source: str) -> Document:
    """Safe YAML 1.2: no arbitrary tags, duplicate keys refused, aliases bounded.

    ruamel's pure parser is the one YAML reader, so `evaluate` and `fmt` can never read one
    text two ways; the policy cache (`phasegate.core.policycache`) spares `evaluate` it.
    """
    lines = source_lines(text)
    ruamel = _ruamel()
    yaml = ruamel.YAML(typ="rt", pure=True)
    yaml.Constructor = ruamel.StringTimestamps
    yaml.Composer = ruamel.NoRecursiveAliases
    yaml.allow_duplicate_keys = False
    yaml.preserve_quotes = True
    try:
        docs = list(yaml.load_all(io.StringIO(text)))
    except ruamel.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        problem = problem.split("\n")[0]
        if "duplicate key" in problem or "found duplicate key" in str(exc):
            problem = _duplicate_key_problem(exc)
        location = Location(source, mark.line + 1, mark.column + 1) if mark else Location(source)
        raise InputError(f"not valid YAML: {problem}", location) from None
    except ruamel.ReaderError as exc:  # a character YAML forbids (NUL, other controls)
        where = offset_location(text, exc.position, source)
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1])
        raise InputError(f"not valid YAML: character U+{code:04X} is not allowed", where) from None
    except ruamel.YAMLError as exc:
        first = str(exc).strip().split("\n")[0][:200]
        raise InputError(f"not valid YAML: {first}", Location(source)) from None
    except IntegerTooLong as exc:
        raise InputError(
            f"integer too long ({exc.digits} digits): out of the 64-bit range",
            Location(source, exc.mark.line + 1, exc.mark.column + 1),
        ) from None
    except RecursionError:
        raise InputError("nested too deeply", Location(source)) from None
    except InputError:
        raise
    except Exception as exc:  # ruamel asserts on some inputs (`%YAML 1.3`): still bad input
        raise InputError(f"not valid YAML ({type(exc).__name__})", Location(source)) from None
    if len(docs) != 1:
        raise InputError(f"expected one YAML document, found {len(docs)}", Location(source))
    plainer = _Plainer(source, ruamel)
    data = plainer.convert(docs[0], ())
    positions = Positions(lines, plainer.value_marks, plainer.key_marks, plainer.styles)
    return Document(source, data, text, positions)


def _duplicate_key_problem(exc: Exception) -> str:
    text = str(exc)
    start = text.find('found duplicate key "')
    if start >= 0:
        key = text[start + len('found duplicate key "') :].split('"')[0]
        return f"duplicate key {key!r}"
    return "duplicate key"
