"""Compiling one CEL text: the engine parses and type-checks it, and its checked expression
(`phasegate.cel.checked`) is the one source of everything phasegate knows about the text
before it runs (`phasegate.cel.model`); the program that runs is that checked expression
with phasegate's wrappers added (`_changes`), revived by the engine without compiling again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from phasegate.cel import checked as checked_expr
from phasegate.cel import environment, model
from phasegate.cel.checked import CALL, COMPREHENSION, LIST, STRUCT, Checked, Rename, Wrap
from phasegate.cel.errors import CelError
from phasegate.cel.functions import (
    FINITE,
    FINITE_ROOT,
    LISTED,
    ORDERED,
    OWN_NAMES,
    RENAMED,
    Function,
    compile_regex,
)
from phasegate.cel.model import FactRead, Model
from phasegate.cel.statistics import SIGNATURES

#: Variables of a rule's `when` and `message`.
VARIABLES = tuple(environment.RULE_VARIABLES)
#: Comprehensions may nest this deep (`a.all(x, b.exists(y, ...))` is 2): each level
#: multiplies the work by the length of a list, and facts lists may be long. (`cel.bind`
#: is a comprehension over nothing: it does not count.)
MAX_COMPREHENSION_DEPTH = 2
#: At most this many `!`, `-`, `&&` and `||` in one expression. The engine itself takes
#: chains of any length, but cel-python's parser, which lint, fmt, explain and coverage read
#: the tree with, nests one level per operator and refuses past about 2,000 levels: one
#: limit here keeps every expression that loads parseable by the reviewer tools (so `fmt`
#: never refuses a file that loads). Real conditions use a handful.
MAX_CHAINED_OPERATORS = 1000

#: One problem in the engine's report: `ERROR: <input>:LINE:COL: MESSAGE`. The patterns of
#: this module are compiled where they are used (`re` keeps them), not at import: every
#: process imports this module, and only compiling or a refused text uses them.
_ENGINE_ERROR = r"ERROR: <input>:(-?\d+):(-?\d+): ([^\n]*)"


@dataclass(frozen=True)
class Expression:
    """A checked CEL expression, ready to evaluate, with what its checked tree tells."""

    text: str
    #: The engine's program; None for one revived lazily (see `program`).
    compiled: Any = field(repr=False, compare=False)
    variables: tuple[str, ...]
    #: The program as the engine serializes it (an Any holding a cel.expr.CheckedExpr):
    #: `revive` turns these bytes back into this expression without compiling.
    serialized: bytes = field(repr=False, compare=False)
    model: Model = field(repr=False, compare=False)
    env: Any = field(repr=False, compare=False, default=None)
    #: The checked tree when it is at hand (compiled: the author's); None when revived.
    known_tree: Checked | None = field(repr=False, compare=False, default=None)
    #: For one revived lazily: the text compiled afresh, should the engine refuse the bytes.
    afresh: Callable[[], Expression] | None = field(repr=False, compare=False, default=None)

    @cached_property
    def program(self) -> Any:
        """The program that runs. A lazily revived one is made from its bytes on first use:
        most of a policy set's expressions never run in one `evaluate` (the rules of other
        phases, the messages of rules that do not fire), and the engine takes about as long
        to make each as to evaluate a rule."""
        if self.compiled is not None:
            return self.compiled
        try:
            return self.env.deserialize(self.serialized)
        except RuntimeError:  # bytes the engine refuses are never trusted: compiled afresh
            if self.afresh is None:
                raise
            fresh = self.afresh()
            # and nothing else reads the refused bytes either (a located error, a tree)
            vars(self).update(serialized=fresh.serialized, known_tree=fresh.known_tree)
            return fresh.program

    @cached_property
    def tree(self) -> Checked:
        """The checked tree the static questions are answered from: the author's as the
        engine checked it, or (revived) the program's, decoded only when first asked; the
        model and the cost budget read either."""
        return self.checked if self.known_tree is None else self.known_tree

    @cached_property
    def checked(self) -> Checked:
        """The program's checked tree, phasegate's wrappers included: what runs, so what a
        located error runs parts of."""
        return checked_expr.decode(self.serialized)

    @property
    def reads(self) -> tuple[FactRead, ...]:
        return self.model.reads

    def params_read(self) -> tuple[FactRead, ...]:
        return tuple(read for read in self.reads if read.path[0] == "params")

    def serialize(self) -> bytes:
        return self.serialized

    @cached_property
    def structure(self) -> tuple[tuple[object, ...], ...]:
        """The checked tree without ids and positions: equal exactly when two expressions
        differ only in layout."""
        return model.shape(self.tree.root)


def compile_expression(
    text: str,
    variables: tuple[str, ...] = VARIABLES,
    declared: tuple[tuple[str, str], ...] | None = None,
) -> Expression:
    """Parse, type-check and read `text`; raise CelError with every problem found.

    `declared` gives each variable's type name (see `environment.TYPES`); by default the
    rule variables have their own types and any other is dyn.
    """
    env = environment.environment(declared or environment.declarations(tuple(variables)))
    try:
        compiled = env.compile(text)
    except RuntimeError as exc:
        raise _syntax_error(str(exc), text, variables) from None
    original = compiled.serialize()
    tree = checked_expr.decode(original)
    order = model.walk(tree.root)
    found = model.build(tree, tuple(variables), order)
    problems = _problems(tree, found, order)
    if problems:
        raise CelError(*problems[0], problems=tuple(problems))
    changes = _changes(tree, order)
    if not changes:
        program, serialized = compiled, original
    else:
        serialized = checked_expr.rewrite(tree, changes)
        program = env.deserialize(serialized)
    return Expression(text, program, tuple(variables), serialized, found, env, tree)


def parses(text: str) -> bool:
    """Whether the engine's parser takes `text` (its checker aside): the CEL the reviewer
    tools must keep as written where cel-python's parser does not take it."""
    env = environment.environment(environment.declarations(VARIABLES))
    try:
        env.compile(text, disable_check=True)
    except RuntimeError:
        return False
    return True


