"""CEL tokens, and what an expression reads, without a parser.

`evaluate`, `replay`, `collect` and `run` need only a little static knowledge of a rule: which
fact paths it reads (to name a missing fact and refuse an unknown one at load), which string
literals it hands to a regex function (to check them with RE2 at load), how deeply its
comprehensions nest (the cost budget), and whether it divides. Building a parser for that
costs more than everything else those commands do, and cel-expr-python exposes no syntax
tree; CEL's lexical grammar is small and fixed by the spec, so a scan of its tokens answers
all four. The reviewer tools that need the real tree use `phasegate.cel.syntax`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

#: CEL's tokens (cel-spec langdef.md, "Syntax"), longest alternatives first.
_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\n\f]+)
  | (?P<comment>//[^\n]*)
  | (?P<string>(?:[rR][bB]?|[bB][rR]?)?(?:\"\"\"(?:\\.|[^\\])*?\"\"\"|'''(?:\\.|[^\\])*?'''
              |"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))
  | (?P<number>0[xX][0-9a-fA-F]+[uU]?|(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?[uU]?)
  | (?P<ident>[_a-zA-Z][_a-zA-Z0-9]*)
  | (?P<punct>&&|\|\||==|!=|<=|>=|[-+*/%!<>?:.,()\[\]{}])
    """,
    re.VERBOSE | re.DOTALL,
)

#: Macros that bind a variable over a list or map (`x.all(i, ...)`).
COMPREHENSIONS = frozenset({"all", "exists", "exists_one", "map", "filter"})
#: Functions whose (first) string argument is a regular expression.
REGEX_FUNCTIONS = frozenset({"matches", "capture"})


class Token(NamedTuple):
    kind: str
    text: str
    line: int
    col: int


class FactRead(NamedTuple):
    """A path an expression reads from a variable, e.g. ("facts", "metrics", "error_rate").

    `guarded` is true directly inside `has()`, where absence is a result, not an error.
    """

    path: tuple[str, ...]
    line: int
    col: int
    guarded: bool = False

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


class Scan(NamedTuple):
    """What the tokens of one expression tell: reads, regex literals, nesting, division."""

    reads: tuple[FactRead, ...]
    #: (pattern, line, col) of each string literal given to `matches` or `capture`.
    patterns: tuple[tuple[str, int, int], ...]
    #: The most comprehensions open at once (`a.all(x, b.exists(y, ...))` is 2).
    comprehension_depth: int
    divides: bool
    #: Every chain of nested comprehensions, outermost first, each by what it ranges over:
    #: the variable path when that is a plain read (`params.kinds`), else None.
    nestings: tuple[tuple[tuple[str, ...] | None, ...], ...] = ()
    #: How many `!`, `-`, `&&` and `||` tokens: each can nest the syntax tree one level.
    chaining: int = 0


class LexError(ValueError):
    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.line, self.col = line, col


@lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[Token, ...]:
    """The significant tokens of `text` with their 1-based line:col; raises LexError.

    Cached: loading one rule scans its text several times (reads, the program rewrite, the
    trailing-comma check), and a policy set is loaded once per process.
    """
    found: list[Token] = []
    position, line, line_start = 0, 1, 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise LexError(
                f"unexpected character {text[position]!r}", line, position - line_start + 1
            )
        kind = match.lastgroup or ""
        if kind not in ("space", "comment"):
            found.append(Token(kind, match.group(), line, position - line_start + 1))
        newlines = match.group().count("\n")
        if newlines:
            line += newlines
            line_start = match.start() + match.group().rindex("\n") + 1
        position = match.end()
    return tuple(found)


#: Escapes a string literal may use and still be read here; any other makes it unknown.
_ESCAPES = {"\\\\": "\\", "\\'": "'", '\\"': '"', "\\n": "\n", "\\t": "\t", "\\r": "\r"}


def string_value(token: Token) -> str | None:
    """The value of a string literal (not bytes), or None where an escape is not one of the
    plain ones above: such a literal is left to the engine at run time."""
    text = token.text
    if token.kind != "string" or text[:1] in "bB" or text[1:2] in "bB":
        return None
    raw = text[:1] in "rR"
    body = text[1:] if raw else text
    quote = 3 if body[:3] in ('"""', "'''") else 1
    body = body[quote:-quote]
    if raw or "\\" not in body:
        return body
    parts = re.split(r"(\\.)", body, flags=re.DOTALL)
    if any(part.startswith("\\") and part not in _ESCAPES for part in parts):
        return None
    return "".join(_ESCAPES.get(part, part) for part in parts)


