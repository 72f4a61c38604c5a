"""The telemetry core: client names, trace context, labels, reply facts, the hub, the log sink.

No proxy here: the hub is fed plain events and exchanges, as the addon feeds it.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import threading
from typing import Any

import orjson
import pytest

from authlens.exchange import Exchange
from authlens.output.logsink import SECRETS_FIELD, scrub_secrets
from authlens.telemetry import Telemetry
from authlens.telemetry.clientnames import ClientNames, plain_address, short_name
from authlens.telemetry.labels import BoundedValues, operation_name, provider_name, status_class
from authlens.telemetry.replyfacts import StreamTap, body_facts
from authlens.telemetry.tracecontext import parse_traceparent
from tests.harness import synthetic_key


def hex_digits(count: int) -> str:
    return secrets.token_hex(count // 2)


def traceparent(trace_id: str, span_id: str, flags: str = "01", version: str = "00") -> str:
    return f"{version}-{trace_id}-{span_id}-{flags}"


# --- trace context -------------------------------------------------------------------


def test_traceparent_parsed() -> None:
    """A valid header gives its trace id, parent span id and sampled flag."""
    trace_id, span_id = hex_digits(32), hex_digits(16)
    parent = parse_traceparent(traceparent(trace_id, span_id))
    assert parent is not None
    assert (parent.trace_id, parent.span_id, parent.sampled) == (trace_id, span_id, True)
    unsampled = parse_traceparent(traceparent(trace_id, span_id, "00"))
    assert unsampled is not None and not unsampled.sampled


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        traceparent("0" * 32, "ab" * 8),  # all-zero trace id
        traceparent("ab" * 16, "0" * 16),  # all-zero parent id
        traceparent("AB" * 16, "ab" * 8),  # upper case
        traceparent("ab" * 16, "ab" * 8, version="ff"),
        traceparent("ab" * 16, "ab" * 8) + "-extra",  # version 00 has no more fields
        traceparent("ab" * 15, "ab" * 8),  # short trace id
        "00-" + "ab" * 16 + "-" + "ab" * 8,  # no flags
        "x" * 600,
    ],
)
def test_traceparent_rejected(value: str | None) -> None:
    """Invalid headers are ignored, never half-read."""
    assert parse_traceparent(value) is None


def test_future_traceparent_version_keeps_known_fields() -> None:
    """A later version may append fields; the first four are read."""
    parent = parse_traceparent(traceparent("cd" * 16, "ef" * 8, version="01") + "-more")
    assert parent is not None and parent.trace_id == "cd" * 16


# --- client names --------------------------------------------------------------------


class Resolver:
    """A reverse DNS stand-in that answers when the test lets it."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.calls: list[str] = []
        self.release = threading.Event()
        self.release.set()

    def __call__(self, address: str) -> str:
        self.calls.append(address)
        self.release.wait(5)
        if address not in self.answers:
            raise OSError("no PTR record")
        return self.answers[address]


def test_first_line_has_address_then_name() -> None:
    """The lookup runs off the caller's thread; once done, the name follows the address."""
    resolver = Resolver({"172.18.0.5": "shop-billing-worker-1.shop_default."})
    resolver.release.clear()
    names = ClientNames(resolver)
    assert names.describe("172.18.0.5") == "172.18.0.5"  # not blocked by the slow lookup
    resolver.release.set()
    names.wait_idle()
    assert names.describe("172.18.0.5") == "172.18.0.5 shop-billing-worker-1"
    assert resolver.calls == ["172.18.0.5"]


def test_failed_lookup_is_cached_and_retried_after_expiry() -> None:
    """No PTR record: the address alone, not looked up again until the entry expires."""
    now = [1000.0]
    resolver = Resolver({})
    names = ClientNames(resolver, clock=lambda: now[0])
    names.describe("10.0.0.9")
    names.wait_idle()
    assert names.describe("10.0.0.9") == "10.0.0.9"
    assert resolver.calls == ["10.0.0.9"]
    now[0] += 3600
    resolver.answers["10.0.0.9"] = "api-7d9f.payments.pod.cluster.local"
    assert names.describe("10.0.0.9") == "10.0.0.9"  # expired: looked up again
    names.wait_idle()
    assert names.describe("10.0.0.9") == "10.0.0.9 api-7d9f"
    assert resolver.calls == ["10.0.0.9", "10.0.0.9"]


