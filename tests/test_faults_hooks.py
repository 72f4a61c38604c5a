"""Our own failures never break a flow, and the classifier never raises on any input.

Hook tests use mitmproxy's test helpers (no proxy process); the property tests drive the
pure path (evidence, rules, event, annotation) with arbitrary headers, paths and bytes.
"""

# hypothesis strategy tables read better unwrapped

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mitmproxy import hooks
from mitmproxy.http import HTTPFlow, Response
from mitmproxy.test import tflow

import authlens.proxy.addon as addon_module
import authlens.proxy.failure_hooks as failure_hooks
import authlens.proxy.inspection as inspection
from authlens.diagnosis import failures as kinds
from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.failures import CLIENT_TLS_FAILED, UPSTREAM_DISCONNECTED
from authlens.diagnosis.history import KeyHistory
from authlens.diagnosis.request_model import model_from_body
from authlens.diagnosis.rules import diagnose
from authlens.exchange import Exchange, Failure
from authlens.output.annotate import annotate_error_body
from authlens.output.events import build_event
from authlens.proxy.addon import AuthLens
from authlens.proxy.failure_hooks import FailureHooks
from authlens.secrets.bodies import field_secrets
from authlens.secrets.redactor import Redactor
from authlens.secrets.text import header_safe
from tests.keyfactory import leaks, project_key

KEY = project_key(31)
UNGUARDED = {"load", "configure"}  # an invalid option must stop startup, so these raise


def openai_flow(
    status: int = 401, body: bytes = b'{"error": {"message": "no", "type": "x"}}'
) -> HTTPFlow:
    flow = tflow.tflow()
    flow.request.host, flow.request.scheme, flow.request.port = "api.openai.com", "https", 443
    flow.request.headers["authorization"] = f"Bearer {KEY}"
    flow.response = Response.make(status, body, {"content-type": "application/json"})
    return flow


def events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize("addon_class", [AuthLens, FailureHooks])
def test_every_hook_is_guarded(addon_class: type) -> None:
    """Each mitmproxy hook our addons implement (but load/configure) catches our exceptions."""
    implemented = [name for name in hooks.all_hooks if hasattr(addon_class, name)]
    assert implemented
    for name in implemented:
        if name not in UNGUARDED:
            assert hasattr(getattr(addon_class, name), "__wrapped__"), f"{name} is not @guarded"


