"""The cohort through Prometheus: real Prometheus and Pushgateway servers on 127.0.0.1.

The servers are started once per session (Debian's `prometheus` and
`prometheus-pushgateway`; a missing binary fails, it never skips), fed by pushes, and the
prometheus source is run against them and against servers that are stopped, slow or answer
garbage. Every wait polls with a deadline; the servers are killed at session end.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, healthy, write_yaml
from phasegate.collect import openmetrics
from phasegate.collect.collector import CollectOptions, collect
from phasegate.collect.config import load_config
from phasegate.collect.merge import SampleGuard, merge_facts
from phasegate.collect.prometheus import query_prometheus
from phasegate.collect.promquery import PrometheusQuery, RangeQuery
from phasegate.core.evaluate import RuleStatus, evaluate
from phasegate.core.expressions import Template
from phasegate.core.facts import facts_from_data
from phasegate.core.policy import builtin_policies_dir, load_policy_set
from phasegate.core.verdict import Verdict
from phasegate.state.statedir import StateDir

STARTUP_DEADLINE = 30.0
SCRAPE_DEADLINE = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(what: str, ready: Any, deadline: float, process: Any = None) -> Any:
    """Poll `ready()` until it returns something truthy; fail (never hang) at the deadline."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process is not None and process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}")
        value = ready()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what}: not ready after {deadline:g}s")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class Server:
    def __init__(self, name: str, argv: list[str], port: int, log: Path) -> None:
        binary = shutil.which(argv[0])
        if binary is None:
            pytest.fail(f"{argv[0]} is not installed: apt-get install -y {name}")
        self.url = f"http://127.0.0.1:{port}"
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            [binary, *argv[1:]], stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        wait_until(name, lambda: http_ok(f"{self.url}/-/ready"), STARTUP_DEADLINE, self.process)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


def start_pushgateway(folder: Path) -> Server:
    """A Pushgateway with its own persistence file (never Debian's shared one)."""
    port = free_port()
    return Server(
        "prometheus-pushgateway",
        [
            "prometheus-pushgateway",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--persistence.file={folder / 'pushgateway.db'}",
        ],
        port,
        folder / "pushgateway.log",
    )


