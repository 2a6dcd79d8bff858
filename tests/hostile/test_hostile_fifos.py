"""A FIFO named as an input is refused at once (exit 3, one line naming it), never waited on.

`open()` of a FIFO blocks until some writer comes, so `phasegate evaluate fifo.json` or a
collector `file:` source naming one hung forever; the source's `timeout` bounds commands,
not an open. Each call here runs in a thread joined with a bound: before the fix it stayed
blocked, and the test releases it (a writer's open) and fails.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, run_cli
from phasegate.collect.collector import CollectOptions, collect
from phasegate.collect.config import load_config
from phasegate.core.facts import load_facts
from phasegate.core.recording import read_recording
from phasegate.errors import InputError
from phasegate.files.loading import load_document
from phasegate.state.statedir import StateDir

HEALTHY = FIXTURES / "phase2-healthy.yaml"
FIFO = "not a regular file: a FIFO (named pipe)"


def bounded(call: Callable[[], Any], fifo: Path, limit: float = 20) -> Any:
    """`call()`'s result or exception; AssertionError when it is still blocked at `limit`."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the test below
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # release the blocked reader
        thread.join(limit)
        raise AssertionError(f"still blocked opening the FIFO {fifo} after {limit:g}s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.mark.parametrize(
    ("name", "load"),
    [
        ("facts.json", load_facts),
        ("policy.yaml", load_document),
        ("recording.jsonl", lambda path: read_recording(path).snapshots),
        ("phasegate.yaml", load_config),
    ],
)
def test_a_fifo_input_is_refused_naming_it(tmp_path: Path, name: str, load):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    with pytest.raises(InputError) as caught:
        bounded(lambda: load(fifo), fifo)
    assert caught.value.message == FIFO
    assert caught.value.location is not None and caught.value.location.file == str(fifo)


def test_a_device_input_is_refused_before_it_is_read(tmp_path: Path):
    link = tmp_path / "facts.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputError, match="not a regular file: a device or other special file"):
        load_facts(link)


def test_evaluate_and_merge_refuse_a_fifo_with_one_line(tmp_path: Path):
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    shutil.copy(HEALTHY, tmp_path / "a.yaml")
    for args in (("evaluate", str(fifo)), ("merge", str(tmp_path / "a.yaml"), str(fifo))):
        done = run_cli(*args)
        assert done.returncode == 3, done.stderr
        assert done.stderr.splitlines() == [f"{fifo}: error: {FIFO}"]


def test_a_fifo_file_source_fails_with_a_reason_and_the_fact_stays_unknown(tmp_path: Path):
    fifo = tmp_path / "counts.json"
    os.mkfifo(fifo)
    (tmp_path / "good.json").write_text('{"n": 3}')
    (tmp_path / "phasegate.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Config\nstate_dir: state\n"
        "defaults: {timeout: 2}\nchecks: {}\nsources:\n"
        "  - {name: pipe, file: counts.json, facts: {counts.commands: output.n}}\n"
        "  - {name: good, file: good.json, facts: {counts.errors: output.n}}\n"
    )
    config = load_config(tmp_path / "phasegate.yaml")
    options = CollectOptions(1, (("change.commit", "abc1234"), ("incidents", "[]")))
    state = StateDir(config.state_dir)
    collection = bounded(lambda: collect(config, state, options, record=False), fifo)
    assert "commands" not in collection.facts.data["counts"]
    assert collection.facts.data["counts"]["errors"] == 3
    assert collection.unknown["counts.commands"] == f"source pipe: cannot read {fifo}: {FIFO}"
