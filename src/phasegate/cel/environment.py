"""The one CEL environment every expression is checked and evaluated in.

Each context that runs CEL (rules, collector sources, rollback checks, actions) declares its
own variables, so a rule that names `stdout` is refused when it loads; everything else
(extensions, phasegate's functions) is the same for all, declared here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from cel_expr_python import cel
from cel_expr_python.ext import ext_bindings, ext_encoders, ext_math, ext_strings

from phasegate.cel import functions, statistics

T = cel.Type
_FACTS = T.Map(T.STRING, T.DYN)

#: Variables of a rule's `when` and `message`. `phase` and `now` have their schema types so
#: the checker can refuse `phase == 'x'`; facts and params are open maps of any value.
RULE_VARIABLES: Mapping[str, Any] = {
    "facts": _FACTS,
    "params": _FACTS,
    "phase": T.INT,
    "now": T.TIMESTAMP,
    "history": T.List(_FACTS),
}


#: Type names usable in `declared` below; the engine takes a Python datetime or timedelta
#: only where a variable is declared a timestamp or duration.
#: `lint` also declares fact paths with the type the facts schema gives them.
TYPES: Mapping[str, Any] = {
    "dyn": T.DYN,
    "timestamp": T.TIMESTAMP,
    "duration": T.DURATION,
    "string": T.STRING,
    "bool": T.BOOL,
    "list": T.List(T.DYN),
    "map": _FACTS,
}


def declarations(variables: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each variable with its rule type (facts, params, phase, now, history), else dyn."""
    return tuple((name, name if name in RULE_VARIABLES else "dyn") for name in variables)


#: The extensions cel-expr-python enables through its configuration (the others are
#: objects below): the CEL that Kubernetes' environment offers rule authors.
_CONFIG = """
extensions:
  - name: lists
  - name: sets
  - name: regex
  - name: two-var-comprehensions
  - name: optional
    version: 2
"""


@lru_cache(maxsize=64)
def environment(declared: tuple[tuple[str, str], ...]) -> Any:
    """The environment for one set of (variable, type name) pairs, one per context."""
    types = {**TYPES, **RULE_VARIABLES}
    return cel.NewEnv(
        config=cel.NewEnvConfigFromYaml(_CONFIG),
        variables={name: types[kind] for name, kind in declared},
        extensions=[
            ext_strings.ExtStrings(),
            ext_math.ExtMath(),
            ext_encoders.ExtEncoders(),
            ext_bindings.ExtBindings(),
        ],
        functions=[function.declared() for function in own_functions()],
    )


def own_functions() -> list[functions.Function]:
    """phasegate's own functions and the statistics, as declared (readable, unlike the
    engine's declarations)."""
    return functions.declarations() + statistics.declarations()
