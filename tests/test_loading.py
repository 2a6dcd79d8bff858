"""YAML/JSON reading: safety limits, refusals, and positions (also inside block scalars)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli
from phasegate.errors import InputError
from phasegate.files.loading import load_document, parse_json, parse_yaml


def error_of(text: str, parser=parse_yaml, source: str = "in.yaml") -> InputError:
    with pytest.raises(InputError) as caught:
        parser(text, source)
    return caught.value


def test_duplicate_key_is_refused_at_its_line():
    error = error_of("a: 1\nb: 2\na: 3\n")
    assert "duplicate key 'a'" in error.message
    assert (error.location.line, error.location.col) == (3, 1)


def test_billion_laughs_is_refused_not_expanded():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    error = error_of("\n".join(lines) + "\n")
    assert "too large" in error.message
    assert "aliases" in error.message


def test_small_aliases_are_expanded():
    document = parse_yaml("base: &b [0, 1]\nother: *b\n", "in.yaml")
    assert document.data == {"base": [0, 1], "other": [0, 1]}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: &x [1, *x]\n", (1, 11)),
        ("a: &m {b: *m}\n", (1, 11)),
        ("a: &m\n  b: [1, {c: *m}]\n", (2, 14)),
    ],
)
def test_recursive_alias_is_refused(text: str, where: tuple[int, int]):
    error = error_of(text)
    assert "recursive YAML alias *" in error.message
    assert (error.location.line, error.location.col) == where


def test_an_alias_to_a_finished_collection_is_read_even_inside_another():
    """Only an alias to a collection still being read is recursive: one to a finished
    collection (its anchor reused by a later one: an alias means the latest) is data."""
    document = parse_yaml("a: &x [1]\nb: &y [*x, 2]\no: &y\n  i: &y [3]\n  j: *y\n", "in.yaml")
    assert document.data == {"a": [1], "b": [[1], 2], "o": {"i": [3], "j": [3]}}


def test_a_reused_anchor_prints_no_warning(tmp_path: Path):
    facts = (FIXTURES / "phase2-healthy.yaml").read_text()
    facts = facts.replace("\nchange:\n", "\nchange: &a\n").replace("\nowners:\n", "\nowners: &a\n")
    assert facts.count("&a") == 2
    (tmp_path / "facts.yaml").write_text(facts)
    done = run_cli("evaluate", str(tmp_path / "facts.yaml"), "--no-cache")
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.parametrize("text", ["a: .nan\n", "a: .inf\n", "a: -.inf\n"])
def test_nan_and_infinity_are_refused_in_yaml(text):
    error = error_of(text)
    assert "NaN and infinite" in error.message
    assert error.location.line == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": NaN}', "NaN"),
        ('{"a": Infinity}', "Infinity"),
        ('{"a": 1e999}', "infinite"),
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
    ],
)
def test_json_refusals(text, expected):
    error = error_of(text, parse_json, "in.json")
    assert expected in error.message


def test_json_syntax_error_has_line_and_column():
    error = error_of('{\n  "a": 1,\n  "b": \n}', parse_json, "in.json")
    assert error.message.startswith("not valid JSON")
    assert error.location.line == 4


def test_json_keeps_positions_for_messages():
    document = parse_json('{\n  "phase": 7\n}', "in.json")
    assert document.data == {"phase": 7}
    assert str(document.location(("phase",))) == "in.json:2:12"


def test_timestamps_stay_strings():
    document = parse_yaml("t: 2026-11-26T10:00:00Z\nd: 2026-11-26\n", "in.yaml")
    assert document.data == {"t": "2026-11-26T10:00:00Z", "d": "2026-11-26"}


def test_non_string_keys_are_refused():
    assert "must be a string" in error_of("1: x\n").message


def test_multiple_documents_are_refused():
    assert "one YAML document" in error_of("a: 1\n---\nb: 2\n").message


def test_empty_document_is_refused():
    assert "found 0" in error_of("").message


def test_deep_nesting_is_refused():
    assert "nested" in error_of("a: " + "[" * 100 + "]" * 100 + "\n").message


def test_ruamel_types_become_plain_python():
    document = parse_yaml("i: 0x10\nf: 1.5\nb: true\ns: 'x'\nn: null\n", "in.yaml")
    assert document.data == {"i": 16, "f": 1.5, "b": True, "s": "x", "n": None}
    assert [type(value) for value in document.data.values()] == [int, float, bool, str, type(None)]


BLOCKS = """\
rules:
  - when: |
      facts.a > 1.0 &&
        facts.b.c
    folded: >
      one two
      three

      four
    quoted: "x > 1"
    plain: y < 2
