"""What an operator's slip or a rule author's typo reads as in a CI log: one line naming
the file (line:col where known) and exit 3, never a reassuring "all clear". A `--state-dir`
that does not exist, or is a file, a FIFO or a link loop; a command whose program is ""; a
5000-digit integer in YAML; a policy test's history that is a link loop; `init` where
nothing can be written; a closeout whose second file cannot be written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import POLICIES, call_cli, healthy, run_cli

#: The commands that read (or extend) what `collect` and `run` left in the state dir.
READERS = [
    ("status",),
    ("unfreeze", "--rca", "https://wiki.example/INC-7"),
    ("closeout", "--policies", str(POLICIES)),
    ("resume", "--reason", "fixed"),
]


@pytest.mark.parametrize("args", READERS, ids=lambda args: args[0])
def test_a_state_dir_that_does_not_exist_is_an_error_not_all_clear(tmp_path: Path, args):
    """Was: `status` "no decision recorded" and `unfreeze` "no freeze was active", exit 0;
    `resume` created the mistyped folder."""
    missing = tmp_path / "typo"
    result = call_cli(*args, "--state-dir", str(missing), cwd=tmp_path)
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr == (
        f"{missing}: error: state dir does not exist (`collect` and `run` create it)\n"
    )
    assert not missing.exists()


def test_retry_rollback_of_a_state_dir_that_does_not_exist(tmp_path: Path):
    from fleet import Fleet

    fleet = Fleet(tmp_path)  # its config's state dir, `state`, was never made
    result = run_cli("retry-rollback", "--decision", "d1", "--only-runners", "op-2", cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    assert result.stderr.endswith(
        "state: error: state dir does not exist (`collect` and `run` create it)\n"
    )
    assert not (fleet.path / "state").exists()


def test_status_in_a_fresh_checkout_says_the_default_state_dir_is_missing(tmp_path: Path):
    result = run_cli("status", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr == (
        f"{tmp_path / '.phasegate'}: error: state dir does not exist "
        "(`collect` and `run` create it)\n"
    )


def _special(tmp_path: Path, kind: str) -> Path:
    target = tmp_path / kind
    if kind == "regular file":
        target.write_text("")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "dangling":
        target.symlink_to("nowhere")
    else:
        target.symlink_to(target.name)  # a loop
    return target


@pytest.mark.parametrize(
    ("args", "kind", "why"),
    [
        (("status",), "regular file", "state dir is not a directory (regular file)"),
        (("status",), "fifo", "state dir is not a directory (fifo)"),
        (("resume", "--reason", "x"), "fifo", "state dir is not a directory (fifo)"),
        (("status",), "dangling", "state dir is a dangling link"),
        (
            ("collect", "--phase", "0", "--set", "change.commit=9f2c4e1"),
            "dangling",
            "state dir is a dangling link",
        ),
        (
            ("collect", "--phase", "0", "--set", "change.commit=9f2c4e1"),
            "regular file",
            "state dir is not a directory (regular file)",
        ),
        (
            ("status",),
            "loop",
            "state dir is not readable: a symbolic link loop (the link leads back to itself)",
        ),
        (
            ("unfreeze", "--rca", "https://wiki.example/INC-7"),
            "loop",
            "state dir is not readable: a symbolic link loop (the link leads back to itself)",
        ),
    ],
)
def test_a_state_dir_that_is_no_folder_is_named_for_what_it_is(tmp_path: Path, args, kind, why):
    """Was: "state dir is not writable: File exists" for a file or FIFO, and "cannot
    write" from `status`, which writes nothing, for a link loop."""
    target = _special(tmp_path, kind)
    result = run_cli(*args, "--state-dir", str(target), cwd=tmp_path)
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr == f"{target}: error: {why}\n"


@pytest.mark.parametrize(
    ("section", "at"),
    [
        ('contract:\n  baseline: b.json\n  commands:\n    - ["", --json]\n', "6:8"),
        ("checks:\n  quick: {command: ['']}\n", "4:21"),
        ("rollback:\n  deploy: ['', v0.4.2]\n", "4:12"),
    ],
)
def test_a_command_whose_program_is_empty_is_refused_at_load(tmp_path: Path, section, at):
    """Was: "cc.yaml: error: : not executable: " when the contract ran, and a check that
    was only unknown."""
    (tmp_path / "cc.yaml").write_text(f"apiVersion: phasegate/v1\nkind: Config\n{section}")
    result = run_cli("contract", "record", "--config", "cc.yaml", cwd=tmp_path)
    assert result.returncode == 3
    what = {"contract": "contract.commands[0][0]", "checks": "checks.quick.command[0]"}.get(
        section.split(":")[0], "rollback.deploy[0]"
    )
    assert result.stderr == f"cc.yaml:{at}: error: {what}: must not be empty\n"


