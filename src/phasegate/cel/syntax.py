"""CEL's syntax tree, for the reviewer tools: fmt, lint, explain, coverage and diff.

cel-expr-python checks and evaluates but exposes no tree; cel-python's parser gives a
concrete syntax tree with token positions, which is what formatting, `has()` guards,
explain's TRUE/FALSE tree and branch coverage need. It is used as it comes (never patched),
and only imported by the commands that need a tree: building its parser costs a few hundred
milliseconds that `evaluate`, `replay`, `collect` and `run` never pay.

The parser is built on the first parse. Lark computes its LALR tables from cel-python's
grammar then, the largest single cost of `lint` and `fmt`; the reviewer tools keep those
tables in the cache folder (`keep_parser_with`). Here they are only built and revived as
plain data, by lark's own serialization, into the one parser cel-python keeps
(`CELParser.CEL_PARSER`, which it builds only while that is None).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import celpy
import lark
from celpy.celparser import CELParser

from phasegate.cel.errors import CelError
from phasegate.cel.expression import VARIABLES, Expression, compile_expression
from phasegate.cel.model import FactRead

#: Macros that bind a variable over a list or map (`x.all(i, ...)`).
COMPREHENSIONS = frozenset({"all", "exists", "exists_one", "map", "filter"})

_MACROS = frozenset({"has", *COMPREHENSIONS})
_MACRO_ARITY = {"all": {2, 3}, "exists": {2, 3}, "exists_one": {2}, "filter": {2}, "map": {2, 3}}
#: Macros whose three-argument form binds two variables (`m.exists(key, value, ...)`, the
#: engine's two-variable comprehensions); `map`'s is a filter and a transform of one.
_TWO_VARIABLES = frozenset({"all", "exists"})
#: Type names usable as values, e.g. `type(x) == string`.
TYPE_NAMES = frozenset(
    {
        "bool",
        "bytes",
        "double",
        "duration",
        "int",
        "list",
        "map",
        "null_type",
        "string",
        "timestamp",
        "type",
        "uint",
    }
)

#: The options cel-python builds its parser with (`celpy.celparser.CELParser`), with
#: `_runtime_options`. A test holds the two to cel-python's own parser.
_PARSER_OPTIONS: dict[str, Any] = {
    "parser": "lalr",
    "start": "expr",
    "maybe_placeholders": False,
    "priority": "invert",
}
#: Bump when the shape of the tables (`parser_tables`) changes.
_TABLES_LAYOUT = 1
_TUPLE, _PAIRS = "\x00tuple", "\x00pairs"


def _runtime_options() -> dict[str, Any]:
    """The options lark takes again when it revives a parser (functions and classes are not
    data). The tables are built without cel-python's `debug`, with which lark keeps its
    states as sets of items that have no plain form; it is given back here, where it only
    makes lark print its state stack when a parse fails other than by a syntax error."""
    return {
        "debug": True,
        "g_regex_flags": re.M,
        "lexer_callbacks": {"IDENT": CELParser.ambiguous_literals},
        "propagate_positions": True,
        "tree_class": celpy.InterpretedRunner.tree_node_class,
    }


def _grammar() -> str:
    """cel-python's grammar, from where `CELParser` reads it."""
    return (Path(celpy.celparser.__file__).parent / "cel.lark").read_text()


def parser_identity() -> dict[str, Any]:
    """What the tables depend on besides the versions of lark and cel-python: the grammar
    text and the options."""
    return {
        "layout": _TABLES_LAYOUT,
        "grammar": hashlib.sha256(_grammar().encode("utf-8")).hexdigest(),
        "options": repr(sorted(_PARSER_OPTIONS.items())),
    }


def parser_tables() -> Any:
    """cel-python's parser built by lark, as plain JSON data: lark's own serialization (what
    `Lark.save` pickles), its tuples and its maps with number keys spelled as JSON can."""
    built = lark.Lark(_grammar(), **_PARSER_OPTIONS, **{**_runtime_options(), "debug": False})
    data, memo = built.memo_serialize([lark.lexer.TerminalDef, lark.grammar.Rule])
    data["options"] = {k: v for k, v in data["options"].items() if k not in _runtime_options()}
    return _plain({"data": data, "memo": memo})


