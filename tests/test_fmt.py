"""`phasegate fmt`: canonical layout that keeps comments and never changes a decision."""

from __future__ import annotations

import io
import itertools
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from ruamel.yaml.scalarstring import LiteralScalarString

from conftest import FIXTURES, POLICIES, ROOT, call_cli, run_cli
from phasegate.core.evaluate import evaluate
from phasegate.core.facts import load_facts
from phasegate.core.policy import compile_policies, load_policy_set
from phasegate.errors import InputError, UsageProblem
from phasegate.files.durable import write_atomic
from phasegate.files.loading import parse_yaml
from phasegate.review import fmt

ACCEPTANCE = ROOT / "tests" / "acceptance" / "facts"
SHIPPED = sorted(POLICIES.glob("*.yaml"))

MESSY = """\
# header comment
kind: Policy
rules:
- message: "rate {{facts.metrics.error_rate}}  of  {{ 'a  b' }}"   # eol on message
  # above verdict
  verdict: pause
  when: facts.metrics.error_rate>0.1&&  phase==1
  id: a.first

# above the second rule
- id: a.second
  when: |
    has( facts.owners )&&facts.owners.release  ==  'alice  ,  bob'<trailing spaces>
        ||  size(facts.incidents)>0   // why: incidents count
  verdict: rollback
apiVersion: phasegate/v1
name: messy
""".replace("<trailing spaces>", "   ")

MESSY_CANONICAL = """\
# header comment
apiVersion: phasegate/v1
kind: Policy
name: messy
rules:
  - id: a.first
    when: facts.metrics.error_rate > 0.1 && phase == 1
    # above verdict
    verdict: pause
    message: "rate {{ facts.metrics.error_rate }}  of  {{ 'a  b' }}" # eol on message

  # above the second rule
  - id: a.second
    when: |
      has(facts.owners) && facts.owners.release == 'alice  ,  bob'
          || size(facts.incidents) > 0 // why: incidents count
    verdict: rollback
"""


