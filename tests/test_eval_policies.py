"""`eval --policies DIR`: the set's params bound as its rules see them, and the expression
refused where loading would refuse it in a rule."""

from __future__ import annotations

from conftest import FIXTURES, POLICIES, call_cli

HEALTHY = str(FIXTURES / "phase1-healthy.yaml")


def test_params_of_the_set_are_bound_as_doubles():
    done = call_cli("eval", "params.regression_factor * 2.0", "--policies", str(POLICIES))
    assert (done.returncode, done.stdout, done.stderr) == (0, "3.0 (double)\n", "")
    done = call_cli(
        "eval",
        "facts.metrics.error_rate > facts.baseline.error_rate * params.regression_factor",
        "--policies", str(POLICIES), "--facts", HEALTHY,
    )  # fmt: skip
    assert done.stdout == "false (bool)\n"


def test_a_param_two_files_give_different_values_needs_policy(tmp_path):
    folder = tmp_path / "policies"
    folder.mkdir()
    for name, value in (("a", "1"), ("b", "2")):
        (folder / f"{name}.yaml").write_text(
            f"apiVersion: phasegate/v1\nkind: Policy\nname: {name}\nparams: {{limit: {value}}}\n"
            f"rules:\n  - {{id: {name}.r, when: 'params.limit > 0.0', verdict: pause}}\n",
            encoding="utf-8",
        )
    done = call_cli("eval", "params.limit", "--policies", str(folder))
    assert done.returncode == 2
    assert "params.limit differs between policies a and b: pick one with --policy" in done.stderr
    picked = call_cli("eval", "params.limit", "--policies", str(folder), "--policy", "b")
    assert picked.stdout == "2.0 (double)\n"
    unknown = call_cli("eval", "params.limit", "--policies", str(folder), "--policy", "c")
    assert unknown.returncode == 2 and "no policy named 'c' (policies: a, b)" in unknown.stderr


def test_what_loading_refuses_eval_refuses_with_the_same_words():
    misspelt = call_cli("eval", "params.regresion_factor", "--policies", str(POLICIES))
    assert misspelt.returncode == 3
    assert misspelt.stderr.startswith("<expr>:1:1: error: unknown param 'params.regresion_factor'")
    fact = call_cli("eval", "facts.metric.error_rate > 0.1", "--facts", HEALTHY)
    assert (fact.returncode, fact.stderr) == (
        3,
        "<expr>:1:1: error: unknown fact 'facts.metric.error_rate' "
        "(did you mean facts.metrics.error_rate?)\n",
    )
    division = call_cli("eval", "facts.metrics.error_rate / x > 1.0", "--facts", HEALTHY,
                       "--set", "x=0.0")  # fmt: skip
    assert division.returncode == 3 and "which may be zero: guard it" in division.stderr