@pytest.mark.parametrize(
    ("hook", "module", "broken"),
    [
        ("request", inspection, "new_state"),
        ("response", addon_module, "gather_evidence"),
        ("response", addon_module, "build_event"),
        ("error", failure_hooks, "flow_to_exchange"),
        ("http_connect_error", failure_hooks, "failure_of"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_exception_in_a_hook_is_an_internal_error_line(
    addon: AuthLens,
    log_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    hook: str,
    module: ModuleType,
    broken: str,
) -> None:
    """The flow is untouched, the line names hook and place, and no part of the key leaks."""

    def explode(*_: object, **__: object) -> None:
        raise RuntimeError(f"could not handle Bearer {KEY} in ...")

    monkeypatch.setattr(module, broken, explode)
    flow = openai_flow()
    flow.metadata["authlens"] = {
        "id": "x",
        "host": "api.openai.com",
        "provider": "openai",
        "inspected": True,
        "client_request_id_added": False,
        "model": None,
        "stream": False,
    }
    if hook in ("error", "http_connect_error"):
        flow.response = (
            Response.make(502, b"Cannot connect") if hook == "http_connect_error" else None
        )
        flow.error = __import__("mitmproxy.flow", fromlist=["Error"]).Error("Connect call failed")
    body_before = flow.response.raw_content if flow.response else None
    getattr(addon if hasattr(addon, hook) else addon.failures, hook)(flow)
    line, *rest = events(log_path)
    # Fail closed: when the response hook fails, the exchange is still logged (one line).
    assert [e["event"] for e in rest] == (["exchange"] if hook == "response" else [])
    assert line["event"] == "internal_error"
    assert line["hook"] == hook
    assert line["error"] == "RuntimeError"
    assert line["where"].startswith("test_faults_hooks.py:")
    assert not leaks(log_path.read_text(), KEY, "sk-proj-")
    if flow.response is not None and hook == "response":
        assert flow.response.raw_content == body_before


def test_error_after_response_is_not_logged_twice(addon: AuthLens, log_path: Path) -> None:
    """A flow gets one line even if both response and error reach us."""
    flow = openai_flow()
    addon.request(flow)
    addon.responseheaders(flow)
    addon.response(flow)
    flow.error = __import__("mitmproxy.flow", fromlist=["Error"]).Error("Client disconnected.")
    addon.failures.error(flow)
    assert [e["event"] for e in events(log_path)] == ["exchange"]


def test_error_hook_scrubs_the_stored_flow(addon: AuthLens, log_path: Path) -> None:
    """A failed flow is stored (HAR, -w) without the key, like an answered one."""
    flow = openai_flow()
    addon.request(flow)
    flow.response = None
    flow.error = __import__("mitmproxy.flow", fromlist=["Error"]).Error("Connect call failed")
    addon.failures.error(flow)
    assert not leaks(str(flow.request.headers), KEY, "sk-proj-")
    (line,) = events(log_path)
    assert (line["status"], line["level"], line["cause"]) == (None, "error", "upstream_unreachable")


@pytest.mark.parametrize("text", ["ok", "tab\there", "nul\x00byte", "caf\u00e9", "bell\x07"])
def test_header_safe_is_printable_ascii(text: str) -> None:
    """A hint quoting a binary body must not put control characters into a response header."""
    value = header_safe(text)
    assert value.isascii()
    assert all(0x20 <= ord(c) < 0x7F for c in value)


# Property tests: the classifier path never raises on arbitrary input.

header_names = st.sampled_from(
    [
        "authorization",
        "api-key",
        "x-api-key",
        "openai-organization",
        "openai-project",
        "user-agent",
        "content-type",
        "x-request-id",
        "apim-request-id",
        "x-stainless-lang",
        "cookie",
        "proxy-authorization",
    ]
) | st.text(min_size=1, max_size=20)
header_maps = st.dictionaries(header_names, st.text(max_size=300), max_size=8)
paths = st.text(max_size=200).map(lambda s: "/" + s) | st.sampled_from(
    ["/v1/chat/completions", "/v1/models?key=abc&api_key=%ZZ&api-key=", "/openai/deployments/x"]
)
json_errors = st.builds(
    lambda code, message, kind: orjson.dumps(
        {"error": {"message": message, "type": kind, "param": None, "code": code}}
    ),
    st.one_of(st.none(), st.text(max_size=30), st.integers(-(2**63), 2**63 - 1)),
    st.one_of(st.none(), st.text(max_size=200)),
    st.one_of(st.none(), st.text(max_size=30)),
)
bodies = st.one_of(st.none(), st.binary(max_size=2000), json_errors)
failures = st.one_of(
    st.none(),
    st.builds(
        Failure,
        st.sampled_from(
            [
                CLIENT_TLS_FAILED,
                UPSTREAM_DISCONNECTED,
                "upstream_unreachable",
                "upstream_tls_failed",
                "client_disconnected",
            ]
        ),
        st.text(max_size=200),
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    request_headers=header_maps,
    response_headers=header_maps,
    path=paths,
    body=bodies,
    status=st.one_of(st.none(), st.integers(100, 599)),
    provider=st.sampled_from(["openai", "azure", "compatible"]),
    host=st.text(max_size=60),
    failure=failures,
)
def test_classifier_never_raises(
    request_headers: dict[str, str],
    response_headers: dict[str, str],
    path: str,
    body: bytes | None,
    status: int | None,
    provider: str,
    host: str,
    failure: Failure | None,
) -> None:
    """Evidence, diagnosis, event and annotation accept any input and give serializable output."""
    exchange = Exchange(
        id="p1",
        provider=provider,
        method="POST",
        scheme="https",
        host=host,
        path=path,
        request_headers=request_headers,
        started=0.0,
        ended=0.5,
        status=status,
        response_headers=response_headers,
        response_body=body,
        failure=failure,
    )
    ev = gather_evidence(exchange, KeyHistory(16))
    finding = diagnose(ev)
    event = build_event(ev, finding)
    orjson.dumps(event)
    if finding is not None:
        assert finding.hint.isascii()
        annotated = annotate_error_body(
            body,
            cause=finding.cause,
            hint=finding.hint,
            exchange_id="p1",
            key=ev.key,
            redactor=Redactor(ev.secrets),
        )
        assert annotated is None or orjson.loads(annotated)["error"]["authlens"]["id"] == "p1"


@settings(max_examples=300, deadline=None)
@given(
    body=st.one_of(st.none(), st.binary(max_size=3000), json_errors),
    content_type=st.text(max_size=40) | st.just("application/json"),
)
def test_body_parsing_never_raises(body: bytes | None, content_type: str) -> None:
    """Reading a model or secret fields out of any request body never raises."""
    model = model_from_body(body, content_type)
    assert model is None or isinstance(model, str)
    assert all(isinstance(s, str) for s in field_secrets(body, content_type))


@settings(max_examples=300, deadline=None)
@given(
    where=st.sampled_from([kinds.CONNECT, kinds.FLOW, kinds.SERVER_TLS, kinds.CLIENT_TLS]),
    message=st.text(max_size=300),
    started=st.booleans(),
)
def test_failure_classification_never_raises(where: str, message: str, started: bool) -> None:
    """Any mitmproxy message gives a known failure kind."""
    failure = kinds.failure_of(where, message, secrets=[message], response_started=started)
    assert failure.kind in {
        kinds.UPSTREAM_UNREACHABLE,
        kinds.UPSTREAM_TLS_FAILED,
        kinds.CLIENT_TLS_FAILED,
        kinds.UPSTREAM_DISCONNECTED,
        kinds.CLIENT_DISCONNECTED,
        kinds.KILLED,
    }


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}', ()),
        (b'{"model": "gpt-4o", "api_key": "zz-secret-value-1"}', ("zz-secret-value-1",)),
        (b'{"nested": [{"Token": "zz-secret-value-2"}]}', ("zz-secret-value-2",)),
        (b'{"api\\u005fkey": "zz-secret-value-3"}', ("zz-secret-value-3",)),
    ],
)
def test_field_secrets_skips_only_bodies_without_secret_fields(
    body: bytes, found: tuple[str, ...]
) -> None:
    """The quick pre-check never hides a secret field, escaped names included."""
    assert tuple(field_secrets(body, "application/json")) == found
