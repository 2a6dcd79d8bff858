"""The cost budget: how much work and memory one evaluation of an expression can take,
bounded before it ever runs, as Kubernetes bounds CEL in admission policies.

The estimate walks the checked tree once. Every node evaluated is a step; a function that
creates list items (`split`, `lists.range`, `flatten`, list `+`, ...) adds a step per item
it may create; a function that copies or scans text (`+`, `join`, `replace`, `contains`,
`matches`, `==`, ...) adds the characters it may touch. A comprehension multiplies its body
by the length of its range; one that builds a list also pays for the engine copying the list
at every step. Sizes come from the input limits: a string read from the input holds at most
`MAX_STRING` characters, a list or map at most `MAX_LIST_LENGTH` items, a list a
comprehension builds at most `functions.MAX_BUILT_ITEMS`, a `replace` result at most
`functions.MAX_BUILT_CHARS` (those two are enforced when the rule runs), and what a loop
reads from the items it ranges over adds up to no more than the whole input
(`MAX_INPUT_BYTES`), however many items there are. What the expression itself makes keeps
its size wherever it goes: a value `cel.bind` names is as long as its expression may make
it (its work counted once), sizes add up through `+`, and a loop over a list the
expression built reads items as long as they were built, at every step (the list may hold
one long value a thousand times: only what was copied from an input's items adds up to the
input).

An expression over either budget is refused when its file loads, so no input within the
limits can make one evaluation take longer or hold more memory than the bound the README
states.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from phasegate.cel import functions, model
from phasegate.cel.checked import (
    CALL,
    COMPREHENSION,
    CONST,
    IDENT,
    LIST,
    SELECT,
    STRUCT,
    Checked,
    Node,
)
from phasegate.cel.expression import held_range

#: Comprehension steps the engine allows in one evaluation, over all its comprehensions
#: (cel-expr-python stops the evaluation with "Iteration budget exceeded" at 10,000).
MAX_ITERATIONS = 9_999
#: The longest list or map an input may hold (`functions.MAX_LIST_LENGTH`): loading
#: refuses longer ones, so this is also what an unknown list is assumed to hold.
MAX_LIST_LENGTH = functions.MAX_LIST_LENGTH
#: The longest string a facts document may hold (the facts caps).
MAX_STRING = 64 * 1024
#: The largest input (a facts document, a command's output): all that a loop's items hold.
MAX_INPUT_BYTES = 16 * 1024 * 1024
#: Steps (nodes evaluated, items created) one evaluation may take.
MAX_STEPS = 10_000_000
#: Bytes one evaluation may build: characters copied, and ITEM_BYTES for each list item
#: created or copied.
MAX_CHARS = 384 * 1024 * 1024
#: What one list item takes in the engine's memory, counted with the characters: a list it
#: creates or copies is memory as much as text is.
ITEM_BYTES = 32


class Lin(NamedTuple):
    """An amount as `c + e*X + o*X + w*W`: X the longest input string or list, W the whole
    input. `e` counts values read from the item the innermost loop is at (over the whole
    loop they add up to no more than the input), `o` other values read from the input, `w`
    what a value read from the input may hold all the way down (a map of maps).

    A tuple, not a dataclass: the estimate adds thousands of them while a policy loads."""

    c: float = 0.0
    e: float = 0.0
    o: float = 0.0
    w: float = 0.0
    #: Values read from the item the loop around the innermost one is at.
    e2: float = 0.0

    def __add__(self, other: Lin) -> Lin:  # type: ignore[override]
        return Lin(
            self[0] + other[0],
            self[1] + other[1],
            self[2] + other[2],
            self[3] + other[3],
            self[4] + other[4],
        )

    def times(self, factor: float) -> Lin:
        return Lin(
            self.c * factor, self.e * factor, self.o * factor, self.w * factor, self.e2 * factor
        )

    def most(self, item: float = MAX_STRING) -> float:
        """The largest value; `item` is how much one item's part may hold."""
        return self.c + (self.e + self.e2) * item + self.o * MAX_STRING + self.w * MAX_INPUT_BYTES

    def constant(self) -> bool:
        return not (self.e or self.o or self.w or self.e2)

    def shifted(self) -> Lin:
        """As seen inside a loop nested in the one whose item this reads."""
        return Lin(self.c, 0.0, self.o + self.e2, self.w + self.e2, self.e)

    def capped(self, limit: float) -> Lin:
        return self if self.most() <= limit else Lin(limit)


