"""What the facts schema says about the paths a condition reads: fact paths it does not
declare (also below a list index, a comprehension variable or a `history` item), and optional
facts read without a `has()` that guarantees them.

Types are the engine's to check (see `phasegate.review.lint`); this walk stays because the engine
sees `facts` as an open map: it cannot tell that `facts.checks.ci.okk` or `i.sevrity` in
`incidents.exists(i, ...)` does not exist, nor which reads a `has()` on the other side of
an `&&`, `||` or `? :` makes safe. Each sub-expression's schema node is followed through
the tree for that; nothing here is reported unless it holds for every document the schema
accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import lark

from phasegate import cel
from phasegate.cel import syntax
from phasegate.core import factschema
from phasegate.core.factschema import Status
from phasegate.review import parsercache  # noqa: F401 - the parser kept in the cache


@dataclass(frozen=True)
class Type:
    """What the schema says of a value; `name` None is anything."""

    name: str | None = None
    #: The facts-schema node of the value (maps and lists of facts).
    schema: Mapping[str, Any] | None = None
    #: The path the value was read from (`facts.metrics`), for messages.
    path: tuple[str, ...] = ()
    #: A string literal's value, for `facts["x"]`.
    value: Any = field(default=None, compare=False)


DYN = Type()


@dataclass(frozen=True)
class Problem:
    """One finding; line and col are within the condition text."""

    code: str
    message: str
    line: int
    col: int


@dataclass
class Result:
    problems: list[Problem]
    #: Fact paths read without a `has()` that guarantees them, with the optional part.
    unguarded: list[tuple[tuple[str, ...], tuple[str, ...], int, int]]


def check(expression: cel.Expression, params: Mapping[str, Any] | None = None) -> Result:
    """The schema's findings on a compiled condition (`params`: its file's). Raises
    RecursionError when the condition is nested deeper than the walk can follow."""
    try:
        tree = syntax.parse_expression(expression.text)
    except cel.CelError:  # CEL the engine reads and cel-python does not (`?.`, backticks)
        return _from_engine(expression)
    checker = _Checker(params or {})
    checker.walk(tree, {}, frozenset())
    for read in syntax.analyze(expression.text, expression.variables, tree):
        if read.path[0] != "facts" or read.guarded or len(read.path) < 2:
            continue
        lookup = factschema.lookup(read.path[1:])
        present = checker.present_at.get((read.line, read.col), frozenset())
        missing = [part for part in lookup.optional if not _covered(part, present)]
        if missing:
            checker.unguarded.append((read.path, ("facts", *missing[0]), read.line, read.col))
    return Result(checker.problems, checker.unguarded)


def _from_engine(expression: cel.Expression) -> Result:
    """The schema's findings from the engine's reads, for a text cel-python's parser does
    not take: each path is looked up whole; a read inside has() or through an optional
    selection (`facts.?metrics.?error_rate`) is guarded; a has() elsewhere is not followed,
    so such a read is reported as unguarded (a note, never an error)."""
    problems, unguarded = [], []
    for read in expression.reads:
        if read.path[0] != "facts" or len(read.path) < 2:
            continue
        found = factschema.lookup(read.path[1:])
        if found.status is Status.UNKNOWN:
            if len(read.path) > 2:  # a top-level name is refused when the policy loads
                problems.append(
                    Problem("unknown-fact", found.message(read.path), read.line, read.col)
                )
            continue
        if not read.guarded and found.optional:
            unguarded.append((read.path, ("facts", *found.optional[0]), read.line, read.col))
    return Result(problems, unguarded)


def _covered(optional: tuple[str, ...], present: frozenset[tuple[str, ...]]) -> bool:
    return any(known[: len(optional)] == optional for known in present)


def _position(tree: Any) -> tuple[int, int]:
    meta = getattr(tree, "meta", None)
    if meta is not None and not getattr(meta, "empty", True):
        return meta.line, meta.column
    return getattr(tree, "line", 1) or 1, getattr(tree, "column", 1) or 1


class _Checker:
    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = params
        self.problems: list[Problem] = []
        self.unguarded: list[tuple[tuple[str, ...], tuple[str, ...], int, int]] = []
        #: The fact paths a `has()` guarantees where a member chain starts, by position.
        self.present_at: dict[tuple[int, int], frozenset[tuple[str, ...]]] = {}

    def problem(self, code: str, message: str, tree: Any) -> None:
        line, col = _position(tree)
        self.problems.append(Problem(code, message, line, col))

    def walk(self, tree: Any, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        if not isinstance(tree, lark.Tree):
            return DYN
        handler = getattr(self, f"_{tree.data}", None)
        if handler is not None:
            return handler(tree, scope, present)
        if len(tree.children) == 1:
            return self.walk(tree.children[0], scope, present)
        for child in tree.children:
            self.walk(child, scope, present)
        return DYN

    def _expr(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        if len(tree.children) == 1:
            return self.walk(tree.children[0], scope, present)
        condition, then, otherwise = tree.children
        self.walk(condition, scope, present)
        self.walk(then, scope, present | positive(condition))
        self.walk(otherwise, scope, present | negative(condition))
        return DYN

    def _conditionalor(
        self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]
    ) -> Type:
        return self.logic(tree, scope, present, negative)

    def _conditionaland(
        self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]
    ) -> Type:
        return self.logic(tree, scope, present, positive)

    def logic(
        self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any], guard: Any
    ) -> Type:
        if len(tree.children) == 1:
            return self.walk(tree.children[0], scope, present)
        left, right = tree.children
        # CEL is commutative here: `false && error` is false whichever side fails, so each
        # side is guarded by what the other side's `has()` establishes.
        self.walk(left, scope, present | guard(right))
        self.walk(right, scope, present | guard(left))
        return DYN

    def _relation(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        if len(tree.children) == 1:
            return self.walk(tree.children[0], scope, present)
        operator, right_tree = tree.children
        left = self.walk(operator.children[0], scope, present)
        right = self.walk(right_tree, scope, present)
        if operator.data in ("relation_eq", "relation_ne"):
            never = "never holds" if operator.data == "relation_eq" else "always holds"
            for fact, other in ((left, right_tree), (right, operator.children[0])):
                for value in self.constants(other, single=True):
                    self.outside_enum(fact, value, f"the comparison {never}", tree)
        elif operator.data == "relation_in":
            for value in self.constants(right_tree, single=False):
                self.outside_enum(left, value, "it never matches", tree)
            key = syntax.string_literal(operator.children[0])
            if key is not None and right.name == "map":
                self.field(right, key, tree)  # `'eror_rate' in facts.metrics`: a has() typo
            elif key is not None and right.name == "list":
                item = factschema.item_schema(right.schema)
                if item is not None:
                    member = self.of_schema(item, (*right.path[:-1], f"{right.path[-1]}[]"))
                    self.outside_enum(member, key, "it never matches", tree)
        return DYN

    def constants(self, tree: Any, single: bool) -> list[Any]:
        """The strings an operand certainly is (`single`) or holds: a string literal, a list
        literal's string items, or a param's value (params are constants)."""
        path = syntax.plain_path(tree)
        if path is not None and path[0] == "params":
            value = cel.lookup(self.params, path[1:])
            values = [value] if single else value if isinstance(value, list) else []
            return [item for item in values if isinstance(item, str)]
        if single:
            literal = syntax.string_literal(tree)
            return [] if literal is None else [literal]
        while isinstance(tree, lark.Tree) and tree.data != "list_lit" and len(tree.children) == 1:
            tree = tree.children[0]
        if not isinstance(tree, lark.Tree) or tree.data != "list_lit" or not tree.children:
            return []
        items = (syntax.string_literal(item) for item in tree.children[0].children)
        return [item for item in items if item is not None]

    def outside_enum(self, fact: Type, value: str, outcome: str, tree: Any) -> None:
        """A string the schema never lets the fact be: a typo (`'rolled-back'` for
        `rolled_back`) that loads clean and turns a rule off for good."""
        allowed = fact.schema.get("enum") if fact.schema is not None else None
        if not isinstance(allowed, list) or value in allowed:
            return
        where = ".".join(fact.path)
        shown = ", ".join(map(str, allowed))
        message = f"{value!r} is not a value {where} can have (one of: {shown}): {outcome}"
        self.problem("unknown-value", message, tree)

    def _member(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        child = tree.children[0]
        if child.data in ("member_dot", "member_index"):
            self.present_at.setdefault(_position(child), present)
        return self.walk(child, scope, present)

    def _member_dot(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        target_tree, name_token = tree.children
        target = self.walk(target_tree, scope, present)
        return self.field(target, str(name_token), tree)

    def _member_index(
        self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]
    ) -> Type:
        target_tree, index_tree = tree.children
        target = self.walk(target_tree, scope, present)
        index = self.walk(index_tree, scope, present)
        if target.name == "list":
            item = factschema.item_schema(target.schema)
            if item is None:
                return DYN
            return self.of_schema(item, (*target.path[:-1], f"{target.path[-1]}[]"))
        if target.name == "map" and isinstance(index.value, str):
            return self.field(target, index.value, tree)
        return DYN

    def field(self, target: Type, name: str, tree: Any) -> Type:
        path = (*target.path, name)
        if target.name not in (None, "map"):
            if target.path[:1] == ("facts",):
                where = ".".join(target.path)
                self.problem(
                    "unknown-fact", f"{where} is a {target.name}: it has no field {name!r}", tree
                )
            return DYN  # any other type: the engine's checker reports it
        if target.schema is None:
            return DYN
        # The step's own name decides typo checks: a name under `metrics` or `baseline`.
        parent = target.path[-1] if target.path else None
        found = factschema.lookup((name,), target.schema, parent)
        shown = ".".join(path)
        if found.status is Status.UNKNOWN:
            if target.path == ("facts",):
                return DYN  # refused when the policy loads, with the same message
            self.problem("unknown-fact", found.message(path, target.path), tree)
            return DYN
        if found.status is Status.UNDECLARED:
            self.problem(
                "undeclared-metric",
                f"{shown!r} is not a declared metric (allowed: metrics are open; check the "
                "collector provides it)",
                tree,
            )
        if found.node is None:
            return Type(None, None, path)
        return self.of_schema(found.node, path)

    def of_schema(self, schema: Mapping[str, Any], path: tuple[str, ...]) -> Type:
        return Type(factschema.cel_type(schema), factschema.node(schema), path)

    def _member_dot_arg(
        self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]
    ) -> Type:
        target_tree, method = tree.children[0], str(tree.children[1])
        arguments = []
        if len(tree.children) > 2:
            arguments = [arg for arg in tree.children[2].children if isinstance(arg, lark.Tree)]
        target = self.walk(target_tree, scope, present)
        variable = syntax.bare_ident(arguments[0]) if arguments else None
        if method not in syntax.COMPREHENSIONS or variable is None:
            for argument in arguments:
                self.walk(argument, scope, present)
            return DYN
        bound = DYN
        if target.name == "list":
            item = factschema.item_schema(target.schema)
            if item is not None:
                bound = Type(factschema.cel_type(item), factschema.node(item), (variable,))
        for body in arguments[1:]:
            self.walk(body, {**scope, variable: bound}, present)
        return DYN

    def _ident(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        name = str(tree.children[0])
        if name in scope:
            return scope[name]
        if name == "facts":
            return Type("map", factschema.facts_node(), ("facts",))
        if name == "history":
            return Type("list", {"items": factschema.facts_node()}, ("history",))
        return DYN

    def _ident_arg(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        name = str(tree.children[0])
        arguments = []
        if len(tree.children) > 1:
            arguments = [arg for arg in tree.children[1].children if isinstance(arg, lark.Tree)]
        for argument in arguments:
            self.walk(
                argument,
                scope,
                present | (positive_has(argument) if name == "has" else frozenset()),
            )
        return DYN

    def _literal(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        return Type(value=syntax.string_literal(tree))


# --- what a has() guarantees -----------------------------------------------------------------


def positive_has(argument: Any) -> frozenset[tuple[str, ...]]:
    """Inside `has(facts.a.b)`, the prefix `facts.a` is safe to read."""
    path = syntax.plain_path(argument)
    if path is None or path[0] != "facts" or len(path) < 3:
        return frozenset()
    return frozenset({path[1:-1]})


def positive(tree: Any) -> frozenset[tuple[str, ...]]:
    """Fact paths (below `facts`) certainly present when `tree` is true."""
    return _guarantees(tree, True)


def negative(tree: Any) -> frozenset[tuple[str, ...]]:
    """Fact paths certainly present when `tree` is false."""
    return _guarantees(tree, False)


def _guarantees(tree: Any, truth: bool) -> frozenset[tuple[str, ...]]:
    while isinstance(tree, lark.Tree) and len(tree.children) == 1 and tree.data != "ident_arg":
        if tree.data == "member" and tree.children[0].data != "primary":
            return frozenset()
        tree = tree.children[0]
    if not isinstance(tree, lark.Tree):
        return frozenset()
    if tree.data == "paren_expr":
        return _guarantees(tree.children[0], truth)
    if tree.data == "unary" and tree.children[0].data == "unary_not":
        return _guarantees(tree.children[1], not truth)
    if tree.data in ("conditionaland", "conditionalor") and len(tree.children) == 2:
        left, right = (_guarantees(child, truth) for child in tree.children)
        both = (tree.data == "conditionaland") == truth
        return left | right if both else left & right
    if tree.data == "ident_arg" and str(tree.children[0]) == "has" and truth:
        arguments = [a for a in tree.children[1].children if isinstance(a, lark.Tree)]
        path = syntax.plain_path(arguments[0]) if arguments else None
        if path is not None and path[0] == "facts" and len(path) > 1:
            return frozenset({path[1:]})
    return frozenset()
