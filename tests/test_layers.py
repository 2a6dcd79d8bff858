"""The layers, as the imports show them: arrows point down only.

cli -> review / replay / collect / runner -> core -> cel. Renderers (`report/`) read result
models and never evaluate; the core never imports a renderer or the shell; the CEL package
talks to nothing but its engine. Read from the source (module-level and function-level
imports alike), so a shortcut cannot hide in a function body.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import phasegate

ROOT = Path(phasegate.__file__).parent

#: The layers, bottom up, by package. A module may import its own package and any package of
#: a lower rank; never one of its own rank or above. The rank is the package's, so a new
#: module is checked the day it is written, without a hand-kept list.
RANKS = {
    "phasegate.errors": 0,
    "phasegate.files": 1,
    "phasegate.cel": 2,
    "phasegate.core": 3,
    "phasegate.state": 4,
    "phasegate.collect": 5,
    "phasegate.replay": 5,
    "phasegate.runner": 6,
    "phasegate.review": 6,
    "phasegate.report": 7,
    "phasegate.cli": 8,
    "phasegate.__main__": 9,
}
#: The functional core and what it stands on: load, validate, compile, evaluate.
CORE_PACKAGES = ("phasegate.core", "phasegate.files", "phasegate.cel", "phasegate.errors")


def _modules() -> dict[str, set[str]]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(("phasegate", *parts)).removesuffix(".__init__")
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
                imported.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
        found[name] = {item for item in imported if item.startswith("phasegate")}
    return found


MODULES = _modules()


def _within(name: str, *packages: str) -> bool:
    return any(name == package or name.startswith(package + ".") for package in packages)


def _package(name: str) -> str | None:
    """The ranked package a module belongs to (None for the bare `phasegate` package)."""
    for package in sorted(RANKS, key=len, reverse=True):
        if _within(name, package):
            return package
    return None


def test_the_layering_checks_see_the_whole_package():
    assert "phasegate.cel.runtime" in MODULES and "phasegate.review.lint" in MODULES
    assert "phasegate.core.evaluate" in MODULES and "phasegate.runner.apply" in MODULES
    unranked = [m for m in MODULES if m != "phasegate" and _package(m) is None]
    assert not unranked, f"modules outside every layer: {unranked}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "phasegate"))
def test_arrows_point_down_only(module):
    own = _package(module)
    upward = []
    for name in MODULES[module]:
        target = _package(name)
        if target is None or target == own:
            continue
        if RANKS[target] >= RANKS[own]:
            upward.append(name)
    assert not upward, f"{module} ({own}) imports {sorted(upward)}"


def _cycle(package: str) -> list[str] | None:
    """One import circle among `package`'s modules (depth-first), or None."""
    inside = {
        m: {n for n in MODULES[m] if n in MODULES and _within(n, package) and n != m}
        for m in MODULES
        if _within(m, package) and m != package
    }
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        for name in sorted(inside.get(module, ())):
            if (found := visit(name, [*path, module])) is not None:
                return found
        done.add(module)
        return None

    for module in sorted(inside):
        if (found := visit(module, [])) is not None:
            return found
    return None


@pytest.mark.parametrize("package", ["phasegate.runner"])
def test_no_import_circle_inside_a_package(package):
    """The runner was the most tangled room: `apply` and `runners` imported each other.
    Its modules now stand in layers of their own (plan, journal, apply, retry)."""
    assert _cycle(package) is None, " -> ".join(_cycle(package) or [])
    assert "phasegate.runner.apply" not in MODULES["phasegate.runner.runners"]


def test_the_circle_check_finds_a_circle(monkeypatch):
    monkeypatch.setitem(MODULES, "phasegate.runner.plan", {"phasegate.runner.retry"})
    assert _cycle("phasegate.runner") is not None


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_the_cli_and_renderers_import_renderers(module):
    if _within(module, "phasegate.report", "phasegate.cli"):
        return
    assert not [name for name in MODULES[module] if _within(name, "phasegate.report")]


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _within(m, "phasegate.report")))
def test_renderers_never_evaluate(module):
    assert not [name for name in MODULES[module] if _within(name, "phasegate.cel")]


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _within(m, "phasegate.cel")))
def test_the_cel_package_talks_only_to_its_engine(module):
    outside = [
        name
        for name in MODULES[module]
        if not _within(name, "phasegate.cel", "phasegate.errors") and name != "phasegate"
    ]
    assert not outside


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _within(m, *CORE_PACKAGES)))
def test_the_core_imports_no_shell_and_no_tool(module):
    allowed = ("phasegate", "phasegate.__version__")
    outside = [n for n in MODULES[module] if n not in allowed and not _within(n, *CORE_PACKAGES)]
    assert not outside


def test_the_syntax_tree_parser_is_for_reviewer_tools():
    """cel-python's parser costs a few hundred milliseconds to build: the commands that
    decide must never import it at module level (only review tools, and the rare paths
    that locate an error or draw a chart, inside a function)."""
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(("phasegate", *parts)).removesuffix(".__init__")
        if _within(name, "phasegate.review") or name in (
            "phasegate.cel.syntax",
            "phasegate.cel.locate",
            "phasegate.cel.division",
        ):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = [node for node in tree.body if isinstance(node, ast.ImportFrom | ast.Import)]
        modules = {getattr(node, "module", None) or "" for node in top}
        names = {
            f"{getattr(node, 'module', '') or ''}.{alias.name}".lstrip(".")
            for node in top
            for alias in node.names
        }
        loaded = modules | names
        assert not [
            item
            for item in loaded
            if item in ("celpy", "lark", "phasegate.cel.syntax")
            or item.startswith(("celpy.", "lark."))
        ], name
