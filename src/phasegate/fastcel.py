"""A faster evaluator for the CEL that policies use, over plain Python data.

cel-python's interpreter is the reference: about 300 us per rule, most of it spent walking
its tree and wrapping values. Replaying a year of samples needs better. This module turns a
parsed expression into nested Python closures that work on the plain facts directly (no
conversion to CEL values), for the subset of CEL whose semantics it can reproduce exactly.

It is only ever allowed to answer `true` or `false`. Anything it is not certain of (a type
combination it does not model, an unsupported construct) raises `Fallback`, and an error
raises `CelError`; in both cases the caller asks the interpreter, which also words the
error. Differential tests over the fixtures, the acceptance corpus and generated snapshots
check that every true/false it gives is the interpreter's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import lark
from celpy import celtypes
from celpy.evaluation import base_functions

from phasegate import cel

Env = dict[str, Any]
Fn = Callable[[Env], Any]

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class CelError(Exception):
    """The expression has no value (missing key, division by zero, overflow...)."""


class Missing(CelError):
    """A map has no such key: cel-python makes this an error value, which `||` and `&&`
    absorb when the other side decides (other failures may be raised exceptions)."""


class Fallback(Exception):
    """Not something this evaluator decides: ask the interpreter."""


class Unsupported(Exception):
    """The expression uses CEL this evaluator does not compile."""


_ERROR = object()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _checked(value: int) -> int:
    if not INT64_MIN <= value <= INT64_MAX:
        raise CelError
    return value


class FastProgram:
    """An expression compiled to closures; `decide` answers True/False or raises."""

    def __init__(self, expression: cel.Expression) -> None:
        self.text = expression.text
        self._run = _Compiler().compile(expression.ast)

    def decide(self, env: Env) -> bool:
        value = self._run(env)
        if value is True or value is False:
            return value
        raise Fallback  # a non-bool condition: the interpreter says how it is wrong


def compile_fast(expression: cel.Expression) -> FastProgram | None:
    """A fast program for `expression`, or None when it uses unsupported CEL."""
    try:
        return FastProgram(expression)
    except (Unsupported, RecursionError):
        return None


_TIME = (celtypes.TimestampType, celtypes.DurationType)


def _comparable(a: Any, b: Any) -> bool:
    """Pairs ordered here exactly as the interpreter orders them."""
    if _is_number(a) and _is_number(b):
        return True
    if isinstance(a, str) and isinstance(b, str):
        return True
    return isinstance(a, _TIME) and type(a) is type(b)


def _compare(op: str, a: Any, b: Any) -> bool:
    if not _comparable(a, b):
        raise Fallback
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _equal(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return a == b
    if isinstance(a, bool) and isinstance(b, bool):
        return a == b
    if isinstance(a, bool) != isinstance(b, bool) and _is_number(a) | _is_number(b):
        return False  # the spec: true != 1 (phasegate's comparison functions agree)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if a is None and b is None:
        return True
    raise Fallback


def _contains(item: Any, container: Any) -> bool:
    if isinstance(container, dict):
        if isinstance(item, str):
            return item in container
        raise Fallback
    if isinstance(container, list):
        if isinstance(item, str) and all(isinstance(x, str) for x in container):
            return item in container
        if _is_number(item) and all(type(x) is type(item) for x in container):
            return item in container
        raise Fallback
    raise Fallback


def _add(a: Any, b: Any) -> Any:
    if _is_int(a) and _is_int(b):
        return _checked(a + b)
    if type(a) is float and type(b) is float:
        return a + b
    if isinstance(a, str) and isinstance(b, str):
        return a + b
    if isinstance(a, list) and isinstance(b, list):
        return a + b
    raise Fallback


def _subtract(a: Any, b: Any) -> Any:
    if _is_int(a) and _is_int(b):
        return _checked(a - b)
    if type(a) is float and type(b) is float:
        return a - b
    if isinstance(a, celtypes.TimestampType) and isinstance(b, celtypes.TimestampType):
        return a - b
    raise Fallback


def _multiply(a: Any, b: Any) -> Any:
    if _is_int(a) and _is_int(b):
        return _checked(a * b)
    if type(a) is float and type(b) is float:
        return a * b
    raise Fallback


def _divide(a: Any, b: Any) -> Any:
    if type(a) is float and type(b) is float:
        if b == 0.0:
            raise CelError  # as phasegate's `_/_`: no silent infinity
        return a / b
    raise Fallback  # integer division: cel-python's own rules


_ARITHMETIC = {
    "addition_add": _add,
    "addition_sub": _subtract,
    "multiplication_mul": _multiply,
    "multiplication_div": _divide,
}
_RELATIONS = {"relation_lt": "<", "relation_le": "<=", "relation_gt": ">", "relation_ge": ">="}


def _size(value: Any) -> int:
    if isinstance(value, str | list | dict):
        return len(value)
    raise Fallback


def _double(value: Any) -> float:
    if _is_number(value):
        return float(value)
    raise Fallback


def _string_method(name: str) -> Callable[..., Any]:
    helper = cel.FUNCTIONS[name]

    def call(*args: Any) -> Any:
        if not all(isinstance(arg, str) for arg in args):
            raise Fallback
        return str(helper(*args))

    return call


def _str_test(test: Callable[[str, str], bool]) -> Callable[[Any, Any], bool]:
    def call(text: Any, other: Any) -> bool:
        if isinstance(text, str) and isinstance(other, str):
            return test(text, other)
        raise Fallback

    return call


def _join(items: Any, separator: Any = "") -> str:
    if (
        isinstance(items, list)
        and isinstance(separator, str)
        and all(isinstance(item, str) for item in items)
    ):
        return separator.join(items)
    raise Fallback


def _timestamp(text: Any) -> Any:
    if not isinstance(text, str):
        raise Fallback
    try:
        return celtypes.TimestampType(text)
    except Exception:
        raise CelError from None


def _duration(text: Any) -> Any:
    if not isinstance(text, str):
        raise Fallback
    try:
        return celtypes.DurationType(text)
    except Exception:
        raise CelError from None


def _get_seconds(value: Any) -> int:
    if isinstance(value, celtypes.DurationType):
        return int(base_functions["getSeconds"](value))
    raise Fallback


#: Functions and methods this evaluator reproduces, by name and argument count.
_CALLS: dict[tuple[str, int], Callable[..., Any]] = {
    ("size", 1): _size,
    ("double", 1): _double,
    ("timestamp", 1): _timestamp,
    ("duration", 1): _duration,
    ("getSeconds", 1): _get_seconds,
    ("startsWith", 2): _str_test(str.startswith),
    ("endsWith", 2): _str_test(str.endswith),
    ("trim", 1): _string_method("trim"),
    ("trimPrefix", 2): _string_method("trimPrefix"),
    ("trimSuffix", 2): _string_method("trimSuffix"),
    ("lowerAscii", 1): _string_method("lowerAscii"),
    ("upperAscii", 1): _string_method("upperAscii"),
    ("join", 1): _join,
    ("join", 2): _join,
}


class _Compiler:
    def compile(self, tree: Any) -> Fn:
        if not isinstance(tree, lark.Tree):
            raise Unsupported(repr(tree))
        handler = getattr(self, f"_{tree.data}", None)
        if handler is None:
            raise Unsupported(str(tree.data))
        return handler(tree)

    def _single(self, tree: lark.Tree) -> Fn:
        return self.compile(tree.children[0])

    _paren_expr = _single

    def _expr(self, tree: lark.Tree) -> Fn:
        if len(tree.children) == 1:
            return self.compile(tree.children[0])
        condition, then, otherwise = (self.compile(child) for child in tree.children)

        def ternary(env: Env) -> Any:
            chosen = condition(env)
            if chosen is True:
                return then(env)
            if chosen is False:
                return otherwise(env)
            raise Fallback

        return ternary

    def _conditionalor(self, tree: lark.Tree) -> Fn:
        return self._logic(tree, decisive=True)

    def _conditionaland(self, tree: lark.Tree) -> Fn:
        return self._logic(tree, decisive=False)

    def _logic(self, tree: lark.Tree, decisive: bool) -> Fn:
        """`||` and `&&` with CEL's commutative short-circuit: a decisive operand wins over an
        error on the other side."""
        if len(tree.children) == 1:
            return self.compile(tree.children[0])
        left, right = (self.compile(child) for child in tree.children)
        absorbable = tuple(_simple(child) for child in tree.children)

        def logic(env: Env) -> Any:
            # cel-python evaluates both sides, and only some failures are error values that
            # `||`/`&&` absorb (a missing key); others are raised and fail the whole
            # expression. So both sides are evaluated, a missing key is absorbed as CEL
            # says, and any other failure is left to the interpreter.
            sides = []
            for side, simple in zip((left, right), absorbable, strict=True):
                try:
                    sides.append(side(env))
                except Missing:
                    if not simple:
                        raise Fallback from None
                    sides.append(_ERROR)
                except CelError:
                    raise Fallback from None
            first, second = sides
            if first is decisive or second is decisive:
                return decisive
            other = not decisive
            if (first is _ERROR or first is other) and (second is _ERROR or second is other):
                if first is _ERROR or second is _ERROR:
                    raise Missing
                return other
            raise Fallback

        return logic

    def _relation(self, tree: lark.Tree) -> Fn:
        if len(tree.children) == 1:
            return self.compile(tree.children[0])
        op_tree, right_tree = tree.children
        left, right = self.compile(op_tree.children[0]), self.compile(right_tree)
        kind = op_tree.data
        if kind in _RELATIONS:
            symbol = _RELATIONS[kind]
            return lambda env: _compare(symbol, left(env), right(env))
        if kind == "relation_eq":
            return lambda env: _equal(left(env), right(env))
        if kind == "relation_ne":
            return lambda env: not _equal(left(env), right(env))
        if kind == "relation_in":
            return lambda env: _contains(left(env), right(env))
        raise Unsupported(str(kind))

    def _arithmetic(self, tree: lark.Tree) -> Fn:
        if len(tree.children) == 1:
            return self.compile(tree.children[0])
        op_tree, right_tree = tree.children
        operation = _ARITHMETIC.get(str(op_tree.data))
        if operation is None:
            raise Unsupported(str(op_tree.data))
        left, right = self.compile(op_tree.children[0]), self.compile(right_tree)
        return lambda env: operation(left(env), right(env))

    _addition = _arithmetic
    _multiplication = _arithmetic

    def _unary(self, tree: lark.Tree) -> Fn:
        if len(tree.children) == 1:
            return self.compile(tree.children[0])
        op_tree, operand_tree = tree.children
        operand = self.compile(operand_tree)
        if op_tree.data == "unary_not":

            def negate(env: Env) -> bool:
                value = operand(env)
                if value is True or value is False:
                    return not value
                raise Fallback

            return negate

        def minus(env: Env) -> Any:
            value = operand(env)
            if type(value) is float:
                return -value
            if _is_int(value):
                return _checked(-value)
            raise Fallback

        return minus

    def _member(self, tree: lark.Tree) -> Fn:
        child = tree.children[0]
        if child.data == "primary":
            return self._single(child)
        if child.data == "member_dot":
            target, name = self.compile(child.children[0]), str(child.children[1])
            return lambda env: _field(target(env), name)
        if child.data == "member_index":
            target, index = self.compile(child.children[0]), self.compile(child.children[1])
            return lambda env: _index(target(env), index(env))
        if child.data == "member_dot_arg":
            return self._method(child)
        raise Unsupported(str(child.data))

    def _method(self, tree: lark.Tree) -> Fn:
        target = self.compile(tree.children[0])
        name = str(tree.children[1])
        args = [c for c in tree.children[2].children] if len(tree.children) > 2 else []
        if name in ("exists", "all", "filter", "map") and len(args) == 2:
            return self._comprehension(name, target, args)
        call = _CALLS.get((name, len(args) + 1))
        if call is None:
            raise Unsupported(name)
        compiled = [self.compile(arg) for arg in args]
        return lambda env: call(target(env), *(arg(env) for arg in compiled))

    def _comprehension(self, name: str, target: Fn, args: list[Any]) -> Fn:
        variable = _variable_name(args[0])
        body = self.compile(args[1])

        def items(env: Env) -> list[Any]:
            value = target(env)
            if isinstance(value, list):
                return value
            if isinstance(value, dict):
                return list(value)
            raise Fallback

        def each(env: Env, item: Any) -> Any:
            scope = dict(env)
            scope[variable] = item
            return body(scope)

        def guarded(env: Env, item: Any) -> Any:
            try:  # cel-python raises errors inside map/filter bodies: not absorbable
                return each(env, item)
            except CelError:
                raise Fallback from None

        if name == "map":
            return lambda env: [guarded(env, item) for item in items(env)]

        def predicate(env: Env, item: Any) -> bool:
            result = guarded(env, item)
            if result is True or result is False:
                return result
            raise Fallback

        if name == "filter":
            return lambda env: [item for item in items(env) if predicate(env, item)]
        decisive = name == "exists"

        def quantifier(env: Env) -> bool:
            # Errors inside a quantifier are absorbed by a decisive element in CEL; rather
            # than model that, any error goes to the interpreter.
            try:
                for item in items(env):
                    if predicate(env, item) is decisive:
                        return decisive
            except CelError:
                raise Fallback from None
            return not decisive

        return quantifier

    def _primary(self, tree: lark.Tree) -> Fn:
        return self._single(tree)

    def _ident(self, tree: lark.Tree) -> Fn:
        name = str(tree.children[0])
        if name in cel.TYPE_NAMES:
            raise Unsupported("type names")

        def lookup(env: Env) -> Any:
            try:
                return env[name]
            except KeyError:
                raise Fallback from None

        return lookup

    def _ident_arg(self, tree: lark.Tree) -> Fn:
        name = str(tree.children[0])
        args = list(tree.children[1].children) if len(tree.children) > 1 else []
        if name == "has":
            return self._has(args)
        call = _CALLS.get((name, len(args)))
        if call is None:
            raise Unsupported(name)
        compiled = [self.compile(arg) for arg in args]
        return lambda env: call(*(arg(env) for arg in compiled))

    def _has(self, args: list[Any]) -> Fn:
        if len(args) != 1:
            raise Unsupported("has")
        node = args[0]
        while isinstance(node, lark.Tree) and node.data != "member" and len(node.children) == 1:
            node = node.children[0]
        if not isinstance(node, lark.Tree) or node.children[0].data != "member_dot":
            raise Unsupported("has() of a non-field")
        selection = node.children[0]
        target, name = self.compile(selection.children[0]), str(selection.children[1])

        def has(env: Env) -> bool:
            try:
                value = target(env)
            except CelError:
                return False  # cel-python: has(e.f) is false when e itself is missing
            if isinstance(value, dict):
                return name in value
            raise Fallback

        return has

    def _list_lit(self, tree: lark.Tree) -> Fn:
        if not tree.children:
            return lambda env: []
        items = [self.compile(child) for child in tree.children[0].children]
        return lambda env: [item(env) for item in items]

    def _literal(self, tree: lark.Tree) -> Fn:
        token = tree.children[0]
        kind, text = token.type, str(token)
        value: Any
        if kind == "INT_LIT":
            value = int(text, 16) if text.lstrip("-").startswith("0x") else int(text)
            if text.startswith("-0x"):
                value = -int(text[1:], 16)
            if not INT64_MIN <= value <= INT64_MAX:
                raise Unsupported("an integer literal beyond 64 bits")
        elif kind == "FLOAT_LIT":
            value = float(text)
        elif kind == "BOOL_LIT":
            value = text == "true"
        elif kind == "NULL_LIT":
            value = None
        elif kind == "STRING_LIT" and "\\" not in text and text[:1] in "\"'":
            value = text[1:-1]
        else:
            raise Unsupported(kind)
        return lambda env: value


#: Nodes through which cel-python carries a missing key as an error value that `||` and
#: `&&` can absorb. Calls, comprehensions, literals of lists and ternaries may raise.
_SIMPLE = frozenset(
    {
        "expr",
        "conditionalor",
        "conditionaland",
        "relation",
        "relation_lt",
        "relation_le",
        "relation_gt",
        "relation_ge",
        "relation_eq",
        "relation_ne",
        "addition",
        "addition_add",
        "addition_sub",
        "multiplication",
        "multiplication_mul",
        "multiplication_div",
        "unary",
        "unary_not",
        "unary_neg",
        "member",
        "member_dot",
        "primary",
        "ident",
        "literal",
        "paren_expr",
    }
)


def _simple(tree: Any) -> bool:
    return all(sub.data in _SIMPLE for sub in tree.iter_subtrees()) and not any(
        sub.data == "expr" and len(sub.children) == 3 for sub in tree.iter_subtrees()
    )


def _variable_name(tree: Any) -> str:
    for sub in tree.iter_subtrees_topdown():
        if sub.data == "ident":
            return str(sub.children[0])
        if len(sub.children) != 1:
            break
    raise Unsupported("comprehension variable")


def _field(value: Any, name: str) -> Any:
    if isinstance(value, Mapping):
        try:
            return value[name]
        except KeyError:
            raise Missing from None
    raise Fallback


def _index(value: Any, index: Any) -> Any:
    if isinstance(value, list) and _is_int(index):
        if 0 <= index < len(value):
            return value[index]
        if index < 0:
            raise Fallback  # cel-python indexes from the end, as Python does
        raise CelError
    if isinstance(value, Mapping) and isinstance(index, str):
        try:
            return value[index]
        except KeyError:
            raise Missing from None
    raise Fallback
