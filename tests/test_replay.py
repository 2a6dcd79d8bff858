"""Replay of recordings, `for:` streaks and `history`, end to end and in units."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import textwrap
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from conftest import POLICIES, ROOT, call_cli, healthy, run_cli
from phasegate.core.evaluate import Rollout, RuleStatus, evaluate
from phasegate.core.facts import facts_from_data
from phasegate.core.policy import load_policy_set
from phasegate.core.recording import read_recording
from phasegate.core.verdict import Verdict
from phasegate.replay.replay import replay
from phasegate.report.markdown import escape

DEGRADES = ROOT / "fixtures" / "recordings" / "phase1-error-rate-degrades.jsonl"


def test_degrading_metric_gives_first_pause_and_rollback_where_the_policies_imply():
    result = run_cli("replay", str(DEGRADES), "--format", "json", "--policies", str(POLICIES))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    schema = json.loads((ROOT / "schemas" / "replay.schema.json").read_text())
    assert list(Draft202012Validator(schema).iter_errors(document)) == []
    [recording] = document["recordings"]
    summary = recording["summary"]
    # error_rate 0.016 > 0.011*1.1+0.002 = 0.0141 at #4; 0.03 > 0.011*1.5+0.01 = 0.0265 at #6
    assert (summary["first_pause"], summary["first_rollback"]) == (4, 6)
    assert summary["counts"] == {"continue": 4, "pause": 2, "rollback": 2}
    assert summary["first_rollback_rules"] == ["health.error-rate-regression"]
    assert summary["breach_to_rollback_seconds"] == 600
    assert recording["snapshots"][6]["fired"] == [
        "health.error-rate-elevated",
        "health.error-rate-regression",
    ]


def test_replay_equals_evaluating_each_snapshot_alone():
    policy_set = load_policy_set(POLICIES)
    recording = read_recording(DEGRADES)
    replayed = replay(recording, policy_set)
    for facts, decision in zip(recording.snapshots, replayed.decisions, strict=True):
        alone = evaluate(facts, policy_set)
        # replay reports statuses, not messages: everything else is the same decision
        without = tuple(dataclasses.replace(r, message=None) for r in alone.results)
        assert alone._replace(results=without) == decision


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_bad_lines_are_skipped_counted_and_reported(tmp_path: Path):
    lines = lines_of(DEGRADES)
    broken = copy.deepcopy(json.loads(lines[2]))
    broken["phase"] = 9
    damaged = [*lines[:2], "{not json", json.dumps(broken), "", *lines[3:]]
    path = tmp_path / "damaged.jsonl"
    path.write_bytes(("\n".join(damaged) + "\n").encode() + b"\xff\xfe not utf-8\n")
    result = call_cli("replay", str(path), "--format", "json")
    assert result.returncode == 0
    [recording] = json.loads(result.stdout)["recordings"]
    assert recording["summary"]["skipped_lines"] == 3
    assert len(recording["snapshots"]) == len(lines) - 1
    assert f"{path}:3:2: warning: skipped: not JSON" in result.stderr
    # a snapshot refused at load keeps its index (#2), a line that is no JSON has none
    assert f"{path}:4: warning: skipped: snapshot #2: phase: must be one of 0, 1, 2" in (
        result.stderr
    )
    assert f"{path}:{len(damaged) + 1}: warning: skipped: not JSON" in result.stderr


def test_decision_log_lines_folders_order_and_separate_recordings(tmp_path: Path):
    lines = lines_of(DEGRADES)
    log = tmp_path / "decisions.jsonl"
    log.write_text(
        "\n".join(
            json.dumps({"decision": {"verdict": "x"}, "facts": json.loads(line)})
            for line in reversed(lines)
        )
        + "\n"
    )
    folder = tmp_path / "folder"
    folder.mkdir()
    for index, line in enumerate(lines[:3]):
        (folder / f"s{index}.json").write_text(line)
    result = call_cli("replay", str(log), str(folder), "--format", "json")
    first, second = json.loads(result.stdout)["recordings"]
    assert [s["collected_at"] for s in first["snapshots"]] == sorted(
        s["collected_at"] for s in first["snapshots"]
    )
    assert (first["summary"]["first_pause"], first["summary"]["first_rollback"]) == (4, 6)
    assert len(second["snapshots"]) == 3 and second["summary"]["first_pause"] is None


def test_expectations_pass_and_fail(tmp_path: Path):
    good = tmp_path / "good.yaml"
    good.write_text(
        textwrap.dedent("""\
        apiVersion: phasegate/v1
        kind: ReplayExpectation
        expect:
          - {from: 0, to: 3, verdict: continue}
          - {at: 4, verdict: pause}
          - {from: "2026-11-20T10:30:00Z", to: "2026-11-20T10:35:00Z", verdict: rollback}
        """)
    )
    assert call_cli("replay", str(DEGRADES), "--expect", str(good)).returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        good.read_text().replace("{at: 4, verdict: pause}", "{at: 4, verdict: continue}")
    )
    result = run_cli("replay", str(DEGRADES), "--expect", str(bad))
    assert result.returncode == 5
    assert (
        "expectation not met: "
        + str(DEGRADES)
        + ":5 #4 (2026-11-20T10:20:00Z, change 9f2c4e1 phase 1): expected "
        "continue, got pause (health.error-rate-elevated)"
    ) in result.stderr


def test_html_is_one_self_contained_page():
    first = run_cli("replay", str(DEGRADES), "--format", "html")  # its own hash seed
    second = call_cli("replay", str(DEGRADES), "--format", "html")
    assert first.stdout == second.stdout
    page = first.stdout
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") >= 3
    assert "<script" not in page and "src=" not in page and "href=" not in page
    # thresholds are labelled with their numbers, never their CEL
    assert "rollback if &gt; 0.0265 (health.error-rate-regression)" in page
    assert "facts.baseline.error_rate" not in page
    assert "health.throughput-low" not in page  # a Phase 2 rule: no limit over Phase 1
    assert "2026-11-20T10:00:00Z</span><span>2026-11-20T10:35:00Z" in page
    # every chart's verdict band shows the two rollback snapshots as one run
    assert page.count('fill="#cf222e"><title>#6-#7 rollback') == page.count("<svg")


def test_html_stays_bounded_and_keeps_extremes_and_every_breach(tmp_path: Path):
    lines = lines_of(DEGRADES)
    healthy_line, breach_line = json.loads(lines[0]), json.loads(lines[6])
    rows = []
    for index in range(4000):
        data = copy.deepcopy(breach_line if index == 2999 else healthy_line)
        data["collected_at"] = (
            f"2026-11-2{index // 1440}T{index // 60 % 24:02d}:{index % 60:02d}:00Z"
        )
        if index != 2999:
            data["metrics"]["error_rate"] = 0.001 + (index % 7) / 10_000
        rows.append(json.dumps(data))
    path = tmp_path / "long.jsonl"
    path.write_text("\n".join(rows) + "\n")
    page = call_cli("replay", str(path), "--format", "html").stdout
    polylines = re.findall(r'points="([^"]*)"', page)
    assert polylines and all(len(p.split()) <= 2 * 850 for p in polylines)
    assert "#2999 rollback" in page  # the one breach survives the downsampling
    # the spike itself is plotted: the error rate's axis tops out at the breach's 0.03
    chart = page[page.index("<h4>facts.metrics.error_rate</h4>") :]
    ticks = re.findall(r'text-anchor="end" fill="#555">([^<]+)</text>', chart)
    assert ticks[: ticks.index("verdict")][-1] == "0.03"


def test_chart_buckets_keep_each_columns_lowest_and_highest():
    from phasegate.replay.charts import ChartRecorder

    policy_set = load_policy_set(POLICIES)
    recorder = ChartRecorder(policy_set, columns=4)
    values = [0.01, 0.05, 0.0, 0.02, 0.03, 0.01, 0.04, 0.02, 0.0, 0.09, 0.01, 0.02, 0.01]
    for index, rate in enumerate(values):
        data = healthy(phase=1)
        data["collected_at"] = f"2026-11-20T10:{index:02d}:00Z"
        data["metrics"]["error_rate"] = rate
        facts = facts_from_data(data, f"s{index}")
        recorder.add(index, facts, evaluate(facts, policy_set))
    charts = recorder.result()
    [chart] = [c for c in charts.charts if c.title == "facts.metrics.error_rate"]
    points = chart.series[0].points
    assert len(points) <= 2 * 4
    assert (9, 0.09) in points and (2, 0.0) in points and (1, 0.05) in points
    assert [i for i, _ in points] == sorted(i for i, _ in points)
    assert charts.count == len(values)


def test_no_report_module_evaluates():
    import ast

    for path in (ROOT / "src" / "phasegate" / "report").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            assert not any(n == "phasegate.cel" or n.startswith("phasegate.cel.") for n in names), (
                path
            )


def test_json_is_written_as_the_whole_document_would_be(tmp_path: Path):
    lines = lines_of(DEGRADES)
    unordered = tmp_path / "unordered.jsonl"
    unordered.write_text("\n".join([*lines[4:], "{not json", *lines[:4]]) + "\n")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    out = tmp_path / "out.json"
    result = call_cli("replay", str(unordered), str(empty), str(DEGRADES), "--format", "json",
                     "-o", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    document = json.loads(text)
    assert text == json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    first, second, third = document["recordings"]
    # Read out of order, decided in order; each named where it stands in its own file.
    assert [dict(s, where="") for s in first["snapshots"]] == [
        dict(s, where="") for s in third["snapshots"]
    ]
    assert first["snapshots"][0]["where"] == f"{unordered}:6"
    assert third["snapshots"][0]["where"] == f"{DEGRADES}:1"
    assert first["skipped"] == [{"where": f"{unordered}:5:2", "reason": "not JSON: Expecting "
                                 "property name enclosed in double quotes"}]  # fmt: skip
    assert second["snapshots"] == [] and second["summary"]["first_pause"] is None


def test_snapshots_are_named_by_file_and_line_as_diff_names_them(tmp_path: Path):
    """The index counts usable snapshots in time order; a person looking for one opens the
    file at its line, which `diff` names too (a bad first line shifts index from line)."""
    path = tmp_path / "shifted.jsonl"
    path.write_text("\n".join(["{not json", *lines_of(DEGRADES)]) + "\n")
    text = call_cli("replay", str(path)).stdout
    assert re.search(
        rf"^#6 +{re.escape(str(path))}:8 +2026-11-20T10:30:00Z +9f2c4e1 phase 1 +rollback",
        text,
        re.M,
    )
    assert f"first rollback #6 {path}:8 at 2026-11-20T10:30:00Z" in text
    page = call_cli("replay", str(path), "--format", "markdown").stdout
    assert (
        f"| 6 | {escape(f'{path}:8')} | 9f2c4e1 phase 1 | 2026-11-20T10:30:00Z | rollback |" in page
    )
    document = json.loads(call_cli("replay", str(path), "--format", "json").stdout)
    Draft202012Validator(
        json.loads((ROOT / "schemas" / "replay.schema.json").read_text())
    ).validate(document)
    [recording] = document["recordings"]
    assert recording["snapshots"][6]["where"] == f"{path}:8"
    assert recording["summary"]["first_rollback"] == 6
    assert recording["summary"]["first_rollback_where"] == f"{path}:8"
    expect = tmp_path / "expect.yaml"
    expect.write_text(
        "apiVersion: phasegate/v1\nkind: ReplayExpectation\nexpect:\n"
        "  - {at: 6, verdict: continue}\n"
    )
    failed = call_cli("replay", str(path), "--expect", str(expect))
    assert (
        f"{path}:8 #6 (2026-11-20T10:30:00Z, change 9f2c4e1 phase 1): expected continue"
        in failed.stderr
    )


def test_lower_case_times_in_expectations_are_read(tmp_path: Path):
    expect = tmp_path / "expect.yaml"
    expect.write_text(
        "apiVersion: phasegate/v1\nkind: ReplayExpectation\nexpect:\n"
        '  - {from: "2026-11-20t10:30:00z", to: "2026-11-20t10:35:00z", verdict: continue}\n'
    )
    result = call_cli("replay", str(DEGRADES), "--expect", str(expect))
    assert result.returncode == 5
    assert (
        ":7 #6 (2026-11-20T10:30:00Z, change 9f2c4e1 phase 1): expected continue, got rollback"
        in result.stderr
    )


def test_markdown_lists_the_moves():
    page = call_cli("replay", str(DEGRADES), "--format", "markdown").stdout
    assert (
        f"| 6 | {escape(f'{DEGRADES}:7')} | 9f2c4e1 phase 1 | 2026-11-20T10:30:00Z | rollback "
        "| pause -&gt; rollback; +fired "
        "health.error-rate-regression |" in page
    )


# --- for: and history -------------------------------------------------------------------


def policies(tmp_path: Path, rules: str):
    directory = tmp_path / "policies"
    directory.mkdir(exist_ok=True)
    (directory / "p.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Policy\nname: p\nrules:\n"
        + textwrap.indent(textwrap.dedent(rules), "  ")
    )
    return load_policy_set(directory)


def snapshots(rates: list[float], **changes) -> list:
    result = []
    for index, rate in enumerate(rates):
        data = healthy(**changes)
        data["collected_at"] = f"2026-11-20T10:{index:02d}:00Z"
        data["metrics"]["error_rate"] = rate
        result.append(facts_from_data(data, f"s{index}"))
    return result


SUSTAINED = """\
- id: p.sustained
  for: 3
  when: facts.metrics.error_rate > 0.1
  verdict: rollback
