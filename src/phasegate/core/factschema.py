"""What the facts schema declares about a path a rule reads: whether it exists, its type,
and whether a document may leave it out.

The schema is the contract between collectors and rule authors, so a rule can be checked
against it before any facts exist: `facts.metrics.eror_rate` is a typo the schema can name,
and `facts.metrics.error_rate` is optional, so a rule reading it must expect it missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from typing import Any, NamedTuple

from phasegate.core.facts import DEFAULTED_CHECK_FIELD
from phasegate.files.schemas import load_schema, resolve

#: JSON Schema types as CEL sees facts after normalisation (`number` always a double).
_CEL_TYPES = {
    "integer": "int",
    "number": "double",
    "string": "string",
    "boolean": "bool",
    "array": "list",
    "object": "map",
    "null": "null",
}
#: Open maps where any name is allowed, but a name close to a declared one is a typo.
TYPO_CHECKED = frozenset({"metrics", "baseline"})


class Status(StrEnum):
    #: Declared by the schema (a property, or a name of an open map such as `checks`).
    DECLARED = "declared"
    #: Not declared, but the map is open (metrics): allowed, worth a look.
    UNDECLARED = "undeclared"
    #: The schema does not allow it: the read can only ever fail.
    UNKNOWN = "unknown"
    #: Anything goes below here (`extra`, parsed command `output`).
    FREE = "free"


class Lookup(NamedTuple):
    """What the facts schema says of one path: whether a document can hold it, and which of
    its prefixes a valid document may leave out (what a safe read must check first)."""

    status: Status
    #: The schema node at the path (None when unknown or free).
    node: Mapping[str, Any] | None = None
    #: The prefixes of the path a valid document may leave out, e.g. (("metrics",),
    #: ("metrics", "error_rate")): a read is safe only once each is known present.
    optional: tuple[tuple[str, ...], ...] = ()
    #: For UNKNOWN/UNDECLARED: how far the path is known, and a likely intended path.
    known_prefix: tuple[str, ...] = ()
    suggestion: tuple[str, ...] | None = None
    #: For UNKNOWN: the type of the last known node when it has no fields at all.
    not_a_map: str | None = None

    def message(self, path: tuple[str, ...], base: tuple[str, ...] = ("facts",)) -> str:
        """Why `path` (as written, e.g. `facts.chekcs.ci.ok`) is UNKNOWN, with the likely
        intended path: `unknown fact 'facts.chekcs.ci.ok' (did you mean facts.checks.ci.ok?)`.
        `base` is what the looked-up path was relative to.
        """
        what = "fact" if path[0] == "facts" else "field"
        shown = ".".join(path)
        if self.not_a_map is not None:
            at = ".".join((*base, *self.known_prefix))
            return f"unknown {what} {shown!r}: {at} is a {self.not_a_map}, it has no fields"
        hint = f" (did you mean {'.'.join((*base, *self.suggestion))}?)" if self.suggestion else ""
        return f"unknown {what} {shown!r}{hint}"


@cache
def _root() -> Mapping[str, Any]:
    return load_schema("facts")


def node(reference: Mapping[str, Any]) -> Mapping[str, Any]:
    return resolve(reference, _root())


def facts_node() -> Mapping[str, Any]:
    return _root()


def cel_type(schema: Mapping[str, Any] | None) -> str | None:
    """The CEL type a value of this schema has, or None when the schema does not say."""
    if schema is None:
        return None
    schema = node(schema)
    kind = schema.get("type")
    if isinstance(kind, str):
        return _CEL_TYPES.get(kind)
    if "enum" in schema and all(isinstance(v, str) for v in schema["enum"]):
        return "string"
    if "const" in schema and isinstance(schema["const"], str):
        return "string"
    return None


def lookup(
    path: tuple[str, ...], start: Mapping[str, Any] | None = None, parent: str | None = None
) -> Lookup:
    """Walk `path` (below `facts`, or below `start`, reached through a step named `parent`)
    through the schema."""
    current = node(start) if start is not None else facts_node()
    optional: list[tuple[str, ...]] = []
    for index, name in enumerate(path):
        here = path[: index + 1]
        before = path[index - 1] if index else parent
        properties = current.get("properties", {})
        extra = current.get("additionalProperties", True)
        kind = cel_type(current)
        if name in properties:
            if name not in current.get("required", ()) and not _defaulted(current, name):
                optional.append(here)
            current = node(properties[name])
            continue
        if kind is not None and kind != "map":
            return Lookup(Status.UNKNOWN, known_prefix=path[:index], not_a_map=kind)
        if isinstance(extra, Mapping):  # an open map: any name, values of one schema
            optional.append(here)
            if before in TYPO_CHECKED and properties:
                typo = likely_typo(name, sorted(properties))
                if typo is not None:
                    suggestion = (*path[:index], typo, *path[index + 1 :])
                    return Lookup(Status.UNKNOWN, known_prefix=path[:index], suggestion=suggestion)
                return Lookup(Status.UNDECLARED, node(extra), tuple(optional), path[:index])
            current = node(extra)
            continue
        if extra is not False:
            return Lookup(Status.FREE, None, (*optional, here))
        suggestion = _suggest(path, index, properties)
        return Lookup(Status.UNKNOWN, known_prefix=path[:index], suggestion=suggestion)
    return Lookup(Status.DECLARED, current, tuple(optional))


def _defaulted(parent: Mapping[str, Any], name: str) -> bool:
    """A command result's `ok` is filled in when facts load (`facts.normalise_part`)."""
    return name == DEFAULTED_CHECK_FIELD and "exit_code" in parent.get("required", ())


def likely_typo(name: str, declared: list[str]) -> str | None:
    """The declared name `name` is a small edit away from, if any: `eror_rate` is a typo of
    `error_rate`, while `error_rate_p99` is a metric of its own."""
    limit = 1 if len(name) < 6 else 2
    best = sorted((edit_distance(name, known), known) for known in declared)
    return best[0][1] if best and 0 < best[0][0] <= limit else None


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent transpositions (optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _suggest(
    path: tuple[str, ...], index: int, properties: Mapping[str, Any]
) -> tuple[str, ...] | None:
    """The intended path: the misspelt step replaced, the rest kept when it then exists."""
    import difflib  # only a misspelt fact needs it, not every evaluate

    close = difflib.get_close_matches(path[index], sorted(properties), n=1, cutoff=0.6)
    if not close:
        return None
    candidate = (*path[:index], close[0], *path[index + 1 :])
    if lookup(candidate).status in (Status.DECLARED, Status.FREE, Status.UNDECLARED):
        return candidate
    return (*path[:index], close[0])


def item_schema(schema: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The schema of a list's items, for the variable of `exists(i, ...)` and friends."""
    if schema is None:
        return None
    items = node(schema).get("items")
    return node(items) if isinstance(items, Mapping) else None