def fmt_text(text: str) -> str:
    return fmt.format_text(text, "p.yaml")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the shipped set --------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_policies_are_canonical(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert fmt_text(text) == text


def test_check_on_the_shipped_policies_is_clean_end_to_end() -> None:
    result = run_cli("fmt", "--check", "policies")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


# --- layout -------------------------------------------------------------------------------


def test_scrambled_file_gets_canonical_order_layout_and_cel_whitespace() -> None:
    # Keys in schema order, each comment line above the key it was above, sequences indented
    # under their key, full-line comments indented like the line below them, trailing
    # whitespace gone, CEL spaced canonically; string literals and line breaks as written.
    assert fmt_text(MESSY) == MESSY_CANONICAL


def test_the_key_order_is_the_schemas() -> None:
    assert fmt.policy_key_order() == (
        "apiVersion",
        "kind",
        "name",
        "description",
        "phases",
        "params",
        "rules",
    )
    assert fmt.rule_key_order() == (
        "id",
        "title",
        "description",
        "phases",
        "when",
        "for",
        "within",
        "keep_for",
        "verdict",
        "on_error",
        "pause",
        "final",
        "message",
        "mode",
    )


def test_every_rule_key_is_put_in_order_and_params_keep_the_authors_order() -> None:
    text = """\
apiVersion: phasegate/v1
kind: Policy
name: all-keys
params:
  zeta: 1
  alpha: 2
rules:
  - mode: shadow
    keep_for: 2
    message: m
    final: false
    pause: wait
    on_error: rollback
    verdict: pause
    for: 3
    when: params.zeta > params.alpha
    phases: [1]
    description: d
    title: t
    id: x.y
"""
    out = fmt_text(text)
    keys = [line.strip().lstrip("- ").split(":")[0] for line in out.splitlines()[-13:]]
    assert keys == [key for key in fmt.rule_key_order() if key != "within"]
    assert out.index("zeta: 1") < out.index("alpha: 2")


def test_comments_are_kept_everywhere() -> None:
    text = """\
# top
apiVersion: phasegate/v1  # eol api
name: c
kind: Policy
params:
  # above a param
  limit: 3  # eol param
  # after the last param
rules:
  # above the rule
  - when: |
      facts.metrics.error_rate > params.limit // CEL comment
    # above id
    id: c.one
    verdict: pause  # eol verdict
# the end
"""
    out = fmt_text(text)
    for comment in (
        "# top",
        "# eol api",
        "# above a param",
        "# eol param",
        "# after the last param",
        "# above the rule",
        "// CEL comment",
        "# above id",
        "# eol verdict",
        "# the end",
    ):
        assert comment in out
    assert fmt_text(out) == out
    assert out.splitlines()[-1] == "# the end"


def test_comment_lines_stay_above_their_key_wherever_ruamel_stores_them() -> None:
    # ruamel keeps a comment after a flow sequence as "before the next key", and one after a
    # nested block collection at that collection's end; both must move with the next key.
    text = """\
kind: Policy
rules:
  - when: |
      phase == 1
    # above for
    for: 2  # eol for
    phases: [1, 2]
    # above verdict
    verdict: pause
    id: r.one
# above apiVersion
apiVersion: phasegate/v1
name: n
"""
    out = fmt_text(text)
    assert (
        out
        == """\
# above apiVersion
apiVersion: phasegate/v1
kind: Policy
name: n
rules:
  - id: r.one
    phases: [1, 2]
    when: |
      phase == 1
    # above for
    for: 2  # eol for
    # above verdict
    verdict: pause
"""
    )
    assert fmt_text(out) == out


def test_flow_style_quotes_and_scalar_styles_are_the_authors() -> None:
    text = """\
apiVersion: 'phasegate/v1'
kind: "Policy"
name: styles
phases: [0, 1]
rules:
  - id: s.one
    phases:
      - 1
    when: 'phase  ==  1'
    verdict: pause
    message: >-
      {{ phase }}
"""
    out = fmt_text(text)
    assert "apiVersion: 'phasegate/v1'" in out
    assert 'kind: "Policy"' in out
    assert "phases: [0, 1]" in out
    assert "    phases:\n      - 1\n" in out
    assert "when: 'phase == 1'" in out
    assert "message: >-\n      {{ phase }}\n" in out


# --- CEL whitespace -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("a  >  b", "a > b"),
        ("!facts.x.ok||!y", "!facts.x.ok || !y"),
        ("f( a ,b )", "f(a, b)"),
        ("a-1", "a - 1"),
        ("[ -1 , 2 ]", "[-1, 2]"),
        ("- 1", "- 1"),  # a negation, not the literal -1: another tree
        ("x  in  [1,2]", "x in [1, 2]"),
        ("{ 'k' :1 }['k']", "{'k': 1}['k']"),
        ("a ?b:c", "a ? b : c"),
        ("{a ? b : c : d}", "{a ? b : c: d}"),
        ("x .  y( )", "x.y()"),
        ("f(x) [0]", "f(x)[0]"),
        ("a\t&&\tb", "a && b"),
        ("l.map(i,i+1)", "l.map(i, i + 1)"),
        ("a >\n    b  // note  \n  && c  \n", "a >\n    b // note\n  && c\n"),
    ],
)
def test_cel_whitespace(written: str, canonical: str) -> None:
    assert fmt.format_cel(written) == canonical
    assert fmt.syntax_tree(written) == fmt.syntax_tree(canonical)


def test_string_literals_are_never_touched() -> None:
    literals = ["'a  ,  b'", '"(  x  )"', "r'\\d  +'", "'''multi\n  line  '''", "b'  '"]
    for literal in literals:
        text = f"x  ==  {literal}  ||  y"
        assert fmt.format_cel(text) == f"x == {literal} || y"


def test_message_placeholders_are_formatted_and_the_text_around_them_kept() -> None:
    assert (
        fmt.format_template("a  {{x+1}}  b {{ 'c  d' }}{{\n  y }}")
        == "a  {{ x + 1 }}  b {{ 'c  d' }}{{\n  y }}"
    )


