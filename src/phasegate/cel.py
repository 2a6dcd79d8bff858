"""The CEL environment policies run in: values, functions, analysis and error translation.

cel-python is the reference interpreter. Around it this module adds what rule authors need:
int/double comparisons that follow the current CEL spec, a few string helpers, the list of
fact paths each expression reads (for "missing fact" messages and load-time checks), and
short human error messages instead of cel-python's, which can embed the whole activation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import celpy
import lark
from celpy import celtypes
from celpy.celparser import CELParser
from celpy.evaluation import CELEvalError, base_functions

#: Variables every expression sees.
VARIABLES = ("facts", "params", "phase", "now", "history")
#: Macros: `has(x.y)` and the comprehensions whose first argument names a variable.
_MACROS = frozenset({"has", "all", "exists", "exists_one", "map", "filter"})
_COMPREHENSIONS = frozenset({"all", "exists", "exists_one", "map", "filter"})
_MACRO_ARITY = {"all": {2}, "exists": {2}, "exists_one": {2}, "filter": {2}, "map": {2, 3}}
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


# --- values ---------------------------------------------------------------------------------


def to_cel(value: Any) -> Any:
    """Plain JSON-like data to CEL values: ints stay int, floats are double, keys strings."""
    if isinstance(value, bool):
        return celtypes.BoolType(value)
    if isinstance(value, int):
        return celtypes.IntType(value)
    if isinstance(value, float):
        return celtypes.DoubleType(value)
    if isinstance(value, str):
        return celtypes.StringType(value)
    if value is None:
        return None
    if isinstance(value, Mapping):
        return celtypes.MapType({celtypes.StringType(k): to_cel(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return celtypes.ListType([to_cel(item) for item in value])
    raise TypeError(f"cannot convert {type(value).__name__} to CEL")


def to_plain(value: Any) -> Any:
    """CEL values back to plain data, for messages and reports."""
    if isinstance(value, type):
        return _TYPE_WORDS.get(value.__name__, value.__name__)
    if isinstance(value, celtypes.BoolType | bool):
        return bool(value)
    if isinstance(value, celtypes.TimestampType | celtypes.DurationType):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, Mapping):
        return {str(to_plain(k)): to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(item) for item in value]
    return None if value is None else str(value)


def type_name(value: Any) -> str:
    """The CEL name of a value's type, as rule authors write it."""
    names = [
        (celtypes.BoolType, "bool"),
        (celtypes.IntType, "int"),
        (celtypes.UintType, "uint"),
        (celtypes.DoubleType, "double"),
        (celtypes.StringType, "string"),
        (celtypes.BytesType, "bytes"),
        (celtypes.ListType, "list"),
        (celtypes.MapType, "map"),
        (celtypes.TimestampType, "timestamp"),
        (celtypes.DurationType, "duration"),
    ]
    for cls, name in names:
        if isinstance(value, cls):
            return name
    return "null" if value is None else type(value).__name__


# --- functions ------------------------------------------------------------------------------


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool | celtypes.BoolType)


def _is_double(value: Any) -> bool:
    """DoubleType, and the plain float cel-python returns for `double + double`."""
    return isinstance(value, float)


def _mixed_numbers(a: Any, b: Any) -> bool:
    return (_is_integer(a) and _is_double(b)) or (_is_double(a) and _is_integer(b))


def _spec_comparison(name: str, python_op: Callable[[Any, Any], bool]) -> Callable[..., Any]:
    """CEL spec ordering across int and double (`2 < 2.5`), which cel-python 0.5 refuses.

    Python compares int with float exactly, as the spec asks; every other pair of types is
    left to cel-python, so a string compared with a number is still an error.
    """
    fallback = base_functions[name]

    ordering = name not in ("_==_", "_!=_")

    def compare(a: Any, b: Any) -> Any:
        if isinstance(a, celtypes.BoolType) != isinstance(b, celtypes.BoolType):
            if ordering:  # cel-python orders bools as ints
                raise TypeError("no ordering between bool and other types")
            if isinstance(a, int | float) and isinstance(b, int | float):
                return celtypes.BoolType(name == "_!=_")  # the spec: true != 1
        if _mixed_numbers(a, b):
            return celtypes.BoolType(
                python_op(
                    int(a) if _is_integer(a) else float(a), int(b) if _is_integer(b) else float(b)
                )
            )
        return fallback(a, b)

    return compare


