"""A static check of one CEL condition against the facts schema: paths, types, and which
optional facts are read without `has()`.

cel-python has no type checker, and the gate must not learn at 3 a.m. that a rule compares
a string with a number: evaluation would fail and the rule would only ever contribute its
`on_error`. Types come from the facts schema (after normalisation: `number` is a double,
`integer` an int) and from the policy's own params. What cannot be known is `dyn` and is
never reported: every finding here is certain for documents the schema accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import lark

from phasegate import cel, factschema
from phasegate.cel import syntax
from phasegate.factschema import Status

#: Numeric CEL types: comparisons between them follow the spec, arithmetic does not mix.
NUMBERS = frozenset({"int", "uint", "double"})

_STRING_METHODS = {
    "startsWith": "bool",
    "endsWith": "bool",
    "contains": "bool",
    "matches": "bool",
    "trim": "string",
    "lowerAscii": "string",
    "upperAscii": "string",
    "replace": "string",
    "trimPrefix": "string",
    "trimSuffix": "string",
    "split": "list",
    "capture": None,  # a string, or null when nothing matches
}
_FUNCTIONS = {
    "size": "int",
    "int": "int",
    "uint": "uint",
    "double": "double",
    "string": "string",
    "bool": "bool",
    "bytes": "bytes",
    "timestamp": "timestamp",
    "duration": "duration",
    "matches": "bool",
    "type": "type",
}
_LITERALS = {
    "INT_LIT": "int",
    "UINT_LIT": "uint",
    "FLOAT_LIT": "double",
    "STRING_LIT": "string",
    "MLSTRING_LIT": "string",
    "BYTES_LIT": "bytes",
    "BOOL_LIT": "bool",
    "NULL_LIT": "null",
}


@dataclass(frozen=True)
class Type:
    """What is statically known of a value; `name` None is `dyn` (anything)."""

    name: str | None = None
    #: The facts-schema node of the value (maps and lists of facts).
    schema: Mapping[str, Any] | None = None
    #: The path the value was read from (`facts.metrics`), for messages.
    path: tuple[str, ...] = ()
    #: A known constant: params, literals (for `never fires` and param types).
    value: Any = field(default=None, compare=False)
    known: bool = False


DYN = Type()


@dataclass(frozen=True)
class Problem:
    """One finding; line and col are within the condition text."""

    code: str
    severity: str
    message: str
    line: int
    col: int


@dataclass
class Result:
    type: Type
    problems: list[Problem]
    #: Fact paths read without a `has()` that guarantees them, with the optional part.
    unguarded: list[tuple[tuple[str, ...], tuple[str, ...], int, int]]


def check(expression: cel.Expression, params: Any) -> Result:
    """Check a compiled condition; `params` are the policy's params as rules see them."""
    checker = _Checker(params)
    found = checker.walk(syntax.parse_expression(expression.text), {}, frozenset())
    for read in syntax.analyze(expression.text, expression.variables):
        if read.path[0] != "facts" or read.guarded or len(read.path) < 2:
            continue
        lookup = factschema.lookup(read.path[1:])
        present = checker.present_at.get((read.line, read.col), frozenset())
        missing = [part for part in lookup.optional if not _covered(part, present)]
        if missing:
            checker.unguarded.append((read.path, ("facts", *missing[0]), read.line, read.col))
    return Result(found, checker.problems, checker.unguarded)


def _covered(optional: tuple[str, ...], present: frozenset[tuple[str, ...]]) -> bool:
    return any(known[: len(optional)] == optional for known in present)


def _position(tree: Any) -> tuple[int, int]:
    meta = getattr(tree, "meta", None)
    if meta is not None and not getattr(meta, "empty", True):
        return meta.line, meta.column
    return getattr(tree, "line", 1) or 1, getattr(tree, "column", 1) or 1


def _show(kind: Type) -> str:
    return kind.name or "dyn"


