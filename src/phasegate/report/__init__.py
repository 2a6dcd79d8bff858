"""Output formats. Each renders a Decision and nothing else; a new format is a new module."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from json import dumps  # `json` here would be this package's json format, once imported
from typing import Any

from phasegate.errors import json_text


class LazyFormats(Mapping[str, Callable[..., str]]):
    """Format name -> renderer, a format's module imported only when it is asked for.

    `evaluate` is the command a CI step waits on: it should pay for the format it prints,
    not for XML (junit) and every other renderer it never calls.
    """

    def __init__(self, package: str, modules: Mapping[str, str]) -> None:
        self._package = package
        self._modules = dict(modules)

    def __getitem__(self, name: str) -> Callable[..., str]:
        module = importlib.import_module(f"{self._package}.{self._modules[name]}")
        return module.render

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


#: Format name -> renderer(decision, color) -> text to print.
FORMATS: Mapping[str, Any] = LazyFormats(
    __name__,
    {
        "text": "text",
        "json": "json",
        "comms": "comms",
        "github": "github",
        "junit": "junit",
        "markdown": "markdown",
    },
)


def report_json(document: Any, *, allow_nan: bool = True) -> str:
    """A JSON report: sorted keys, fixed indentation (the same value, the same bytes), and
    safe in a CI log (`json_text`)."""
    text = dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=allow_nan)
    return json_text(text) + "\n"
