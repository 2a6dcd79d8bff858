"""Canonical layout of policy files, so a review shows what changed and not how it was typed.

`phasegate fmt` rewrites a policy file with ruamel.yaml's round trip: comments stay, the keys
of the policy and of each rule come in the order of `schemas/policy.schema.json`, indentation
is the shipped files', and CEL whitespace is normalised token by token inside `when` and the
`{{ }}` placeholders of `message` (string literals are never touched; the line breaks a
scalar's value keeps, the folds of a `>` scalar and continuation indentation stay as the
author wrote them).

The formatter is pure text to text (`format_text`); finding, reading and writing files is
the shell at the end of this module.

A formatter must never change what a policy decides, so this one proves it on every file
before anything is written: the output is parsed again and must hold the same data, the same
CEL syntax trees (positions aside) and the same comments; otherwise it refuses.
"""

from __future__ import annotations

import difflib
import io
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lark
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)
from ruamel.yaml.tokens import CommentToken

import phasegate
from phasegate import cel
from phasegate.cel import syntax
from phasegate.core.expressions import PLACEHOLDER, DocumentCompiler
from phasegate.core.policy import builtin_policies_dir, default_policies_dir, policy_files
from phasegate.errors import (
    InputError,
    Location,
    PhasegateError,
    UsageProblem,
    raise_all,
    single_line,
)
from phasegate.files.durable import write_atomic
from phasegate.files.loading import NodePath, parse_yaml, read_text, resolved
from phasegate.files.schemas import load_schema, validate
from phasegate.review import parsercache  # noqa: F401 - the parser kept in the cache


class UnsafeFormat(PhasegateError):
    """The formatted text would not mean what the original meant: a formatter bug (exit 1).

    Raised instead of writing, so a bug costs a refusal, never a changed policy.
    """


# --- CEL whitespace -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int
    role: str


#: Token roles that decide the spacing around a token.
_OPEN, _CLOSE, _COMMA, _DOT, _BINARY, _UNARY, _MAP_COLON, _OPERAND = (
    "open",
    "close",
    "comma",
    "dot",
    "binary",
    "unary",
    "map-colon",
    "operand",
)
_BINARY_TEXTS = frozenset(
    {"||", "&&", "<", "<=", ">", ">=", "==", "!=", "in", "+", "-", "*", "/", "%", "?"}
)
_NUMBERS = frozenset({"INT_LIT", "UINT_LIT", "FLOAT_LIT"})
#: Characters CEL's lexer ignores between tokens (besides `//` comments).
_BLANK = " \t\f\r\n"
#: Stands for a folded line break of a `>` scalar while CEL around it is formatted: in the
#: value it is a space, in the file a line break. YAML text can never hold a NUL.
_FOLD = "\x00"


def _lexer() -> lark.Lark:
    """The lark parser behind `syntax.parse_expression` (one per process, kept in the cache).

    Syntax trees come from `syntax.parse_expression`; only the token stream is read here, and it
    needs lark's interactive parser: a tree drops the punctuation and every offset between
    tokens, and CEL's lexer picks tokens by parser state (`a -1` is a minus and a one, `[-1]`
    a negative literal), so no separate tokenizer could reproduce it.
    """
    return syntax.parser()


def _skip_blank(text: str, position: int) -> int:
    """The end of the whitespace and `//` comments from `position`, as CEL's lexer skips."""
    while position < len(text):
        if text[position] in _BLANK:
            position += 1
        elif text.startswith("//", position):
            newline = text.find("\n", position)
            position = len(text) if newline < 0 else newline
        else:
            break
    return position


def _lexed(text: str) -> list[tuple[str, str]] | None:
    """(kind, text) of every token, as the parser lexes them; None if the text does not parse."""
    try:
        interactive = _lexer().parse_interactive(text)
        tokens = [(token.type, str(token)) for token in interactive.iter_parse()]
        interactive.feed_eof()
    except (lark.exceptions.LarkError, RecursionError):
        return None
    return tokens


