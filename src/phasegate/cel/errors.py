"""The one exception for CEL text that cannot be used, whatever reads it.

Compiling (the engine's parser and checker, and phasegate's checks on top), evaluating one
expression on its own, and the reviewer tools' parser all raise `CelError`: bad input
(exit 3), located at line:col within the expression text. A caller that knows where the
text sits in a file relocates it, so the user reads file:line:col.
"""

from __future__ import annotations

from phasegate.errors import InputError, Location

#: How an expression given on its own (not in a file) is named in error locations.
EXPRESSION_SOURCE = "<expr>"


class CelError(InputError):
    """CEL text that does not compile, or an expression given on its own whose evaluation
    failed; line and col are within the expression text.

    `problems` holds every problem found (the first is this one's own), each as
    (message, line, col, code), so a policy author sees them all at once.
    """

    def __init__(
        self,
        message: str,
        line: int | None = None,
        col: int | None = None,
        code: str = "cel-syntax",
        problems: tuple[tuple[str, int, int, str], ...] = (),
        source: str = EXPRESSION_SOURCE,
    ) -> None:
        super().__init__(message, Location(source, line, col), code)
        self.line, self.col = line, col
        self.problems = problems or ((message, line or 1, col or 1, code),)
        #: The expression text line:col is in, and where that text starts inside a larger
        #: value (a `{{ }}` placeholder in a message), for a caller that locates it in a file.
        self.text, self.offset = "", 0

    def inside(self, text: str, offset: int = 0) -> CelError:
        """This error, told which text it is about and where that text starts."""
        self.text, self.offset = text, offset
        return self
