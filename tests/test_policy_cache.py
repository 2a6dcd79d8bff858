"""The compiled policy cache: same decisions, byte for byte, cold or warm; anything but an
entry phasegate wrote for exactly these files and versions is ignored and rebuilt."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import phasegate
from conftest import FIXTURES, POLICIES, ROOT, run_cli
from phasegate.cel import model
from phasegate.core import policycache
from phasegate.core.evaluate import evaluate
from phasegate.core.facts import load_facts
from phasegate.core.policy import load_policy_set
from phasegate.errors import InputError
from phasegate.files import cache
from phasegate.files.loading import parse_yaml
from phasegate.files.yamldocs import parse_yaml as parse_afresh
from phasegate.report import FORMATS

FACTS = sorted(FIXTURES.glob("*.yaml"))


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{policycache.KIND}-*.json")) if folder.is_dir() else []


def _decisions(policy_set: object) -> list[str]:
    return [FORMATS["json"](evaluate(load_facts(path), policy_set), False) for path in FACTS]


def _rule_view(policy_set: policycache.policy.PolicySet) -> list[tuple[object, ...]]:
    """Every field of every rule, the `when` locator by what it answers."""
    view = []
    for rule in policy_set.rules:
        fields = {k: v for k, v in rule._asdict().items() if k not in ("locate_when", "when")}
        view.append(
            (
                sorted(fields.items(), key=lambda item: item[0]),
                rule.when.text,
                rule.when.reads,
                rule.locate_when(1, 1),
                rule.locate_when(1, 7),
                rule.locate_when(2, 3),
            )
        )
    return view


def test_a_warm_set_is_the_cold_set_and_decides_byte_for_byte_alike(tmp_path: Path):
    fresh = load_policy_set(POLICIES, "policies")
    cold = policycache.load_policy_set(POLICIES, "policies", tmp_path)
    [entry] = _entries(tmp_path)
    warm = policycache.load_policy_set(POLICIES, "policies", tmp_path)
    assert _entries(tmp_path) == [entry]
    assert fresh.digest == cold.digest == warm.digest
    in_order = [json.dumps([p.params, p.params_plain]) for p in fresh.policies]
    assert in_order == [json.dumps([p.params, p.params_plain]) for p in warm.policies]
    assert _rule_view(fresh) == _rule_view(cold) == _rule_view(warm)
    assert [p.params_plain for p in fresh.policies] == [p.params_plain for p in warm.policies]
    assert _decisions(fresh) == _decisions(warm)


def test_a_warm_load_decodes_no_checked_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Each expression's model is kept beside its program: reviving decodes no tree (the
    Python reader of the engine's bytes was most of a warm load), and a report that needs
    one (a located error) still gets it."""
    from phasegate.cel import checked

    cold = policycache.load_policy_set(POLICIES, "policies", tmp_path)
    decoded = []
    real = checked.decode
    monkeypatch.setattr(checked, "decode", lambda data: decoded.append(data) or real(data))
    warm = policycache.load_policy_set(POLICIES, "policies", tmp_path)
    assert decoded == []
    assert [rule.when.model for rule in warm.rules] == [rule.when.model for rule in cold.rules]
    tree = warm.rules[0].when.tree
    assert decoded == [warm.rules[0].when.serialized]
    assert model.shape(tree.root) == model.shape(cold.rules[0].when.checked.root)


def test_evaluate_prints_the_same_bytes_cold_warm_and_without_the_cache(tmp_path: Path):
    env = {**os.environ, "PHASEGATE_CACHE_DIR": str(tmp_path / "cache")}
    facts = str(FIXTURES / "phase1-health.error-rate-elevated.yaml")
    runs = [
        run_cli("evaluate", facts, "--format", "json", env=env),
        run_cli("evaluate", facts, "--format", "json", env=env),
        run_cli("evaluate", facts, "--format", "json", "--no-cache", env=env),
    ]
    assert '"verdict": "pause"' in runs[0].stdout, runs[0].stderr
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout
    assert {(run.returncode, run.stderr) for run in runs} == {(10, "")}
    assert len(_entries(tmp_path / "cache")) == 1


