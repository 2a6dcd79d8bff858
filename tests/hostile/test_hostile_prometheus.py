"""A Prometheus source against hostile servers (issue 17, items 8 and 15).

`timeout` is a deadline for the whole request: a real local socket server that drips its
headers or its body one byte at a time is cut off there. And only Prometheus's own float
formats are numbers: `1_0`, Arabic-Indic digits or padded text leave the fact absent.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from phasegate.collect.prometheus import query_prometheus
from phasegate.collect.promquery import PrometheusQuery
from phasegate.core.expressions import Template

#: How long a dripping server goes on at most: far past the deadline, but bounded, so a
#: broken deadline fails the test instead of hanging it.
DRIP_SECONDS = 20.0
DEADLINE = 0.5
TLS_DEADLINE = 2.0

ANSWER = b'{"status":"success","data":{"resultType":"vector","result":[]}}'


def ask(url: str, timeout: float = DEADLINE) -> tuple[object, float]:
    spec = PrometheusQuery(url=url, query=Template(("up",)), timeout=timeout)
    started = time.monotonic()
    result = query_prometheus(spec, datetime.now(UTC), {}, 1 << 20, {})
    return result, time.monotonic() - started


def listen(handle: Callable[[socket.socket, threading.Event], None]) -> Iterator[int]:
    """A local TCP server handing each connection to `handle` in its own thread; yields the
    port. `handle` sees the stop event, set at teardown."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=handle, args=(client, stop), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    listener.close()


def serve(script: list[bytes], pause: float) -> Iterator[str]:
    """A server sending `script` a byte at a time, `pause` apart, for at most
    DRIP_SECONDS."""

    def drip(client: socket.socket, stop: threading.Event) -> None:
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

    for port in listen(drip):
        yield f"http://127.0.0.1:{port}"


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


