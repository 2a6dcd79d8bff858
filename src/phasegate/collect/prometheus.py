"""Prometheus as a source: a PromQL query whose answer becomes facts through CEL.

A team that already scrapes its operators (or pushes their counts to a Pushgateway) can
judge the whole cohort with one query instead of merging files. The answer is handed to
the collector exactly like a command's output, so everything after it (success check, fact
expressions, the unknown bookkeeping) is the same code. A server that is down, slow or
answers garbage, an empty result and NaN are all reasons, never a zero: the facts stay
absent and the rules pause.

Only the configured URL is ever contacted: proxies from the environment and redirects
are refused, since a gate must not be talked into asking someone else.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from phasegate import cel
from phasegate.collect.process import EXIT_TIMED_OUT, CommandResult
from phasegate.collect.promquery import PrometheusQuery, RangeQuery
from phasegate.core.expressions import fill
from phasegate.files.loading import loads_strict

_CHUNK = 65536
#: The sample values Prometheus writes (Go's strconv float formats), ASCII digits only.
_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NOT_FINITE = ("NaN", "+Inf", "-Inf", "Inf")


class Refused(Exception):
    """The answer cannot be trusted; the message says why."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        raise Refused("the server redirected elsewhere: only the configured URL is asked")


def query_prometheus(
    spec: PrometheusQuery,
    now: datetime,
    params: Mapping[str, Any],
    max_output_bytes: int,
    environ: Mapping[str, str] | None = None,
) -> CommandResult:
    """Ask the server; the simplified answer comes back as a command's JSON output.

    `output` is a list with one `{"metric": {labels}, "value": number}` per series.
    """
    started = time.monotonic()
    environ = os.environ if environ is None else environ
    shown: tuple[str, ...] = ("prometheus", spec.url)

    def failed(why: str, code: int = 1) -> CommandResult:
        elapsed = int((time.monotonic() - started) * 1000)
        return CommandResult(shown, code, "", why, elapsed, failure=f"prometheus: {why}")

    text = fill(spec.query, cel.Bindings({"params": dict(params), "env": dict(environ)}))
    if isinstance(text, cel.EvalFailure):
        return failed(f"query placeholder: {text.message}")
    shown = ("prometheus", spec.url, text)
    try:
        request = _request(spec, text, now, environ)
        body = _fetch(spec, request, max_output_bytes)
        series = _series(body, spec.range, now.timestamp())
    except TimeoutError:
        return failed(f"timed out after {spec.timeout:g}s", EXIT_TIMED_OUT)
    except Refused as exc:
        return failed(str(exc))
    output = json.dumps(series, sort_keys=True)
    elapsed = int((time.monotonic() - started) * 1000)
    return CommandResult(shown, 0, output, "", elapsed)


def _request(
    spec: PrometheusQuery, text: str, now: datetime, environ: Mapping[str, str]
) -> urllib.request.Request:
    at = now.timestamp()
    if spec.range is None:
        path, query = "query", {"query": text, "time": f"{at:.3f}"}
    else:
        query = {
            "query": text,
            "start": f"{at - spec.range.duration:.3f}",
            "end": f"{at:.3f}",
            "step": f"{spec.range.step:g}",
        }
        path = "query_range"
    url = f"{spec.url.rstrip('/')}/api/v1/{path}?{urllib.parse.urlencode(query)}"
    headers = {"Accept": "application/json"}
    if spec.bearer_token_env is not None:
        token = environ.get(spec.bearer_token_env)
        if not token:
            raise Refused(f"bearer token variable ${spec.bearer_token_env} is not set")
        headers["Authorization"] = f"Bearer {token}"
    return urllib.request.Request(url, headers=headers)