def _divide(a: Any, b: Any) -> Any:
    """Division by zero is an error for doubles too: IEEE's infinity would let `x / 0.0 < t`
    quietly pass or fail where a rule author meant "cannot tell"."""
    if _is_double(b) and float(b) == 0.0:  # also the plain float of double arithmetic
        raise ZeroDivisionError("division by zero")
    return base_functions["_/_"](a, b)


def _ascii_case(upper: bool) -> Callable[[Any], Any]:
    """cel-go's lowerAscii/upperAscii change only A-Z/a-z, unlike str.lower()."""
    source, target = ("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    table = str.maketrans(source, target) if upper else str.maketrans(target, source)
    return lambda text: celtypes.StringType(str(text).translate(table))


def _string_fn(fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any) -> Any:
        for arg in args:
            if not isinstance(arg, str):  # `+` on strings yields plain str in cel-python
                raise TypeError("expects strings")
        return fn(*args)

    return wrapped


def _join(items: Any, separator: Any = "") -> Any:
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise TypeError("join expects a list of strings")
    if not isinstance(separator, str):
        raise TypeError("join expects a string separator")
    return celtypes.StringType(str(separator).join(str(item) for item in items))


def _split(text: Any, separator: Any) -> Any:
    if not isinstance(text, str) or not isinstance(separator, str):
        raise TypeError("split expects strings")
    if not separator:
        return celtypes.ListType([celtypes.StringType(ch) for ch in str(text)])
    return celtypes.ListType(
        [celtypes.StringType(part) for part in str(text).split(str(separator))]
    )


def _capture(text: Any, pattern: Any) -> Any:
    """The first match of `pattern` (its first group, if it has one), or null: no match is
    unknown, never an empty string that a rule could mistake for a value."""
    if not isinstance(text, str) or not isinstance(pattern, str):
        raise TypeError("capture expects strings")
    try:
        match = re.search(str(pattern), str(text))
    except re.error as exc:
        raise ValueError(f"bad regular expression: {exc}") from None
    if match is None:
        return None
    return celtypes.StringType(match.group(1) if match.groups() else match.group(0))


def _extreme(pick: Callable[..., Any]) -> Callable[[Any], Any]:
    def extreme(items: Any) -> Any:
        if not isinstance(items, list) or not items:
            raise TypeError("expects a non-empty list")
        if all(_is_integer(item) for item in items) or all(_is_double(i) for i in items):
            return pick(items)
        raise TypeError("expects a list of ints or a list of doubles")

    return extreme


def _trim_prefix(text: str, prefix: str) -> Any:
    return celtypes.StringType(text[len(prefix) :] if text.startswith(prefix) else text)


def _trim_suffix(text: str, suffix: str) -> Any:
    return celtypes.StringType(text[: -len(suffix)] if suffix and text.endswith(suffix) else text)


#: Functions added to cel-python's standard library. The string helpers follow cel-go's
#: strings extension where it has them (trim, lowerAscii, upperAscii, replace, split, join);
#: trimPrefix, trimSuffix, capture (regex) and max/min (of a list) are phasegate's own.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "_<_": _spec_comparison("_<_", lambda a, b: a < b),
    "_<=_": _spec_comparison("_<=_", lambda a, b: a <= b),
    "_>_": _spec_comparison("_>_", lambda a, b: a > b),
    "_>=_": _spec_comparison("_>=_", lambda a, b: a >= b),
    "_==_": _spec_comparison("_==_", lambda a, b: a == b),
    "_!=_": _spec_comparison("_!=_", lambda a, b: a != b),
    "trim": _string_fn(lambda s: celtypes.StringType(str(s).strip())),
    "_/_": _divide,
    "lowerAscii": _string_fn(_ascii_case(upper=False)),
    "upperAscii": _string_fn(_ascii_case(upper=True)),
    "replace": _string_fn(lambda s, old, new: celtypes.StringType(str(s).replace(old, new))),
    "trimPrefix": _string_fn(_trim_prefix),
    "trimSuffix": _string_fn(_trim_suffix),
    "split": _split,
    "join": _join,
    "capture": _capture,
    "max": _extreme(max),
    "min": _extreme(min),
}