def cel_tokens(text: str) -> list[_Token]:
    """The tokens of a CEL text that parses, where they stand in it, and their roles."""
    raw = _lexed(text)
    if raw is None:
        raise UnsafeFormat("cannot follow the CEL lexer")
    tokens: list[_Token] = []
    position = 0
    frames: list[list[int]] = [[0]]  # per bracket level: `?` still waiting for their `:`
    for kind, value in raw:
        start = _skip_blank(text, position)
        if not text.startswith(value, start):
            raise UnsafeFormat(f"cannot follow the CEL lexer at offset {start}")
        role = _role(kind, value, tokens[-1].role if tokens else None, frames)
        tokens.append(_Token(kind, value, start, start + len(value), role))
        position = start + len(value)
    if _skip_blank(text, position) != len(text):
        raise UnsafeFormat("cannot follow the CEL lexer to the end of the expression")
    return tokens


def _role(kind: str, value: str, previous: str | None, frames: list[list[int]]) -> str:
    if kind in ("LPAR", "LSQB", "LBRACE"):
        frames.append([0])
        return _OPEN
    if kind in ("RPAR", "RSQB", "RBRACE"):
        if len(frames) > 1:
            frames.pop()
        return _CLOSE
    if kind == "COMMA":
        return _COMMA
    if kind == "DOT":
        return _DOT
    if kind == "COLON":
        if frames[-1][0] > 0:
            frames[-1][0] -= 1
            return _BINARY
        return _MAP_COLON
    if kind == "BANG":
        return _UNARY
    if kind == "MINUS":
        operand_before = previous in (_OPERAND, _CLOSE)
        return _BINARY if operand_before else _UNARY
    if kind == "QMARK":
        frames[-1][0] += 1
        return _BINARY
    if value in _BINARY_TEXTS and kind not in ("IDENT", "STRING_LIT", "MLSTRING_LIT"):
        return _BINARY
    return _OPERAND


def _same_line_gap(before: _Token, after: _Token, gap: str, keep_apart: bool) -> str:
    """The canonical spacing between two tokens on one line.

    `keep_apart` never joins tokens the author separated: the fallback when joining would
    make the lexer read them differently (a check below finds out).
    """
    wanted = _spacing(before, after, bool(gap))
    if keep_apart and gap and not wanted:
        return " "
    return wanted


def _spacing(a: _Token, b: _Token, spaced: bool) -> str:
    if b.role == _COMMA:
        return ""
    if a.role == _COMMA:
        return " "
    if a.role == _OPEN or b.role == _CLOSE:
        return ""
    if a.role == _UNARY:
        # `- 1` is a negation, `-1` a literal: a different tree, so keep what was written.
        return " " if spaced and b.kind in _NUMBERS else ""
    if a.role == _DOT:
        return ""
    if b.role in (_DOT, _OPEN) and a.role in (_OPERAND, _CLOSE):
        # `1 .5`-like joins would lex as another number: keep a number apart from a dot.
        return " " if spaced and a.kind in _NUMBERS and b.role == _DOT else ""
    if a.role == _BINARY or b.role == _BINARY:
        return " "
    if b.role == _MAP_COLON:
        return ""
    if a.role == _MAP_COLON:
        return " "
    return " " if spaced else ""


def _multi_line_gap(gap: str, first: bool, last: bool) -> str:
    """A gap with line breaks or comments: trailing whitespace goes, one space before a
    comment that follows a token, and every line keeps its indentation and comment.

    A `//` comment runs to the next line break of the value, so across the folds of a `>`
    scalar (spaces in the value): its text is kept whole, folds included.
    """
    lines: list[tuple[str, str]] = []  # (the whitespace of a line of the file, its comment)
    breaks: list[str] = []
    for number, segment in enumerate(gap.split("\n")):
        if number:
            breaks.append("\n")
        comment_at = segment.find("//")
        blank, comment = (
            (segment, "")
            if comment_at < 0
            else (segment[:comment_at], segment[comment_at:].rstrip(_BLANK))
        )
        parts = blank.split(_FOLD)
        for index, part in enumerate(parts):
            if index:
                breaks.append(_FOLD)
            lines.append((part, comment if index == len(parts) - 1 else ""))
    out: list[str] = []
    for index, (indent, comment) in enumerate(lines):
        if index == 0:
            piece = ("" if first else " ") + comment if comment else ""
        elif index == len(lines) - 1 and not last:
            piece = indent  # the continuation indentation of the next token's line
        else:
            piece = indent + comment if comment else ""
        out.append(piece)
        if index < len(breaks):
            out.append(breaks[index])
    return "".join(out)


