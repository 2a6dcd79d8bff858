"""`diff` says what changed in each changed rule: every field and read param, before -> after."""

from __future__ import annotations

import json
import shutil

from conftest import FIXTURES, POLICIES, call_cli

CORPUS = str(FIXTURES / "phase1-health.error-rate-regression.yaml")


def two_sets(tmp_path):
    base, head = tmp_path / "base", tmp_path / "head"
    for folder in (base, head):
        shutil.copytree(POLICIES, folder, ignore=shutil.ignore_patterns("tests"))
    return base, head


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_each_changed_field_and_param_is_shown_before_and_after(tmp_path):
    base, head = two_sets(tmp_path)
    health = head / "health.yaml"
    edit(health, "regression_factor: 1.5", "regression_factor: 3.0")
    edit(health, "    verdict: rollback\n    message: >-\n      error rate {{",
         "    verdict: pause\n    message: >-\n      error rate {{")  # fmt: skip
    edit(
        head / "windows.yaml",
        "phases: [2]\n    when: |",
        "phases: [2]\n    for: 2\n    when: |",
    )
    args = ["diff", "--base", str(base), "--policies", str(head), "--corpus", CORPUS]
    done = call_cli(*args)
    assert done.returncode == 0, done.stderr
    assert '  health.error-rate-regression: verdict "rollback" -> "pause"' in done.stdout
    assert "  health.error-rate-regression: params.regression_factor 1.5 -> 3.0" in done.stdout
    assert "  window.phase2-monitoring: for 1 -> 2" in done.stdout
    document = json.loads(call_cli(*args, "--format", "json").stdout)
    assert document["fields"] == {
        "health.error-rate-regression": [
            {"field": "verdict", "base": "rollback", "head": "pause"},
            {"field": "params.regression_factor", "base": 1.5, "head": 3.0},
        ],
        "window.phase2-monitoring": [{"field": "for", "base": 1, "head": 2}],
    }
    markdown = call_cli(*args, "--format", "markdown").stdout
    assert "  - `window.phase2-monitoring: for 1 -> 2`" in markdown


def test_a_changed_condition_shows_both_texts_and_a_reformatted_one_nothing(tmp_path):
    base, head = two_sets(tmp_path)
    edit(head / "freeze.yaml", "facts.freeze.active", "facts.freeze.active  ")
    args = ["diff", "--base", str(base), "--policies", str(head), "--corpus", CORPUS]
    assert "fields" not in json.loads(call_cli(*args, "--format", "json").stdout)
    edit(
        head / "triggers.yaml",
        "lock_contention_rate * params.lock_spike_factor +",
        "lock_contention_rate * (params.lock_spike_factor + 1.0) +",
    )
    document = json.loads(call_cli(*args, "--format", "json").stdout)
    [change] = document["fields"]["trigger.lock-contention-spike"]
    assert change["field"] == "when"
    assert "params.lock_spike_factor" in change["base"]
    assert "(params.lock_spike_factor + 1.0)" in change["head"]
