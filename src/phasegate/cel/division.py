"""The division rule: no double division whose divisor may be zero.

CEL gives IEEE results for doubles: `x / 0.0` is infinity or NaN, and NaN compares false, so
`errors / total >= 0.25` with both zero would quietly pass and the gate would continue. A
rule must fail closed instead, so a division the checker resolved to (or left open for)
`divide_double` is accepted only where its divisor is provably non-zero: a non-zero literal
or param, or a divisor that a guard before it rules out (`b > 0.0 && a / b > t`,
`b == 0.0 || a / b > t`, `b != 0.0 ? a / b : 0.0`). An integer division needs no guard:
dividing an int by zero is an error, which fails closed. Read from the checked tree, so the
types decide: `double(a) / double(int(b))` divides doubles and needs its guard.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from phasegate.cel import model
from phasegate.cel.checked import CALL, COMPREHENSION, CONST, SELECT, Node
from phasegate.cel.expression import Expression

Shape = tuple[tuple[object, ...], ...]
#: Conversions that keep a number zero exactly when it was zero.
_CONVERSIONS = frozenset({"double", "dyn"})
#: For `x OP c`: whether x != 0 follows when the comparison holds, by the constant c.
_NONZERO_IF_TRUE = {
    "_>_": lambda c: c >= 0,
    "_<_": lambda c: c <= 0,
    "_>=_": lambda c: c > 0,
    "_<=_": lambda c: c < 0,
    "_!=_": lambda c: c == 0,
    "_==_": lambda c: c != 0,
}
#: `x OP c` is false exactly when `x NEGATION[OP] c` is true (NaN aside: it makes every
#: comparison false, and a NaN is non-zero, so no guard is wrongly granted).
_NEGATION = {
    "_>_": "_<=_",
    "_<=_": "_>_",
    "_<_": "_>=_",
    "_>=_": "_<_",
    "_==_": "_!=_",
    "_!=_": "_==_",
}
_MIRROR = {"_>_": "_<_", "_<_": "_>_", "_>=_": "_<=_", "_<=_": "_>=_", "_==_": "_==_"}
_MIRROR["_!=_"] = "_!=_"


def unguarded_divisions(
    expression: Expression, params: Mapping[str, Any]
) -> list[tuple[str, int, int, bool]]:
    """(divisor text, line, col, whether it is a literal zero) of every double division
    whose divisor may be zero: no guard can help a literal zero (`x / double(0)`)."""
    checked = expression.tree
    found = []
    pending: list[tuple[Node, frozenset[Shape]]] = [(checked.root, frozenset())]
    while pending:
        node, safe = pending.pop()
        node = model.unwrap(node)
        args = node.args
        if node.kind == CALL and node.name == "_&&_" and len(args) == 2:
            pending += [(args[0], safe), (args[1], safe | _guards(args[0], True))]
        elif node.kind == CALL and node.name == "_||_" and len(args) == 2:
            pending += [(args[0], safe), (args[1], safe | _guards(args[0], False))]
        elif node.kind == CALL and node.name == "_?_:_" and len(args) == 3:
            condition, then, otherwise = args
            pending += [
                (condition, safe),
                (then, safe | _guards(condition, True)),
                (otherwise, safe | _guards(condition, False)),
            ]
        elif node.kind == COMPREHENSION:
            # `l.all(x, ...)` binds x anew: a guard on another x says nothing about this one
            names = {node.name, node.iter_var2, node.accu_var} - {""}
            inner = frozenset(shape for shape in safe if not _mentions(shape, names))
            for name, part in node.parts.items():
                pending.append((part, safe if name in ("range", "init") else inner))
        elif node.kind == CALL and node.name == "_/_" and len(args) == 2:
            overloads = checked.overloads.get(node.id, ("divide_double",))
            divisor = args[1]
            doubles = any("double" in overload for overload in overloads)
            if doubles and not _nonzero(divisor, safe, params):
                line, col = model.start_of(checked, divisor)
                found.append((render(divisor), line, col, _constant(divisor) == 0))
            pending += [(args[0], safe), (divisor, safe)]
        else:
            pending += [(child, safe) for child in node.children() if child.raw]
    return sorted(found, key=lambda item: (item[1], item[2]))


def _mentions(shape: Shape, names: set[str]) -> bool:
    return any(item[1] in names for item in shape)


def _strip(node: Node) -> Node:
    """The expression itself, without phasegate's wrappers and `double()`/`dyn()`."""
    node = model.unwrap(node)
    while node.kind == CALL and node.target is None and node.name in _CONVERSIONS:
        if len(node.args) != 1:
            return node
        node = model.unwrap(node.args[0])
    return node