def format_cel(text: str, *, padded: bool = False, folds: Iterable[int] = ()) -> str:
    """CEL text with canonical whitespace between tokens; raises cel.CelError.

    `padded` puts one space inside `{{ }}` placeholders. `folds` are offsets of spaces that
    are line breaks in the file (a `>` scalar); they come back as `_FOLD` characters so the
    caller can fold the value at the same places.
    """
    try:
        syntax.parse_expression(text)
    except cel.CelError as exc:
        raise exc.inside(text) from None
    tokens = cel_tokens(text)
    wanted = [(token.kind, token.text) for token in tokens]
    fold_set = frozenset(folds)
    result = _format_tokens(text, tokens, padded, fold_set, keep_apart=False)
    unfolded = result.replace(_FOLD, " ")
    if unfolded != text and _lexed(unfolded) != wanted:  # the same text lexes the same
        result = _format_tokens(text, tokens, padded, fold_set, keep_apart=True)
        if _lexed(result.replace(_FOLD, " ")) != wanted:
            raise UnsafeFormat("normalising CEL whitespace would change its tokens")
    return result


def _format_tokens(
    text: str, tokens: list[_Token], padded: bool, folds: frozenset[int], keep_apart: bool
) -> str:
    def gap(start: int, end: int) -> str:
        return "".join(_FOLD if i in folds else text[i] for i in range(start, end))

    out: list[str] = []
    edges = [None, *tokens, None]
    for before, after in itertools.pairwise(edges):
        start = before.end if before is not None else 0
        end = after.start if after is not None else len(text)
        between = gap(start, end)
        if "\n" in between or _FOLD in between or "//" in between:
            out.append(_multi_line_gap(between, before is None, after is None))
        elif before is None or after is None:
            out.append(" " if padded else "")
        else:
            out.append(_same_line_gap(before, after, between, keep_apart))
        if after is not None:
            out.append(gap(after.start, after.end))  # a token as written, its folds kept
    return "".join(out)


def format_template(text: str, folds: Iterable[int] = ()) -> str:
    """A message with its `{{ CEL }}` placeholders formatted and the text around them as it
    was (folds as `_FOLD`); raises cel.CelError located within the whole message."""
    fold_list = sorted(folds)
    out: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(text):
        start, end = match.span(1)
        out.append(_with_folds(text, position, start, fold_list))
        inner = [offset - start for offset in fold_list if start <= offset < end]
        try:
            out.append(format_cel(match.group(1), padded=True, folds=inner))
        except cel.CelError as exc:
            raise exc.inside(exc.text, start) from None
        position = end
    out.append(_with_folds(text, position, len(text), fold_list))
    return "".join(out)


def _with_folds(text: str, start: int, end: int, folds: Sequence[int]) -> str:
    chars = list(text[start:end])
    for offset in folds:
        if start <= offset < end:
            chars[offset - start] = _FOLD
    return "".join(chars)


# --- the YAML document --------------------------------------------------------------------


def policy_key_order() -> tuple[str, ...]:
    """Top-level keys in the order the schema declares them, so the two cannot drift."""
    return tuple(load_schema("policy")["properties"])


def rule_key_order() -> tuple[str, ...]:
    return tuple(load_schema("policy")["$defs"]["rule"]["properties"])


def _rank(order: Sequence[str]) -> Any:
    """Sort key: known keys in `order`, anything else after them as written (never dropped)."""
    return lambda key: order.index(key) if key in order else len(order)


