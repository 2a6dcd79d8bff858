"""The decision path imports only what it uses (issue 19): every library a CI step loads is
start-up time it pays on every run. Each command runs in a fresh interpreter and reports
what it imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

#: What `evaluate` of a JSON facts file imports with a warm policy cache, besides the
#: standard library: the engine and click (RE2 only with a rule that matches a pattern), and
#: these modules of phasegate.
EVALUATE_MODULES = {
    "phasegate",
    "phasegate.cel",
    "phasegate.cel.checked",
    "phasegate.cel.environment",
    "phasegate.cel.expression",
    "phasegate.cel.functions",
    "phasegate.cel.errors",
    "phasegate.cel.model",
    "phasegate.cel.statistics",
    "phasegate.cel.runtime",
    "phasegate.cel.values",
    "phasegate.cli",
    "phasegate.cli.evaluate",
    "phasegate.cli.options",
    "phasegate.core",
    "phasegate.core.evaluate",
    "phasegate.core.expressions",
    "phasegate.core.facts",
    "phasegate.core.messages",
    "phasegate.core.policy",
    "phasegate.core.policycache",
    "phasegate.core.programs",
    "phasegate.core.verdict",
    "phasegate.errors",
    "phasegate.files",
    "phasegate.files.cache",
    "phasegate.files.digest",
    "phasegate.files.document",
    "phasegate.files.jsondocs",
    "phasegate.files.loading",
    "phasegate.files.reading",
    "phasegate.files.schemas",
    "phasegate.files.validators",
    "phasegate.files.validators._facts",
    "phasegate.report",
    "phasegate.report.text",
}
EVALUATE_LIBRARIES = {"cel_expr_python", "click"}
#: Standard modules a warm evaluate does without: hashlib loads OpenSSL and blake2 (CPython's
#: own SHA-256 serves), the others only other commands or a cold cache need.
EVALUATE_SKIPS = ("hashlib", "base64", "importlib.util", "ruamel.yaml", "phasegate.cel.syntax")
#: Never on the way to a decision: jsonschema words refusals only; ruamel reads YAML only;
#: fastjsonschema compiles (the validators are generated); the reviewer tools' parser.
NEVER = ("jsonschema", "referencing", "fastjsonschema", "lark", "celpy")
#: The Prometheus client and what it brings: only for a configuration with a Prometheus
#: source (tests/test_cohort_recipe.py runs `phasegate run` with one, in a subprocess).
HTTP_CLIENT = ("phasegate.collect.prometheus", "http.client", "ssl", "urllib.request")

_REPORT = """
import json, sys
from phasegate.cli import main
try:
    main(sys.argv[1:])
except SystemExit as done:
    code = done.code
print("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _imports(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> tuple[int, set]:
    done = subprocess.run(
        [sys.executable, "-c", _REPORT, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


def _libraries(modules: set[str]) -> set[str]:
    top = {name.split(".")[0] for name in modules}
    # site's own hooks (a sitecustomize some Pythons install, pip's distutils shim) load in
    # every process, before phasegate: not what evaluate imports
    site_hooks = {"sitecustomize", "usercustomize", "_distutils_hack"}
    return top - set(sys.stdlib_module_names) - {"phasegate", "__main__"} - site_hooks


@pytest.fixture
def warm(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "PHASEGATE_CACHE_DIR": str(tmp_path / "cache")}
    facts = tmp_path / "facts.json"
    return {**env, "FACTS": str(facts)}


def _json_facts(tmp_path: Path) -> Path:
    from phasegate.files.loading import load_document

    path = tmp_path / "phase2-healthy.json"
    path.write_text(json.dumps(load_document(FIXTURES / "phase2-healthy.yaml").data))
    return path


def test_evaluate_of_json_facts_with_a_warm_cache_imports_exactly_this(tmp_path: Path):
    env = {**os.environ, "PHASEGATE_CACHE_DIR": str(tmp_path / "cache")}
    facts = str(_json_facts(tmp_path))
    cold_code, cold = _imports("evaluate", facts, env=env)
    code, modules = _imports("evaluate", facts, env=env)
    assert cold_code == code == 0
    assert "ruamel.yaml" in cold  # the policy files were parsed once
    assert {name for name in modules if name.startswith("phasegate")} == EVALUATE_MODULES
    assert _libraries(modules) == EVALUATE_LIBRARIES
    assert [name for name in EVALUATE_SKIPS if name in modules] == []


def test_evaluate_of_yaml_facts_loads_no_schema_library_and_warm_no_yaml_parser(
    tmp_path: Path,
):
    env = {**os.environ, "PHASEGATE_CACHE_DIR": str(tmp_path / "cache")}
    for warm in (False, True):
        code, modules = _imports("evaluate", str(FIXTURES / "phase2-healthy.yaml"), env=env)
        assert code == 0
        assert not [name for name in modules if name.split(".")[0] in NEVER]
        assert ("ruamel.yaml" in modules) is not warm


def test_bad_facts_still_get_jsonschema_s_located_words(tmp_path: Path):
    facts = tmp_path / "bad.json"
    data = json.loads(_json_facts(tmp_path).read_text())
    data["phase"] = "one"
    facts.write_text(json.dumps(data))
    code, modules = _imports("evaluate", str(facts))
    assert code == 3
    assert "jsonschema" in modules


def test_replay_collect_and_run_load_no_schema_library_nor_an_unasked_http_client(
    tmp_path: Path,
):
    env = {**os.environ, "PHASEGATE_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    recording = ROOT / "fixtures" / "recordings" / "phase1-error-rate-degrades.jsonl"
    code, modules = _imports("replay", str(recording), env=env)
    assert code in (0, 10, 20)
    assert not [name for name in modules if name.split(".")[0] in NEVER]
    (tmp_path / "phasegate.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Config\nsources:\n  - name: local\n"
        "    command: [echo, '{\"rate\": 0.01}']\n    facts: {metrics.error_rate: output.rate}\n"
    )
    sets = ["--set", "change.commit=9f2c4e1", "--set", "change.tag=v1"]
    sets += ["--set", "change.last_known_good=v0", "--phase", "1"]
    for command in (["collect"], ["run", "--policies", str(ROOT / "policies")]):
        code, modules = _imports(*command, *sets, cwd=tmp_path, env=env)
        assert code in (0, 10, 20), command
        assert not [name for name in modules if name.split(".")[0] in NEVER], command
        assert [name for name in HTTP_CLIENT if name in modules] == [], command
