"""phasegate's own CEL functions: the few that neither CEL's standard library nor its
strings extension has.

Each is declared once, with typed overloads, so the checker refuses a wrong argument when the
policy loads. Regular expressions run on RE2 (the `google-re2` package), the engine
cel-expr-python uses for `matches()`: linear time, so no pattern and no input can make a rule
backtrack for minutes, and one syntax at load, lint and run time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from cel_expr_python import cel

T = cel.Type


@lru_cache(maxsize=256)
def compile_regex(pattern: str) -> Any:
    """A compiled RE2 pattern; raises ValueError with RE2's reason for a bad one. RE2 is
    imported with the first pattern: a decision whose rules hold none never loads it."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would log a bad pattern itself; the error says it once
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(f"bad regular expression: {reason}") from None


def _whole(impl: Callable[..., str | None]) -> Callable[..., str | None]:
    """`impl`, refusing to give back a string that holds NUL: cel-expr-python cuts a string
    from Python at its first NUL, so `'a\\x00b'.replace('a', 'c').size()` was 1 where the
    engine's own `replace` gives 3. (Facts cannot hold NUL; only an expression makes one.)"""

    def whole(*args: Any) -> str | None:
        value = impl(*args)
        if value is not None and "\x00" in value:
            raise ValueError(
                "a string holding NUL (U+0000), which phasegate's functions (replace,"
                " trimPrefix, trimSuffix, capture) cannot give back"
            )
        return value

    return whole


def _capture(text: str, pattern: str) -> str | None:
    """The first match (its first group, if the pattern has one), or null: no match is
    unknown, never an empty string that a rule could mistake for a value."""
    match = compile_regex(pattern).search(text)
    if match is None:
        return None
    return match.group(1) if match.re.groups else match.group(0)


def _trim_prefix(text: str, prefix: str) -> str:
    return text[len(prefix) :] if text.startswith(prefix) else text


def _trim_suffix(text: str, suffix: str) -> str:
    return text[: -len(suffix)] if suffix and text.endswith(suffix) else text


def _extreme(pick: Callable[..., Any]) -> Callable[[list[Any]], Any]:
    """max/min of a list of numbers; an empty list has neither, and says so."""

    def extreme(items: list[Any]) -> Any:
        if not items:
            raise ValueError("max/min of an empty list")
        numbers = [item for item in items if type(item) in (int, float)]
        if len(numbers) != len(items):
            raise ValueError("max/min expects a list of numbers")
        return pick(numbers)

    return extreme


#: Wraps every `double(...)` a rule writes (see `phasegate.cel.expression`): the engine's
#: own `double()` cannot be replaced, and it reads "NaN" and "inf" as numbers.
FINITE = "phasegate_finite"
#: Wraps every `math.sqrt(...)`: the root of a negative number is NaN.
FINITE_ROOT = "phasegate_finite_root"
#: The range of a list-making comprehension (`map`, `filter`), in a stable order.
ORDERED = "phasegate_ordered"
#: The range of a two-variable list-making comprehension (`transformList`): a list only.
LISTED = "phasegate_listed"
#: The longest list or map an input may hold, which the cost budget (`cost`) assumes of
#: any list: kept here, not there, so that loading facts does not import the budget.
MAX_LIST_LENGTH = 10_000
#: The most items a comprehension that builds a list may range over: the engine copies the
#: list it builds at every step, so its memory grows with the square of this.
MAX_BUILT_ITEMS = 1000
#: The longest string a function that can multiply its input (`replace`) may build: the
#: facts caps bound every other string a rule can make.
MAX_BUILT_CHARS = 1024 * 1024


def _finite(function: str) -> Callable[[float], float]:
    """A check of `function`'s result: an error where it is NaN or infinite. NaN compares
    false, so `double(facts.labels.rate) > 0.05` over the text "NaN", or
    `math.sqrt(facts.extra.drift) > 0.1` over a negative drift, would quietly pass the gate."""

    def finite(value: float) -> float:
        if not math.isfinite(value):
            raise ValueError(f"{function}() gave {value!r}: not a finite number")
        return value

    return finite