@dataclass(frozen=True)
class _Holder:
    """Where the comment lines after a key's value live in ruamel's model: a slot of
    `container.ca.items[key]`, deep inside the value when it is a block collection."""

    container: CommentedBase
    key: Any
    slot: int
    #: After a `|`/`>` scalar, whose own line break ends the value: no end-of-line comment.
    block: bool

    def _token(self) -> CommentToken | None:
        entry = self.container.ca.items.get(self.key)
        token = entry[self.slot] if entry is not None and len(entry) > self.slot else None
        if token is not None and not isinstance(token, CommentToken):
            raise UnsafeFormat("a comment is attached where fmt cannot move it")
        return token

    def get(self) -> str | None:
        """The comment text, a full-line comment's first line indented as in the file."""
        token = self._token()
        if token is None:
            return None
        if self.block and token.value.startswith("#"):
            return " " * token.column + token.value
        return token.value

    def set(self, text: str) -> None:
        old = self._token()
        entry = self.container.ca.items.get(self.key)
        if text == ("" if self.block else "\n"):
            if old is not None:
                entry[self.slot] = None
            return
        if self.block:
            stripped = text.lstrip(" ")
            column = len(text) - len(stripped) if stripped.startswith("#") else 0
            text = stripped if stripped.startswith("#") else text
        else:
            column = old.column if old is not None and text.startswith("#") else 0
        if entry is None:
            entry = self.container.ca.items[self.key] = [None, None, None, None]
        entry[self.slot] = CommentToken(text, CommentMark(column), None)
        value = self.container[self.key]
        if isinstance(value, CommentedBase) and value.ca.comment and value.ca.comment[0] is old:
            value.ca.comment[0] = entry[self.slot]  # a flow collection shares the token


def _holder(container: CommentedBase, key: Any) -> _Holder:
    value = container[key]
    if isinstance(value, CommentedMap | CommentedSeq) and value and not value.fa.flow_style():
        return _holder(
            value, list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1
        )
    slot = 2 if isinstance(container, CommentedMap) else 0
    return _Holder(
        container, key, slot, isinstance(value, LiteralScalarString | FoldedScalarString)
    )


def _split_comment(text: str | None, block: bool) -> tuple[str, str]:
    """(the end of the value's line, the comment lines after it, which sit above the next key)."""
    if text is None:
        return ("" if block else "\n"), ""
    if block:
        return "", text
    if text.startswith("#"):
        end = text.find("\n") + 1 or len(text)
        return text[:end], text[end:]
    if text.startswith("\n"):
        return "\n", text[1:]
    raise UnsafeFormat("a comment is attached where fmt cannot move it")


def _take_end_comments(value: Any) -> str:
    """Remove and return the comment lines ruamel stored at the end of a block collection
    (and of its last block collections): they stand after the value, above the next key."""
    nested = []
    while isinstance(value, CommentedMap | CommentedSeq) and value and not value.fa.flow_style():
        nested.append(value)
        value = value[list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1]
    text = ""
    for collection in reversed(nested):
        tokens = collection.ca.end or []
        if not all(isinstance(token, CommentToken) for token in tokens):
            raise UnsafeFormat("a comment is attached where fmt cannot move it")
        text += "".join(_full_line(token) for token in tokens)
        collection.ca.end = []
    return text


def _full_line(token: CommentToken) -> str:
    """A comment token as the lines it stands for, a full-line comment indented as written."""
    return " " * token.column + token.value if token.value.startswith("#") else token.value


def _take_comments_before(mapping: CommentedMap, key: str) -> str:
    """Remove and return the comment lines ruamel stored as standing before `key` (it does
    so after a flow collection), first lines indented as in the file."""
    entry = mapping.ca.items.get(key)
    tokens = entry[1] if entry is not None and len(entry) > 1 else None
    if not tokens:
        return ""
    if not isinstance(tokens, list) or not all(isinstance(t, CommentToken) for t in tokens):
        raise UnsafeFormat("a comment is attached where fmt cannot move it")
    entry[1] = None
    return "".join(_full_line(token) for token in tokens)


