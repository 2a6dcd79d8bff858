"""`phasegate backtest` and `diff --labels`: catches, lead times and false pauses against
labelled incidents, end to end and in units."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from conftest import POLICIES, ROOT, call_cli, healthy, run_cli
from phasegate.core.policy import load_policy_set
from phasegate.errors import InputError
from phasegate.review.backtest import SET_ID, backtest, compare, load_labels

DEGRADES = ROOT / "fixtures" / "recordings" / "phase1-error-rate-degrades.jsonl"
LABELS = ROOT / "fixtures" / "labels.yaml"
SCHEMA = json.loads((ROOT / "schemas" / "backtest.schema.json").read_text())


def write_labels(path: Path, *incidents: tuple[str, str, str, str]) -> Path:
    rows = [dict(zip(("id", "change", "start", "end"), row, strict=True)) for row in incidents]
    path.write_text(json.dumps({"incidents": rows}), encoding="utf-8")
    return path


def snapshot(commit: str, at: str, error_rate: float) -> dict:
    facts = healthy(collected_at=at)
    facts["change"]["commit"] = commit
    facts["checks"] = {n: {"exit_code": 0, "commit": commit} for n in ("quick", "test", "ci")}
    facts["metrics"]["error_rate"] = error_rate
    return facts


def write_recording(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def by_id(result: dict) -> dict[str, dict]:
    return {score["id"]: score for score in [result["set"], *result["rules"]]}


def test_backtest_of_the_shipped_recording_and_labels_end_to_end():
    done = run_cli(
        "backtest", str(DEGRADES), "--labels", str(LABELS), "--format", "json",
        "--policies", str(POLICIES),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert list(Draft202012Validator(SCHEMA).iter_errors(document)) == []
    scores = by_id(document)
    # INC-12 starts 10:25; error_rate 0.016 > 0.0141 pauses at 10:20, 0.03 > 0.0265 rolls
    # back at 10:30: the set paused 5 minutes ahead, the rollback rule alone 5 minutes late.
    assert scores[SET_ID]["caught"] == 1 and scores[SET_ID]["lead_time_s"] == 300
    assert scores["health.error-rate-elevated"]["lead_time_s"] == 300
    assert scores["health.error-rate-regression"]["lead_time_s"] == -300
    assert scores["health.incident-open"] == {
        "id": "health.incident-open", "caught": 0, "missed": 1, "lead_time_s": None,
        "false_pauses": 0, "false_pause_minutes": 0.0, "false_rollbacks": 0,
        "false_rollback_minutes": 0.0,
        "incidents": [{"id": "INC-12", "caught": False, "lead_time_s": None}],
    }  # fmt: skip
    assert (document["snapshots"], document["rollouts"], document["unrecorded"]) == (8, 1, [])


def test_pauses_outside_labelled_windows_are_false_counted_once_per_run_with_time_held(
    tmp_path,
):
    """A good change pausing at 10:05 and 10:10 and continuing at 10:15 is one false pause
    held 10 minutes; the bad change's pause before its incident ended is a catch; its pause
    after the incident ended is false again."""
    rows = [
        snapshot("aaaaaaa1", "2026-11-20T10:00:00Z", 0.011),
        snapshot("aaaaaaa1", "2026-11-20T10:05:00Z", 0.016),  # pause
        snapshot("aaaaaaa1", "2026-11-20T10:10:00Z", 0.016),  # pause
        snapshot("aaaaaaa1", "2026-11-20T10:15:00Z", 0.011),
        snapshot("bbbbbbb2", "2026-11-20T11:00:00Z", 0.03),  # rollback, 10 min ahead
        snapshot("bbbbbbb2", "2026-11-20T11:30:00Z", 0.03),  # after the end: false
    ]
    recording = write_recording(tmp_path / "r.jsonl", rows)
    labels = write_labels(
        tmp_path / "labels.json",
        ("INC-1", "bbbbbbb2ffff", "2026-11-20T11:10:00Z", "2026-11-20T11:20:00Z"),
        ("INC-2", "ccccccc3", "2026-11-20T11:10:00Z", "2026-11-20T11:20:00Z"),
    )
    policy_set = load_policy_set(POLICIES)
    result, _ = backtest([recording], policy_set, load_labels(labels), 50)
    scores = by_id(result)
    whole = scores[SET_ID]
    assert (whole["caught"], whole["missed"], whole["lead_time_s"]) == (1, 0, 600)
    assert (whole["false_pauses"], whole["false_pause_minutes"]) == (1, 10.0)
    assert (whole["false_rollbacks"], whole["false_rollback_minutes"]) == (1, 0.0)
    assert result["unrecorded"] == ["INC-2"] and result["rollouts"] == 2
    regression = scores["health.error-rate-regression"]
    assert (regression["caught"], regression["false_pauses"]) == (1, 0)


def test_a_recording_written_out_of_order_counts_each_snapshot_once(tmp_path):
    rows = [
        snapshot("aaaaaaa1", "2026-11-20T10:10:00Z", 0.011),
        snapshot("aaaaaaa1", "2026-11-20T10:05:00Z", 0.016),
        snapshot("aaaaaaa1", "2026-11-20T10:00:00Z", 0.011),
    ]
    recording = write_recording(tmp_path / "r.jsonl", rows)
    labels = write_labels(tmp_path / "l.json")
    result, _ = backtest([recording], load_policy_set(POLICIES), load_labels(labels), 50)
    assert result["snapshots"] == 3
    assert (result["set"]["false_pauses"], result["set"]["false_pause_minutes"]) == (1, 5.0)


def test_a_recording_named_twice_is_scored_once(tmp_path):
    """A hunt found every count doubled when one file was named twice (`a` and `./a`)."""
    once = call_cli("backtest", str(DEGRADES), "--labels", str(LABELS), "--format", "json")
    twice = call_cli(
        "backtest",
        str(DEGRADES),
        str(DEGRADES.parent / "." / DEGRADES.name),
        "--labels",
        str(LABELS),
        "--format",
        "json",
    )
    assert once.returncode == twice.returncode == 0, twice.stderr
    assert json.loads(twice.stdout) == json.loads(once.stdout)
    assert json.loads(once.stdout)["snapshots"] == 8


def test_a_recording_named_through_a_link_or_relative_to_the_working_folder_is_scored_once(
    tmp_path,
):
    """Named as `fixtures/...` and as an absolute path, or through a symbolic link, one
    recording was scored twice: every snapshot doubled, `for:` streaks reached sooner."""
    link = tmp_path / "link.jsonl"
    link.symlink_to(DEGRADES)
    relative = DEGRADES.relative_to(ROOT)
    once = call_cli("backtest", str(relative), "--labels", str(LABELS), "--format", "json")
    for other in (DEGRADES, link):
        twice = call_cli(
            "backtest", str(relative), str(other), "--labels", str(LABELS), "--format", "json"
        )
        assert twice.returncode == 0, twice.stderr
        assert json.loads(twice.stdout) == json.loads(once.stdout)


def test_nothing_to_backtest_is_an_error_not_a_clean_score(tmp_path):
    """A folder's files are one snapshot each: a recording inside one is skipped, with a
    warning naming it; a backtest that decided no snapshot at all exits 3, as `diff` does
    with an empty corpus, so a typo'd path cannot pass a review with no false pauses."""
    folder = tmp_path / "recordings"
    folder.mkdir()
    (folder / DEGRADES.name).write_text(DEGRADES.read_text())
    result = run_cli("backtest", str(folder), "--labels", str(LABELS))
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{folder / DEGRADES.name}: warning: skipped: a recording in a folder of facts files:"
        " name it on the command line",
        f"phasegate: error: no snapshots to backtest in {folder}",
    ]
    (tmp_path / "empty.jsonl").write_text("")
    assert (
        call_cli("backtest", str(tmp_path / "empty.jsonl"), "--labels", str(LABELS)).returncode == 3
    )


