"""The telemetry hub: completes an exchange's event and feeds metrics and the span.

`Telemetry.observe` runs where the event is emitted, before the log line is written: it
fills `client` (peer address and name), `trace_id` and `span_id`, counts the exchange, and
exports its span. A failure in here is counted and reported once; the exchange's line is
still written and the flow goes on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from authlens.exchange import Exchange
from authlens.telemetry.clientnames import ClientNames
from authlens.telemetry.metrics import Metrics
from authlens.telemetry.replyfacts import ReplyFacts, StreamTap
from authlens.telemetry.spanattrs import span_attributes, span_name
from authlens.telemetry.tracecontext import TraceParent, parse_traceparent

_log = logging.getLogger(__name__)


class TelemetryError(ValueError):
    """Telemetry cannot start as configured; the message names the option or variable."""


class Telemetry:
    """Client names always; Prometheus metrics and OTLP traces when configured."""

    def __init__(
        self,
        *,
        metrics: Metrics | None = None,
        tracing: Any = None,  # a `tracing.Tracing`, imported only when traces are on
        names: ClientNames | None = None,
    ) -> None:
        self.metrics = metrics
        self.tracing = tracing
        self.names = names if names is not None else ClientNames()
        self.failures = 0

    @property
    def taps_streams(self) -> bool:
        """Whether a stream's first chunk (metrics) or head and tail (spans) are wanted."""
        return self.metrics is not None or self.tracing is not None

    def stream_tap(self) -> StreamTap | None:
        return StreamTap(keep=self.tracing is not None) if self.taps_streams else None

    def observe(
        self,
        event: dict[str, Any],
        exchange: Exchange,
        secrets: tuple[str, ...] = (),
        reply: Callable[[bool], ReplyFacts] | None = None,
    ) -> None:
        """Complete `event` in place, count it and export its span; never raises."""
        parent = self.describe(event, exchange)
        if not self.taps_streams:
            return
        wants_body = self.tracing is not None
        facts = self._guard(lambda: reply(wants_body)) if reply is not None else None
        facts = facts or ReplyFacts()
        if self.metrics is not None:
            metrics = self.metrics
            first = facts.first_chunk
            self._guard(lambda: metrics.record(event, exchange.provider, exchange.started, first))
        if self.tracing is not None:
            ids = self._guard(lambda: self._span(event, exchange, secrets, facts, parent))
            if ids is not None:
                event["trace_id"], event["span_id"] = ids

    def describe(self, event: dict[str, Any], exchange: Exchange) -> TraceParent | None:
        """Fill `client`, `trace_id` and `span_id` only (traffic that is logged, not inspected).

        The trace context is the app's own `traceparent` here; `observe` replaces it with its
        span's when it exports one. Returns the app's span, if it sent one.
        """
        client = self._guard(lambda: self.names.describe(exchange.peer))
        event["client"] = client if client is not None else exchange.peer
        parent = parse_traceparent(exchange.request_headers.get("traceparent"))
        event["trace_id"] = parent.trace_id if parent else None
        event["span_id"] = parent.span_id if parent else None
        return parent

    def _span(
        self,
        event: Mapping[str, Any],
        exchange: Exchange,
        secrets: tuple[str, ...],
        facts: ReplyFacts,
        parent: TraceParent | None,
    ) -> tuple[str, str]:
        attributes = span_attributes(event, exchange, facts, secrets)
        name = span_name(attributes)
        cause = event.get("cause")
        ids: tuple[str, str] = self.tracing.record(
            name, attributes, parent, started=exchange.started, ended=exchange.ended, error=cause
        )
        return ids

    def _guard[T](self, part: Callable[[], T]) -> T | None:
        try:
            return part()
        except Exception as e:
            self.failures += 1
            if self.failures == 1:  # once: a broken exporter must not flood the log
                _log.warning("authlens: telemetry failed: %s", type(e).__name__)
            return None

    def close(self, *, keep_metrics: bool = False) -> None:
        """Stop the lookups, export queued spans, stop serving `/metrics` (unless kept)."""
        self.names.close()
        if self.tracing is not None:
            self.tracing.close()
        if self.metrics is not None and not keep_metrics:
            self.metrics.close()


def parse_address(value: str) -> tuple[str, int]:
    """`host:port`, `[v6]:port` or `:port` (all interfaces) as (host, port); port 0: any free."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError(f"{value!r} is not host:port")
    host = host.strip("[]") or "0.0.0.0"  # noqa: S104  # ":9464" asks for every interface
    return host, int(port)


def open_telemetry(
    metrics_address: str | None,
    previous: Telemetry | None = None,
    env: Mapping[str, str] | None = None,
) -> Telemetry:
    """Telemetry for these settings; `previous` (a reconfiguration) is closed.

    Metrics on an unchanged address keep their registry and server: counts survive a
    configuration change, and the port is not bound twice.
    """
    env = os.environ if env is None else env
    old = previous.metrics if previous is not None else None
    metrics = None
    if metrics_address is not None:
        wanted = parse_address(metrics_address)
        same = old is not None and old.address == wanted
        metrics = old if same else _serve_metrics(*wanted)
    tracing = _open_tracing(env, metrics)
    if previous is not None:
        previous.close(keep_metrics=old is not None and old is metrics)
    return Telemetry(metrics=metrics, tracing=tracing)


def _serve_metrics(host: str, port: int) -> Metrics:
    metrics = Metrics()
    try:
        served_host, served_port = metrics.serve(host, port)
    except OSError as e:
        raise TelemetryError(
            f"invalid authlens setting 'metrics': cannot serve /metrics on {host}:{port}: {e}"
        ) from e
    # Says which port the system chose for port 0 (and where to point Prometheus otherwise).
    shown = f"[{served_host}]" if ":" in served_host else served_host
    _log.info("authlens: serving /metrics on %s:%d", shown, served_port)
    return metrics


def _open_tracing(env: Mapping[str, str], metrics: Metrics | None) -> Any:
    """The span exporter when the `OTEL_*` variables ask for one, else None."""
    try:
        from authlens.telemetry import tracing  # noqa: PLC0415  # the optional `otel` extra
    except ImportError:  # the `otel` extra is not installed
        if any(env.get(name, "").strip() for name in _ENDPOINTS):
            raise TelemetryError(
                "OTEL_EXPORTER_OTLP_ENDPOINT is set, but OpenTelemetry is not installed: "
                "pip install 'authlens[otel]'"
            ) from None
        return None
    if not tracing.tracing_requested(env):
        return None
    on_drop = metrics.spans_dropped.inc if metrics is not None else _ignore
    try:
        return tracing.Tracing(env, on_drop=on_drop)
    except tracing.TracingConfigError as e:
        raise TelemetryError(str(e)) from e


_ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def _ignore(_count: int) -> None:
    """No metrics to count dropped spans in."""
