"""Symbolic link loops are refused as bad input (exit 3), never a crash; FIFOs, devices,
sockets and dangling links inside folders are skipped with a warning, never opened."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, POLICIES, call_cli
from phasegate.core.policy import load_policy_set
from phasegate.core.recording import read_recording
from phasegate.errors import InputError
from phasegate.review.corpus import read_corpus
from phasegate.review.fmt import format_files, target_files

HEALTHY = FIXTURES / "phase2-healthy.yaml"
LOOP = "a symbolic link loop"


def loop(path: Path) -> Path:
    path.symlink_to(path.name)
    return path


def test_fmt_refuses_a_self_referencing_link(tmp_path: Path):
    link = loop(tmp_path / "self.yaml")
    with pytest.raises(InputError, match=LOOP) as caught:
        format_files(target_files([link]))
    assert caught.value.location is not None and caught.value.location.file == str(link)


def test_a_corpus_folder_with_a_link_loop_is_refused_at_the_link(tmp_path: Path):
    shutil.copy(HEALTHY, tmp_path / "a.yaml")
    link = loop(tmp_path / "b.yaml")
    with pytest.raises(InputError, match=LOOP) as caught:
        read_corpus([tmp_path])
    assert caught.value.location.file == str(link)
    with pytest.raises(InputError, match=LOOP):
        read_corpus([link])


def test_a_policy_folder_with_a_link_loop_is_refused(tmp_path: Path):
    for policy in POLICIES.glob("*.yaml"):
        shutil.copy(policy, tmp_path / policy.name)
    loop(tmp_path / "zz.yaml")
    with pytest.raises(InputError, match=LOOP):
        load_policy_set(tmp_path)


def special_entries(folder: Path) -> None:
    os.mkfifo(folder / "fifo.yaml")
    (folder / "dangling.json").symlink_to("nowhere.json")


def test_replay_folders_skip_special_entries_without_opening_them(tmp_path: Path):
    shutil.copy(HEALTHY, tmp_path / "a.yaml")
    special_entries(tmp_path)
    recording = read_recording(tmp_path)  # opening the FIFO would block here
    assert len(recording.snapshots) == 1
    assert dict(recording.skipped) == {
        str(tmp_path / "dangling.json"): "not a regular file: a dangling link",
        str(tmp_path / "fifo.yaml"): "not a regular file: a FIFO (named pipe)",
    }
    loop(tmp_path / "z.yaml")
    with pytest.raises(InputError, match=LOOP):
        read_recording(tmp_path)


def test_corpus_folders_skip_special_entries(tmp_path: Path):
    shutil.copy(HEALTHY, tmp_path / "a.yaml")
    special_entries(tmp_path)
    corpus = read_corpus([tmp_path])
    assert [file.path for file in corpus.files] == [(tmp_path / "a.yaml").as_posix()]
    assert {why for _, why in corpus.skipped} == {
        "not a regular file: a dangling link",
        "not a regular file: a FIFO (named pipe)",
    }


def test_the_cli_gives_exit_3_and_one_line_for_a_loop(tmp_path: Path):
    link = loop(tmp_path / "self.yaml")
    done = call_cli("fmt", str(link))
    assert done.returncode == 3
    assert done.stderr.splitlines() == [f"{link}: error: {LOOP} (the link leads back to itself)"]
