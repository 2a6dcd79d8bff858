"""Output formats. Each renders a Decision and nothing else; a new format is a new module."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any


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
