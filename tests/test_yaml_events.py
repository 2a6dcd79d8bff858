"""The C event path (`yamlevents`) against ruamel's pure parser, the reference.

The fast path may decline any text, but what it returns must be exactly what the reference
returns: the same data, the same value and key marks, the same scalar styles. Errors are
always worded by the reference, so a refused text gives the same message either way.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from phasegate.errors import InputError
from phasegate.files import loading, yamlevents

ROOT = Path(__file__).resolve().parents[1]


def _outcome(text: str, *, fast: bool) -> object:
    """What parse_yaml gives for `text`: data and positions, or the error line."""
    saved = yamlevents.AVAILABLE
    yamlevents.AVAILABLE = fast
    try:
        document = loading.parse_yaml(text, "doc.yaml")
    except InputError as exc:
        return ("error", str(exc))
    finally:
        yamlevents.AVAILABLE = saved
    return (
        repr(document.data),  # types too: 1, 1.0 and True are == but not the same value
        dict(document.value_marks),
        dict(document.key_marks),
        dict(document.scalar_styles),
        document.lines,
    )


def _built(text: str) -> object:
    lines = loading.source_lines(text)
    return yamlevents.build(
        text, lines, loading.MAX_NODES, loading.MAX_DEPTH, loading.scalar_problem
    )


def _repository_yaml() -> list[Path]:
    found = [*ROOT.glob("policies/**/*.yaml"), *ROOT.glob("fixtures/**/*.yaml")]
    found += [*ROOT.glob("tests/acceptance/**/*.yaml"), *ROOT.glob("examples/*.yaml")]
    return sorted([*found, ROOT / "phasegate.yaml"])


def test_the_c_extension_is_installed():
    # Without it every file silently takes the slow path: the dependency must be there.
    assert yamlevents.AVAILABLE


@pytest.mark.parametrize("path", _repository_yaml(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_shipped_file_takes_the_fast_path_with_the_reference_result(path):
    text = loading.read_text(path)
    assert _built(text) is not None, "a shipped file fell back to the slow parser"
    assert _outcome(text, fast=True) == _outcome(text, fast=False)


# Fragments a hand-written or generated document can hold, hostile ones included.
_KEYS = ["name", "'quoted'", '"dq"', "with space", "a:b", "é", "rules", "id", "when"]
_HOSTILE_KEYS = ["1", "true", "null", "<<", "~", "? [a]", "&k key", "!!str k"]
_SCALARS = [
    "plain text",
    "0",
    "7",
    "-3",
    "+1",
    "-0",
    "1.5",
    "1.",
    ".5",
    "-2.5e3",
    "1e3",
    "true",
    "True",
    "TRUE",
    "false",
    "yes",
    "no",
    "on",
    "null",
    "Null",
    "~",
    "2026-11-29",
    "2026-11-29T10:00:00Z",
    "2026-11-29 10:00:00.5 +01:00",
    "'single ''quoted'''",
    '"double \\"quoted\\" \\u00e9"',
    '"tab\\tand\\nline"',
    "9223372036854775807",
    "[1, two, 3.0]",
    "{a: 1, b: [x, y]}",
    "[]",
    "{}",
    "|\n  literal\n  block\n",
    "|-\n  kept\n\n",
    ">\n  folded\n  lines\n\n  para\n",
    ">+\n  keep\n\n",
    "|2\n    indented\n",
    "'multi\n  line single'",
    "plain\n  continued",
    "a # comment",
    "@reserved",
    "`tick",
    "%percent",
    "emoji \U0001f600",
    "é à",
]
_HOSTILE = [
    "007",
    "0o7",
    "0x1F",
    "1_000",
    ".inf",
    "-.Inf",
    ".nan",
    "",
    '"nul \\0 inside"',
    '"\\ud800"',
    "9223372036854775808",
    "-9223372036854775809",
    "1e400",
    "!!str 5",
    "!!int '5'",
    "!custom x",
    "&anchor value",
    "*anchor",
    "x: y",
    "- item",
    "? complex",
    "tab\tinside",
    "line\u2028sep",
    "nel\x85here",
    "bom\ufeffin",
]


def _value(rng: random.Random, depth: int) -> str:
    roll = rng.random()
    if depth < 3 and roll < 0.2:
        return _mapping(rng, depth + 1)
    if depth < 3 and roll < 0.3:
        items = [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
        return "\n" + "".join(f"- {_indent(item)}\n" for item in items)
    return rng.choice(_HOSTILE if rng.random() < 0.05 else _SCALARS)


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


def _mapping(rng: random.Random, depth: int) -> str:
    lines = []
    for _ in range(rng.randint(1, 4)):
        key = rng.choice(_HOSTILE_KEYS if rng.random() < 0.03 else _KEYS)
        lines.append(f"{key}: {_indent(_value(rng, depth))}")
    return "\n" + "\n".join(lines) + "\n"


def _document(rng: random.Random) -> str:
    text = _mapping(rng, 0).lstrip("\n")
    roll = rng.random()
    if roll < 0.05:
        text = "%YAML 1.2\n---\n" + text
    elif roll < 0.1:
        text = text + "---\nsecond: doc\n"
    elif roll < 0.15:
        text = text.replace("\n", "\r\n")
    elif roll < 0.18:
        text = text.replace("\n", "\r")
    elif roll < 0.4 and text:
        # A random edit: most of these are invalid YAML, which both paths must word alike.
        at = rng.randrange(len(text))
        edit = rng.choice(["", ":", "\t", "  ", "- ", "[", "'", "#", "\n"])
        text = text[:at] + edit + text[at + 1 :]
    return text


def test_generated_documents_read_alike_on_both_paths():
    rng = random.Random(20261129)
    fast_taken = 0
    for _ in range(1500):
        text = _document(rng)
        expected = _outcome(text, fast=False)
        assert _outcome(text, fast=True) == expected, text
        fast_taken += _built(text) is not None
    # The corpus must exercise the fast path, not only the fall-backs.
    assert fast_taken > 400


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1]\nb: *x\n",  # aliases: the reference expands and bounds them
        "a: 1\na: 2\n",  # duplicate key: the reference words it
        "1: one\n",  # a non-string key
        "<<: {a: 1}\n",  # a merge key
        "a: !!binary aGk=\n",  # a tag
        "a: .inf\n",  # a value phasegate refuses
        "a: 0x1F\n",  # a number form the fast path leaves alone
        "%YAML 1.2\n---\na: 1\n",  # a directive
        "a: 1\n---\nb: 2\n",  # two documents
        "",  # no document
        "a: [1\n",  # a parser error
        "a: line\u2028sep\n",  # a break in YAML 1.1 only
        "a: 1\tb\n",  # a tab, which ruamel refuses in more places than libyaml
        "a: |#\n  x\n",  # a block header libyaml takes and YAML 1.2 does not
        "a: # note\n  keep\n\n",  # ruamel's round-trip parser fails on this one
        "? a\n: # note\n  keep\n\n",  # the same, the comment on an explicit key's `:` line
        "b: |\n \n  x\n",  # a first line of spaces: ruamel refuses the deeper line after it
        "b: >-\n \n  x\n",  # the same with a chomping indicator
        "? |\n \n  x\n: v\n",  # a block scalar key
        "a: 1\n...\n...\n",  # a second document-end marker, which ruamel refuses
        "a:\n  # c\n  | # h\n  x\n",  # a header comment off the key's line: ruamel fails
        ">\n\n# c\n",  # a root block scalar: ruamel reads the comment as content
    ],
)
def test_the_fast_path_declines_what_only_the_reference_may_decide(text):
    assert _built(text) is None


def test_deep_nesting_is_declined_without_recursion():
    # A million levels: the walk stops at the depth limit, never the C stack.
    assert _built("[" * 1_000_000 + "]" * 1_000_000) is None
    text = "a: " + "[" * 80 + "]" * 80 + "\n"
    assert _built(text) is None
    assert _outcome(text, fast=True) == _outcome(text, fast=False)
    assert "nested deeper than 64 levels" in _outcome(text, fast=True)[1]


_EDITS = ["", ":", " ", "  ", "- ", "[", "]", "{", "}", ",", "'", '"', "#", "\n", "|", ">", "?"]
_EDITS += ["&a ", "*a", "!", "%", "@", "`", "\\", "---", "...", "\r\n", ": ", " #", "|-", "\n  "]


def test_edited_shipped_files_read_alike_on_both_paths():
    # Real documents with one to three random edits: the typos a reviewer would make.
    texts = [loading.read_text(path) for path in _repository_yaml()[:40]]
    rng = random.Random(1129)
    for _ in range(300):
        text = rng.choice(texts)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text))
            text = text[:at] + rng.choice(_EDITS) + text[at + rng.randint(0, 2) :]
        assert _outcome(text, fast=True) == _outcome(text, fast=False), text


def test_plain_scalars_resolve_as_ruamel_resolves_them():
    # The shortcut for strings must agree with ruamel on every first character.
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver

    resolver = VersionedResolver()
    samples = [chr(code) + rest for code in range(32, 0x250) for rest in ("", "1", "rue", "ull")]
    samples += [*_SCALARS, *_HOSTILE, "=", "<<", "!a", "&a", "*a", "TRUE", "NULL", "-.inf"]
    rng = random.Random(7)
    alphabet = "0123456789.+-eE_xob:T Z~nulNUtrfalsFS"
    samples += ["".join(rng.choices(alphabet, k=rng.randint(1, 8))).strip() for _ in range(20_000)]
    for text in samples:
        expected = resolver.resolve(ScalarNode, text, (True, False)).value
        assert "tag:yaml.org,2002:" + yamlevents._resolve(text) == expected, text
