"""What a checked expression tells before it runs, read from the engine's own tree.

`evaluate`, `replay`, `collect` and `run` need a little static knowledge of a rule: which
fact paths it reads (to name a missing fact and refuse an unknown one at load), which string
literals it hands to a regex function (checked with RE2 at load), its comprehensions (the
cost budget) and its divisions (the division rule). All of it comes from the checked
expression the engine produced (`phasegate.cel.checked`), so it agrees with the engine on
every text the engine accepts: backtick names, optional selections, macros and all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from phasegate.cel.checked import CALL, COMPREHENSION, CONST, IDENT, LIST, SELECT, Checked, Node
from phasegate.cel.functions import OWN_NAMES

#: Functions whose second argument (counting a receiver as the first) is a regular
#: expression, by the name the checker resolved.
REGEX_FUNCTIONS = frozenset(
    {"matches", "capture", "regex.extract", "regex.extractAll", "regex.replace"}
)
#: Index and optional-selection calls a fact path may go through with a literal key.
_INDEX = frozenset({"_[_]", "_[?_]", "_?._"})
_OPTIONAL = frozenset({"_[?_]", "_?._"})
#: Operators the engine accepts in chains of any length (see `expression`).
_CHAINING = frozenset({"!_", "-_", "_&&_", "_||_"})
#: phasegate's own wrappers the program adds (`expression.wrap`): they say nothing about
#: the author's text, so the model looks through them.
WRAPPERS = frozenset(
    {"phasegate_finite", "phasegate_finite_root", "phasegate_ordered", "phasegate_listed"}
)
#: Functions the program calls by phasegate's name (`expression._changes`), by the name the
#: author wrote: a revived program's tree must have the shape of the author's.
_AUTHORS_NAMES = {own: name for name, own in OWN_NAMES.items()}


class FactRead(NamedTuple):
    """A path an expression reads from a variable, e.g. ("facts", "metrics", "error_rate").

    `guarded` is true where absence is a result, not an error: inside `has()`, or through
    an optional selection (`facts.?metrics.?error_rate`).
    """

    path: tuple[str, ...]
    line: int
    col: int
    guarded: bool = False

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


class Model(NamedTuple):
    """The static facts of one checked expression."""

    reads: tuple[FactRead, ...]
    #: (pattern, line, col) of each string literal given to a regex function.
    patterns: tuple[tuple[str, int, int], ...]
    #: How many `!`, `-`, `&&` and `||`: each can nest cel-python's tree one level.
    chaining: int
    #: Whether any division may divide doubles (integer division by zero is an error).
    divides: bool
    #: Every name the tree holds: identifiers (free or bound), field names, comprehension
    #: variables; a name counted here and not among the reads is used some other way.
    names: tuple[str, ...] = ()
    #: The functions called, by name, and whether any comprehension loops: the cost
    #: budget skips its estimate for expressions that call nothing that grows.
    calls: frozenset[str] = frozenset()
    loops: bool = False

    def plain(self) -> dict[str, Any]:
        """This model as JSON data (`from_plain` reads it back): the policy cache keeps it
        beside the program, so a warm load decodes no tree."""
        return {
            "reads": [[list(read.path), read.line, read.col, read.guarded] for read in self.reads],
            "patterns": [list(pattern) for pattern in self.patterns],
            "chaining": self.chaining,
            "divides": self.divides,
            "names": list(self.names),
            "calls": sorted(self.calls),
            "loops": self.loops,
        }


def from_plain(data: Mapping[str, Any]) -> Model:
    """The model `Model.plain` wrote. Raises KeyError, TypeError or ValueError on data of
    another shape: replay's memo trusts the reads and names, so an entry whose parts are
    not what `plain` writes is rebuilt, never half believed."""
    reads = tuple(
        FactRead(_strings(path, nonempty=True), _of(int, line), _of(int, col), _of(bool, guarded))
        for path, line, col, guarded in _of(list, data["reads"])
    )
    patterns = tuple(
        (_of(str, pattern), _of(int, line), _of(int, col))
        for pattern, line, col in _of(list, data["patterns"])
    )
    return Model(
        reads,
        patterns,
        _of(int, data["chaining"]),
        _of(bool, data["divides"]),
        _strings(data["names"]),
        frozenset(_strings(data["calls"])),
        _of(bool, data["loops"]),
    )


def _of(kind: type, value: Any) -> Any:
    """`value` when it is exactly of `kind` (JSON gives no subclasses: a bool is no int)."""
    if type(value) is not kind:
        raise TypeError(f"not a {kind.__name__}")
    return value


def _strings(value: Any, nonempty: bool = False) -> tuple[str, ...]:
    found = tuple(_of(str, item) for item in _of(list, value))
    if nonempty and not found:
        raise ValueError("an empty path")
    return found


def unwrap(node: Node) -> Node:
    """`node` without phasegate's wrappers around it."""
    while node.kind == CALL and node.name in WRAPPERS and len(node.args) == 1:
        node = node.args[0]
    return node