def test_no_cache_neither_reads_nor_writes(tmp_path: Path):
    env = {**os.environ, "PHASEGATE_CACHE_DIR": str(tmp_path / "cache")}
    done = run_cli("evaluate", str(FIXTURES / "phase0-healthy.yaml"), "--no-cache", env=env)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "cache").exists()
    env["PHASEGATE_NO_CACHE"] = "1"
    assert run_cli("lint", env=env).returncode == 0
    assert not (tmp_path / "cache").exists()


def test_a_yaml_document_reads_the_same_cold_and_warm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = tmp_path / "cache"
    env = {**os.environ, "PHASEGATE_CACHE_DIR": str(folder)}
    facts = str(FIXTURES / "phase2-health.incident-open.yaml")
    runs = [run_cli("evaluate", facts, "--format", "json", env=env) for _ in range(2)]
    assert runs[0].stdout == runs[1].stdout
    assert runs[0].returncode == runs[1].returncode == 20
    policy_files = len(list(POLICIES.glob("*.yaml")))
    assert len(list(folder.glob("yaml-*.json"))) == 1 + policy_files  # the facts and each policy
    text = (FIXTURES / "phase2-health.incident-open.yaml").read_text()
    fresh = parse_afresh(text, "f.yaml")
    monkeypatch.setenv("PHASEGATE_CACHE_DIR", str(folder))
    for _ in range(2):
        cached = parse_yaml(text, "f.yaml")
        assert cached == fresh
        assert cached.positions == fresh.positions
        assert json.dumps(cached.data) == json.dumps(fresh.data)  # key order too


def test_a_damaged_yaml_entry_is_parsed_again_and_bad_yaml_is_never_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PHASEGATE_CACHE_DIR", str(tmp_path))
    text = "a: [1, 2]\nb: |\n  x\n"
    fresh = parse_afresh(text, "f.yaml")
    parse_yaml(text, "f.yaml")
    [entry] = tmp_path.glob("yaml-*.json")
    key = entry.read_bytes().split(b" ")[1]
    good = json.loads(entry.read_bytes().partition(b"\n")[2])
    not_finite = json.dumps({**good, "data": {"a": [float("nan"), 2], "b": "x\n"}}).encode()
    for reshaped in (b'{"data": 1}', not_finite, b"[" * 100_000 + b"]" * 100_000):
        entry.write_bytes(_with_digest(key, reshaped))
        assert parse_yaml(text, "f.yaml") == fresh
        assert cache.read_entry(tmp_path, "yaml", key.decode())["data"] == fresh.data
    with pytest.raises(InputError, match="duplicate key"):
        parse_yaml("a: 1\na: 2\n", "g.yaml")
    assert len(list(tmp_path.glob("yaml-*.json"))) == 1


def test_no_cache_lasts_one_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from phasegate.cli import main

    monkeypatch.setenv("PHASEGATE_CACHE_DIR", str(tmp_path))
    facts = str(FIXTURES / "phase0-healthy.yaml")
    with pytest.raises(SystemExit):
        main(["evaluate", facts, "--no-cache"])
    assert _entries(tmp_path) == []
    assert cache.cache_dir() == tmp_path
    with pytest.raises(SystemExit):
        main(["evaluate", facts])
    assert len(_entries(tmp_path)) == 1


def test_the_cache_folder_follows_the_environment(tmp_path: Path):
    assert cache.cache_dir({"PHASEGATE_CACHE_DIR": "/x", "XDG_CACHE_HOME": "/y"}) == Path("/x")
    assert cache.cache_dir({"XDG_CACHE_HOME": "/y", "HOME": "/h"}) == Path("/y/phasegate")
    assert cache.cache_dir({"XDG_CACHE_HOME": "rel", "HOME": "/h"}) == Path("/h/.cache/phasegate")
    assert cache.cache_dir({"HOME": "/h"}) == Path("/h/.cache/phasegate")
    assert cache.cache_dir({}) is None
    assert cache.cache_dir({"PHASEGATE_CACHE_DIR": "/x", "PHASEGATE_NO_CACHE": "1"}) is None
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    env.pop("PHASEGATE_CACHE_DIR")
    assert run_cli("evaluate", str(FIXTURES / "phase0-healthy.yaml"), env=env).returncode == 0
    assert len(_entries(tmp_path / "xdg" / "phasegate")) == 1


