"""A checked expression as bytes and back: the one seam the policy cache uses.

The engine serializes what it compiled (`cel.expr.CheckedExpr` in a protobuf Any: the tree,
resolved overloads, types) and revives it with `Env.deserialize` in a fraction of the time a
compile takes. Everything else an Expression carries is derived again from the text and
the revived program, so what phasegate derives may change without the cache knowing it
(its key holds phasegate's own code and the engine's version).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from phasegate.cel import environment, lexer
from phasegate.cel.expression import Expression


def env_identity(variables: tuple[str, ...]) -> str:
    """Names the environment `variables` compile in (their declared types), for cache keys."""
    return repr(environment.declarations(tuple(variables)))


def checked_bytes(expression: Expression) -> bytes:
    """The engine's serialized checked program of `expression`."""
    return expression.program.serialize()


def revive(text: str, variables: tuple[str, ...], checked: bytes) -> Expression:
    """The Expression `compile_expression(text, variables)` gave when it wrote `checked`.

    Raises RuntimeError or ValueError when the bytes are not a program of this engine.
    """
    variables = tuple(variables)
    env = environment.environment(environment.declarations(variables))
    _ready(env)
    program = env.deserialize(checked)
    return Expression(
        text=text, program=program, variables=variables, scan=lexer.scan(text, variables), env=env
    )


@cache
def _ready(env: Any) -> None:
    """Compile once in `env` before reviving in it. cel-expr-python 0.1.3 sets up its
    conversion of Python datetimes on the compile path only: in a process that never
    compiled, a revived program fails on `now` ("non-CEL value type for 'now':
    datetime.datetime"). One trivial compile costs about 0.1 ms."""
    env.compile("true")
