"""Statistics for small cohorts, as CEL functions: is the release's error rate above the
baseline's, or its per-operator samples above the baseline's, beyond what chance explains?

Phase 1 runs on a few operators: a rate of 2 errors in 40 commands against 1 in 100 looks
like a doubling and may be noise. These give the p-value of the one-sided test, so a rule
can roll back only on a significant regression and hold when the sample cannot tell.
They are scipy.stats' tests (a maintained library), imported the first time a rule calls
one: a policy set that does not call them never loads scipy, and `evaluate` starts as
fast as before.

- `stats.errorRateAbove(errors, total, baseline_errors, baseline_total)`: Fisher's exact
  test (one-sided, `greater`) on the 2x2 table of failed and good commands: exact for any
  count, which the normal approximation is not at Phase 1's sizes.
- `stats.errorsAboveRate(errors, total, rate)`: the exact binomial test (one-sided,
  `greater`) that `errors` in `total` commands come from a rate above `rate`, the
  baseline's `error_rate` taken as known: what a rule can ask when only the release has
  counts (`facts.counts`), as collected today.
- `stats.mannWhitneyAbove(release, baseline)`: the Mann-Whitney U test (one-sided,
  `greater`) over two lists of samples, such as each operator's error rate
  (`facts.operators`, written by `merge`) against the baseline's; Kayenta judges a canary
  this way, because it assumes no distribution.

Counts that are not whole non-negative numbers, errors above the total, a zero total and
empty or non-numeric sample lists are errors, so the rule fails closed (its `on_error`).

Importing scipy.stats costs most of a second of CPU. Where the same calls come back run
after run (policy tests), the shell hands these functions a memo of the p-values scipy
gave (`remember_in`), kept between processes; a call it holds does not load scipy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, MutableMapping
from itertools import product
from typing import Any

from cel_expr_python import cel

from phasegate.cel.functions import Function, Overload

T = cel.Type

#: Longest sample list a test takes: the facts caps allow 10,000 items, and an exact
#: Mann-Whitney over two such lists would not be quick; rules see cohorts of operators.
MAX_SAMPLES = 10_000


#: Largest count a test takes, as `merge` bounds one sample's counts: past it scipy's exact
#: tests overflow to NaN (which compares false, so `p < 0.01` would pass) or run for minutes.
MAX_COUNT = 1_000_000


#: p-values by `_call_key` of the test and its arguments, or None: every call computes.
_memo: MutableMapping[str, float] | None = None


def remember_in(memo: MutableMapping[str, float] | None) -> None:
    """Look p-values up in `memo`, and add each one computed (None: stop). The caller
    vouches for what it holds: p-values these functions gave for the same scipy."""
    global _memo
    _memo = memo


def _call_key(name: str, arguments: list[Any]) -> str:
    """The memo's key of a call whose arguments were checked (whole counts, finite numbers).

    hashlib and json are imported here: `evaluate` imports this module, never the memo."""
    import hashlib
    import json

    text = json.dumps([name, arguments], separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _remembered(name: str, arguments: list[Any], compute: Callable[[], float]) -> float:
    """`compute()`, or the p-value the memo holds for the same call; errors are never kept."""
    if _memo is None:
        return compute()
    key = _call_key(name, arguments)
    known = _memo.get(key)
    if known is None:
        known = _memo[key] = compute()
    return known


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number")
    if not math.isfinite(value) or value < 0 or value != int(value):
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    if value > MAX_COUNT:
        raise ValueError(f"{name} {value:,.15g} is above {MAX_COUNT:,}: too large to test")
    return int(value)


def _p_value(value: Any, name: str) -> float:
    """A test's p-value, refused unless it is a number in 0..1: NaN compares false, so a
    rule `stats... < 0.01` would pass on it."""
    p = float(value)
    if not 0.0 <= p <= 1.0:  # NaN fails both comparisons
        raise ValueError(f"{name}: the test gave no p-value ({p!r})")
    return p


def _error_rate_above(errors: Any, total: Any, base_errors: Any, base_total: Any) -> float:
    counts = [
        _count(value, name)
        for value, name in (
            (errors, "errors"),
            (total, "total"),
            (base_errors, "baseline errors"),
            (base_total, "baseline total"),
        )
    ]
    errors, total, base_errors, base_total = counts
    if total == 0 or base_total == 0:
        raise ValueError("errorRateAbove of a total of 0 commands: no rate to test")
    if errors > total or base_errors > base_total:
        raise ValueError("errorRateAbove: more errors than commands")

    def compute() -> float:
        from scipy.stats import fisher_exact

        table = [[errors, total - errors], [base_errors, base_total - base_errors]]
        return _p_value(fisher_exact(table, alternative="greater").pvalue, "errorRateAbove")

    return _remembered("errorRateAbove", counts, compute)


def _errors_above_rate(errors: Any, total: Any, rate: Any) -> float:
    errors, total = _count(errors, "errors"), _count(total, "total")
    if total == 0:
        raise ValueError("errorsAboveRate of a total of 0 commands: no rate to test")
    if errors > total:
        raise ValueError("errorsAboveRate: more errors than commands")
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise ValueError(f"errorsAboveRate: rate must be a number in 0..1, got {rate!r}")

    def compute() -> float:
        from scipy.stats import binomtest

        p = binomtest(errors, total, float(rate), alternative="greater").pvalue
        return _p_value(p, "errorsAboveRate")

    return _remembered("errorsAboveRate", [errors, total, float(rate)], compute)


def _samples(values: Any, name: str) -> list[float]:
    if not isinstance(values, list) or not values:
        raise ValueError(f"mannWhitneyAbove: {name} must be a non-empty list of numbers")
    if len(values) > MAX_SAMPLES:
        raise ValueError(f"mannWhitneyAbove: {name} has more than {MAX_SAMPLES} samples")
    numbers = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"mannWhitneyAbove: {name} must be a list of numbers")
        if not math.isfinite(value):
            raise ValueError(f"mannWhitneyAbove: {name} holds {value!r}, not a finite number")
        numbers.append(float(value))
    return numbers


def _mann_whitney_above(release: Any, baseline: Any) -> float:
    x, y = _samples(release, "release"), _samples(baseline, "baseline")

    def compute() -> float:
        from scipy.stats import mannwhitneyu

        return _p_value(mannwhitneyu(x, y, alternative="greater").pvalue, "mannWhitneyAbove")

    return _remembered("mannWhitneyAbove", [x, y], compute)


def _over_numbers(name: str, key: str, arity: int, impl: Any) -> Function:
    """A function of `arity` numbers returning a double. The engine dispatches on the
    runtime types: counts are ints in facts and doubles in params, so every mix of the two
    is an overload."""
    return Function(
        name,
        [
            Overload(
                f"phasegate_stats_{key}_"
                + "_".join("int" if kind is T.INT else "double" for kind in kinds),
                T.DOUBLE,
                list(kinds),
                impl=impl,
            )
            for kinds in product((T.INT, T.DOUBLE), repeat=arity)
        ],
    )


#: Each function's parameters, for messages about a call that does not fit.
SIGNATURES = {
    "stats.errorRateAbove": ("errors", "total", "baseline_errors", "baseline_total"),
    "stats.errorsAboveRate": ("errors", "total", "rate"),
    "stats.mannWhitneyAbove": ("release", "baseline"),
}


def declarations() -> list[Function]:
    """The statistics functions, as the checker and runtime see them."""
    arity = {name: len(parameters) for name, parameters in SIGNATURES.items()}
    return [
        _over_numbers(
            "stats.errorRateAbove",
            "error_rate_above",
            arity["stats.errorRateAbove"],
            _error_rate_above,
        ),
        _over_numbers(
            "stats.errorsAboveRate",
            "errors_above_rate",
            arity["stats.errorsAboveRate"],
            _errors_above_rate,
        ),
        Function(
            "stats.mannWhitneyAbove",
            [
                Overload(
                    "phasegate_stats_mann_whitney_above",
                    T.DOUBLE,
                    [T.List(T.DYN), T.List(T.DYN)],
                    impl=_mann_whitney_above,
                )
            ],
        ),
    ]