ONE = Lin(1.0)
ZERO = Lin()


class Estimate(NamedTuple):
    steps: Lin
    chars: Lin
    #: The value's length: characters of a string, items of a list or map.
    size: Lin
    #: What the value holds all the way down (a list of strings: the items and their text).
    weight: Lin
    #: How long one of its items may be, where the value is a list this expression builds
    #: (None: a part of it is at most what it holds, and no input value is longer than
    #: MAX_STRING; see `_part`).
    item: Lin | None = None
    #: What one of those items holds all the way down.
    held: Lin | None = None
    #: Of the item's `o`, how many values it copies from the items of the loop that built
    #: it: over the whole list those add up to no more than that many inputs (a filter of
    #: an input list), where the rest may be the same value at every item.
    drawn: float = 0.0


#: Functions whose work does not grow with their operands.
_CONSTANT_TIME = frozenset(
    {
        "_[_]",
        "_[?_]",
        "_?._",
        "_?_:_",
        "_&&_",
        "_||_",
        "_*_",
        "_/_",
        "_%_",
        "_-_",
        "size",
        "orValue",
        "or",
        "hasValue",
        "value",
        "optional.of",
        "optional.ofNonZeroValue",
        "optional.none",
        "dyn",
        "type",
        "bool",
        "duration",
        "timestamp",
        "charAt",
        "first",
        "last",
        "phasegate_finite",
        "phasegate_finite_root",
        "phasegate_ordered",
        "phasegate_listed",
    }
)
#: Functions that search one text for another: up to the product of their lengths.
_SEARCHES = frozenset(
    {
        "contains",
        "indexOf",
        "lastIndexOf",
        "matches",
        "capture",
        "split",
        "regex.extract",
        "regex.extractAll",
        "regex.replace",
    }
)
#: Searches that only answer (a bool, an index): they build nothing.
_FINDS = frozenset({"contains", "indexOf", "lastIndexOf", "matches"})
#: Characters compared or searched per step: scanning is far cheaper than evaluating a node.
SCAN_PER_STEP = 100
_COMPARISONS = frozenset({"_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_"})
#: Functions that create list items: as many as their result may hold.
_ITEMS = frozenset(
    {
        "split",
        "lists.range",
        "phasegate_lists.range",
        "flatten",
        "sort",
        "sortBy",
        "distinct",
        "slice",
        "reverse",
        "regex.extractAll",
    }
)


def estimate(expression: Any, params: Mapping[str, Any]) -> tuple[float, float]:
    """The most (steps, characters) one evaluation can take."""
    estimator = _Estimator(params, expression.variables, expression.tree)
    found = estimator.node(expression.tree.root, {})
    bodies = estimator.bodies
    steps = found.steps.most() + _spread([(cap, n, body.steps) for cap, n, body in bodies])
    chars = found.chars.most() + _spread([(cap, n, body.chars) for cap, n, body in bodies])
    return steps, chars


def _spread(bodies: list[tuple[float, float, Lin]]) -> float:
    """The most that the comprehension steps of one evaluation can take: at most
    MAX_ITERATIONS steps in all, each body at most as many as its cap, the costliest first
    (which is the most they can take). What a body reads from its own items adds up to no
    more than the input over its steps; what it reads from the items of the comprehension
    around it, to the input once per step of its own range."""
    left, total = float(MAX_ITERATIONS), 0.0
    ranked = sorted(((_per_step(body), cap) for cap, _n, body in bodies), reverse=True)
    for cost, cap in ranked:
        taken = min(cap, left)
        total, left = total + taken * cost, left - taken
    return total + sum(MAX_INPUT_BYTES * (body.e + body.e2 * n) for _cap, n, body in bodies)


def _per_step(amount: Lin) -> float:
    """One step's amount, without what it reads from items (counted over the loops)."""
    return amount._replace(e=0.0, e2=0.0).most()


#: Calls that neither grow a value nor scan more than a string: an expression of only these
#: (and reads and literals) stays far below the budget whatever its input (an ordering
#: compares at most two input strings; the engine allows 1,000 operators in a chain).
_TRIVIAL = _CONSTANT_TIME | {"has", "size", "_<_", "_<=_", "_>_", "_>=_"}


