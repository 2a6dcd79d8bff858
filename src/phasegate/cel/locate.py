"""Where inside an expression an evaluation failed.

The engine's errors carry no position. When a report needs one (the decision's
`error_line`/`error_col`), the failing expression is walked down its syntax tree: each
sub-expression is evaluated on its own with the same variables, and the innermost one that
still fails is where the error is. This runs only after an error, and only for reports that
show positions, so the syntax-tree parser stays out of every other path.
"""

from __future__ import annotations

import re
from typing import Any

import lark

from phasegate.cel import lexer, syntax
from phasegate.cel.expression import CelSyntaxError, Expression, compile_expression
from phasegate.cel.runtime import Bindings, EvalFailure, run

#: Sub-expressions tried at the most: the walk is bounded whatever the expression's size.
MAX_STEPS = 400
#: Nodes that hold a binary operator and its left operand (`a / b` is
#: multiplication(multiplication_div(a), b)): their text, `a /`, is no expression, so the
#: walk looks through them to the operand.
_OPERATOR = re.compile(r"(relation|addition|multiplication)_")


def locate(expression: Expression, bindings: Bindings, failed: EvalFailure) -> EvalFailure:
    """`failed` with the line:col of the innermost sub-expression that fails the same way."""
    if failed.line is not None:
        return failed
    try:
        tree = syntax.parse_expression(expression.text)
    except CelSyntaxError:
        return failed
    # The whole expression failed: it is where the error is, until a part of it fails too.
    where = syntax._node_position(tree)
    node: Any = tree
    bound: frozenset[str] = frozenset()
    steps = 0
    while steps < MAX_STEPS:
        deeper = None
        for child in _operands(node):
            steps += 1
            value = _evaluate(expression, child, bindings, bound)
            if isinstance(value, EvalFailure) and value.message == failed.message:
                deeper = child
                break
        if deeper is None:
            break
        bound |= _binds(node)
        node = deeper
        where = syntax._node_position(node)
    return EvalFailure(failed.message, *where)


def _binds(tree: Any) -> frozenset[str]:
    name = syntax.comprehension_variable(tree)
    return frozenset() if name is None else frozenset({name})


def _operands(tree: Any) -> list[Any]:
    """The sub-expressions directly below `tree` that span less than it does."""
    found: list[Any] = []
    pending = [child for child in getattr(tree, "children", ()) if isinstance(child, lark.Tree)]
    span = _span(tree)
    while pending:
        child = pending.pop(0)
        child_span = _span(child)
        operator = _OPERATOR.match(str(child.data))
        if child_span is not None and child_span != span and not operator:
            found.append(child)
        else:
            pending[:0] = [c for c in child.children if isinstance(c, lark.Tree)]
    return found


def _span(tree: Any) -> tuple[int, int] | None:
    meta = getattr(tree, "meta", None)
    if meta is None or getattr(meta, "empty", True):
        return None
    return meta.start_pos, meta.end_pos


def _evaluate(expression: Expression, tree: Any, bindings: Bindings, bound: frozenset[str]) -> Any:
    """The value of one sub-expression on its own, or None where it cannot stand alone.

    A part that names a comprehension's variable means that variable, not the rule's
    (`l.exists(facts, facts > 1)`): evaluated alone it would read the rule's, and could fail
    for a reason the rule never met, so it is not tried.
    """
    span = _span(tree)
    if span is None:
        return None
    text = expression.text[span[0] : span[1]]
    if bound and _names(text) & bound:
        return None
    try:
        part = compile_expression(text, expression.variables)
    except CelSyntaxError:  # a fragment that cannot stand alone (a comprehension's body)
        return None
    return run(part, bindings)


def _names(text: str) -> set[str]:
    """The identifiers of `text` that name a variable (not a field after a dot)."""
    try:
        toks = lexer.tokens(text)
    except lexer.LexError:
        return set()
    return {
        tok.text
        for i, tok in enumerate(toks)
        if tok.kind == "ident" and (i == 0 or toks[i - 1].text != ".")
    }
