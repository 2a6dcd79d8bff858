"""Policy tests for rules over time: a case's `history`, `expect.pending`, and coverage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import HEALTHY_PHASE1, write_yaml
from phasegate.core.policy import load_policy_set
from phasegate.errors import InputError
from phasegate.review.coverage import compute_coverage
from phasegate.review.testing import load_test_files, run_policy_tests
from phasegate.review.trace import trace_rule

SUSTAINED = """\
apiVersion: phasegate/v1
kind: Policy
name: sustained
phases: [1, 2]
params: {limit: 0.05}
rules:
  - id: sustained.errors
    when: facts.metrics.error_rate > params.limit
    for: 3
    verdict: rollback
  - id: sustained.rising
    when: |
      size(history) > 0
        && facts.metrics.error_rate > history[size(history) - 1].metrics.error_rate
    verdict: pause
"""

HIGH = {"metrics": {"error_rate": 0.2}}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "policies" / "tests").mkdir(parents=True)
    (tmp_path / "policies" / "sustained.yaml").write_text(SUSTAINED)
    write_yaml(tmp_path / "healthy.yaml", HEALTHY_PHASE1)
    return tmp_path


def run(root: Path, cases: list[dict[str, Any]], coverage: bool = False):
    path = write_yaml(
        root / "policies" / "tests" / "t.yaml",
        {
            "apiVersion": "phasegate/v1",
            "kind": "PolicyTest",
            "name": "t",
            "policies": "..",
            "cases": cases,
        },
    )
    files = load_test_files([path], lambda: load_policy_set(root / "policies"))
    return run_policy_tests(files, coverage=coverage, trace=trace_rule if coverage else None)


def case(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "facts": "../../healthy.yaml", **fields}


def test_without_history_a_for_rule_is_pending(root: Path):
    report = run(root, [case("one", patch=HIGH, expect={"pending": ["sustained.errors"]})])
    [result] = report.cases
    assert result.passed, result.failures
    assert result.pending == ("sustained.errors",)
    assert result.verdict.label == "pause"


def test_patches_before_the_case_make_the_rule_fire(root: Path):
    report = run(
        root,
        [
            case(
                "three",
                history=[{"patch": HIGH}, {"patch": HIGH}],
                patch=HIGH,
                expect={"verdict": "rollback", "fired": ["sustained.errors"]},
            ),
            case(
                "broken streak",
                history=[{"patch": HIGH}, {"patch": {}}],
                patch=HIGH,
                expect={"verdict": "pause", "pending": ["sustained.errors"]},
            ),
        ],
    )
    assert [c.failures for c in report.cases] == [(), ()]


def test_a_wrong_pending_expectation_fails_and_says_why(root: Path):
    report = run(root, [case("one", patch=HIGH, expect={"fired": ["sustained.errors"]})])
    [result] = report.cases
    assert result.failures == ("fired: sustained.errors did not fire (pending, held 1 of 3)",)
    report = run(root, [case("two", expect={"pending": ["sustained.errors"]})])
    assert report.cases[0].failures == (
        "pending: sustained.errors is not pending (passed, held 0 of 3)",
    )


def test_inline_documents_and_history_variable(root: Path):
    earlier = {**HEALTHY_PHASE1, "collected_at": "2026-11-20T09:55:00Z"}
    report = run(
        root,
        [
            case(
                "rising",
                history=[{"facts": earlier}],
                patch={"metrics": {"error_rate": 0.02}},
                expect={"verdict": "pause", "fired": ["sustained.rising"]},
            ),
            case(
                "another change's snapshots do not count",
                history=[{"facts": {**earlier, "change": {"commit": "other"}}}],
                patch={"metrics": {"error_rate": 0.02}},
                expect={"verdict": "continue", "not_fired": ["sustained.rising"]},
            ),
        ],
    )
    assert [c.failures for c in report.cases] == [(), ()]


def test_a_recording_as_history(root: Path):
    lines = [
        {**HEALTHY_PHASE1, "collected_at": f"2026-11-20T09:5{n}:00Z", **HIGH} for n in range(2)
    ]
    (root / "rec.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    cases = [
        case(name, history="../../rec.jsonl", patch=HIGH, expect={"fired": ["sustained.errors"]})
        for name in ("rec", "the same recording again")
    ]
    report = run(root, cases)
    assert [c.failures for c in report.cases] == [(), ()]
    # Read once for the run: a file of many cases naming one recording held a copy each.
    path = write_yaml(
        root / "policies" / "tests" / "t.yaml",
        {"apiVersion": "phasegate/v1", "kind": "PolicyTest", "name": "t", "cases": cases},
    )
    [loaded] = load_test_files([path], lambda: load_policy_set(root / "policies"))
    first, again = loaded.cases
    assert len(first.history) == 2 and first.history is again.history


@pytest.mark.parametrize(
    ("history", "says"),
    [
        ("../../missing.jsonl", "history recording not found: ../../missing.jsonl"),
        ([{"patch": {"metrics": {"error_rate": "high"}}}], "history[0]: facts invalid"),
        ([{"facts": {"kind": "Facts"}}], "history[0]: facts invalid"),
    ],
)
def test_bad_history_is_located(root: Path, history: Any, says: str):
    with pytest.raises(InputError) as caught:
        run(root, [case("bad", history=history, expect={"verdict": "continue"})])
    lines = caught.value.lines()
    assert any(says in line for line in lines), lines
    assert all("t.yaml:" in line for line in lines)


def test_a_recording_with_a_bad_line_is_refused(root: Path):
    (root / "rec.jsonl").write_text("{not json\n")
    with pytest.raises(InputError, match=r"history: .*rec\.jsonl:1"):
        run(root, [case("r", history="../../rec.jsonl", expect={"verdict": "continue"})])


def test_pending_and_fired_contradict(root: Path):
    with pytest.raises(InputError, match=r"both expect\.fired and expect\.pending"):
        run(
            root,
            [case("c", expect={"fired": ["sustained.errors"], "pending": ["sustained.errors"]})],
        )


def test_coverage_counts_pending_apart_from_fired(root: Path):
    report = run(
        root,
        [
            case("pending", patch=HIGH, expect={"pending": ["sustained.errors"]}),
            case("passed", expect={"not_fired": ["sustained.errors"]}),
        ],
        coverage=True,
    )
    [coverage] = report.coverage
    rule = next(r for r in coverage.rules if r.id == "sustained.errors")
    assert (rule.fired, rule.pending, rule.passed) == (0, 1, 1)
    assert not rule.covered  # pending is not fired: a for: rule needs a case that fires it
    report = run(
        root,
        [
            case(
                "fires", history=[{"patch": HIGH}] * 2, patch=HIGH, expect={"verdict": "rollback"}
            ),
            case("passed", expect={"not_fired": ["sustained.errors"]}),
        ],
        coverage=True,
    )
    [coverage] = compute_coverage(report.suites)
    rule = next(r for r in coverage.rules if r.id == "sustained.errors")
    assert (rule.fired, rule.pending, rule.covered) == (1, 0, True)


def test_the_wheel_ships_every_policy_and_no_policy_tests():
    import tomllib

    from conftest import POLICIES, ROOT

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    included = project["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    # policies/tests goes to _data/policy-tests, for `init` (tests/test_init.py), never into
    # _data/policies, which is loaded as the shipped set.
    policies = {source for source in included if source.startswith("policies/")} - {
        "policies/tests"
    }
    assert policies == {f"policies/{path.name}" for path in POLICIES.glob("*.yaml")}
    assert all(included[source] == f"phasegate/_data/{source}" for source in policies)


def test_branch_coverage_traces_each_case_with_its_history(root: Path):
    """A hunt found operands over `history` traced without it: `size(history) > 0` was
    "only false" even in the case where the rule fired on it."""

    def earlier(rate: float) -> dict[str, Any]:
        metrics = {**HEALTHY_PHASE1["metrics"], "error_rate": rate}
        return {**HEALTHY_PHASE1, "collected_at": "2026-11-20T09:55:00Z", "metrics": metrics}

    report = run(
        root,
        [
            case(
                "rising",
                history=[{"facts": earlier(0.01)}],
                patch={"metrics": {"error_rate": 0.02}},
                expect={"fired": ["sustained.rising"]},
            ),
            case(
                "falling",
                history=[{"facts": earlier(0.05)}],
                patch={"metrics": {"error_rate": 0.02}},
                expect={"not_fired": ["sustained.rising"]},
            ),
            case("no history", expect={"not_fired": ["sustained.rising"]}),
        ],
        coverage=True,
    )
    assert [c.failures for c in report.cases] == [(), (), ()]
    [coverage] = report.coverage
    rising = next(r for r in coverage.rules if r.id == "sustained.rising")
    outcomes = {branch.text.split()[0]: (branch.true, branch.false) for branch in rising.branches}
    assert outcomes == {"size(history)": (2, 1), "facts.metrics.error_rate": (1, 1)}
    assert all(branch.covered for branch in rising.branches)


WINDOW = """\
apiVersion: phasegate/v1
kind: Policy
name: window
phases: [1]
rules:
  - id: window.fifty
    when: size(history) >= 50
    verdict: pause
  - id: window.more
    when: size(history) > 50
    verdict: pause
"""


def test_a_case_sees_the_history_evaluate_would(root: Path):
    """`history` holds at most `--history-count` (50) earlier snapshots in `evaluate`; a
    test case with 60 saw all 60, so a test could pass on a rule the gate never fires."""
    (root / "policies" / "window.yaml").write_text(WINDOW)
    sixty = [{"patch": {"metrics": {"error_rate": 0.01}}}] * 60
    report = run(
        root,
        [case("sixty earlier", history=sixty, expect={"fired": ["window.fifty"]})],
    )
    [result] = report.cases
    assert result.failures == ()
    assert "window.more" not in result.fired and len(result.history) == 50
