"""OpenTelemetry traces end to end: a real mitmdump exports OTLP/HTTP protobuf to a receiver
on 127.0.0.1, which decodes it with `opentelemetry-proto`; the app is the openai SDK inside
a span of an app instrumented with the OpenTelemetry SDK, whose `traceparent` it sends.
"""

from __future__ import annotations

import gzip
import secrets
import socket
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import openai
import pytest
from benchmarks.otlp_sink import OtlpSink
from opentelemetry.propagate import inject
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from authlens.fake_openai import FakeOpenAI
from tests.harness import (
    ConnectRelay,
    Proxy,
    ProxyFactory,
    clean_env,
    synthetic_key,
    upstream_args,
    wait_for,
)

pytestmark = pytest.mark.e2e
# What this machine's resolver calls 127.0.0.1 (its first label), as authlens shows it.
LOOPBACK_NAME = socket.gethostbyaddr("127.0.0.1")[0].split(".")[0]


class Receiver:
    """An OTLP/HTTP trace receiver: decodes every export request and keeps its spans."""

    def __init__(self) -> None:
        self.spans: list[tuple[dict[str, Any], ProtoSpan]] = []  # (resource attributes, span)
        self.content_types: set[str] = set()
        receiver = self

        class Handler(OtlpSink):
            def received(self, body: bytes) -> None:
                if self.headers.get("content-encoding") == "gzip":
                    body = gzip.decompress(body)
                receiver.content_types.add(self.headers.get("content-type", ""))
                request = ExportTraceServiceRequest.FromString(body)
                for resource_spans in request.resource_spans:
                    resource = attributes(resource_spans.resource.attributes)
                    for scope in resource_spans.scope_spans:
                        receiver.spans.extend((resource, span) for span in scope.spans)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def span_of(self, exchange_id: str) -> ProtoSpan:
        def find() -> ProtoSpan | None:
            for _, span in self.spans:
                if attributes(span.attributes).get("authlens.id") == exchange_id:
                    return span
            return None

        return wait_for(find, 20, f"no span for exchange {exchange_id}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def attributes(values: Any) -> dict[str, Any]:
    """OTLP KeyValues as a dict (arrays as tuples)."""
    decoded: dict[str, Any] = {}
    for item in values:
        kind = item.value.WhichOneof("value")
        if kind == "array_value":
            decoded[item.key] = tuple(v.string_value for v in item.value.array_value.values)
        else:
            decoded[item.key] = getattr(item.value, kind)
    return decoded


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture(scope="module")
def traced_proxy(make_module_proxy: ProxyFactory, relay: ConnectRelay, receiver: Receiver) -> Proxy:
    env = clean_env(
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
        OTEL_SERVICE_NAME="authlens-test",
        OTEL_BSP_SCHEDULE_DELAY="100",
    )
    return make_module_proxy("mitmdump", *upstream_args(relay), env=env)


@pytest.fixture(scope="module")
def app_tracing() -> tuple[TracerProvider, InMemorySpanExporter]:
    """The app's own OpenTelemetry SDK, its spans kept in memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def test_span_is_child_of_the_apps_span(
    traced_proxy: Proxy,
    receiver: Receiver,
    app_tracing: tuple[TracerProvider, InMemorySpanExporter],
    fake: FakeOpenAI,
) -> None:
    """A rejected key: our CLIENT span sits under the app's span, with the diagnosis on it."""
    provider, _ = app_tracing
    bad_key = synthetic_key()
    with provider.get_tracer("app").start_as_current_span("handle order") as app_span:
        headers: dict[str, str] = {}
        inject(headers)  # the W3C traceparent of the app's current span
        with pytest.raises(openai.AuthenticationError) as caught:
            traced_proxy.openai(bad_key).chat.completions.create(
                model="gpt-4o-mini", messages=[], extra_headers=headers
            )
    exchange_id = caught.value.response.headers["x-authlens-id"]
    span = receiver.span_of(exchange_id)
    app = app_span.get_span_context()
    assert span.trace_id.hex() == f"{app.trace_id:032x}"
    assert span.parent_span_id.hex() == f"{app.span_id:016x}"
    assert span.kind == ProtoSpan.SpanKind.SPAN_KIND_CLIENT
    assert span.name == "chat gpt-4o-mini"
    assert span.status.code == 2  # STATUS_CODE_ERROR
    found = attributes(span.attributes)
    line = traced_proxy.log_line(exchange_id)
    assert found["error.type"] == found["authlens.cause"] == "invalid_api_key"
    assert found["authlens.hint"] == line["hint"]
    assert found["authlens.key"] == line["key"]
    assert found["gen_ai.provider.name"] == "openai"
    assert found["gen_ai.operation.name"] == "chat"
    assert found["gen_ai.request.model"] == "gpt-4o-mini"
    assert found["server.address"] == "api.openai.com"
    assert found["http.response.status_code"] == 401
    assert found["http.request.header.x-client-request-id"] == (line["client_request_id"],)
    assert found["http.response.header.x-request-id"] == (line["upstream_request_id"],)
    assert found["http.response.header.x-authlens-id"] == (exchange_id,)
    # The JSON line names the same trace and span, unredacted.
    assert line["trace_id"] == span.trace_id.hex()
    assert line["span_id"] == span.span_id.hex()
    assert span.end_time_unix_nano > span.start_time_unix_nano
    # No secret in anything exported.
    exported = b"".join(s.SerializeToString() for _, s in receiver.spans)
    assert bad_key[8:40].encode() not in exported


def test_stream_usage_and_response_id(
    traced_proxy: Proxy, receiver: Receiver, fake: FakeOpenAI, good_key: str
) -> None:
    """A streamed completion: response id and token usage from its final chunk; no content."""
    stream = traced_proxy.openai(good_key).chat.completions.with_raw_response.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "what is in my prompt"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    exchange_id = stream.http_response.headers["x-authlens-id"]
    chunks = list(stream.parse())
    assert chunks[-1].usage is not None
    span = receiver.span_of(exchange_id)
    found = attributes(span.attributes)
    assert found["gen_ai.response.id"] == chunks[0].id
    assert found["gen_ai.usage.input_tokens"] == chunks[-1].usage.prompt_tokens
    assert found["gen_ai.usage.output_tokens"] == chunks[-1].usage.completion_tokens
    assert "error.type" not in found
    assert span.parent_span_id == b""  # no traceparent sent: a root span
    exported = b"".join(s.SerializeToString() for _, s in receiver.spans)
    assert b"what is in my prompt" not in exported and b"chunk 1" not in exported
    resource = next(r for r, s in receiver.spans if s.span_id == span.span_id)
    assert resource["service.name"] == "authlens-test"
    assert traced_proxy.log_line(exchange_id)["trace_id"] == span.trace_id.hex()


def test_non_streamed_usage(
    traced_proxy: Proxy, receiver: Receiver, fake: FakeOpenAI, good_key: str
) -> None:
    """A plain completion's id and usage, read from its body."""
    raw = traced_proxy.openai(good_key).chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )
    completion = raw.parse()
    found = attributes(receiver.span_of(raw.http_response.headers["x-authlens-id"]).attributes)
    assert found["gen_ai.response.id"] == completion.id
    assert completion.usage is not None
    assert found["gen_ai.usage.input_tokens"] == completion.usage.prompt_tokens
    assert found["gen_ai.usage.output_tokens"] == completion.usage.completion_tokens
    assert receiver.content_types == {"application/x-protobuf"}