def revive(
    text: str,
    variables: tuple[str, ...],
    declared: tuple[tuple[str, str], ...] | None,
    serialized: bytes,
    env: Any = None,
    found: Model | None = None,
    afresh: Callable[[], Expression] | None = None,
) -> Expression:
    """The expression `compile_expression` made, from its `serialize()` bytes: the engine
    turns them into a program without parsing or checking again.

    `found` is its model as kept beside the bytes (`Model.plain`): then nothing is decoded
    until a question only the tree answers is asked (a located error, the cost budget).
    With `afresh` (the text compiled afresh), the program is made on first use, and
    `afresh` is what runs if the engine then refuses the bytes; without it, bytes the engine
    refuses raise here, at once.
    """
    if env is None:
        env = environment.environment(declared or environment.declarations(tuple(variables)))
    _ready(env)
    program = None if afresh is not None else env.deserialize(serialized)
    variables = tuple(variables)
    tree = None
    if found is None:
        tree = checked_expr.decode(serialized)
        found = model.build(tree, variables)
    return Expression(text, program, variables, serialized, found, env, tree, afresh)


@cache
def _ready(env: Any) -> None:
    """Compile once in `env` before reviving in it. cel-expr-python 0.1.3 sets up its
    conversion of Python datetimes on the compile path only: in a process that never
    compiled, a revived program fails on `now` ("non-CEL value type for 'now':
    datetime.datetime"). One trivial compile costs about 0.1 ms."""
    env.compile("true")


def _problems(
    tree: Checked, found: Model, order: list[tuple[checked_expr.Node, frozenset[str]]]
) -> list[tuple[str, int, int, str]]:
    """What phasegate refuses on top of the engine: bad regex literals, nesting, chains,
    and what the engine checks but cannot run."""
    problems = []
    for pattern, line, col in found.patterns:
        try:
            compile_regex(pattern)
        except ValueError as exc:
            problems.append((str(exc), line, col, "bad-regex"))
    loops = any(node.kind == COMPREHENSION for node, _bound in order)
    depth = comprehension_depth(tree) if loops else 0
    if depth > MAX_COMPREHENSION_DEPTH:
        problems.append(
            (
                f"comprehensions nested {depth} deep; at most "
                f"{MAX_COMPREHENSION_DEPTH} (each level multiplies the work by a list's length)",
                1,
                1,
                "too-costly",
            )
        )
    if found.chaining > MAX_CHAINED_OPERATORS:
        problems.append(
            (
                f"expression nested too deeply: {found.chaining} of the operators !, -, && and"
                f" ||; at most {MAX_CHAINED_OPERATORS}",
                1,
                1,
                "too-deep",
            )
        )
    for node, _bound in order:
        hidden = _hidden_optional(tree, node)
        if hidden is not None:
            problems.append(
                (
                    "an optional value in a list or map of mixed types or behind dyn() (the"
                    " CEL engine crashes converting it): use .orValue(default)",
                    *model.start_of(tree, hidden),
                    "cel-check",
                )
            )
            break
        handed = _handed_to_python(tree, node)
        if handed is not None and "optional" in tree.type_of(handed.id):
            line, col = model.start_of(tree, handed)
            to = (
                "map(), filter() or transformList()"
                if node.kind == COMPREHENSION
                else f"{node.name}()"
            )
            problems.append(
                (
                    f"a list or map holding optional values cannot be handed to {to} (the CEL"
                    " engine crashes converting it): use .orValue(default) on each",
                    line,
                    col,
                    "cel-check",
                )
            )
    for node, _bound in order:
        if node.kind == CALL and node.name == "cel.@mapInsert":
            line, col = tree.line_col(node.id)
            problems.append(
                (
                    "transformMap and transformMapEntry are not available (the CEL engine"
                    " checks them but cannot run them); build a list instead",
                    line,
                    col,
                    "cel-check",
                )
            )
            break
    return problems


