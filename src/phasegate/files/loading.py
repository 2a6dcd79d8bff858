"""Reading YAML and JSON input safely, keeping the position of every node: the one entry
point, by the file's extension. By idea: `reading` (safe reading), `document` (plain data
with positions, limits), `jsondocs` (JSON), `yamldocs` (YAML); their names are here too.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any

from phasegate.files.digest import sha256
from phasegate.files.document import (
    INT64_MAX,
    INT64_MIN,
    MAX_DEPTH,
    MAX_NODES,
    Document,
    NodePath,
    Positions,
    checked_data,
    checked_nodes,
    document_from_plain,
    document_plain,
    offset_location,
    scalar_problem,
    source_lines,
)
from phasegate.files.jsondocs import json_problem, loads_strict, parse_json
from phasegate.files.reading import (
    MAX_BYTES,
    display_path,
    entry_problem,
    opened,
    os_errors,
    read_text,
    resolved,
)

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "Document",
    "NodePath",
    "Positions",
    "checked_data",
    "checked_nodes",
    "display_path",
    "entry_problem",
    "json_problem",
    "load_document",
    "loads_strict",
    "offset_location",
    "opened",
    "os_errors",
    "parse_document",
    "parse_json",
    "parse_yaml",
    "read_text",
    "resolved",
    "scalar_problem",
    "source_lines",
]


#: Bump when what a YAML cache entry holds changes shape.
_YAML_LAYOUT = 1


def parse_yaml(text: str, source: str) -> Document:
    """Safe YAML 1.2 (`yamldocs.parse_yaml`: ruamel's parser, imported when first needed),
    kept in the user's cache folder (`phasegate.files.cache`) by the text's digest.

    ruamel's pure parser takes about 8 ms a file and 25 ms to import; a cached document a
    fraction of a millisecond. Only a text that parses is stored, so every error still
    comes from the parser; the key holds phasegate's reading code and ruamel's version, so
    an upgrade reads every text afresh.
    """
    from phasegate.files import cache
    from phasegate.files.yamldocs import parse_yaml as parse

    folder = cache.cache_dir()
    if folder is None:
        return parse(text, source)
    key = cache.key_of(
        {
            "layout": _YAML_LAYOUT,
            "text": sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
            "phasegate": cache.code_fingerprint(("files",)),
            "ruamel": _ruamel_installed(),
        }
    )
    entry = cache.read_entry(folder, "yaml", key)
    if entry is not None:
        with suppress(Exception):  # an entry of another shape: the text is parsed again
            document = document_from_plain(source, text, entry)
            checked_data(document.data, source)  # the limits a parse applies, never assumed
            return document
    document = parse(text, source)
    cache.write_entry(folder, "yaml", key, document_plain(document))
    return document


def _ruamel_installed() -> list[Any]:
    import importlib.util

    from phasegate.files import cache

    spec = importlib.util.find_spec("ruamel.yaml")
    return cache.installed(spec.origin if spec else None, "ruamel.yaml")


def load_document(path: str | Path) -> Document:
    """Read and parse one YAML or JSON file, by its extension.

    A `.yaml` file stays YAML even when it starts with `{` (flow style), as `fmt` reads it:
    both tools must accept the same files. Only what has no such extension (standard
    input, `facts.txt`) is taken as JSON when it starts with `{` or `[`.
    """
    return parse_document(read_text(path), path)


def parse_document(text: str, path: str | Path) -> Document:
    """Parse the text of the file at `path` as `load_document` would read it."""
    name = display_path(path)
    suffix = Path(str(path)).suffix.lower()
    if suffix == ".json" or (suffix not in (".yaml", ".yml") and text.lstrip()[:1] in ("{", "[")):
        return parse_json(text, name)
    return parse_yaml(text, name)
