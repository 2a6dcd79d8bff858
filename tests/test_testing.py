"""`phasegate test`: policy unit tests, their located errors, coverage and report formats."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, POLICIES, ROOT, call_cli, healthy, run_cli, write_yaml
from phasegate.core.policy import load_policy_set
from phasegate.errors import InputError
from phasegate.report.testing import TEST_FORMATS
from phasegate.review.coverage import meets, percent
from phasegate.review.testing import deep_merge, find_test_files, load_test_files, run_policy_tests
from phasegate.review.trace import trace_rule

TINY_POLICY = """\
apiVersion: phasegate/v1
kind: Policy
name: tiny
rules:
  - id: tiny.errors
    when: facts.metrics.error_rate > 0.1 || facts.metrics.throughput < 1.0
    verdict: rollback
  - id: tiny.freeze
    when: has(facts.freeze) && facts.freeze.active
    verdict: pause
  - id: tiny.phase2
    phases: [2]
    when: facts.metrics.agents_failed > 0
    verdict: pause
"""


def suite(name: str, cases: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "phasegate/v1",
        "kind": "PolicyTest",
        "name": name,
        **extra,
        "cases": cases,
    }


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A tiny policy set, a healthy facts file beside it, and a tests/ folder."""
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "tiny.yaml").write_text(TINY_POLICY)
    (tmp_path / "policies" / "tests").mkdir()
    (tmp_path / "facts").mkdir()
    write_yaml(tmp_path / "facts" / "healthy.yaml", healthy())
    return tmp_path


def write_tests(root: Path, data: dict[str, Any], name: str = "tiny.yaml") -> Path:
    return write_yaml(root / "policies" / "tests" / name, data)


def run_files(root: Path, *paths: Path, **options: Any):
    policy_set = load_policy_set(root / "policies")
    files = load_test_files(list(paths) or [root / "policies" / "tests"], lambda: policy_set)
    return run_policy_tests(files, **options)


def bad_test_file(tiny: Path, cases: str) -> Path:
    """A test file named `bad` in the tiny set's tests folder, with these `cases:` lines."""
    path = tiny / "policies" / "tests" / "bad.yaml"
    path.write_text("apiVersion: phasegate/v1\nkind: PolicyTest\nname: bad\ncases:\n" + cases)
    return path


