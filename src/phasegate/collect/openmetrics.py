"""A facts document's counts for Prometheus: OpenMetrics text, or a Pushgateway push.

Teams that already run Prometheus can let every operator push its counts and judge the
cohort with one PromQL query (the `prometheus` source) instead of passing files around.
Only counts are exported, never ratios: ratios cannot be summed, counts can. A count the
collector could not measure is not exported at all, so a query sees it missing, not zero;
new failures are exported only when both their count and their categories are known.
"""

from __future__ import annotations

import http.client
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.exposition import push_to_gateway
from prometheus_client.openmetrics.exposition import generate_latest

from phasegate.collect.prometheus import Deadline, Refused, direct_opener
from phasegate.core.recording import instant
from phasegate.errors import ExitCode, PhasegateError, UsageProblem, single_line

#: counts.<name> -> (metric name, help). Gauges: each is a count over the sampled window.
COUNT_METRICS: dict[str, tuple[str, str]] = {
    "commands": ("phasegate_zjj_commands", "Operator commands in the sampled swarm history."),
    "errors": ("phasegate_zjj_command_errors", "Of those, commands that failed."),
    "lock_busy": ("phasegate_zjj_lock_busy_errors", "Of those, failed on a held lock (BUSY)."),
    "agents_done": ("phasegate_zjj_agents_done", "Swarm agents that finished."),
    "agents_errored": ("phasegate_zjj_agents_errored", "Swarm agents in error."),
    "agents_total": ("phasegate_zjj_agents", "Swarm agents known."),
    "beads_closed": ("phasegate_zjj_beads_closed", "Beads closed since the previous sample."),
    "interval_seconds": (
        "phasegate_zjj_interval_seconds",
        "Time since the previous sample, in seconds.",
    ),
}
COLLECTED_METRIC = "phasegate_collected_timestamp_seconds"
#: metrics.new_failures, and one series per category of extra.new_failure_categories
#: (how many of the new failures were of it): `health.new-failures` needs both, and a
#: cohort's are the sum and the union, as `merge` computes them.
NEW_FAILURES_METRIC = "phasegate_zjj_new_failures"
CATEGORY_METRIC = "phasegate_zjj_new_failures_by_category"
LABELS = ("change", "phase", "operator")
JOB = "phasegate"


class PushFailed(PhasegateError):
    """The Pushgateway did not take the counts (exit 4: the facts were still printed)."""

    exit_code = ExitCode.ACTION_FAILED


def labels(facts: Mapping[str, Any]) -> dict[str, str]:
    """change (the commit), phase and operator: what a cohort query selects and groups by."""
    operator = facts.get("operator")
    if not operator:
        raise UsageProblem("exporting counts needs an operator id: --set operator=NAME")
    return {
        "change": str(facts["change"]["commit"]),
        "phase": str(facts["phase"]),
        "operator": str(operator),
    }


def registry(facts: Mapping[str, Any]) -> CollectorRegistry:
    """One gauge per measured count, labelled by change, phase and operator."""
    found = CollectorRegistry(auto_describe=True)
    values = labels(facts)
    counts = facts.get("counts", {})
    for name, (metric, description) in COUNT_METRICS.items():
        if name in counts:
            gauge = Gauge(metric, description, LABELS, registry=found)
            gauge.labels(**values).set(counts[name])
    new_failures = facts.get("metrics", {}).get("new_failures")
    categories = facts.get("extra", {}).get("new_failure_categories")
    if new_failures is not None and isinstance(categories, list):
        total = Gauge(
            NEW_FAILURES_METRIC, "Failure events since the previous sample.", LABELS, registry=found
        )
        total.labels(**values).set(new_failures)
        by_category = Gauge(
            CATEGORY_METRIC,
            "Of those, the events of one failure category.",
            (*LABELS, "category"),
            registry=found,
        )
        for category in sorted(set(map(str, categories))):
            by_category.labels(**values, category=category).set(
                sum(1 for c in categories if str(c) == category)
            )
    stamp = Gauge(COLLECTED_METRIC, "When these counts were collected.", LABELS, registry=found)
    stamp.labels(**values).set(instant(str(facts["collected_at"])).timestamp())
    return found


def exposition(facts: Mapping[str, Any]) -> str:
    return generate_latest(registry(facts)).decode("utf-8")


def push(facts: Mapping[str, Any], url: str, timeout: float = 10.0) -> None:
    """Replace this operator's group on the Pushgateway with the current counts.

    `timeout` is a deadline for the whole request, as for a Prometheus source: a socket
    timeout bounds each read, and a server dripping a byte every few seconds never trips it.
    An answer that is not HTTP (an SSH banner, an endless header) is a failed push too.
    """
    grouping, found = labels(facts), registry(facts)
    deadline = Deadline(timeout)
    try:
        push_to_gateway(
            url,
            job=JOB,
            registry=found,
            grouping_key=grouping,
            timeout=timeout,
            handler=_direct_handler(deadline),
        )
        deadline.check()  # a connection shut at the deadline may read as a short answer
    except (OSError, ValueError, Refused, http.client.HTTPException) as exc:
        if deadline.expired:
            raise PushFailed(f"cannot push counts to {url}: timed out after {timeout:g}s") from None
        why = exc if isinstance(exc, OSError | ValueError | Refused) else _not_http(exc)
        raise PushFailed(f"cannot push counts to {url}: {why}") from None
    finally:
        deadline.cancel()


def _not_http(exc: http.client.HTTPException) -> str:
    detail = single_line(str(exc).strip())  # BadStatusLine's is the line the server sent
    if len(detail) > 80:
        detail = detail[:80] + "..."
    return f"not an HTTP answer ({type(exc).__name__}: {detail})"


def _direct_handler(deadline: Deadline) -> Callable[..., Callable[[], None]]:
    """prometheus-client's handler, but through an opener that honours no proxy or redirect
    and shuts the connection at `deadline`."""

    def handler(
        url: str, method: str, timeout: float | None, headers: list[tuple[str, str]], data: bytes
    ) -> Callable[[], None]:
        def handle() -> None:
            request = urllib.request.Request(url, data=data, method=method)
            for key, value in headers:
                request.add_header(key, value)
            with direct_opener(deadline=deadline).open(request, timeout=timeout) as response:
                if response.status >= 400:
                    raise OSError(f"pushgateway answered {response.status}")

        return handle

    return handler
