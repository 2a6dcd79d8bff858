"""Whatever mix of appends, torn tails (writers killed mid-line) and concurrent writers, the
log holds only whole JSON lines and no appended record is lost."""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phasegate.files import durable

WRITER_RECORDS = 5


def writer(log: str, name: str) -> None:
    for index in range(WRITER_RECORDS):
        durable.append_line(Path(log), json.dumps({"writer": name, "index": index}))


def tear(log: Path, fragment: bytes) -> None:
    """What a writer killed mid-line leaves: part of a line, written under the lock."""
    descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.write(descriptor, fragment)
    finally:
        os.close(descriptor)


record = st.dictionaries(st.text(max_size=5), st.text(max_size=8) | st.integers(), max_size=3)
fragment = st.binary(min_size=1, max_size=30).map(lambda raw: raw.replace(b"\n", b"")) | (
    record.map(lambda value: json.dumps(value).encode()[:-1])  # a line cut short
)
operation = st.tuples(st.just("append"), record) | st.tuples(st.just("tear"), fragment)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=st.lists(operation, max_size=10), writers=st.integers(0, 2))
def test_appends_survive_torn_tails_and_concurrent_writers(operations, writers):
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "decisions.jsonl"
        context = multiprocessing.get_context("fork")
        others = [context.Process(target=writer, args=(str(log), f"w{n}")) for n in range(writers)]
        for process in others:
            process.start()
        expected = []
        for number, (kind, value) in enumerate(operations):
            if kind == "append":
                line = json.dumps({"main": number, "value": value})
                durable.append_line(log, line)
                expected.append(json.loads(line))
            elif value:
                tear(log, value)
        for process in others:
            process.join(timeout=60)
            assert process.exitcode == 0
        durable.append_line(log, json.dumps({"final": True}))  # repairs a trailing tear
        raw = log.read_bytes()
        assert raw.endswith(b"\n")
        written = [json.loads(line) for line in raw.decode().splitlines()]  # all whole JSON
        expected += [
            {"writer": f"w{n}", "index": i} for n in range(writers) for i in range(WRITER_RECORDS)
        ]
        expected += [{"final": True}]
        for item in expected:
            assert written.count(item) == 1
        assert len(written) == len(expected)
        torn = Path(f"{log}.torn")
        for kept in torn.read_bytes().splitlines() if torn.exists() else []:
            assert not any(kept == json.dumps(item).encode() for item in expected)