def test_block_scalars_keep_line_breaks_and_folds() -> None:
    text = """\
apiVersion: phasegate/v1
kind: Policy
name: blocks
rules:
  - id: b.one
    when: >
      facts.metrics.error_rate  >
      0.1   &&  phase == 1
    verdict: pause
    message: >-
      deployments frozen: {{ has(facts.freeze.reason)  ?  facts.freeze.reason : 'no  reason
      recorded' }} and {{ phase+1 }}
"""
    out = fmt_text(text)
    assert "    when: >\n      facts.metrics.error_rate >\n      0.1 && phase == 1\n" in out
    assert (
        "      deployments frozen: {{ has(facts.freeze.reason) ? facts.freeze.reason : "
        "'no  reason\n"
        "      recorded' }} and {{ phase + 1 }}\n"
    ) in out
    data = parse_yaml(out, "p.yaml").data["rules"][0]
    assert data["when"] == "facts.metrics.error_rate > 0.1 && phase == 1\n"
    assert "'no  reason recorded'" in data["message"]
    assert fmt_text(out) == out


def test_a_when_that_does_not_parse_is_a_located_error() -> None:
    text = "apiVersion: phasegate/v1\nkind: Policy\nname: x\nrules:\n"
    text += "  - id: a\n    when: |\n      a >\n        (b\n    verdict: pause\n"
    with pytest.raises(InputError) as caught:
        fmt_text(text)
    # Where loading and `lint` put it: the end of the expression (one parse for all three).
    assert str(caught.value) == (
        "p.yaml:8:10: error: rule a: when: syntax error: unexpected end of expression"
    )


def test_a_message_placeholder_that_does_not_parse_is_a_located_error() -> None:
    text = "apiVersion: phasegate/v1\nkind: Policy\nname: x\nrules:\n"
    text += "  - id: a\n    when: 'true'\n    verdict: pause\n    message: 'x {{ a b }}'\n"
    with pytest.raises(InputError) as caught:
        fmt_text(text)
    assert str(caught.value) == "p.yaml:8:22: error: rule a: message: syntax error: unexpected 'b'"


def test_schema_invalid_input_is_refused() -> None:
    with pytest.raises(InputError, match=r"p.yaml:5:5: error: rules\[0\].verdit: unknown field"):
        fmt_text("apiVersion: phasegate/v1\nkind: Policy\nname: x\nrules:\n  - verdit: pause\n")


# --- the proof ----------------------------------------------------------------------------


def test_the_proof_refuses_a_changed_condition_a_changed_value_or_a_lost_comment() -> None:
    text = SHIPPED[0].read_text(encoding="utf-8")
    fmt.prove_same_meaning(text, text.replace("||", " || "), "p.yaml")  # whitespace only
    with pytest.raises(fmt.UnsafeFormat):
        fmt.prove_same_meaning(text, text.replace("||", "&&", 1), "p.yaml")
    with pytest.raises(fmt.UnsafeFormat):
        fmt.prove_same_meaning(text, text.replace("verdict: pause", "verdict: rollback"), "p")
    with pytest.raises(fmt.UnsafeFormat):
        fmt.prove_same_meaning(text, text.replace("# enforced at every phase", ""), "p.yaml")
    with pytest.raises(fmt.UnsafeFormat):
        fmt.prove_same_meaning(text, text.replace("'test'", "'test '"), "p.yaml")


def test_fmt_refuses_rather_than_write_when_the_proof_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "p.yaml", MESSY)
    monkeypatch.setattr(fmt, "format_cel", lambda text, **_: text.replace(">", "<"))
    with pytest.raises(fmt.UnsafeFormat):
        fmt.format_files([path])
    assert path.read_text(encoding="utf-8") == MESSY


# --- idempotence --------------------------------------------------------------------------


def test_formatting_twice_changes_nothing() -> None:
    once = fmt_text(MESSY)
    assert fmt_text(once) == once


