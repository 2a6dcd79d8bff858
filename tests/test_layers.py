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

#: The functional core: load, validate, compile, evaluate. Pure functions over plain data.
CORE = {
    "phasegate.errors",
    "phasegate.loading",
    "phasegate.yamlevents",
    "phasegate.schemas",
    "phasegate.digest",
    "phasegate.verdict",
    "phasegate.facts",
    "phasegate.factschema",
    "phasegate.policy",
    "phasegate.expressions",
    "phasegate.evaluate",
    "phasegate.record",
    "phasegate.messages",
}
SHELL_AND_TOOLS = (
    "phasegate.cli",
    "phasegate.collect",
    "phasegate.review",
    "phasegate.runner",
    "phasegate.runners",
    "phasegate.state",
    "phasegate.durable",
    "phasegate.recording",
    "phasegate.replay",
)


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


def test_the_layering_checks_see_the_whole_package():
    assert "phasegate.cel.runtime" in MODULES and "phasegate.review.lint" in MODULES
    assert set(MODULES) >= CORE, sorted(CORE - set(MODULES))


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


@pytest.mark.parametrize("module", sorted(CORE))
def test_the_core_imports_no_shell_and_no_tool(module):
    assert not [name for name in MODULES[module] if _within(name, *SHELL_AND_TOOLS)]


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
