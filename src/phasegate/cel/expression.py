"""Compiling one CEL text: the engine parses and type-checks it; the token scan adds what
phasegate checks at load on top (regex literals on RE2, the comprehension budget)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from phasegate.cel import environment, lexer
from phasegate.cel.functions import FINITE, ORDERED, compile_regex
from phasegate.cel.lexer import FactRead, Scan

#: Variables of a rule's `when` and `message`.
VARIABLES = tuple(environment.RULE_VARIABLES)
#: Comprehensions may nest this deep (`a.all(x, b.exists(y, ...))` is 2): each level
#: multiplies the work by the length of a list, and facts lists may be long.
MAX_COMPREHENSION_DEPTH = 2
#: At most this many `!`, `-`, `&&` and `||` in one expression. The engine itself takes
#: chains of any length, but cel-python's parser, which lint, fmt, explain and coverage read
#: the tree with, nests one level per operator and refuses past about 2,000 levels: one
#: limit here keeps every expression that loads parseable by the reviewer tools (so `fmt`
#: never refuses a file that loads). Real conditions use a handful.
MAX_CHAINED_OPERATORS = 1000

#: One problem in the engine's report: `ERROR: <input>:LINE:COL: MESSAGE`.
_ENGINE_ERROR = re.compile(r"ERROR: <input>:(-?\d+):(-?\d+): ([^\n]*)")


class CelSyntaxError(Exception):
    """An expression that does not compile; line and col are within the expression text.

    `problems` holds every problem the engine found (the first is this one's own), each as
    (message, line, col, code), so a policy author sees them all at once.
    """

    def __init__(
        self,
        message: str,
        line: int,
        col: int,
        code: str = "cel-syntax",
        problems: tuple[tuple[str, int, int, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.message, self.line, self.col, self.code = message, line, col, code
        self.problems = problems or ((message, line, col, code),)


@dataclass(frozen=True)
class Expression:
    """A checked CEL expression, ready to evaluate, with what its tokens tell."""

    text: str
    program: Any = field(repr=False, compare=False)
    variables: tuple[str, ...]
    scan: Scan
    env: Any = field(repr=False, compare=False, default=None)

    @property
    def reads(self) -> tuple[FactRead, ...]:
        return self.scan.reads

    def params_read(self) -> tuple[FactRead, ...]:
        return tuple(read for read in self.reads if read.path[0] == "params")

    @property
    def structure(self) -> tuple[tuple[str, ...], ...]:
        """The syntax tree without positions: equal exactly when two expressions differ only
        in layout (reviewer tools only: it loads the syntax-tree parser)."""
        from phasegate.cel import syntax

        return syntax.tree_shape(syntax.parse_expression(self.text))


def compile_expression(
    text: str,
    variables: tuple[str, ...] = VARIABLES,
    declared: tuple[tuple[str, str], ...] | None = None,
) -> Expression:
    """Parse, type-check and scan `text`; raise CelSyntaxError with every problem found.

    `declared` gives each variable's type name (see `environment.TYPES`); by default the
    rule variables have their own types and any other is dyn.
    """
    env = environment.environment(declared or environment.declarations(tuple(variables)))
    try:
        program = env.compile(text)
    except RuntimeError as exc:
        raise _syntax_error(str(exc), text, variables) from None
    try:
        scan = lexer.scan(text, tuple(variables))
    except lexer.LexError as exc:  # the engine accepted it: a gap in the scanner
        raise CelSyntaxError(str(exc), exc.line, exc.col) from None
    problems = []
    for pattern, line, col in scan.patterns:
        try:
            compile_regex(pattern)
        except ValueError as exc:
            problems.append((str(exc), line, col, "bad-regex"))
    if scan.comprehension_depth > MAX_COMPREHENSION_DEPTH:
        problems.append(
            (
                f"comprehensions nested {scan.comprehension_depth} deep; at most "
                f"{MAX_COMPREHENSION_DEPTH} (each level multiplies the work by a list's length)",
                1,
                1,
                "too-costly",
            )
        )
    if scan.chaining > MAX_CHAINED_OPERATORS:
        problems.append(
            (
                f"expression nested too deeply: {scan.chaining} of the operators !, -, && and"
                f" ||; at most {MAX_CHAINED_OPERATORS}",
                1,
                1,
                "too-deep",
            )
        )
    problems += _trailing_commas(text)
    if problems:
        raise CelSyntaxError(*problems[0], problems=tuple(problems))
    rewritten = _program_text(text)
    if rewritten is not None:  # checked as written above; run as _program_text says
        try:
            program = env.compile(rewritten)
        except RuntimeError as exc:
            why = _without_status(str(exc))
            raise CelSyntaxError(f"cannot compile the checked program: {why}", 1, 1) from None
    return Expression(text=text, program=program, variables=tuple(variables), scan=scan, env=env)


def _trailing_commas(text: str) -> list[tuple[str, int, int, str]]:
    """A comma right before the `]` or `}` that closes a literal (`[a, b,]`): CEL's grammar
    takes it, but the syntax-tree parser behind fmt, lint's guards and explain does not, so
    a policy holding one would load and then fail in every reviewer tool. Refused here, at
    its line:col, so both readers accept exactly the same texts."""
    toks = lexer.tokens(text)
    return [
        (
            "syntax error: a comma before the closing bracket (remove it)",
            tok.line,
            tok.col,
            "cel-syntax",
        )
        for tok, after in itertools.pairwise(toks)
        if tok.text == "," and after.text in ("]", "}")
    ]


def _program_text(text: str) -> str | None:
    """The text the engine runs, where it must differ from what the author wrote; None when
    it need not. The author's text is what is checked, digested and located; two wrappers
    make the program fail closed and deterministic where the spec would not:

    - each `double(x)` runs as `phasegate_finite(double(x))`. The spec's `double("NaN")` is
      NaN (and "inf" infinite), and a NaN makes every comparison false: `double(rate) >
      0.05` would pass over a tool's "NaN" and the gate would continue. The engine's
      `double()` cannot be replaced, so its result is checked: not finite is an error.
    - the receiver of each `map`/`filter` runs as `phasegate_ordered(x)`: over a map the
      engine iterates in hash order, which differs between processes, so a message listing
      `facts.checks.filter(...)` would change bytes from one run to the next. A map gives
      its keys sorted; a list is as it is. A list literal is left alone.
    """
    toks = lexer.tokens(text)
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)

    def offset(tok: lexer.Token) -> int:
        return starts[tok.line - 1] + tok.col - 1

    inserts: list[tuple[int, str]] = []
    for i, tok in enumerate(toks[:-1]):
        if tok.kind != "ident" or toks[i + 1].text != "(":
            continue
        member = i > 0 and toks[i - 1].text == "."
        if tok.text == "double" and not member:
            end = _closing(toks, i + 1)
            if end is None:
                return None  # unbalanced: the engine refused it already
            inserts += [(offset(tok), FINITE + "("), (offset(toks[end]) + 1, ")")]
        elif tok.text in _ORDERED and member and i >= 2:
            start = _receiver_start(toks, i - 2)
            if start is None:
                return None
            if toks[start].text != "[":
                last = toks[i - 2]
                inserts += [
                    (offset(toks[start]), ORDERED + "("),
                    (offset(last) + len(last.text), ")"),
                ]
    if not inserts:
        return None
    for position, piece in sorted(inserts, key=lambda item: item[0], reverse=True):
        text = text[:position] + piece + text[position:]
    return text


#: Comprehensions whose result is a list in the order they iterate.
_ORDERED = frozenset({"map", "filter"})
_PAIRS = {"(": ")", "[": "]", "{": "}"}
#: Words the scanner reads as identifiers that never name a function or a value to index.
_KEYWORDS = frozenset({"in", "true", "false", "null"})


def _closing(toks: tuple[lexer.Token, ...], opening: int) -> int | None:
    depth = 0
    for j in range(opening, len(toks)):
        if toks[j].text in _PAIRS:
            depth += 1
        elif toks[j].text in _PAIRS.values():
            depth -= 1
            if depth == 0:
                return j
    return None


def _opening(toks: tuple[lexer.Token, ...], closing: int) -> int | None:
    depth = 0
    for j in range(closing, -1, -1):
        if toks[j].text in _PAIRS.values():
            depth += 1
        elif toks[j].text in _PAIRS:
            depth -= 1
            if depth == 0:
                return j
    return None


def _receiver_start(toks: tuple[lexer.Token, ...], j: int) -> int | None:
    """The first token of the member expression that ends at `toks[j]` (`a.b(c)[d]`)."""
    for _ in range(len(toks)):  # each step moves left: bounded by the token count
        if toks[j].text in _PAIRS.values():
            opened = _opening(toks, j)
            if opened is None:
                return None
            j = opened
            before = toks[j - 1] if j > 0 else None
            if (
                toks[j].text in "(["
                and before is not None
                and (
                    (before.kind == "ident" and before.text not in _KEYWORDS)
                    or before.text in (")", "]")
                )
            ):
                j -= 1  # a call's name, or the expression an index applies to
                continue
        if j >= 2 and toks[j - 1].text == ".":
            j -= 2
            continue
        return j
    return None


def _syntax_error(report: str, text: str, variables: tuple[str, ...]) -> CelSyntaxError:
    problems = []
    for line, col, message in _ENGINE_ERROR.findall(report):
        problems.append(_problem(message, int(line), int(col), text, variables))
    if not problems:
        first = _without_status(report.split("\n", 1)[0])
        problems.append(_problem(first, -1, -1, text, variables))
    return CelSyntaxError(*problems[0], problems=tuple(problems))


def _problem(
    message: str, line: int, col: int, text: str, variables: tuple[str, ...]
) -> tuple[str, int, int, str]:
    """One engine problem as (message, line, col, code): the engine's words, made short."""
    message = message.replace(" (in container '')", "").removesuffix(" [INVALID_ARGUMENT]")
    if line < 1:  # the engine's own limits carry no position
        if "recursion" in message:
            return (
                "expression nested too deeply (the CEL engine allows 32 levels)",
                1,
                1,
                "too-deep",
            )
        return (message, 1, 1, "cel-syntax")
    if message.startswith("Syntax error: "):
        return (_syntax_message(message.removeprefix("Syntax error: ")), line, col, "cel-syntax")
    unknown = re.match(r"undeclared reference to '([^']*)'", message)
    if unknown:
        name = unknown.group(1)
        lines = text.split("\n")
        at = lines[line - 1][col - 1 : col] if line <= len(lines) else ""
        if at == "(":  # the engine points a call at its parenthesis; authors look for the name
            before = lines[line - 1][: col - 1].rstrip()
            return (
                f"unknown function {name!r}",
                line,
                len(before) - len(name) + 1,
                "unknown-function",
            )
        known = f"variables are {', '.join(variables)}" if variables else "no variables are bound"
        return (f"unknown name {name!r} ({known})", line, col, "unknown-name")
    if message.startswith("found no matching overload"):
        return ("type mismatch: " + message.removeprefix("found "), line, col, "type-mismatch")
    return (message, line, col, "cel-check")


def _syntax_message(detail: str) -> str:
    """ANTLR's report without the list of every token it would have taken."""
    unexpected = re.match(r"(?:mismatched|extraneous) input '(.*)' expecting", detail)
    if unexpected:
        token = unexpected.group(1)
        if token == "<EOF>":
            return "syntax error: unexpected end of expression"
        return f"syntax error: unexpected {token!r}"
    if detail.startswith("token recognition error at: "):
        return f"syntax error: unexpected {detail.removeprefix('token recognition error at: ')}"
    return "syntax error: " + detail


def _without_status(text: str) -> str:
    """`INVALID_ARGUMENT: x` is `x`: the status name says nothing to a rule author."""
    return re.sub(r"^[A-Z_]+: ", "", text)