@pytest.fixture(params=["handshake", "body"])
def slow_tls(request, tmp_path) -> Iterator[tuple[str, str]]:
    """An https server that drips its TLS handshake, or (handshake at once) its answer, a
    byte at a time; and its CA file."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    answer = f"HTTP/1.1 200 OK\r\nContent-Length: {len(ANSWER)}\r\n\r\n".encode() + ANSWER

    def serve(client: socket.socket, stop: threading.Event) -> None:
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = context.wrap_bio(incoming, outgoing, server_side=True)
        end = time.monotonic() + DRIP_SECONDS
        shaken = False
        client.settimeout(0.1)
        with client:
            while not stop.is_set() and time.monotonic() < end:
                with contextlib.suppress(TimeoutError):
                    data = client.recv(65536)
                    if not data:
                        return
                    incoming.write(data)
                if not shaken:
                    with contextlib.suppress(ssl.SSLWantReadError):
                        tls.do_handshake()
                        shaken = True
                        if request.param == "body":
                            client.sendall(outgoing.read())
                            with contextlib.suppress(ssl.SSLWantReadError):
                                tls.read(65536)  # the request, if it came along
                            for index in range(len(answer)):
                                tls.write(answer[index : index + 1])
                if request.param == "body" and not shaken:
                    client.sendall(outgoing.read())  # the handshake at once
                for byte in outgoing.read():
                    if stop.wait(0.05) or time.monotonic() > end:
                        return
                    client.sendall(bytes([byte]))

    for port in listen(serve):
        yield f"https://127.0.0.1:{port}", str(cert)


def test_a_dripping_tls_server_is_cut_off_at_the_deadline(slow_tls):
    # A TLS record dripped a byte at a time takes about a second: under TLS_DEADLINE, so
    # no single read times out; only a deadline for the whole request ends it.
    url, ca_file = slow_tls
    spec = PrometheusQuery(
        url=url, query=Template(("up",)), timeout=TLS_DEADLINE, ca_file=Path(ca_file)
    )
    started = time.monotonic()
    result = query_prometheus(spec, datetime.now(UTC), {}, 1 << 20, {})
    took = time.monotonic() - started
    assert result.failure == f"prometheus: timed out after {TLS_DEADLINE:g}s", result.failure
    assert took < DRIP_SECONDS / 2


def answered(body: dict) -> Iterator[str]:
    data = json.dumps(body).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(data)}\r\n\r\n".encode()
    yield from serve([head + data], 0.0)


ONE_SERIES = {"resultType": "vector", "result": [{"metric": {}, "value": [1, "0.001"]}]}


@pytest.mark.parametrize(
    ("warnings", "why"),
    [
        (["remote read: store 10.0.0.7:10901 unreachable"], "store 10.0.0.7:10901 unreachable"),
        (["No StoreAPIs matched for this query", "PromQL info: x"], "No StoreAPIs matched"),
        ("partial response", "warnings is not a list"),
    ],
)
def test_an_answer_with_a_warning_is_refused_not_read(warnings, why):
    """Hunt: a `success` answer that warned of partial data (a failed remote read, Thanos's
    partial response) was read as the whole cohort's: errors missing from a sum read as a
    healthy error rate."""
    for url in answered({"status": "success", "data": ONE_SERIES, "warnings": warnings}):
        result, _ = ask(url, timeout=10)
        assert result.failure is not None and why in result.failure, result.failure
        assert result.stdout == ""


def test_promql_s_informational_notes_are_no_warning():
    info = ['PromQL info: metric might not be a counter, name does not end in _total: "x"']
    for url in answered({"status": "success", "data": ONE_SERIES, "warnings": info}):
        result, _ = ask(url, timeout=10)
        assert result.failure is None and json.loads(result.stdout)[0]["value"] == 0.001


def test_the_series_come_in_one_order_whatever_order_the_server_sends():
    """Hunt: `sum by (operator)` answers in Go map order, different run to run, and the
    series were kept in it: `output[0].value` read one operator's rate, then another's."""
    series = [
        {"metric": {"operator": name}, "value": [1, value]}
        for name, value in (("op-2", "0.2"), ("op-1", "0.1"), ("op-3", "0.3"))
    ]
    printed = []
    for order in (series, series[::-1]):
        body = {"status": "success", "data": {"resultType": "vector", "result": order}}
        for url in answered(body):
            result, _ = ask(url, timeout=10)
            printed.append(result.stdout)
    assert printed[0] == printed[1]
    assert [s["metric"]["operator"] for s in json.loads(printed[0])] == ["op-1", "op-2", "op-3"]


def test_the_last_value_of_a_series_that_stopped_is_not_its_value_now():
    """Hunt: with `reduce: last`, an operator whose series stopped 10 minutes into a
    15-minute window gave its last error rate as its rate now (Prometheus's own lookback
    would have returned nothing)."""
    from phasegate.collect.promquery import RangeQuery

    now = datetime.now(UTC)
    end = now.timestamp()
    window = RangeQuery(duration=900, step=60, reduce="last")

    def matrix(*last: float) -> dict:
        result = [
            {"metric": {"operator": f"op-{index}"}, "values": [[at - 60, "0.5"], [at, "0.001"]]}
            for index, at in enumerate(last)
        ]
        return {"status": "success", "data": {"resultType": "matrix", "result": result}}

    for body, why in ((matrix(end, end - 600), "stopped 600s before"), (matrix(end), None)):
        for url in answered(body):
            spec = PrometheusQuery(url=url, query=Template(("up",)), timeout=10, range=window)
            result = query_prometheus(spec, now, {}, 1 << 20, {})
            if why is None:
                assert result.failure is None and json.loads(result.stdout)[0]["value"] == 0.001
            else:
                assert result.failure is not None and why in result.failure, result.failure


@pytest.mark.parametrize(
    "body",
    [
        b'{"status":"error","status":"success","data":{"resultType":"vector","result":'
        b'[{"metric":{},"value":[1,"0.9"]}]}}',
        b'{"status":"success","data":{"resultType":"vector","result":'
        b'[{"metric":{},"value":[1,"0.9"],"value":[1,"0"]}]}}',
    ],
)
def test_an_answer_with_a_key_twice_is_refused_not_read_by_its_last(body):
    """Hunt: json.loads keeps the last of two keys: a failed query's `status: error`, or a
    sample of 0.9, gave way to the `success` or the 0 written after it."""
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    for url in serve([head + body], 0.0):
        result, _ = ask(url, timeout=10)
        assert result.failure is not None and "duplicate key" in result.failure, result.failure