def handed_containers(functions: list[Function]) -> frozenset[str]:
    """The overloads of `functions` (run in Python) a list or map can be passed to: the
    engine converts it to Python first, and crashes on an optional in it."""
    return frozenset(
        overload.id
        for function in functions
        for overload in function.overloads
        if overload.takes_container()
    )


#: phasegate's overloads that take a list or map, read from where they are declared.
_CONTAINER_FUNCTIONS = handed_containers(environment.own_functions())


def _built_range(node: checked_expr.Node) -> checked_expr.Node | None:
    """The range of a comprehension that builds a list (`map`, `filter`, `transformList`),
    which runs wrapped in phasegate's `phasegate_ordered` (see `_changes`), else None."""
    if node.kind != COMPREHENSION or not is_loop(node):
        return None
    init, iterated = node.parts.get("init"), node.parts.get("range")
    if init is None or iterated is None or init.kind != LIST or iterated.kind == LIST:
        return None
    return iterated


#: A list type whose items come back from Python as they went: JSON's values (all that
#: facts and params hold), at any depth.
_ROUND_TRIP = r"(?:list\(|map\(string, |dyn|string|int|double|bool|bytes|null_type|\)|, )*"


def held_range(tree: Checked, node: checked_expr.Node) -> checked_expr.Node | None:
    """The range of a comprehension that builds a list and runs wrapped in phasegate's
    `phasegate_ordered` or `phasegate_listed` (see `_changes`), which hold it to
    `functions.MAX_BUILT_ITEMS` items; else None. A map is always wrapped (its keys are
    sorted); a list only where its items come back from Python as they went: the wrapper
    hands back the list converted, and a timestamp, duration or type does not convert back
    (every `map` over a list of timestamps was an error) and a uint comes back an int
    (`type(x) == uint` was false)."""
    iterated = _built_range(node)
    if iterated is None:
        return None
    kind = tree.type_of(iterated.id)
    return iterated if kind.startswith("map(") or re.fullmatch(_ROUND_TRIP, kind) else None


def _handed_to_python(tree: Checked, node: checked_expr.Node) -> checked_expr.Node | None:
    """The list or map `node` hands to one of phasegate's Python functions, if it does."""
    if node.kind == CALL and _CONTAINER_FUNCTIONS & set(tree.overloads.get(node.id, ())):
        operands = ([node.target] if node.target is not None else []) + node.args
        return next((part for part in operands if "optional" in tree.type_of(part.id)), None)
    return held_range(tree, node)


def _hidden_optional(tree: Checked, node: checked_expr.Node) -> checked_expr.Node | None:
    """An optional whose type is lost on the way up, so that the checks on types above
    cannot see it: one a list or map literal of mixed types holds (its type is
    `list(dyn)`), and any `dyn()` of one, wherever it stands (`[c ? dyn(o) : 1, 2].max()`,
    `cel.bind(o, optional.of(x), dyn(o))` in a `map`: `dyn()` is the one way to erase the
    type). A `?x` element or `?k: v` entry holds the optional's value, not the optional."""
    if node.kind == CALL and node.name == "dyn" and len(node.args) == 1:
        return node if "optional" in tree.type_of(node.args[0].id) else None
    if node.kind not in (LIST, STRUCT) or "optional" in tree.type_of(node.id):
        return None
    step = 2 if node.kind == STRUCT else 1
    for index, item in enumerate(node.args[step - 1 :: step]):
        if index not in node.optional and "optional" in tree.type_of(item.id):
            return item
    return None


