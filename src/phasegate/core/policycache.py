"""The compiled policy set, kept between processes: `evaluate` reads the policy files and
the schemas' digests, then revives what an earlier process checked, instead of parsing
YAML, validating, compiling and type-checking every expression again.

The key is a digest of everything loading depends on: each policy file's name and bytes,
how the set is shown, the policy and facts schemas, phasegate's version and the files of
its loading code (files/, cel/, core/), and the engine's version and library. An entry
holds what loading derives as plain data (each document's data and positions) and each
expression's checked program from the engine (`phasegate.cel.checked`), base64 in JSON;
the rest (rules, params, the digest) is built from them by the same code as without a
cache, so the PolicySet, its `policy_digest` and every output byte are the same. A set with
any problem is never stored: its errors come from loading it afresh.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

import phasegate
from phasegate import cel
from phasegate.cel import checked
from phasegate.core import policy
from phasegate.errors import InputError
from phasegate.files import cache
from phasegate.files.loading import Document, Positions, parse_document, read_text, source_lines
from phasegate.files.schemas import data_dir

KIND = "policies"
#: Bump when what an entry holds changes shape.
LAYOUT = 1
#: The schemas loading reads: the policy schema validates, the facts schema's paths check.
SCHEMAS = ("policy", "facts")


def load_policy_set(
    directory: Path, display: str | None = None, folder: Path | None = None
) -> policy.PolicySet:
    """`policy.load_policy_set`, kept in the cache folder `folder` (None: no cache)."""
    if folder is None:
        return policy.load_policy_set(directory, display)
    shown = display if display is not None else str(directory)
    paths = policy.policy_files(directory)
    texts: dict[Path, str] = {}
    for path in paths:
        try:
            texts[path] = read_text(path)
        except InputError:  # every file's problem, worded as without a cache
            return policy.load_policy_set(directory, display)
    key = cache.key_of(_key_parts(texts, shown))
    entry = cache.read_entry(folder, KIND, key)
    if entry is not None:
        revived = _revive(entry, texts, shown, directory)
        if revived is not None:
            return revived
    compiled: dict[tuple[str, str], str] = {}

    def compile_and_keep(text: str, variables: tuple[str, ...]) -> cel.Expression:
        expression = cel.compile_expression(text, variables)
        blob = base64.b64encode(checked.checked_bytes(expression)).decode("ascii")
        compiled[(checked.env_identity(variables), text)] = blob
        return expression

    documents, unreadable = policy.read_policy_documents(
        paths, shown, lambda path: parse_document(texts[path], path)
    )
    policy_set = policy.build_policy_set(documents, unreadable, shown, directory, compile_and_keep)
    cache.write_entry(folder, KIND, key, _entry(documents, compiled))
    return policy_set


def _key_parts(texts: dict[Path, str], shown: str) -> dict[str, Any]:
    return {
        "layout": LAYOUT,
        "shown": shown,
        "files": [[path.name, _sha256(text)] for path, text in texts.items()],
        "schemas": {name: _schema_digest(name) for name in SCHEMAS},
        "phasegate": [phasegate.__version__, _code_fingerprint()],
        "engine": _engine_fingerprint(),
    }


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _schema_digest(name: str) -> str:
    path = data_dir("schemas") / f"{name}.schema.json"
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"  # loading will say so; this set is then never stored


def _code_fingerprint() -> list[Any]:
    """Each source file of the packages loading runs (name, size, modification time): a
    checkout edited without a new version number still gets a new key."""
    root = Path(phasegate.__file__).parent
    found: list[Any] = []
    for package in ("files", "files/validators", "cel", "core"):
        try:
            with os.scandir(root / package) as entries:
                for entry in entries:
                    if entry.name.endswith(".py"):
                        status = entry.stat()
                        found.append([package, entry.name, status.st_size, status.st_mtime_ns])
        except OSError:
            found.append([package, "unreadable"])
    found.sort()
    return found


def _engine_fingerprint() -> list[Any]:
    """The engine's installed version (its dist-info folder's name) and its library file."""
    engine = sys.modules["cel_expr_python.cel"]
    library = Path(engine.__file__ or "")
    site = library.parent.parent
    try:
        versions = sorted(name for name in os.listdir(site) if name.startswith("cel_expr_python-"))
        status = library.stat()
    except OSError:
        return ["unknown"]
    return [versions, library.name, status.st_size, status.st_mtime_ns]


def _entry(documents: list[Document], compiled: dict[tuple[str, str], str]) -> dict[str, Any]:
    return {
        "documents": [
            {
                "name": Path(document.source).name,
                "data": document.data,
                "values": [[list(path), *mark] for path, mark in document.value_marks.items()],
                "keys": [[list(path), *mark] for path, mark in document.key_marks.items()],
                "styles": [[list(path), style] for path, style in document.scalar_styles.items()],
            }
            for document in documents
        ],
        "expressions": [[env, text, blob] for (env, text), blob in sorted(compiled.items())],
    }


def _revive(
    entry: Any, texts: dict[Path, str], shown: str, directory: Path
) -> policy.PolicySet | None:
    """The set an entry holds, or None when it cannot be (a damaged entry is rebuilt)."""
    try:
        by_name = {path.name: text for path, text in texts.items()}
        documents = []
        for stored in entry["documents"]:
            text = by_name[stored["name"]]
            positions = Positions(
                source_lines(text),
                {tuple(path): (line, col) for path, line, col in stored["values"]},
                {tuple(path): (line, col) for path, line, col in stored["keys"]},
                {tuple(path): style for path, style in stored["styles"]},
            )
            source = f"{shown.rstrip('/')}/{stored['name']}"
            documents.append(Document(source, stored["data"], text, positions))
        if [Path(document.source).name for document in documents] != list(by_name):
            return None
        programs = {(env, text): blob for env, text, blob in entry["expressions"]}

        def revive(text: str, variables: tuple[str, ...]) -> cel.Expression:
            blob = programs[(checked.env_identity(variables), text)]
            return checked.revive(text, variables, base64.b64decode(blob, validate=True))

        return policy.build_policy_set(documents, [], shown, directory, revive, trusted=True)
    except (KeyError, TypeError, ValueError, RuntimeError, binascii.Error, InputError):
        return None