def shipped_conditions() -> list[str]:
    conditions = []
    for path in SHIPPED:
        for rule in parse_yaml(path.read_text(encoding="utf-8"), str(path)).data["rules"]:
            conditions.append(rule["when"])
    return conditions


CONDITIONS = shipped_conditions()
WORDLIKE = {"IDENT", "INT_LIT", "UINT_LIT", "FLOAT_LIT", "STRING_LIT", "BOOL_LIT", "NULL_LIT"}


def respaced(condition: str, gaps: list[int]) -> str:
    """The condition with every same-line gap between tokens replaced by `gaps` spaces (at
    least one between two words, which would otherwise become one); line breaks kept."""
    tokens = fmt.cel_tokens(condition)
    out = [condition[: tokens[0].start], tokens[0].text]
    for index, (before, after) in enumerate(itertools.pairwise(tokens)):
        gap = condition[before.end : after.start]
        if "\n" in gap:
            out.append(" " * (gaps[index % len(gaps)] % 3) + gap)
        else:
            words = before.kind in WORDLIKE | {"IN"} and after.kind in WORDLIKE | {"IN"}
            out.append(" " * max(gaps[index % len(gaps)], 1 if words else 0))
        out.append(after.text)
    out.append(condition[tokens[-1].end :])
    return "".join(out)


@settings(max_examples=150, deadline=None)
@given(
    index=st.integers(0, len(CONDITIONS) - 1),
    gaps=st.lists(st.integers(0, 4), min_size=1, max_size=40),
)
def test_every_whitespace_variant_of_a_shipped_condition_formats_to_it(
    index: int, gaps: list[int]
) -> None:
    condition = CONDITIONS[index]
    variant = respaced(condition, gaps)
    formatted = fmt.format_cel(variant)
    assert formatted == condition  # the shipped conditions are canonical
    assert fmt.format_cel(formatted) == formatted
    assert fmt.syntax_tree(formatted) == fmt.syntax_tree(variant)
    # And in a file: the whole document formats to the shipped layout.
    document = (
        "apiVersion: phasegate/v1\nkind: Policy\nname: v\nrules:\n  - id: v.one\n    when: |\n"
        + "".join(f"      {line}\n" if line else "\n" for line in variant.rstrip("\n").split("\n"))
        + "    verdict: pause\n"
    )
    once = fmt_text(document)
    assert fmt_text(once) == once


# --- decisions ----------------------------------------------------------------------------


def scrambled_copy(folder: Path, seed: int) -> Path:
    """The shipped policies with every rule's keys shuffled and its CEL whitespace messed up."""
    rnd = random.Random(seed)
    yaml = fmt._yaml()
    folder.mkdir()
    for path in SHIPPED:
        root = yaml.load(io.StringIO(path.read_text(encoding="utf-8")))
        top = list(root)
        rnd.shuffle(top)
        fmt.reorder_keys(root, top)
        for rule in root["rules"]:
            keys = list(rule)
            rnd.shuffle(keys)
            fmt.reorder_keys(rule, keys)
            gaps = [rnd.randint(0, 3) for _ in range(30)]
            text = respaced(str(rule["when"]), gaps)
            kind = LiteralScalarString if isinstance(rule["when"], LiteralScalarString) else str
            rule["when"] = kind(text)
        stream = io.StringIO()
        yaml.dump(root, stream)
        (folder / path.name).write_text(stream.getvalue(), encoding="utf-8")
    return folder


def outcome(decision: object) -> tuple[object, ...]:
    return (
        decision.verdict,  # type: ignore[attr-defined]
        [(r.id, r.status, r.message, r.error) for r in decision.results],  # type: ignore[attr-defined]
    )


