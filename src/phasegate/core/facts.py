"""The facts document: load, validate against the schema, normalise, digest.

Normalising is what makes rules safe to write: a rate written `0` in YAML must compare like
`0.0`, so every value the schema declares as `number` becomes a float and every `integer`
an int, and a check's `ok` is filled in from its exit code when the tool gave none.
"""

from __future__ import annotations

import copy
import functools
import itertools
import marshal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phasegate.cel.functions import MAX_LIST_LENGTH
from phasegate.errors import InputError, Location, raise_all
from phasegate.files.digest import canonical_json, content_digest, text_digest
from phasegate.files.loading import (
    INT64_MAX,
    INT64_MIN,
    MAX_NODES,
    NodePath,
    checked_data,
    checked_nodes,
    load_document,
)
from phasegate.files.schemas import (
    is_rfc3339,
    load_schema,
    problems,
    resolve,
    validate,
)

#: Caps on one facts document. Every rule may walk any list (`exists`, `filter`, `join`) and
#: copy any string into its message, once per snapshot of a recording: these bound what one
#: document can make evaluation cost, far above anything a collector writes.
MAX_LIST_ITEMS = MAX_LIST_LENGTH  # the cost budget assumes this of any fact list
MAX_STRING_BYTES = 64 * 1024
#: The same node limit loading applies to every document (aliases expanded).
MAX_FACT_NODES = MAX_NODES


