"""Properties of the gate that every example must keep, whatever the facts and the rules.

Fail closed is a statement about all inputs, so it is checked over generated ones: facts
documents drawn from the facts schema's shape (random values within the caps), and policy
sets drawn from a pool of rules that fire, pass or error. Everything runs in-process, except
one subprocess that shows a decision's bytes do not depend on the process that made them.
"""

from __future__ import annotations

import copy
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, HEALTHY_PHASE1, POLICIES, ROOT, healthy, run_cli
from phasegate.cel import syntax
from phasegate.core.evaluate import RuleStatus, evaluate
from phasegate.core.facts import facts_from_data
from phasegate.core.policy import PolicySet, load_policy_set
from phasegate.core.verdict import Verdict
from phasegate.errors import InputError
from phasegate.report import json as json_report

#: Locating an error loads cel-python's parser, which raises the recursion limit once; do it
#: before hypothesis runs, so it does not warn that the limit changed under it.
syntax.parse_expression("1")

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- facts documents from the schema's shape ---------------------------------------------

#: Text as a producer may send it: any character the loader keeps (no NUL, no lone
#: surrogates), including controls, quotes, CEL and YAML syntax and right-to-left marks.
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=12,
)
NAME = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_-]{0,8}\Z")
NON_EMPTY = TEXT.filter(bool)
INT64 = st.integers(-(2**63), 2**63 - 1)
COUNT = st.integers(0, 2**63 - 1)
DOUBLE = st.floats(allow_nan=False, allow_infinity=False)
NUMBER = DOUBLE | INT64
NON_NEGATIVE = st.floats(0, allow_nan=False, allow_infinity=False) | COUNT
RATE = st.floats(0, 1) | st.sampled_from([0, 1])


@st.composite
def timestamps(draw: st.DrawFn) -> str:
    """RFC 3339 as producers write it: any year the format allows, fractions down to the
    nanosecond, lower-case separators, offsets."""
    when = draw(st.datetimes(min_value=__import__("datetime").datetime(1, 1, 1)))
    text = when.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0")
    text += draw(st.sampled_from(["", ".5", ".123456789", ".000000001"]))
    zone = draw(st.sampled_from(["Z", "z", "+00:00", "-07:30", "+14:00"]))
    separator = draw(st.sampled_from(["T", "t"]))
    return text[:10] + separator + text[11:] + zone