def _fetch(spec: PrometheusQuery, request: urllib.request.Request, limit: int) -> bytes:
    """The response body, within one deadline for the whole request.

    A socket timeout bounds each read, not the request: a server dripping one byte of its
    headers or body at a time never trips it. At the deadline a watchdog shuts the
    connection down, whatever is blocked on it, and the request counts as timed out.
    """
    context = None
    if spec.ca_file is not None:
        try:
            context = ssl.create_default_context(cafile=str(spec.ca_file))
        except (OSError, ssl.SSLError) as exc:
            raise Refused(f"cannot use CA file {spec.ca_file}: {exc}") from None
    deadline = Deadline(spec.timeout)
    opener = direct_opener(context, deadline)
    try:
        with opener.open(request, timeout=spec.timeout) as response:
            body = _read(response, limit, deadline)
    except urllib.error.HTTPError as exc:
        detail = _error_detail(exc, deadline)
        deadline.check()
        raise Refused(f"HTTP {exc.code} from {spec.url}{detail}") from None
    except urllib.error.URLError as exc:
        deadline.check()
        if isinstance(exc.reason, TimeoutError | socket.timeout):
            raise TimeoutError from None
        raise Refused(f"cannot reach {spec.url}: {exc.reason}") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        deadline.check()
        if isinstance(exc, TimeoutError):
            raise
        raise Refused(f"cannot read from {spec.url}: {exc}") from None
    finally:
        deadline.cancel()
    deadline.check()  # a connection shut at the deadline reads as a short body
    return body


class Deadline:
    """One deadline for every connection of a request: at it, each is shut down.

    The watchdog holds a duplicate of each connected socket: shutting the duplicate down
    ends the connection itself, also inside a TLS handshake, after the TLS layer took the
    original over."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def register(self, sock: socket.socket) -> None:
        with self._lock:
            watched = sock.dup()
            self._sockets.append(watched)
            if self.expired:
                _shut(watched)

    def check(self) -> None:
        if self.expired:
            raise TimeoutError

    def cancel(self) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _watched(base: type[http.client.HTTPConnection], deadline: Deadline) -> Any:
    """`base`, handing each socket it connects to the deadline before anything is sent."""

    class Watched(base):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            create = self._create_connection

            def connect(*args: Any, **kwargs: Any) -> socket.socket:
                sock = create(*args, **kwargs)
                deadline.register(sock)
                return sock

            self._create_connection = connect

    return Watched


class _DeadlineHTTP(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_watched(http.client.HTTPConnection, self._deadline), req)


class _DeadlineHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline, context: ssl.SSLContext | None) -> None:
        super().__init__(context=context)
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> Any:
        connection = _watched(http.client.HTTPSConnection, self._deadline)
        return self.do_open(connection, req, context=self._context)  # type: ignore[attr-defined]


def direct_opener(
    context: ssl.SSLContext | None = None, deadline: Deadline | None = None
) -> urllib.request.OpenerDirector:
    """An opener that talks to the URL it is given and nowhere else (no proxy, no redirect),
    within `deadline` when one is given."""
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({}), _NoRedirect()]
    if deadline is not None:
        handlers += [_DeadlineHTTP(deadline), _DeadlineHTTPS(deadline, context)]
    elif context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    return urllib.request.build_opener(*handlers)


def _read(response: Any, limit: int, deadline: Deadline) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise Refused(f"answer larger than {limit} bytes")
        deadline.check()
        chunks.append(chunk)
    return b"".join(chunks)


def _error_detail(exc: urllib.error.HTTPError, deadline: Deadline) -> str:
    try:
        answer = json.loads(_read(exc, 65536, deadline))
        return f": {str(answer.get('error'))[:200]}" if isinstance(answer, dict) else ""
    except (ValueError, OSError, Refused, http.client.HTTPException):
        return ""


def _series(body: bytes, window: RangeQuery | None, end: float) -> list[dict[str, Any]]:
    """The API's answer as one number per series; anything unexpected is refused."""
    try:
        # Strict: with two `status` keys (or two `value`s) json.loads keeps the last one,
        # and which is the answer is anyone's guess.
        answer = loads_strict(body.decode("utf-8"))
    except json.JSONDecodeError:
        raise Refused("the answer is not JSON (is the URL a Prometheus server?)") from None
    except (ValueError, RecursionError) as exc:  # a duplicate key, NaN, not UTF-8
        raise Refused(f"the answer is not JSON as Prometheus writes it: {exc}") from None
    if not isinstance(answer, dict) or answer.get("status") != "success":
        why = answer.get("error") if isinstance(answer, dict) else None
        raise Refused(f"query failed: {str(why)[:200]}" if why else "not a Prometheus answer")
    _refuse_warnings(answer.get("warnings"))
    data = answer.get("data")
    kind = data.get("resultType") if isinstance(data, dict) else None
    result = data.get("result") if isinstance(data, dict) else None
    if kind == "scalar" and isinstance(result, list):
        result = [{"metric": {}, "value": result}]
        kind = "vector"
    if kind not in ("vector", "matrix") or not isinstance(result, list):
        raise Refused(f"unsupported result type {kind!r}: expected a vector or a matrix")
    if not result:
        raise Refused("empty result: no series matched")
    series = []
    for item in result:
        if not isinstance(item, dict) or not isinstance(item.get("metric"), dict):
            raise Refused("malformed series in the answer")
        if kind == "vector":
            values = [_number(item.get("value"))]
        else:
            points = item.get("values")
            if not isinstance(points, list) or not points:
                raise Refused("malformed series in the answer")
            values = [_number(point) for point in points]
            _refuse_stale(points[-1], window, end)
        series.append({"metric": item["metric"], "value": _reduce(values, window)})
    # Prometheus answers an aggregation's series in Go map order, which differs run to run:
    # `output[0]` must be the same series for the same data.
    return sorted(series, key=lambda item: json.dumps(item["metric"], sort_keys=True))


