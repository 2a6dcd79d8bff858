"""The packaged JSON Schemas, and validation that reports located, readable problems.

jsonschema's own messages repeat the whole offending instance; a rule author needs the field,
what was expected and the file:line:col, one line each, in document order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from functools import cache, lru_cache
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phasegate.errors import InputError, InputErrors
from phasegate.files.loading import Document, NodePath

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import ValidationError

SCHEMA_NAMES = (
    "facts",
    "policy",
    "decision",
    "config",
    "replay",
    "expectation",
    "policytest",
    "diff",
    "labels",
    "backtest",
)

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})\Z"
)

#: How the packaged schemas end a `pattern`: jsonschema runs `re.search`, where a bare `$`
#: also matches before a final newline, so an id "a.b\n" would pass and forge a log line.
#: Not shown in messages: readers only need to know the pattern ends there.
_STRICT_END = "$(?!\\n)"


def is_rfc3339(value: object) -> bool:
    """RFC 3339 with a real calendar date; non-strings are the `type` keyword's business."""
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    try:
        rfc3339_instant(value)
    except ValueError:
        return False
    return True


def rfc3339_instant(text: str) -> datetime:
    """An RFC 3339 time as an aware datetime, `t` and `z` read as `T` and `Z` (RFC 3339
    5.6 allows either case; Python's fromisoformat only the upper)."""
    return (_cached_instant if type(text) is str else _instant)(text)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))


#: A replayed snapshot's `collected_at` is read four times (validation, ordering, the
#: final rules' and the other rules' `now`); a datetime is immutable, so one is shared.
#: Texts only: anything else raises as it always did.
_cached_instant = lru_cache(maxsize=256)(_instant)


#: Where each kind of shipped data sits in a source checkout, when not under its own name.
_IN_CHECKOUT = {"config": ".", "policy-tests": "policies/tests", "fixtures": "fixtures/facts"}


def _package_dir() -> Path:
    """The folder of the `phasegate` package (a plain folder: wheels are unpacked), without
    importlib.resources, whose zip support imports zipfile and tempfile (5 ms)."""
    import phasegate

    return Path(phasegate.__file__).parent


def data_dir(kind: str) -> Path:
    """Where the shipped `policies`, `schemas` or `config` (or, for `init`, `policy-tests`
    and `fixtures`) live: in the wheel, else the checkout.

    An installed wheel carries copies under `phasegate/_data`; an editable install or a
    source checkout reads the top-level folders reviewers edit.
    """
    package = _package_dir()
    packaged = package / "_data" / kind
    if packaged.is_dir():
        return packaged
    checkout = package.resolve().parents[1]
    return checkout / _IN_CHECKOUT.get(kind, kind)


@cache
def load_schema(name: str) -> dict[str, Any]:
    """One of the shipped schemas by short name (facts, policy, decision)."""
    if name not in SCHEMA_NAMES:
        raise ValueError(f"unknown schema {name!r}")
    path = data_dir("schemas") / f"{name}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


def resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow local `$ref`s (`#/$defs/...`) of the packaged schemas to the node they name."""
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"unsupported $ref {ref}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def inlined(node: Any, root: Mapping[str, Any]) -> Any:
    """`node` with every local `$ref` replaced by what it names (the packaged schemas have no
    recursive references), so a validator built from it never looks anything up."""
    if isinstance(node, list):
        return [inlined(item, root) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        rest = {key: value for key, value in node.items() if key != "$ref"}
        return {**inlined(dict(resolve({"$ref": node["$ref"]}, root)), root), **rest}
    return {key: inlined(value, root) for key, value in node.items()}


@cache
def format_checker() -> FormatChecker:
    """jsonschema's format checks: only `date-time`, by phasegate's own RFC 3339 reading."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    checker.checks("date-time")(is_rfc3339)
    return checker


@cache
def _validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator  # only to word a refusal: 80 ms to import

    return Draft202012Validator(load_schema(name), format_checker=format_checker())