def is_loop(node: checked_expr.Node) -> bool:
    """A comprehension that iterates: `cel.bind` is one over an empty list literal."""
    iterated = node.parts.get("range")
    return not (iterated is not None and iterated.kind == LIST and not iterated.args)


def comprehension_depth(tree: Checked) -> int:
    """The most loops open at once (`a.all(x, b.exists(y, ...))` is 2)."""
    deepest = 0
    pending = [(tree.root, 0)]
    while pending:
        node, depth = pending.pop()
        if node.kind == COMPREHENSION and is_loop(node):
            depth += 1
            deepest = max(deepest, depth)
            for name, part in node.parts.items():
                pending.append((part, depth if name in ("condition", "step") else depth - 1))
            continue
        pending.extend((child, depth) for child in node.children())
    return deepest


def _changes(
    tree: Checked, order: list[tuple[checked_expr.Node, frozenset[str]]]
) -> dict[int, list[Wrap | Rename]]:
    """phasegate's wrappers, by the id of the node each applies to. The author's text is
    what is checked, digested and located; these make the program fail closed and
    deterministic where the spec would not, and bound what a function may build:

    - each `double(x)` runs as `phasegate_finite(double(x))`. The spec's `double("NaN")` is
      NaN (and "inf" infinite), and a NaN makes every comparison false: `double(rate) >
      0.05` would pass over a tool's "NaN" and the gate would continue. The engine's
      `double()` cannot be replaced, so its result is checked: not finite is an error.
      So is each `math.sqrt(x)` (`phasegate_finite_root`): the root of a negative number is
      NaN.
    - the range of each comprehension that builds a list (`map`, `filter`,
      `transformList`) runs as `phasegate_ordered(x)` (`phasegate_listed(x)` for two
      variables): over a map the engine iterates in hash order, which differs between
      processes, so a message listing `facts.checks.filter(...)` would change bytes from
      one run to the next. A map gives its keys sorted; a list is as it is; either is
      refused past `functions.MAX_BUILT_ITEMS` items (the engine copies the list it builds
      at every step). A list literal is left alone, and so is a
      list of other values than JSON's (see `held_range`).
    - functions that can build a value far larger than their arguments (`replace`) run as
      phasegate's own, which refuses a result over `functions.MAX_BUILT_CHARS`.
    """
    changes: dict[int, list[Wrap | Rename]] = {}
    for node, _bound in order:
        if node.kind == CALL and node.target is None and node.name == "double":
            overloads = tree.overloads.get(node.id, ())
            if any(overload.endswith("_to_double") for overload in overloads):
                changes.setdefault(node.id, []).append(
                    Wrap(FINITE, (FINITE,), checked_expr.DOUBLE_TYPE)
                )
        elif node.kind == CALL and node.target is None and node.name == "math.sqrt":
            changes.setdefault(node.id, []).append(
                Wrap(FINITE_ROOT, (FINITE_ROOT,), checked_expr.DOUBLE_TYPE)
            )
        elif node.kind == CALL and node.name in RENAMED:
            overloads = tree.overloads.get(node.id, ())
            own = tuple(RENAMED[node.name][o] for o in overloads if o in RENAMED[node.name])
            if own and len(own) == len(overloads):
                changes.setdefault(node.id, []).append(Rename(OWN_NAMES[node.name], own))
        elif node.kind == COMPREHENSION:
            iterated = held_range(tree, node)
            if iterated is None:
                continue
            if node.iter_var2:
                changes.setdefault(iterated.id, []).append(
                    Wrap(LISTED, (f"{LISTED}_map", LISTED), checked_expr.DYN_LIST_TYPE)
                )
                continue
            kind = tree.type_of(iterated.id)
            overloads = (
                (f"{ORDERED}_map",)
                if kind.startswith("map(")
                else (f"{ORDERED}_list",)
                if kind.startswith("list(")
                else (f"{ORDERED}_map", f"{ORDERED}_list")
            )
            changes.setdefault(iterated.id, []).append(
                Wrap(ORDERED, overloads, checked_expr.DYN_LIST_TYPE)
            )
    return changes


