"""The compiled policy set, kept between processes: `evaluate` reads the policy files and
the schemas' digests, then revives what an earlier process checked, instead of parsing
YAML, validating, compiling and type-checking every expression again.

The key is a digest of everything loading depends on: each policy file's name and bytes,
how the set is shown, the policy and facts schemas, phasegate's version and the files of
its loading code (files/, cel/, core/), and the engine's version and library. An entry
holds what loading derives as plain data (each document's data and positions) and each
expression's checked program from the engine (`Expression.serialize()`), base64 in JSON,
beside its model (`Model.plain()`: the paths it reads, its names), so a warm load decodes
no checked tree unless a report asks what only the tree answers. The rest (rules, params,
the digest) is built from them by the same code as without a cache, so the PolicySet, its
`policy_digest` and every output byte are the same. A set with any problem is never
stored: its errors come from loading it afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from phasegate.core import policy
from phasegate.core.programs import Programs, engine_fingerprint, schema_digest, text_digest
from phasegate.errors import InputError
from phasegate.files import cache
from phasegate.files.document import Document, document_from_plain, document_plain
from phasegate.files.loading import parse_document, read_text

KIND = "policies"
#: Bump when what an entry holds changes shape.
LAYOUT = 2
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

    def build() -> policy.PolicySet:
        """The set loaded afresh, and the entry written for it."""
        programs = Programs()
        documents, unreadable = policy.read_policy_documents(
            paths, shown, lambda path: parse_document(texts[path], path)
        )
        built = policy.build_policy_set(documents, unreadable, shown, directory, programs.compile)
        cache.write_entry(folder, KIND, key, _entry(documents, programs))
        return built

    entry = cache.read_entry(folder, KIND, key)
    if entry is not None:
        revived = _revive(entry, texts, shown, directory, build)
        if revived is not None:
            return revived
    return build()


def _key_parts(texts: dict[Path, str], shown: str) -> dict[str, Any]:
    return {
        "layout": LAYOUT,
        "shown": shown,
        "files": [[path.name, text_digest(text)] for path, text in texts.items()],
        "schemas": {name: schema_digest(name) for name in SCHEMAS},
        "phasegate": cache.code_fingerprint(("files", "files/validators", "cel", "core")),
        "engine": engine_fingerprint(),
    }


def _entry(documents: list[Document], programs: Programs) -> dict[str, Any]:
    return {
        "documents": [
            {"name": Path(document.source).name, **document_plain(document)}
            for document in documents
        ],
        "expressions": programs.plain(),
    }


def _revive(
    entry: Any,
    texts: dict[Path, str],
    shown: str,
    directory: Path,
    rebuild: Callable[[], object],
) -> policy.PolicySet | None:
    """The set an entry holds, or None when it cannot be (a damaged entry is rebuilt; one
    whose program the engine refuses when it first runs, by `rebuild`)."""
    try:
        by_name = {path.name: text for path, text in texts.items()}
        documents = []
        for stored in entry["documents"]:
            source = f"{shown.rstrip('/')}/{stored['name']}"
            documents.append(document_from_plain(source, by_name[stored["name"]], stored))
        if [Path(document.source).name for document in documents] != list(by_name):
            return None
        revive = Programs(entry["expressions"], rebuild).revive
        return policy.build_policy_set(documents, [], shown, directory, revive, trusted=True)
    except Exception:  # whatever an entry of another shape raises, it is rebuilt, not believed
        return None