def _built_from(count: int) -> None:
    if count > MAX_BUILT_ITEMS:
        raise ValueError(
            f"a list built over {count:,} items (at most {MAX_BUILT_ITEMS:,}: building one"
            " costs the square of its length)"
        )


def _sorted_keys(mapping: dict[Any, Any]) -> list[Any]:
    """A map's keys in one order for every process: the engine iterates a map in its hash
    order, which changes between runs, so `facts.checks.filter(...)` would list the same
    checks in another order and the same decision would not be the same bytes.

    The keys come as Python's, where 1, 1u and true are one key and 1u is an int: only
    string keys (all that facts and params hold) come through as the engine had them."""
    _built_from(len(mapping))
    if any(type(key) is not str for key in mapping):
        raise ValueError(_KEYS_NOT_STRINGS)
    return _handed_back(sorted(mapping))


#: Python has 1, 1u and true as one key: a map with other keys than strings would come back
#: from it with fewer entries than the engine gave.
_KEYS_NOT_STRINGS = (
    "map or filter over a map whose keys are not all strings (1, 1u and true would be one"
    " key): use string keys"
)


def _as_is(items: list[Any]) -> list[Any]:
    _built_from(len(items))
    return _handed_back(items)


#: What the engine takes back from Python as it gave it: JSON's values (all that facts and
#: params hold), and bytes. A uint comes as an int and cannot be told from one.
_BACK_AS_GIVEN = frozenset({type(None), bool, int, float, bytes})


def _handed_back(items: list[Any]) -> list[Any]:
    """`items`, handed back to the engine, or a ValueError in fixed words where it would not
    get back what it gave. A list the checker types `dyn` (a literal of mixed types,
    `dyn()`) reaches `map` and `filter` through Python whatever it holds: a timestamp or a
    type value made the engine fail with a message holding a memory address (other bytes
    in every process), and a string holding NUL came back cut at it (cel-expr-python
    reads a C string), so `['a\\x00b'].map(x, x.size())` was `[1]`. Every value at every
    depth is looked at once: the list is at most `MAX_BUILT_ITEMS` long and its values
    are bounded by the cost budget."""
    pending: list[Any] = list(items)
    while pending:
        value = pending.pop()
        kind = type(value)
        if kind is str:
            if "\x00" in value:
                raise ValueError(
                    "map(), filter() or transformList() over a string holding NUL (U+0000),"
                    " which the CEL engine would take back cut short"
                )
        elif kind is list:
            pending.extend(value)
        elif kind is dict:
            if any(type(key) is not str for key in value):
                raise ValueError(_KEYS_NOT_STRINGS)
            pending.extend(value)
            pending.extend(value.values())
        elif kind not in _BACK_AS_GIVEN:
            raise ValueError(
                "map(), filter() or transformList() over a list the checker types dyn that"
                f" holds a {kind.__name__} (a timestamp, duration or type value): the CEL"
                " engine cannot take it back from phasegate's size check; give the list a"
                " type (no dyn(), no literal of mixed types)"
            )
    return items


def _map_refused(mapping: dict[Any, Any]) -> list[Any]:
    raise ValueError(
        "transformList over a map: a map has no stable order (range over a list, or use"
        " transformList on its sorted keys)"
    )


def _replace(text: str, old: str, new: str, count: int = -1) -> str:
    """The strings extension's `replace`, refusing a result over MAX_BUILT_CHARS before
    building it: `a.replace(b, c)` over two 64 KiB facts would build 4 GiB."""
    found = text.count(old) if old else len(text) + 1
    if count >= 0:
        found = min(found, count)
    size = len(text) + found * (len(new) - len(old))
    if size > MAX_BUILT_CHARS:
        raise ValueError(
            f"replace() would build a string of {size:,} characters (at most {MAX_BUILT_CHARS:,})"
        )
    return text.replace(old, new, count)