def scan(text: str, variables: tuple[str, ...]) -> Scan:
    """Reads of `variables`, regex literals, comprehension depth and division in `text`.

    A comprehension's own variable shadows a variable of the same name inside its call.
    """
    toks = tokens(text)
    reads: list[FactRead] = []
    patterns: list[tuple[str, int, int]] = []
    #: One frame per open bracket: (closing text, names bound there, is a comprehension).
    frames: list[tuple[str, frozenset[str], bool]] = []
    depth = deepest = 0
    #: The ranges of the comprehensions open now, and where the last read ended.
    ranges: list[tuple[str, ...] | None] = []
    nestings: list[tuple[tuple[str, ...] | None, ...]] = []
    last_read: tuple[tuple[str, ...], int] | None = None
    i = 0
    while i < len(toks):
        tok = toks[i]
        before = toks[i - 1].text if i > 0 else ""
        if tok.text in ("(", "[", "{"):
            method = toks[i - 1].text if i > 0 and toks[i - 1].kind == "ident" else ""
            member = i > 1 and toks[i - 2].text == "."
            comprehension = tok.text == "(" and member and method in COMPREHENSIONS
            bound: frozenset[str] = frozenset()
            if comprehension and i + 2 < len(toks) and toks[i + 1].kind == "ident":
                bound = frozenset({toks[i + 1].text})
            if method in REGEX_FUNCTIONS and member and i + 2 < len(toks):
                literal = string_value(toks[i + 1])
                if literal is not None and toks[i + 2].text in (")", ","):
                    patterns.append((literal, toks[i + 1].line, toks[i + 1].col))
            frames.append(({"(": ")", "[": "]", "{": "}"}[tok.text], bound, comprehension))
            depth += comprehension
            deepest = max(deepest, depth)
            if comprehension:
                receiver = last_read[0] if last_read and last_read[1] == i - 2 else None
                ranges.append(receiver)
                nestings.append(tuple(ranges))
        elif tok.text in (")", "]", "}"):
            if frames:
                closed = frames.pop()[2]
                depth -= closed
                if closed and ranges:
                    ranges.pop()
        elif tok.kind == "ident" and tok.text in variables and before != ".":
            shadowed = any(tok.text in frame[1] for frame in frames)
            binder = i + 1 < len(toks) and toks[i + 1].text == "," and before == "("
            if not shadowed and not binder:
                path, i = _path(toks, i)
                guarded = _inside_has(toks, i)
                reads.append(FactRead(path, tok.line, tok.col, guarded))
                last_read = (path, i)
                continue
        i += 1
    divides = any(tok.text == "/" for tok in toks)
    chaining = sum(1 for tok in toks if tok.text in _CHAINING)
    return Scan(tuple(reads), tuple(patterns), deepest, divides, tuple(nestings), chaining)


#: Operators the engine accepts in chains of any length (it balances `&&` and `||`, and
#: unary operators do not count toward its nesting limit).
_CHAINING = frozenset({"!", "-", "&&", "||"})


def _path(toks: tuple[Token, ...], start: int) -> tuple[tuple[str, ...], int]:
    """The literal path starting at the variable `toks[start]`, and the index after it."""
    path = [toks[start].text]
    i = start + 1
    while i + 1 < len(toks):
        if toks[i].text == "." and toks[i + 1].kind == "ident":
            if i + 2 < len(toks) and toks[i + 2].text == "(":
                break  # a method call: `facts.x.trim()` reads facts.x
            path.append(toks[i + 1].text)
            i += 2
        elif toks[i].text == "[" and i + 2 < len(toks) and toks[i + 2].text == "]":
            key = string_value(toks[i + 1])
            if key is None:
                break
            path.append(key)
            i += 3
        else:
            break
    return tuple(path), i


def _inside_has(toks: tuple[Token, ...], end: int) -> bool:
    """Whether the path that ends before `toks[end]` is the whole argument of `has(...)`."""
    if end >= len(toks) or toks[end].text != ")":
        return False
    depth = 0
    for j in range(end - 1, -1, -1):
        text = toks[j].text
        if text in (")", "]", "}"):
            depth += 1
        elif text in ("(", "[", "{"):
            if depth == 0:
                return text == "(" and j > 0 and toks[j - 1].text == "has"
            depth -= 1
    return False
