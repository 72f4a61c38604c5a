"""Prometheus metrics of the exchanges, served on `/metrics` (`authlens_metrics=host:port`).

The two histograms follow OpenTelemetry's GenAI client metrics
(https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-metrics/) under the names
OpenTelemetry's Prometheus exporter gives them (dots to underscores, the unit appended):
`gen_ai.client.operation.duration` -> `gen_ai_client_operation_duration_seconds`, with
`error.type` = our cause. Every label value comes from a bounded set (`labels`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

from authlens.causes import REQUEST, RESPONSE
from authlens.telemetry.labels import BoundedValues, operation_name, provider_name, status_class

# The GenAI conventions' explicit bucket boundaries for operation durations (seconds).
GENAI_BUCKETS = (
    0.01,
    0.02,
    0.04,
    0.08,
    0.16,
    0.32,
    0.64,
    1.28,
    2.56,
    5.12,
    10.24,
    20.48,
    40.96,
    81.92,
)
_GENAI_LABELS = ("gen_ai_operation_name", "gen_ai_provider_name", "error_type", "server_address")
_AUTH_STATUSES = (401, 403)


def is_auth_failure(status: int | None, cause: str | None) -> bool:
    """A refused credential: a 401/403 with a cause, or anything wrong with what was sent."""
    return cause is not None and (status in _AUTH_STATUSES or cause in REQUEST)


class Metrics:
    """The registry, its instruments and (when serving) the `/metrics` HTTP server."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.hosts = BoundedValues()
        self.exchanges = Counter(
            "authlens_exchanges",
            "Inspected exchanges by provider profile, host, status class and cause.",
            ("provider", "host", "status_class", "cause"),
            registry=self.registry,
        )
        self.auth_failures = Counter(
            "authlens_auth_failures",
            "Exchanges whose credential was refused or wrong, by cause.",
            ("cause",),
            registry=self.registry,
        )
        # Every cause starts at 0: `increase()` sees the first failure of a cause, which a
        # series born at 1 would hide (an alert on the first `key_revoked` must fire).
        for cause in (*REQUEST, *RESPONSE):
            self.auth_failures.labels(cause)
        self.duration = Histogram(
            "gen_ai_client_operation_duration_seconds",
            "GenAI operation duration (gen_ai.client.operation.duration), seen by the proxy.",
            _GENAI_LABELS,
            buckets=GENAI_BUCKETS,
            registry=self.registry,
        )
        self.first_chunk = Histogram(
            "gen_ai_client_operation_time_to_first_chunk_seconds",
            "Time from the request to the first chunk of the response "
            "(gen_ai.client.operation.time_to_first_chunk).",
            _GENAI_LABELS,
            buckets=GENAI_BUCKETS,
            registry=self.registry,
        )
        self.spans_dropped = Counter(
            "authlens_trace_spans_dropped",
            "Spans not exported: the export queue was full or the collector refused them.",
            registry=self.registry,
        )
        self.server: WSGIServer | None = None
        self.address: tuple[str, int] | None = None  # as asked: a reconfigure compares it
        self.bound: tuple[str, int] | None = None  # as served: port 0 asks the system for one

    def serve(self, host: str, port: int) -> tuple[str, int]:
        """Serve `/metrics` on `host:port` from a daemon thread; OSError if it cannot bind.

        Returns the address served: port 0 lets the system choose a free port.
        """
        self.server, _ = start_http_server(port, addr=host, registry=self.registry)
        self.address = (host, port)
        self.bound = (host, int(self.server.server_address[1]))
        return self.bound

    def record(
        self,
        event: Mapping[str, Any],
        provider: str,
        started: float,
        first_chunk: float | None,
    ) -> None:
        """Count one exchange event; `provider` is the host's profile."""
        status = event.get("status")
        cause = event.get("cause")
        host = self.hosts(event.get("host"))
        self.exchanges.labels(provider, host, status_class(status), cause or "").inc()
        if is_auth_failure(status, cause):
            self.auth_failures.labels(cause).inc()
        genai = (operation_name(event.get("path")), provider_name(provider), cause or "", host)
        took = event.get("duration_ms")
        if isinstance(took, (int, float)):
            self.duration.labels(*genai).observe(max(took, 0.0) / 1000)
        if first_chunk is not None and status is not None:
            self.first_chunk.labels(*genai).observe(max(first_chunk - started, 0.0))

    def series_count(self) -> int:
        """How many time series the registry exposes (the bound a test checks)."""
        return sum(len(family.samples) for family in self.registry.collect())

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
            self.bound = None
