"""cel-python's parser kept in the cache folder: the revived parser is cel-python's own,
parse for parse and error for error; an entry that is damaged, of another version or not
ours is built again; without a cache nothing is read or written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import lark
import pytest
from celpy.celparser import CELParser

from conftest import POLICIES, run_cli
from phasegate.cel import syntax
from phasegate.files import cache
from phasegate.files.loading import load_document
from phasegate.review import parsercache

#: Text cel-python's parser refuses, each for another reason.
BAD = ["", "a &&", "1 +* 2", "f(", "a.b.", "'open", "a ? b", "{1: }", "x[", "#", "a..b"]


def _shipped_expressions() -> list[str]:
    found = []
    for path in sorted(POLICIES.glob("*.yaml")):
        for rule in load_document(path).data.get("rules", []):
            found.append(rule["when"])
    assert len(found) > 20
    return found


def _cel_pythons_own() -> lark.Lark:
    """The parser cel-python builds itself (its singleton, put back afterwards)."""
    kept = CELParser.CEL_PARSER
    CELParser.CEL_PARSER = None
    try:
        CELParser()
        own = CELParser.CEL_PARSER
    finally:
        CELParser.CEL_PARSER = kept
    assert own is not None
    return own


def _terminals(parser: lark.Lark) -> list[tuple[object, ...]]:
    return sorted(
        (t.name, t.pattern.type, t.pattern.value, tuple(t.pattern.flags), t.priority)
        for t in parser.terminals
    )


def _outcome(parser: lark.Lark, text: str) -> object:
    try:
        return syntax.tree_shape(parser.parse(text))
    except lark.exceptions.UnexpectedInput as exc:
        return (type(exc).__name__, exc.line, exc.column, str(exc))


def _kept(folder: Path, built: list[int]) -> lark.Lark | None:
    """`kept_parser` for `folder`, counting the builds."""

    def build() -> object:
        built.append(1)
        return syntax.parser_tables()

    os.environ["PHASEGATE_CACHE_DIR"] = str(folder)
    return parsercache.kept_parser(syntax.parser_identity(), build, syntax.revive_parser)


@pytest.fixture
def cache_env(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PHASEGATE_CACHE_DIR", os.environ["PHASEGATE_CACHE_DIR"])
    monkeypatch.delenv("PHASEGATE_NO_CACHE", raising=False)


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{parsercache.KIND}-*.json")) if folder.is_dir() else []


def test_the_revived_parser_is_cel_pythons_own():
    own = _cel_pythons_own()
    revived = syntax.revive_parser(json.loads(json.dumps(syntax.parser_tables())))
    assert revived is not None
    assert revived.options.options == own.options.options
    assert revived.lexer_conf.callbacks == own.lexer_conf.callbacks
    assert _terminals(revived) == _terminals(own)
    for text in [*_shipped_expressions(), *BAD, "a -1", "[-1]", "true || false", "x.y(1u)"]:
        assert _outcome(revived, text) == _outcome(own, text), text


def test_cold_then_warm(tmp_path: Path, cache_env: None):
    built: list[int] = []
    cold = _kept(tmp_path, built)
    [entry] = _entries(tmp_path)
    warm = _kept(tmp_path, built)
    assert built == [1]  # the second came from the entry
    assert cold is not None and warm is not None
    assert _entries(tmp_path) == [entry]
    for text in _shipped_expressions():
        assert _outcome(warm, text) == _outcome(cold, text)


def _damaged(entry: Path) -> dict[str, bytes]:
    raw = entry.read_bytes()
    header, _, body = raw.partition(b"\n")
    return {
        "truncated": raw[: len(raw) // 2],
        "garbage": b"\x00\xff not an entry",
        "another format": header.replace(cache.FORMAT.encode(), b"cache/0") + b"\n" + body,
        "a body that does not match its digest": header + b"\n" + body.replace(b"expr", b"expx"),
    }


@pytest.mark.parametrize(
    "damage",
    ["truncated", "garbage", "another format", "a body that does not match its digest"],
)
def test_a_damaged_entry_is_built_again(tmp_path: Path, cache_env: None, damage: str):
    built: list[int] = []
    _kept(tmp_path, built)
    [entry] = _entries(tmp_path)
    healthy = entry.read_bytes()
    entry.write_bytes(_damaged(entry)[damage])
    parser = _kept(tmp_path, built)
    assert built == [1, 1]
    assert parser is not None and _outcome(parser, "a && b.c(1)")[0][1] == "expr"
    rebuilt = entry.read_bytes()  # lark's tables come out in another order each build
    assert rebuilt.split(b" ")[:2] == healthy.split(b" ")[:2]
    assert cache.read_entry(tmp_path, parsercache.KIND, entry.stem.split("-", 1)[1])
    _kept(tmp_path, built)
    assert built == [1, 1] and entry.read_bytes() == rebuilt  # now used, not built again


def test_tables_that_cannot_be_revived_are_built_again(tmp_path: Path, cache_env: None):
    """An entry whose digest holds but whose tables are wrong (not what lark wrote)."""
    built: list[int] = []
    _kept(tmp_path, built)
    [entry] = _entries(tmp_path)
    key = entry.stem.split("-", 1)[1]
    assert cache.write_entry(tmp_path, parsercache.KIND, key, {"data": {"parser": 1}, "memo": []})
    assert _kept(tmp_path, built) is not None
    assert built == [1, 1]
    assert syntax.revive_parser(cache.read_entry(tmp_path, parsercache.KIND, key)) is not None


def test_an_entry_of_other_versions_is_not_read(
    tmp_path: Path, cache_env: None, monkeypatch: pytest.MonkeyPatch
):
    built: list[int] = []
    _kept(tmp_path, built)
    [ours] = _entries(tmp_path)
    real = cache.installed

    def another_lark(module_file: str | None, distribution: str) -> list[object]:
        found = real(module_file, distribution)
        return [*found, "another release"] if distribution == "lark" else found

    monkeypatch.setattr(cache, "installed", another_lark)
    _kept(tmp_path, built)
    assert built == [1, 1]
    assert len(_entries(tmp_path)) == 2 and ours in _entries(tmp_path)


def test_an_entry_others_could_have_written_is_not_read(tmp_path: Path, cache_env: None):
    built: list[int] = []
    _kept(tmp_path, built)
    [entry] = _entries(tmp_path)
    entry.chmod(0o666)
    _kept(tmp_path, built)
    assert built == [1, 1]


def test_without_a_cache_cel_python_builds_its_own(
    tmp_path: Path, cache_env: None, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PHASEGATE_NO_CACHE", "1")
    built: list[int] = []
    assert _kept(tmp_path / "cache", built) is None
    assert built == [] and not (tmp_path / "cache").exists()
    monkeypatch.delenv("PHASEGATE_NO_CACHE")
    cache.disable()
    try:
        assert _kept(tmp_path / "cache", built) is None
    finally:
        cache.disable(False)
    assert not (tmp_path / "cache").exists()


def test_the_reviewer_tools_print_the_same_cold_warm_and_without_the_cache(tmp_path: Path):
    env = {**os.environ, "PHASEGATE_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("PHASEGATE_NO_CACHE", None)
    commands = [
        ("lint", "--format", "json", "--min-severity", "info"),
        ("fmt", "--check", "policies"),
    ]
    for command in commands:
        cold = run_cli(*command, env=env)
        warm = run_cli(*command, env=env)
        without = run_cli(*command, env={**env, "PHASEGATE_NO_CACHE": "1"})
        assert cold.returncode == 0, cold.stderr
        assert (warm.returncode, warm.stdout, warm.stderr) == (0, cold.stdout, cold.stderr)
        assert (without.returncode, without.stdout, without.stderr) == (0, cold.stdout, cold.stderr)
    assert len(_entries(tmp_path / "cache")) == 1


def test_a_lark_that_cannot_serialize_leaves_the_parser_to_cel_python(
    tmp_path: Path, cache_env: None, monkeypatch: pytest.MonkeyPatch
):
    def gone(*args: object, **kwargs: object) -> None:
        raise AttributeError("memo_serialize")

    monkeypatch.setattr(lark.Lark, "memo_serialize", gone)
    assert _kept(tmp_path, []) is None
    assert not _entries(tmp_path)


def test_tables_json_cannot_hold_leave_the_parser_to_cel_python(tmp_path: Path, cache_env: None):
    """A lark whose serialization holds something JSON cannot (a set): no entry, no
    traceback, cel-python's own parser."""
    os.environ["PHASEGATE_CACHE_DIR"] = str(tmp_path)
    found = parsercache.kept_parser(
        syntax.parser_identity(), lambda: {"data": {1, 2}}, syntax.revive_parser
    )
    assert found is None
    assert not _entries(tmp_path)