def reorder_keys(mapping: CommentedMap, order: Sequence[str], *, document: bool = False) -> None:
    """Put the keys of `mapping` in canonical order; comment lines move with the key below.

    ruamel keeps the comment lines above a key as the trailing comment of the value before it;
    moved naively, a rule's comment would end up under another key.
    """
    keys = list(mapping)
    wanted = sorted(keys, key=_rank(order))
    if keys == wanted:
        return
    holders = {key: _holder(mapping, key) for key in keys}
    parts = {}
    for key in keys:
        eol, following = _split_comment(holders[key].get(), holders[key].block)
        parts[key] = (eol, following + _take_end_comments(mapping[key]))
    above = {
        key: parts[previous][1] + _take_comments_before(mapping, key)
        for previous, key in itertools.pairwise(keys)
    }
    above[keys[0]] = ""  # what stands above the mapping stays there
    tail = parts[keys[-1]][1]  # after the last key: belongs to what follows the mapping
    for key in wanted:
        mapping.move_to_end(key)
    for index, key in enumerate(wanted):
        following = above[wanted[index + 1]] if index + 1 < len(wanted) else tail
        if index == 0 and document and above[key]:
            # Lines written above a key that now comes first: at the top of a document they
            # join the comments above it; in a rule they stay just below it (above the
            # first key of a sequence item there is no line of its own to hold them).
            if not mapping.ca.comment:
                mapping.ca.comment = [None, []]
            if mapping.ca.comment[1] is None:
                mapping.ca.comment[1] = []
            mapping.ca.comment[1].append(CommentToken(above[key], CommentMark(0), None))
        elif index == 0:
            following = above[key] + following
        holders[key] = _holder(mapping, key)
        holders[key].set(parts[key][0] + following)


# --- one file -----------------------------------------------------------------------------


def _yaml() -> YAML:
    """ruamel configured for the shipped layout: two-space mappings, sequences indented
    under their key (`  - id:`), quotes and flow style as written, no line wrapping."""
    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = False
    yaml.width = 1 << 20
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def format_text(text: str, source: str, notes: list[str] | None = None) -> str:
    """The canonical text of a policy file, or InputError(s) located in it (nothing else is
    checked: fmt formats files that `lint` may still find wrong). `notes` gets one located
    line for each expression kept as written (see `_format_text`)."""
    try:
        return _format_text(text, source, [] if notes is None else notes)
    except RecursionError:  # CEL depth is checked where it is located; this is a last guard
        raise InputError("nested too deeply", Location(source)) from None
    except UnsafeFormat as exc:
        raise UnsafeFormat(
            f"not formatted, nothing written: {exc.message} (a phasegate bug: please report it)",
            exc.location or Location(source),
        ) from None


def _format_text(text: str, source: str, notes: list[str]) -> str:
    document = parse_yaml(text, source)
    validate(document, "policy")
    root = _yaml().load(io.StringIO(text))
    compiler = DocumentCompiler(document, cel.VARIABLES)
    errors: list[InputError] = []
    for index, rule in enumerate(root["rules"]):
        for key, formatter in (("when", format_cel), ("message", format_template)):
            if key not in rule:
                continue
            path: NodePath = ("rules", index, key)
            try:
                value = _formatted_scalar(rule[key], formatter)
            except cel.CelError as exc:
                where = compiler.locate(path, exc.offset, exc.text, exc.line or 1, exc.col or 1)
                if cel.parses(exc.text):
                    # CEL the engine reads and cel-python's parser, which fmt formats with,
                    # does not (`?.`, backtick names, a trailing comma): kept byte for byte.
                    notes.append(
                        f"{where}: note: rule {rule['id']}: {key}: kept as written: fmt cannot"
                        f" read this CEL syntax ({exc.message})"
                    )
                    continue
                message = f"rule {rule['id']}: {key}: {exc.message}"
                errors.append(InputError(message, where, exc.code))
                continue
            if value is not rule[key]:
                rule[key] = value
    raise_all(errors)
    reorder_keys(root, policy_key_order(), document=True)
    for rule in root["rules"]:
        reorder_keys(rule, rule_key_order())
    stream = io.StringIO()
    _yaml().dump(root, stream)
    result = indent_comments(stream.getvalue())
    prove_same_meaning(text, result, source)
    return result