def test_formatting_never_changes_a_decision(tmp_path: Path) -> None:
    scrambled = scrambled_copy(tmp_path / "policies", seed=7)
    assert [p.read_text() for p in sorted(scrambled.glob("*.yaml"))] != [
        p.read_text() for p in SHIPPED
    ]
    before = load_policy_set(scrambled)
    result = call_cli("fmt", str(scrambled))
    assert result.returncode == 0, result.stderr
    assert sorted(result.stderr.splitlines()) == sorted(
        f"formatted: {scrambled / path.name}" for path in SHIPPED
    )
    for path in SHIPPED:  # formatted back to exactly the shipped files
        assert (scrambled / path.name).read_text() == path.read_text()
    after = load_policy_set(scrambled)
    documents = sorted(FIXTURES.glob("*.yaml")) + sorted(ACCEPTANCE.glob("*.yaml"))
    assert len(documents) > 30
    for document in documents:
        facts = load_facts(document)
        assert outcome(evaluate(facts, before)) == outcome(evaluate(facts, after)), document


# --- the command --------------------------------------------------------------------------


def test_check_prints_a_diff_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "messy.yaml", MESSY)
    write(tmp_path, "clean.yaml", SHIPPED[0].read_text(encoding="utf-8"))
    result = run_cli("fmt", "--check", "messy.yaml", "clean.yaml", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["--- a/messy.yaml", "+++ b/messy.yaml"]
    assert "+    when: facts.metrics.error_rate > 0.1 && phase == 1" in lines
    assert "clean.yaml" not in result.stdout
    assert path.read_text(encoding="utf-8") == MESSY
    # The log says how to fix it, naming the files to format.
    assert result.stderr == (
        "phasegate: 1 file(s) not in canonical layout; run `phasegate fmt messy.yaml` to fix\n"
    )


def test_fmt_rewrites_changed_files_only_and_then_check_is_clean(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    messy = write(folder, "messy.yaml", MESSY)
    clean = write(folder, "clean.yaml", SHIPPED[0].read_text(encoding="utf-8"))
    write(folder, "notes.txt", "not a policy")
    clean_stat = clean.stat()
    result = call_cli("fmt", cwd=tmp_path)  # default: ./policies
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "formatted: policies/messy.yaml\n"
    assert fmt_text(messy.read_text(encoding="utf-8")) == messy.read_text(encoding="utf-8")
    assert clean.stat().st_mtime_ns == clean_stat.st_mtime_ns
    again = call_cli("fmt", "--check", cwd=tmp_path)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


def test_a_broken_file_exits_3_and_no_file_is_touched(tmp_path: Path) -> None:
    messy = write(tmp_path, "a.yaml", MESSY)
    broken_text = (
        "apiVersion: phasegate/v1\nkind: Policy\nname: x\nrules:\n"
        "  - id: b\n    when: |\n      a >\n        (b\n    verdict:   pause\n"
    )
    broken = write(tmp_path, "b.yaml", broken_text)
    write(tmp_path, "c.yaml", "rules: [\n")
    result = run_cli("fmt", str(tmp_path))
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{broken}:8:10: error: rule b: when: syntax error: unexpected end of expression",
        f"{tmp_path / 'c.yaml'}:2:1: error: not valid YAML: expected the node content, "
        "but found '<stream end>'",
    ]
    assert messy.read_text(encoding="utf-8") == MESSY
    assert broken.read_text(encoding="utf-8") == broken_text


def test_an_unreadable_path_exits_3(tmp_path: Path) -> None:
    result = call_cli("fmt", str(tmp_path / "missing.yaml"))
    assert result.returncode == 3
    assert result.stderr == f"{tmp_path / 'missing.yaml'}: error: file not found\n"


def test_without_a_policies_folder_fmt_refuses_the_shipped_set(tmp_path: Path) -> None:
    result = run_cli("fmt", cwd=tmp_path)  # a real process: fmt's exit 2 (usage)
    assert result.returncode == 2
    assert "no ./policies folder here" in result.stderr


def test_the_installed_set_is_refused(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "phasegate"
    installed = package / "_data" / "policies"
    installed.mkdir(parents=True)
    shutil.copy(SHIPPED[0], installed / SHIPPED[0].name)
    with pytest.raises(UsageProblem, match="installed with phasegate"):
        fmt.target_files([installed], package_dir=package)
    own = tmp_path / "repo"
    own.mkdir()
    shutil.copy(SHIPPED[0], own / SHIPPED[0].name)
    assert fmt.target_files([own, own / SHIPPED[0].name], package_dir=package) == [
        own / SHIPPED[0].name
    ]


# --- folded scalars with kept line breaks ---------------------------------------------------

HEAD = "apiVersion: phasegate/v1\nkind: Policy\nname: b\nrules:\n  - id: b.a\n"


def test_a_more_indented_line_of_a_folded_when_keeps_its_line_break_end_to_end(
    tmp_path: Path,
) -> None:
    # `>` keeps the line break before a more-indented line; ruamel reports a fold there too,
    # which was once written as a space (three in a row, and a second run changed it again).
    canonical = (
        HEAD + "    when: >\n      facts.metrics.error_rate >\n"
        "        facts.baseline.error_rate * 2.0\n    verdict: pause\n"
    )
    path = write(tmp_path, "b.yaml", canonical.replace("rate >\n", "rate  >   \n"))
    first = call_cli("fmt", str(path))
    assert (first.returncode, first.stderr) == (0, f"formatted: {path}\n")
    assert path.read_text(encoding="utf-8") == canonical
    again = call_cli("fmt", "--check", str(path))
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


def test_a_more_indented_line_of_a_folded_message_is_not_refused_end_to_end(
    tmp_path: Path,
) -> None:
    text = (
        HEAD + "    when: facts.metrics.error_rate > 0.1\n    verdict: pause\n"
        "    message: >\n      error rate {{facts.metrics.error_rate}}\n        is high\n"
        "\n      for {{ phase }}\n      now\n"
    )
    path = write(tmp_path, "c.yaml", text)
    result = call_cli("fmt", str(path))
    assert (result.returncode, result.stderr) == (0, f"formatted: {path}\n")
    assert path.read_text(encoding="utf-8") == text.replace(
        "{{facts.metrics.error_rate}}", "{{ facts.metrics.error_rate }}"
    )
    message = parse_yaml(path.read_text(encoding="utf-8"), "c.yaml").data["rules"][0]["message"]
    assert (
        message == "error rate {{ facts.metrics.error_rate }}\n  is high\n\nfor {{ phase }} now\n"
    )
    assert call_cli("fmt", "--check", str(path)).returncode == 0


# --- property: any scalar style, any valid CEL -----------------------------------------------


def _tokens(*parts: object) -> list[str]:
    return [token for part in parts for token in (part if isinstance(part, list) else [part])]


def _typed(atoms: list[str], join: list[str]) -> st.SearchStrategy[list[str]]:
    """Arithmetic over one type: the engine type-checks at load, and int and double do not
    mix (the generator used to mix them freely, as cel-python let a file load that way)."""
    return st.recursive(
        st.sampled_from(atoms).map(lambda text: [text]),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(join), inner).map(lambda t: _tokens(*t)),
            inner.map(lambda p: _tokens("-", "(", p, ")")),
        ),
        max_leaves=3,
    )


