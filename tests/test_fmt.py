"""`phasegate fmt`: canonical layout that keeps comments and never changes a decision."""

from __future__ import annotations

import io
import itertools
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml.scalarstring import LiteralScalarString

from conftest import FIXTURES, POLICIES, ROOT, run_cli
from phasegate import fmt
from phasegate.errors import InputError, UsageProblem
from phasegate.evaluate import evaluate
from phasegate.facts import load_facts
from phasegate.loading import parse_yaml
from phasegate.policy import load_policy_set

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
        "verdict",
        "on_error",
        "message",
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
  - message: m
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
    keys = [line.strip().lstrip("- ").split(":")[0] for line in out.splitlines()[-9:]]
    assert keys == list(fmt.rule_key_order())
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
    assert fmt.cel_ast(written) == fmt.cel_ast(canonical)


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
    assert str(caught.value) == (
        "p.yaml:7:7: error: rule a: when: syntax error: unexpected end of expression"
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
    assert fmt.cel_ast(formatted) == fmt.cel_ast(variant)
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
    result = run_cli("fmt", str(scrambled))
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


def test_fmt_rewrites_changed_files_only_and_then_check_is_clean(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    messy = write(folder, "messy.yaml", MESSY)
    clean = write(folder, "clean.yaml", SHIPPED[0].read_text(encoding="utf-8"))
    write(folder, "notes.txt", "not a policy")
    clean_stat = clean.stat()
    result = run_cli("fmt", cwd=tmp_path)  # default: ./policies
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "formatted: policies/messy.yaml\n"
    assert fmt_text(messy.read_text(encoding="utf-8")) == messy.read_text(encoding="utf-8")
    assert clean.stat().st_mtime_ns == clean_stat.st_mtime_ns
    again = run_cli("fmt", "--check", cwd=tmp_path)
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
        f"{broken}:7:7: error: rule b: when: syntax error: unexpected end of expression",
        f"{tmp_path / 'c.yaml'}:2:1: error: not valid YAML: expected the node content, "
        "but found '<stream end>'",
    ]
    assert messy.read_text(encoding="utf-8") == MESSY
    assert broken.read_text(encoding="utf-8") == broken_text


def test_an_unreadable_path_exits_3(tmp_path: Path) -> None:
    result = run_cli("fmt", str(tmp_path / "missing.yaml"))
    assert result.returncode == 3
    assert result.stderr == f"{tmp_path / 'missing.yaml'}: error: file not found\n"


def test_without_a_policies_folder_fmt_refuses_the_shipped_set(tmp_path: Path) -> None:
    result = run_cli("fmt", cwd=tmp_path)
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
