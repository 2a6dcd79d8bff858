"""What a Prometheus source asks: the query a configuration declares, apart from the client.

Every `run` and `collect` loads the configuration, and most configure no Prometheus
source; the HTTP client (`prometheus`) brings http.client, ssl and urllib, a fifth of a
run's start-up, so it is imported only when a query is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from phasegate.core.expressions import Template

#: What a query template's placeholders see.
QUERY_VARIABLES = ("params", "env")
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class RangeQuery:
    """Read a window ending at collection time, reduced to one value per series."""

    duration: float
    step: float
    reduce: str


@dataclass(frozen=True)
class PrometheusQuery:
    url: str
    query: Template
    timeout: float = DEFAULT_TIMEOUT
    range: RangeQuery | None = None
    bearer_token_env: str | None = None
    ca_file: Path | None = None