def revive_parser(tables: Any) -> lark.Lark | None:
    """The parser the tables stand for (`parser_tables`), as lark revives a parser it
    serialized; None when they cannot be revived (a damaged cache entry is rebuilt)."""
    try:
        revived = _unplain(tables)
        return lark.Lark._load_from_dict(revived["data"], revived["memo"], **_runtime_options())
    except Exception:  # any damage to the tables means: build them again
        return None


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: _plain(item) for key, item in value.items()}
        return {_PAIRS: [[_plain(key), _plain(item)] for key, item in value.items()]}
    if isinstance(value, tuple):
        return {_TUPLE: [_plain(item) for item in value]}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _unplain(value: Any) -> Any:
    if type(value) is dict:
        if len(value) == 1 and _TUPLE in value:
            return tuple(_unplain(item) for item in value[_TUPLE])
        if len(value) == 1 and _PAIRS in value:
            return {_unplain(key): _unplain(item) for key, item in value[_PAIRS]}
        return {key: _unplain(item) for key, item in value.items()}
    if type(value) is list:
        return [_unplain(item) for item in value]
    return value


#: Gives cel-python's parser: called with `parser_identity()`, `parser_tables` and
#: `revive_parser`, returns the revived parser (None: cel-python builds its own).
ParserKeeper = Callable[[Any, Callable[[], Any], Callable[[Any], Any]], Any]
_keeper: ParserKeeper | None = None


def keep_parser_with(keeper: ParserKeeper | None) -> None:
    """Where the parser comes from in this process, from the next first parse on: the
    reviewer tools keep its tables in the cache folder (`phasegate.review.parsercache`)."""
    global _keeper
    _keeper = keeper


@cache
def _environment() -> celpy.Environment:
    """cel-python's environment, on its one parser (cel-python keeps a single instance in
    `CELParser.CEL_PARSER` and builds it only while that is None)."""
    if CELParser.CEL_PARSER is None and _keeper is not None:
        CELParser.CEL_PARSER = _keeper(parser_identity(), parser_tables, revive_parser)
    return celpy.Environment()


def parser() -> lark.Lark:
    """The lark parser behind `parse_expression`."""
    _environment()
    assert CELParser.CEL_PARSER is not None
    return CELParser.CEL_PARSER


#: The deepest syntax tree an expression may have (a level of parentheses is about ten).
#: Checked without recursion, so loading and `fmt` refuse the same expressions whatever the
#: call stack; the recursive analysis and evaluation below stay within Python's limit.
MAX_TREE_DEPTH = 2200


def parse_expression(text: str) -> Any:
    """The syntax tree of an expression, or CelError: the one parse of CEL text, shared
    by compiling and by `fmt` (which must accept exactly the expressions a policy may hold)."""
    try:
        ast = _environment().compile(text)
    except celpy.CELParseError as exc:
        line = getattr(exc, "line", None) or 1
        col = getattr(exc, "column", None) or 1
        raise CelError(parse_problem(exc), line, col) from None
    except (lark.exceptions.LarkError, RecursionError) as exc:
        raise CelError(f"cannot parse CEL ({type(exc).__name__})", 1, 1) from None
    levels = [(ast, 1)]
    while levels:
        node, depth = levels.pop()
        if depth > MAX_TREE_DEPTH:
            raise CelError("expression nested too deeply", 1, 1)
        if isinstance(node, lark.Tree):
            levels.extend((child, depth + 1) for child in node.children)
    _fill_positions(ast, text)
    return ast


#: CEL's tokens (cel-spec langdef.md, "Syntax"), longest alternatives first: enough to
#: find the tokens cel-python's parser leaves without a position.
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

#: Functions whose (first) string argument is a regular expression.
REGEX_FUNCTIONS = frozenset({"matches", "capture"})


class _Token(NamedTuple):
    kind: str
    text: str
    line: int
    col: int


