"""`phasegate test` (and `diff`) keep scipy's p-values in the cache folder: a second run of the same
cases prints the same bytes without loading scipy; an entry that is damaged, of another
scipy or holds anything but p-values is ignored; without a cache nothing is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from phasegate.cel import statistics
from phasegate.files import cache
from phasegate.review import pvalues

#: Runs `phasegate test` in this process and prints which heavy libraries it loaded.
LOADED = """
import sys
from phasegate.cli import main
try:
    main(["test", "--format", "json"])
except SystemExit:
    pass
heavy = ("scipy", "celpy", "lark", "jsonschema")
print("loaded:", sorted(name for name in heavy if name in sys.modules), file=sys.stderr)
"""


def _env(folder: Path) -> dict[str, str]:
    env = {**os.environ, "PHASEGATE_CACHE_DIR": str(folder)}
    env.pop("PHASEGATE_NO_CACHE", None)
    return env


def _loaded(env: dict[str, str], script: str = LOADED, *args: str) -> tuple[str, str]:
    """What `script` printed, and its line saying which heavy libraries it loaded."""
    command = [sys.executable, "-c", script, *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    [line] = [line for line in done.stderr.splitlines() if line.startswith("loaded:")]
    return done.stdout, line


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{pvalues.KIND}-*.json")) if folder.is_dir() else []


def test_a_second_run_prints_the_same_without_scipy_the_parser_or_jsonschema(tmp_path: Path):
    env = _env(tmp_path / "cache")
    without = run_cli("test", "--format", "json", "--no-cache", env=env)
    assert without.returncode == 0, without.stderr
    assert run_cli("test", env={**env, "PHASEGATE_NO_CACHE": "1"}).returncode == 0
    assert not _entries(tmp_path / "cache")  # without a cache nothing is kept
    cold, cold_loaded = _loaded(env)
    assert "'scipy'" in cold_loaded  # the shipped tests call stats.errorsAboveRate
    [entry] = _entries(tmp_path / "cache")
    warm, warm_loaded = _loaded(env)
    assert warm == cold == without.stdout and json.loads(warm)["summary"]["failed"] == 0
    assert warm_loaded == "loaded: []"
    assert _entries(tmp_path / "cache") == [entry]


def _calls() -> list[float]:
    """p-values of the three tests, through the functions rules call."""
    return [
        statistics._errors_above_rate(4, 40, 0.02),
        statistics._error_rate_above(4, 40, 1, 100),
        statistics._mann_whitney_above([0.3, 0.4, 0.5], [0.1, 0.2, 0.2]),
    ]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PHASEGATE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("PHASEGATE_NO_CACHE", raising=False)
    return tmp_path


def _kept_calls() -> list[float]:
    with pvalues.kept_p_values():
        return _calls()


def test_kept_values_are_scipys_and_are_used(folder: Path, monkeypatch: pytest.MonkeyPatch):
    computed = _calls()
    assert _kept_calls() == computed
    [entry] = _entries(folder)
    assert sorted(json.loads(entry.read_text().split("\n", 1)[1])["p"].values()) == sorted(computed)
    import scipy.stats

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("computed again")

    for name in ("binomtest", "fisher_exact", "mannwhitneyu"):
        monkeypatch.setattr(scipy.stats, name, refuse)
    assert _kept_calls() == computed
    assert statistics._memo is None  # only within


def _forge(entry: Path, body: object) -> None:
    key = entry.stem.split("-", 1)[1]
    assert cache.write_entry(entry.parent, pvalues.KIND, key, body)


@pytest.mark.parametrize(
    ("call", "value"),
    [*((("0" * 64), bad) for bad in (2.0, -0.5, "0.5", True, None)), ("short", 0.5)],
)
def test_an_entry_holding_anything_but_p_values_is_ignored_whole(
    folder: Path, call: str, value: object
):
    computed = _kept_calls()
    [entry] = _entries(folder)
    stored = json.loads(entry.read_text().split("\n", 1)[1])
    # each real call given a wrong p-value, beside one value no test gives: none is used
    _forge(entry, {"p": {**{known: 0.0 for known in stored["p"]}, call: value}})
    assert _kept_calls() == computed
    assert json.loads(entry.read_text().split("\n", 1)[1]) == stored  # written again


@pytest.mark.parametrize("body", [{"p": [0.5]}, ["p"], {}, {"p": None}])
def test_an_entry_of_another_shape_is_ignored(folder: Path, body: object):
    computed = _kept_calls()
    [entry] = _entries(folder)
    _forge(entry, body)
    assert _kept_calls() == computed
    assert "p" in json.loads(entry.read_text().split("\n", 1)[1])


@pytest.mark.parametrize("damage", ["truncated", "garbage", "another digest"])
def test_a_damaged_entry_is_ignored_and_written_again(folder: Path, damage: str):
    computed = _kept_calls()
    [entry] = _entries(folder)
    healthy = entry.read_bytes()
    header, _, body = healthy.partition(b"\n")
    entry.write_bytes(
        {
            "truncated": healthy[: len(healthy) // 2],
            "garbage": b"\xff\x00",
            "another digest": header + b"\n" + body.replace(b"{", b"{ ", 1),
        }[damage]
    )
    assert _kept_calls() == computed
    assert entry.read_bytes() == healthy


def test_an_entry_of_another_scipy_is_not_read(folder: Path, monkeypatch: pytest.MonkeyPatch):
    _kept_calls()
    [entry] = _entries(folder)
    stored = json.loads(entry.read_text().split("\n", 1)[1])
    _forge(entry, {"p": {call: 0.0 for call in stored["p"]}})
    real = cache.installed

    def another_scipy(module_file: str | None, distribution: str) -> list[object]:
        found = real(module_file, distribution)
        return [*found, "another release"] if distribution == "scipy" else found

    monkeypatch.setattr(cache, "installed", another_scipy)
    assert 0.0 not in _kept_calls()
    assert len(_entries(folder)) == 2


def test_a_call_that_errs_is_not_kept(folder: Path):
    with pvalues.kept_p_values(), pytest.raises(ValueError):
        statistics._errors_above_rate(5, 4, 0.1)
    assert not _entries(folder)


#: Runs `phasegate diff` in this process, as LOADED runs `test`.
DIFF_LOADED = """
import sys
from phasegate.cli import main
try:
    main(["diff", "--base", sys.argv[1], "--corpus", "fixtures/facts", "--format", "json"])