"""


@pytest.mark.parametrize(
    ("key", "line", "col", "expected"),
    [
        ("when", 1, 1, (3, 7)),  # first character of a literal block: the line after `|`
        ("when", 2, 3, (4, 9)),  # 'f' of facts.b.c, indented further inside the block
        ("folded", 1, 9, (7, 7)),  # folded: 'three' follows 'one two ' on the next line
        ("folded", 2, 1, (9, 7)),  # after a blank line, 'four'
        ("quoted", 1, 3, (10, 16)),  # inside quotes: one past the quote character
        ("plain", 1, 3, (11, 14)),
    ],
)
def test_positions_inside_scalars_map_to_the_file(key, line, col, expected):
    document = parse_yaml(BLOCKS, "p.yaml")
    location = document.locate_in_string(("rules", 0, key), line, col)
    assert (location.line, location.col) == expected
    source_line = BLOCKS.splitlines()[expected[0] - 1]
    value_line = document.data["rules"][0][key].split("\n")[line - 1]
    assert source_line[expected[1] - 1] == value_line[col - 1]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda p: p, "file not found"),
        (lambda p: (p.mkdir(), p)[1], "is a directory"),
        (lambda p: (p.write_bytes(b"a: \xff\xfe\n"), p)[1], "not UTF-8"),
    ],
)
def test_unreadable_files_give_one_clear_error(tmp_path: Path, setup, expected):
    path = setup(tmp_path / "facts.yaml")
    with pytest.raises(InputError) as caught:
        load_document(path)
    assert expected in caught.value.message
    assert caught.value.location.file == str(path)


def test_unreadable_permission(tmp_path: Path, monkeypatch):
    # Tests run as root in CI, where chmod 0 does not stop a read: simulate the OS refusal.
    from phasegate.files import reading

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    path = tmp_path / "facts.yaml"
    path.write_text("a: 1\n")
    monkeypatch.setattr(reading.os, "open", refuse)
    with pytest.raises(InputError, match="permission denied"):
        load_document(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 99999999999999999999\n", "integer out of the 64-bit range"),
        ('a: "\\ud800"\n', "lone surrogate"),
        ('a: "v1\\0x"\n', "text contains NUL"),
        ("a: !foo x\n", "YAML tag !foo is not supported"),
        ("a: !!python/object:os.system {}\n", "is not supported"),
        ("%YAML 1.3\n---\na: 1\n", "not valid YAML"),
    ],
)
def test_hostile_yaml_is_refused(text, message):
    assert message in error_of(text).message


def test_standard_str_tag_is_a_string():
    assert parse_yaml("v: !!str 0.4.3\n", "in.yaml").data == {"v": "0.4.3"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 99999999999999999999}', "64-bit"),
        ('{"a": "\\ud800"}', "lone surrogate"),
        ('{"a": ' + "9" * 5000 + "}", "64-bit"),
    ],
)
def test_hostile_json_is_refused(text, message):
    assert message in error_of(text, parse_json, "in.json").message


@pytest.mark.parametrize("brk", ["\u2028", "\x85", "\u2029", "\r"])
def test_lines_are_counted_as_the_yaml_parser_counts_them(brk):
    text = f"# a comment{brk}\nrules:\n  - when: |\n      facts.a >\n"
    document = parse_yaml(text, "p.yaml")
    assert document.value_marks[("rules", 0, "when")] == (2, 10)  # ruamel's own count
    location = document.locate_in_string(("rules", 0, "when"), 1, 7)
    assert (location.line, location.col) == (4, 13)
    assert document.lines[location.line - 1][location.col - 1] == "a"


FLOW_SCALARS = {
    "plain over lines": "when: facts.phase == 1 &&\n  facts.metrics.eror_rate > 0.6\n",
    "plain with a blank line": "when: facts.phase == 1 &&\n\n    facts.x > 2\n",
    "single quotes over lines": "when: 'facts.phase == 1 &&\n      facts.x > 0.6'\n",
    "doubled single quotes": "when: 'facts.labels[''team''] == ''x'' && facts.y > 0.1'\n",
    "double quotes with escapes": 'when: "facts.a == \\"b\\" && \\tfacts.c\\x2b1 > 1"\n',
    "double quotes with a blank line": 'when: "facts.a &&\n\n   facts.bb"\n',
    "escaped line break": 'when: "facts.a && fa\\\n    cts.b"\n',
    "trailing spaces before a fold": "when: 'facts.a &&   \n   facts.b'\n",
}


@pytest.mark.parametrize("source", FLOW_SCALARS.values(), ids=FLOW_SCALARS.keys())
def test_every_character_of_a_flow_scalar_is_located_where_it_stands(source: str):
    """Folded lines and escapes move characters away from `value offset = column`; each
    letter or digit of the value must still be found at the position it is reported at."""
    document = parse_yaml(source, "p.yaml")
    value = document.data["when"]
    lines = source.split("\n")
    for offset, char in enumerate(value):
        if not char.isalnum():
            continue
        where = document.locate_offset(("when",), offset)
        assert lines[where.line - 1][where.col - 1] == char, (offset, char, where)


def test_an_escape_counts_as_one_character_of_the_value():
    document = parse_yaml('when: "\\u00e9t\\u00e9 x"\n', "p.yaml")
    assert document.data["when"] == "été x"
    where = document.locate_offset(("when",), 4)
    assert (where.line, where.col) == (1, 22)  # the x, after two six-character escapes


def test_digests_are_sha256_of_the_canonical_json():
    """Digests go into every decision (facts_digest, policy_digest): taken without hashlib's
    import (CPython's own SHA-256), they must stay byte for byte what hashlib gives."""
    import hashlib

    from phasegate.files.digest import canonical_json, content_digest, sha256

    value = {"b": [1, 2.5, "é"], "a": {"z": None, "y": True}}
    text = '{"a":{"y":true,"z":null},"b":[1,2.5,"é"]}'
    assert canonical_json(value) == text
    expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert content_digest(value) == "sha256:" + expected
    big = bytes(range(256)) * 1000
    assert sha256(big).hexdigest() == hashlib.sha256(big).hexdigest()
