"""Trace export never holds an exchange up: a stalled collector fills a bounded queue, and
what does not fit is dropped and counted. Plus the `OTEL_*` variables authlens reads itself.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from authlens.telemetry.hub import TelemetryError, open_telemetry
from authlens.telemetry.metrics import Metrics
from authlens.telemetry.tracecontext import parse_traceparent
from authlens.telemetry.tracing import (
    Tracing,
    TracingConfigError,
    check_environment,
    tracing_requested,
)


class StalledExporter(SpanExporter):
    """A collector that takes every batch and answers only when released."""

    def __init__(self, result: SpanExportResult = SpanExportResult.SUCCESS) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.exported: list[str] = []
        self.result = result

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.entered.set()
        self.release.wait(30)
        self.exported.extend(span.name for span in spans)
        return self.result

    def shutdown(self) -> None:
        self.release.set()


def record(tracing: Tracing, n: int) -> tuple[str, str]:
    return tracing.record(
        f"chat m{n}", {"authlens.id": str(n)}, None, started=1.0, ended=2.0, error=None
    )


def test_stalled_collector_never_blocks_and_drops_are_counted() -> None:
    """Queue of 5: with the collector stalled, 5 spans wait, 45 are dropped and counted."""
    metrics = Metrics()
    exporter = StalledExporter()
    env = {"OTEL_BSP_MAX_QUEUE_SIZE": "5", "OTEL_BSP_SCHEDULE_DELAY": "10"}
    tracing = Tracing(env, on_drop=metrics.spans_dropped.inc, exporter=exporter)
    record(tracing, 0)
    assert exporter.entered.wait(10)  # the first batch is stuck in the collector
    ids = [record(tracing, n) for n in range(1, 50)]  # returns at once, collector or not
    assert len({trace_id for trace_id, _ in ids}) == 49  # root spans: a trace each
    assert tracing.dropped == 45
    assert metrics.registry.get_sample_value("authlens_trace_spans_dropped_total") == 45
    exporter.release.set()
    assert tracing.flush()
    assert len(exporter.exported) == 5
    tracing.close()


def test_refused_exports_count_as_dropped() -> None:
    metrics = Metrics()
    exporter = StalledExporter(SpanExportResult.FAILURE)
    exporter.release.set()
    tracing = Tracing({}, on_drop=metrics.spans_dropped.inc, exporter=exporter)
    for n in range(3):
        record(tracing, n)
    assert tracing.flush()
    assert tracing.dropped == 3
    tracing.close()


def test_child_of_the_apps_span() -> None:
    exporter = StalledExporter()
    exporter.release.set()
    tracing = Tracing({}, exporter=exporter)
    parent = parse_traceparent("00-" + "ab" * 16 + "-" + "cd" * 8 + "-01")
    trace_id, span_id = tracing.record(
        "chat x", {}, parent, started=1.0, ended=2.0, error="quoted_key"
    )
    assert trace_id == "ab" * 16 and span_id != "cd" * 8
    tracing.close()


@pytest.mark.parametrize(
    ("env", "wanted"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ""}, False),  # compose's default: off
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}, False),
    ],
)
def test_tracing_is_off_unless_an_endpoint_is_set(env: dict[str, str], wanted: bool) -> None:
    assert tracing_requested(env) is wanted


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "OTEL_EXPORTER_OTLP_PROTOCOL"),
        ({"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"}, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"),
        ({"OTEL_TRACES_EXPORTER": "zipkin"}, "OTEL_TRACES_EXPORTER"),
        ({"OTEL_BSP_MAX_QUEUE_SIZE": "lots"}, "OTEL_BSP_MAX_QUEUE_SIZE"),
        ({"OTEL_BSP_MAX_QUEUE_SIZE": "0"}, "OTEL_BSP_MAX_QUEUE_SIZE"),
    ],
)
def test_unusable_variables_stop_startup_naming_them(env: dict[str, str], named: str) -> None:
    with pytest.raises(TracingConfigError, match=named):
        check_environment(env)
    with pytest.raises(TelemetryError, match=named):
        open_telemetry(None, env={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", **env})


def test_traces_protocol_wins_over_the_general_one() -> None:
    """The per-signal variable is the one the exporter uses, so it is the one checked."""
    env = {
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",  # for metrics or logs of other programs
    }
    assert check_environment(env).queue == 2048


def test_small_queue_takes_smaller_batches() -> None:
    """A queue below the default batch size (512) is accepted: batches shrink to fit."""
    settings = check_environment({"OTEL_BSP_MAX_QUEUE_SIZE": "100"})
    assert (settings.queue, settings.batch) == (100, 100)
