"""The p-values of the stats functions, kept in the cache folder for the reviewer tools
that decide the same documents run after run: `test`, `diff` and `backtest` (never for a
gate's own decision: `evaluate`, `replay`, `run` compute theirs).

Policy tests run the same cases every time, and a case that calls `stats.errorsAboveRate`
(or another of `phasegate.cel.statistics`) would load scipy.stats for it: most of a second
of CPU, for a number that cannot change while scipy does not. So the p-values scipy gave
are kept, by the test and its exact arguments, in one entry of `phasegate.files.cache`
per scipy and numpy install; a run that asks only for kept ones never loads scipy. An
entry that is damaged, not ours, or holds anything but p-values is ignored and written
again.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from phasegate.cel import statistics
from phasegate.files import cache

KIND = "pvalues"
#: Bump when what an entry holds changes shape.
LAYOUT = 1
#: The most p-values an entry keeps, those added last: a policy test set asks for a few dozen.
MAX_VALUES = 10_000


@contextmanager
def kept_p_values() -> Iterator[None]:
    """Within: the stats functions look their p-values up in the cache folder first, and
    the ones computed are added to it at the end (nothing without a cache folder)."""
    folder = cache.cache_dir()
    if folder is None:
        yield
        return
    key = cache.key_of(_key_parts())
    memo = _read(folder, key)
    known = len(memo)
    statistics.remember_in(memo)
    try:
        yield
    finally:
        statistics.remember_in(None)
    if len(memo) > known:
        newest = dict(list(memo.items())[-MAX_VALUES:])
        cache.write_entry(folder, KIND, key, {"p": newest})


def _key_parts() -> dict[str, Any]:
    return {
        "layout": LAYOUT,
        "scipy": _installed("scipy"),
        "numpy": _installed("numpy"),
        "phasegate": cache.code_fingerprint(("cel",)),
    }


def _installed(name: str) -> list[Any]:
    """The installed library `name`, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    return cache.installed(spec.origin if spec is not None else None, name)


def _read(folder: Any, key: str) -> dict[str, float]:
    """The p-values of the entry, or none when it holds anything else."""
    entry = cache.read_entry(folder, KIND, key)
    values = entry.get("p") if isinstance(entry, dict) else None
    if not isinstance(values, dict):
        return {}
    for call, value in values.items():
        if len(call) != 64 or type(value) is not float or not 0.0 <= value <= 1.0:
            return {}
    return dict(values)
