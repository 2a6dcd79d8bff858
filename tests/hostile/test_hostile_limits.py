"""Input limits refused with one located line (file:line:col), exit 3, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import call_cli, healthy
from phasegate.core.recording import read_recording
from phasegate.errors import InputError
from phasegate.files.loading import load_document

DEEP = "[" * 70 + "]" * 70


@pytest.mark.parametrize(
    ("text", "where", "why"),
    [
        ('{"a": 1,\n "b": 1e309}', "2:7", "NaN and infinite numbers are not allowed"),
        ('{"a": -1e400}', "1:7", "NaN and infinite numbers are not allowed"),
        ('{"a":\n  [1, 9223372036854775808]}', "2:7", "integer out of the 64-bit range"),
        ("[1,\n " + "9" * 5000 + "]", "2:2", "integer out of the 64-bit range"),
        ('{"a": [\n  "ok", "\\ud800"]}', "2:9", "lone surrogate"),
        ('{"\\udfff": 1}', "1:2", "mapping key: text is not valid Unicode"),
        ("\n" + DEEP, "2:66", "nested deeper than 64"),
        ("[" * 5000 + "]" * 5000, "1:66", "nested deeper than 64"),
        ('{"a": 1,\n "a": 2}', "2:2", "duplicate key 'a'"),
        ('{"a": [NaN]}', "1:8", "NaN is not allowed"),
        # The CEL engine ends a string at NUL: refused where it enters, never truncated.
        ('{"tag":\n  "v1\\u0000x"}', "2:3", "text contains NUL (U+0000)"),
        ('{"v1\\u0000x": 1}', "1:2", "text contains NUL (U+0000)"),
    ],
)
def test_json_limits_are_located_at_the_token(tmp_path: Path, text, where, why):
    path = tmp_path / "facts.json"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_document(path)
    assert why in caught.value.message
    assert [str(caught.value.location)] == [f"{path}:{where}"]


@pytest.mark.parametrize(
    ("text", "where"),
    [('a: 1\nb: "x\0y"\n', "2:6"), ("a: 1\n# note \x00\n", "2:8"), ("\x01", "1:1")],
)
def test_yaml_forbidden_characters_are_located(tmp_path: Path, text, where):
    path = tmp_path / "facts.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_document(path)
    assert str(caught.value.location) == f"{path}:{where}"
    assert "is not allowed" in caught.value.message


def test_recording_lines_are_skipped_at_the_offending_column(tmp_path: Path):
    good = json.dumps(healthy())
    bad_number = good.replace('"phase": 1', '"phase": 1e309')
    deep = json.dumps(healthy(extra={"x": json.loads(DEEP)}))
    path = tmp_path / "rec.jsonl"
    path.write_text("\n".join([good, bad_number, deep, "{not json"]) + "\n")
    recording = read_recording(path)
    assert len(recording.snapshots) == 1
    where = dict(recording.skipped)
    assert where == {
        f"{path}:2:{bad_number.index('1e309') + 1}": "NaN and infinite numbers are not allowed",
        f"{path}:3:{deep.index('[' * 70) + 64}": "nested deeper than 64 levels",
        f"{path}:4:2": where[f"{path}:4:2"],
    }


def test_the_cli_prints_one_located_line_and_exits_3(tmp_path: Path):
    path = tmp_path / "facts.json"
    path.write_text('{"apiVersion": "phasegate/v1",\n "phase": 1e309}')
    done = call_cli("evaluate", str(path))
    assert done.returncode == 3
    assert done.stderr.splitlines() == [
        f"{path}:2:11: error: NaN and infinite numbers are not allowed"
    ]
    assert done.stdout == ""
