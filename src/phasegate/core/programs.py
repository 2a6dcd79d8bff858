"""Checked CEL programs kept between processes: what the engine checked once (its serialized
checked expression, revived with `Env.deserialize`) beside the model phasegate read from its
tree, so a warm start neither compiles an expression nor decodes a tree.

The policy cache keeps them with the policy documents; the collector configuration's cache
(`collect.config`) keeps them alone, its YAML being kept by `files.loading`. Either builds
what it loads by the same code with or without them: only how a text becomes an
`Expression` differs.
"""

from __future__ import annotations

import binascii  # base64 coding, without the base64 module's import on every warm start
import functools
import sys
from collections.abc import Callable, Iterable
from typing import Any

from phasegate import cel
from phasegate.cel import model
from phasegate.files import cache
from phasegate.files.digest import sha256
from phasegate.files.schemas import data_dir


@functools.cache
def env_identity(variables: tuple[str, ...]) -> str:
    """Names the environment `variables` compile in (their declared types); asked for each
    expression a warm load revives, so worked out once per set of variables."""
    return repr(cel.expression_declarations(tuple(variables)))


def engine_fingerprint() -> list[Any]:
    """The engine's installed version and its library file: a program serialized by one
    build is never revived by another."""
    return cache.installed(sys.modules["cel_expr_python.cel"].__file__, "cel-expr-python")


def text_digest(text: str) -> str:
    return sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def schema_digest(name: str) -> str:
    path = data_dir("schemas") / f"{name}.schema.json"
    try:
        return sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"  # loading will say so; what depends on it is then never stored


class Programs:
    """The programs of one cache entry: `revive` those stored, `compile` (and keep) others.

    What `revive` cannot revive (a text the entry does not hold, parts of another shape,
    bytes the engine refuses) is never believed: the text is compiled afresh and `refused`
    (once) rebuilds the entry. `revive` may be asked late (a message's placeholders are
    revived when it is first rendered), and the engine makes a revived program from its
    bytes only when it first runs (see `Expression.program`): so the entry's damage is
    dealt with where it is found, not by loading the whole set again.
    """

    def __init__(
        self, stored: Iterable[Any] = (), refused: Callable[[], object] | None = None
    ) -> None:
        self.stored = {(env, text): (blob, found) for env, text, blob, found in stored}
        self.compiled: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        self.refused = refused

    def compile(self, text: str, variables: tuple[str, ...]) -> cel.Expression:
        expression = cel.compile_expression(text, variables)
        blob = binascii.b2a_base64(expression.serialize(), newline=False).decode("ascii")
        self.compiled[(env_identity(variables), text)] = (blob, expression.model.plain())
        return expression

    def revive(self, text: str, variables: tuple[str, ...]) -> cel.Expression:
        try:
            blob, found = self.stored[(env_identity(variables), text)]
            serialized = binascii.a2b_base64(blob, strict_mode=True)
            found_model = model.from_plain(found)
        except (KeyError, TypeError, ValueError):  # not what `compile` kept
            return self.afresh(text, variables)

        def afresh() -> cel.Expression:
            return self.afresh(text, variables)

        return cel.revive(text, variables, None, serialized, found=found_model, afresh=afresh)

    def afresh(self, text: str, variables: tuple[str, ...]) -> cel.Expression:
        """`text` compiled afresh, for a program of the entry that cannot be revived; the
        entry is rebuilt (`refused`, once)."""
        if self.refused is not None:
            refused, self.refused = self.refused, None
            refused()
        return cel.compile_expression(text, variables)

    def plain(self) -> list[list[Any]]:
        """What `compile` kept, in a stable order, for a cache entry (JSON)."""
        return [
            [env, text, blob, found] for (env, text), (blob, found) in sorted(self.compiled.items())
        ]