except SystemExit:
    pass
print("loaded:", "scipy" in sys.modules, file=sys.stderr)
"""


def test_diff_keeps_the_p_values_of_its_corpus_and_decides_alike(tmp_path: Path):
    """`diff` decides every corpus document with both sets, some calling the stats functions:
    a second run over the same corpus loads no scipy and prints the same bytes."""
    base = tmp_path / "base"
    base.mkdir()
    for policy in (ROOT / "policies").glob("*.yaml"):
        text = policy.read_text(encoding="utf-8")
        (base / policy.name).write_text(text.replace("significance: 0.01", "significance: 0.05"))
    assert (base / "significance.yaml").read_text() != (
        ROOT / "policies" / "significance.yaml"
    ).read_text()
    env = _env(tmp_path / "cache")
    cold, cold_loaded = _loaded(env, DIFF_LOADED, str(base))
    warm, warm_loaded = _loaded(env, DIFF_LOADED, str(base))
    without = run_cli(
        "diff",
        "--base",
        str(base),
        "--corpus",
        "fixtures/facts",
        "--format",
        "json",
        "--no-cache",
        env=env,
    )
    assert (cold_loaded, warm_loaded) == ("loaded: True", "loaded: False")
    assert warm == cold == without.stdout and json.loads(warm)["rules"]["changed"]