def start_prometheus(folder: Path, pushgateway: Server) -> Server:
    """A Prometheus scraping `pushgateway` every second, keeping the pushed labels."""
    port = free_port()
    config = folder / "prometheus.yml"
    target = pushgateway.url.removeprefix("http://")
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: pushgateway\n"
        "    honor_labels: true\n"
        f"    static_configs: [{{targets: ['{target}']}}]\n"
    )
    return Server(
        "prometheus",
        [
            "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        port,
        folder / "prometheus.log",
    )


@pytest.fixture(scope="session")
def pushgateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_pushgateway(tmp_path_factory.mktemp("pushgateway"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory: pytest.TempPathFactory, pushgateway: Server) -> Iterator[Server]:
    server = start_prometheus(tmp_path_factory.mktemp("prometheus"), pushgateway)
    yield server
    server.stop()


def instant_query(server: Server, promql: str) -> list[Any]:
    # At a whole second, as collected_at is: a scrape seen now but not at the second's
    # start would be missed by a collection in the same second.
    at = {"query": promql, "time": str(int(time.time()))}
    url = f"{server.url}/api/v1/query?{urllib.parse.urlencode(at)}"
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)["data"]["result"]


def scraped(server: Server, change: str, operators: int) -> None:
    """Wait until Prometheus has scraped every operator's push for `change`."""
    promql = f'count(phasegate_collected_timestamp_seconds{{change="{change}"}})'

    def ready() -> bool:
        result = instant_query(server, promql)
        return bool(result) and int(float(result[0]["value"][1])) == operators

    wait_until(f"scrape of {change}", ready, SCRAPE_DEADLINE)


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def spec(url: str, query: str, **options: Any) -> PrometheusQuery:
    return PrometheusQuery(url=url, query=Template((query,)), **options)


def ask(query: PrometheusQuery, env: dict[str, str] | None = None) -> Any:
    return query_prometheus(query, datetime.now(UTC), {}, 1 << 20, env or {})


# --- tiny local servers that misbehave -------------------------------------------------


class Canned(http.server.BaseHTTPRequestHandler):
    """Answers every GET with the server's canned status, headers and body."""

    def do_GET(self) -> None:
        self.server.requests.append((self.path, dict(self.headers)))  # type: ignore[attr-defined]
        status, headers, body = self.server.answer  # type: ignore[attr-defined]
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def canned() -> Iterator[Any]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Canned)
    server.requests = []  # type: ignore[attr-defined]
    server.answer = (200, {}, b"")  # type: ignore[attr-defined]
    server.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def slow_proxy(prometheus: Server) -> Iterator[str]:
    """A TCP proxy to the real Prometheus that holds every connection for 3 s first."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    upstream_port = int(prometheus.url.rsplit(":", 1)[1])

    def pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass

    def serve() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            stop.wait(3.0)  # the delay; bounded, and cut short at teardown
            upstream = socket.create_connection(("127.0.0.1", upstream_port), timeout=5)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=pipe, args=(a, b), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=5)
    listener.close()


# --- the prometheus source against the real server -------------------------------------


def test_a_pushed_count_is_read_back_through_the_source(prometheus, pushgateway):
    change = f"c-{uuid.uuid4().hex[:8]}"
    facts = healthy(
        operator="op-1",
        change={"commit": change},
        collected_at=utc(datetime.now(UTC)),
        counts={"commands": 200, "errors": 7},
    )
    openmetrics.push(facts, pushgateway.url)
    scraped(prometheus, change, 1)
    result = ask(spec(prometheus.url, f'phasegate_zjj_command_errors{{change="{change}"}}'))
    assert result.failure is None, result.failure
    [series] = json.loads(result.stdout)
    assert series["value"] == 7.0
    assert series["metric"]["operator"] == "op-1" and series["metric"]["phase"] == "1"


def test_a_range_query_is_reduced_per_series(prometheus):
    result = ask(
        spec(prometheus.url, "vector(2)", range=RangeQuery(duration=60, step=15, reduce="sum"))
    )
    assert result.failure is None, result.failure
    assert json.loads(result.stdout) == [{"metric": {}, "value": 10.0}]  # 5 points of 2


def test_the_last_value_of_a_live_series_is_read_whatever_the_step(prometheus):
    # 100 s in steps of 15: the last step is 10 s before the window's end, not stale.
    window = RangeQuery(duration=100, step=15, reduce="last")
    result = ask(spec(prometheus.url, "vector(3)", range=window))
    assert result.failure is None, result.failure
    assert json.loads(result.stdout) == [{"metric": {}, "value": 3.0}]


@pytest.mark.parametrize(
    ("promql", "why"),
    [
        ("phasegate_no_such_metric_anywhere", "empty result"),
        ("vector(0) / 0", "NaN: not a finite number"),
        ("vector(1) / 0", "+Inf: not a finite number"),
        ("sum(", "HTTP 400"),
    ],
)
def test_an_empty_nan_or_refused_answer_is_a_reason_never_a_zero(prometheus, promql, why):
    result = ask(spec(prometheus.url, promql))
    assert result.failure is not None and why in result.failure and result.stdout == ""


def test_a_stopped_server_is_a_reason(canned):
    url = canned.url
    canned.shutdown()
    canned.server_close()
    result = ask(spec(url, "up"))
    assert result.failure is not None and "cannot reach" in result.failure


def test_a_slow_server_times_out(slow_proxy):
    started = time.monotonic()
    result = ask(spec(slow_proxy, "vector(1)", timeout=0.5))
    assert result.failure == "prometheus: timed out after 0.5s" and result.timed_out is False
    assert time.monotonic() - started < 3.0  # gave up before the proxy answered


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"<html>it works</html>", "not JSON"),
        (b'{"status": "success", "data": {"resultType": "string", "result": [1, "x"]}}', "string"),
        (
            b'{"status":"success","data":{"resultType":"vector","result":[{"value":[1,"2"]}]}}',
            "malformed",
        ),
        (
            b'{"status":"success","data":{"resultType":"vector","result":'
            b'[{"metric":{},"value":[1,"many"]}]}}',
            "not a number",
        ),
        (b"[1, 2]", "not a Prometheus answer"),
    ],
)
def test_garbage_is_a_reason(canned, body, why):
    canned.answer = (200, {"Content-Type": "application/json"}, body)
    result = ask(spec(canned.url, "up"))
    assert result.failure is not None and why in result.failure


def test_a_redirect_is_never_followed(canned):
    elsewhere = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Canned)
    elsewhere.requests = []  # type: ignore[attr-defined]
    canned.answer = (302, {"Location": f"http://127.0.0.1:{elsewhere.server_address[1]}/"}, b"")
    try:
        result = ask(spec(canned.url, "up"))
    finally:
        elsewhere.server_close()
    assert result.failure is not None and "redirected" in result.failure
    assert elsewhere.requests == []  # type: ignore[attr-defined]


def test_the_bearer_token_comes_from_the_environment(canned):
    canned.answer = (
        200,
        {},
        b'{"status":"success","data":{"resultType":"scalar","result":[1,"3"]}}',
    )
    query = spec(canned.url, "up", bearer_token_env="PROM_TOKEN")
    unset = ask(query)
    assert unset.failure is not None and "$PROM_TOKEN is not set" in unset.failure
    assert canned.requests == []
    answered = ask(query, {"PROM_TOKEN": "s3cret"})
    assert json.loads(answered.stdout) == [{"metric": {}, "value": 3.0}]
    path, headers = canned.requests[0]
    assert headers["Authorization"] == "Bearer s3cret"
    assert path.startswith("/api/v1/query?query=up&time=")


def test_a_failed_query_leaves_the_facts_absent_in_collect(tmp_path, canned, monkeypatch):
    canned.answer = (503, {}, b'{"status":"error","error":"overloaded"}')
    config = write_yaml(
        tmp_path / "phasegate.yaml",
        {
            "apiVersion": "phasegate/v1",
            "kind": "Config",
            "sources": [
                {
                    "name": "cohort",
                    "prometheus": {"url": canned.url, "query": "up{team='{{ env.TEAM }}'}"},
                    "facts": {"metrics.error_rate": "output[0].value"},
                }
            ],
        },
    )
    collection = collect(
        load_config(config),
        StateDir(tmp_path / "state"),
        CollectOptions(phase=1, sets=(("change.commit", "abc"),)),
    )
    assert "metrics" not in collection.facts.data
    reason = collection.facts.data["extra"]["phasegate_unknown"]["metrics.error_rate"]
    assert reason == "source cohort: prometheus: query placeholder: missing field: env.TEAM"
    monkeypatch.setenv("TEAM", "zjj")
    collection = collect(
        load_config(config),
        StateDir(tmp_path / "state"),
        CollectOptions(phase=1, sets=(("change.commit", "abc"),)),
    )
    reason = collection.facts.data["extra"]["phasegate_unknown"]["metrics.error_rate"]
    assert reason == f"source cohort: prometheus: HTTP 503 from {canned.url}: overloaded"


def test_openmetrics_exports_only_measured_counts(tmp_path):
    facts = healthy(operator="op-1", counts={"commands": 200, "errors": 3})
    text = openmetrics.exposition(facts)
    assert 'phasegate_zjj_command_errors{change="9f2c4e1",operator="op-1",phase="1"} 3.0' in text
    assert "phasegate_zjj_lock_busy_errors" not in text  # not measured: absent, not 0
    assert text.endswith("# EOF\n")


# --- the done-when: one verdict through merge and through Prometheus -----------

SELECTOR = '{change="{{ env.PHASEGATE_COMMIT }}", phase="1"}'
#: Fact -> PromQL over the pushed counts: rates from summed counts, as merge computes them.
#: Each the worst operator's, as merge takes it: a ratio per operator (its series divided
#: label by label), operators with nothing to divide by left out, then max or min.
COHORT_QUERIES = {
    "metrics.error_rate": (
        "max(phasegate_zjj_command_errors{s} / (phasegate_zjj_commands{s} > 0))"
    ),
    "metrics.lock_contention_rate": (
        "max(phasegate_zjj_lock_busy_errors{s} / (phasegate_zjj_commands{s} > 0))"
    ),
    "metrics.agent_completion_rate": (
        "min(phasegate_zjj_agents_done{s}"
        " / ((phasegate_zjj_agents_done{s} + phasegate_zjj_agents_errored{s}) > 0))"
    ),
    "metrics.agents_total": "sum(phasegate_zjj_agents{s})",
    "metrics.agents_failed": "sum(phasegate_zjj_agents_errored{s})",
}


def cohort_config(path: Path, url: str, minimum: int) -> Path:
    """One prometheus source per cohort metric, empty (so absent) below `minimum` operators."""
    enough = f"and on() (count(phasegate_zjj_commands{SELECTOR}) >= {minimum})"
    sources = []
    for fact, promql in COHORT_QUERIES.items():
        value = "output[0].value" if fact.endswith("rate") else "int(output[0].value)"
        sources.append(
            {
                "name": fact.split(".")[1].replace("_", "-"),
                "prometheus": {"url": url, "query": f"({promql.format(s=SELECTOR)}) {enough}"},
                "facts": {fact: value},
            }
        )
    return write_yaml(path, {"apiVersion": "phasegate/v1", "kind": "Config", "sources": sources})


def operator_documents(tmp_path: Path, change: str, monkeypatch: Any) -> list[dict[str, Any]]:
    """Three stand-in operators, the third with a failing error rate, collected twice."""
    monkeypatch.setenv("PATH", f"{ROOT / 'fixtures' / 'bin'}{os.pathsep}{os.environ['PATH']}")
    config = load_config(ROOT / "phasegate.yaml")
    baseline = write_yaml(tmp_path / "baseline.yaml", healthy())
    now = datetime.now(UTC)
    documents = []
    for name, success in (("op-a", "0.99"), ("op-b", "0.99"), ("op-c", "0.80")):
        monkeypatch.setenv("STANDIN_SWARM_SUCCESS_RATE", success)
        state = StateDir(tmp_path / name)
        for at in (now - timedelta(minutes=10), now):
            options = CollectOptions(
                phase=1,
                sets=(("change.commit", change), ("change.tag", "v0.4.3"), ("operator", name)),
                baseline=baseline,
                collected_at=utc(at),
            )
            collection = collect(config, state, options)
            state.save_samples(collection.samples)
        documents.append(dict(collection.facts.data))
    return documents


@pytest.mark.parametrize(("minimum", "expected"), [(3, Verdict.ROLLBACK), (4, Verdict.PAUSE)])
def test_a_phase1_cohort_decides_the_same_through_merge_and_prometheus(
    tmp_path, monkeypatch, prometheus, pushgateway, minimum, expected
):
    """`expected` is what the cohort's metrics give: both routes agree on it with enough
    operators. Below the minimum neither route has them (Prometheus pauses), but merge
    still has each operator's own in `operators`, and op-c's error rate alone rolls back."""
    change = f"c-{uuid.uuid4().hex[:8]}"
    documents = operator_documents(tmp_path, change, monkeypatch)
    for document in documents:
        openmetrics.push(document, pushgateway.url)
    scraped(prometheus, change, 3)
    policies = load_policy_set(builtin_policies_dir(), display="phasegate:policies")

    facts = [facts_from_data(d, f"{d['operator']}.json") for d in documents]
    merged = merge_facts(facts, SampleGuard(min_operators=minimum)).data

    monkeypatch.setenv("PHASEGATE_COMMIT", change)
    config = load_config(cohort_config(tmp_path / "cohort.yaml", prometheus.url, minimum))
    read = collect(
        config,
        StateDir(tmp_path / "prom"),
        CollectOptions(phase=1, sets=(("change.commit", change), ("incidents", "[]"))),
    )
    # The Prometheus path: the same checklist facts, the metrics from PromQL over the pushes,
    # and no `operators` (each operator's own metrics): only merge writes them.
    left_out = ("counts", "metrics", "extra", "operators")
    cohort = {k: v for k, v in merged.items() if k not in left_out}
    if "metrics" in read.facts.data:
        cohort["metrics"] = read.facts.data["metrics"]

    by_merge = evaluate(facts_from_data(merged, "merge"), policies)
    by_prometheus = evaluate(facts_from_data(cohort, "prometheus"), policies)
    assert by_prometheus.verdict is expected
    assert by_merge.verdict is Verdict.ROLLBACK
    if expected is Verdict.ROLLBACK:
        assert cohort["metrics"] == {k: merged["metrics"][k] for k in cohort["metrics"]}
        assert len(cohort["metrics"]) == len(COHORT_QUERIES)
        # live rules only: the merged document has counts, which the significance shadow
        # rules read and the PromQL rates do not give
        live = [r for r in by_merge.results if not r.shadow]
        fired = {r.id for r in live if r.status == RuleStatus.FIRED}
        assert "health.error-rate-regression" in fired
        assert fired == {
            r.id for r in by_prometheus.results if r.status == RuleStatus.FIRED and not r.shadow
        }
    else:
        assert "metrics" not in merged and "metrics" not in cohort
        assert all("empty result" in why for why in read.unknown.values())
        [regression] = [r for r in by_merge.results if r.id == "health.error-rate-regression"]
        assert regression.status is RuleStatus.FIRED and "[op-c]" in regression.message


def collect_with_the_example(tmp_path: Path, monkeypatch: Any, prometheus: Server, change: str):
    """`collect` with examples/prometheus.yaml, once every operator's push is scraped."""
    scraped(prometheus, change, 3)
    text = (ROOT / "examples" / "prometheus.yaml").read_text()
    config = tmp_path / "prometheus.yaml"
    config.write_text(text.replace("http://prometheus:9090", prometheus.url))
    monkeypatch.setenv("PHASEGATE_COMMIT", change)
    return collect(
        load_config(config),
        StateDir(tmp_path / "state"),
        CollectOptions(phase=1, sets=(("change.commit", change), ("incidents", "[]"))),
    )


