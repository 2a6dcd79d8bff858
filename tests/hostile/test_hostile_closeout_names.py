"""Closeout files of commits `release-1.2` and `release-1.3` must not collide (issue 17,
"also seen"): the default name added `.md` by swapping the "suffix" `.2` away."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import POLICIES, healthy, run_cli
from phasegate.core.policy import load_policy_set
from phasegate.runner.closeout import write_closeout


def decision(commit: str, at: str) -> str:
    facts = healthy(
        phase=2, collected_at=at, phase_started_at="2026-11-20T10:00:00Z", change={"commit": commit}
    )
    return json.dumps({"decision": {"verdict": "continue", "rules": []}, "facts": facts})


def test_dotted_commits_get_their_own_closeout_files(tmp_path: Path):
    state = tmp_path / "state"
    state.mkdir()
    lines = [
        decision(commit, at)
        for commit in ("release-1.2", "release-1.3")
        for at in ("2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z")
    ]
    (state / "decisions.jsonl").write_text("\n".join(lines) + "\n")
    policies = load_policy_set(POLICIES)
    written = {}
    for commit in ("release-1.2", "release-1.3"):
        markdown, data, _ = write_closeout(state, policies, commit=commit)
        written[commit] = (markdown, data)
        assert json.loads(data.read_text())["change"]["commit"] == commit
    assert written["release-1.2"][0].name == "closeout-release-1.2.md"
    assert written["release-1.3"][1].name == "closeout-release-1.3.json"
    assert json.loads(written["release-1.2"][1].read_text())["change"]["commit"] == "release-1.2"


@pytest.mark.parametrize("base", [".", "/", "..", "out/.."])
def test_an_o_base_that_names_no_file_is_a_usage_error(tmp_path: Path, base: str):
    """Review: `closeout -o .` (or `/`) ended in "internal error: ValueError: ... has an empty
    name", and `-o ..` wrote `...md` and `...json` in the working folder. BASE.md and
    BASE.json need a BASE that names a file: exit 2, one line, nothing written."""
    state = tmp_path / "state"
    state.mkdir()
    lines = [decision("9f2c4e1", at) for at in ("2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z")]
    (state / "decisions.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "out").mkdir()
    before = sorted(tmp_path.rglob("*"))
    done = run_cli(
        "closeout", "--state-dir", str(state), "--policies", str(POLICIES), "-o", base, cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    assert "internal error" not in line and "-o" in line and "names no file" in line, line
    assert sorted(tmp_path.rglob("*")) == before