def load_error(root: Path, path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        run_files(root, path)
    return caught.value.lines()


# --- patches -----------------------------------------------------------------------------


def test_deep_merge_merges_mappings_replaces_the_rest_and_deletes_on_null():
    base = {"a": {"x": 1, "y": {"z": 2}}, "b": [1, 2], "c": 3, "d": {"k": 1}}
    patch = {"a": {"y": {"z": 5, "w": None}, "n": 4}, "b": [9], "c": None, "d": 7, "e": {"f": 1}}
    merged = deep_merge(base, patch)
    assert merged == {"a": {"x": 1, "y": {"z": 5}, "n": 4}, "b": [9], "d": 7, "e": {"f": 1}}
    assert base == {"a": {"x": 1, "y": {"z": 2}}, "b": [1, 2], "c": 3, "d": {"k": 1}}
    merged["a"]["x"] = 99
    assert base["a"]["x"] == 1  # no shared structure


def test_null_in_a_patch_makes_a_fact_missing_so_the_rule_errors(tiny: Path):
    path = write_tests(
        tiny,
        suite(
            "t",
            [
                {
                    "name": "no error rate",
                    "facts": "../../facts/healthy.yaml",
                    "patch": {"metrics": {"error_rate": None}},
                    "expect": {"verdict": "pause", "errored": ["tiny.errors"]},
                }
            ],
        ),
    )
    report = run_files(tiny, path)
    (case,) = report.cases
    assert case.passed, case.failures
    assert case.errored == (("tiny.errors", "missing fact: facts.metrics.error_rate"),)


# --- passing and failing cases -----------------------------------------------------------


def test_passing_and_failing_cases_and_what_a_failure_shows(tiny: Path):
    path = write_tests(
        tiny,
        suite(
            "tiny tests",
            [
                {
                    "name": "spike rolls back",
                    "facts": "../../facts/healthy.yaml",
                    "patch": {"metrics": {"error_rate": 0.5}},
                    "expect": {"verdict": "rollback", "fired": ["tiny.errors"]},
                },
                {
                    "name": "wrongly expects a pause",
                    "facts": "../../facts/healthy.yaml",
                    "patch": {"metrics": {"error_rate": 0.5}},
                    "expect": {
                        "verdict": "pause",
                        "fired": ["tiny.freeze"],
                        "not_fired": ["tiny.errors"],
                        "errored": ["tiny.phase2"],
                    },
                },
            ],
        ),
    )
    report = run_files(tiny, path)
    ok, bad = report.cases
    assert ok.passed and not bad.passed
    assert bad.failures == (
        "verdict: expected pause, got rollback",
        "fired: tiny.freeze did not fire (passed)",
        "not_fired: tiny.errors fired",
        "errored: tiny.phase2 did not error (skipped)",
    )
    assert report.exit_code == 1
    text = TEST_FORMATS["text"](report, False)
    assert "ok   spike rolls back" in text
    assert f"FAIL wrongly expects a pause ({path}:" in text
    assert (
        "expected: verdict pause; fired [tiny.freeze]; not_fired [tiny.errors]; "
        "errored [tiny.phase2]"
    ) in text
    assert "actual:   verdict rollback; fired [tiny.errors]; errored []" in text
    assert text.rstrip().endswith("2 cases: 1 passed, 1 failed")


def test_failure_lists_errored_rules_with_their_error(tiny: Path):
    path = write_tests(
        tiny,
        suite(
            "t",
            [
                {
                    "name": "expects continue",
                    "facts": "../../facts/healthy.yaml",
                    "patch": {"metrics": {"throughput": None}},
                    "expect": {"verdict": "continue"},
                }
            ],
        ),
    )
    text = TEST_FORMATS["text"](run_files(tiny, path), False)
    assert (
        "actual:   verdict pause; fired []; errored "
        "[tiny.errors (missing fact: facts.metrics.throughput)]"
    ) in text


def test_inline_facts(tiny: Path):
    data = healthy(phase=2, freeze={"active": True})
    path = write_tests(
        tiny,
        suite(
            "t",
            [
                {
                    "name": "inline",
                    "facts": data,
                    "expect": {"verdict": "pause", "fired": ["tiny.freeze"]},
                }
            ],
        ),
    )
    assert run_files(tiny, path).exit_code == 0


# --- finding files -----------------------------------------------------------------------


def test_folders_are_searched_recursively_in_a_stable_order(tmp_path: Path):
    for name in ("b.yaml", "a.yml", "sub/c.yaml", ".hidden/d.yaml", "notes.txt", "sub/.e.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = find_test_files([tmp_path, tmp_path / "b.yaml"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.yml", "b.yaml", "sub/c.yaml"]
    with pytest.raises(InputError, match="not found"):
        find_test_files([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no test files"):
        find_test_files([tmp_path / "empty"])


def test_a_fifo_named_like_a_test_file_is_refused_not_opened(tmp_path: Path):
    """A hunt found `phasegate test` waiting forever on a FIFO named `*.yaml` in a folder
    it searched; a folder named `*.yaml` is searched, not read."""
    (tmp_path / "tests" / "more.yaml").mkdir(parents=True)
    (tmp_path / "tests" / "more.yaml" / "a.yaml").write_text("x")
    assert find_test_files([tmp_path / "tests"]) == [tmp_path / "tests" / "more.yaml" / "a.yaml"]
    os.mkfifo(tmp_path / "tests" / "pipe.yaml")
    with pytest.raises(InputError, match="named like a test file but a FIFO") as caught:
        find_test_files([tmp_path / "tests"])
    assert caught.value.location.file == str(tmp_path / "tests" / "pipe.yaml")


def test_facts_paths_are_relative_to_the_test_file_not_the_working_directory(tiny: Path):
    write_tests(
        tiny,
        suite(
            "t",
            [
                {
                    "name": "healthy",
                    "facts": "../../facts/healthy.yaml",
                    "expect": {"verdict": "continue"},
                }
            ],
            policies="..",
        ),
        name="nested.yaml",
    )
    elsewhere = tiny / "elsewhere"
    elsewhere.mkdir()
    result = call_cli("test", str(tiny / "policies" / "tests"), cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert "ok   healthy" in result.stdout
    assert f"policy set {tiny / 'policies'}" in result.stdout


# --- invalid test files ------------------------------------------------------------------


def test_schema_problems_are_located(tiny: Path):
    path = bad_test_file(
        tiny,
        "  - name: one\n"
        "    facts: ../../facts/healthy.yaml\n"
        "    expect: {verdict: maybe, fird: [tiny.errors]}\n",
    )
    lines = load_error(tiny, path)
    assert lines == [
        f"{path}:7:23: error: cases[0].expect.verdict: must be one of "
        '"continue", "pause", "rollback"; got "maybe"',
        f"{path}:7:30: error: cases[0].expect.fird: unknown field "
        "(allowed: errored, fired, not_fired, pending, verdict)",
    ]


def test_missing_facts_file_is_located_at_the_facts_value(tiny: Path):
    path = bad_test_file(
        tiny,
        "  - name: one\n"
        "    facts: ../facts/healthy.yaml\n"
        "    expect: {verdict: continue, fired: [tiny.nope]}\n",
    )
    missing, unknown = load_error(tiny, path)
    assert missing.startswith(f"{path}:6:12: error: case 'one': facts file not found: ")
    assert "../facts/healthy.yaml" in missing
    assert unknown.startswith(f"{path}:7:41: error: case 'one': expect.fired: unknown rule id")


def test_a_facts_file_that_is_a_fifo_or_a_folder_is_named_as_such_not_opened(tiny: Path):
    """A FIFO named as a case's facts file was reported "not found": it is there, and is
    refused for what it is, before anything opens (and waits on) it."""
    os.mkfifo(tiny / "facts" / "pipe.yaml")
    (tiny / "facts" / "folder.yaml").mkdir()
    path = bad_test_file(
        tiny,
        "  - name: one\n"
        "    facts: ../../facts/pipe.yaml\n"
        "    expect: {verdict: continue}\n"
        "  - name: two\n"
        "    facts: ../../facts/folder.yaml\n"
        "    expect: {verdict: continue}\n",
    )
    pipe, folder = load_error(tiny, path)
    assert pipe.startswith(
        f"{path}:6:12: error: case 'one': facts file ../../facts/pipe.yaml is not a regular "
        "file: a FIFO (named pipe) (relative to this file: "
    )
    assert folder.startswith(
        f"{path}:9:12: error: case 'two': facts file ../../facts/folder.yaml is not a "
        "regular file: a folder (relative to this file: "
    )


def test_unknown_rule_id_in_expect_suggests_the_closest(tiny: Path):
    path = bad_test_file(
        tiny,
        "  - name: one\n"
        "    facts: ../../facts/healthy.yaml\n"
        "    expect:\n"
        "      fired: [tiny.freeze, tiny.erors]\n"
        "      not_fired: [tiny.freeze, zzz.qqq]\n",
    )
    lines = load_error(tiny, path)
    policies = tiny / "policies"
    assert lines == [
        f"{path}:8:15: error: case 'one': rule tiny.freeze is in both expect.fired and "
        "expect.not_fired: no result satisfies both",
        f"{path}:8:28: error: case 'one': expect.fired: unknown rule id 'tiny.erors' in the "
        f"policy set {policies} (did you mean tiny.errors?)",
        f"{path}:9:32: error: case 'one': expect.not_fired: unknown rule id 'zzz.qqq' in the "
        f"policy set {policies}",
    ]


def test_invalid_facts_after_patch_are_located_in_the_patch(tiny: Path):
    path = bad_test_file(
        tiny,
        "  - name: typed wrong\n"
        "    facts: ../../facts/healthy.yaml\n"
        "    patch:\n"
        "      metrics: {error_rate: high}\n"
        "    expect: {verdict: continue}\n"
        "  - name: no change\n"
        "    facts: ../../facts/healthy.yaml\n"
        "    patch: {change: null}\n"
        "    expect: {verdict: continue}\n"
        "  - name: inline\n"
        "    facts: {apiVersion: phasegate/v1, kind: Facts, phase: 7}\n"
        "    expect: {verdict: continue}\n"
        "  - name: typo\n"
        "    facts: ../../facts/healthy.yaml\n"
        "    patch: {metrcs: {error_rate: 1}}\n"
        "    expect: {verdict: continue}\n",
    )
    lines = load_error(tiny, path)
    assert [line.split(" (allowed:")[0] for line in lines] == [
        f"{path}:8:29: error: case 'typed wrong': facts invalid after patch: "
        'metrics.error_rate: expected number, got string "high"',
        f"{path}:12:5: error: case 'no change': facts invalid after patch: "
        "change: required field missing",
        f"{path}:15:12: error: case 'inline': facts invalid: change: required field missing",
        f"{path}:15:12: error: case 'inline': facts invalid: collected_at: required field missing",
        f"{path}:15:59: error: case 'inline': facts invalid: phase: must be one of 0, 1, 2; got 7",
        f"{path}:19:13: error: case 'typo': facts invalid after patch: metrcs: unknown field",
    ]


def test_invalid_facts_file_is_reported_in_that_file_once(tiny: Path):
    broken = write_yaml(tiny / "facts" / "broken.yaml", healthy(phase=9))
    case = {"facts": "../../facts/broken.yaml", "expect": {"verdict": "continue"}}
    path = write_tests(
        tiny, suite("t", [{"name": "a", **case}, {"name": "b", **case}, {"name": "a", **case}])
    )
    lines = load_error(tiny, path)
    assert [line for line in lines if "facts invalid" in line] == [
        f"{broken}:3:8: error: facts invalid: phase: must be one of 0, 1, 2; got 9"
    ]
    assert any("duplicate case name 'a'" in line and f"{path}:" in line for line in lines)


def test_missing_policies_folder_is_located(tiny: Path):
    path = write_tests(
        tiny,
        suite(
            "t",
            [{"name": "a", "facts": "../../facts/healthy.yaml", "expect": {"verdict": "continue"}}],
            policies="../nope",
        ),
    )
    (line,) = load_error(tiny, path)
    assert (
        line == f"{path}:4:11: error: policies: folder not found: ../nope (relative to this file)"
    )


def test_cli_exit_3_with_located_lines_for_invalid_test_files(tiny: Path):
    (tiny / "policies" / "tests" / "bad.yaml").write_text("apiVersion: phasegate/v1\nkind: [\n")
    result = run_cli("test", cwd=tiny)
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr.startswith("policies/tests/bad.yaml:")
    assert "error: not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_exit_3_for_invalid_policies(tiny: Path):
    (tiny / "policies" / "broken.yaml").write_text("apiVersion: phasegate/v1\nkind: Policy\n")
    write_tests(
        tiny,
        suite(
            "t",
            [{"name": "a", "facts": "../../facts/healthy.yaml", "expect": {"verdict": "continue"}}],
        ),
    )
    result = call_cli("test", cwd=tiny)
    assert result.returncode == 3
    assert "policies/broken.yaml:" in result.stderr


# --- coverage ----------------------------------------------------------------------------


def tiny_cases() -> list[dict[str, Any]]:
    base = "../../facts/healthy.yaml"
    return [
        {"name": "healthy", "facts": base, "expect": {"verdict": "continue"}},
        {
            "name": "error spike",
            "facts": base,
            "patch": {"metrics": {"error_rate": 0.5}},
            "expect": {"fired": ["tiny.errors"]},
        },
        {
            "name": "no throughput",
            "facts": base,
            "patch": {"metrics": {"throughput": None}},
            "expect": {"errored": ["tiny.errors"]},
        },
        {
            "name": "frozen",
            "facts": base,
            "patch": {"freeze": {"active": True}},
            "expect": {"fired": ["tiny.freeze"]},
        },
    ]


def test_rule_coverage_counts_fired_passed_error_and_skipped(tiny: Path):
    write_tests(tiny, suite("t", tiny_cases()))
    report = run_files(tiny, coverage=True)
    (coverage,) = report.coverage
    assert coverage.policies == str(tiny / "policies")
    table = {
        rule.id: (rule.fired, rule.passed, rule.errored, rule.skipped, rule.covered)
        for rule in coverage.rules
    }
    assert table == {
        "tiny.errors": (1, 2, 1, 0, True),
        "tiny.freeze": (1, 3, 0, 0, True),
        "tiny.phase2": (0, 0, 0, 4, False),
    }
    assert coverage.rules_covered == 2
    assert report.exit_code == 0  # no minimum asked for
    text = TEST_FORMATS["text"](report, False)
    assert "rules covered both ways (fired and passed): 2/3 (66.6%)" in text
    assert f"  {tiny / 'policies' / 'tiny.yaml'}:11: tiny.phase2: never fired, never passed" in text


def test_percent_rounds_down_and_minimums_compare_exactly():
    assert percent(2, 3) == 66.6
    assert percent(9999, 10000) == 99.9
    assert percent(0, 0) == 100.0
    assert meets(2, 3, 66.6) and not meets(2, 3, 66.7)
    assert meets(3, 3, 100) and not meets(9999, 10000, 100)
    # exactly the minimum written, where the double nearest 64.4 is a hair above it
    assert meets(161, 250, 64.4) and meets(33, 375, 8.8) and not meets(160, 250, 64.4)


def test_min_coverage_fails_the_run(tiny: Path):
    write_tests(tiny, suite("t", tiny_cases()))
    low = run_cli("test", "--min-coverage", "67", cwd=tiny)
    assert low.returncode == 1
    assert "phasegate: rule coverage 66.6% (2/3) is below --min-coverage 67" in low.stderr
    assert "3 rules" in low.stdout  # --min-coverage implies --coverage
    enough = call_cli("test", "--min-coverage", "66.6", cwd=tiny)
    assert enough.returncode == 0, enough.stderr
    assert call_cli("test", "--min-coverage", "101", cwd=tiny).returncode == 2
    for flag in ("--min-coverage", "--min-branch-coverage"):  # no comparison with NaN is true
        refused = call_cli("test", flag, "nan", cwd=tiny)
        assert refused.returncode == 2 and "nan is not a percentage" in refused.stderr


def test_branch_coverage_counts_each_operand(tiny: Path):
    write_tests(tiny, suite("t", tiny_cases()))
    report = run_files(tiny, coverage=True, trace=trace_rule)
    rules = {rule.id: rule for rule in report.coverage[0].rules}
    errors = {
        branch.text: (branch.true, branch.false, branch.error)
        for branch in rules["tiny.errors"].branches
    }
    assert errors == {
        "facts.metrics.error_rate > 0.1": (1, 3, 0),
        "facts.metrics.throughput < 1.0": (0, 3, 1),
    }
    freeze = {b.text: (b.true, b.false, b.error, b.covered) for b in rules["tiny.freeze"].branches}
    assert freeze == {
        "has(facts.freeze)": (1, 3, 0, True),
        "facts.freeze.active": (1, 0, 3, False),
    }
    assert rules["tiny.phase2"].branches == ()
    (branch,) = [b for b in rules["tiny.errors"].branches if not b.covered]
    policy = tiny / "policies" / "tiny.yaml"
    assert str(branch.location) == f"{policy}:6:45"
    text = TEST_FORMATS["text"](report, False)
    assert "branches of && and || decided both ways: 2/4 (50.0%)" in text
    assert (
        f"  {policy}:6:45: tiny.errors: `facts.metrics.throughput < 1.0` only false and error"
    ) in text
    assert f"  {policy}:9:32: tiny.freeze: `facts.freeze.active` only true and error" in text
    assert report.exit_code == 0
    below = run_files(tiny, coverage=True, trace=trace_rule, min_branch_coverage=50.1)
    assert below.exit_code == 1
    assert below.shortfalls() == ["branch coverage 50.0% (2/4) is below --min-branch-coverage 50.1"]


# --- formats -----------------------------------------------------------------------------


def test_junit_has_a_suite_per_file_and_a_case_per_case(tiny: Path):
    cases = tiny_cases()
    cases[1]["expect"] = {"verdict": "pause"}
    write_tests(tiny, suite("first", cases), name="a.yaml")
    write_tests(tiny, suite("second", tiny_cases()[:2]), name="b.yaml")
    result = call_cli("test", "--format", "junit", "--coverage", cwd=tiny)
    assert result.returncode == 1
    root = ET.fromstring(result.stdout)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("6", "1")
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures")) for s in suites] == [
        ("first", "4", "1"),
        ("second", "2", "0"),
    ]
    assert [c.get("name") for c in suites[0].findall("testcase")] == [
        "healthy",
        "error spike",
        "no throughput",
        "frozen",
    ]
    (failure,) = root.iter("failure")
    assert failure.get("message") == "verdict: expected pause, got rollback"
    assert "actual: verdict rollback; fired [tiny.errors]" in failure.text
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert properties["coverage.policies.rules"] == "2/3 (66.6%)"


def test_json_report(tiny: Path):
    write_tests(tiny, suite("t", tiny_cases()))
    result = call_cli("test", "--format", "json", "--coverage", cwd=tiny)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["summary"] == {"cases": 4, "passed": 4, "failed": 0}
    (file,) = data["files"]
    assert file["file"] == "policies/tests/tiny.yaml"
    assert file["cases"][2]["actual"] == {
        "verdict": "pause",
        "fired": [],
        "errored": [{"id": "tiny.errors", "error": "missing fact: facts.metrics.throughput"}],
        "pending": [],
    }
    (coverage,) = data["coverage"]
    assert (coverage["rules_covered"], coverage["rules_total"]) == (2, 3)
    assert data["exit_code"] == 0
    # another process, another hash seed: the same bytes
    assert run_cli("test", "--format", "json", "--coverage", cwd=tiny).stdout == result.stdout


def test_output_file_is_written(tiny: Path):
    write_tests(tiny, suite("t", tiny_cases()))
    result = call_cli("test", "--format", "junit", "-o", "out/report.xml", cwd=tiny)
    assert result.returncode == 0 and result.stdout == ""
    assert ET.parse(tiny / "out" / "report.xml").getroot().get("tests") == "4"


def test_policytest_schema_command():
    result = call_cli("schema", "policytest")
    assert result.returncode == 0
    assert json.loads(result.stdout) == json.loads(
        (ROOT / "schemas" / "policytest.schema.json").read_text()
    )


# --- the shipped tests -------------------------------------------------------------------


def test_shipped_tests_pass_and_cover_every_shipped_rule_both_ways():
    result = run_cli("test", "--coverage", "--min-coverage", "100")
    assert result.returncode == 0, result.stdout + result.stderr
    rules = len(load_policy_set(POLICIES).rules)
    assert f"rules covered both ways (fired and passed): {rules}/{rules} (100.0%)" in result.stdout
    branches = re.search(
        r"branches of && and \|\| decided both ways: (\d+)/(\d+) \(100.0%\)", result.stdout
    )
    assert branches and branches.group(1) == branches.group(2) and int(branches.group(1)) >= 18
    assert " 0 failed" in result.stdout


def test_shipped_tests_name_every_shipped_rule_and_use_the_fixtures():
    policy_set = load_policy_set(POLICIES)
    files = load_test_files([POLICIES / "tests"], lambda: policy_set)
    assert sorted(Path(f.source).name for f in files) == sorted(
        p.name for p in POLICIES.glob("*.yaml")
    )
    report = run_policy_tests(files, coverage=True)
    (coverage,) = report.coverage
    assert len(coverage.rules) == len(policy_set.rules) >= 16
    assert all(rule.covered for rule in coverage.rules)
    assert sum(rule.errored > 0 for rule in coverage.rules) >= 5  # on_error is tested too
    assert not report.failed
    assert FIXTURES.is_dir()