class _Checker:
    def __init__(self, params: Any) -> None:
        self.params = params
        self.problems: list[Problem] = []
        self.unguarded: list[tuple[tuple[str, ...], tuple[str, ...], int, int]] = []
        #: The fact paths a `has()` guarantees where a member chain starts, by position.
        self.present_at: dict[tuple[int, int], frozenset[tuple[str, ...]]] = {}

    def problem(self, code: str, severity: str, message: str, tree: Any) -> None:
        line, col = _position(tree)
        self.problems.append(Problem(code, severity, message, line, col))

    # --- the grammar, rule by rule ---------------------------------------------------------

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

        kind = self.walk(condition, scope, present)
        self.boolean(condition, kind, "the condition of ?:")
        left = self.walk(then, scope, present | positive(condition))
        right = self.walk(otherwise, scope, present | negative(condition))
        if kind.known and isinstance(kind.value, bool):
            return left if kind.value else right
        return Type(left.name) if left.name == right.name else DYN

    def _conditionalor(
        self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]
    ) -> Type:
        return self.logic(tree, scope, present, "||")

    def _conditionaland(
        self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]
    ) -> Type:
        return self.logic(tree, scope, present, "&&")

    def logic(
        self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any], op: str
    ) -> Type:
        if len(tree.children) == 1:
            return self.walk(tree.children[0], scope, present)
        left, right = tree.children
        # CEL is commutative here: `false && error` is false whichever side fails, so each
        # side is guarded by what the other side's `has()` establishes.
        guard = positive if op == "&&" else negative
        left_type = self.walk(left, scope, present | guard(right))
        right_type = self.walk(right, scope, present | guard(left))
        self.boolean(left, left_type, f"an operand of {op}")
        self.boolean(right, right_type, f"an operand of {op}")
        absorbing = op == "||"
        for side in (left_type, right_type):
            if side.known and side.value is absorbing:
                return Type("bool", value=absorbing, known=True)
        if left_type.known and right_type.known:
            return Type("bool", value=(not absorbing), known=True)
        return Type("bool")

    def boolean(self, tree: Any, kind: Type, what: str) -> None:
        if kind.name not in (None, "bool"):
            self.problem(
                "type-mismatch", "error", f"{what} must be a bool, got {_show(kind)}", tree
            )

    def operands(
        self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]
    ) -> tuple[str, Type, Type, Any]:
        """A binary operation's operator, operand types and right operand's tree (the
        grammar nests the left operand inside the operator's node)."""
        op_tree, right_tree = tree.children
        left = self.walk(op_tree.children[0], scope, present)
        right = self.walk(right_tree, scope, present)
        return syntax.operator_symbol(op_tree.data), left, right, right_tree

    def _relation(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        if len(tree.children) == 1:
            return self.walk(tree.children[0], scope, present)
        op, left, right, right_tree = self.operands(tree, scope, present)
        if op == "in":
            if right.name not in (None, "list", "map"):
                message = f"`in` needs a list or map, got {_show(right)}"
                if right.name == "string":
                    message += " (for a substring, use contains())"
                self.problem("type-mismatch", "error", message, right_tree)
            elif right.name == "map" and left.name not in (None, "string"):
                message = f"{left.name} `in` a map is never true: map keys are strings"
                self.problem("type-mismatch", "error", message, tree)
            return Type("bool")
        if left.name is None or right.name is None:
            return Type("bool")
        comparable = left.name == right.name or {left.name, right.name} <= NUMBERS
        if op not in ("==", "!=") and left.name in ("bool", "list", "map", "null"):
            comparable = comparable and left.name == "bool" and right.name == "bool"
        if not comparable:
            # The spec makes values of different types unequal; cel-python sometimes says
            # false and sometimes fails. Either way the condition cannot mean what it says.
            if op in ("==", "!="):
                outcome = "never true" if op == "==" else "never false"
            else:
                outcome = "always an error"
            self.problem(
                "type-mismatch",
                "error",
                f"comparing {left.name} with {right.name} ({op}) is {outcome}",
                tree,
            )
        return Type("bool")

    def _addition(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        return self.arithmetic(tree, scope, present)

    def _multiplication(
        self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]
    ) -> Type:
        return self.arithmetic(tree, scope, present)

    def arithmetic(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        if len(tree.children) == 1:
            return self.walk(tree.children[0], scope, present)
        op, left, right, _ = self.operands(tree, scope, present)
        if left.name is None or right.name is None:
            return DYN
        pair = (left.name, right.name)
        result = _ARITHMETIC.get((op, *pair))
        if result is not None:
            return Type(result)
        # Not defined by the CEL spec: cel-python refuses some of these and quietly computes
        # others (`2 / 0.5` is 4, `true + 1` is 2), neither of which the author meant.
        message = f"{left.name} {op} {right.name} is not defined in CEL"
        if {left.name, right.name} == {"int", "double"}:
            message += ": int and double never mix (convert with double())"
        self.problem("type-mismatch", "error", message, tree)
        return DYN

    def _unary(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        if len(tree.children) == 1:
            return self.walk(tree.children[0], scope, present)
        op, operand_tree = tree.children
        if op.data == "unary_not":
            operand = self.walk(operand_tree, scope, present)
            self.boolean(operand_tree, operand, "the operand of !")
            if operand.known and isinstance(operand.value, bool):
                return Type("bool", value=not operand.value, known=True)
            return Type("bool")
        operand = self.walk(operand_tree, scope, present)
        if operand.name not in (None, "int", "double"):
            self.problem("type-mismatch", "error", f"-{operand.name} is always an error", tree)
            return DYN
        return Type(operand.name)

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
            if index.name not in (None, "int", "uint"):
                self.problem(
                    "type-mismatch",
                    "error",
                    f"a list index must be an int, got {index.name}",
                    index_tree,
                )
            item = factschema.item_schema(target.schema)
            if item is None:
                return DYN
            return self.of_schema(item, (*target.path[:-1], f"{target.path[-1]}[]"))
        if target.name == "map" and index.known and isinstance(index.value, str):
            return self.field(target, index.value, tree)
        return DYN

    def field(self, target: Type, name: str, tree: Any) -> Type:
        path = (*target.path, name)
        if target.known and isinstance(target.value, Mapping):
            if name not in target.value:
                return DYN  # an unknown param: reported when the policy loads
            return constant(target.value[name], path)
        if target.name not in (None, "map"):
            where = ".".join(target.path) or "this value"
            self.problem(
                "unknown-fact" if target.path[:1] == ("facts",) else "type-mismatch",
                "error",
                f"{where} is a {target.name}: it has no field {name!r}",
                tree,
            )
            return DYN
        if target.schema is None:
            return DYN
        # The step's own name decides typo checks: a name under `metrics` or `baseline`.
        parent = target.path[-1] if target.path else None
        found = factschema.lookup((name,), target.schema, parent)
        shown = ".".join(path)
        if found.status is Status.UNKNOWN:
            if target.path == ("facts",):
                return DYN  # refused when the policy loads, with the same message
            self.problem("unknown-fact", "error", found.message(path, target.path), tree)
            return DYN
        if found.status is Status.UNDECLARED:
            self.problem(
                "undeclared-metric",
                "warning",
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
        target_tree, method_token = tree.children[0], str(tree.children[1])
        arguments = []
        if len(tree.children) > 2:
            arguments = [arg for arg in tree.children[2].children if isinstance(arg, lark.Tree)]
        target = self.walk(target_tree, scope, present)
        if method_token in ("exists", "all", "exists_one", "filter", "map") and arguments:
            return self.comprehension(target, method_token, arguments, scope, present, tree)
        for argument in arguments:
            self.walk(argument, scope, present)
        if method_token in _STRING_METHODS:
            if target.name not in (None, "string") and not (
                method_token == "contains" and target.name in ("list",)
            ):
                self.problem(
                    "type-mismatch",
                    "error",
                    f"{method_token}() needs a string, got {target.name}",
                    tree,
                )
            return Type(_STRING_METHODS[method_token])
        if method_token == "join":
            return Type("string")
        if method_token == "size":
            return Type("int")
        return DYN

    def comprehension(
        self,
        target: Type,
        macro: str,
        arguments: list[Any],
        scope: dict[str, Type],
        present: frozenset[Any],
        tree: Any,
    ) -> Type:
        variable = syntax.bare_ident(arguments[0])
        if target.name not in (None, "list", "map"):
            self.problem(
                "type-mismatch", "error", f"{macro}() needs a list or map, got {target.name}", tree
            )
        bound = DYN
        if target.name == "list":
            item = factschema.item_schema(target.schema)
            if item is not None:
                bound = replace(self.of_schema(item, (variable or "_",)), path=(variable or "_",))
        elif target.name == "map":
            bound = Type("string")
        inner = {**scope, variable: bound} if variable else scope
        for body in arguments[1:]:
            kind = self.walk(body, inner, present)
            if macro in ("exists", "all", "exists_one", "filter") and body is arguments[-1]:
                self.boolean(body, kind, f"the predicate of {macro}()")
        return Type("list") if macro in ("filter", "map") else Type("bool")

    def _primary(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        return self.walk(tree.children[0], scope, present)

    def _ident(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        name = str(tree.children[0])
        if name in scope:
            return scope[name]
        if name == "facts":
            return Type("map", factschema.facts_node(), ("facts",))
        if name == "params":
            return constant(self.params, ("params",))
        if name == "phase":
            return Type("int", path=("phase",))
        if name == "now":
            return Type("timestamp", path=("now",))
        if name == "history":
            return Type("list", {"items": factschema.facts_node()}, ("history",))
        return DYN

    def _ident_arg(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        name = str(tree.children[0])
        arguments = []
        if len(tree.children) > 1:
            arguments = [arg for arg in tree.children[1].children if isinstance(arg, lark.Tree)]
        if name == "has":
            for argument in arguments:
                self.walk(argument, scope, present | positive_has(argument))
            return Type("bool")
        for argument in arguments:
            self.walk(argument, scope, present)
        return Type(_FUNCTIONS.get(name))

    def _literal(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        token = tree.children[0]
        kind = _LITERALS.get(getattr(token, "type", ""))
        if kind == "bool":
            return Type("bool", value=str(token) == "true", known=True)
        if kind == "string":
            literal = syntax.string_literal(tree)
            if literal is not None:
                return Type("string", value=literal, known=True)
        return Type(kind)

    def _paren_expr(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        return self.walk(tree.children[0], scope, present)

    def _list_lit(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        for child in tree.children:
            self.walk(child, scope, present)
        return Type("list")

    def _map_lit(self, tree: lark.Tree, scope: dict[str, Type], present: frozenset[Any]) -> Type:
        for child in tree.children:
            self.walk(child, scope, present)
        return Type("map")


#: (operator, left, right) -> result type, for the operand types CEL defines.
_ARITHMETIC = {
    **{(op, t, t): t for op in "+-*/" for t in ("int", "uint", "double")},
    **{("%", t, t): t for t in ("int", "uint")},
    ("+", "string", "string"): "string",
    ("+", "bytes", "bytes"): "bytes",
    ("+", "list", "list"): "list",
    ("-", "timestamp", "timestamp"): "duration",
    ("+", "timestamp", "duration"): "timestamp",
    ("+", "duration", "timestamp"): "timestamp",
    ("-", "timestamp", "duration"): "timestamp",
    ("+", "duration", "duration"): "duration",
    ("-", "duration", "duration"): "duration",
}


def constant(value: Any, path: tuple[str, ...]) -> Type:
    """The type of a known value (params): numbers in params are doubles."""
    if isinstance(value, bool):
        kind = "bool"
    elif isinstance(value, int):
        kind = "int"
    elif isinstance(value, float):
        kind = "double"
    elif isinstance(value, str):
        kind = "string"
    elif isinstance(value, list):
        kind = "list"
    elif isinstance(value, Mapping):
        kind = "map"
    else:
        kind = "null" if value is None else None
    return Type(kind, None, path, value, True)


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
