"""The division rule: no double division whose divisor may be zero.

CEL gives IEEE results for doubles: `x / 0.0` is infinity or NaN, and NaN compares false, so
`errors / total >= 0.25` with both zero would quietly pass and the gate would continue. A
rule must fail closed instead, so a division is accepted only where its divisor is provably
non-zero: a non-zero literal or param, an `int(...)` (integer division by zero is an
error, which fails closed), or a divisor that a guard before it rules out (`b > 0.0 && a /
b > t`, `b == 0.0 || a / b > t`, `b != 0.0 ? a / b : 0.0`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import lark

from phasegate.cel import syntax

Shape = tuple[tuple[str, ...], ...]
_CONVERSIONS = frozenset({"double", "dyn"})
_INTEGER = frozenset({"int", "uint"})
#: For `x OP c`: whether x != 0 follows when the comparison holds, by the constant c.
_NONZERO_IF_TRUE = {
    "relation_gt": lambda c: c >= 0,
    "relation_lt": lambda c: c <= 0,
    "relation_ge": lambda c: c > 0,
    "relation_le": lambda c: c < 0,
    "relation_ne": lambda c: c == 0,
    "relation_eq": lambda c: c != 0,
}
#: `x OP c` is false exactly when `x NEGATION[OP] c` is true (NaN aside: it makes every
#: comparison false, and a NaN is non-zero, so no guard is wrongly granted).
_NEGATION = {
    "relation_gt": "relation_le",
    "relation_le": "relation_gt",
    "relation_lt": "relation_ge",
    "relation_ge": "relation_lt",
    "relation_eq": "relation_ne",
    "relation_ne": "relation_eq",
}
_MIRROR = {
    "relation_gt": "relation_lt",
    "relation_lt": "relation_gt",
    "relation_ge": "relation_le",
    "relation_le": "relation_ge",
    "relation_eq": "relation_eq",
    "relation_ne": "relation_ne",
}


def unguarded_divisions(text: str, params: Mapping[str, Any]) -> list[tuple[str, int, int]]:
    """(divisor text, line, col) of every division in `text` whose divisor may be zero."""
    tree = syntax.parse_expression(text)
    found = []
    pending: list[tuple[Any, frozenset[Shape]]] = [(tree, frozenset())]
    while pending:
        node, safe = pending.pop()
        if not isinstance(node, lark.Tree):
            continue
        children = [child for child in node.children if isinstance(child, lark.Tree)]
        if node.data == "conditionaland" and len(children) == 2:
            pending += [(children[0], safe), (children[1], safe | _guards(children[0], True))]
        elif node.data == "conditionalor" and len(children) == 2:
            pending += [(children[0], safe), (children[1], safe | _guards(children[0], False))]
        elif node.data == "expr" and len(children) == 3:
            condition, then, otherwise = children
            pending += [
                (condition, safe),
                (then, safe | _guards(condition, True)),
                (otherwise, safe | _guards(condition, False)),
            ]
        elif syntax.comprehension_variable(node) is not None:
            # `l.all(x, ...)` binds x anew: a guard on another x says nothing about this one
            name = str(syntax.comprehension_variable(node))
            inner = frozenset(shape for shape in safe if not _mentions(shape, name))
            pending += [(children[0], safe), *((child, inner) for child in children[1:])]
        elif (
            node.data == "multiplication"
            and len(children) == 2
            and (children[0].data == "multiplication_div")
        ):
            divisor = children[1]
            if not _nonzero(divisor, safe, params):
                start, end = _span(divisor)
                found.append((text[start:end], *syntax._node_position(divisor)))
            pending += [(children[0], safe), (divisor, safe)]
        else:
            pending += [(child, safe) for child in children]
    return sorted(found, key=lambda item: (item[1], item[2]))


def _mentions(shape: Shape, name: str) -> bool:
    return any(item[0] == "token" and item[2] == name for item in shape)


def _span(tree: Any) -> tuple[int, int]:
    meta = tree.meta
    return (meta.start_pos, meta.end_pos) if not meta.empty else (0, 0)


def _strip(tree: Any) -> Any:
    """The expression itself, without single-child wrappers, parentheses and `double()`."""
    while isinstance(tree, lark.Tree):
        subtrees = [child for child in tree.children if isinstance(child, lark.Tree)]
        if tree.data == "ident_arg" and str(tree.children[0]) in _CONVERSIONS:
            arguments = subtrees[0].children if subtrees else []
            if len(arguments) != 1:
                return tree
            tree = arguments[0]
        elif tree.data == "member" and subtrees and subtrees[0].data != "primary":
            return tree  # a field chain: its whole path is the expression
        elif tree.data == "paren_expr" or (len(tree.children) == 1 and subtrees):
            tree = subtrees[0]
        else:
            return tree
    return tree


def _shape(tree: Any) -> Shape:
    return syntax.tree_shape(_strip(tree))


def _constant(tree: Any) -> float | None:
    """The value of a numeric literal, possibly negated, else None."""
    node = _strip(tree)
    sign = 1.0
    negated = isinstance(node, lark.Tree) and node.data == "unary" and len(node.children) == 2
    if negated and getattr(node.children[0], "data", "") == "unary_neg":
        sign, node = -1.0, _strip(node.children[1])
    if isinstance(node, lark.Tree) and node.data == "literal":
        token = node.children[0]
        if getattr(token, "type", "") in ("INT_LIT", "UINT_LIT", "FLOAT_LIT"):
            text = str(token).rstrip("uU")
            try:
                return sign * float(int(text, 0) if token.type != "FLOAT_LIT" else float(text))
            except ValueError:
                return None
    return None


def _nonzero(divisor: Any, safe: frozenset[Shape], params: Mapping[str, Any]) -> bool:
    constant = _constant(divisor)
    if constant is not None:
        return constant != 0
    node = _strip(divisor)
    if (
        isinstance(node, lark.Tree)
        and node.data == "ident_arg"
        and str(node.children[0]) in _INTEGER
    ):
        return True  # integer division by zero is an error: it fails closed
    path = syntax.plain_path(node)
    if path is not None and path[0] == "params" and len(path) == 2:
        value = params.get(path[1])
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value != 0
    return _shape(divisor) in safe


def _guards(condition: Any, truth: bool) -> frozenset[Shape]:
    """Shapes of expressions that are non-zero whenever `condition` evaluates to `truth`."""
    node = _strip(condition)
    if not isinstance(node, lark.Tree):
        return frozenset()
    children = [child for child in node.children if isinstance(child, lark.Tree)]
    if node.data == "conditionaland" and len(children) == 2 and truth:
        return _guards(children[0], True) | _guards(children[1], True)
    if node.data == "conditionalor" and len(children) == 2 and not truth:
        return _guards(children[0], False) | _guards(children[1], False)
    if node.data == "unary" and len(children) == 2 and children[0].data == "unary_not":
        return _guards(children[1], not truth)
    if node.data == "relation" and len(children) == 2:
        operator, right = children
        if not operator.children:
            return frozenset()
        left = operator.children[0]
        found = set()
        for operand, constant_side, op in (
            (left, right, operator.data),
            (right, left, _MIRROR.get(operator.data, "")),
        ):
            holds = _NONZERO_IF_TRUE.get(op if truth else _NEGATION.get(op, ""))
            constant = _constant(constant_side)
            if constant is not None and holds is not None and holds(constant):
                found.add(_shape(operand))
        return frozenset(found)
    return frozenset()