@pytest.mark.parametrize(
    ("incidents", "message"),
    [
        ([["INC-1", "abcdef0", "2026-11-20T11:00:00Z", "2026-11-20T10:00:00Z"]], "end is before"),
        ([["INC-1", "abcdef0", "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z"]] * 2, "duplicate"),
        ([["INC-1", "main", "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z"]], "change"),
        ([["INC-1", "abcdef0", "yesterday", "2026-11-20T11:00:00Z"]], "start"),
    ],
)
def test_bad_labels_are_refused_with_one_located_line_and_exit_3(tmp_path, incidents, message):
    labels = write_labels(tmp_path / "labels.json", *incidents)
    with pytest.raises(InputError):
        load_labels(labels)
    done = call_cli("backtest", str(DEGRADES), "--labels", str(labels))
    assert done.returncode == 3 and done.stdout == ""
    assert done.stderr.startswith(str(labels)) and message in done.stderr
    assert "Traceback" not in done.stderr


def test_compare_says_which_incident_is_caught_how_much_earlier():
    policy_set = load_policy_set(POLICIES)
    labels = load_labels(LABELS)
    base, _ = backtest([DEGRADES], policy_set, labels, 50)
    head = json.loads(json.dumps(base))
    head["set"]["incidents"][0]["lead_time_s"] = 300 + 14 * 60
    head["set"]["lead_time_s"] = 300 + 14 * 60
    head["set"]["false_pauses"] = 2
    comparison = compare(base, head)
    assert comparison["incidents"] == [
        {"id": "INC-12", "base_lead_time_s": 300, "head_lead_time_s": 1140}
    ]
    from phasegate.report.backtest.text import comparison_lines

    assert comparison_lines(comparison)[0] == (
        "labels: catches INC-12 14 min earlier; 2 more false pauses over 1 rollout"
    )


