"""`phasegate` end to end: exit codes, formats, bad input. Each exit code and the process
boundary (stdin, a terminal, a full disk, imports) go through a real subprocess; what a
command prints is checked in process (`call_cli`)."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from conftest import FIXTURES, POLICIES, ROOT, call_cli, healthy, run_cli, write_yaml
from phasegate import __version__

HEALTHY = str(FIXTURES / "phase1-healthy.yaml")
PAUSE = str(FIXTURES / "phase1-health.error-rate-elevated.yaml")
ROLLBACK = str(FIXTURES / "phase1-trigger.lock-contention-spike.yaml")


def test_json_matches_the_decision_schema_and_is_byte_identical():
    first = run_cli("evaluate", ROLLBACK, "--format", "json")
    second = call_cli("evaluate", ROLLBACK, "--format", "json", "--policies", "./policies")
    assert first.stdout == second.stdout
    decision = json.loads(first.stdout)
    schema = json.loads((ROOT / "schemas" / "decision.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    assert list(Draft202012Validator(schema).iter_errors(decision)) == []
    assert decision["verdict"] == "rollback" and decision["health"] == "red"
    assert decision["phasegate_version"] == __version__
    fired = [rule for rule in decision["rules"] if rule["status"] == "fired"]
    assert [rule["id"] for rule in fired] == ["trigger.lock-contention-spike"]
    assert fired[0]["file"] == "policies/triggers.yaml"
    line = (ROOT / "policies" / "triggers.yaml").read_text().splitlines()[fired[0]["line"] - 1]
    assert "id: trigger.lock-contention-spike" in line


def test_json_error_rule_carries_error_and_position(facts_file):
    metrics = dict(healthy()["metrics"])
    del metrics["error_rate"]
    result = call_cli("evaluate", str(facts_file(metrics=metrics)), "--format", "json")
    assert result.returncode == 10
    errors = [rule for rule in json.loads(result.stdout)["rules"] if rule["status"] == "error"]
    assert {rule["id"] for rule in errors} == {
        "health.error-rate-regression",
        "health.error-rate-elevated",
    }
    for rule in errors:
        assert rule["error"] == "missing fact: facts.metrics.error_rate"
        source = (ROOT / "policies" / "health.yaml").read_text().splitlines()
        assert source[rule["error_line"] - 1][rule["error_col"] - 1 :].startswith(
            "facts.metrics.error_rate"
        )


def test_text_output_shows_verdict_then_reasons_with_locations():
    result = run_cli("evaluate", ROLLBACK)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ROLLBACK  phase 1  change v0.4.3  health red")
    assert any(
        "trigger.lock-contention-spike: lock contention 0.05 vs baseline 0.004" in line
        and "(policies/triggers.yaml:" in line
        for line in lines
    )
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


def _run_on_terminal(*args: str, env: dict[str, str]) -> str:
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "phasegate", *args],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env=env,
    )
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=30)
    os.close(leader)
    return output.decode()


def test_colour_only_on_a_terminal_and_never_with_no_color():
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert "\x1b[1;31mROLLBACK" in _run_on_terminal("evaluate", ROLLBACK, env=env)
    assert "\x1b[" not in _run_on_terminal("evaluate", ROLLBACK, env={**env, "NO_COLOR": "1"})


def test_comms_template():
    result = call_cli("evaluate", ROLLBACK, "--format", "comms")
    assert result.stdout.splitlines() == [
        "- `Change`: v0.4.3 (9f2c4e1)",
        "- `Phase`: 1",
        "- `Start`: 2026-11-20T08:00:00Z",
        "- `Health`: red",
        "- `Decision`: rollback",
        "- `Owner`: bob",
    ]


def test_facts_from_stdin():
    result = run_cli("evaluate", "-", stdin=Path(PAUSE).read_text())
    assert result.returncode == 10
    assert result.stdout.startswith("PAUSE")


def test_version_and_schema_commands():
    assert run_cli("--version").stdout == f"phasegate {__version__}\n"
    for name in ("facts", "policy", "decision"):
        result = (run_cli if name == "facts" else call_cli)("schema", name)  # one real
        assert result.returncode == 0
        assert json.loads(result.stdout) == json.loads(
            (ROOT / "schemas" / f"{name}.schema.json").read_text()
        )


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate"],
        ["evaluate", HEALTHY, "--format", "xml"],
        ["evaluate", HEALTHY, "--bogus"],
        ["frobnicate"],
        ["schema", "nope"],
    ],
)
def test_usage_errors_exit_2(args):
    result = (run_cli if args == ["frobnicate"] else call_cli)(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_builtin_policies_are_used_outside_a_checkout(tmp_path: Path):
    facts = write_yaml(tmp_path / "f.yaml", healthy(deployed_version="0.4.2"))
    result = call_cli("evaluate", str(facts), "--format", "json", cwd=tmp_path)
    assert result.returncode == 20, result.stderr
    rules = json.loads(result.stdout)["rules"]
    assert {rule["file"].split("/")[0] for rule in rules} == {"phasegate:policies"}


def test_local_policies_folder_wins_over_the_builtin_set(tmp_path: Path):
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "only.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Policy\nname: only\nrules:\n"
        "  - id: only.always\n    when: 'true'\n    verdict: pause\n"
    )
    facts = write_yaml(tmp_path / "f.yaml", healthy())
    result = call_cli("evaluate", str(facts), "--format", "json", cwd=tmp_path)
    assert result.returncode == 10
    assert [rule["id"] for rule in json.loads(result.stdout)["rules"]] == ["only.always"]


def _bad_policy(tmp_path: Path, text: str, name: str = "bad.yaml") -> list[str]:
    directory = tmp_path / "policies"
    if not directory.exists():
        directory.mkdir()
        for path in POLICIES.glob("*.yaml"):
            (directory / path.name).write_text(path.read_text())
    (directory / name).write_text(text)
    return ["--policies", str(directory)]


POLICY_HEAD = "apiVersion: phasegate/v1\nkind: Policy\nname: bad\nrules:\n"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}' if i > 1 else '*a'] * 10)}]\n" for i in range(1, 8)
)

BAD_INPUTS = {
    "missing file": (lambda t: [str(t / "nope.yaml")], "file not found"),
    "directory": (lambda t: [str(t)], "is a directory"),
    "not yaml or json": (lambda t: [str(_text(t, "key: [unclosed\n"))], "not valid YAML"),
    "binary": (lambda t: [str(_bytes(t, b"\x00\xff\xfe"))], "not UTF-8"),
    "duplicate keys": (lambda t: [str(_text(t, "phase: 1\nphase: 2\n"))], "duplicate key"),
    "alias bomb": (lambda t: [str(_text(t, BOMB))], "too large"),
    "wrong type": (
        lambda t: [str(_facts(t, metrics={"error_rate": "high"}))],
        "metrics.error_rate: expected number, got string",
    ),
    "phase 7": (lambda t: [str(_facts(t, phase=7))], "phase: must be one of 0, 1, 2"),
    "missing change": (lambda t: [str(_facts(t, change=None))], "change: required"),
    "yaml nan": (lambda t: [str(_text(t, "phase: .nan\n"))], "NaN"),
    "json nan": (lambda t: [str(_text(t, '{"phase": NaN}', "f.json"))], "NaN"),
    "empty": (lambda t: [str(_text(t, ""))], "found 0"),
    "cel syntax error": (
        lambda t: [
            HEALTHY,
            *_bad_policy(t, POLICY_HEAD + "  - id: bad.x\n    when: 'a >'\n    verdict: pause\n"),
        ],
        "syntax error",
    ),
    "unknown verdict": (
        lambda t: [
            HEALTHY,
            *_bad_policy(
                t, POLICY_HEAD + "  - id: bad.x\n    when: 'true'\n    verdict: explode\n"
            ),
        ],
        "verdict: must be one of",
    ),
    "duplicate rule id": (
        lambda t: [
            HEALTHY,
            *_bad_policy(
                t, POLICY_HEAD + "  - id: freeze.active\n    when: 'true'\n    verdict: pause\n"
            ),
        ],
        "duplicate rule id 'freeze.active'",
    ),
    "unknown key": (
        lambda t: [
            HEALTHY,
            *_bad_policy(
                t,
                POLICY_HEAD + "  - id: bad.x\n    when: 'true'\n"
                "    verdict: pause\n    severity: high\n",
            ),
        ],
        "unknown field",
    ),
    "empty policy folder": (lambda t: [HEALTHY, "--policies", str(t)], "no policy files"),
}


def _text(tmp_path: Path, text: str, name: str = "f.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _bytes(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "f.yaml"
    path.write_bytes(data)
    return path


def _facts(tmp_path: Path, **changes) -> Path:
    data = healthy(**changes)
    if changes.get("change", 1) is None:
        del data["change"]
    return write_yaml(tmp_path / "f.yaml", data)


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_clear_line_and_exit_3(tmp_path: Path, case):
    make_args, expected = BAD_INPUTS[case]
    run = run_cli if case == "missing file" else call_cli  # one exit 3 through a process
    result = run("evaluate", *make_args(tmp_path), "--format", "json")
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert result.stdout == ""  # no verdict at all, let alone continue
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert expected in lines[0]
    assert "Traceback" not in result.stderr
    assert len(lines[0]) < 300


def test_internal_error_is_one_line_and_exit_1(monkeypatch, capsys):
    from phasegate import cli
    from phasegate.core import evaluate

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(evaluate, "evaluate", explode)
    with pytest.raises(SystemExit) as exited:
        cli.main(["evaluate", HEALTHY])
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "phasegate: internal error: RuntimeError: boom\n"


def test_a_fact_cannot_forge_a_line_in_the_log(facts_file):
    forged = "x\nCONTINUE  phase 1  change v0.4.3  health green"
    result = call_cli("evaluate", str(facts_file(freeze={"active": True, "reason": forged})))
    assert result.returncode == 10
    assert not any(line.startswith("CONTINUE") for line in result.stdout.splitlines())
    assert "x\\nCONTINUE" in result.stdout


def test_output_that_cannot_be_written_is_an_error():
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "phasegate", "evaluate", HEALTHY],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr == "phasegate: error: cannot write output: No space left on device\n"


def imported_modules(*args: str) -> set[str]:
    """Top-level packages a real `phasegate ARGS` process imports (from -X importtime)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "phasegate", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    lines = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    assert lines, result.stderr
    return {line.rsplit("|", 1)[1].strip().split(".")[0] for line in lines[1:]}


def test_the_gate_never_loads_the_reviewer_tools_parser():
    loaded = imported_modules("evaluate", HEALTHY, "--format", "json")
    assert "cel_expr_python" in loaded  # the measurement works: the engine is there
    assert not loaded & {"celpy", "lark"}


def test_version_loads_neither_the_engine_nor_the_schemas():
    loaded = imported_modules("--version")
    assert "click" in loaded
    assert not loaded & {"cel_expr_python", "celpy", "lark", "jsonschema", "ruamel"}