def _syntax_error(report: str, text: str, variables: tuple[str, ...]) -> CelError:
    found = [
        _problem(message, int(line), int(col), text, variables)
        for line, col, message in re.findall(_ENGINE_ERROR, report)
    ]
    if not found:
        first = _without_status(report.split("\n", 1)[0])
        found.append(_problem(first, -1, -1, text, variables))
    problems = _qualified_calls(found)
    return CelError(*problems[0], problems=tuple(problems))


def _qualified_calls(
    found: list[tuple[tuple[str, int, int, str], str | None]],
) -> list[tuple[str, int, int, str]]:
    """A call of `ns.f` that no overload takes (an unknown name, or the wrong number of
    arguments) comes back from the engine as two problems, an unknown name `ns` and an
    unknown function `f` just after it: one problem about `ns.f` is what the author
    wrote, with the parameters of phasegate's own functions or the closest name. Each
    problem comes with the name it is about (see `_problem`), not read back from its words."""
    merged: list[tuple[tuple[str, int, int, str], str | None]] = []
    for problem, name in found:
        _, line, col, code = problem
        before = merged[-1] if merged else None
        if code == "unknown-function" and name is not None and before is not None:
            (_, before_line, before_col, before_code), namespace = before
            if (
                before_code == "unknown-name"
                and namespace is not None
                and before_line == line
                and before_col + len(namespace) + 1 == col
            ):
                qualified = f"{namespace}.{name}"
                merged[-1] = ((_call_problem(qualified), line, before_col, code), None)
                continue
        merged.append((problem, name))
    return [problem for problem, _ in merged]


def _call_problem(name: str) -> str:
    if name in SIGNATURES:
        return f"{name} takes ({', '.join(SIGNATURES[name])}): not these arguments"
    import difflib  # only for this "did you mean": not every process's import

    close = difflib.get_close_matches(name, SIGNATURES, n=1)
    return f"unknown function {name!r}" + (f" (did you mean {close[0]}?)" if close else "")


def _problem(
    message: str, line: int, col: int, text: str, variables: tuple[str, ...]
) -> tuple[tuple[str, int, int, str], str | None]:
    """One engine problem as (message, line, col, code), the engine's words made short, and
    the name an unknown name or function is about (None for any other problem)."""
    message = message.replace(" (in container '')", "").removesuffix(" [INVALID_ARGUMENT]")
    if line < 1:  # the engine's own limits carry no position
        if "recursion" in message:
            deep = "expression nested too deeply (the CEL engine allows 32 levels)"
            return (deep, 1, 1, "too-deep"), None
        return (message, 1, 1, "cel-syntax"), None
    if message.startswith("Syntax error: "):
        syntax = _syntax_message(message.removeprefix("Syntax error: "))
        return (syntax, line, col, "cel-syntax"), None
    unknown = re.match(r"undeclared reference to '([^']*)'", message)
    if unknown:
        name = unknown.group(1)
        lines = text.split("\n")
        at = lines[line - 1][col - 1 : col] if line <= len(lines) else ""
        if at == "(":  # the engine points a call at its parenthesis; authors look for the name
            before = lines[line - 1][: col - 1].rstrip()
            called = (f"unknown function {name!r}", line, len(before) - len(name) + 1)
            return (*called, "unknown-function"), name
        known = f"variables are {', '.join(variables)}" if variables else "no variables are bound"
        return (f"unknown name {name!r} ({known})", line, col, "unknown-name"), name
    if message.startswith("found no matching overload"):
        mismatch = "type mismatch: " + message.removeprefix("found ")
        return (mismatch, line, col, "type-mismatch"), None
    return (message, line, col, "cel-check"), None


def _syntax_message(detail: str) -> str:
    """ANTLR's report without the list of every token it would have taken."""
    unexpected = re.match(r"(?:mismatched|extraneous) input '(.*)' expecting", detail)
    if unexpected:
        token = unexpected.group(1)
        if token == "<EOF>":
            return "syntax error: unexpected end of expression"
        return f"syntax error: unexpected {token!r}"
    if detail.startswith("token recognition error at: "):
        return f"syntax error: unexpected {detail.removeprefix('token recognition error at: ')}"
    return "syntax error: " + detail


def _without_status(text: str) -> str:
    """`INVALID_ARGUMENT: x` is `x`: the status name says nothing to a rule author."""
    return re.sub(r"^[A-Z_]+: ", "", text)