def _tokens(text: str) -> list[_Token] | None:
    """The significant tokens of `text` with their 1-based line:col, or None where the
    text holds a character outside cel-python's grammar."""
    found: list[_Token] = []
    position, line, line_start = 0, 1, 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            return None
        kind = match.lastgroup or ""
        if kind not in ("space", "comment"):
            found.append(_Token(kind, match.group(), line, position - line_start + 1))
        newlines = match.group().count("\n")
        if newlines:
            line += newlines
            line_start = match.start() + match.group().rindex("\n") + 1
        position = match.end()
    return found


_POSITION = ("line", "column", "start_pos", "end_line", "end_column", "end_pos")


def _fill_positions(root: Any, text: str) -> None:
    """Give every token and subtree a position. cel-python's parser leaves `true` and
    `false` without one (and so every subtree they start or end); each such token is found
    in the source as the first token of its text after the one before it (comments and
    strings cannot fool a token scan), and each subtree spans its first to its last child."""
    if not text:
        return
    scanned = _tokens(text)
    if scanned is None:
        return
    starts = [0]
    for line in text.split("\n")[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    offsets = [(starts[tok.line - 1] + tok.col - 1, tok) for tok in scanned]
    cursor, index = 0, 0
    order: list[Any] = []
    pending = [root]
    while pending:  # document order, without recursion
        node = pending.pop()
        order.append(node)
        if isinstance(node, lark.Tree):
            pending.extend(reversed(node.children))
    for node in order:
        if not isinstance(node, lark.Token):
            continue
        if node.start_pos is None:
            while index < len(offsets) and (
                offsets[index][0] < cursor or offsets[index][1].text != str(node)
            ):
                index += 1
            if index == len(offsets):
                return
            start, tok = offsets[index]
            node.start_pos, node.line, node.column = start, tok.line, tok.col
            node.end_pos, node.end_line = start + len(tok.text), tok.line
            node.end_column = tok.col + len(tok.text)
        cursor = node.end_pos or cursor
    for node in reversed(order):  # children before their parents
        if not isinstance(node, lark.Tree) or _span_of(node) is not None:
            continue
        spans = [_span_of(child) for child in node.children]
        spans = [span for span in spans if span is not None]
        if not spans:
            continue
        meta = node.meta
        first, last = spans[0], spans[-1]
        meta.line, meta.column, meta.start_pos = first[0], first[1], first[2]
        meta.end_line, meta.end_column, meta.end_pos = last[3], last[4], last[5]
        meta.empty = False


def _span_of(node: Any) -> tuple[Any, ...] | None:
    source = node if isinstance(node, lark.Token) else node.meta
    values = tuple(getattr(source, name, None) for name in _POSITION)
    return None if None in values else values


def tree_shape(root: Any) -> tuple[tuple[str, ...], ...]:
    """A parse tree as a flat tuple in document order, positions aside, built without
    recursion: lark's own tree equality and hashing recurse, and fail on conditions nested
    as deeply as a policy may hold."""
    flat: list[tuple[str, ...]] = []
    pending = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, lark.Tree):
            flat.append(("tree", str(node.data), str(len(node.children))))
            pending.extend(reversed(node.children))
        elif isinstance(node, lark.Token):
            flat.append(("token", node.type, str(node)))
        else:
            flat.append(("value", repr(node)))
    return tuple(flat)


def analyze(
    text: str, variables: tuple[str, ...] = VARIABLES, tree: Any = None
) -> tuple[FactRead, ...]:
    """The reads of `text` with `has()` guards and comprehension scopes, from the tree
    (`tree`: `parse_expression(text)` when the caller has it already; a parse is most of
    what `lint` costs, and nothing walking the tree changes it)."""
    analysis = _Analysis(variables)
    try:
        analysis.walk(parse_expression(text) if tree is None else tree, frozenset(), guarded=False)
    except RecursionError:
        raise CelError("expression nested too deeply", 1, 1, "too-deep") from None
    return tuple(analysis.reads)


@dataclass(frozen=True)
class Comparison:
    """`<fact path> <op> <other expression>` found in an expression: what a chart can plot."""

    path: tuple[str, ...]
    operator: str
    other: Expression