def walk(root: Node) -> list[tuple[Node, frozenset[str]]]:
    """Every node in document order with the comprehension variables bound at it."""
    order: list[tuple[Node, frozenset[str]]] = []
    pending: list[tuple[Node, frozenset[str]]] = [(root, frozenset())]
    while pending:
        node, bound = pending.pop()
        order.append((node, bound))
        if node.kind == COMPREHENSION:
            inner = bound | {node.name, node.iter_var2, node.accu_var} - {""}
            parts = node.parts
            for name in ("result", "step", "condition"):
                if name in parts:
                    pending.append((parts[name], inner))
            for name in ("init", "range"):
                if name in parts:
                    pending.append((parts[name], bound))
        else:
            pending.extend((child, bound) for child in reversed(node.children()))
    return order


def path_of(
    node: Node, variables: tuple[str, ...], bound: frozenset[str]
) -> tuple[tuple[str, ...], Node, bool] | None:
    """(path, root ident, optional) when `node` is a literal chain from a variable
    (`facts.a['b'].?c`), else None."""
    parts: list[str] = []
    optional = False
    current = unwrap(node)
    for _ in range(10_000):  # bounded by the tree's size
        if current.kind == SELECT and current.target is not None:
            parts.append(current.name)
            current = unwrap(current.target)
        elif current.kind == CALL and current.name in _INDEX and len(current.args) == 2:
            key = current.args[1]
            if key.kind != CONST or not isinstance(key.value, str) or key.name != "string":
                return None
            parts.append(key.value)
            optional = optional or current.name in _OPTIONAL
            current = unwrap(current.args[0])
        elif current.kind == IDENT and current.name in variables and current.name not in bound:
            return (current.name, *reversed(parts)), current, optional
        else:
            return None
    return None


def build(
    checked: Checked,
    variables: tuple[str, ...],
    order: list[tuple[Node, frozenset[str]]] | None = None,
) -> Model:
    """The model of `checked`, whose free identifiers among `variables` are the reads;
    `order` is `walk(checked.root)` where the caller has it already."""
    reads: list[FactRead] = []
    patterns: list[tuple[str, int, int]] = []
    chaining = 0
    divides = False
    inside: set[int] = set()  # ids of nodes already part of a read's chain
    names: list[str] = []
    calls: set[str] = set()
    loops = False
    for node, bound in order if order is not None else walk(checked.root):
        if node.kind == CALL:
            calls.add(node.name)
        elif node.kind == COMPREHENSION:
            loops = True
        if node.kind in (IDENT, SELECT):
            names.append(node.name)
        elif node.kind == COMPREHENSION:
            names += [name for name in (node.name, node.iter_var2, node.accu_var) if name]
        if node.id in inside:
            continue
        if node.kind in (SELECT, CALL, IDENT):
            found = path_of(node, variables, bound)
            if found is not None:
                path, root, optional = found
                chain = [node]
                while chain:
                    part = chain.pop()
                    inside.add(part.id)
                    if part is not root:
                        chain.extend(part.children())
                guarded = optional or (node.kind == SELECT and node.test_only)
                line, col = checked.line_col(root.id)
                reads.append(FactRead(path, line, col, guarded))
                continue
        if node.kind != CALL:
            continue
        if node.name in _CHAINING:
            chaining += 1
        elif node.name == "_/_" and any(
            "double" in overload for overload in checked.overloads.get(node.id, ("double",))
        ):
            divides = True
        if node.name in REGEX_FUNCTIONS:
            operands = ([node.target] if node.target is not None else []) + node.args
            if len(operands) >= 2:
                pattern = unwrap(operands[1])
                if pattern.kind == CONST and pattern.name == "string":
                    patterns.append((pattern.value, *checked.line_col(pattern.id)))
    return Model(
        tuple(reads), tuple(patterns), chaining, divides, tuple(names), frozenset(calls), loops
    )


def shape(node: Node) -> tuple[tuple[object, ...], ...]:
    """A subtree without ids and positions: equal exactly when two parts are written the
    same (layout aside)."""
    flat: list[tuple[object, ...]] = []
    pending = [unwrap(node)]
    while pending:
        current = pending.pop()
        flat.append(
            (
                current.kind,
                _AUTHORS_NAMES.get(current.name, current.name)
                if current.kind == CALL
                else current.name,
                repr(current.value),
                current.test_only,
                current.iter_var2,
                current.accu_var,
                len(current.children()),
            )
        )
        pending.extend(unwrap(child) for child in reversed(current.children()))
    return tuple(flat)


def list_literal(node: Node) -> bool:
    return unwrap(node).kind == LIST


def start_of(checked: Checked, node: Node) -> tuple[int, int]:
    """Where a node's text begins (line, col): its leftmost part, since the engine keeps an
    operator's or a call's own offset, not its operands'."""
    positions = checked.positions
    first = unwrap(node)
    for _ in range(10_000):  # each step goes one level down: bounded by the tree
        children = [unwrap(child) for child in first.children() if child.raw]
        if first.kind == COMPREHENSION:  # a macro's text starts at its receiver
            children = [unwrap(first.parts["range"])] if "range" in first.parts else []
        if not children:
            break
        leftmost = min(children, key=lambda child: positions.get(child.id, 1 << 60))
        if positions.get(leftmost.id, 1 << 60) >= positions.get(first.id, 1 << 60):
            break
        first = leftmost
    line, col = checked.line_col(first.id)
    if first.kind == CALL and first.target is None and first.name[:1].isalpha():
        col = max(1, col - len(first.name))  # the engine points a call at its `(`
    return line, col