def readme_block(after: str) -> tuple[str, str]:
    """The command line and the output the README shows after the line `after`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(after)
    command, shown = re.findall(r"```(?:bash)?\n(.*?)```", readme[start:], re.DOTALL)[:2]
    return command.strip(), shown


def test_the_readme_shows_what_backtest_prints():
    command, shown = readme_block("<!-- backtest example -->")
    args = command.split()[1:]
    assert args[0] == "backtest"
    done = call_cli(*args, "--policies", str(POLICIES))
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown


GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
}  # fmt: skip


def policy_repo(tmp_path: Path) -> Path:
    """A git repository holding the shipped policies, fixtures and labels, committed once:
    where the README's `diff` examples are run."""
    import os
    import shutil
    import subprocess

    root = tmp_path / "repo"
    (root / "policies").mkdir(parents=True)
    for path in POLICIES.glob("*.yaml"):
        shutil.copy(path, root / "policies" / path.name)
    shutil.copytree(ROOT / "fixtures" / "facts", root / "fixtures" / "facts")
    shutil.copytree(ROOT / "fixtures" / "recordings", root / "fixtures" / "recordings")
    shutil.copy(LABELS, root / "fixtures" / "labels.yaml")
    env = {**os.environ, **GIT_ENV}
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "policies"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, timeout=60)
    return root


@pytest.fixture
def labelled_repo(tmp_path: Path) -> Path:
    """`policy_repo`, then `elevated_factor: 1.5` in the working tree (the README's example
    change)."""
    root = policy_repo(tmp_path)
    health = root / "policies" / "health.yaml"
    text = health.read_text(encoding="utf-8")
    assert text.count("elevated_factor: 1.1") == 1
    health.write_text(text.replace("elevated_factor: 1.1", "elevated_factor: 1.5"))
    return root


def test_diff_with_labels_prints_what_the_readme_shows_and_no_warning(labelled_repo):
    command, shown = readme_block("<!-- diff labels example -->")
    args = command.split()[1:]
    done = call_cli(*args, cwd=labelled_repo, env=GIT_ENV)
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown
    assert done.stderr == ""  # the labels file in fixtures/ is no facts document to warn of


def test_diff_with_labels_in_json_and_markdown(labelled_repo):
    base = ["diff", "--base", "HEAD", "--labels", "fixtures/labels.yaml"]
    done = call_cli(*base, "--format", "json", cwd=labelled_repo, env=GIT_ENV)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    schema = json.loads((ROOT / "schemas" / "diff.schema.json").read_text())
    assert list(Draft202012Validator(schema).iter_errors(document)) == []
    backtest = document["backtest"]
    assert backtest["incidents"] == [
        {"id": "INC-12", "base_lead_time_s": 300, "head_lead_time_s": 0}
    ]
    assert [rule["id"] for rule in backtest["rules"]] == ["health.error-rate-elevated"]
    done = call_cli(*base, "--format", "markdown", cwd=labelled_repo, env=GIT_ENV)
    assert "**Backtest against the labels**" in done.stdout
    assert "`catches INC-12 5 min later over 1 rollout`" in done.stdout


def test_diff_without_labels_has_no_backtest(labelled_repo):
    done = call_cli("diff", "--base", "HEAD", "--format", "json", cwd=labelled_repo, env=GIT_ENV)
    assert done.returncode == 0, done.stderr
    assert "backtest" not in json.loads(done.stdout)
