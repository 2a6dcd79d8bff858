"""The collector configuration's checked programs, kept between processes: a warm load is
the cold one and compiles nothing; anything but an entry written for exactly this text is
compiled afresh; a configuration with a problem is never kept."""

from __future__ import annotations

import copy
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, run_cli
from phasegate import cel
from phasegate.collect import config
from phasegate.core.programs import env_identity
from phasegate.errors import InputError
from phasegate.files import cache

SHIPPED = ROOT / "phasegate.yaml"


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("config-*.json"))


def _objects(value: Any) -> list[cel.Expression]:
    """Every checked expression a loaded configuration holds."""
    if isinstance(value, cel.Expression):
        return [value]
    if dataclasses.is_dataclass(value):
        return _objects([getattr(value, f.name) for f in dataclasses.fields(value)])
    if isinstance(value, dict):
        return _objects(list(value.values()))
    if isinstance(value, list | tuple):
        return [found for item in value for found in _objects(item)]
    return []


def _expressions(value: Any) -> list[tuple[str, tuple[str, ...], Any]]:
    """Every checked expression a loaded configuration holds, with the model read from it."""
    return [(e.text, e.variables, e.model.plain()) for e in _objects(value)]


def _refuse(*_: object) -> None:
    raise AssertionError("a warm load compiled an expression")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cached = tmp_path / "cache"
    monkeypatch.setenv("PHASEGATE_CACHE_DIR", str(cached))
    return cached


def test_a_warm_configuration_is_the_cold_one_and_compiles_nothing(
    folder: Path, monkeypatch: pytest.MonkeyPatch
):
    cold = config.load_config(SHIPPED, cwd=ROOT)
    [entry] = _entries(folder)
    distinct = {(env_identity(variables), text) for text, variables, _ in _expressions(cold)}
    assert len(_stored(entry)["programs"]) == len(distinct)

    monkeypatch.setattr(cel, "compile_expression", _refuse)
    warm = config.load_config(SHIPPED, cwd=ROOT)
    assert warm == cold  # every field; expressions by text and variables
    assert _expressions(warm) == _expressions(cold)  # and the models read from them
    assert _entries(folder) == [entry]


def _stored(entry: Path) -> Any:
    """An entry's body (after its header line: format, key and the body's digest)."""
    return json.loads(entry.read_bytes().partition(b"\n")[2])


@pytest.mark.parametrize(
    "damage", ["{}", "a program of another text", "a program that is not base64", "a list"]
)
def test_an_entry_that_cannot_be_revived_is_compiled_afresh_and_replaced(
    folder: Path, damage: str, monkeypatch: pytest.MonkeyPatch
):
    """Each damage keeps the entry's digest whole (the cache's own checks pass it), so
    reviving is what must refuse it."""
    cold = config.load_config(SHIPPED, cwd=ROOT)
    [entry] = _entries(folder)
    kept = _stored(entry)
    body = copy.deepcopy(kept)
    if damage == "{}":
        body = {}
    elif damage == "a program of another text":
        body["programs"][0][1] = "true"
    elif damage == "a program that is not base64":
        body["programs"][0][2] = "%%%"
    else:
        body = [body]
    key = entry.stem.removeprefix("config-")
    assert cache.write_entry(folder, "config", key, body)
    assert _stored(entry) == body
    again = config.load_config(SHIPPED, cwd=ROOT)
    assert again == cold and _expressions(again) == _expressions(cold)
    # Replaced by a whole entry (the engine's serialized bytes vary from one compile to the
    # next, so not byte for byte the first), which the next load revives, compiling nothing.
    rebuilt = _stored(entry)
    assert rebuilt != body and len(rebuilt["programs"]) == len(kept["programs"])
    monkeypatch.setattr(cel, "compile_expression", _refuse)
    third = config.load_config(SHIPPED, cwd=ROOT)
    assert third == cold and _expressions(third) == _expressions(cold)