def test_a_5000_digit_integer_in_yaml_is_located(tmp_path: Path):
    """Was: "not valid YAML (ValueError)", no line: Python converts at most 4300 digits."""
    facts = tmp_path / "facts.yaml"
    facts.write_text("apiVersion: phasegate/v1\nkind: Facts\nmetrics:\n  agents: " + "9" * 5000)
    result = call_cli("evaluate", str(facts), "--policies", str(POLICIES), cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr == (
        f"{facts}:4:11: error: integer too long (5000 digits): out of the 64-bit range\n"
    )


def test_a_policy_test_history_that_is_a_link_loop_says_so(tmp_path: Path):
    """Was: "history recording not found"; other readers say it is a link loop."""
    (tmp_path / "loop.jsonl").symlink_to("loop.jsonl")
    (tmp_path / "facts.json").write_text(json.dumps(healthy()))
    case = "  - name: a case\n    facts: facts.json\n    history: loop.jsonl\n"
    (tmp_path / "t.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: PolicyTest\nname: loop\ncases:\n"
        + case
        + "    expect: {verdict: continue}\n"
    )
    result = call_cli("test", "t.yaml", "--policies", str(POLICIES), cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr == (
        "t.yaml:7:14: error: case 'a case': history recording loop.jsonl: "
        "a symbolic link loop (the link leads back to itself)\n"
    )


def test_init_names_the_folder_it_was_asked_for(tmp_path: Path):
    """Was: "/proc: cannot write", the parent, which the user never typed."""
    result = run_cli("init", "/proc/phasegate-policies", cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr.startswith("phasegate: error: /proc/phasegate-policies: cannot write: ")


def _closeable(tmp_path: Path) -> Path:
    """A state dir whose change passed a 60m stable Phase 2 window."""
    state = tmp_path / "state"
    state.mkdir()
    lines = []
    for phase, at in ((1, "08:00"), (2, "10:00"), (2, "11:00")):
        facts = healthy(phase=phase, collected_at=f"2026-11-20T{at}:00Z")
        facts["phase_started_at"] = f"2026-11-20T{'10:00' if phase == 2 else at}:00Z"
        lines.append(json.dumps({"decision": {"verdict": "continue", "rules": []}, "facts": facts}))
    (state / "decisions.jsonl").write_text("\n".join(lines) + "\n")
    return state


def test_a_closeout_whose_json_cannot_be_written_leaves_no_markdown(tmp_path: Path):
    """Was: BASE.md written, then BASE.json refused (exit 3): half a record."""
    state = _closeable(tmp_path)
    (tmp_path / "BASE.json").mkdir()
    args = ("closeout", "--state-dir", str(state), "--policies", str(POLICIES), "-o", "BASE")
    result = run_cli(*args, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        3,
        "BASE.json: error: cannot write: Is a directory\n",
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["BASE.json", "state"]


def _closeout_whose_second_rename_fails(tmp_path: Path, monkeypatch) -> list[str]:
    """Close out `_closeable`'s change to BASE.md and BASE.json, the second rename failing
    (a full disk): exit 3's error. Returns the names renamed to, in order."""
    from phasegate.core.policy import load_policy_set
    from phasegate.errors import InputError
    from phasegate.runner.closeout import write_closeout

    state = _closeable(tmp_path)
    replace = os.replace
    renames: list[str] = []

    def second_fails(source, target):
        renames.append(Path(target).name)
        if len(renames) == 2:
            raise OSError(28, "No space left on device")
        replace(source, target)

    monkeypatch.setattr(os, "replace", second_fails)
    with pytest.raises(InputError, match="No space left on device"):
        write_closeout(state, load_policy_set(POLICIES), output=tmp_path / "BASE")
    monkeypatch.undo()
    return renames


def test_a_closeout_whose_last_rename_fails_removes_the_first(tmp_path: Path, monkeypatch):
    """Both are written to temporary files, then renamed: a rename that fails takes back
    the one renamed before it."""
    renames = _closeout_whose_second_rename_fails(tmp_path, monkeypatch)
    assert sorted(renames) == ["BASE.json", "BASE.md"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["state"]  # no temporary left


def test_a_closeout_rerun_whose_last_rename_fails_keeps_the_earlier_record(
    tmp_path: Path, monkeypatch
):
    """Review: a rerun over an earlier BASE.md and BASE.json whose second rename failed
    unlinked the first file, already replaced: the earlier record lost its Markdown (half a
    record again). A failed pair puts back what each file held before."""
    (tmp_path / "BASE.md").write_text("earlier markdown\n")
    (tmp_path / "BASE.json").write_text('{"earlier": true}\n')
    _closeout_whose_second_rename_fails(tmp_path, monkeypatch)
    assert (tmp_path / "BASE.md").read_text() == "earlier markdown\n"
    assert (tmp_path / "BASE.json").read_text() == '{"earlier": true}\n'
    assert sorted(path.name for path in tmp_path.iterdir()) == ["BASE.json", "BASE.md", "state"]