def cap_problem(data: Any) -> tuple[NodePath, str] | None:
    """The first place (path, why) where `data` exceeds the facts caps, or None."""
    pending: list[tuple[NodePath, Any]] = [((), data)]
    nodes = 0
    while pending:  # each node is visited once: bounded by the (already capped) input
        path, value = pending.pop()
        nodes += 1
        if nodes > MAX_FACT_NODES:
            return path, f"document too large: more than {MAX_FACT_NODES} nodes"
        if isinstance(value, str) and len(value.encode("utf-8", "replace")) > MAX_STRING_BYTES:
            return path, f"{_shown(path)}: string longer than {MAX_STRING_BYTES // 1024} KiB"
        if isinstance(value, list):
            if len(value) > MAX_LIST_ITEMS:
                return (
                    path,
                    f"{_shown(path)}: list of {len(value)} items (at most {MAX_LIST_ITEMS})",
                )
            pending.extend(((*path, index), item) for index, item in enumerate(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and len(key.encode("utf-8", "replace")) > MAX_STRING_BYTES:
                    where = (*path, key)
                    return where, f"{_shown(path)}: key longer than {MAX_STRING_BYTES // 1024} KiB"
                pending.append(((*path, key), item))
    return None


def _shown(path: NodePath) -> str:
    return ".".join(str(part) for part in path) or "document"


@dataclass(frozen=True)
class Facts:
    """A validated, normalised facts document; `data` is plain JSON-like data."""

    data: Mapping[str, Any]
    source: str
    digest: str
    #: Per top-level field, a number that is the same exactly when the field's value is
    #: (set by `FactsStream`), so a rule reading only unchanged fields need not run again.
    parts: Mapping[str, int] | None = field(default=None, compare=False, repr=False)

    @functools.cached_property
    def phase(self) -> int:
        return int(self.data["phase"])


def load_facts(path: str | Path) -> Facts:
    """Read, validate and normalise a facts file; every problem is located in that file."""
    document = load_document(path)
    capped = cap_problem(document.data)
    if capped is not None:
        raise InputError(capped[1], document.location(capped[0]), code="schema")
    validate(document, "facts")
    raise_all(
        [
            InputError(message, document.location(where, key=True), code="schema")
            for where, message in contradictions(document.data)
        ]
    )
    return _finish(document.data, document.source)


def facts_from_data(data: Any, source: str) -> Facts:
    """Validate and normalise facts that did not come from a file (a log line, a collector)."""
    capped = cap_problem(data)
    if capped is not None:
        raise InputError(capped[1], Location(source), code="schema")
    found = problems(data, "facts")
    found += [(where, message, False) for where, message in contradictions(data)]
    if found:
        _, message, _ = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise InputError(message + more, Location(source))
    return _finish(data, source)


def _finish(data: Any, source: str) -> Facts:
    normalised = normalise(data)
    return Facts(data=normalised, source=source, digest=content_digest(normalised))


def normalise(data: Mapping[str, Any]) -> dict[str, Any]:
    """Apply the schema's number types and the documented defaults to valid facts."""
    return {key: normalise_part(key, value) for key, value in data.items()}


#: The command-result field loading fills in (from `exit_code`) when a collector left it
#: out, so rules, and lint, may count on it whenever the result is there.
DEFAULTED_CHECK_FIELD = "ok"


def normalise_part(key: str, value: Any) -> Any:
    """Normalise one top-level field: how each field normalises depends on it alone."""
    result = _field_coercers()[key](value)
    if key == "checks":
        for check in result.values():
            # Fail closed: a run that was killed proved nothing, whatever its exit code.
            passed = check["exit_code"] == 0 and not check.get("timed_out", False)
            check.setdefault(DEFAULTED_CHECK_FIELD, passed)
    if key == "owners":
        for role, person in result.items():
            if not is_visible(person):
                result[role] = ""
    return result


def contradictions(data: Any) -> list[tuple[NodePath, str]]:
    """Fields that disagree, which the schema alone cannot express: check results, and
    metrics that read healthier than their counts.

    `ok: true` beside a failing exit code or a timeout means a collector (or a hand edit)
    got something wrong; trusting either field could turn a failure into a pass, so the
    document is refused rather than guessed at.
    """
    found = _counted_contradictions(data) + _case_twins(data)
    checks = data.get("checks") if isinstance(data, dict) else None
    if not isinstance(checks, dict):
        return found
    for name, check in checks.items():
        if not isinstance(check, dict) or check.get("ok") is not True:
            continue
        if check.get("timed_out") is True:
            found.append((("checks", name), f"checks.{name}: ok is true but timed_out is true"))
        exit_status = check.get("exit_code")
        if isinstance(exit_status, int) and not isinstance(exit_status, bool) and exit_status:
            found.append(
                (
                    ("checks", name),
                    f"checks.{name}: ok is true but exit_code is {exit_status}",
                )
            )
    return found


#: The metrics the counts give exactly: (numerator counts, denominator counts, scale).
#: Loading refuses a metric healthier than its counts; `merge` takes the worse of the two.
COUNTED_RATES: dict[str, tuple[tuple[str, ...], tuple[str, ...], float]] = {
    "error_rate": (("errors",), ("commands",), 1.0),
    "lock_contention_rate": (("lock_busy",), ("commands",), 1.0),
    "agent_completion_rate": (("agents_done",), ("agents_done", "agents_errored"), 1.0),
    # Beads per operator-hour: comparable with a one-operator baseline.
    "throughput": (("beads_closed",), ("interval_seconds",), 3600.0),
}
#: Which way each counted metric gets worse: 1 when higher is worse, -1 when lower is.
WORSENS = {
    "error_rate": 1,
    "lock_contention_rate": 1,
    "agent_completion_rate": -1,
    "throughput": -1,
    "agents_total": -1,  # more agents in all dilute the failed ones' share
    "agents_failed": 1,
}
#: Metrics that are counts themselves: metric -> the count that is the same number.
COUNTED_METRICS = {"agents_total": "agents_total", "agents_failed": "agents_errored"}


def _counted_contradictions(data: Any) -> list[tuple[NodePath, str]]:
    """Metrics that read healthier than the counts written beside them.

    The rules judge `metrics`; `counts` are the same measurement's numerators. A document
    with 60 errors in 200 commands and `error_rate: 0.01` would pass the error-rate rules
    on the rate while its own counts say 30%: refused, as merge would take the worse.
    """
    return [(("metrics", metric), why) for metric, (_, why) in counted_worse(data).items()]


def counted_worse(data: Any) -> dict[str, tuple[Any, str]]:
    """Each metric that reads healthier than its counts: what the counts give, and why.

    Half a count of slack over the denominator keeps swarm's rounding (`errors` is rebuilt
    from a rounded success rate) from counting as a contradiction.
    """
    if not isinstance(data, dict):
        return {}
    metrics, counts = data.get("metrics"), data.get("counts")
    if not isinstance(metrics, dict) or not isinstance(counts, dict):
        return {}
    given = {k: v for k, v in counts.items() if _is_number(v)}
    found: dict[str, tuple[Any, str]] = {}
    for metric, (numerator, denominator, scale) in COUNTED_RATES.items():
        worse = WORSENS[metric]
        rate = counted_rate(given, metric)
        if not _is_number(metrics.get(metric)) or rate is None:
            continue
        counted, one = rate
        slack = 0.5 * one + 1e-9
        if worse * (counted - metrics[metric]) > slack:
            found[metric] = (
                counted,
                f"metrics.{metric} is {metrics[metric]:g} but the counts give "
                f"{counted:g} ({'+'.join(numerator)} / {'+'.join(denominator)}"
                f"{' x 3600' if scale != 1.0 else ''})",
            )
    for metric, key in COUNTED_METRICS.items():
        shown = metrics.get(metric)
        if _is_number(shown) and key in given and WORSENS[metric] * (given[key] - shown) > 0:
            found[metric] = (
                given[key],
                f"metrics.{metric} is {shown:g} but counts.{key} is {given[key]:g}",
            )
    return found


def counted_rate(counts: Mapping[str, Any], metric: str) -> tuple[float, float] | None:
    """What `counts` give for the rate `metric` (see COUNTED_RATES) and what one count
    moves it by, or None when a count it needs is absent or its denominator is 0."""
    numerator, denominator, scale = COUNTED_RATES[metric]
    if not all(_is_number(counts.get(key)) for key in (*numerator, *denominator)):
        return None
    total = sum(counts[key] for key in denominator)
    if total <= 0:
        return None
    return sum(counts[key] for key in numerator) / total * scale, scale / total


#: Maps whose names rules look up one by one: a name the rules read beside one that differs
#: only in case (`checks.ci` passing, `checks.CI` failing) would let the rules read the
#: healthy one and never the other.
_NAMED_MAPS = ("checks", "metrics", "baseline", "counts")


def _case_twins(data: Any) -> list[tuple[NodePath, str]]:
    """Names in one map that differ only in case: which one was meant cannot be told."""
    if not isinstance(data, dict):
        return []
    found: list[tuple[NodePath, str]] = []
    for part in _NAMED_MAPS:
        names = data.get(part)
        if not isinstance(names, dict):
            continue
        seen: dict[str, str] = {}
        for name in names:
            twin = seen.setdefault(name.casefold(), name) if isinstance(name, str) else name
            if twin != name:
                found.append(((part, name), f"{part}.{name} and {part}.{twin} differ only in case"))
    return found


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


#: Characters that render as nothing or as blank space, though Unicode files them under
#: letters or symbols (Hangul fillers, the blank Braille pattern).
_BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def is_visible(text: str) -> bool:
    """Whether a person's name shows at least one character a reader can see.

    An owner made of a zero-width space or a no-break space looks assigned to `has()` and
    even to CEL's `trim()`, yet names nobody; such owners normalise to "" so the shipped
    `checklist.owners-assigned` rule sees them as unassigned. An ASCII name is decided
    without Unicode's tables (`unicodedata`, a library to load): of ASCII, exactly `!`
    to `~` have a glyph (the others are controls and the space).
    """
    if text.isascii():
        return any("!" <= char <= "~" for char in text)
    import unicodedata

    return any(
        unicodedata.category(char) not in _UNSEEN and char not in _BLANK_LOOKALIKES for char in text
    )


#: Unicode categories with no glyph of their own: controls, format characters (U+200B,
#: U+FEFF), unassigned, separators (U+00A0) and combining marks without a base letter.
_UNSEEN = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})