def test_cache_is_bounded() -> None:
    """Many distinct peers never hold more than the capacity."""
    names = ClientNames(lambda a: f"host-{a.replace('.', '-')}.net", capacity=50)
    for i in range(300):
        names.describe(f"10.1.{i // 256}.{i % 256}")
        names.wait_idle()
    assert len(names) == 50
    names.close()


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        ("billing-worker.shop_default", "billing-worker"),
        ("localhost", "localhost"),
        ("10.0.0.1", None),  # the address again
        ("bad name\x1b[31m.example", None),  # not a DNS label: never shown
        ("a" * 80 + ".example", None),  # longer than a label may be
    ],
)
def test_short_name(answer: str, shown: str | None) -> None:
    """The first DNS label, only when it is one."""
    assert short_name(answer, "10.0.0.1") == shown


def test_dual_stack_address_shown_as_ipv4() -> None:
    assert plain_address("::ffff:172.18.0.5") == "172.18.0.5"
    assert plain_address("fd00::5") == "fd00::5"


# --- labels --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "operation"),
    [
        ("/v1/chat/completions", "chat"),
        ("/v1/chat/completions?api-version=1", "chat"),
        ("/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21", "chat"),
        ("/v1/responses", "chat"),
        ("/v1/completions", "text_completion"),
        ("/openai/deployments/ada/embeddings", "embeddings"),
        ("/v1/images/generations", "image_generation"),
        ("/v1/audio/transcriptions", "audio"),
        ("/v1/models/gpt-4o", "models"),
        ("/v1/files/file-abc", "data"),
        ("/v1/organization/projects", "admin"),
        ("/v1/" + "x" * 40, "_OTHER"),
        ("", "_OTHER"),
    ],
)
def test_operation_from_path(path: str, operation: str) -> None:
    assert operation_name(path) == operation


def test_labels_from_bounded_sets() -> None:
    """Providers, status classes and hosts only take a bounded number of values."""
    assert provider_name("openai") == "openai"
    assert provider_name("azure") == "azure.ai.openai"
    assert provider_name("compatible") == "_OTHER"
    assert {status_class(s) for s in (200, 201, 302, 401, 429, 502, None, 999)} == {
        "2xx",
        "3xx",
        "4xx",
        "5xx",
        "none",
    }
    hosts = BoundedValues(limit=3)
    shown = {hosts(f"h{i}.example") for i in range(100)}
    assert len(shown) == 4 and "_OTHER" in shown
    assert hosts("h1.example") == "h1.example"  # a known one stays itself


# --- reply facts ---------------------------------------------------------------------


def chat_chunk(completion_id: str, **extra: Any) -> bytes:
    chunk = {"id": completion_id, "object": "chat.completion.chunk", "choices": [], **extra}
    return b"data: " + orjson.dumps(chunk) + b"\n\n"


def test_stream_tap_reads_id_and_final_usage() -> None:
    """Across many chunks, the first id and the final usage chunk are found; chunks pass as is."""
    tap = StreamTap(keep=True)
    chunks = [chat_chunk("chatcmpl-abc123")] + [
        chat_chunk("chatcmpl-abc123", choices=[{"delta": {"content": "x" * 500}}])
        for _ in range(40)
    ]
    usage = {"prompt_tokens": 17, "completion_tokens": 230, "total_tokens": 247}
    chunks += [chat_chunk("chatcmpl-abc123", usage=usage), b"data: [DONE]\n\n"]
    assert [tap(c) for c in chunks] == chunks
    facts = tap.facts()
    assert (facts.response_id, facts.input_tokens, facts.output_tokens) == (
        "chatcmpl-abc123",
        17,
        230,
    )
    assert facts.first_chunk is not None


def test_responses_api_usage_nested() -> None:
    """Responses API `response.completed`: usage with nested details is read too."""
    body = orjson.dumps(
        {
            "id": "resp_0123",
            "output": [{"content": [{"text": "y" * 9000}]}],
            "usage": {
                "input_tokens": 9,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": 4,
                "output_tokens_details": {"reasoning_tokens": 0},
            },
        }
    )
    facts = body_facts(body)
    assert (facts.response_id, facts.input_tokens, facts.output_tokens) == ("resp_0123", 9, 4)


def test_no_usage_no_content() -> None:
    """Without usage the counts are None; the facts never carry message text."""
    tap = StreamTap(keep=True)
    tap(chat_chunk("chatcmpl-q", choices=[{"delta": {"content": "secret words"}}]))
    facts = tap.facts()
    assert facts.input_tokens is None and facts.output_tokens is None
    assert "secret words" not in repr(facts)
    assert StreamTap(keep=False).facts().response_id is None