def _constant(node: Node) -> float | None:
    """The value of a numeric literal, possibly negated, else None."""
    node = _strip(node)
    sign = 1.0
    if node.kind == CALL and node.name == "-_" and len(node.args) == 1:
        sign, node = -1.0, _strip(node.args[0])
    if node.kind == CONST and node.name in ("int", "uint", "double"):
        return sign * float(node.value)
    return None


def _nonzero(divisor: Node, safe: frozenset[Shape], params: Mapping[str, Any]) -> bool:
    constant = _constant(divisor)
    if constant is not None:
        return constant != 0
    node = _strip(divisor)
    found = model.path_of(node, ("params",), frozenset())
    if found is not None and len(found[0]) == 2 and not found[2]:
        value = params.get(found[0][1])
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value != 0
    return model.shape(node) in safe


def _guards(condition: Node, truth: bool) -> frozenset[Shape]:
    """Shapes of expressions that are non-zero whenever `condition` evaluates to `truth`."""
    node = _strip(condition)
    args = node.args
    if node.kind != CALL:
        return frozenset()
    if node.name == "_&&_" and len(args) == 2 and truth:
        return _guards(args[0], True) | _guards(args[1], True)
    if node.name == "_||_" and len(args) == 2 and not truth:
        return _guards(args[0], False) | _guards(args[1], False)
    if node.name == "!_" and len(args) == 1:
        return _guards(args[0], not truth)
    if node.name in _NONZERO_IF_TRUE and len(args) == 2:
        found = set()
        for operand, constant_side, op in (
            (args[0], args[1], node.name),
            (args[1], args[0], _MIRROR[node.name]),
        ):
            holds = _NONZERO_IF_TRUE.get(op if truth else _NEGATION[op])
            constant = _constant(constant_side)
            if constant is not None and holds is not None and holds(constant):
                found.add(model.shape(_strip(operand)))
        return frozenset(found)
    return frozenset()


_BINARY = {
    "_*_": "*",
    "_/_": "/",
    "_%_": "%",
    "_+_": "+",
    "_-_": "-",
    "_<_": "<",
    "_<=_": "<=",
    "_>_": ">",
    "_>=_": ">=",
    "_==_": "==",
    "_!=_": "!=",
    "@in": "in",
    "_&&_": "&&",
    "_||_": "||",
}


def render(node: Node) -> str:
    """A part of the tree as CEL text (for messages: `division by facts.total`)."""
    out: list[str] = []
    pending: list[Node | str] = [model.unwrap(node)]
    for _ in range(100_000):  # bounded: each node is rendered once
        if not pending:
            break
        item = pending.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        item = model.unwrap(item)
        parts: list[Node | str] = []
        if item.kind == CONST:
            parts = [_literal(item)]
        elif item.kind == CALL and item.name in _BINARY and len(item.args) == 2:
            parts = ["(", item.args[0], f" {_BINARY[item.name]} ", item.args[1], ")"]
        elif item.kind == CALL and item.name in ("!_", "-_") and len(item.args) == 1:
            parts = [item.name[0], item.args[0]]
        elif item.kind == CALL and item.name == "_[_]" and len(item.args) == 2:
            parts = [item.args[0], "[", item.args[1], "]"]
        elif item.kind == CALL and item.name == "_?._" and len(item.args) == 2:
            key = item.args[1]
            parts = [item.args[0], f".?{key.value}" if key.kind == CONST else ".?"]
        elif item.kind == CALL:
            parts = [item.target, "."] if item.target is not None else []
            parts.append(item.name + "(")
            for index, arg in enumerate(item.args):
                parts += [", "] if index else []
                parts.append(arg)
            parts.append(")")
        elif item.kind == SELECT and item.target is not None:
            parts = (
                ["has(", item.target, f".{item.name})"]
                if item.test_only
                else [item.target, f".{item.name}"]
            )
        elif item.name:
            parts = [item.name]
        else:
            parts = ["…"]
        pending.extend(reversed(parts))
    text = "".join(out)
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


def _literal(node: Node) -> str:
    if node.name == "string":
        return repr(node.value)
    if node.name == "uint":
        return f"{node.value}u"
    if node.name == "bool":
        return "true" if node.value else "false"
    if node.name == "null":
        return "null"
    return repr(node.value)