class FactsStream:
    """Validates and normalises a stream of similar documents, such as a recording.

    Consecutive snapshots repeat most of their fields (checks, change, contract...), and
    JSON Schema validation costs about a millisecond a document. A document is valid when
    its top level is and each field is, so each distinct field value is checked and
    normalised once; any invalid document goes the ordinary way, for its messages.

    Field values are told apart by `marshal` (format 2, which has no back-references): it
    writes each value's type and exact bits, so unlike `==` it separates `1`, `1.0` and
    `true`, and `0.0` from `-0.0`, and equal bytes mean the same value; it costs half of
    `repr`. Two equal values can still differ in bytes (key order), which only costs a miss.
    The document's limits hold for the whole: a field's depth counts from the document's
    root, and the nodes of its fields (each counted once, when first seen) add up against
    the limit. A field value not seen before is checked by a validator generated from the schema
    (fastjsonschema's code, `phasegate.files.validators`) first: one that it refuses goes
    to jsonschema for the messages; one it accepts jsonschema accepts too
    (tests/test_replay_fast_path.py checks that on fixtures, the acceptance corpus and
    mutated documents).
    """

    MAX_MEMO = 20_000

    def __init__(self, digests: bool = True) -> None:
        #: False: the documents get no digest (""), for readers whose reports show none
        #: (replay); serialising each new field value canonically costs more than checking it.
        self.digests = digests
        schema = load_schema("facts")
        self._required = frozenset(schema["required"])
        self._allowed = frozenset(schema["properties"])
        self._keys = {key: canonical_json(key) for key in schema["properties"]}
        self._memo: dict[tuple[str, Any], tuple[Any, str, int, int]] = {}
        self._serials = itertools.count()

    def facts(self, data: Any, source: str) -> Facts:
        if (
            not isinstance(data, dict)
            or not self._required.issubset(data)
            or not self._allowed.issuperset(data)
        ):
            return facts_from_data(data, source)
        normalised: dict[str, Any] = {}
        texts: dict[str, str] = {}
        parts: dict[str, int] = {}
        memo = self._memo
        dumps = marshal.dumps
        nodes = 1  # the document's own: the limit is on the whole, not on each field
        for key, value in data.items():
            try:
                # A text is its own key (a str never equals marshal's bytes).
                memo_key = (key, value if type(value) is str else dumps(value, 2))
            except ValueError:  # nested beyond marshal's depth: the plain path refuses it
                return facts_from_data(checked_data(data, source), source)
            hit = memo.get(memo_key)
            if hit is None:
                try:
                    hit = self._check(key, value, memo_key, source)
                except (ValueError, TypeError):
                    return facts_from_data(checked_data(data, source), source)
                if hit is None:
                    return facts_from_data(data, source)
            normalised[key], texts[key], parts[key], counted = hit
            nodes += counted
        if nodes > MAX_FACT_NODES:  # the plain path refuses it, with its message
            return facts_from_data(checked_data(data, source), source)
        if "counts" in data and "metrics" in data and _counted_contradictions(data):
            return facts_from_data(data, source)  # refused, with its message
        if not self.digests:
            return Facts(data=normalised, source=source, digest="", parts=parts)
        keys = self._keys
        canonical = "{" + ",".join(f"{keys[key]}:{texts[key]}" for key in sorted(texts)) + "}"
        return Facts(data=normalised, source=source, digest=text_digest(canonical), parts=parts)

    def _check(
        self, key: str, value: Any, memo_key: tuple[str, Any], source: str
    ) -> tuple[Any, str, int, int] | None:
        """A field value not seen before, checked and normalised, with how many nodes it
        holds, or None when invalid. Its depth is counted from the document's root."""
        flat = _flat_numbers(value)
        if flat:
            nodes = 1 + len(value) if type(value) is dict else 1
        else:
            nodes = checked_nodes(value, source, (key,))
        if not fast_field_validator(key)(value) or contradictions({key: value}):
            return None
        if not flat and cap_problem({key: value}) is not None:
            return None
        part = normalise_part(key, value)
        digest_text = canonical_json(part) if self.digests else ""
        hit = (part, digest_text, next(self._serials), nodes)
        if len(self._memo) >= self.MAX_MEMO:
            self._memo.clear()
        self._memo[memo_key] = hit
        return hit


