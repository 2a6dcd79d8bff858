"""Where inside an expression an evaluation failed.

The engine's errors carry no position. When a report needs one (the decision's
`error_line`/`error_col`), the failing expression is walked down its checked tree: each
sub-expression is run on its own (the engine revives a part of the checked expression
without compiling), with the same variables, and the innermost one that still fails the
same way is where the error is. This runs only after an error, and only for reports that
show positions.
"""

from __future__ import annotations

from typing import Any

from phasegate.cel import model
from phasegate.cel.checked import COMPREHENSION, CONST, IDENT, Node
from phasegate.cel.expression import Expression
from phasegate.cel.runtime import Bindings, EvalFailure, failure
from phasegate.cel.values import ERROR

#: Sub-expressions tried at the most: the walk is bounded whatever the expression's size.
MAX_STEPS = 400


def locate(expression: Expression, bindings: Bindings, failed: EvalFailure) -> EvalFailure:
    """`failed` with the line:col of the innermost sub-expression that fails the same way."""
    if failed.line is not None:
        return failed
    node = model.unwrap(expression.checked.root)
    where = model.start_of(expression.checked, node)
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
        where = model.start_of(expression.checked, node)
    return EvalFailure(failed.message, *where)


def _operands(node: Node) -> list[Node]:
    """The parts below `node` worth running alone (with phasegate's wrappers, which are
    what fails): not constants, not comprehension bodies (they read the comprehension's own
    variables)."""
    node = model.unwrap(node)
    if node.kind == COMPREHENSION:
        return [node.parts["range"]] if "range" in node.parts else []
    return [child for child in node.children() if child.raw and model.unwrap(child).kind != CONST]


def _evaluate(expression: Expression, node: Node, bindings: Bindings) -> Any:
    """The value of one part on its own, or None where it cannot stand alone (it names a
    variable a comprehension around it binds)."""
    free = {
        part.name
        for part, bound in model.walk(node)
        if part.kind == IDENT and part.name not in bound
    }
    if not free <= set(expression.variables):
        return None
    try:
        program = expression.env.deserialize(expression.checked.part(node))
        value = program.eval(bindings.activation(expression))
        if value.type() != ERROR:
            return value
        message = str(value.value())
    except (RuntimeError, ValueError, TypeError):  # an optional value is no error either
        return None
    return failure(message, expression, bindings.data)
