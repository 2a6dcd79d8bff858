"""The cost budget: how much work one evaluation of an expression can do, bounded before it
ever runs, as Kubernetes bounds CEL in admission policies.

CEL has no loops but comprehensions, so the work of an expression is its size times, for
each chain of nested comprehensions, the product of the lengths of the lists they range
over. A list in the policy's own params has a known length; any other list (a fact, a
command's output, `history`) is assumed as long as the facts caps allow. An expression over
the budget is refused when its file loads, so no facts document within the caps can make
one evaluation run for long.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from phasegate.cel.lexer import Scan

#: The longest list a facts document (or a command's parsed output) may hold: loading
#: refuses longer ones, so this is also what an unknown list is assumed to hold.
MAX_LIST_LENGTH = 10_000
#: Comprehension steps one evaluation may take: about a second of the engine's time at the
#: worst, far below any CI timeout. One pass over a capped list costs 10,000.
MAX_STEPS = 1_000_000


def estimate(scan: Scan, params: Mapping[str, Any]) -> int:
    """The most comprehension steps one evaluation can take (0 without comprehensions)."""
    worst = 0
    for nesting in scan.nestings:
        steps = 1
        for path in nesting:
            steps *= _length(path, params)
        worst = max(worst, steps)
    return worst


def _length(path: tuple[str, ...] | None, params: Mapping[str, Any]) -> int:
    if path is not None and path[0] == "params":
        value: Any = params
        for part in path[1:]:
            if not isinstance(value, Mapping) or part not in value:
                return MAX_LIST_LENGTH
            value = value[part]
        if isinstance(value, list | Mapping):
            return max(len(value), 1)
    return MAX_LIST_LENGTH


def over_budget(scan: Scan, params: Mapping[str, Any]) -> str | None:
    """Why the expression is over the budget, or None."""
    steps = estimate(scan, params)
    if steps <= MAX_STEPS:
        return None
    return (
        f"too costly: nested comprehensions may take {steps:,} steps (at most {MAX_STEPS:,}); "
        f"a list that is not a param is assumed to hold up to {MAX_LIST_LENGTH:,} items"
    )
