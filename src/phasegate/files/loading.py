"""Reading YAML and JSON input safely, keeping the position of every node: the one entry
point, by the file's extension. By idea: `reading` (safe reading), `document` (plain data
with positions, limits), `jsondocs` (JSON), `yamldocs` (YAML); their names are here too.
"""

from __future__ import annotations

from pathlib import Path

from phasegate.files.document import (
    INT64_MAX,
    INT64_MIN,
    MAX_DEPTH,
    MAX_NODES,
    Document,
    NodePath,
    Positions,
    checked_data,
    offset_location,
    scalar_problem,
    source_lines,
)
from phasegate.files.jsondocs import json_problem, loads_strict, parse_json
from phasegate.files.reading import (
    MAX_BYTES,
    display_path,
    entry_problem,
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
    "display_path",
    "entry_problem",
    "json_problem",
    "load_document",
    "loads_strict",
    "offset_location",
    "os_errors",
    "parse_document",
    "parse_json",
    "parse_yaml",
    "read_text",
    "resolved",
    "scalar_problem",
    "source_lines",
]


def parse_yaml(text: str, source: str) -> Document:
    """`yamldocs.parse_yaml`, imported when YAML is first read (ruamel costs 25 ms)."""
    from phasegate.files.yamldocs import parse_yaml as parse

    return parse(text, source)


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