def over_budget(expression: Any, params: Mapping[str, Any]) -> str | None:
    """Why the expression is over the budget, or None."""
    found = expression.model
    if not found.loops and found.calls <= _TRIVIAL and len(found.names) < 10_000:
        return None  # bounded by its size: no need to estimate
    steps, chars = estimate(expression, params)
    if steps <= MAX_STEPS and chars <= MAX_CHARS:
        return None
    what = (
        f"{steps:,.0f} steps (at most {MAX_STEPS:,})"
        if steps > MAX_STEPS
        else f"{chars:,.0f} characters copied or scanned (at most {MAX_CHARS:,})"
    )
    return (
        f"too costly: one evaluation may take {what}, with up to {MAX_ITERATIONS:,}"
        f" comprehension steps and input strings of up to {MAX_STRING:,} characters"
    )


def _leaf(size: Lin, weight: Lin) -> Estimate:
    return Estimate(ONE, ZERO, size, weight)


#: A value read from the input: a string or list of the longest, holding at most all of it.
_INPUT = (Lin(o=1.0), Lin(w=1.0))
#: A value read from the item a loop is at: its parts add up to the input over the loop.
_ITEM = (Lin(e=1.0), Lin(e=1.0))
#: The names loops and `cel.bind` bind, each with the (length, weight) of what it holds,
#: and the (item, held, drawn) of a list the expression built (see `Estimate`).
Items = dict[str, tuple[Lin, Lin, Lin | None, Lin | None, float]]