def test_the_shipped_example_config_reads_a_cohort(tmp_path, monkeypatch, prometheus, pushgateway):
    change = f"c-{uuid.uuid4().hex[:8]}"
    now = utc(datetime.now(UTC))
    for name, errors in (("a", 2), ("b", 2), ("c", 40)):
        counts = {
            "commands": 200,
            "errors": errors,
            "lock_busy": 1,
            "agents_done": 7,
            "agents_errored": 1,
            "agents_total": 11,
        }
        document = healthy(
            operator=name, change={"commit": change}, collected_at=now, counts=counts
        )
        if name == "c":  # new failures are summed, their categories the union
            document["metrics"]["new_failures"] = 3
            document["extra"]["new_failure_categories"] = ["timeout", "oom", "timeout"]
        openmetrics.push(document, pushgateway.url)
    read = collect_with_the_example(tmp_path, monkeypatch, prometheus, change)
    assert read.unknown == {}
    assert read.facts.data["metrics"] == {
        "error_rate": 40 / 200,  # c's, not the summed counts' 44 / 600
        "lock_contention_rate": 1 / 200,
        "agents_total": 33,
        "agents_failed": 3,
        "agent_completion_rate": 7 / 8,
        "new_failures": 3.0,
    }
    assert sorted(read.facts.data["extra"]["new_failure_categories"]) == ["oom", "timeout"]


def test_the_example_leaves_a_rate_unknown_when_one_operator_did_not_count_it(
    tmp_path, monkeypatch, prometheus, pushgateway
):
    """A hunt found an operator whose errors were not measured counted as none by the
    example's PromQL (its commands pushed, its errors not): merge leaves that rate unknown."""
    change = f"c-{uuid.uuid4().hex[:8]}"
    now = utc(datetime.now(UTC))
    for name in ("a", "b", "c"):
        counts = {"commands": 200, "errors": 40, "lock_busy": 1}
        if name == "c":
            del counts["errors"]
        document = healthy(operator=name, change={"commit": change}, collected_at=now)
        document["counts"] = counts
        openmetrics.push(document, pushgateway.url)
    read = collect_with_the_example(tmp_path, monkeypatch, prometheus, change)
    assert "error_rate" not in read.facts.data.get("metrics", {})
    assert "empty result" in read.unknown["metrics.error_rate"]
    assert read.facts.data["metrics"]["lock_contention_rate"] == 1 / 200