KNOWN_FUNCTIONS = (
    frozenset(
        name for name in (*base_functions, *FUNCTIONS) if not name.startswith(("_", "!", "-"))
    )
    | _MACROS
)


def _literal_keeping_position(token: lark.Token) -> lark.Token:
    """cel-python turns the identifiers `true` and `false` into BOOL_LIT tokens without a
    position, and lark then leaves every node around them without an end: errors, `explain`
    and `lint` could not say where such a node is. The same tokens, with their position."""
    if token.value in ("true", "false"):
        return lark.Token.new_borrow_pos("BOOL_LIT", token.value, token)
    return token


# Installed before the (shared, lazily built) parser exists, and reset in case something
# built it first, so every parse of every module goes through the callback above.
CELParser.ambiguous_literals = staticmethod(_literal_keeping_position)  # type: ignore[method-assign]
CELParser.CEL_PARSER = None
_ENVIRONMENT = celpy.Environment()


# --- compiling and analysis -----------------------------------------------------------------


@dataclass(frozen=True)
class FactRead:
    """A path an expression reads from a variable, e.g. ("facts", "metrics", "error_rate").

    `guarded` is true inside `has()`, where absence is a result, not an error.
    """

    path: tuple[str, ...]
    line: int
    col: int
    guarded: bool

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


class CelSyntaxError(Exception):
    """An expression that does not compile; line and col are within the expression text."""

    def __init__(self, message: str, line: int, col: int, code: str = "cel-syntax") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col
        #: The kind of problem: `cel-syntax`, `unknown-function`, `unknown-name`, ...
        self.code = code


@dataclass(frozen=True)
class Expression:
    """A compiled CEL expression with what static analysis learned about it."""

    text: str
    program: celpy.Runner
    reads: tuple[FactRead, ...]
    ast: Any = None

    @property
    def structure(self) -> tuple[tuple[str, ...], ...]:
        """The parse tree without positions: equal exactly when two expressions differ only
        in layout."""
        return tree_shape(self.ast)

    def params_read(self) -> tuple[FactRead, ...]:
        return tuple(read for read in self.reads if read.path[0] == "params")


#: The deepest syntax tree an expression may have (a level of parentheses is about ten).
#: Checked without recursion, so loading and `fmt` refuse the same expressions whatever the
#: call stack; the recursive analysis and evaluation below stay within Python's limit.
MAX_TREE_DEPTH = 2200


def parse_expression(text: str) -> Any:
    """The syntax tree of an expression, or CelSyntaxError: the one parse of CEL text, shared
    by compiling and by `fmt` (which must accept exactly the expressions a policy may hold)."""
    try:
        ast = _ENVIRONMENT.compile(text)
    except celpy.CELParseError as exc:
        line = getattr(exc, "line", None) or 1
        col = getattr(exc, "column", None) or 1
        raise CelSyntaxError(parse_problem(exc), line, col) from None
    except (lark.exceptions.LarkError, RecursionError) as exc:
        raise CelSyntaxError(f"cannot parse CEL ({type(exc).__name__})", 1, 1) from None
    levels = [(ast, 1)]
    while levels:
        node, depth = levels.pop()
        if depth > MAX_TREE_DEPTH:
            raise CelSyntaxError("expression nested too deeply", 1, 1)
        if isinstance(node, lark.Tree):
            levels.extend((child, depth + 1) for child in node.children)
    return ast


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


def compile_expression(text: str, variables: tuple[str, ...] = VARIABLES) -> Expression:
    """Parse and check an expression: syntax, known functions and known `variables`."""
    ast = parse_expression(text)
    analysis = _Analysis(variables)
    try:
        analysis.walk(ast, frozenset(), guarded=False)
    except RecursionError:
        raise CelSyntaxError("expression nested too deeply", 1, 1) from None
    if analysis.problems:
        raise CelSyntaxError(*analysis.problems[0])
    program = _ENVIRONMENT.program(ast, functions=FUNCTIONS)
    return Expression(text=text, program=program, reads=tuple(analysis.reads), ast=ast)


@dataclass(frozen=True)
class Comparison:
    """`<fact path> <op> <other expression>` found in an expression: what a chart can plot."""

    path: tuple[str, ...]
    operator: str
    other: Expression