def _refuse_stale(point: list[Any], window: RangeQuery | None, end: float) -> None:
    """`reduce: last` is the value now: a series whose last point is a step or more before
    the window's end stopped being reported (an operator that stopped pushing), and its
    last value is an old one. Prometheus's own lookback would not return it at all."""
    if window is None or window.reduce != "last":
        return
    at = point[0]
    if isinstance(at, bool) or not isinstance(at, int | float):
        raise Refused("malformed sample in the answer")
    if at <= end - window.step - 1e-3:
        raise Refused(
            f"a series stopped {end - at:.0f}s before the end of the window: its last value "
            "is not its value now"
        )


def _refuse_warnings(warnings: Any) -> None:
    """A successful answer with a warning may be a partial one (a remote-read or store
    that failed, Thanos's partial response): counts missing from a sum read as fewer
    errors. Only PromQL's informational notes (`PromQL info:`, which Prometheus 2.48 and
    2.49 listed among the warnings) say nothing about the data's completeness."""
    if warnings is None or warnings == []:
        return
    if not isinstance(warnings, list):
        raise Refused("not a Prometheus answer (warnings is not a list)")
    serious = [w for w in warnings if not (isinstance(w, str) and w.startswith("PromQL info:"))]
    if serious:
        raise Refused(f"the answer came with a warning (partial data?): {str(serious[0])[:200]}")


def _number(point: Any) -> float:
    if not isinstance(point, list) or len(point) != 2 or not isinstance(point[1], str):
        raise Refused("malformed sample in the answer")
    if point[1] in _NOT_FINITE:
        raise Refused(f"sample is {point[1]}: not a finite number")
    if not _FLOAT.fullmatch(point[1]):
        # Python's float() also reads "1_0", "١٠" and " 1 ": none is what Prometheus sends.
        raise Refused(f"sample {point[1][:40]!r} is not a number")
    value = float(point[1])
    if not math.isfinite(value):
        raise Refused(f"sample is {point[1]}: not a finite number")
    return value


def _reduce(values: list[float], window: RangeQuery | None) -> float:
    how = window.reduce if window is not None else "last"
    if how == "last":
        return values[-1]
    if how == "min":
        return min(values)
    if how == "max":
        return max(values)
    total = math.fsum(values)
    return total if how == "sum" else total / len(values)