class _Estimator:
    def __init__(
        self,
        params: Mapping[str, Any],
        variables: tuple[str, ...],
        tree: Checked,
    ) -> None:
        self.params = params
        self.tree = tree
        self.overloads = tree.overloads
        self.variables = variables
        self.budget = 100_000  # nodes visited: bounded by the tree (the engine caps it)
        self.accumulators: set[str] = set()
        #: What one step of each comprehension takes, with how many steps it may take at
        #: most (its range's length times its enclosing comprehension's); see `_loop`.
        self.bodies: list[tuple[float, float, Estimate]] = []
        self.caps: list[float] = []

    def node(self, node: Node, items: Items) -> Estimate:
        """`items`: the names the loops around bind, with (length, weight) of each."""
        self.budget -= 1
        if self.budget < 0:
            return Estimate(Lin(float(MAX_STEPS + 1)), ZERO, ZERO, ZERO)
        if node.kind == CALL and node.name in ("!_", "-_") and len(node.args) == 1:
            depth, inner = 0, node
            while inner.kind == CALL and inner.name in ("!_", "-_") and len(inner.args) == 1:
                depth, inner = depth + 1, inner.args[0]  # a chain: no recursion per link
            found = self.node(inner, items)
            return Estimate(found.steps + Lin(float(depth)), found.chars, ONE, ONE)
        if node.kind == CONST:
            size = Lin(float(len(node.value) if isinstance(node.value, str | bytes) else 1))
            return _leaf(size, size)
        if node.kind == IDENT:
            if node.name in self.accumulators:
                # what a loop builds: paid for by the loop
                return Estimate(ONE, ZERO, ZERO, ZERO, ZERO, ZERO)
            if node.name in items:
                return Estimate(ONE, ZERO, *items[node.name])
            return _leaf(*self._input(node.name, ()))
        if node.kind == SELECT:
            found = model.path_of(node, self.variables, frozenset())
            inner = self.node(node.target, items) if node.target is not None else None
            steps = ONE + (inner.steps if inner else ZERO)
            chars = inner.chars if inner else ZERO
            if node.test_only:
                return Estimate(steps, chars, ONE, ONE)
            if found is not None:
                return Estimate(steps, chars, *self._input(*_split(found)))
            if inner is None:
                return Estimate(steps, chars, *_INPUT)
            return Estimate(steps, chars, _part(inner), inner.weight)  # a part of it
        if node.kind in (LIST, STRUCT):
            parts = [self.node(child, items) for child in node.args if child.raw]
            total = _sum(parts)
            count = float(len(node.args) // (2 if node.kind == STRUCT else 1))
            return Estimate(
                total.steps + Lin(count + 1),
                total.chars,
                Lin(count),
                total.weight + Lin(count),
                total.size,  # each item at most all of them
                total.weight,
            )
        if node.kind == COMPREHENSION:
            return self._loop(node, items)
        if node.kind == CALL:
            return self._call(node, items)
        return _leaf(ONE, ONE)

    def _input(self, name: str, path: tuple[str, ...]) -> tuple[Lin, Lin]:
        """(length, weight) of a value read at `path` of a variable."""
        if name == "params":
            value: Any = self.params
            for part in path:
                if not isinstance(value, Mapping) or part not in value:
                    return _INPUT
                value = value[part]
            weight = Lin(float(len(str(value))))  # params are small: their text bounds them
            if isinstance(value, str | list | Mapping):
                return Lin(float(len(value))), weight
            return ONE, weight
        return _INPUT

    def _call(self, node: Node, items: Items) -> Estimate:
        operands = ([node.target] if node.target is not None else []) + node.args
        parts = [self.node(child, items) for child in operands if child.raw]
        total = _sum(parts)
        steps, chars = total.steps + ONE, total.chars
        sizes = [part.size for part in parts]
        weights = [part.weight for part in parts]
        name = node.name
        if name in _SEARCHES and len(sizes) >= 2:
            # each place in the text, compared with the pattern a vector of 32 at a time
            per_place = sizes[1].times(1 / 32) + ONE
            steps = steps + _product(sizes[0], per_place).times(1 / SCAN_PER_STEP)
            if name in _FINDS:
                return Estimate(steps, chars, ONE, ONE)
        elif name in ("startsWith", "endsWith", "@in"):
            steps = steps + _sum_lin(weights if name == "@in" else sizes).times(1 / SCAN_PER_STEP)
        if name == "_+_":
            size = _sum_lin(sizes)
            resolved = self.overloads.get(node.id, ("add_list",))
            if any(overload == "add_list" for overload in resolved):
                steps, chars = steps + size, chars + size.times(ITEM_BYTES)  # items copied
            return Estimate(steps, chars + size, size, total.weight, *_items_of(parts))
        if name in _COMPARISONS and len(sizes) == 2:
            # comparing stops at the shorter operand; prefer one read from the loop's item
            least = min(weights, key=lambda weight: (weight.most(MAX_INPUT_BYTES), -weight.e))
            return Estimate(steps + least.times(1 / SCAN_PER_STEP), chars, ONE, ONE)
        if name in model.WRAPPERS and parts:
            return Estimate(steps, chars, parts[0].size, parts[0].weight)
        if name in _CONSTANT_TIME or name in ("has",):
            if name in ("_[_]", "_[?_]", "_?._") and parts:
                return Estimate(steps, chars, _part(parts[0]), parts[0].weight)
            if name in ("_?_:_", "orValue", "or", "value", "optional.of", "dyn") and parts:
                picked = parts[1:] if name == "_?_:_" else parts
                return Estimate(
                    steps,
                    chars,
                    _sum_lin(sizes[-len(picked) :]),
                    total.weight,
                    *_items_of(picked),
                )
            return Estimate(steps, chars, ONE, ONE)
        if name in _ITEMS:
            size = _items(name, node, sizes, weights)
            built = size.times(ITEM_BYTES) + _sum_lin(sizes)
            return Estimate(
                steps + size, chars + built, size, total.weight + size, *_created(name, sizes)
            )
        if name in ("replace", "phasegate_replace", "regex.replace"):
            limit = float(functions.MAX_BUILT_CHARS)
            if len(sizes) >= 3:
                text, rewrite = sizes[0].most(), sizes[2].most()
                # regex.replace is not held when it runs: its whole result counts, and each
                # `\N` of its rewrite repeats a match (at most the text over all matches)
                grown = Lin(text * (rewrite + 1) * (2 if name == "regex.replace" else 1) + rewrite)
                size = sizes[0] + grown
                size = size if name == "regex.replace" else size.capped(limit)
            else:
                size = Lin(limit)
            return Estimate(steps, chars + size + _sum_lin(sizes), size, size)
        if name in ("join", "format", "string", "bytes", "strings.quote", "quote"):
            # the value written out: what it holds, twice over for quotes and separators
            size = _sum_lin(weights).times(2) + Lin(2.0)
            if name == "join":
                separator = sizes[1].most() if len(sizes) > 1 else 0.0
                size = _sum_lin(weights[:1]) + Lin(sizes[0].most() * separator)
            return Estimate(steps, chars + size, size, size)
        if name in ("sets.contains", "sets.intersects", "sets.equivalent") and len(sizes) == 2:
            pairs = Lin(sizes[0].most() * sizes[1].most())
            return Estimate(steps + pairs, chars, ONE, ONE)
        # any other function: it may copy each of its operands once (a string function's
        # operands are strings, which no input holds longer than MAX_STRING)
        size = _sum_lin(sizes)
        return Estimate(steps + Lin(float(len(sizes))), chars + size, size, size)

    def _loop(self, node: Node, items: Items) -> Estimate:
        """A comprehension's parts that run once; what runs at every step (its body) is
        kept in `bodies`: the engine allows `MAX_ITERATIONS` steps over all comprehensions
        of one evaluation, so the steps are bounded together, not loop by loop."""
        parts = node.parts
        over = parts.get("range")
        init = parts.get("init")
        ranged = None if over is None else self.node(over, items)
        started = None if init is None else self.node(init, items)
        outside = _sum([part for part in (ranged, started) if part is not None])
        if "result" in parts and not is_loop_over(over):
            # cel.bind: its variable holds its value, computed once (counted in `outside`)
            bound = dict(items)
            if started is not None and node.accu_var:
                bound[node.accu_var] = started[2:]
            found = self.node(parts["result"], bound)
            return Estimate(outside.steps + found.steps, outside.chars + found.chars, *found[2:])
        length = self._length(node, over, outside.size)
        cap = length * (self.caps[-1] if self.caps else 1.0)
        size, weight = self._param_item(over) or _literal_item(over) or _loop_item(ranged)
        inner_items: Items = {
            name: (
                size.shifted(),
                weight.shifted(),
                item and item.shifted(),
                held and held.shifted(),
                drawn,
            )
            for name, (size, weight, item, held, drawn) in items.items()
        }
        inner_items.update(
            {name: (size, weight, None, None, 0.0) for name in (node.name, node.iter_var2) if name}
        )
        if node.accu_var:
            self.accumulators.add(node.accu_var)
        self.caps.append(min(cap, float(MAX_ITERATIONS)))
        body = {
            name: self.node(parts[name], inner_items)
            for name in ("condition", "step")
            if name in parts
        }
        self.caps.pop()
        each = _sum(list(body.values()))
        if "step" in body:  # what the step appends: the items of the list it builds
            each = each._replace(item=body["step"].item, held=body["step"].held)
        builds = init is not None and init.kind == LIST
        if builds:  # the engine copies the list built so far at every step
            copied = Lin(length)
            each = each._replace(
                steps=each.steps + copied, chars=each.chars + copied.times(ITEM_BYTES)
            )
            size, weight = Lin(length), _over_loop(each.weight, length)
            # one item, seen outside: a part of the loop's item is at most an input value,
            # and those parts add up to no more than the input over the list (`drawn`)
            found, held = each.item, each.held
            item = None if found is None else Lin(found.c, found.e2, found.o + found.e, found.w)
            held = None if held is None else Lin(held.c, held.e2, held.o + held.e, held.w)
            drawn = 0.0 if found is None else found.e
        else:
            size, weight, item, held, drawn = ONE, ONE, None, None, 0.0
        self.bodies.append((min(cap, float(MAX_ITERATIONS)), length, each))
        return Estimate(outside.steps + ONE, outside.chars, size, weight, item, held, drawn)

    def _length(self, node: Node, over: Node | None, size: Lin) -> float:
        """How many items a loop may take: its range's size, at most an input list's
        length, or the length a list-building loop is held to when it runs."""
        if over is None:
            return 0.0
        most = size.most()
        if held_range(self.tree, node) is not None:
            return min(most, float(functions.MAX_BUILT_ITEMS))
        return min(most, float(MAX_LIST_LENGTH))

    def _param_item(self, over: Node | None) -> tuple[Lin, Lin] | None:
        """(length, weight) of the longest item of a params list a loop ranges over."""
        found = None if over is None else model.path_of(over, ("params",), frozenset())
        if found is None:
            return None
        value: Any = self.params
        for part in found[0][1:]:
            if not isinstance(value, Mapping) or part not in value:
                return None
            value = value[part]
        if not isinstance(value, list | Mapping) or not value:
            return None
        longest = Lin(float(max(len(str(item)) for item in value)))
        return longest, longest


def _product(left: Lin, right: Lin) -> Lin:
    """left * right, keeping what each term reads where the other is a constant."""
    if right.constant():
        return left.times(right.c)
    if left.constant():
        return right.times(left.c)
    return Lin(left.most() * right.most())


def is_loop_over(over: Node | None) -> bool:
    """Whether a comprehension's range has items (`cel.bind` ranges over `[]`)."""
    return not (over is not None and over.kind == LIST and not over.args)


def _part(value: Estimate) -> Lin:
    """How long a part of a value may be: an item of a list the expression builds is as
    long as it was built; any other part is no longer than the value holds, and no input
    string or list is longer than MAX_STRING."""
    if value.item is not None:
        return value.item
    weight = value.weight
    return Lin(weight.c, weight.e, weight.o + weight.w, 0.0, weight.e2)


def _loop_item(over: Estimate | None) -> tuple[Lin, Lin]:
    """(length, weight) of the item a loop is at, from what its range holds.

    An item read from the input is `_ITEM`: at most an input string each, all of them
    together at most the input. A list the expression built (or bound with `cel.bind`) may
    hold the same long value at every item (`lists.range(1000).map(i, a)`): only the part
    of its items copied from a loop's items (`drawn`) adds up to the input; the rest counts
    whole at every step. A range whose items are not known holds at most its weight: its
    constant part (built or bound text) at every step, and no more inputs in all than it
    holds."""
    if over is None:
        return _ITEM
    if over.item is not None and over.held is not None:
        drawn = Lin(e=over.drawn)
        item, held = (
            found._replace(o=max(found.o - over.drawn, 0.0)).shifted() + drawn
            for found in (over.item, over.held)
        )
        return item, held
    weight = over.weight
    inputs = max(1.0, weight.w + weight.o * MAX_STRING / MAX_INPUT_BYTES)
    each = Lin(weight.c, inputs)
    return each, each


def _created(name: str, sizes: list[Lin]) -> tuple[Lin | None, Lin | None, float]:
    """(item, held, drawn) of the list a function creates, where known: `lists.range`
    holds numbers; `split` pieces of its text, which add up to no more than the text (so
    the pieces of an input string are as a loop's items are)."""
    if name in ("lists.range", "phasegate_lists.range"):
        return ONE, ONE, 0.0
    if name == "split" and sizes:
        text = sizes[0]
        piece = Lin(text.c, 0.0, text.o + text.e, text.w, text.e2)
        return piece, piece, text.o + text.e
    return None, None, 0.0


def _items_of(parts: list[Estimate]) -> tuple[Lin | None, Lin | None, float]:
    """(item, held, drawn) of a list made of `parts` (lists): the longest item, what it
    holds, where each part's are known."""
    if any(part.item is None or part.held is None for part in parts):
        return None, None, 0.0
    return (
        _sum_lin([part.item for part in parts if part.item is not None]),
        _sum_lin([part.held for part in parts if part.held is not None]),
        sum(part.drawn for part in parts),
    )


def _literal_item(over: Node | None) -> tuple[Lin, Lin] | None:
    """(length, weight) of the longest item of a list literal of literals a loop ranges
    over (`['quick', 'test', 'ci'].all(n, ...)`)."""
    over = None if over is None else model.unwrap(over)
    if over is None or over.kind != LIST or not over.args:
        return None
    if any(item.kind != CONST for item in over.args):
        return None
    longest = Lin(
        float(
            max(len(item.value) if isinstance(item.value, str | bytes) else 1 for item in over.args)
        )
    )
    return longest, longest


def _split(found: tuple[Any, Any, Any]) -> tuple[str, tuple[str, ...]]:
    path = found[0]
    return path[0], tuple(path[1:])


def _over_loop(each: Lin, length: float) -> Lin:
    """A loop body's amount over `length` items, as seen outside the loop: what the items
    hold adds up to no more than the input."""
    from_items = min(length, 1.0) * each.e  # all of them: at most one whole input
    return Lin(each.c * length, each.e2 * length, each.o * length, each.w * length + from_items)


def _items(name: str, node: Node, sizes: list[Lin], weights: list[Lin]) -> Lin:
    if name in ("lists.range", "phasegate_lists.range"):
        argument = model.unwrap(node.args[0]) if node.args else None
        if argument is not None and argument.kind == CONST and isinstance(argument.value, int):
            return Lin(float(max(argument.value, 0)))
        return Lin(float(functions.MAX_BUILT_ITEMS * 10))  # enforced when it runs
    if name == "flatten":
        return weights[0] if weights else ONE
    return _sum_lin(sizes) + ONE


def _sum(parts: list[Estimate]) -> Estimate:
    steps, chars, size, weight = ZERO, ZERO, ZERO, ZERO
    for part in parts:
        steps, chars = steps + part.steps, chars + part.chars
        size, weight = size + part.size, weight + part.weight
    return Estimate(steps, chars, size, weight)


def _sum_lin(sizes: list[Lin]) -> Lin:
    total = ZERO
    for size in sizes:
        total = total + size
    return total
