"""Where inside an expression an evaluation failed.

The engine's errors carry no position. When a report needs one (the decision's
`error_line`/`error_col`), the failing expression is walked down its syntax tree: each
sub-expression is evaluated on its own with the same variables, and the innermost one that
still fails is where the error is. This runs only after an error, and only for reports that
show positions, so the syntax-tree parser stays out of every other path.
"""

from __future__ import annotations

from typing import Any

import lark

from phasegate.cel import syntax
from phasegate.cel.expression import CelSyntaxError, Expression, compile_expression
from phasegate.cel.runtime import Bindings, EvalFailure, run

#: Sub-expressions tried at the most: the walk is bounded whatever the expression's size.
MAX_STEPS = 400


def locate(expression: Expression, bindings: Bindings, failed: EvalFailure) -> EvalFailure:
    """`failed` with the line:col of the innermost sub-expression that fails the same way."""
    if failed.line is not None:
        return failed
    try:
        tree = syntax.parse_expression(expression.text)
    except CelSyntaxError:
        return failed
    where: tuple[int, int] | None = None
    node: Any = tree
    steps = 0
    while steps < MAX_STEPS:
        deeper = None
        for child in _operands(node):
            steps += 1
            value = _evaluate(expression, child, bindings)
            if isinstance(value, EvalFailure) and value.message == failed.message:
                deeper = child
                break
        if deeper is None:
            break
        node = deeper
        where = syntax._node_position(node)
    if where is None:
        return failed
    return EvalFailure(failed.message, *where)


def _operands(tree: Any) -> list[Any]:
    """The sub-expressions directly below `tree` that span less than it does."""
    found: list[Any] = []
    pending = [child for child in getattr(tree, "children", ()) if isinstance(child, lark.Tree)]
    span = _span(tree)
    while pending:
        child = pending.pop(0)
        child_span = _span(child)
        if child_span is not None and child_span != span:
            found.append(child)
        else:
            pending[:0] = [c for c in child.children if isinstance(c, lark.Tree)]
    return found


def _span(tree: Any) -> tuple[int, int] | None:
    meta = getattr(tree, "meta", None)
    if meta is None or getattr(meta, "empty", True):
        return None
    return meta.start_pos, meta.end_pos


def _evaluate(expression: Expression, tree: Any, bindings: Bindings) -> Any:
    span = _span(tree)
    if span is None:
        return None
    try:
        part = compile_expression(expression.text[span[0] : span[1]], expression.variables)
    except CelSyntaxError:  # a fragment that cannot stand alone (a comprehension's body)
        return None
    return run(part, bindings)