def comparisons(expression: Expression) -> list[Comparison]:
    """The comparisons of a fact path with another expression, as the threshold to plot."""
    found = []
    for tree in expression.ast.iter_subtrees_topdown():
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
            except CelSyntaxError:
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
    """Walks cel-python's parse tree collecting reads, calls and problems."""

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
            if name not in KNOWN_FUNCTIONS:
                self.problem(f"unknown function {name!r}", tree, "unknown-function")
            given = tree.children[1].children if len(tree.children) > 1 else []
            if name == "has" and len([a for a in given if isinstance(a, lark.Tree)]) != 1:
                self.problem("has() takes one field selection, e.g. has(facts.x)", tree, "macro")
            for child in tree.children[1:]:
                self.walk(child, scope, guarded or name == "has")
            return
        if kind == "ident":
            name = str(tree.children[0])
            known = self.variables
            if name not in scope and name not in known and name not in TYPE_NAMES:
                self.problem(
                    f"unknown name {name!r} (variables are {', '.join(known)})",
                    tree,
                    "unknown-name",
                )
            elif name in known and name not in scope:
                line, col = _node_position(tree)
                self.reads.append(FactRead((name,), line, col, guarded))
            return
        if kind in ("dot_ident", "dot_ident_arg", "member_object"):
            self.problem(
                "qualified names and message construction are not supported", tree, "unsupported"
            )
            return
        for child in tree.children:
            self.walk(child, scope, guarded)

    def _check_pattern(self, argument: Any) -> None:
        """A literal regex is checked when the set loads, not when a rule first runs."""
        pattern = string_literal(argument)
        if pattern is None:
            return
        try:
            re.compile(pattern)
        except re.error as exc:
            self.problem(f"bad regular expression: {exc}", argument, "bad-regex")

    def _member(self, tree: lark.Tree, scope: frozenset[str], guarded: bool) -> None:
        child = tree.children[0]
        kind = child.data
        if kind == "primary":
            self.walk(child, scope, guarded)
            return
        if kind == "member_dot_arg":
            target, method = child.children[0], str(child.children[1])
            args = child.children[2] if len(child.children) > 2 else None
            if method not in KNOWN_FUNCTIONS:
                self.problem(f"unknown function {method!r}", child, "unknown-function")
            self.walk(target, scope, guarded)
            arguments = (
                [] if args is None else [a for a in args.children if isinstance(a, lark.Tree)]
            )
            if method in _COMPREHENSIONS and len(arguments) not in _MACRO_ARITY[method]:
                self.problem(f"{method}() takes a variable and an expression", child, "macro")
                return
            if method == "matches" and arguments:
                self._check_pattern(arguments[0])
            if method in _COMPREHENSIONS and arguments:
                bound = bare_ident(arguments[0])
                if bound is None:
                    self.problem(f"{method}() needs a variable name first", arguments[0], "macro")
                    return
                for arg in arguments[1:]:
                    self.walk(arg, scope | {bound}, guarded)
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


# --- evaluation and error translation -------------------------------------------------------


@dataclass(frozen=True)
class EvalFailure:
    """Why an expression could not be evaluated, in words a rule author can act on."""

    message: str
    line: int | None = None
    col: int | None = None


def activation(facts: Any, params: Any, phase: int, now: Any) -> dict[str, Any]:
    """The variables of one evaluation; `now` is the facts' collection time, never the clock."""
    return {"facts": facts, "params": params, "phase": celtypes.IntType(phase), "now": now}


def run(expression: Expression, variables: Mapping[str, Any], plain: Mapping[str, Any]) -> Any:
    """Evaluate; return the CEL value or an EvalFailure. Never raises for bad data.

    `plain` holds the plain-data form of variables (e.g. {"facts": ...}), so an absent path
    can be named in the error.
    """
    try:
        value = expression.program.evaluate(dict(variables))
    except CELEvalError as exc:
        return translate(exc, expression, plain)
    except RecursionError:
        return EvalFailure("expression nested too deeply to evaluate")
    except Exception as exc:  # cel-python internals: fail closed with a short reason
        return EvalFailure(f"evaluation failed ({type(exc).__name__})")
    nested = _first_error(value)
    if nested is not None:
        return translate(nested, expression, plain)
    return value


