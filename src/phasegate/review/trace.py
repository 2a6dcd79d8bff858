"""Why a condition came out as it did: the value of each sub-expression, as a tree.

`explain` shows this tree to people and `test --coverage` counts which operands of `&&` and
`||` were decided both ways. Both must agree with the decision itself, so every value here
comes from the engine that decides (cel-expr-python), by evaluating the sub-expression's own
text with the rule's variables; cel-python's parser only supplies the tree. Comprehension
macros (`exists`, `all`, ...) are leaves: their bodies read a bound variable and have no
value of their own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

import lark

from phasegate import cel
from phasegate.cel import syntax
from phasegate.core.evaluate import Snapshot
from phasegate.core.facts import Facts
from phasegate.core.policy import Policy, Rule
from phasegate.review import parsercache  # noqa: F401 - the parser kept in the cache


class Outcome(StrEnum):
    TRUE = "true"
    FALSE = "false"
    #: A value that is not a bool (a number, a string, a list...).
    VALUE = "value"
    ERROR = "error"
    #: Not evaluated: the branch of `? :` that was not taken, or an expression that cannot
    #: stand alone.
    UNEVALUATED = "unevaluated"


class Kind(StrEnum):
    OR = "or"
    AND = "and"
    NOT = "not"
    CONDITIONAL = "conditional"
    RELATION = "relation"
    ARITHMETIC = "arithmetic"
    #: Anything evaluated as a whole: a fact path, a call, a macro.
    VALUE = "value"
    #: A constant written in the condition: its value is its text.
    LITERAL = "literal"


@dataclass(frozen=True)
class Node:
    """One sub-expression and what it evaluated to; line and col are within the condition."""

    kind: Kind
    text: str
    line: int
    col: int
    outcome: Outcome
    #: The value as plain data (None when there is none, or it is null).
    value: Any
    error: str | None
    children: tuple[Node, ...]
    #: The operator of a relation or arithmetic node (`>`, `+`...).
    operator: str | None = None

    @property
    def key(self) -> tuple[int, int, str]:
        """What identifies this sub-expression across evaluations of the same rule."""
        return (self.line, self.col, self.text)

    def deciding(self) -> tuple[Node, ...]:
        """The children that settled this node's outcome; the others did not matter.

        `a || b` is true because of its true operands and false because of all of them;
        `&&` the other way round; an error because of the operands that failed.
        """
        if self.kind in (Kind.OR, Kind.AND):
            short = Outcome.TRUE if self.kind is Kind.OR else Outcome.FALSE
            if self.outcome is short:
                return tuple(child for child in self.children if child.outcome is short)
            if self.outcome is Outcome.ERROR:
                return tuple(child for child in self.children if child.outcome is Outcome.ERROR)
        if self.kind is Kind.CONDITIONAL:
            return tuple(c for c in self.children if c.outcome is not Outcome.UNEVALUATED)
        return self.children


def trace(expression: cel.Expression, bindings: cel.Bindings) -> Node:
    """The evaluation tree of `expression` over `bindings`. A text cel-python's parser does
    not take (`?.`, backtick names, a trailing comma) is one node: the engine's value of the
    whole, at 1:1."""
    try:
        tree = syntax.parse_expression(expression.text)
    except cel.CelError:
        value = cel.run(expression, bindings)
        failed = isinstance(value, cel.EvalFailure)
        return Node(
            Kind.VALUE,
            expression.text,
            1,
            1,
            outcome_of(value),
            None if failed else cel.jsonable(value),
            value.message if failed else None,
            (),
        )
    return _Tracer(expression.text, expression.variables, bindings).build(tree, evaluate=True)


def trace_rule(
    rule: Rule, policy: Policy, facts: Facts, history: Sequence[Mapping[str, Any]] = ()
) -> Node:
    """The tree of one rule's condition for `facts`, with the variables `evaluate` gives it
    (`history`: earlier snapshots' data, oldest first, for rules that read it)."""
    snapshot = Snapshot(facts, list(history))
    return trace(rule.when, snapshot.bindings(policy))


def branch_points(node: Node) -> Iterator[Node]:
    """The operands of every `&&` and `||` in the tree, outermost first."""
    if node.kind in (Kind.OR, Kind.AND):
        yield from node.children
    for child in node.children:
        yield from branch_points(child)


def outcome_of(value: Any) -> Outcome:
    if isinstance(value, cel.EvalFailure):
        return Outcome.ERROR
    if value is True or value is False:
        return Outcome.TRUE if value else Outcome.FALSE
    return Outcome.VALUE


@lru_cache(maxsize=4096)
def _compiled(text: str, variables: tuple[str, ...]) -> cel.Expression | None:
    try:
        return cel.compile_expression(text, variables)
    except cel.CelError:
        return None


#: Grammar rules that only wrap their single child.
_WRAPPERS = frozenset(
    {"expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication"}
)


class _Tracer:
    def __init__(self, text: str, variables: tuple[str, ...], bindings: cel.Bindings) -> None:
        self.text = text
        self.variables = variables
        self.bindings = bindings

    def build(self, tree: Any, *, evaluate: bool) -> Node:
        tree = _unwrap(tree)
        kind, operator, parts = _shape(tree)
        text = self.text[tree.meta.start_pos : tree.meta.end_pos]
        value: Any = None
        outcome = Outcome.UNEVALUATED
        error = None
        if evaluate:
            compiled = _compiled(text, self.variables)
            if compiled is not None:
                result = cel.run(compiled, self.bindings)
                outcome = outcome_of(result)
                if isinstance(result, cel.EvalFailure):
                    error = result.message
                else:
                    value = cel.jsonable(result)  # the tree is plain data for reports
        children = self._children(kind, parts, evaluate)
        return Node(
            kind=kind,
            text=text,
            line=tree.meta.line,
            col=tree.meta.column,
            outcome=outcome,
            value=value,
            error=error,
            children=children,
            operator=operator,
        )

    def _children(self, kind: Kind, parts: list[Any], evaluate: bool) -> tuple[Node, ...]:
        if kind is not Kind.CONDITIONAL:
            return tuple(self.build(part, evaluate=evaluate) for part in parts)
        condition = self.build(parts[0], evaluate=evaluate)
        taken = {Outcome.TRUE: 1, Outcome.FALSE: 2}.get(condition.outcome)
        branches = [
            self.build(part, evaluate=evaluate and index == taken)
            for index, part in enumerate(parts[1:], start=1)
        ]
        return (condition, *branches)


def _unwrap(tree: Any) -> Any:
    """Down to the first node that does something: past wrappers, parentheses, `member` and
    `primary` around a single child."""
    while isinstance(tree, lark.Tree):
        if tree.data in (*_WRAPPERS, "unary") and len(tree.children) == 1:
            tree = tree.children[0]
        elif tree.data in ("member", "primary") and len(tree.children) == 1:
            inner = tree.children[0]
            if not isinstance(inner, lark.Tree) or inner.data not in ("primary", "paren_expr"):
                return tree
            tree = inner
        elif tree.data == "paren_expr":
            tree = tree.children[0]
        else:
            return tree
    return tree


def _flatten(tree: lark.Tree, name: str) -> list[Any]:
    """`a || b || c` is nested to the left in the grammar; people read it as one list."""
    left, right = tree.children
    left = _strip(left, name)
    head = _flatten(left, name) if left.data == name and len(left.children) == 2 else [left]
    return [*head, right]


def _strip(tree: Any, name: str) -> Any:
    while tree.data != name and tree.data in _WRAPPERS and len(tree.children) == 1:
        tree = tree.children[0]
    return tree


def _shape(tree: Any) -> tuple[Kind, str | None, list[Any]]:
    """The node's kind, operator and operand subtrees."""
    if not isinstance(tree, lark.Tree):
        return Kind.VALUE, None, []
    data, children = tree.data, tree.children
    if data == "expr" and len(children) == 3:
        return Kind.CONDITIONAL, "?:", list(children)
    if data == "conditionalor" and len(children) == 2:
        return Kind.OR, "||", _flatten(tree, "conditionalor")
    if data == "conditionaland" and len(children) == 2:
        return Kind.AND, "&&", _flatten(tree, "conditionaland")
    if data == "unary" and len(children) == 2 and children[0].data == "unary_not":
        return Kind.NOT, "!", [children[1]]
    if data in ("relation", "addition", "multiplication") and len(children) == 2:
        operator_tree, right = children
        kind = Kind.RELATION if data == "relation" else Kind.ARITHMETIC
        return kind, syntax.operator_symbol(operator_tree.data), [operator_tree.children[0], right]
    if data == "literal" or (data == "primary" and children[0].data == "literal"):
        return Kind.LITERAL, None, []
    return Kind.VALUE, None, []
