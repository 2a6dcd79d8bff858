"""cel-python's parser for the reviewer tools, kept in the cache folder.

Lark builds the parser's LALR tables from cel-python's grammar in about a tenth of a second
of CPU, the largest single cost of `lint` and `fmt`; revived from the cache they cost a few
milliseconds. The tables are lark's own serialization of the parser, as plain JSON
(`phasegate.cel.syntax.parser_tables`), in an entry of `phasegate.files.cache`: never a
pickle, written atomically, and one that is damaged, of another version or not ours is
built again. Importing this module is what puts the reviewer tools' parser in the cache.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import celpy
import lark

from phasegate.cel import syntax
from phasegate.files import cache

KIND = "celparser"


def kept_parser(
    identity: Any, build: Callable[[], Any], revive: Callable[[Any], Any]
) -> lark.Lark | None:
    """The parser revived from the cache folder, or built, stored and revived; None without
    a cache folder (`--no-cache`, `PHASEGATE_NO_CACHE`): cel-python builds it as it does."""
    folder = cache.cache_dir()
    if folder is None:
        return None
    key = cache.key_of(
        {
            "tables": identity,
            "lark": cache.installed(lark.__file__, "lark"),
            "cel-python": cache.installed(celpy.__file__, "cel-python"),
            "phasegate": cache.code_fingerprint(("cel",)),
        }
    )
    entry = cache.read_entry(folder, KIND, key)
    if entry is not None:
        parser = revive(entry)
        if parser is not None:
            return parser
    try:
        tables = build()
        cache.write_entry(folder, KIND, key, tables)  # json.dumps refuses what is not JSON
    except Exception:  # a lark that serializes otherwise: cel-python builds its own, uncached
        return None
    return revive(tables)


syntax.keep_parser_with(kept_parser)