def _formatted_scalar(value: str, formatter: Any) -> str:
    """The scalar with its CEL formatted, in the same YAML style (and folds) as before."""
    text = str(value)
    folds = _folds(value) if isinstance(value, FoldedScalarString) else []
    new = formatter(text, folds=folds)
    plain = new.replace(_FOLD, " ")
    new_folds = [
        index for index, char in enumerate(new) if char == _FOLD and _foldable(plain, index)
    ]
    if plain == text and new_folds == folds:
        return value
    if isinstance(value, FoldedScalarString):
        rebuilt: str = FoldedScalarString(plain)
        rebuilt.fold_pos = new_folds  # type: ignore[attr-defined]
    elif isinstance(
        value, LiteralScalarString | DoubleQuotedScalarString | SingleQuotedScalarString
    ):
        rebuilt = type(value)(plain)
    else:
        rebuilt = plain
    comment = getattr(value, "comment", None)
    if comment is not None:
        rebuilt.comment = comment  # type: ignore[attr-defined]
    return rebuilt


def _folds(value: FoldedScalarString) -> list[int]:
    """The offsets of the spaces of a `>` scalar's value that are line breaks in the file.

    ruamel reports a position for every line break inside the scalar, also for the ones the
    value keeps (before a more-indented or an empty line): there the value holds a line
    break, which stays one (and text as written), so only the positions of spaces count.
    """
    text = str(value)
    positions = getattr(value, "fold_pos", None) or ()
    return [index for index in positions if index < len(text) and text[index] == " "]


def _foldable(text: str, index: int) -> bool:
    """Whether ruamel writes a fold at this space: only between two other characters (it
    writes the rest as spaces, the value unchanged, so a second run finds nothing to do)."""
    return 0 < index < len(text) - 1 and not (
        text[index - 1].isspace() or text[index + 1].isspace()
    )


def indent_comments(text: str) -> str:
    """Indent every full-line comment like the line it stands above (the last ones of a file
    at column 0): ruamel re-indents keys but leaves comments where they were typed."""
    lines = text.split("\n")
    inside = _scalar_lines(text)
    comments = {
        index
        for index, line in enumerate(lines)
        if index not in inside and line.lstrip(" ").startswith("#")
    }
    indent = 0
    for index in reversed(range(len(lines))):
        line = lines[index]
        if index in comments:
            lines[index] = " " * indent + line.lstrip(" ")
        elif line.strip():
            indent = len(line) - len(line.lstrip(" "))
    return "\n".join(lines)


def _scalar_lines(text: str) -> set[int]:
    """0-based lines that are the inside of multi-line scalars: there a `#` is content."""
    lines: set[int] = set()
    for token in _yaml().scan(io.StringIO(text)):
        if not hasattr(token, "style") or not hasattr(token, "value"):
            continue
        start, end = token.start_mark, token.end_mark
        lines.update(range(start.line + 1, end.line))
        if end.line > start.line and end.column > 0:
            lines.add(end.line)
    return lines


# --- the proof ----------------------------------------------------------------------------


def prove_same_meaning(before: str, after: str, source: str) -> None:
    """Refuse unless `after` holds the same data as `before` (CEL compared as syntax trees,
    positions aside) and the same comments. The same text means the same: a file already
    in canonical layout (what `fmt --check` mostly reads) needs no proof."""
    if after == before:
        return
    try:
        old, new = parse_yaml(before, source).data, parse_yaml(after, source).data
    except InputError as exc:
        raise UnsafeFormat(f"the formatted text does not parse: {exc.message}") from None
    if _meaning(old) != _meaning(new):
        raise UnsafeFormat("formatting would change the policy's data or CEL syntax trees")
    if _comments(before) != _comments(after):
        raise UnsafeFormat("formatting would lose or change a comment")


def _meaning(data: Any) -> Any:
    """The data with `when` and message placeholders as syntax trees: what a policy means."""
    rules = []
    for rule in data.get("rules", []):
        meaning = dict(rule)
        if isinstance(rule.get("when"), str):
            meaning["when"] = syntax_tree(rule["when"])
        if isinstance(rule.get("message"), str):
            text = rule["message"]
            parts: list[Any] = []
            position = 0
            for match in PLACEHOLDER.finditer(text):
                parts.extend((text[position : match.start()], syntax_tree(match.group(1))))
                position = match.end()
            parts.append(text[position:])
            meaning["message"] = parts
        rules.append(meaning)
    return {**data, "rules": rules}