DOUBLES = _typed(["facts.metrics.error_rate", "2.5"], ["+", "*"])
INTS = _typed(["phase", "1"], ["+", "*"]) | _typed(["1"], ["+"]).map(
    lambda p: _tokens("size", "(", "[", p, ",", "1", "]", ")")
)
STRINGS = st.sampled_from(["'a  b'", '"q\\"t"']).map(lambda text: [text])
COMPARISONS = st.one_of(
    st.tuples(DOUBLES, st.sampled_from(["==", "!=", "<", ">="]), DOUBLES),
    st.tuples(INTS, st.sampled_from(["==", "!=", "<", ">="]), INTS),
    st.tuples(STRINGS, st.sampled_from(["==", "!="]), STRINGS),
    st.tuples(INTS, st.just("in"), INTS.map(lambda p: _tokens("[", p, ",", "1", "]"))),
).map(lambda t: _tokens(*t))
BOOLS = st.one_of(
    st.just(["true"]),
    st.just(["facts.metrics.error_rate", "==", "null"]),
    st.just(["has", "(", "facts.owners", ")"]),
    COMPARISONS,
)


def _compound(inner: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(["&&", "||"]), inner).map(lambda t: _tokens(*t)),
        inner.map(lambda p: ["!", "(", *p, ")"]),
        st.tuples(inner, inner, inner).map(lambda t: [*t[0], "?", *t[1], ":", *t[2]]),
    )


