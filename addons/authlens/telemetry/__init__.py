"""Metrics and traces of the exchanges, fed the same event dict the JSON log gets.

`flow -> Exchange -> Evidence -> Finding -> event -> log, metrics, span`: the hub
(`Telemetry.observe`) completes the event's `client`, `trace_id` and `span_id` fields,
counts it in Prometheus (`authlens_metrics`) and exports a span (standard `OTEL_*`
variables, optional extra `authlens[otel]`). No mitmproxy here.
"""

from __future__ import annotations

from authlens.telemetry.hub import Telemetry, TelemetryError, open_telemetry
from authlens.telemetry.replyfacts import ReplyFacts, StreamTap

__all__ = ["ReplyFacts", "StreamTap", "Telemetry", "TelemetryError", "open_telemetry"]