def fast_field_validators() -> dict[str, Callable[[Any], bool]]:
    """Every top-level field's compiled validator (for tests: replay compiles on demand)."""
    return {key: fast_field_validator(key) for key in load_schema("facts")["properties"]}


def _flat_numbers(value: Any) -> bool:
    """Whether `value` is a map of short plain keys to numbers within every document limit,
    or a short printable ASCII text (a time).

    Such a value (a snapshot's metrics or `collected_at`, new in every snapshot) passes
    `checked_data` and `cap_problem` whatever they check, so two walks over it are skipped;
    anything else, including a key with a NUL, a lone surrogate or 64 KiB of text, takes
    both walks.
    """
    if type(value) is str:
        return len(value) <= 256 and value.isascii() and value.isprintable()
    if type(value) is not dict or len(value) > 1000:
        return False
    for key, item in value.items():
        kind = type(item)
        if kind is float:
            if item - item != 0.0:  # NaN or infinity
                return False
        elif kind is not int or not INT64_MIN <= item <= INT64_MAX:
            return False
        if type(key) is not str or len(key) > 256 or "\x00" in key or not key.isprintable():
            return False
    return True


@functools.cache
def fast_field_validator(key: str) -> Callable[[Any], bool]:
    """The validator of one top-level facts field, generated from the schema at build time
    (`phasegate.files.validators`): True when the value is valid. A field it does not know
    (a schema edited without generating again) is never accepted here: jsonschema decides.
    """
    from phasegate.files.validators import JsonSchemaValueException
    from phasegate.files.validators._facts_fields import FIELDS

    generated = FIELDS.get(key)
    if generated is None:
        return lambda value: False
    formats = {"date-time": is_rfc3339}
    return _accepts(lambda value: generated(value, formats), JsonSchemaValueException)