#: Valid, well-typed CEL as a list of tokens (dotted names and literals kept whole).
CEL_PIECES = st.recursive(BOOLS, _compound, max_leaves=4)


#: Between two tokens: spaces, a line break, a blank line.
SEPARATORS = [" ", " ", "  ", "\n", "\n", "\n\n"]


@st.composite
def cel_source(draw: st.DrawFn) -> str:
    """CEL source text; sometimes one line ends in a `//` comment (where YAML folds that line
    break into a space, the comment runs on and the file no longer loads: rejected)."""
    pieces = draw(CEL_PIECES)
    out = [pieces[0]]
    for piece in pieces[1:]:
        out.extend((draw(st.sampled_from(SEPARATORS)), piece))
    breaks = [index for index, part in enumerate(out) if index % 2 and "\n" in part]
    if breaks and draw(st.integers(0, 3)) == 0:
        out[draw(st.sampled_from(breaks))] = "  // why\n"
    return "".join(out)


@st.composite
def message_source(draw: st.DrawFn) -> str:
    words = st.sampled_from(["error", "rate is", "high", "(see runbook)", "a  b"])
    gap = st.sampled_from([" ", "\n", "\n\n"])
    out = [draw(words)]
    for _ in range(draw(st.integers(1, 2))):
        inside = draw(st.sampled_from(["", " ", "\n"]))
        out += [draw(gap), "{{", inside, draw(cel_source()), inside, "}}", draw(gap), draw(words)]
    return "".join(out)


def double_quoted(text: str, escaped: list[bool]) -> str:
    """`text` as a double-quoted scalar, some characters spelled as escapes."""
    out = []
    for char, escape in zip(text, itertools.cycle(escaped or [False]), strict=False):
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n" if escape else "\n")
        elif escape:
            out.append(f"\\x{ord(char):02x}" if ord(char) < 256 else char)
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


@st.composite
def yaml_scalar(draw: st.DrawFn, source: str) -> str:
    """`source` written after `key: ` in one of YAML's scalar styles, its lines indented
    under the key (block styles: some continuation lines more-indented)."""
    style = draw(st.sampled_from(["plain", "'", '"', "|", "|-", ">", ">-"]))
    lines = source.split("\n")
    extra = draw(st.lists(st.sampled_from([0, 0, 2]), min_size=len(lines), max_size=len(lines)))
    if style in ("|", "|-", ">", ">-"):
        body = [
            (" " * (6 + (extra[i] if i else 0)) + line) if line else ""
            for i, line in enumerate(lines)
        ]
        return style + "\n" + "\n".join(body)
    if style == '"':
        text = double_quoted(source, draw(st.lists(st.booleans(), max_size=8)))
    elif style == "'":
        text = "'" + source.replace("'", "''") + "'"
    else:
        text = source
    first, *rest = text.split("\n")
    return "\n".join([first, *((" " * (6 + extra[0]) + line) if line else "" for line in rest)])