def test_unsupported_protocol_stops_startup(make_proxy: ProxyFactory, receiver: Receiver) -> None:
    """OTLP over gRPC is not shipped: startup stops with a message naming the variable."""
    env = clean_env(
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL="grpc"
    )
    proxy = make_proxy("mitmdump", env=env, start=False)
    assert proxy.wait_exit() not in (None, 0)
    assert "OTEL_EXPORTER_OTLP_PROTOCOL" in proxy.stderr() + proxy.stdout()


def test_without_tracing_the_line_carries_the_apps_trace(
    make_proxy: ProxyFactory, relay: ConnectRelay, fake: FakeOpenAI, good_key: str
) -> None:
    """Tracing off: a hand-built traceparent reaches the line unredacted; the client is named."""
    proxy = make_proxy("mitmdump", *upstream_args(relay), env=clean_env())
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    app = proxy.openai(good_key)
    raw = app.models.with_raw_response.list(
        extra_headers={"traceparent": f"00-{trace_id}-{parent_id}-01"}
    )
    line = proxy.log_line(raw.headers["x-authlens-id"])
    assert (line["trace_id"], line["span_id"]) == (trace_id, parent_id)
    assert line["client"] == "127.0.0.1"  # the first line: the name is still resolving

    def named() -> str | None:
        # Later lines carry the name reverse DNS gives the peer.
        again = app.models.with_raw_response.list()
        client = proxy.log_line(again.headers["x-authlens-id"])["client"]
        return client if client != "127.0.0.1" else None

    assert wait_for(named, 10, "the peer's name never appeared") == f"127.0.0.1 {LOOPBACK_NAME}"
    assert proxy.log_line(raw.headers["x-authlens-id"])["span_id"] == parent_id


def test_a_stalled_collector_never_holds_up_forwarding(
    make_proxy: ProxyFactory, relay: ConnectRelay, fake: FakeOpenAI, good_key: str
) -> None:
    """The collector accepts connections and never answers: requests still pass at once
    (the client's 5 s timeout is half the exporter's), and the proxy still stops by itself."""
    with socket.socket() as blackhole:
        blackhole.bind(("127.0.0.1", 0))
        blackhole.listen(64)
        env = clean_env(
            OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{blackhole.getsockname()[1]}",
            OTEL_BSP_SCHEDULE_DELAY="50",
            OTEL_BSP_MAX_EXPORT_BATCH_SIZE="1",
        )
        proxy = make_proxy("mitmdump", *upstream_args(relay), env=env)
        app = proxy.openai(good_key, timeout=5)
        ids = [app.models.with_raw_response.list().headers["x-authlens-id"] for _ in range(20)]
        assert all(proxy.log_line(i)["status"] == 200 for i in ids)
        proxy.stop()  # SIGTERM; SIGKILL after 15 s
        assert proxy.process is not None and proxy.process.returncode == 0
