"""Control characters in tool output never reach facts, and an action argument that would
carry one is refused (exit 4) instead of crashing `run` with `embedded null byte`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile_gate import gate_fixture  # noqa: F401  (the `gate` fixture)

from phasegate.collect.process import printable, run_command


def test_printable_keeps_newlines_and_tabs_and_marks_every_other_control():
    controls = "".join(chr(code) for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)])
    cleaned = printable("a\r\nb" + controls + "é€")
    assert cleaned.startswith("a\nb") and cleaned.endswith("é€")
    assert set(cleaned[3:-2]) == {"\ufffd", "\n", "\t"}
    assert cleaned.count("\n") == 2 and cleaned.count("\t") == 1


def test_command_output_is_decoded_without_control_characters():
    result = run_command(
        ["printf", "zjj 0.4.4\\000evil\\033[31m\\n"], timeout=60, max_output_bytes=1000
    )
    assert result.stdout == "zjj 0.4.4\ufffdevil\ufffd[31m\n"


def zjj_standin(gate) -> None:
    """A `zjj --version` printing a NUL, and a rollback action that passes the version on."""
    standin = gate.path / "zjj"
    standin.write_text("#!/bin/sh\nprintf 'zjj 0.4.4\\000evil\\n'\n")
    standin.chmod(0o755)
    gate.configure(f"""\
    sources:
      - name: zjj-version
        command: [{standin}, --version]
        parse: text
        facts:
          deployed_version: stdout.capture('[0-9]+[.][0-9]+[.][0-9]+[^ \\t\\r\\n]*')
    actions:
      rollback:
        - name: announce
          command: [echo, "{{{{ facts.deployed_version }}}}"]
    """)


def test_a_nul_in_a_tools_output_does_not_crash_run(gate, monkeypatch, capsys):
    zjj_standin(gate)
    code = gate.cli(*gate.run_args("rollback", 2), monkeypatch=monkeypatch)
    out, err = capsys.readouterr()
    assert code == 20, err
    assert out.startswith("ROLLBACK")
    assert "internal error" not in err
    decision = json.loads(gate.log.read_text().splitlines()[0])
    assert decision["facts"]["deployed_version"] == "0.4.4\ufffdevil"


def _run_tag_action(gate, monkeypatch, capsys, tag: str) -> tuple[int, str, Path]:
    """A rollback whose action puts the param `tag` (YAML double-quoted text) in an argv."""
    marker = gate.path / "ran"
    gate.configure(f"""\
    params:
      tag: "{tag}"
    actions:
      rollback:
        - name: tag
          command: [touch, {marker}, "{{{{ params.tag }}}}"]
    """)
    exit_code = gate.cli(*gate.run_args("rollback", 2), monkeypatch=monkeypatch)
    return exit_code, capsys.readouterr().err, marker


def test_a_nul_in_a_config_param_is_refused_where_it_is_read(gate, monkeypatch, capsys):
    # The CEL engine ends strings at NUL, so "v1\0x" would reach the command as "v1": the
    # config is refused at its line:col instead (exit 3), before anything runs.
    exit_code, err, marker = _run_tag_action(gate, monkeypatch, capsys, "v1\\0x")
    assert exit_code == 3, err
    assert "phasegate.yaml:5:8: error: text contains NUL (U+0000)" in err
    assert not marker.exists()


@pytest.mark.parametrize(("escape", "code"), [("\\e", "U+001B"), ("\\x07", "U+0007")])
def test_an_action_argument_with_a_control_character_is_refused(
    gate, monkeypatch, capsys, escape, code
):
    exit_code, err, marker = _run_tag_action(gate, monkeypatch, capsys, f"v1{escape}x")
    assert exit_code == 4, err
    assert f"FAILED: tag: argument 3 refused: it would contain the control character {code}" in (
        err
    )
    assert not marker.exists()