JSON = st.recursive(
    st.none() | st.booleans() | NUMBER | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


def _metrics() -> st.SearchStrategy[dict[str, Any]]:
    known = st.fixed_dictionaries(
        {},
        optional={
            "error_rate": RATE,
            "lock_contention_rate": RATE,
            "agent_completion_rate": RATE,
            "agents_total": COUNT,
            "agents_failed": COUNT,
            "throughput": NON_NEGATIVE,
            "new_failures": NON_NEGATIVE,
        },
    )
    other = st.dictionaries(NAME, NUMBER, max_size=3)
    return st.tuples(other, known).map(lambda pair: {**pair[0], **pair[1]})


CHECK = st.fixed_dictionaries(
    {"exit_code": st.integers(-(2**31), 2**31)},
    optional={
        "command": TEXT | st.lists(TEXT, max_size=3),
        "duration_ms": NON_NEGATIVE,
        "output": JSON,
        "stdout_tail": TEXT,
        "stderr_tail": TEXT,
    },
)


@st.composite
def checks(draw: st.DrawFn) -> dict[str, Any]:
    """Checks whose fields agree (loading refuses `ok: true` with a failing exit code)."""
    found = {}
    for name in draw(st.lists(NAME, max_size=4, unique=True)):
        check = draw(CHECK)
        timed_out = draw(st.none() | st.booleans())
        if timed_out is not None:
            check["timed_out"] = timed_out
        if draw(st.booleans()):
            check["ok"] = check["exit_code"] == 0 and not timed_out
        found[name] = check
    return found


INCIDENT = st.fixed_dictionaries(
    {
        "id": NON_EMPTY,
        "severity": st.sampled_from(["P0", "P1", "P2", "P3", "P4"]),
        "status": st.sampled_from(["open", "mitigated", "resolved"]),
    },
    optional={"title": TEXT},
)

FACTS = st.fixed_dictionaries(
    {
        "apiVersion": st.just("phasegate/v1"),
        "kind": st.just("Facts"),
        "phase": st.sampled_from([0, 1, 2]),
        "collected_at": timestamps(),
        "change": st.fixed_dictionaries(
            {"commit": NON_EMPTY}, optional={"tag": NON_EMPTY, "last_known_good": NON_EMPTY}
        ),
    },
    optional={
        "phase_started_at": timestamps(),
        "owners": st.fixed_dictionaries({}, optional={"release": TEXT, "rollback": TEXT}),
        "deployed_version": TEXT,
        "checks": checks(),
        "metrics": _metrics(),
        "baseline": _metrics(),
        "incidents": st.lists(INCIDENT, max_size=3),
        "contract": st.fixed_dictionaries(
            {},
            optional={
                "drift": st.lists(TEXT, max_size=3),
                "nondeterministic_exits": st.lists(TEXT, max_size=3),
            },
        ),
        "state": st.fixed_dictionaries(
            {}, optional={"corruption_indicators": COUNT, "db_integrity_ok": st.booleans()}
        ),
        "freeze": st.fixed_dictionaries(
            {"active": st.booleans()}, optional={"reason": TEXT, "since": timestamps()}
        ),
        "operator": NON_EMPTY,
        "counts": st.dictionaries(NAME, NON_NEGATIVE, max_size=3),
        "labels": st.dictionaries(TEXT, TEXT, max_size=3),
        "extra": st.dictionaries(TEXT, JSON, max_size=4)
        | st.fixed_dictionaries({"new_failure_categories": st.lists(TEXT, max_size=3)}),
    },
)


def decide_bytes(data: dict[str, Any], policy_set: PolicySet) -> str:
    return json_report.render(evaluate(facts_from_data(data, "facts.json"), policy_set))


# --- a policy set with rules that walk every part of the document -------------------------

#: Rules that read what a producer controls, in the ways rule authors write: conversions,
#: comprehensions over maps and lists, string functions, regexes, timestamps, messages.
WALKING = """\
apiVersion: phasegate/v1
kind: Policy
name: walking
params: {limit: 0.5, kinds: [timeout, crash]}
rules:
  - id: walk.labels
    when: facts.labels.exists(k, k.matches('^[a-z]+$') && facts.labels[k].size() > 3)
    verdict: pause
    message: "labels {{ facts.labels }} {{ facts.labels.map(k, k.upperAscii()).size() }}"
  - id: walk.metrics
    when: facts.metrics.exists(k, facts.metrics[k] > params.limit)
    verdict: pause
    message: "{{ facts.metrics.map(k, facts.metrics[k]).max() }}"
  - id: walk.extra
    when: facts.extra.exists(k, type(facts.extra[k]) == string && facts.extra[k].contains('x'))
    verdict: pause
  - id: walk.converted
    when: >-
      has(facts.labels.rate) && double(facts.labels.rate) > params.limit
    verdict: rollback
  - id: walk.window
    when: has(facts.phase_started_at) && now - timestamp(facts.phase_started_at) < duration('1h')
    verdict: pause
    message: >-
      started {{ timestamp(facts.phase_started_at) }},
      {{ now - timestamp(facts.phase_started_at) }} ago
  - id: walk.checks
    when: facts.checks.exists(n, !facts.checks[n].ok)
    verdict: rollback
    message: "{{ facts.checks.filter(n, !facts.checks[n].ok).size() }} failed"
  - id: walk.version
    when: facts.deployed_version.trimPrefix('v') != facts.change.tag.trimPrefix('v')
    verdict: rollback
    message: >-
      {{ facts.deployed_version.capture('([0-9]+)') }}
      {{ strings.quote(facts.deployed_version) }}
  - id: walk.categories
    when: facts.extra.new_failure_categories.exists(c, !(c in params.kinds))
    verdict: pause
  - id: walk.counts
    when: facts.counts.commands > 0 && facts.counts.errors * 4 >= facts.counts.commands
    verdict: rollback
"""


@pytest.fixture(scope="module")
def walking(tmp_path_factory: pytest.TempPathFactory) -> PolicySet:
    folder = tmp_path_factory.mktemp("walking")
    (folder / "walking.yaml").write_text(WALKING)
    return load_policy_set(folder)


@pytest.fixture(scope="module")
def shipped() -> PolicySet:
    return load_policy_set(POLICIES, display="policies")


@SETTINGS
@given(FACTS)
def test_evaluate_never_raises_for_a_document_the_schema_accepts(shipped, walking, data):
    try:
        facts = facts_from_data(copy.deepcopy(data), "facts.json")
    except InputError as refused:  # the strategy is meant to stay inside the schema
        pytest.fail(f"schema refused a generated document: {refused}")
    for policy_set in (shipped, walking):
        decision = evaluate(facts, policy_set)
        text = json_report.render(decision)  # and every report of it can be written
        assert json.loads(text)["verdict"] == decision.verdict.label
        for result in decision.results:
            if result.status is RuleStatus.ERROR:
                assert decision.verdict >= result.on_error > Verdict.CONTINUE


# --- verdicts: the most severe contribution, never relaxed by a rule that fires -----------

POOL = """\
apiVersion: phasegate/v1
kind: Policy
name: pool
rules:
  - {id: fires.continue, when: 'true', verdict: continue}
  - {id: fires.pause, when: 'true', verdict: pause}
  - {id: fires.rollback, when: 'true', verdict: rollback}
  - {id: passes, when: 'false', verdict: rollback}
  - {id: data.pause, when: facts.extra.x > 0.5, verdict: pause}
  - {id: data.rollback, when: 'facts.extra.x > 0.9', verdict: rollback, on_error: rollback}
  - {id: errors.missing, when: facts.extra.absent > 1.0, verdict: continue}
  - id: errors.missing-rollback
    when: facts.extra.absent > 1.0
    verdict: pause
    on_error: rollback
  - {id: errors.division, when: 1 / int(phase - phase) > 0, verdict: continue}
  - {id: errors.type, when: facts.extra.x + 1 > 0, verdict: continue, on_error: pause}
  - {id: errors.not-bool, when: facts.extra.x, verdict: rollback}
  - {id: errors.nan, when: "double('NaN') < 1.0 || double('NaN') >= 1.0", verdict: rollback}
  - {id: other-phase, phases: [3], when: facts.extra.absent > 1.0, verdict: rollback}
"""


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> PolicySet:
    folder = tmp_path_factory.mktemp("pool")
    (folder / "pool.yaml").write_text(POOL.replace("phases: [3], ", "phases: [2], "))
    return load_policy_set(folder)


def with_rules(policy_set: PolicySet, ids: list[str]) -> PolicySet:
    """The pool narrowed to `ids`, in that order (a sub-set decides like a set that held
    only those rules: nothing else depends on the rest)."""
    (policy,) = policy_set.policies
    by_id = {rule.id: rule for rule in policy.rules}
    return policy_set._replace(policies=(policy._replace(rules=tuple(by_id[i] for i in ids)),))


RULE_IDS = [
    "fires.continue",
    "fires.pause",
    "fires.rollback",
    "passes",
    "data.pause",
    "data.rollback",
    "errors.missing",
    "errors.missing-rollback",
    "errors.division",
    "errors.type",
    "errors.not-bool",
    "errors.nan",
    "other-phase",
]
POOL_FACTS = st.fixed_dictionaries(
    {"phase": st.sampled_from([0, 1, 2]), "x": st.floats(0, 1) | st.integers(0, 1)}
).map(
    lambda drawn: {
        **copy.deepcopy(HEALTHY_PHASE1),
        "phase": drawn["phase"],
        "extra": {"x": drawn["x"]},
    }
)


@SETTINGS
@given(POOL_FACTS, st.lists(st.sampled_from(RULE_IDS), unique=True), st.sampled_from(RULE_IDS))
def test_a_verdict_is_the_max_of_contributions_and_adding_a_rule_never_relaxes_it(
    pool, data, ids, added
):
    facts = facts_from_data(data, "facts.json")
    before = judged(facts, with_rules(pool, [i for i in ids if i != added]))
    after = judged(facts, with_rules(pool, [*[i for i in ids if i != added], added]))
    if after is None:  # no rule judges this phase: no verdict at all, before either
        assert before is None
        return
    if before is None:  # the added rule is the first to judge the phase
        assert after.verdict == max(result.contribution for result in after.results)
        return
    for decision in (before, after):
        contributions = [result.contribution for result in decision.results]
        assert decision.verdict == max(contributions, default=Verdict.CONTINUE)
        if any(result.status is RuleStatus.ERROR for result in decision.results):
            assert decision.verdict > Verdict.CONTINUE
    assert after.verdict >= before.verdict
    new = after.results[-1]
    assert after.verdict >= new.contribution
    if new.status is RuleStatus.FIRED:
        assert after.verdict >= new.verdict
    if new.status is RuleStatus.ERROR:
        assert after.verdict >= new.on_error > Verdict.CONTINUE


def judged(facts: Any, policy_set: Any) -> Any:
    """The decision, or None when no live rule of the set applies to the facts' phase: then
    there is no verdict (exit 3), never a continue."""
    live = [r for r in policy_set.rules if facts.phase in r.phases and not r.shadow]
    if not live:
        with pytest.raises(InputError, match="no rule of this policy set applies to phase"):
            evaluate(facts, policy_set)
        return None
    return evaluate(facts, policy_set)


def test_every_erroring_rule_in_the_pool_errors_and_none_continues(pool):
    """The pool's `errors.*` rules must really error, or the property above proves little."""
    facts = facts_from_data(healthy_with_x(0.7), "facts.json")
    decision = evaluate(facts, with_rules(pool, [i for i in RULE_IDS if i.startswith("errors.")]))
    assert {result.id: result.status for result in decision.results} == {
        i: RuleStatus.ERROR for i in RULE_IDS if i.startswith("errors.")
    }
    assert decision.verdict is Verdict.ROLLBACK


def healthy_with_x(x: float) -> dict[str, Any]:
    return {**copy.deepcopy(HEALTHY_PHASE1), "extra": {"x": x}}


# --- determinism ------------------------------------------------------------------------


def reordered(value: Any, order: list[int]) -> Any:
    """The same data with every mapping's keys in another order (reversed or rotated)."""
    if isinstance(value, dict):
        keys = list(value)
        if order and keys:
            shift = order[len(keys) % len(order)] % len(keys)
            keys = keys[shift:] + keys[:shift]
            if order[0] % 2:
                keys.reverse()
        return {key: reordered(value[key], order[1:] + order[:1]) for key in keys}
    if isinstance(value, list):
        return [reordered(item, order) for item in value]
    return value


@SETTINGS
@given(FACTS, st.lists(st.integers(0, 7), min_size=1, max_size=5))
def test_a_decision_is_the_same_bytes_whatever_the_key_order(shipped, walking, data, order):
    for policy_set in (shipped, walking):
        first = decide_bytes(copy.deepcopy(data), policy_set)
        assert decide_bytes(copy.deepcopy(data), policy_set) == first
        assert decide_bytes(reordered(copy.deepcopy(data), order), policy_set) == first


def test_a_decision_is_the_same_bytes_in_another_process(shipped, tmp_path):
    facts = healthy(metrics={**HEALTHY_PHASE1["metrics"], "error_rate": 0.5})
    facts["labels"] = {"note": 'ünïcode \u202e\n\t"quoted"', "b": "1", "a": "2"}
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    child = run_cli("evaluate", str(path), "--policies", "policies", "--format", "json")
    assert child.returncode == 20, child.stderr
    in_process = json_report.render(evaluate(facts_from_data(facts, "facts.json"), shipped))
    # the file name is not part of the decision; everything else must be identical bytes
    assert child.stdout == in_process


@pytest.mark.parametrize(
    "fixture", sorted(FIXTURES.glob("phase2-*.yaml"))[:3], ids=lambda p: p.name
)
def test_a_fixture_decides_the_same_in_process_as_on_the_command_line(
    shipped, fixture, monkeypatch
):
    from phasegate.core.facts import load_facts

    monkeypatch.chdir(ROOT)
    name = str(fixture.relative_to(ROOT))
    child = run_cli("evaluate", name, "--policies", "policies", "--format", "json")
    assert child.stdout == json_report.render(evaluate(load_facts(name), shipped)), child.stderr


def test_the_walking_rules_load_and_see_every_part(walking):
    """The walking set is meant to reach labels, metrics, extra, checks and timestamps."""
    text = textwrap.dedent(WALKING)
    for part in ("labels", "metrics", "extra", "checks", "phase_started_at", "counts"):
        assert f"facts.{part}" in text
    assert len(walking.rules) == 9
    assert Path(walking.policies[0].file).name == "walking.yaml"