def comparisons(expression: Expression) -> list[Comparison]:
    """The comparisons of a fact path with another expression, as the threshold to plot."""
    found = []
    for tree in parse_expression(expression.text).iter_subtrees_topdown():
        if tree.data != "relation" or len(tree.children) != 2:
            continue
        op_tree, right = tree.children
        left = op_tree.children[0]
        operator = _OPERATORS.get(op_tree.data)
        if operator not in ("<", "<=", ">", ">="):
            continue
        for side, other, flipped in ((left, right, False), (right, left, True)):
            path = plain_path(side)
            if path is None or path[0] != "facts":
                continue
            text = expression.text[other.meta.start_pos : other.meta.end_pos]
            try:
                compiled = compile_expression(text)
            except CelError:
                continue
            flip = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}
            found.append(Comparison(path, flip[operator] if flipped else operator, compiled))
            break
    return found


def plain_path(tree: Any) -> tuple[str, ...] | None:
    """The path of an expression that is nothing but a member chain (`facts.metrics.x`)."""
    node = tree
    while isinstance(node, lark.Tree) and node.data != "member" and len(node.children) == 1:
        node = node.children[0]
    if not isinstance(node, lark.Tree) or node.data != "member":
        return None
    path, root, indexes = _chain(node)
    if root is None or indexes or not path:
        return None
    return (str(root.children[0]), *path)


def comprehension_variable(tree: Any) -> str | None:
    """The variable a comprehension call (`l.exists(x, ...)`, a `member_dot_arg`) binds in
    its other arguments, else None."""
    if getattr(tree, "data", "") != "member_dot_arg" or len(tree.children) < 3:
        return None
    method, arguments = tree.children[1], tree.children[2]
    if str(method) not in COMPREHENSIONS or not isinstance(arguments, lark.Tree):
        return None
    node = arguments.children[0] if arguments.children else None
    while isinstance(node, lark.Tree) and len(node.children) == 1:
        node = node.children[0]
    return str(node) if isinstance(node, lark.Token) and node.type == "IDENT" else None


def parse_problem(exc: celpy.CELParseError) -> str:
    """What lark found, in a few words; cel-python's own text is only the caret picture."""
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, lark.exceptions.UnexpectedToken):
        if cause.token.type == "$END":
            return "syntax error: unexpected end of expression"
        return f"syntax error: unexpected {str(cause.token)!r}"
    if isinstance(cause, lark.exceptions.UnexpectedCharacters):
        return f"syntax error: unexpected character {cause.char!r}"
    return "syntax error"


def _node_position(tree: Any) -> tuple[int, int]:
    meta = getattr(tree, "meta", None)
    line = getattr(meta, "line", None) if meta is not None else None
    col = getattr(meta, "column", None) if meta is not None else None
    if line is None and isinstance(tree, lark.Token):
        return tree.line or 1, tree.column or 1
    return line or 1, col or 1


def string_literal(tree: Any) -> str | None:
    """The value of a plain quoted string literal expression, else None."""
    for sub in tree.iter_subtrees_topdown() if isinstance(tree, lark.Tree) else ():
        if sub.data == "literal":
            token = sub.children[0]
            text = str(token)
            plain = getattr(token, "type", "") == "STRING_LIT" and "\\" not in text
            if plain and text[:1] in "\"'" and text[-1:] == text[:1]:
                return text[1:-1]
            return None
        if len(sub.children) != 1:
            return None
    return None