def _first_error(value: Any) -> CELEvalError | None:
    """cel-python can leave an error inside a list or map literal instead of raising it."""
    if isinstance(value, CELEvalError):
        return value
    if isinstance(value, Mapping):
        items: Any = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = value
    else:
        return None
    for item in items:
        found = _first_error(item)
        if found is not None:
            return found
    return None


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


_TYPE_WORDS = {
    "IntType": "int",
    "UintType": "uint",
    "DoubleType": "double",
    "StringType": "string",
    "BoolType": "bool",
    "BytesType": "bytes",
    "ListType": "list",
    "MapType": "map",
    "TimestampType": "timestamp",
    "DurationType": "duration",
    "NoneType": "null",
}


def translate(error: CELEvalError, expression: Expression, plain: Mapping[str, Any]) -> EvalFailure:
    """cel-python's error (which may quote the whole activation) as one short sentence.

    When both sides of `||` or `&&` fail, cel-python reports an overload error on the two
    errors, with the original reasons only in its text; so the whole text is searched for
    the underlying cause, but never shown.
    """
    text = str(error.args[0]) if error.args else ""
    detail = " ".join(str(arg) for arg in error.args)
    cause = error.args[1] if len(error.args) > 1 else None
    tree = getattr(error, "tree", None) or getattr(error, "token", None)
    line, col = _node_position(tree) if tree is not None else (None, None)
    if cause is KeyError or "no such member" in detail:
        missing = _missing_read(expression, plain, line, col)
        if missing is not None:
            what = "fact" if missing.path[0] == "facts" else "field"
            return EvalFailure(f"missing {what}: {missing.dotted}", missing.line, missing.col)
        key = re.search(r"no such member in mapping: '([^']{0,80})'", detail)
        return EvalFailure(f"missing field: {key.group(1)}" if key else "missing field", line, col)
    if cause is ZeroDivisionError or "divide by zero" in detail:
        return EvalFailure("division by zero", line, col)
    if "CELEvalError" in text:
        return EvalFailure("evaluation error in both operands", line, col)
    if "no matching overload" in text or "no such overload" in text:
        return EvalFailure(_type_mismatch(text, error), line, col)
    if "undeclared reference" in text:
        return EvalFailure("unknown name or function", line, col)
    if "regular expression" in detail:
        return EvalFailure("bad regular expression", line, col)
    token = getattr(error, "token", None)
    if "overflow" in detail and token is not None and str(token) in TYPE_NAMES:
        return EvalFailure(f"cannot convert to {token}", line, col)
    if "overflow" in detail:
        return EvalFailure("integer overflow", line, col)
    return EvalFailure("evaluation error", line, col)


def _type_mismatch(text: str, error: CELEvalError) -> str:
    op = re.search(r"'(relation_\w+|addition_\w+|multiplication_\w+|unary_\w+)'", text)
    types = [_TYPE_WORDS.get(name, name) for name in re.findall(r"celtypes\.(\w+)'", text)]
    if op and len(types) == 2:
        symbol = _OPERATORS.get(op.group(1), op.group(1))
        hint = ""
        if {types[0], types[1]} == {"int", "double"}:
            hint = " (convert with double())"
        return f"type mismatch: {types[0]} {symbol} {types[1]}{hint}"
    token = getattr(error, "token", None)
    if token is not None:
        return f"type mismatch: no overload of {str(token)!r} for these arguments"
    return "type mismatch"


def _missing_read(
    expression: Expression, plain: Mapping[str, Any], line: int | None, col: int | None
) -> FactRead | None:
    """The unguarded read whose path is absent, preferring the one where evaluation failed."""
    candidates = [
        read
        for read in expression.reads
        if not read.guarded
        and read.path[0] in plain
        and not _present(plain[read.path[0]], read.path[1:])
    ]
    for read in candidates:
        if (read.line, read.col) == (line, col):
            return read
    return candidates[0] if candidates else None


MISSING = object()


def lookup(data: Any, path: tuple[str, ...]) -> Any:
    """The value at `path` in plain data, or MISSING."""
    for part in path:
        if not isinstance(data, Mapping) or part not in data:
            return MISSING
        data = data[part]
    return data


def _present(data: Any, path: tuple[str, ...]) -> bool:
    return lookup(data, path) is not MISSING