def _accepts(compiled: Callable[[Any], Any], refused: type[Exception]) -> Callable[[Any], bool]:
    def accepts(value: Any) -> bool:
        try:
            compiled(value)
        except refused:
            return False
        return True

    return accepts


@functools.cache
def _field_coercers() -> dict[str, Callable[[Any], Any]]:
    """Per top-level field, `_coerce` of a deep copy with the schema walked once, not per
    value: a recording normalises a changed `metrics` in every snapshot."""
    schema = load_schema("facts")
    return {key: _coercer(sub, schema) for key, sub in schema["properties"].items()}


def _coercer(node: Mapping[str, Any], root: Mapping[str, Any]) -> Callable[[Any], Any]:
    """A function giving what `_coerce(copy.deepcopy(value), node, root)` gives."""
    node = resolve(node, root)
    declared = node.get("type")
    is_date = declared == "string" and node.get("format") == "date-time"
    properties = {key: _coercer(child, root) for key, child in node.get("properties", {}).items()}
    extra = node.get("additionalProperties")
    other = _coercer(extra, root) if isinstance(extra, dict) else copy.deepcopy
    items = node.get("items")
    item = _coercer(items, root) if isinstance(items, dict) else None

    def coerce(value: Any) -> Any:
        kind = type(value)
        if kind is bool:
            return value
        if kind is float:
            if declared == "integer" and value.is_integer():
                return int(value) if abs(value) < 2**63 else value
            return value
        if kind is int:
            return float(value) if declared == "number" else value
        if kind is str:
            return value.upper() if is_date else value
        if kind is dict:
            return {key: properties.get(key, other)(child) for key, child in value.items()}
        if kind is list and item is not None:
            return [item(child) for child in value]
        return _coerce(copy.deepcopy(value), node, root)

    return coerce


def _coerce(value: Any, node: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
    node = resolve(node, root)
    declared = node.get("type")
    if isinstance(value, bool):
        return value
    if declared == "number" and isinstance(value, int):
        return float(value)
    if declared == "integer" and isinstance(value, float) and value.is_integer():
        return int(value) if abs(value) < 2**63 else value
    if declared == "string" and node.get("format") == "date-time" and isinstance(value, str):
        # cel-python's timestamp() only reads upper-case T and Z, which RFC 3339 treats alike.
        return value.upper()
    if isinstance(value, dict):
        properties = node.get("properties", {})
        extra = node.get("additionalProperties")
        for key in value:
            child = properties.get(key, extra if isinstance(extra, dict) else None)
            if child is not None:
                value[key] = _coerce(value[key], child, root)
        return value
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        return [_coerce(item, node["items"], root) for item in value]
    return value


#: Where a collector or merge keeps why each fact it could not measure is absent.
UNKNOWN_FIELD = "phasegate_unknown"


def unknown_reasons(data: Mapping[str, Any]) -> dict[str, str]:
    """`extra.phasegate_unknown` of a facts document: fact path -> why it is absent."""
    extra = data.get("extra")
    found = extra.get(UNKNOWN_FIELD) if isinstance(extra, Mapping) else None
    if not isinstance(found, Mapping):
        return {}
    return {str(key): value for key, value in found.items() if isinstance(value, str)}


def unknown_reason(data: Mapping[str, Any], path: str) -> str | None:
    """Why the fact at `path` (`facts.contract.drift` or `contract.drift`) is absent, as the
    collector or merge said: the reason given for it, for the fact it is part of
    (`contract`), or for the first fact inside it (`metrics` -> `metrics.error_rate`).

    "missing fact" alone sends the operator hunting; the reason says what to fix."""
    reasons = unknown_reasons(data)
    if not reasons:
        return None
    dotted = path.removeprefix("facts.")
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        found = reasons.get(".".join(parts[:end]))
        if found is not None:
            return found
    inside = sorted(key for key in reasons if key.startswith(dotted + "."))
    return reasons[inside[0]] if inside else None