def test_a_program_the_engine_refuses_when_it_runs_is_compiled_afresh_and_rebuilt(
    folder: Path,
):
    """A program is made from its bytes when it first runs, so bytes the engine refuses
    (with the entry's digest whole) are found then: compiled afresh, the entry rebuilt."""
    cold = config.load_config(SHIPPED, cwd=ROOT)
    [entry] = _entries(folder)
    body = _stored(entry)
    body["programs"][0][2] = "bm90IGEgcHJvZ3JhbQ=="  # base64 of "not a program"
    assert cache.write_entry(folder, "config", entry.stem.removeprefix("config-"), body)
    warm = config.load_config(SHIPPED, cwd=ROOT)
    assert _stored(entry) == body  # no program made yet: nothing refused
    refused = [e for e in _objects(warm) if e.text == body["programs"][0][1]]
    assert refused
    programs = [expression.program for expression in refused]
    assert all(program is not None for program in programs)
    [same] = {e.structure for e in _objects(cold) if e.text == body["programs"][0][1]}
    assert {expression.structure for expression in refused} == {same}
    rebuilt = _stored(entry)
    assert rebuilt != body and len(rebuilt["programs"]) == len(body["programs"])


def test_an_edited_expression_is_compiled_not_revived_from_the_old_text(
    folder: Path, tmp_path: Path
):
    path = tmp_path / "phasegate.yaml"
    path.write_text(SHIPPED.read_text())
    config.load_config(path, cwd=tmp_path)
    text = SHIPPED.read_text()
    assert text.count("output.ok == true") >= 1
    path.write_text(text.replace("output.ok == true", "output.ok == true && exit_code == 0", 1))
    edited = config.load_config(path, cwd=tmp_path)
    texts = [text for text, _, _ in _expressions(edited)]
    assert any("output.ok == true && exit_code == 0" in text for text in texts)
    assert len(_entries(folder)) == 2


def test_a_configuration_with_a_problem_is_never_kept_and_errs_as_without_a_cache(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "phasegate.yaml"
    path.write_text(SHIPPED.read_text().replace("output.ok == true", "output.ok == tru", 1))
    with pytest.raises(InputError) as cached:
        config.load_config(path, cwd=tmp_path)
    assert _entries(folder) == []
    monkeypatch.setattr(cache, "cache_dir", lambda *_: None)
    with pytest.raises(InputError) as uncached:
        config.load_config(path, cwd=tmp_path)
    assert str(cached.value) == str(uncached.value)
    assert "tru" in str(cached.value)


def test_run_prints_the_same_cold_warm_and_without_the_cache(tmp_path: Path):
    """End to end: a dry Phase 0 `run` over the stand-ins, three times."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    git = bin_dir / "git"
    git.write_text("#!/bin/sh\necho 9f2c4e10000000000000000000000000000000000\n")
    git.chmod(0o755)
    (tmp_path / "standin").mkdir()
    (tmp_path / "phasegate.yaml").write_text(SHIPPED.read_text())
    cached = tmp_path / "cache"
    env = {
        "PATH": ":".join(
            (str(ROOT / "fixtures" / "bin"), str(bin_dir), str(Path(sys.executable).parent))
        )
        + ":/usr/bin:/bin",
        "STANDIN_STATE_DIR": str(tmp_path / "standin"),
        "HOME": str(tmp_path),
        "PHASEGATE_CACHE_DIR": str(cached),
        "PHASEGATE_ENVIRONMENT": "ci",
    }
    args = (
        "run",
        "--phase",
        "0",
        "--dry-run",
        *("--set", "change.commit=9f2c4e1", "--set", "change.tag=v0.4.3"),
        *("--set", "change.last_known_good=v0.4.2"),
        *("--set", "owners.release=alice", "--set", "owners.rollback=bob"),
        *("--set", "collected_at=2026-11-20T10:00:00Z"),
    )
    cold = run_cli(*args, cwd=tmp_path, env=env)
    assert len(_entries(cached)) == 1
    warm = run_cli(*args, cwd=tmp_path, env=env)
    uncached = run_cli(*args, "--no-cache", cwd=tmp_path, env=env)
    outputs = {(r.returncode, r.stdout, r.stderr) for r in (cold, warm, uncached)}
    assert len(outputs) == 1, outputs
    assert cold.returncode in (0, 10, 20) and "phase 0" in cold.stdout