def _range(count: int) -> list[int]:
    if count > MAX_BUILT_ITEMS * 10:
        raise ValueError(f"lists.range({count:,}): at most {MAX_BUILT_ITEMS * 10:,} items")
    return list(range(count))


#: Engine functions that run as phasegate's own (see `expression._changes`): by name, the
#: engine's overload id -> phasegate's.
RENAMED = {
    "replace": {
        "string_replace_string_string": "phasegate_replace",
        "string_replace_string_string_int": "phasegate_replace_n",
    },
    "lists.range": {"list_range": "phasegate_lists.range"},
}
#: The name a renamed function is called by in the program (`replace` -> `phasegate_replace`).
OWN_NAMES = {name: f"phasegate_{name}" for name in RENAMED}


class Overload(NamedTuple):
    """One overload as phasegate declares it: the engine's `cel.Overload` cannot be read
    back, and which overloads take a list or map is read from these (see
    `expression.handed_containers`), so a new one is not forgotten."""

    id: str
    result: Any
    params: list[Any]
    is_member: bool = False
    impl: Callable[..., Any] | None = None

    def takes_container(self) -> bool:
        """Whether a list or map can be passed: a list, map or dyn parameter."""
        return any(kind.name().startswith(("LIST<", "MAP<", "DYN")) for kind in self.params)


class Function(NamedTuple):
    """One of phasegate's functions: its name and overloads, as declared."""

    name: str
    overloads: list[Overload]

    def declared(self) -> Any:
        """The engine's declaration of this function."""
        return cel.FunctionDecl(
            self.name,
            [
                cel.Overload(o.id, o.result, o.params, is_member=o.is_member, impl=o.impl)
                for o in self.overloads
            ],
        )


def _method(name: str, ret: Any, params: list[Any], impl: Callable[..., Any]) -> Function:
    return Function(name, [Overload(f"phasegate_{name}", ret, params, is_member=True, impl=impl)])


def declarations() -> list[Function]:
    """phasegate's functions, as declared (`Function.declared` is the engine's)."""
    return [
        _method("trimPrefix", T.STRING, [T.STRING, T.STRING], _whole(_trim_prefix)),
        _method("trimSuffix", T.STRING, [T.STRING, T.STRING], _whole(_trim_suffix)),
        _method("capture", T.DYN, [T.STRING, T.STRING], _whole(_capture)),
        _method("max", T.DYN, [T.List(T.DYN)], _extreme(max)),
        _method("min", T.DYN, [T.List(T.DYN)], _extreme(min)),
        *(
            Function(name, [Overload(name, T.DOUBLE, [T.DOUBLE], impl=_finite(of))])
            for name, of in ((FINITE, "double"), (FINITE_ROOT, "math.sqrt"))
        ),
        Function(
            ORDERED,
            [
                Overload(
                    f"{ORDERED}_map",
                    T.List(T.DYN),
                    [T.Map(T.DYN, T.DYN)],
                    impl=_sorted_keys,
                ),
                Overload(f"{ORDERED}_list", T.List(T.DYN), [T.List(T.DYN)], impl=_as_is),
            ],
        ),
        Function(
            LISTED,
            [
                Overload(f"{LISTED}_map", T.List(T.DYN), [T.Map(T.DYN, T.DYN)], impl=_map_refused),
                Overload(LISTED, T.List(T.DYN), [T.List(T.DYN)], impl=_as_is),
            ],
        ),
        Function(
            "phasegate_replace",
            [
                Overload(
                    "phasegate_replace",
                    T.STRING,
                    [T.STRING, T.STRING, T.STRING],
                    is_member=True,
                    impl=_whole(_replace),
                ),
                Overload(
                    "phasegate_replace_n",
                    T.STRING,
                    [T.STRING, T.STRING, T.STRING, T.INT],
                    is_member=True,
                    impl=_whole(_replace),
                ),
            ],
        ),
        Function(
            "phasegate_lists.range",
            [Overload("phasegate_lists.range", T.List(T.INT), [T.INT], impl=_range)],
        ),
    ]
