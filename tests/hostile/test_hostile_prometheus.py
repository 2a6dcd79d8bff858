"""A Prometheus source against hostile servers (issue 17, items 8 and 15).

`timeout` is a deadline for the whole request: a real local socket server that drips its
headers or its body one byte at a time is cut off there. And only Prometheus's own float
formats are numbers: `1_0`, Arabic-Indic digits or padded text leave the fact absent.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from phasegate.collect.prometheus import PrometheusQuery, query_prometheus
from phasegate.expressions import Template

#: How long a dripping server goes on at most: far past the deadline, but bounded, so a
#: broken deadline fails the test instead of hanging it.
DRIP_SECONDS = 20.0
DEADLINE = 0.5

ANSWER = b'{"status":"success","data":{"resultType":"vector","result":[]}}'


def ask(url: str, timeout: float = DEADLINE) -> tuple[object, float]:
    spec = PrometheusQuery(url=url, query=Template(("up",)), timeout=timeout)
    started = time.monotonic()
    result = query_prometheus(spec, datetime.now(UTC), {}, 1 << 20, {})
    return result, time.monotonic() - started


def serve(script: list[bytes], pause: float) -> Iterator[str]:
    """A one-connection-at-a-time TCP server sending `script` a byte at a time, `pause`
    apart, for at most DRIP_SECONDS."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def drip(client: socket.socket) -> None:
        end = time.monotonic() + DRIP_SECONDS
        with client:
            try:
                client.recv(65536)  # the request
                for part in script:
                    for index in range(len(part)):
                        if stop.is_set() or time.monotonic() > end:
                            return
                        client.sendall(part[index : index + 1])
                        stop.wait(pause)
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=drip, args=(client,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=5)
    listener.close()


@pytest.fixture
def slow_headers() -> Iterator[str]:
    headers = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 10_000 + b"\r\n\r\n"
    yield from serve([headers], 0.05)


@pytest.fixture
def slow_body() -> Iterator[str]:
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(ANSWER) + 10_000}\r\n\r\n".encode()
    yield from serve([head, b" " * 10_000 + ANSWER], 0.0)


@pytest.fixture
def slow_body_drip() -> Iterator[str]:
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(ANSWER) + 10_000}\r\n\r\n".encode()
    yield from serve([b"", head + b" " * 10_000 + ANSWER], 0.05)


@pytest.mark.parametrize("server", ["slow_headers", "slow_body_drip"])
def test_a_dripping_server_is_cut_off_at_the_deadline(request, server):
    url = request.getfixturevalue(server)
    result, took = ask(url)
    assert result.failure == f"prometheus: timed out after {DEADLINE:g}s", result.failure
    assert result.stdout == ""
    assert took < DRIP_SECONDS / 2  # the deadline, not the server, ended it


def test_a_server_that_answers_in_time_is_read(slow_body):
    result, _ = ask(slow_body, timeout=10)
    assert result.failure == "prometheus: empty result: no series matched"


@pytest.mark.parametrize(
    "sample", ["1_0", "١٠", " 1", "1 ", "0x10", "1e", "infinity", "+-1", "", "1\n"]
)
def test_only_prometheus_numbers_are_numbers(sample):
    from phasegate.collect.prometheus import Refused, _number

    with pytest.raises(Refused, match="not a number"):
        _number([1, sample])


@pytest.mark.parametrize(
    ("sample", "value"),
    [("1", 1.0), ("-2.5", -2.5), ("1e3", 1000.0), ("1.5E-3", 0.0015), (".5", 0.5), ("7.", 7.0)],
)
def test_prometheus_float_formats_are_read(sample, value):
    from phasegate.collect.prometheus import _number

    assert _number([1, sample]) == value


def test_a_garbage_sample_leaves_the_answer_refused_end_to_end():
    body = json.dumps(
        {
            "status": "success",
            "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, "1_0"]}]},
        }
    ).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    for url in serve([head + body], 0.0):
        result, _ = ask(url, timeout=10)
        assert result.failure == "prometheus: sample '1_0' is not a number"