class _Analysis:
    """Walks cel-python's parse tree collecting reads (the engine reports the problems)."""

    def __init__(self, variables: tuple[str, ...]) -> None:
        self.variables = variables
        self.reads: list[FactRead] = []
        self.problems: list[tuple[str, int, int, str]] = []

    def problem(self, message: str, tree: Any, code: str) -> None:
        line, col = _node_position(tree)
        self.problems.append((message, line, col, code))

    def walk(self, tree: Any, scope: frozenset[str], guarded: bool) -> None:
        if not isinstance(tree, lark.Tree):
            return
        kind = tree.data
        if kind == "member":
            self._member(tree, scope, guarded)
            return
        if kind == "ident_arg":
            name = str(tree.children[0])
            given = tree.children[1].children if len(tree.children) > 1 else []
            if name == "has" and len([a for a in given if isinstance(a, lark.Tree)]) != 1:
                self.problem("has() takes one field selection, e.g. has(facts.x)", tree, "macro")
            for child in tree.children[1:]:
                self.walk(child, scope, guarded or name == "has")
            return
        if kind == "ident":
            name = str(tree.children[0])
            if name in self.variables and name not in scope:
                line, col = _node_position(tree)
                self.reads.append(FactRead((name,), line, col, guarded))
            return
        for child in tree.children:
            self.walk(child, scope, guarded)

    def _member(self, tree: lark.Tree, scope: frozenset[str], guarded: bool) -> None:
        child = tree.children[0]
        kind = child.data
        if kind == "primary":
            self.walk(child, scope, guarded)
            return
        if kind == "member_dot_arg":
            target, method = child.children[0], str(child.children[1])
            args = child.children[2] if len(child.children) > 2 else None
            self.walk(target, scope, guarded)
            arguments = (
                [] if args is None else [a for a in args.children if isinstance(a, lark.Tree)]
            )
            if method in COMPREHENSIONS and len(arguments) not in _MACRO_ARITY[method]:
                self.problem(f"{method}() takes a variable and an expression", child, "macro")
                return
            if method in COMPREHENSIONS and arguments:
                count = 2 if method in _TWO_VARIABLES and len(arguments) == 3 else 1
                bound = [bare_ident(argument) for argument in arguments[:count]]
                if None in bound:
                    where = arguments[bound.index(None)]
                    self.problem(f"{method}() needs a variable name first", where, "macro")
                    return
                for arg in arguments[count:]:
                    self.walk(arg, scope | set(bound), guarded)  # type: ignore[arg-type]
                return
            for arg in arguments:
                self.walk(arg, scope, guarded)
            return
        if kind in ("member_dot", "member_index"):
            path, root, indexes = _chain(tree)
            for index in indexes:
                self.walk(index, scope, guarded)
            if root is None:
                return
            root_name = str(root.children[0])
            if root_name in scope:
                return
            if root_name not in self.variables:
                self.walk(root, scope, guarded)  # reports the unknown name
                return
            line, col = _node_position(child)
            self.reads.append(FactRead((root_name, *path), line, col, guarded))
            return
        self.walk(child, scope, guarded)


def bare_ident(tree: Any) -> str | None:
    for sub in tree.iter_subtrees_topdown():
        if sub.data == "ident":
            return str(sub.children[0])
        if len(sub.children) != 1:
            return None
    return None


def _chain(member: lark.Tree) -> tuple[list[str], lark.Tree | None, list[Any]]:
    """Split `a.b["c"][x].d` into the literal path from its root ident and index expressions.

    A computed index ends what can be known statically, so the path stops before it.
    """
    fields: list[str] = []
    indexes: list[Any] = []
    node: Any = member
    while True:
        inner = node.children[0]
        if inner.data == "member_dot":
            fields.append(str(inner.children[1]))
            node = inner.children[0]
        elif inner.data == "member_index":
            literal = string_literal(inner.children[1])
            if literal is None:
                indexes.append(inner.children[1])
                fields.clear()
            else:
                fields.append(literal)
            node = inner.children[0]
        elif inner.data == "primary" and inner.children[0].data == "ident":
            return list(reversed(fields)), inner.children[0], indexes
        else:  # a call or literal starts the chain: walk it as a member of its own
            indexes.append(node)
            return [], None, indexes


_OPERATORS = {
    "relation_lt": "<",
    "relation_le": "<=",
    "relation_gt": ">",
    "relation_ge": ">=",
    "relation_eq": "==",
    "relation_ne": "!=",
    "relation_in": "in",
    "addition_add": "+",
    "addition_sub": "-",
    "multiplication_mul": "*",
    "multiplication_div": "/",
    "multiplication_mod": "%",
    "unary_neg": "-",
    "unary_not": "!",
}


def operator_symbol(rule: str) -> str:
    """The symbol of a grammar operator rule (`relation_gt` is `>`), as authors write it."""
    return _OPERATORS.get(rule, rule)