"""


def test_for_fires_only_after_consecutive_snapshots_and_resets_on_recovery(tmp_path: Path):
    rollout = Rollout(policies(tmp_path, SUSTAINED))
    sequence = snapshots([0.2, 0.2, 0.0, 0.2, 0.2, 0.2, 0.3, 0.0])
    results = [rollout.decide(facts).results[0] for facts in sequence]
    assert [r.status.value for r in results] == [
        "pending",
        "pending",
        "passed",
        "pending",
        "pending",
        "fired",
        "fired",
        "passed",
    ]
    assert [r.streak for r in results] == [1, 2, 0, 1, 2, 3, 4, 0]
    assert [r.contribution for r in results] == [
        Verdict.PAUSE,
        Verdict.PAUSE,
        Verdict.CONTINUE,
        Verdict.PAUSE,
        Verdict.PAUSE,
        Verdict.ROLLBACK,
        Verdict.ROLLBACK,
        Verdict.CONTINUE,
    ]


def test_an_error_leaves_the_streak_as_it_was_and_never_continues(tmp_path: Path):
    """A fact missing every other snapshot must not hold a sustained trigger at pending for
    ever: the error holds, and the streak goes on from where it was (as Prometheus keeps an
    alert's state over a failed evaluation)."""
    rollout = Rollout(policies(tmp_path, SUSTAINED))
    sequence = snapshots([0.2, 0.2, 0.2, 0.2, 0.2, 0.0])
    for index in (1, 3):
        del sequence[index].data["metrics"]["error_rate"]  # type: ignore[attr-defined]
    results = [rollout.decide(facts).results[0] for facts in sequence]
    assert [r.status.value for r in results] == [
        "pending",
        "error",
        "pending",
        "error",
        "fired",
        "passed",
    ]
    assert [r.streak for r in results] == [1, 1, 2, 2, 3, 0]
    assert all(r.contribution is not Verdict.CONTINUE for r in results[:5])
    assert results[4].contribution is Verdict.ROLLBACK


def test_an_error_is_no_snapshot_of_a_within_window(tmp_path: Path):
    rollout = Rollout(policies(tmp_path, SUSTAINED.replace("for: 3", "within: {count: 2, of: 2}")))
    sequence = snapshots([0.2, 0.2, 0.2])
    del sequence[1].data["metrics"]["error_rate"]  # type: ignore[attr-defined]
    results = [rollout.decide(facts).results[0] for facts in sequence]
    assert [r.status.value for r in results] == ["pending", "error", "fired"]
    assert [r.window for r in results] == [(1, 2, 2), (1, 2, 2), (2, 2, 2)]


def test_a_new_phase_or_change_starts_afresh(tmp_path: Path):
    rollout = Rollout(policies(tmp_path, SUSTAINED))
    for facts in snapshots([0.2, 0.2]):
        rollout.decide(facts)
    [other] = snapshots([0.2], change={"commit": "other", "tag": "v0.4.3"})
    assert rollout.decide(other).results[0].streak == 1


JUMP = """\
- id: p.jump
  when: >
    size(history) > 0 &&
    facts.metrics.error_rate > history[size(history) - 1].metrics.error_rate * 2.0
  verdict: pause
"""


def test_history_compares_with_the_previous_sample(tmp_path: Path):
    rollout = Rollout(policies(tmp_path, JUMP), window=2)
    statuses = [
        rollout.decide(f).results[0].status for f in snapshots([0.01, 0.03, 0.031, 0.01, 0.05])
    ]
    assert statuses == [
        RuleStatus.PASSED,
        RuleStatus.FIRED,
        RuleStatus.PASSED,
        RuleStatus.PASSED,
        RuleStatus.FIRED,
    ]
    [state] = rollout.states.values()
    assert len(state.history) == 2  # bounded by the window


def test_evaluate_with_history_matches_replay(tmp_path: Path):
    policy_set = policies(tmp_path, SUSTAINED)
    sequence = snapshots([0.2, 0.0, 0.2, 0.2, 0.2])
    log = tmp_path / "decisions.jsonl"
    log.write_text("".join(json.dumps({"facts": dict(f.data)}) + "\n" for f in sequence[:4]))
    current = tmp_path / "now.json"
    current.write_text(json.dumps(dict(sequence[4].data)))
    alone = call_cli("evaluate", str(current), "--policies", str(tmp_path / "policies"))
    assert alone.returncode == 10 and "pending, held 1 of 3" in alone.stdout
    with_history = call_cli(
        "evaluate",
        str(current),
        "--policies",
        str(tmp_path / "policies"),
        "--history",
        str(log),
        "--format",
        "json",
    )
    assert with_history.returncode == 20
    [rule] = json.loads(with_history.stdout)["rules"]
    assert (rule["status"], rule["for"], rule["streak"]) == ("fired", 3, 3)
    # replaying all five snapshots decides the last one exactly as evaluate with history
    everything = tmp_path / "all.jsonl"
    everything.write_text(log.read_text() + json.dumps({"facts": dict(sequence[4].data)}) + "\n")
    replayed = replay(read_recording(everything), policy_set).decisions[-1]
    alone = evaluate(sequence[4], policy_set, sequence[:4])
    assert [(r.id, r.status, r.streak) for r in replayed.results] == [
        (r.id, r.status, r.streak) for r in alone.results
    ]
    assert replayed.verdict is alone.verdict is Verdict.ROLLBACK


TWICE = """\
- id: p.twice
  for: 2
  when: facts.metrics.error_rate > 0.1
  verdict: rollback
"""


def test_interleaved_changes_are_decided_as_evaluate_with_history_decides_each(tmp_path: Path):
    policy_set = policies(tmp_path, TWICE)
    rates = [0.2, 0.0, 0.2, 0.2, 0.0, 0.2, 0.2, 0.2]
    # commits a and b alternate: a holds at #0 and #2, b at #3 and #5, each only by itself
    sequence = [
        facts_from_data(dict(f.data, change={"commit": "ab"[i % 2], "tag": "v0.4.3"}), f.source)
        for i, f in enumerate(snapshots(rates))
    ]
    recording = tmp_path / "interleaved.jsonl"
    recording.write_text("".join(json.dumps(dict(f.data)) + "\n" for f in sequence))
    replayed = replay(read_recording(recording), policy_set).decisions
    alone = [evaluate(facts, policy_set, sequence) for facts in sequence]
    assert [d.verdict for d in replayed] == [d.verdict for d in alone]
    assert [d.verdict.label for d in replayed] == [
        "pause", "continue", "rollback", "pause", "continue", "rollback", "pause", "rollback"
    ]  # fmt: skip


def test_rollouts_remembered_at_once_are_bounded(tmp_path: Path, monkeypatch):
    import phasegate.core.evaluate

    monkeypatch.setattr(phasegate.core.evaluate, "MAX_ROLLOUTS", 2)
    rollout = Rollout(policies(tmp_path, TWICE))
    first, second, third = (
        snapshots([0.2], change={"commit": name, "tag": "v0.4.3"})[0] for name in "abc"
    )
    assert rollout.decide(first).verdict is Verdict.PAUSE
    rollout.decide(second)
    rollout.decide(third)  # forgets a, the least recently seen
    assert len(rollout.states) == 2
    assert rollout.decide(first).verdict is Verdict.PAUSE  # a starts afresh


def test_for_is_validated(tmp_path: Path):
    from phasegate.errors import InputError

    with pytest.raises(InputError, match=re.escape("rules[0].for: must be >= 1")):
        policies(tmp_path, SUSTAINED.replace("for: 3", "for: 0"))


def test_an_expectation_mismatch_names_only_the_rules_behind_the_verdict():
    from conftest import HEALTHY_PHASE1
    from phasegate.core.evaluate import evaluate
    from phasegate.core.facts import facts_from_data
    from phasegate.core.policy import load_policy_set
    from phasegate.replay.replay import _why

    policies = load_policy_set(ROOT / "policies")
    calm = evaluate(facts_from_data(dict(HEALTHY_PHASE1), "calm"), policies)
    assert _why(calm) == "no rule fired, errored or is pending"  # not every passed rule
    bad = {**HEALTHY_PHASE1, "owners": {"release": "alice"}, "deployed_version": None}
    bad = {k: v for k, v in bad.items() if v is not None}
    held = evaluate(facts_from_data(bad, "held"), policies)
    assert _why(held) == "checklist.version-matches error, checklist.owners-assigned"


def test_a_report_reaches_a_stdout_whose_locale_says_ascii(tmp_path: Path):
    """The report goes out through click.echo, as every other command's: UTF-8 even where
    the locale says ASCII (`sys.stdout` itself raised UnicodeEncodeError: exit 1, no
    report)."""
    import os

    recording = ROOT / "fixtures" / "recordings" / "phase1-error-rate-degrades.jsonl"
    lines = [json.loads(line) for line in recording.read_text().splitlines()]
    for line in lines:
        line["change"]["tag"] = "v0.4.3-β"
    odd = tmp_path / "beta.jsonl"
    odd.write_text("".join(json.dumps(line) + "\n" for line in lines))
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = run_cli("replay", str(odd), "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    assert "v0.4.3-β" in json.dumps(json.loads(done.stdout), ensure_ascii=False)


def _with_contradictions(tmp_path: Path, skipped: tuple[int, ...], order=None) -> Path:
    """DEGRADES with the snapshots at `skipped` made to contradict themselves (metrics
    healthier than their own counts), so they are refused at load, written in `order`."""
    lines = lines_of(DEGRADES)
    for index in skipped:
        document = json.loads(lines[index])
        document["counts"] = {"agents_errored": 3, "agents_total": 8}
        lines[index] = json.dumps(document)
    path = tmp_path / "contradicts.jsonl"
    path.write_text("\n".join(lines[i] for i in order or range(len(lines))) + "\n")
    return path


CONTRADICTION = "metrics.agents_failed is 0 but counts.agents_errored is 3"


def test_a_skipped_snapshot_keeps_its_index_in_every_report(tmp_path: Path):
    """A snapshot refused at load moved every later index down by one, so an `--expect`
    written for the recording judged each later snapshot against the next one's verdict.
    It keeps its index: text, JSON, markdown, HTML and the warning agree."""
    path = _with_contradictions(tmp_path, (4,))
    result = call_cli("replay", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    Draft202012Validator(
        json.loads((ROOT / "schemas" / "replay.schema.json").read_text())
    ).validate(document)
    [recording] = document["recordings"]
    snapshots = recording["snapshots"]
    assert [s["index"] for s in snapshots] == [0, 1, 2, 3, 5, 6, 7]
    assert [s["where"] for s in snapshots][4] == f"{path}:6"
    assert recording["skipped"] == [{"where": f"{path}:5", "reason": CONTRADICTION, "index": 4}]
    assert (recording["summary"]["first_pause"], recording["summary"]["first_rollback"]) == (5, 6)
    assert f"{path}:5: warning: skipped: snapshot #4: {CONTRADICTION}" in result.stderr
    text = call_cli("replay", str(path)).stdout
    assert re.search(rf"^#5 +{re.escape(str(path))}:6 +2026-11-20T10:25:00Z", text, re.M)
    assert f"\nskipped #4 {path}:5: {CONTRADICTION}\n" in text
    assert f"first pause #5 {path}:6 at 2026-11-20T10:25:00Z" in text
    page = call_cli("replay", str(path), "--format", "markdown").stdout
    assert f"| 5 | {escape(f'{path}:6')} | 9f2c4e1 phase 1 | 2026-11-20T10:25:00Z | pause |" in page
    html = call_cli("replay", str(path), "--format", "html").stdout
    assert '<td class="n">#5</td>' in html and '<td class="n">#4</td>' not in html


def test_a_recording_whose_first_snapshot_is_skipped_is_valid_json(tmp_path: Path):
    result = call_cli("replay", str(_with_contradictions(tmp_path, (0,))), "--format", "json")
    assert result.returncode == 0, result.stderr
    [recording] = json.loads(result.stdout)["recordings"]
    assert [s["index"] for s in recording["snapshots"]] == [1, 2, 3, 4, 5, 6, 7]


def test_a_skipped_snapshot_keeps_its_time_order_index_in_a_file_out_of_order(tmp_path: Path):
    path = _with_contradictions(tmp_path, (4,), order=[7, 6, 5, 4, 3, 2, 1, 0])
    [recording] = json.loads(call_cli("replay", str(path), "--format", "json").stdout)["recordings"]
    assert [s["index"] for s in recording["snapshots"]] == [0, 1, 2, 3, 5, 6, 7]
    assert [s["where"] for s in recording["snapshots"]][4] == f"{path}:3"  # 10:25, #5
    assert recording["skipped"] == [{"where": f"{path}:4", "reason": CONTRADICTION, "index": 4}]


def _expect(tmp_path: Path, *lines: str) -> Path:
    expect = tmp_path / "expect.yaml"
    expect.write_text(
        "apiVersion: phasegate/v1\nkind: ReplayExpectation\nexpect:\n"
        + "".join(f"  - {line}\n" for line in lines)
    )
    return expect


@pytest.mark.parametrize(
    "expectation",
    [
        "{at: 4, verdict: pause}",
        "{from: 3, to: 4, verdict: continue}",
        '{from: "2026-11-20T10:18:00Z", to: "2026-11-20T10:22:00Z", verdict: pause}',
    ],
)
def test_an_expectation_on_a_skipped_snapshot_is_not_met_and_says_why(
    tmp_path: Path, expectation: str
):
    """A skipped snapshot has no verdict, so never the expected one: exit 5, and the
    message says it was skipped and why (it never passes silently)."""
    path = _with_contradictions(tmp_path, (4,))
    result = run_cli("replay", str(path), "--expect", str(_expect(tmp_path, expectation)))
    assert result.returncode == 5, result.stderr
    verdict = re.search(r"verdict: (\w+)", expectation)[1]
    assert (
        f"phasegate: expectation not met: {path}:5 #4: expected {verdict}, but the snapshot "
        f"was skipped: {CONTRADICTION}\n"
    ) in result.stderr
    assert "no snapshot in" not in result.stderr


def test_expectations_after_a_skipped_snapshot_keep_their_indexes(tmp_path: Path):
    """#5 is still the snapshot collected at 10:25 (a pause), not the 10:30 rollback."""
    path = _with_contradictions(tmp_path, (4,))
    expect = _expect(
        tmp_path,
        "{from: 0, to: 3, verdict: continue}",
        "{at: 5, verdict: pause}",
        "{from: 6, to: 7, verdict: rollback}",
    )
    result = call_cli("replay", str(path), "--expect", str(expect))
    assert result.returncode == 0, result.stderr


def test_a_folder_file_that_cannot_be_loaded_keeps_its_index(tmp_path: Path):
    """A folder's files are one snapshot each, so one refused (or not even JSON) keeps its
    place by name: the files after it keep their indexes."""
    folder = tmp_path / "folder"
    folder.mkdir()
    for index, line in enumerate(lines_of(DEGRADES)[:4]):
        (folder / f"s{index}.json").write_text(line)
    contradicts = _with_contradictions(tmp_path, (1,)).read_text().splitlines()[1]
    (folder / "s1.json").write_text(contradicts)
    (folder / "s2.json").write_text("{not")
    [recording] = json.loads(call_cli("replay", str(folder), "--format", "json").stdout)[
        "recordings"
    ]
    assert [s["index"] for s in recording["snapshots"]] == [0, 3]
    assert [(s["index"], s["reason"]) for s in recording["skipped"]] == [
        (1, CONTRADICTION),
        (2, "not valid JSON: Expecting property name enclosed in double quotes"),
    ]


@pytest.mark.parametrize("recording", ["jsonl", "folder"])
def test_a_time_range_covering_a_refused_folder_file_is_not_met(tmp_path: Path, recording: str):
    """Review: a folder's refused file kept no time, so an expectation over a time range its
    collected_at falls in passed over it whenever another snapshot in the range had the
    expected verdict (#5, a pause at 10:25), where the same line of a JSONL file was a
    mismatch. The file's collected_at is read as the line's is."""
    path = _with_contradictions(tmp_path, (4,))
    if recording == "folder":
        path = tmp_path / "folder"
        path.mkdir()
        for index, line in enumerate(lines_of(tmp_path / "contradicts.jsonl")):
            (path / f"s{index}.json").write_text(line)
    expect = _expect(
        tmp_path, '{from: "2026-11-20T10:18:00Z", to: "2026-11-20T10:27:00Z", verdict: pause}'
    )
    result = call_cli("replay", str(path), "--expect", str(expect))
    assert result.returncode == 5, result.stderr
    assert f"#4: expected pause, but the snapshot was skipped: {CONTRADICTION}\n" in result.stderr


@pytest.mark.parametrize("when", ["2026-11-20", "2026-11-20T10:12:00", 20261120, "soon"])
def test_a_refused_snapshot_whose_time_is_no_instant_stands_where_written(tmp_path: Path, when):
    """A date, a time without offset (naive to Python, which cannot compare it with the
    others) or no time at all: the refused snapshot keeps its place as written."""
    lines = lines_of(DEGRADES)
    document = json.loads(lines[2])
    document["collected_at"] = when
    lines[2] = json.dumps(document)
    path = tmp_path / "odd-time.jsonl"
    path.write_text("\n".join([lines[0], lines[2], lines[1], *lines[3:]]) + "\n")
    result = call_cli("replay", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    [recording] = json.loads(result.stdout)["recordings"]
    assert [s["index"] for s in recording["snapshots"]] == [0, 2, 3, 4, 5, 6, 7]
    assert [s["where"] for s in recording["snapshots"]][:2] == [f"{path}:1", f"{path}:3"]
    assert recording["skipped"][0]["index"] == 1
