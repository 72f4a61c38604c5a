"""OpenTelemetry traces: one CLIENT span per inspected exchange, exported over OTLP/HTTP.

Configured only by the standard variables (https://opentelemetry.io/docs/specs/otel/
configuration/sdk-environment-variables/): off unless `OTEL_EXPORTER_OTLP_ENDPOINT` or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set. The span is made when the exchange is over, with
its real start and end times, as a child of the app's span when the app sent `traceparent`.
Spans leave through a BatchSpanProcessor: forwarding never waits for the collector. Its
queue is bounded; a span that finds it full is dropped here and counted (the SDK would drop
the oldest one silently), as are spans the collector refused.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry import context, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import (
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
)

from authlens.telemetry.tracecontext import TraceParent, hex_span_id, hex_trace_id

SUPPORTED_PROTOCOL = "http/protobuf"
# The SDK's defaults for OTEL_BSP_MAX_QUEUE_SIZE, _MAX_EXPORT_BATCH_SIZE, _SCHEDULE_DELAY.
_DEFAULT_QUEUE, _DEFAULT_BATCH, _DEFAULT_DELAY_MS = 2048, 512, 5000


class TracingConfigError(ValueError):
    """An `OTEL_*` value authlens cannot honour; the message names the variable."""


def tracing_requested(env: Mapping[str, str]) -> bool:
    """Whether the environment asks for trace export (an OTLP endpoint, not disabled)."""
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporters = env.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower()
    if exporters == "none":
        return False
    return any(
        env.get(name, "").strip()
        for name in ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
    )


@dataclass(frozen=True, slots=True)
class BatchSettings:
    """The batch span processor's `OTEL_BSP_*` settings, read and checked here."""

    queue: int
    batch: int
    delay_ms: int


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise TracingConfigError(f"{name}={raw!r} is not a number") from None
    if value < 1:
        raise TracingConfigError(f"{name}={raw!r} must be at least 1")
    return value


def check_environment(env: Mapping[str, str]) -> BatchSettings:
    """Validate the variables authlens reads itself; the batch processor's settings."""
    for name in ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"):
        value = env.get(name, "").strip()
        if value:
            if value != SUPPORTED_PROTOCOL:
                raise TracingConfigError(
                    f"{name}={value!r}: authlens exports traces over {SUPPORTED_PROTOCOL} only"
                )
            break
    exporters = {e.strip() for e in env.get("OTEL_TRACES_EXPORTER", "otlp").split(",")}
    if exporters - {"otlp", ""}:
        raise TracingConfigError(
            f"OTEL_TRACES_EXPORTER={env['OTEL_TRACES_EXPORTER']!r}: authlens supports otlp or none"
        )
    queue = _positive(env, "OTEL_BSP_MAX_QUEUE_SIZE", _DEFAULT_QUEUE)
    # The SDK refuses a batch larger than the queue; a small queue takes smaller batches.
    batch = min(_positive(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", _DEFAULT_BATCH), queue)
    delay = _positive(env, "OTEL_BSP_SCHEDULE_DELAY", _DEFAULT_DELAY_MS)
    return BatchSettings(queue, batch, delay)


class _Inflight:
    """Spans handed to the batch processor and not yet exported, with a drop callback."""

    def __init__(self, limit: int, on_drop: Callable[[int], None]) -> None:
        self.limit = limit
        self.count = 0
        self.dropped = 0
        self.on_drop = on_drop
        self.lock = threading.Lock()

    def admit(self) -> bool:
        with self.lock:
            if self.count >= self.limit:
                self.dropped += 1
                full = True
            else:
                self.count += 1
                full = False
        if full:
            self.on_drop(1)
        return not full

    def done(self, spans: int, *, exported: bool) -> None:
        with self.lock:
            self.count = max(self.count - spans, 0)
            if not exported:
                self.dropped += spans
        if not exported:
            self.on_drop(spans)


class _CountingExporter(SpanExporter):
    def __init__(self, inner: SpanExporter, inflight: _Inflight) -> None:
        self.inner = inner
        self.inflight = inflight

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        result = SpanExportResult.FAILURE
        try:
            result = self.inner.export(spans)
        finally:
            self.inflight.done(len(spans), exported=result is SpanExportResult.SUCCESS)
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


class _BoundedProcessor(SpanProcessor):
    """The batch processor, entered only while the queue has room."""

    def __init__(self, inner: BatchSpanProcessor, inflight: _Inflight) -> None:
        self.inner = inner
        self.inflight = inflight

    def on_start(self, span: Span, parent_context: context.Context | None = None) -> None:
        self.inner.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        if span.context is not None and span.context.trace_flags.sampled and self.inflight.admit():
            self.inner.on_end(span)

    def shutdown(self) -> None:
        self.inner.shutdown()  # type: ignore[no-untyped-call]  # the SDK leaves it unannotated

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def _resource() -> Resource:
    resource = Resource.create()  # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": "authlens"}))
    return resource


class Tracing:
    """A tracer provider of our own (the process-wide one is left alone) and its export."""

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        on_drop: Callable[[int], None] = lambda _n: None,
        exporter: SpanExporter | None = None,
    ) -> None:
        env = os.environ if env is None else env
        bsp = check_environment(env)
        self.inflight = _Inflight(bsp.queue, on_drop)
        counting = _CountingExporter(exporter or OTLPSpanExporter(), self.inflight)
        batch = BatchSpanProcessor(
            counting,
            max_queue_size=bsp.queue,
            max_export_batch_size=bsp.batch,
            schedule_delay_millis=bsp.delay_ms,
        )
        self.provider = TracerProvider(resource=_resource())
        self.provider.add_span_processor(_BoundedProcessor(batch, self.inflight))
        self.tracer = self.provider.get_tracer("authlens")

    @property
    def dropped(self) -> int:
        return self.inflight.dropped

    def record(
        self,
        name: str,
        attributes: Mapping[str, Any],
        parent: TraceParent | None,
        *,
        started: float,
        ended: float,
        error: str | None,
    ) -> tuple[str, str]:
        """Make and end the exchange's span; its (trace_id, span_id) in hex."""
        if parent is not None:
            flags = TraceFlags(TraceFlags.SAMPLED if parent.sampled else TraceFlags.DEFAULT)
            remote = SpanContext(parent.trace_id_int, parent.span_id_int, True, flags)
            ctx = trace.set_span_in_context(NonRecordingSpan(remote), context.Context())
        else:
            ctx = context.Context()  # a root span: whatever is current in this thread is not ours
        span = self.tracer.start_span(
            name, ctx, kind=SpanKind.CLIENT, attributes=attributes, start_time=int(started * 1e9)
        )
        if error is not None:
            span.set_status(Status(StatusCode.ERROR, error))
        span.end(end_time=int(ended * 1e9))
        ids = span.get_span_context()
        return hex_trace_id(ids.trace_id), hex_span_id(ids.span_id)

    def flush(self, timeout_millis: int = 5000) -> bool:
        return self.provider.force_flush(timeout_millis)

    def close(self, timeout: float = 3.0) -> None:
        """Export what is queued, waiting at most `timeout` seconds (shutdown must end)."""
        stopper = threading.Thread(target=self.provider.shutdown, daemon=True)
        stopper.start()
        stopper.join(timeout)