def meaning(text: str) -> list[tuple[object, ...]]:
    """What the policy set decides with: every rule's data, condition and message as syntax
    trees; the file must load without a problem."""
    policies, problems = compile_policies([parse_yaml(text, "p.yaml")])
    assert not problems
    return [
        (
            rule.id,
            rule.verdict,
            rule.phases,
            fmt.syntax_tree(rule.when.text),
            tuple(
                part if isinstance(part, str) else fmt.syntax_tree(part.text)
                for part in (rule.message.parts if rule.message else ())
            ),
        )
        for policy in policies
        for rule in policy.rules
    ]


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_any_scalar_style_of_valid_cel_formats_idempotently_to_the_same_policy(
    data: st.DataObject,
) -> None:
    when = data.draw(yaml_scalar(data.draw(cel_source())), label="when")
    message = data.draw(yaml_scalar(data.draw(message_source())), label="message")
    text = f"{HEAD}    when: {when}\n    verdict: pause\n    message: {message}\n"
    try:
        before = meaning(text)
    except (InputError, AssertionError):
        reject()  # not a file that loads (e.g. `: ` in a plain scalar, a comment eating a `)`)
    once = fmt_text(text)  # never refuses a file that loads
    assert fmt_text(once) == once
    assert meaning(once) == before


# --- depth, links, modes -------------------------------------------------------------------


def nested_policy(levels: int, inner: str = "phase  ==  1") -> str:
    return HEAD + f"    when: {'(' * levels}{inner}{')' * levels}\n    verdict: pause\n"


def test_an_expression_nested_too_deeply_is_a_located_error_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "d.yaml", nested_policy(300))
    result = call_cli("fmt", str(tmp_path))
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr == f"{path}:6:11: error: rule b.a: when: expression nested too deeply\n"
    assert path.read_text(encoding="utf-8") == nested_policy(300)
    with pytest.raises(InputError, match="nested too deeply"):  # loading refuses it too
        load_policy_set(tmp_path)


def test_an_expression_as_deep_as_loading_accepts_is_formatted(tmp_path: Path) -> None:
    # fmt never refuses a file that loads: the engine nests at most 32 levels, and loading
    # caps operator chains (which the engine takes at any length) at what cel-python parses.
    chain = " ||  ".join(["phase  ==  1"] * 1000)
    for name, text in (("d.yaml", nested_policy(32)), ("c.yaml", nested_policy(0, chain))):
        path = write(tmp_path, name, text)
        load_policy_set(tmp_path)
        result = call_cli("fmt", str(tmp_path))
        assert result.returncode == 0, result.stderr
        wanted = text.replace("  ==  ", " == ").replace(" ||  ", " || ")
        assert path.read_text(encoding="utf-8") == wanted
        path.unlink()
    write(tmp_path, "c.yaml", nested_policy(0, " || ".join(["phase == 1"] * 1002)))
    with pytest.raises(InputError, match="1001 of the operators !, -, && and \\|\\|; at most 1000"):
        load_policy_set(tmp_path)


def test_a_symlinked_policy_is_written_through_the_link_keeping_modes(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    target = write(shared, "messy.yaml", MESSY)
    target.chmod(0o640)
    folder = tmp_path / "policies"
    folder.mkdir()
    link = folder / "messy.yaml"
    link.symlink_to(Path("..") / "shared" / "messy.yaml")
    plain = write(folder, "plain.yaml", MESSY.replace("name: messy", "name: plain"))
    plain.chmod(0o600)
    result = call_cli("fmt", str(folder))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert target.read_text(encoding="utf-8") == MESSY_CANONICAL
    assert (target.stat().st_mode & 0o7777, plain.stat().st_mode & 0o7777) == (0o640, 0o600)
    assert sorted(p.name for p in shared.iterdir()) == ["messy.yaml"]  # no temporary left
    assert call_cli("fmt", "--check", str(folder)).returncode == 0


def test_write_atomic_in_place_follows_links_and_keeps_the_mode_by_default_it_does_not(
    tmp_path: Path,
) -> None:
    target = write(tmp_path, "target.txt", "old")
    target.chmod(0o600)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write_atomic(link, "new", in_place=True)
    assert (link.is_symlink(), target.read_text(), target.stat().st_mode & 0o777) == (
        True,
        "new",
        0o600,
    )
    write_atomic(link, "report")  # reports: the path itself, readable by all
    assert (link.is_symlink(), link.read_text(), link.stat().st_mode & 0o777) == (
        False,
        "report",
        0o644,
    )
    assert target.read_text() == "new"
