"""CEL written in YAML files: compiled with every problem located in the file, and
templates whose `{{ CEL }}` placeholders fill messages and command arguments.

Policies and the collector configuration both hold expressions inside YAML strings; the
author needs each problem at its file:line:col, also inside block scalars, so compiling and
locating live here once for both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from phasegate import cel
from phasegate.cel.values import format_value
from phasegate.core.messages import MAX_MESSAGE_BYTES, cap_message
from phasegate.errors import InputError, Location
from phasegate.files.loading import Document, NodePath

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)

#: Extra static checks: (code, problem, the read it is about) for a compiled expression.
Check = Callable[[cel.Expression], list[tuple[str, str, cel.FactRead]]]
#: How a text becomes a checked expression for the given variables (the policy cache
#: revives one checked before instead of compiling it again).
Compile = Callable[[str, tuple[str, ...]], cel.Expression]


class Template:
    """Text with `{{ CEL }}` placeholders: its `parts`, the text between them and their
    compiled expressions. Compiled when its file loads, or, for a document from a cache
    (`DocumentCompiler.trusted`), when the parts are first asked for: a decision renders the
    messages of the rules that fire only, and reviving every placeholder at load cost a
    warm `evaluate` 2% of its instructions. Equal, and hashed, by its parts."""

    __slots__ = ("_compile", "_parts")

    def __init__(
        self,
        parts: tuple[str | cel.Expression, ...] = (),
        compile: Callable[[], tuple[str | cel.Expression, ...]] | None = None,
    ) -> None:
        self._parts = parts
        self._compile = compile

    @property
    def parts(self) -> tuple[str | cel.Expression, ...]:
        if self._compile is not None:
            self._parts, self._compile = self._compile(), None
        return self._parts

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Template) and self.parts == other.parts

    def __hash__(self) -> int:
        return hash(self.parts)

    def __repr__(self) -> str:
        return f"Template(parts={self.parts!r})"


class DocumentCompiler:
    """Compiles the expressions of one document, collecting located errors."""

    def __init__(
        self,
        document: Document,
        variables: tuple[str, ...],
        check: Check | None = None,
        params: Mapping[str, Any] | None = None,
        compile: Compile | None = None,
        trusted: bool = False,
    ) -> None:
        self.document = document
        self.variables = variables
        self.check = check
        self.compile = compile
        #: Expressions known to pass every check (the policy cache's): the budget is not
        #: estimated again.
        self.trusted = trusted
        #: The document's params: their lists' lengths bound the cost of comprehensions.
        self.params = params or {}
        self.errors: list[InputError] = []

    def supplied(self, text: str) -> cel.Expression:
        """`text` compiled (or revived) as the document's expressions are; phasegate's own
        defaults come here too, so a cached load revives them with the rest."""
        # None: the engine's compile, looked up now (tests wrap it to see every text)
        return (self.compile or cel.compile_expression)(text, self.variables)

    def expression(
        self, path: NodePath, context: str, text: str | None = None, offset: int = 0
    ) -> cel.Expression | None:
        """Compile the string at `path` (or `text`, found at `offset` of it)."""
        source = text if text is not None else _value(self.document.data, path)
        try:
            expression = self.supplied(source)
        except cel.CelError as exc:
            for message, line, col, code in exc.problems:
                where = self.locate(path, offset, source, line, col)
                self.errors.append(InputError(f"{context}: {message}", where, code))
            return None
        if self.trusted:
            return expression
        from phasegate.cel import cost  # not for a trusted set: a warm `evaluate` skips it

        costly = cost.over_budget(expression, self.params)
        if costly is not None:
            where = self.locate(path, offset, source, 1, 1)
            self.errors.append(InputError(f"{context}: {costly}", where, "too-costly"))
        for code, problem, read in self.check(expression) if self.check else ():
            where = self.locate(path, offset, source, read.line, read.col)
            self.errors.append(InputError(f"{context}: {problem}", where, code))
        return expression

    def template(self, path: NodePath, context: str) -> Template:
        """Compile the `{{ }}` placeholders of the string at `path` (a trusted document's
        when first filled: its problems were all found when it was first compiled)."""
        if self.trusted:
            return Template(compile=lambda: self._template_parts(path, context))
        return Template(self._template_parts(path, context))

    def _template_parts(self, path: NodePath, context: str) -> tuple[str | cel.Expression, ...]:
        text = _value(self.document.data, path)
        parts: list[str | cel.Expression] = []
        position = 0
        for match in PLACEHOLDER.finditer(text):
            parts.append(text[position : match.start()])
            expression = self.expression(path, context, match.group(1), match.start(1))
            if expression is not None:
                parts.append(expression)
            position = match.end()
        rest = text[position:]
        if "{{" in rest:
            where = self.document.locate_offset(path, position + rest.index("{{"))
            self.errors.append(InputError(f"{context}: '{{{{' without '}}}}'", where, "template"))
        parts.append(rest)
        return tuple(part for part in parts if part != "")

    def locate(self, path: NodePath, offset: int, text: str, line: int, col: int) -> Location:
        """File position of (line, col) of an expression found at `offset` of the string."""
        lines = text.split("\n")
        line = max(1, min(line, len(lines)))
        inner = sum(len(part) + 1 for part in lines[: line - 1]) + max(col - 1, 0)
        return self.document.locate_offset(path, offset + inner)


def _value(data: Any, path: NodePath) -> Any:
    for part in path:
        data = data[part]
    return data


def render(template: Template, bindings: cel.Bindings) -> str:
    """Fill the placeholders of a message; one that fails shows `<why>` instead of a value.
    The message is capped (`phasegate.core.messages`): facts can be large, CI logs cannot."""
    pieces: list[str] = []
    size = 0
    for part in template.parts:
        if size > MAX_MESSAGE_BYTES:  # what follows would be cut anyway: do not compute it
            break
        value = part if isinstance(part, str) else cel.run(part, bindings)
        if isinstance(value, cel.EvalFailure):
            piece = f"<{value.message}>"
        else:
            piece = value if isinstance(value, str) else format_value(value)
        pieces.append(piece)
        size += len(piece)
    return cap_message("".join(pieces))


def fill(template: Template, bindings: cel.Bindings) -> str | cel.EvalFailure:
    """Fill the placeholders of a command argument, or say why it cannot be filled.

    An argument is never run half-filled: a missing value must stop the command, not become
    the text "<missing fact>" handed to a deploy script.
    """
    pieces: list[str] = []
    for part in template.parts:
        value = part if isinstance(part, str) else cel.run(part, bindings)
        if isinstance(value, cel.EvalFailure):
            return value
        if value is None:
            return cel.EvalFailure("the value is null")
        if isinstance(value, float):  # exact, not the rounded form messages use
            pieces.append(repr(value))
        else:
            pieces.append(value if isinstance(value, str) else format_value(value))
    return "".join(pieces)