def syntax_tree(text: str) -> Any:
    """The syntax tree as a flat tuple, positions aside (`syntax.tree_shape`); text that does
    not parse compares as itself."""
    try:
        return syntax.tree_shape(syntax.parse_expression(text))
    except cel.CelError:
        return ("unparsed", text)


def _comments(text: str) -> list[str]:
    """Every YAML comment of a text, as ruamel's scanner finds them, in order."""
    found: list[str] = []
    seen: set[int] = set()

    def collect(item: Any) -> None:
        if isinstance(item, CommentToken):
            if id(item) not in seen:
                seen.add(id(item))
                found.extend(
                    line.strip() for line in item.value.split("\n") if line.strip().startswith("#")
                )
        elif isinstance(item, list | tuple):
            for part in item:
                collect(part)

    def walk(node: Any) -> None:
        if isinstance(node, CommentedBase):
            collect(node.ca.comment)
            for entry in node.ca.items.values():
                collect(entry)
            collect(getattr(node.ca, "end", None))
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        )
        for child in children:
            collect(getattr(child, "comment", None))
            walk(child)

    walk(_yaml().load(io.StringIO(text)))
    return sorted(found)


# --- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class Formatted:
    """One policy file: as read and as it should be."""

    path: Path
    before: str
    after: str
    #: One located line per expression kept as written.
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.before != self.after


def unified_diff(result: Formatted) -> str:
    """A `git diff`-style patch from the file to its canonical form. The header names the
    file on one line: a newline in a file name must not start a line of its own."""
    shown = single_line(result.path)
    lines = difflib.unified_diff(
        _diff_lines(result.before),
        _diff_lines(result.after),
        fromfile=f"a/{shown}",
        tofile=f"b/{shown}",
    )
    return "".join(lines)


def _diff_lines(text: str) -> list[str]:
    """Lines split at line feeds only (as YAML reads them), git's marker for a missing one."""
    if not text:
        return []
    lines = [line + "\n" for line in text.split("\n")]
    if text.endswith("\n"):
        lines.pop()
    else:
        lines[-1] = lines[-1][:-1] + "\n\\ No newline at end of file\n"
    return lines


# --- the shell: finding, reading and writing files ---------------------------------------


def target_files(paths: Sequence[Path], package_dir: Path | None = None) -> list[Path]:
    """The policy files to format: files as given, folders' top-level *.yaml/*.yml (as a
    policy set reads them), by default the policies folder phasegate would use.

    The set installed with phasegate is refused (exit 2): formatting is for a repository's
    own files, and an installed copy changed in place would no longer match its release.
    """
    if not paths:
        folder = default_policies_dir()
        if folder == builtin_policies_dir():
            raise UsageProblem(
                "no ./policies folder here: name the policy files or folders to format "
                "(the policy set shipped with phasegate is not formatted)"
            )
        paths = [folder]
    installed = (package_dir or Path(phasegate.__file__).parent).resolve()
    files: list[Path] = []
    for path in paths:
        for file in policy_files(path) if path.is_dir() else [path]:
            if resolved(file).is_relative_to(installed):
                raise UsageProblem(
                    "part of the policy set installed with phasegate; fmt formats a "
                    "repository's own policy files",
                    Location(str(file)),
                )
            if file not in files:
                files.append(file)
    return files


def format_files(paths: Iterable[Path]) -> list[Formatted]:
    """Read and format every file, or raise every input problem of all of them: nothing is
    written by the caller unless every file could be formatted."""
    results: list[Formatted] = []
    errors: list[InputError] = []
    for path in paths:
        try:
            text = read_text(path)
            notes: list[str] = []
            after = format_text(text, str(path), notes)
            results.append(Formatted(path, text, after, tuple(notes)))
        except InputError as error:
            errors.extend(getattr(error, "errors", [error]))
    raise_all(errors)
    return results


def write_formatted(result: Formatted) -> None:
    """Replace a policy file as an editor would: atomically, through a symlink to its target
    (the link stays a link), keeping the file's permission bits."""
    write_atomic(result.path, result.after, in_place=True)