def _with_digest(key: bytes, body: bytes) -> bytes:
    """An entry whose header matches `body`: damage only a forger could make."""
    return b" ".join([cache.FORMAT.encode(), key, hashlib.sha256(body).hexdigest().encode()]) + (
        b"\n" + body
    )


def _damaged(entry: Path) -> dict[str, bytes]:
    raw = entry.read_bytes()
    header, _, body = raw.partition(b"\n")
    key = header.split()[1]
    data = json.loads(body)
    data["expressions"][0][2] = "bm90IGEgcHJvZ3JhbQ=="  # base64 of "not a program"
    forged = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    bad_model = json.loads(body)
    bad_model["expressions"][0][3]["reads"] = [["facts.a", 1]]
    mistyped = json.loads(body)
    mistyped["expressions"][0][3]["names"] = "facts"  # a string: read as letters, no facts
    retyped_data = json.loads(body)
    retyped_data["documents"][0]["data"] = "a string where a policy's map was"
    data["documents"][0].pop("values")
    return {
        "truncated": raw[: len(raw) // 2],
        "corrupt": raw[:-10] + b"0123456789",
        "empty": b"",
        "garbage": os.urandom(4096),
        "another format": raw.replace(cache.FORMAT.encode(), b"phasegate-cache/0", 1),
        "another key": raw.replace(key, b"0" * 64, 1),
        "not ours": b'{"some": "other tool\'s json"}\n',
        "a bad program with a good digest": _with_digest(key, forged),
        "a wrong shape with a good digest": _with_digest(key, json.dumps(data).encode()),
        "a bad model with a good digest": _with_digest(key, json.dumps(bad_model).encode()),
        "a mistyped model with a good digest": _with_digest(key, json.dumps(mistyped).encode()),
        "a policy of another type with a good digest": _with_digest(
            key, json.dumps(retyped_data).encode()
        ),
        "JSON nested 100,000 deep with a good digest": _with_digest(
            key, b"[" * 100_000 + b"]" * 100_000
        ),
    }


@pytest.mark.parametrize(
    "damage",
    [
        "truncated",
        "corrupt",
        "empty",
        "garbage",
        "another format",
        "another key",
        "not ours",
        "a bad program with a good digest",
        "a wrong shape with a good digest",
        "a bad model with a good digest",
        "a mistyped model with a good digest",
        "a policy of another type with a good digest",
        "JSON nested 100,000 deep with a good digest",
    ],
)
def test_a_damaged_entry_is_ignored_and_rebuilt(tmp_path: Path, damage: str):
    good = policycache.load_policy_set(POLICIES, "policies", tmp_path)
    [entry] = _entries(tmp_path)
    healthy = entry.read_bytes()
    damaged = _damaged(entry)[damage]
    entry.write_bytes(damaged)
    again = policycache.load_policy_set(POLICIES, "policies", tmp_path)
    assert _rule_view(again) == _rule_view(good)
    assert again.digest == good.digest
    assert _decisions(again) == _decisions(good)
    rebuilt = entry.read_bytes()  # the engine's bytes vary from one compile to the next
    assert rebuilt != damaged  # written again, not believed
    assert rebuilt.split(b" ")[:2] == healthy.split(b" ")[:2]
    assert cache.read_entry(tmp_path, policycache.KIND, entry.stem.split("-", 1)[1])
    policycache.load_policy_set(POLICIES, "policies", tmp_path)
    assert entry.read_bytes() == rebuilt  # and now used, not written again


def _expressions(policy_set: policycache.policy.PolicySet) -> list[object]:
    """Every expression of a set: conditions, then message placeholders."""
    return [rule.when for rule in policy_set.rules] + [
        part
        for rule in policy_set.rules
        for part in (rule.message.parts if rule.message else ())
        if not isinstance(part, str)
    ]


def test_a_warm_load_revives_only_what_a_decision_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A warm load reads each condition's model, and the engine makes a program when it
    first runs; a message's placeholders are revived when it is first rendered. A decision
    runs the rules of its phase and renders the messages of the rules that fire, not the
    other 70-odd expressions."""
    policycache.load_policy_set(POLICIES, "policies", tmp_path)
    models = []
    real = model.from_plain
    monkeypatch.setattr(model, "from_plain", lambda data: models.append(data) or real(data))
    warm = policycache.load_policy_set(POLICIES, "policies", tmp_path)
    assert len(models) == len(warm.rules)  # the conditions' only
    conditions = [rule.when for rule in warm.rules]
    assert [e for e in conditions if "program" in vars(e)] == []
    decision = evaluate(load_facts(FIXTURES / "phase1-health.error-rate-elevated.yaml"), warm)
    ran = {result.id for result in decision.results if result.status != "skipped"}
    fired = {result.id for result in decision.results if result.status == "fired"}
    assert fired and ran != {rule.id for rule in warm.rules}
    rendered = [rule.message for rule in warm.rules if rule.id in fired and rule.message]
    placeholders = [
        part for message in rendered for part in message.parts if not isinstance(part, str)
    ]
    assert len(models) == len(warm.rules) + len(placeholders)
    assert {e.text for e in conditions if "program" in vars(e)} == {
        rule.when.text for rule in warm.rules if rule.id in ran
    }
    assert all("program" in vars(part) for part in placeholders)


def _damage_entry(folder: Path, text: str, damage: str) -> bytes:
    """The entry with `text`'s stored program damaged, its digest made whole again."""
    [entry] = _entries(folder)
    header, _, body = entry.read_bytes().partition(b"\n")
    data = json.loads(body)
    [stored] = [stored for stored in data["expressions"] if stored[1] == text]
    if damage == "refused by the engine":
        stored[2] = base64.b64encode(b"not a program").decode()
    elif damage == "a model of another shape":
        stored[3]["reads"] = [["facts.a", 1]]
    else:  # missing
        data["expressions"].remove(stored)
    damaged = _with_digest(header.split()[1], json.dumps(data).encode())
    entry.write_bytes(damaged)
    return damaged


@pytest.mark.parametrize("damage", ["refused by the engine", "a model of another shape", "missing"])
@pytest.mark.parametrize("which", ["condition", "message placeholder"])
def test_a_program_that_cannot_be_revived_is_compiled_afresh_and_the_entry_rebuilt(
    tmp_path: Path, which: str, damage: str
):
    """Reviving is lazy, so damage the cache's digest cannot see (bytes the engine refuses,
    a model of another shape, a text the entry lacks) may be found only when the program
    runs or its message is rendered: the text is compiled afresh (never believed) and the
    entry rebuilt, and the decision is byte for byte the one without the cache."""
    facts = load_facts(FIXTURES / "phase0-checklist.checks-passed.yaml")
    fresh = load_policy_set(POLICIES, "policies")
    expected = FORMATS["json"](evaluate(facts, fresh), False)
    assert '"message": "checklist failed: ci"' in expected
    rule = next(rule for rule in fresh.rules if rule.id == "checklist.checks-passed")
    [placeholder] = [part for part in rule.message.parts if not isinstance(part, str)]
    damaged_text = rule.when.text if which == "condition" else placeholder.text
    policycache.load_policy_set(POLICIES, "policies", tmp_path)
    [entry] = _entries(tmp_path)
    damaged = _damage_entry(tmp_path, damaged_text, damage)
    warm = policycache.load_policy_set(POLICIES, "policies", tmp_path)
    if which == "message placeholder" or damage == "refused by the engine":
        assert entry.read_bytes() == damaged  # not revived yet: nothing found
    assert FORMATS["json"](evaluate(facts, warm), False) == expected
    # and what reads its tree (a located error) reads the fresh compile's, not the bytes
    [found] = [e for e in _expressions(warm) if e.text == damaged_text]
    assert found.structure == (rule.when if which == "condition" else placeholder).structure
    rebuilt = entry.read_bytes()
    assert rebuilt != damaged
    [again] = [
        s for s in json.loads(rebuilt.partition(b"\n")[2])["expressions"] if s[1] == damaged_text
    ]
    assert base64.b64decode(again[2]) != b"not a program"
    assert model.from_plain(again[3]) == found.model
    assert cache.read_entry(tmp_path, policycache.KIND, entry.stem.split("-", 1)[1])


def test_a_fifo_where_an_entry_should_be_is_passed_over_not_waited_on(tmp_path: Path):
    """A hunt found every command hanging on a FIFO named as an entry: opening one for
    reading waits for a writer."""
    folder = tmp_path / "cache"
    policycache.load_policy_set(POLICIES, "policies", folder)
    [entry] = _entries(folder)
    key = entry.stem.split("-", 1)[1]
    entry.unlink()
    os.mkfifo(entry, 0o600)
    found: list[object] = []
    reader = threading.Thread(
        target=lambda: found.append(cache.read_entry(folder, policycache.KIND, key)), daemon=True
    )
    reader.start()
    reader.join(timeout=30)  # a bound on a hang, not a timing: it returns at once or never
    if reader.is_alive():
        os.close(os.open(entry, os.O_WRONLY | os.O_NONBLOCK))  # let the blocked open go
        reader.join()
        pytest.fail("read_entry waited for a writer to the FIFO")
    assert found == [None]
    again = policycache.load_policy_set(POLICIES, "policies", folder)
    assert again.digest == load_policy_set(POLICIES, "policies").digest


def test_a_symlinked_entry_is_not_followed(tmp_path: Path):
    folder = tmp_path / "cache"
    policycache.load_policy_set(POLICIES, "policies", folder)
    [entry] = _entries(folder)
    real = tmp_path / "elsewhere.json"
    shutil.move(entry, real)
    entry.symlink_to(real)
    assert cache.read_entry(folder, policycache.KIND, entry.stem.split("-", 1)[1]) is None
    policycache.load_policy_set(POLICIES, "policies", folder)
    assert not entry.is_symlink()


def test_what_invalidates_an_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "cache"
    policies = tmp_path / "policies"
    shutil.copytree(POLICIES, policies, ignore=shutil.ignore_patterns("tests"))
    first = policycache.load_policy_set(policies, "p", folder)
    assert len(_entries(folder)) == 1
    policycache.load_policy_set(policies, "shown elsewhere", folder)
    assert len(_entries(folder)) == 2
    monkeypatch.setattr(phasegate, "__version__", "0.0.0-other")
    policycache.load_policy_set(policies, "p", folder)
    assert len(_entries(folder)) == 3
    monkeypatch.undo()
    health = policies / "health.yaml"
    health.write_text(health.read_text().replace("elevated", "raised"))
    edited = policycache.load_policy_set(policies, "p", folder)
    assert len(_entries(folder)) == 4
    assert edited.digest != first.digest
    assert edited.digest == load_policy_set(policies, "p").digest


def test_a_broken_set_is_never_stored_and_errs_as_without_a_cache(tmp_path: Path):
    folder = tmp_path / "cache"
    policies = tmp_path / "policies"
    shutil.copytree(POLICIES, policies, ignore=shutil.ignore_patterns("tests"))
    health = policies / "health.yaml"
    health.write_text(health.read_text().replace("facts.metrics", "facts.metricz", 1))
    with pytest.raises(InputError) as plain:
        load_policy_set(policies, "p")
    for _ in range(2):
        with pytest.raises(InputError) as cached:
            policycache.load_policy_set(policies, "p", folder)
        assert cached.value.lines() == plain.value.lines()
    assert _entries(folder) == []


def test_an_unwritable_cache_folder_only_costs_time(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    loaded = policycache.load_policy_set(POLICIES, "policies", blocker / "cache")
    assert loaded.digest == load_policy_set(POLICIES, "policies").digest


def test_the_entry_is_json_with_base64_programs(tmp_path: Path):
    loaded = policycache.load_policy_set(POLICIES, "policies", tmp_path)
    [entry] = _entries(tmp_path)
    header, _, body = entry.read_bytes().partition(b"\n")
    assert header.startswith(cache.FORMAT.encode() + b" ")
    data = json.loads(body)
    assert [doc["name"] for doc in data["documents"]] == sorted(
        path.name for path in POLICIES.glob("*.yaml")
    )
    texts = {rule.when.text for rule in loaded.rules} | {
        part.text
        for rule in loaded.rules
        for part in (rule.message.parts if rule.message else ())
        if not isinstance(part, str)
    }
    assert sorted(text for _, text, _, _ in data["expressions"]) == sorted(texts)
    assert all(base64.b64decode(blob, validate=True) for _, _, blob, _ in data["expressions"])
    # beside each program its model, as the compile found it: a warm load decodes no tree
    by_text = {rule.when.text: rule.when for rule in loaded.rules}
    for _, text, _, found in data["expressions"]:
        if text in by_text:
            assert model.from_plain(found) == by_text[text].model
    for module in (policycache, cache):
        source = Path(module.__file__).read_text()
        assert "import pickle" not in source and "import marshal" not in source


_RACE = """
import sys
from pathlib import Path
from phasegate.cel import model
from phasegate.core import policycache
loaded = policycache.load_policy_set(Path(sys.argv[1]), "policies", Path(sys.argv[2]))
print(loaded.digest, len(loaded.rules))
"""


def test_two_processes_filling_one_cache_at_once(tmp_path: Path):
    expected = load_policy_set(POLICIES, "policies")
    for round_ in range(3):
        folder = tmp_path / f"cache{round_}"
        children = [
            subprocess.Popen(
                [sys.executable, "-c", _RACE, str(POLICIES), str(folder)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            for _ in range(2)
        ]
        outputs = [child.communicate(timeout=60) for child in children]
        assert [child.returncode for child in children] == [0, 0], outputs
        assert {out for out, _ in outputs} == {f"{expected.digest} {len(expected.rules)}\n"}
        [entry] = _entries(folder)
        assert not [p for p in folder.iterdir() if p != entry]  # no temporary file left
        key = entry.stem.split("-", 1)[1]
        assert cache.read_entry(folder, policycache.KIND, key) is not None


def test_writing_keeps_at_most_the_newest_entries(tmp_path: Path):
    for index in range(cache.MAX_ENTRIES + 5):
        stale = cache.entry_path(tmp_path, policycache.KIND, f"{index:064x}")
        stale.write_text("old")
        os.utime(stale, ns=(index * 10**9, index * 10**9))
    (tmp_path / "someone-elses.json").write_text("{}")
    policycache.load_policy_set(POLICIES, "policies", tmp_path)
    kept = _entries(tmp_path)
    assert len(kept) == cache.MAX_ENTRIES
    assert cache.entry_path(tmp_path, policycache.KIND, f"{0:064x}") not in kept
    assert (tmp_path / "someone-elses.json").exists()
    assert policycache.load_policy_set(POLICIES, "policies", tmp_path).rules


def test_an_entry_others_could_have_written_is_never_read(tmp_path: Path):
    """An entry is trusted as the compiled form of its policy text: one that another user
    could have written (a shared cache folder) could make a trigger a shadow rule."""
    folder = tmp_path / "cache"
    policycache.load_policy_set(POLICIES, "policies", folder)
    [entry] = _entries(folder)
    key = entry.stem.split("-", 1)[1]
    assert cache.read_entry(folder, policycache.KIND, key) is not None
    entry.chmod(0o666)
    assert cache.read_entry(folder, policycache.KIND, key) is None
    entry.chmod(0o600)
    folder.chmod(0o777)
    assert cache.read_entry(folder, policycache.KIND, key) is None
    folder.chmod(0o700)
    assert cache.read_entry(folder, policycache.KIND, key) is not None