# --- the hub -------------------------------------------------------------------------


def exchange(**changes: Any) -> Exchange:
    base: dict[str, Any] = {
        "id": "3f2a9c1b-0d4e-4a1b-8c2d-1e2f3a4b5c6d",
        "provider": "openai",
        "method": "POST",
        "scheme": "https",
        "host": "api.openai.com",
        "path": "/v1/chat/completions",
        "request_headers": {},
        "started": 1_800_000_000.0,
        "ended": 1_800_000_000.5,
        "status": 200,
        "peer": "127.0.0.1",
    }
    return Exchange(**{**base, **changes})


def test_hub_without_tracing_logs_the_apps_trace() -> None:
    """Tracing off: the app's traceparent gives trace_id and span_id; none gives null."""
    hub = Telemetry(names=ClientNames(lambda a: "app-1.net"))
    trace_id, span_id = hex_digits(32), hex_digits(16)
    event: dict[str, Any] = {"client": None, "trace_id": None, "span_id": None}
    headers = {"traceparent": traceparent(trace_id, span_id)}
    hub.observe(event, exchange(request_headers=headers))
    assert (event["trace_id"], event["span_id"]) == (trace_id, span_id)
    hub.names.wait_idle()
    hub.observe(event, exchange())
    assert event == {"client": "127.0.0.1 app-1", "trace_id": None, "span_id": None}


def test_hub_survives_a_broken_part() -> None:
    """A failing resolver or exporter leaves the event complete and raises nothing."""

    class Broken:
        def record(self, *args: Any, **kwargs: Any) -> tuple[str, str]:
            raise RuntimeError("collector down")

    hub = Telemetry(tracing=Broken(), names=ClientNames(lambda a: "x"))
    event: dict[str, Any] = {"cause": None, "status": 200, "host": "api.openai.com"}
    hub.observe(event, exchange(), reply=lambda _body: 1 / 0)  # type: ignore[arg-type,return-value]
    assert event["trace_id"] is None and event["client"] == "127.0.0.1"
    assert hub.failures == 2


def test_telemetry_imports_no_mitmproxy() -> None:
    """The telemetry package belongs to the core: importing it leaves mitmproxy unloaded."""
    code = (
        "import importlib, pkgutil, sys, authlens.telemetry as t\n"
        "for info in pkgutil.walk_packages(t.__path__, 'authlens.telemetry.'):\n"
        "    importlib.import_module(info.name)\n"
        "sys.exit(1 if any(m.split('.')[0] == 'mitmproxy' for m in sys.modules) else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- the log sink's known-format fields ----------------------------------------------


def scrubbed(event: dict[str, Any], sent: tuple[str, ...] = ()) -> dict[str, Any]:
    return dict(scrub_secrets(None, "info", {**event, SECRETS_FIELD: sent}))


def test_trace_ids_pass_the_log_scrub_unredacted() -> None:
    """A W3C trace id has an Azure key's shape; in its own field it stays as it is."""
    for _ in range(50):
        event = {
            "trace_id": hex_digits(32),
            "span_id": hex_digits(16),
            "id": "3f2a9c1b-0d4e-4a1b-8c2d-1e2f3a4b5c6d",
            "upstream_request_id": "req_" + hex_digits(32),
            "client_request_id": "E621E1F8-C36C-495A-93FC-0C247A3E6E5F",
        }
        assert scrubbed(event) == event


def test_same_shape_elsewhere_stays_redacted() -> None:
    """A 32-hex value in any other field, or of another shape in a known field, is redacted."""
    azure_like = hex_digits(32)
    event = {
        "hint": f"key {azure_like} rejected",
        "organization": azure_like,
        "client_request_id": azure_like,  # a client may paste anything there
        "trace_id": azure_like + " ",  # not the exact format
    }
    out = scrubbed(event)
    assert all(azure_like[:8] not in str(value) for value in out.values()), out
    assert all(azure_like[-12:] not in str(value) for value in out.values()), out


def test_credential_in_a_known_field_is_redacted() -> None:
    """The exchange's own credential is redacted even in a trace id's exact format."""
    azure_key = hex_digits(32)
    out = scrubbed({"trace_id": azure_key, "span_id": azure_key[:16]}, (azure_key,))
    assert azure_key[:8] not in orjson.dumps(out).decode()
    openai_key = synthetic_key()
    out = scrubbed({"upstream_request_id": openai_key})
    assert openai_key[8:16] not in orjson.dumps(out).decode()