_FORMATS = {"date-time": is_rfc3339}


def accepts(data: Any, schema_name: str) -> bool:
    """Whether `data` is valid, by the validator generated from the schema at build time
    (`phasegate.files.validators`); False for a schema without one (ask `problems`)."""
    from phasegate.files.validators import GENERATED

    if schema_name not in GENERATED:
        return False
    module = import_module(f"phasegate.files.validators._{schema_name}")
    try:
        module.validate(data, _FORMATS)
    except Exception:  # JsonSchemaValueException, or data it cannot read: ask jsonschema
        return False
    return True


def validate(document: Document, schema_name: str) -> None:
    """Raise every schema violation of `document`, each located in its file."""
    errors = problems(document.data, schema_name)
    if not errors:
        return
    header = [error for error in errors if error[0] in (("apiVersion",), ("kind",))]
    if header:
        # A document of another kind or version fails every other check too; say only that.
        errors = header
    located = [
        InputError(message, document.location(path, key=at_key), code="schema")
        for path, message, at_key in errors
    ]
    if len(located) == 1:
        raise located[0]
    raise InputErrors(located)


def problems(data: Any, schema_name: str) -> list[tuple[NodePath, str, bool]]:
    """Schema violations as (path, message, located at the key) in a stable order."""
    if accepts(data, schema_name):
        return []
    found: list[tuple[NodePath, str, bool]] = []
    for error in _validator(schema_name).iter_errors(data):
        found.extend(_describe(error))
    return sorted(set(found), key=lambda item: (tuple(map(str, item[0])), item[1]))


def _where(path: NodePath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "document"


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(error: ValidationError) -> list[tuple[NodePath, str, bool]]:
    """Turn one jsonschema error into readable (path, message, at_key) problems."""
    path: NodePath = tuple(error.absolute_path)
    value = error.instance
    if error.validator == "additionalProperties" and isinstance(value, dict):
        allowed = set(error.schema.get("properties", {}))
        hint = ", ".join(sorted(allowed))
        return [
            ((*path, key), f"{_where((*path, key))}: unknown field (allowed: {hint})", True)
            for key in sorted(key for key in value if key not in allowed)
        ]
    if error.validator == "required":
        return [
            (path, f"{_where((*path, name))}: required field missing", False)
            for name in error.validator_value
            if name not in value
        ]
    if "propertyNames" in error.relative_schema_path and isinstance(value, str):
        return [((*path, value), f"{_where(path)}: {_message(error)}", True)]  # at that key
    return [(path, f"{_where(path)}: {_message(error)}", False)]


def _message(error: ValidationError) -> str:
    kind, value, expected = error.validator, error.instance, error.validator_value
    if kind == "propertyNames":
        return f"invalid name {_short(value)}"
    if kind == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        hint = ""
        if wanted == "array" and isinstance(value, str) and " " in value.strip():
            hint = " (commands are argv lists run without a shell, e.g. [zjj, --version])"
        got = "null" if value is None else f"{json_type(value)} {_short(value)}"
        return f"expected {wanted}, got {got}{hint}"
    if kind == "enum":
        return f"must be one of {', '.join(map(_short, expected))}; got {_short(value)}"
    if kind == "const":
        return f"must be {_short(expected)}; got {_short(value)}"
    if kind == "format":
        return f"not an RFC 3339 timestamp: {_short(value)}"
    if kind in ("minimum", "maximum"):
        return f"must be {'>=' if kind == 'minimum' else '<='} {expected}; got {_short(value)}"
    if kind == "minItems":
        return f"must have at least {expected} item(s)"
    if kind == "uniqueItems":
        return "items must be unique"
    if kind == "minLength":
        return "must not be empty"
    if kind == "pattern":
        return f"{_short(value)} does not match {expected.replace(_STRICT_END, '$')}"
    if kind == "oneOf":
        return f"{_short(value)} matches none of the allowed shapes"
    return error.message[:200]
