"""`collect --push` against hostile servers: a failed push, never an internal error or a hang.

A server that answers something that is not HTTP (an SSH banner, a 100 KB header line,
200 headers) ended in `internal error` (exit 1); one dripping its answer a byte at a time
was bounded only per read. Both are the push failure path: exit 4, the facts still written,
one line saying why, within one deadline for the whole request.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_hostile_prometheus import DRIP_SECONDS, listen, serve

from conftest import run_cli
from phasegate.collect import openmetrics

DEADLINE = 0.5
FACTS = {
    "apiVersion": "phasegate/v1",
    "kind": "Facts",
    "phase": 1,
    "collected_at": "2026-12-07T13:00:00Z",
    "change": {"commit": "abc1234"},
    "operator": "op-1",
    "counts": {"commands": 200, "errors": 7},
}
NOT_HTTP = {
    "ssh": (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "BadStatusLine"),
    "long-line": (b"HTTP/1.1 200 OK\r\nX: " + b"a" * 100_000 + b"\r\n\r\n", "LineTooLong"),
    "many-headers": (b"HTTP/1.1 200 OK\r\n" + b"X: a\r\n" * 200 + b"\r\n", "HTTPException"),
}


def read_request(client: socket.socket) -> None:
    """The whole request, body included: answering before it is read resets the push."""
    data = b""
    while b"\r\n\r\n" not in data and (chunk := client.recv(65536)):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"(?i)content-length: *(\d+)", head)
    missing = int(length.group(1)) - len(body) if length else 0
    while missing > 0 and (chunk := client.recv(65536)):
        missing -= len(chunk)


@pytest.fixture(params=sorted(NOT_HTTP))
def not_http(request) -> Iterator[tuple[str, str]]:
    answer, kind = NOT_HTTP[request.param]

    def answer_once(client: socket.socket, stop: threading.Event) -> None:
        with client, contextlib.suppress(OSError):
            client.settimeout(10)
            read_request(client)
            client.sendall(answer)

    for port in listen(answer_once):
        yield f"http://127.0.0.1:{port}", kind


@pytest.fixture
def dripping() -> Iterator[str]:
    """Headers a byte every 0.05 s: each read is quick, the whole answer takes minutes."""
    yield from serve([b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000 + b"\r\n\r\n"], 0.05)


def test_an_answer_that_is_not_http_is_a_failed_push(not_http):
    url, kind = not_http
    with pytest.raises(openmetrics.PushFailed) as caught:
        openmetrics.push(FACTS, url, timeout=5)
    message = caught.value.message
    assert message.startswith(f"cannot push counts to {url}: not an HTTP answer ({kind}: ")
    assert len(message) < 200 and "\n" not in message


def test_a_dripping_server_is_cut_off_at_the_deadline(dripping):
    started = time.monotonic()
    with pytest.raises(openmetrics.PushFailed) as caught:
        openmetrics.push(FACTS, dripping, timeout=DEADLINE)
    assert caught.value.message == f"cannot push counts to {dripping}: timed out after 0.5s"
    assert time.monotonic() - started < DRIP_SECONDS / 2  # the deadline, not the server


def test_collect_push_to_a_server_that_is_not_http_exits_4_with_the_facts_written(
    tmp_path: Path, not_http
):
    url, _ = not_http
    config = tmp_path / "phasegate.yaml"
    config.write_text(
        "apiVersion: phasegate/v1\nkind: Config\nstate_dir: state\nchecks: {}\nsources:\n"
        "  - {name: c, command: [echo, '{\"n\": 3}'], facts: {counts.commands: output.n}}\n"
    )
    out = tmp_path / "facts.json"
    done = run_cli(
        *("collect", "--config", str(config), "--phase", "1", "--set", "operator=op-1"),
        *("--set", "change.commit=abc1234", "--set", "incidents=[]"),
        *("--push", url, "-o", str(out)),
    )
    assert done.returncode == 4, done.stderr
    [line] = [x for x in done.stderr.splitlines() if "warning" not in x]
    assert line.startswith(f"phasegate: error: cannot push counts to {url}: not an HTTP answer")
    assert json.loads(out.read_text())["counts"]["commands"] == 3
